import Foundation

/// The one table of Moat rule ids that importers name: which Moat rule finds the same threat as another tool's
/// rule or threat. Rules are rewritten from time to time; keep every rule id here (a test checks that each exists in
/// the built-in catalogue), never in a mapper.
enum RuleLinks {
    /// How a Threagile risk id names its elements after the category (`category@part@part…`).
    enum Shape { case asset, callerTargetLink, other }

    /// Threagile's built-in risk categories with a Moat counterpart: the Moat rules and the shape of the risk id.
    static let threagile: [String: (rules: [String], shape: Shape)] = [
        "untrusted-deserialization": (["untrusted-deserialisation"], .asset),
        "unencrypted-asset": (["regulated-data-at-rest-unencrypted", "secrets-at-rest-unprotected"], .asset),
        "missing-hardening": (["insecure-default-configuration"], .asset),
        "xml-external-entity": (["xml-external-entities"], .asset),
        "cross-site-scripting": (["cross-site-scripting"], .asset),
        "missing-file-validation": (["unrestricted-file-upload"], .asset),
        "code-backdooring": (["source-repository-tampering"], .asset),
        "ldap-injection": (["ldap-injection"], .callerTargetLink),
        "missing-authentication": (["missing-authentication-entry-point"], .other),
        "missing-authentication-second-factor": (["privileged-account-without-mfa"], .other),
        "sql-nosql-injection": (["sql-injection", "nosql-injection"], .other),
        "server-side-request-forgery": (["server-side-request-forgery"], .other),
        "cross-site-request-forgery": (["cross-site-request-forgery"], .other),
        "path-traversal": (["path-traversal-file-handling"], .other),
        "unencrypted-communication": (["tampering-in-transit"], .other),
        "dos-risky-access-across-trust-boundary": (["exposed-endpoint-not-rate-limited"], .other),
        "unchecked-deployment": (["unverified-artefact-deployment"], .asset),
        "missing-vault": (["credentials-outside-secrets-manager"], .other),
        "missing-network-segmentation": (["unsegmented-restricted-zone"], .asset),
        "unguarded-access-from-internet": (["missing-waf"], .asset),
        "accidental-secret-leak": (["accidental-secret-leak"], .asset),
        "container-baseimage-backdooring": (["container-base-image-backdooring"], .asset),
        "missing-waf": (["missing-waf"], .asset),
        "missing-cloud-hardening": (["missing-cloud-hardening"], .asset),
        "push-instead-of-pull-deployment": (["push-deployment"], .other),
        "missing-identity-propagation": (["missing-identity-propagation"], .other),
    ]

    /// Phrases in a threat's title or description (lowercased, any word boundary) and the Moat rules that find that
    /// threat: how a Threat Dragon, OTM or TM-BOM threat written by a person is linked to a rule (`same-as`).
    /// Longest phrases first; the first that matches wins.
    static let phrases: [(phrase: String, rules: [String])] = [
        ("sql injection", ["sql-injection"]), ("nosql injection", ["nosql-injection"]),
        ("ldap injection", ["ldap-injection"]), ("cross-site scripting", ["cross-site-scripting"]),
        ("cross site scripting", ["cross-site-scripting"]), ("xss", ["cross-site-scripting"]),
        ("cross-site request forgery", ["cross-site-request-forgery"]), ("csrf", ["cross-site-request-forgery"]),
        ("server-side request forgery", ["server-side-request-forgery"]), ("ssrf", ["server-side-request-forgery"]),
        ("path traversal", ["path-traversal-file-handling"]), ("directory traversal", ["path-traversal-file-handling"]),
        ("xml external entit", ["xml-external-entities"]), ("xxe", ["xml-external-entities"]),
        ("deserialization", ["untrusted-deserialisation"]), ("deserialisation", ["untrusted-deserialisation"]),
        ("brute force", ["brute-force-login"]), ("credential stuffing", ["credential-stuffing"]),
        ("session fixation", ["session-fixation"]), ("prompt injection", ["prompt-injection"]),
        ("file upload", ["unrestricted-file-upload"]), ("request smuggling", ["http-request-smuggling"]),
        ("log injection", ["log-injection"]), ("cache poisoning", ["cache-poisoning"]),
        ("man-in-the-middle", ["tampering-in-transit"]), ("man in the middle", ["tampering-in-transit"]),
        ("eavesdrop", ["tampering-in-transit"]), ("hard-coded", ["accidental-secret-leak"]), ("hardcoded", ["accidental-secret-leak"]),
        ("denial of service", ["exposed-endpoint-not-rate-limited"]), ("rate limit", ["exposed-endpoint-not-rate-limited"]),
    ]

    /// Every Moat rule id this table names.
    static var allRuleIDs: Set<String> {
        Set(threagile.values.flatMap(\.rules) + phrases.flatMap(\.rules))
    }

    /// The Moat rules that find the threat a text describes, if a phrase says.
    static func rules(forText text: String) -> [String] {
        let t = " " + text.lowercased().replacingOccurrences(of: "\n", with: " ") + " "
        for (phrase, rules) in phrases where t.contains(phrase) { return rules }
        return []
    }
}

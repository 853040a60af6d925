import Foundation
import MoatCore
import MoatInterop
import Testing

/// The analysis measured against outside references (../shared/calibration/README.md): models and threat
/// lists nobody on the project wrote. The figures are printed; the thresholds are the project's goals.
///
/// A reference threat is covered when a Moat *rule* (written threats do not count) raises a finding with
/// the same threat in meaning on the same asset. Which Moat rules mean the same as each reference category
/// is the table below — meaning, not special cases: each rule stands on its own examples.
@Suite("Calibration against outside references")
struct CalibrationTests {
    /// Threagile's risk categories on its example model, the assets (or `source->target` links) it flags,
    /// and the Moat rules that describe the same threat. `model` stands for a model-wide finding.
    static let threagile: [(category: String, assets: [String], rules: [String])] = [
        ("missing-authentication", ["load-balancer->marketing-cms", "erp-system->contract-file-server"],
         ["internal-service-trusts-network", "missing-authentication-entry-point",
          "datastore-unauthenticated-access", "unauthenticated-internal-connection"]),
        ("ldap-injection", ["identity-provider", "marketing-cms"], ["ldap-injection"]),
        ("unencrypted-communication", ["load-balancer->apache-webserver", "marketing-cms->ldap-auth-server",
                                       "erp-system->sql-database", "erp-system->contract-file-server"],
         ["tampering-in-transit", "credentials-over-cleartext", "sensitive-data-crossing-boundary",
          "regulated-data-cleartext-internal", "cleartext-internal-traffic"]),
        ("unguarded-access-from-internet", ["git-repo", "jenkins-build-server"],
         ["unguarded-internet-access", "missing-authentication-entry-point", "poisoned-pipeline-execution"]),
        ("missing-vault", ["model"], ["missing-secrets-store"]),
        ("xml-external-entity", ["erp-system"], ["xml-external-entities"]),
        ("missing-hardening", ["apache-webserver", "erp-system", "sql-database", "identity-provider", "jenkins-build-server",
                               "ldap-auth-server"],
         ["insecure-default-configuration", "missing-hardening"]),
        ("sql-nosql-injection", ["sql-database"], ["sql-injection", "nosql-injection"]),
        ("path-traversal", ["erp-system"], ["path-traversal-file-handling"]),
        ("untrusted-deserialization", ["jenkins-build-server", "erp-system"], ["untrusted-deserialisation"]),
        ("missing-network-segmentation", ["apache-webserver", "jenkins-build-server"],
         ["missing-network-segmentation", "unsegmented-zone-with-secret-data", "unsegmented-restricted-zone",
          "build-zone-unsegmented"]),
        ("unencrypted-asset", ["sql-database", "contract-file-server", "ldap-auth-server"],
         ["regulated-data-at-rest-unencrypted", "secrets-at-rest-unprotected", "unencrypted-sensitive-store",
          "sensitive-store-in-untrusted-zone", "log-store-sensitive-data"]),
        ("missing-file-validation", ["apache-webserver"], ["unrestricted-file-upload", "missing-file-validation"]),
        ("dos-risky-access-across-trust-boundary", ["apache-webserver", "erp-system", "identity-provider", "ldap-auth-server"],
         ["exposed-endpoint-not-rate-limited", "cross-boundary-resource-exhaustion", "expensive-query-exhaustion",
          "mqtt-broker-flooding"]),
        ("unchecked-deployment", ["jenkins-build-server", "git-repo"],
         ["unverified-artefact-deployment", "build-artefact-tampering", "unverified-source-checkout", "unchecked-deployment"]),
        ("missing-authentication-second-factor", ["customer-client", "backoffice-client", "backend-admin-client",
                                                  "external-dev-client"],
         ["privileged-account-without-mfa", "credential-stuffing", "developer-account-takeover", "missing-second-factor"]),
        ("code-backdooring", ["git-repo", "jenkins-build-server"],
         ["source-repository-tampering", "build-artefact-tampering", "unpinned-build-dependencies", "code-backdooring"]),
        ("server-side-request-forgery", ["apache-webserver"], ["server-side-request-forgery"]),
        ("cross-site-scripting", ["apache-webserver", "erp-system", "identity-provider", "marketing-cms"], ["cross-site-scripting"]),
        ("cross-site-request-forgery", ["apache-webserver", "erp-system", "identity-provider", "marketing-cms"],
         ["cross-site-request-forgery"]),
        ("accidental-secret-leak", ["git-repo"], ["secrets-in-repository", "accidental-secret-leak"]),
        ("push-instead-of-pull-deployment", ["jenkins-build-server->apache-webserver", "jenkins-build-server->marketing-cms"],
         ["push-deployment", "push-instead-of-pull-deployment"]),
        ("container-baseimage-backdooring", ["apache-webserver", "marketing-cms"],
         ["container-base-image-backdooring", "unverified-base-image"]),
        ("missing-waf", ["apache-webserver", "erp-system", "identity-provider", "marketing-cms"], ["missing-waf"]),
        ("missing-identity-propagation", ["apache-webserver->erp-system"], ["missing-identity-propagation"]),
        ("mixed-targets-on-shared-runtime", ["webapp-virtualization"], ["mixed-targets-on-shared-runtime"]),
        ("missing-cloud-hardening", ["application-network", "apache-webserver", "contract-file-server"],
         ["missing-cloud-hardening"]),
    ]

    /// The findings of rules (not written threats) by element id, for the Threagile example.
    static func ruleFindings(_ relative: String) throws -> (findings: [String: [Finding]], flows: [String: String], model: Model) {
        let imported = try importShared(relative)
        let analysis = imported.analysis()
        var byElement: [String: [Finding]] = [:]
        for f in analysis.findings where !f.rule.isWritten { byElement[f.elementID, default: []].append(f) }
        // A Threagile link is named by its ends; map `source->target` to the flow's id (explicit ids when two
        // links share ends).
        var flows: [String: String] = [:]
        for f in imported.model.flows { flows["\(f.source)->\(f.target)"] = flows["\(f.source)->\(f.target)"] ?? f.id }
        return (byElement, flows, imported.model)
    }

    @Test func threagileRiskCategoriesOnItsExampleModel() throws {
        let (findings, flows, model) = try Self.ruleFindings("threagile/example.yaml")
        let boundaries = Set(model.boundaries.map(\.id))
        var covered: [String] = [], missed: [String] = []
        for (category, assets, rules) in Self.threagile {
            let hits = assets.map { asset -> Bool in
                let id = asset.contains("->") ? (flows[asset] ?? asset) : asset
                let here = findings[id, default: []]
                // A link's threat may be raised on the link or on the element it enters.
                let target = asset.contains("->") ? String(asset.split(separator: ">").last ?? "") : nil
                let there = target.map { findings[$0, default: []] } ?? []
                return (here + there).contains { rules.contains($0.rule.id) } || (boundaries.contains(id) && here.contains { rules.contains($0.rule.id) })
            }
            if hits.allSatisfy({ $0 }) { covered.append(category) } else {
                missed.append("\(category) (\(zip(assets, hits).filter { !$0.1 }.map(\.0).joined(separator: ", ")))")
            }
        }
        print("calibration: Threagile example, \(covered.count) of \(Self.threagile.count) risk categories raised by Moat rules on the same assets")
        for m in missed { print("  missed: \(m)") }
        #expect(covered.count >= 25, "missed: \(missed.joined(separator: "; "))")
    }

    /// The (element, STRIDE category) pairs of the threats people wrote by hand in a Threat Dragon file.
    static func handWrittenPairs(_ relative: String) throws -> [(name: String, shape: String, stride: Stride)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Shared.path(relative)))
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let diagrams = ((root["detail"] as? [String: Any])?["diagrams"] as? [[String: Any]]) ?? []
        var pairs: [(String, String, Stride)] = []
        let strideNames: [String: Stride] = [
            "spoofing": .spoofing, "tampering": .tampering, "repudiation": .repudiation,
            "information disclosure": .informationDisclosure, "denial of service": .denialOfService,
            "elevation of privilege": .elevationOfPrivilege,
        ]
        for diagram in diagrams {
            for cell in diagram["cells"] as? [[String: Any]] ?? [] {
                let data = cell["data"] as? [String: Any] ?? [:]
                let name = (data["name"] as? String ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
                for threat in data["threats"] as? [[String: Any]] ?? [] {
                    guard let type = (threat["type"] as? String)?.lowercased(), let stride = strideNames[type] else { continue }
                    if !pairs.contains(where: { $0.0 == name && $0.2 == stride }) {
                        pairs.append((name, cell["shape"] as? String ?? "", stride))
                    }
                }
            }
        }
        return pairs
    }

    @Test func threatDragonHandWrittenThreats() throws {
        var total = 0, raised = 0
        var missed: [String] = []
        for file in ["threat-dragon/v2-threat-model.json", "threat-dragon/three-tier-web-app.json"] {
            let imported = try importShared(file)
            let analysis = imported.analysis()
            let model = imported.model
            func normalised(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            for pair in try Self.handWrittenPairs(file) {
                total += 1
                let ids = pair.shape == "flow"
                    ? model.flows.filter { normalised($0.name) == pair.name }.map(\.id)
                    : model.elements.filter { normalised($0.name) == pair.name }.map(\.id)
                let hit = analysis.findings.contains { f in
                    !f.rule.isWritten && ids.contains(f.elementID) && f.rule.stride.contains(pair.stride)
                }
                if hit { raised += 1 } else { missed.append("\(file): \(pair.name) / \(pair.stride.rawValue)") }
            }
        }
        let percent = total == 0 ? 0 : raised * 100 / total
        print("calibration: Threat Dragon hand-written threats, \(raised) of \(total) (element, STRIDE) pairs raised by Moat rules (\(percent) %)")
        for m in missed { print("  missed: \(m)") }
        #expect(total > 0 && raised * 10 >= total * 9, "missed: \(missed.joined(separator: "; "))")
    }
}

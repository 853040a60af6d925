import Foundation
import MoatCore

/// What an importer infers from names, descriptions and stencil types, through the vocabulary's values, aliases and
/// groups (Models/vocabulary.yaml is the one place that knows that "Orders DB" names an `sql` store or that a zone
/// called "Internet" is `untrusted`). Every inference comes with the words it was made from, for a comment.
struct Inference {
    let vocabulary: Vocabulary

    /// The words of a text, lowercased, and each pair of neighbouring words joined by `-` ("load balancer" →
    /// "load-balancer"); pairs first, then single words from the last to the first (the head of an English noun
    /// phrase comes last: "Customer Database" is a database).
    static func candidates(_ text: String) -> [String] {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "#") }
            .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ".")) }.filter { !$0.isEmpty }
        var out: [String] = []
        if words.count > 1 { for i in (0..<(words.count - 1)).reversed() { out.append(words[i] + "-" + words[i + 1]) } }
        out += words.reversed()
        return out
    }

    /// A value of an enum attribute named in a text (a value or an alias).
    func value(of attribute: String, in text: String, allowed: (String) -> Bool = { _ in true }) -> (value: String, word: String)? {
        for w in Self.candidates(text) {
            if let v = vocabulary.canonicalValue(w, of: attribute), allowed(v) { return (v, w) }
        }
        return nil
    }

    // MARK: - Kinds and types

    /// Types that only actors have (people, partners, devices), and types only datastores have.
    var actorTypes: Set<String> {
        vocabulary.values(of: .human).union(["partner", "service", "device", "anonymous"]).union(vocabulary.values(of: .client))
    }
    var storageTypes: Set<String> { vocabulary.group("storage", of: "type")?.values ?? [] }

    /// Whether a `type` value suits an element of `kind`.
    func fits(type: String, _ kind: ElementKind) -> Bool {
        switch kind {
        case .datastore: return storageTypes.contains(type)
        case .actor: return actorTypes.contains(type)
        default:
            return !storageTypes.contains(type) && !vocabulary.values(of: .human).contains(type)
                && !["partner", "service", "anonymous"].contains(type)
        }
    }

    /// The kind of element a type implies: storage types are datastores, people and client software actors.
    func kind(ofType type: String) -> ElementKind? {
        if storageTypes.contains(type) { return .datastore }
        if vocabulary.values(of: .human).contains(type) || vocabulary.values(of: .client).contains(type)
            || ["partner", "anonymous", "device"].contains(type) { return .actor }
        return nil
    }

    /// The `type` that a `tech` implies through the tech groups named like a type (postgres → sql, kafka → queue).
    func type(ofTech tech: String) -> String? {
        let typeValues = Set(vocabulary.spec(.type).values ?? [])
        for g in vocabulary.groups(of: "tech") where g.values.contains(tech) && typeValues.contains(g.name) { return g.name }
        return nil
    }

    /// `type` inferred from texts (labelled for the comment: "the name 'Orders DB'"), for an element of `kind`.
    func type(from texts: [(label: String, text: String)], kind: ElementKind) -> (value: String, reason: String)? {
        for (label, text) in texts {
            if let (v, w) = value(of: "type", in: text, allowed: { fits(type: $0, kind) }) {
                return (v, "inferred from the word '\(w)' in \(label)")
            }
            if let (t, w) = value(of: "tech", in: text), let v = type(ofTech: t), fits(type: v, kind) {
                return (v, "inferred from '\(w)' (\(t)) in \(label)")
            }
        }
        return nil
    }

    /// `tech` inferred from texts; a product wins over an operating system.
    func tech(from texts: [(label: String, text: String)]) -> (value: String, reason: String)? {
        var platform: (String, String)?
        for (label, text) in texts {
            for w in Self.candidates(text) {
                guard let t = vocabulary.canonicalValue(w, of: "tech"), t != "unknown" else { continue }
                if isPlatform(t) { platform = platform ?? (t, "inferred from the word '\(w)' in \(label)"); continue }
                return (t, "inferred from the word '\(w)' in \(label)")
            }
        }
        return platform
    }

    /// Whether a `tech` value is an operating system, the least specific technology.
    func isPlatform(_ tech: String) -> Bool { vocabulary.group("platform", of: "tech")?.values.contains(tech) ?? false }

    /// The kind of element that texts describe (a datastore or an actor), if they say.
    func kind(from texts: [String]) -> ElementKind? {
        for text in texts {
            if let (v, _) = value(of: "type", in: text), let k = kind(ofType: v) { return k }
            if let (t, _) = value(of: "tech", in: text), let v = type(ofTech: t), let k = kind(ofType: v) { return k }
        }
        return nil
    }

    // MARK: - Trust

    /// A trust level named by a zone's name ("Internet" → untrusted, "DMZ" → dmz, "Third party" → partner).
    func trust(fromName name: String) -> (value: String, word: String)? { value(of: "trust", in: name) }

    /// Whether a text names something outside the owner's control (the internet, a third party).
    func soundsUntrusted(_ text: String) -> Bool {
        guard let (v, _) = trust(fromName: text) else { return false }
        return v == "untrusted" || v == "partner"
    }

    // MARK: - Protocols

    /// A protocol named in free text (`HTTP/S`, `HTTP/2`, `UPnP`, `TCP 1234`) → Moat `protocol`, with the port when the
    /// text gives one.
    func protocolName(_ text: String) -> (name: String, port: Int?)? {
        var t = text.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        var port: Int?
        // "TCP 1234", "tcp:8443", "HTTPS (443)", "port 22"
        if let r = t.range(of: "[ :(]+(port )?([0-9]{1,5})\\)?$", options: .regularExpression) {
            let digits = t[r].filter(\.isNumber)
            if let p = Int(digits), p <= 65_535 { port = p }
            t = String(t[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
        let compact = t.replacingOccurrences(of: " ", with: "")
        if let p = vocabulary.canonicalValue(compact, of: "protocol") { return (p, port) }
        // Users name the application protocol where the transport is meant.
        if ["sql", "rpc", "jsonrpc", "json-rpc"].contains(compact) { return ("tcp", port) }
        return nil
    }

    // MARK: - STRIDE

    /// STRIDE categories named by a category word (`Spoofing`, `Information disclosure`, CIA and LINDDUN names).
    func stride(fromCategory text: String) -> String? {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "-")
        if let v = vocabulary.canonicalValue(t, of: "stride") { return v }
        for w in Self.candidates(text) { if let v = vocabulary.canonicalValue(w, of: "stride") { return v } }
        return nil
    }

    /// STRIDE categories in the words of a title or description (each at most once, in STRIDE order).
    func strides(inText text: String) -> [String] {
        var found = Set<String>()
        for w in Self.candidates(text) { if let v = vocabulary.canonicalValue(w, of: "stride") { found.insert(v) } }
        return (vocabulary.spec(.stride).values ?? []).filter(found.contains)
    }
}

/// Tags of data assets guessed from their words.
enum DataTagInference {
    /// Flags for a data asset inferred from its words (names, descriptions, tags).
    ///
    /// Keyword matching is a heuristic; imported documents say which flags were inferred.
    static func tags(_ texts: [String]) -> [String] {
        // Sentences that deny something ("logs should not contain PII") are left out.
        let negations: Set<String> = ["not", "no", "never", "without", "none", "nor"]
        let sentences = texts.flatMap { $0.components(separatedBy: CharacterSet(charactersIn: ".;!?\n")) }
            .filter { sentence in
                !sentence.lowercased().split { !$0.isLetter }.contains { negations.contains(String($0)) }
            }
        let text = " " + sentences.joined(separator: " ").lowercased()
            .map { $0.isLetter || $0.isNumber ? String($0) : " " }.joined() + " "
        func any(_ words: [String]) -> Bool { words.contains { text.contains(" " + $0) } }
        var flags: [String] = []
        if any(["pii ", "personal ", "personally identifiable", "gdpr", "dsgvo", "address ", "addresses ",
                "email", "e mail", "phone", "date of birth", "social security"]) { flags.append("pii") }
        if any(["credential", "password", "passwd", "secret ", "secrets ", "api key", "apikey", "token ", "tokens ",
                "session cookie", "session id", "ssh key"]) { flags.append("credentials") }
        if any(["credit card", "card number", "card data", "cardholder", "pan ", "iban", "pci", "cc data"]) {
            flags.append("payment")
        }
        if any(["health", "medical", "patient", "diagnos"]) { flags.append("health") }
        if any(["private key", "key material", "cryptographic key", "signing key", "encryption key", "certificate"]) {
            flags.append("keys")
        }
        if any(["financial", "ledger", "account balance", "invoice", "bank account", "payment transaction"]) { flags.append("financial") }
        if any(["source code", "application code", "code ", "firmware", "artifact", "artefact", "binary ", "binaries "]) {
            flags.append("code")
        }
        if any(["telemetry", "metric", "usage event"]) { flags.append("telemetry") }
        return flags
    }
}

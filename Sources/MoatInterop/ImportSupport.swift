import Foundation
import MoatCore
import Yams

/// What an importer produces: a Moat document (the same AST the parser produces) and what it had
/// to say about the source file (errors for unreadable input, warnings for what it could not map).
public struct ImportResult: Sendable {
    public var document: Document
    public var diagnostics: DiagnosticBag

    public init(document: Document, diagnostics: DiagnosticBag) {
        self.document = document
        self.diagnostics = diagnostics
    }

    public var hasErrors: Bool { diagnostics.hasErrors }
}

// MARK: - Reading YAML and JSON with positions

/// A foreign YAML or JSON file read into Yams nodes, with positions for diagnostics.
///
/// JSON is read by the YAML parser too (JSON is YAML), so both report line and column. Aliases are
/// resolved by the composer; merge keys (`<<: *base`) are resolved by `entries(_:)`.
struct SourceTree {
    let file: SourceFile
    let root: Node?

    /// Parses the file; a syntax error becomes an `invalid-yaml`/`invalid-json` error in `diagnostics`.
    init(file: SourceFile, diagnostics: inout DiagnosticBag) {
        self.file = file
        let text = String(decoding: file.bytes, as: UTF8.self)
        let isJSON = file.path.lowercased().hasSuffix(".json")
        let what = isJSON ? "JSON" : "YAML"
        do {
            let composed = try Yams.compose(yaml: text)
            // Anchors and merge keys are fine; an alias bomb that expands far beyond the file is not.
            var budget = 50 * file.bytes.count + 1_000
            if let composed, !YAMLModelReader.fits(composed, budget: &budget) {
                diagnostics.error(.yamlExpansion, "\(what) aliases expand this file far beyond its size", at: file.range(0, 0))
                root = nil
            } else {
                root = composed
            }
        } catch let error as YamlError {
            root = nil
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                diagnostics.error(what == "JSON" ? .invalidJson : .invalidYaml, "invalid \(what): \(problem)",
                                  at: file.range(line: max(1, mark.line), column: max(1, mark.column)))
            default:
                diagnostics.error(what == "JSON" ? .invalidJson : .invalidYaml, "invalid \(what): \(error)", at: file.range(0, 0))
            }
        } catch {
            root = nil
            diagnostics.error(what == "JSON" ? .invalidJson : .invalidYaml, "cannot read \(what): \(error)", at: file.range(0, 0))
        }
    }

    /// The source range of a node (libyaml counts columns in scalars; SourceLocation in UTF-8 bytes).
    func range(_ node: Node?) -> SourceRange {
        guard let mark = node?.mark, mark.line >= 1 else { return file.range(0, 0) }
        let line = file.lineText(mark.line)
        let prefix = String(line.unicodeScalars.prefix(max(0, mark.column - 1)))
        var length = 1
        if case .scalar(let s)? = node { length = max(1, s.string.utf8.count + (s.style == .plain ? 0 : 2)) }
        return file.range(line: mark.line, column: prefix.utf8.count + 1, length: length)
    }

    /// The start of the file, for diagnostics about the whole file.
    var start: SourceRange { file.range(0, 0) }
}

/// One key of a mapping, with the node of the key for positions.
struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
}

/// A mapping whose keys are consumed as they are mapped; what is left is reported as not mapped.
final class Fields {
    let node: Node
    private(set) var entries: [Entry]
    private var used: Set<String> = []

    init?(_ node: Node?) {
        guard let node, case .mapping = node else { return nil }
        self.node = node
        self.entries = Fields.flatten(node)
    }

    /// The pairs of a mapping with merge keys resolved: explicit keys win over merged ones.
    static func flatten(_ node: Node, depth: Int = 0) -> [Entry] {
        guard case .mapping(let mapping) = node, depth < 32 else { return [] }
        var local: [Entry] = []
        var merged: [Entry] = []
        for (k, v) in mapping {
            let isMerge = k.tag.rawValue == Tag.Name.merge.rawValue || (k.string == "<<" && k.scalar?.style == .plain)
            if isMerge {
                switch v {
                case .mapping: merged += flatten(v, depth: depth + 1)
                case .sequence(let items):
                    for item in items { merged += flatten(item, depth: depth + 1) }
                default: break
                }
                continue
            }
            guard let key = k.string else { continue }
            local.append(Entry(key: key, keyNode: k, value: v))
        }
        var seen = Set(local.map(\.key))
        var result = local
        for e in merged where !seen.contains(e.key) {
            seen.insert(e.key)
            result.append(e)
        }
        return result
    }

    /// The value of a key, marking it mapped.
    func take(_ key: String) -> Node? {
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        used.insert(key)
        return e.value
    }

    /// The entry of a key, marking it mapped.
    func entry(_ key: String) -> Entry? {
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        used.insert(key)
        return e
    }

    /// Marks keys as handled without reading them (derived or presentation-only values).
    func skip(_ keys: String...) { used.formUnion(keys) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The text of a key without marking it mapped.
    func peek(_ key: String) -> String? { entries.first { $0.key == key }.flatMap { Fields.text($0.value) } }

    /// A non-empty string value (numbers and booleans as written), marking the key mapped.
    func string(_ key: String) -> String? { take(key).flatMap(Fields.text) }

    func bool(_ key: String) -> Bool { take(key).flatMap(Fields.boolValue) ?? false }

    /// The keys not mapped whose values carry information (not null, empty, or false).
    var leftovers: [Entry] {
        entries.filter { !used.contains($0.key) && Fields.hasContent($0.value) }
    }

    /// A short description of leftovers for a warning: `key (value)` or `key`.
    var leftoverSummary: String {
        leftovers.map { e in
            if let t = Fields.text(e.value) { return "\(e.key) (\(Fields.clip(t, 40)))" }
            if case .sequence(let items) = e.value {
                let texts = items.compactMap(Fields.text)
                if texts.count == items.count { return "\(e.key) (\(Fields.clip(texts.joined(separator: ", "), 60)))" }
            }
            return e.key
        }.joined(separator: ", ")
    }

    // MARK: Scalars

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node { return s.tag.rawValue == Tag.Name.null.rawValue || (s.style == .plain && s.string.isEmpty) }
        return false
    }

    /// A scalar's text, trimmed; nil for null or empty.
    static func text(_ node: Node) -> String? {
        guard case .scalar(let s) = node, !isNull(node) else { return nil }
        let t = s.string.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }

    static func boolValue(_ node: Node) -> Bool? {
        guard case .scalar(let s) = node else { return nil }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    static func number(_ node: Node?) -> Double? {
        guard let node, case .scalar(let s) = node, !isNull(node) else { return nil }
        return Double(s.string.trimmingCharacters(in: .whitespaces))
    }

    static func hasContent(_ node: Node) -> Bool {
        switch node {
        case .scalar: return text(node) != nil && boolValue(node) != false
        case .sequence(let items): return items.contains(where: hasContent)
        case .mapping(let m): return m.contains { hasContent($0.value) }
        case .alias: return true
        }
    }

    /// The items of a sequence (a single scalar counts as one item; null as none).
    static func items(_ node: Node?) -> [Node] {
        guard let node else { return [] }
        switch node {
        case .sequence(let items): return Array(items)
        case .scalar: return isNull(node) ? [] : [node]
        default: return []
        }
    }

    /// The non-empty texts of a sequence.
    static func strings(_ node: Node?) -> [(String, Node)] {
        items(node).compactMap { n in text(n).map { ($0, n) } }
    }

    static func clip(_ s: String, _ n: Int) -> String {
        let one = Notes.oneLine(s)
        return one.count <= n ? one : String(one.prefix(n - 1)) + "…"
    }
}

// MARK: - Ids

/// Makes valid, unique, deterministic Moat ids from foreign ids and names.
///
/// Ids keep ASCII letters, digits, `_` and `-` (lowercased); any other run of characters becomes
/// one `-`; accents are folded. An id must start with a letter, so one starting with a digit gets a
/// prefix. Keywords and taken ids get a numeric suffix. The same input in the same order always
/// gives the same ids.
struct IDAllocator {
    private(set) var taken: Set<String> = []
    static let maximumLength = 48

    init(reserved: Set<String> = []) { taken = reserved }

    /// The id for `preferred` (a foreign id or a name), or `fallback-N` when nothing usable is left.
    mutating func make(_ preferred: String?, fallback: String) -> String {
        var base = preferred.map(Self.sanitize) ?? ""
        if base.isEmpty {
            base = fallback
            var n = 1
            while taken.contains("\(base)-\(n)") { n += 1 }
            let id = "\(base)-\(n)"
            taken.insert(id)
            return id
        }
        if let first = base.unicodeScalars.first, !CharacterSet.lowercaseLetters.contains(first), first != "_" {
            base = fallback + "-" + base
        }
        if Self.keywords.contains(base) { base += "-\(fallback)" }
        var id = base
        var n = 2
        while taken.contains(id) {
            id = "\(base)-\(n)"
            n += 1
        }
        taken.insert(id)
        return id
    }

    /// `id` itself when it is already a valid, free Moat id (files written by Moat keep their ids), else `make`.
    mutating func make(exact id: String, fallback: String) -> String {
        if Self.isValidID(id), !taken.contains(id) {
            taken.insert(id)
            return id
        }
        return make(id, fallback: fallback)
    }

    /// Whether `id` lexes as one Moat identifier that is not a keyword.
    static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, (first >= 0x61 && first <= 0x7A) || (first >= 0x41 && first <= 0x5A) || first == 0x5F
        else { return false }
        for (i, b) in bytes.enumerated() {
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
                || b == 0x2D || b == 0x2E
            guard ok else { return false }
            if b == 0x2D, i + 1 < bytes.count, bytes[i + 1] == 0x3E { return false }
        }
        return !keywords.contains(id) && bytes.count <= 200
    }

    static let keywords: Set<String> = [
        "model", "include", "data", "actor", "process", "datastore", "boundary",
        "accept", "mitigated", "false-positive", "not-applicable", "true", "false", "yes", "no",
    ]

    /// The id form of a text, possibly empty.
    static func sanitize(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var out = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            let v = scalar.value
            let isAlnum = (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A)
            if isAlnum || v == 0x5F {
                if pendingDash && !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(Unicode.Scalar(v >= 0x41 && v <= 0x5A ? v + 32 : v)!)
            } else {
                pendingDash = true
            }
        }
        if out.count > maximumLength {
            let cut = String(out.prefix(maximumLength))
            if let dash = cut.lastIndex(of: "-"), cut.distance(from: cut.startIndex, to: dash) >= maximumLength / 2 {
                out = String(cut[..<dash])
            } else {
                out = cut
            }
        }
        return out
    }
}

// MARK: - Notes (comments in the Moat document)

enum Notes {
    /// Text on one line: line breaks and control characters become spaces, runs of spaces one space.
    static func oneLine(_ text: String) -> String {
        var out = ""
        var space = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            if isSpace {
                space = !out.isEmpty
            } else {
                if space { out += " " }
                space = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Comment lines without repeats, in first-seen order.
    static func unique(_ lines: [String]) -> [String] {
        var seen: Set<String> = []
        return lines.filter { seen.insert($0).inserted }
    }

    /// A display name: one line, trimmed.
    static func name(_ text: String?) -> String? {
        guard let text else { return nil }
        let n = oneLine(text)
        return n.isEmpty ? nil : n
    }

    /// `# text` comment lines for a note (never more than one line per call; user text stays data).
    static func comment(_ text: String) -> String {
        let t = oneLine(text)
        return t.isEmpty ? "#" : "# " + t
    }
}

// MARK: - Building the document

/// Helpers that make AST nodes with the range of the foreign construct they come from.
struct SyntaxMaker {
    /// A flag attribute (`internet-facing`).
    static func flag(_ name: String, at range: SourceRange) -> AttributeSyntax {
        AttributeSyntax(name: Located(name, range), values: [], range: range)
    }

    /// An attribute with one or more values; the vocabulary decides at load time whether each is a word or a string.
    static func attribute(_ name: String, _ values: [String], at range: SourceRange) -> AttributeSyntax {
        AttributeSyntax(name: Located(name, range), values: values.map { Located(ValueSyntax($0, .scalar), range) },
                        range: range)
    }

    static func attribute(_ name: String, _ value: String, at range: SourceRange) -> AttributeSyntax {
        attribute(name, [value], at: range)
    }
}

/// Attributes of one element under construction, each written once; written out in the vocabulary's order.
struct AttributeList {
    private var items: [AttributeSyntax] = []

    var isEmpty: Bool { items.isEmpty }

    func has(_ name: String) -> Bool { items.contains { $0.name.value == name } }

    func value(_ name: String) -> [String] {
        items.first { $0.name.value == name }?.values.map(\.value.text) ?? []
    }

    /// Sets an attribute unless it is already set (the first mapping wins).
    mutating func set(_ syntax: AttributeSyntax) {
        guard !has(syntax.name.value) else { return }
        items.append(syntax)
    }

    mutating func flag(_ name: String, at range: SourceRange) { set(SyntaxMaker.flag(name, at: range)) }

    mutating func set(_ name: String, _ value: String, at range: SourceRange) {
        set(SyntaxMaker.attribute(name, value, at: range))
    }

    /// Adds ids to a reference list (kept in first-seen order, without repeats).
    mutating func add(refs name: String, _ ids: [String], at range: SourceRange) {
        guard !ids.isEmpty else { return }
        if let i = items.firstIndex(where: { $0.name.value == name }) {
            var existing = items[i].values.map(\.value.text)
            for id in ids where !existing.contains(id) { existing.append(id) }
            let r = items[i].range
            items[i] = SyntaxMaker.attribute(name, existing, at: r)
        } else {
            var unique: [String] = []
            for id in ids where !unique.contains(id) { unique.append(id) }
            set(SyntaxMaker.attribute(name, unique, at: range))
        }
    }

    mutating func remove(_ name: String) { items.removeAll { $0.name.value == name } }

    /// The attributes in the vocabulary's order (unknown names last, as set).
    func syntax(_ vocabulary: Vocabulary) -> [AttributeSyntax] {
        let rank = items.map { vocabulary.index(of: $0.name.value) ?? Int.max }
        return items.indices.sorted { (rank[$0], $0) < (rank[$1], $1) }.map { items[$0] }
    }
}

/// An element (actor, process or datastore) under construction.
struct ElementDraft {
    var kind: ElementKind
    var id: String
    var name: String?
    var attributes = AttributeList()
    var comments: [String] = []
    /// Id of the boundary draft holding it.
    var boundary: String?
    var range: SourceRange

    func statement(_ vocabulary: Vocabulary) -> Statement {
        .declaration(DeclarationSyntax(kind: kind, id: Located(id, range), name: name.map { Located($0, range) },
                                       attributes: attributes.syntax(vocabulary), range: range, trivia: Trivia(leading: Notes.unique(comments))))
    }
}

struct BoundaryDraft {
    var id: String
    var name: String?
    var attributes = AttributeList()
    var comments: [String] = []
    var parent: String?
    var range: SourceRange
}

struct FlowDraft {
    var source: String
    var target: String
    var twoWay = false
    var name: String?
    /// Used as the explicit id when several flows run the same way between the same two elements.
    var preferredID: String?
    var explicitID: String?
    var attributes = AttributeList()
    var comments: [String] = []
    var range: SourceRange
}

struct DataDraft {
    var id: String
    var name: String?
    var attributes = AttributeList()
    var comments: [String] = []
    var range: SourceRange
}

/// Collects the drafts of one import and assembles them into a document in canonical order:
/// model header, data assets, elements outside every boundary, boundaries (with their elements),
/// flows, tracking statements, then notes that belong to no statement.
struct DocumentDraft {
    let vocabulary: Vocabulary
    var file: SourceFile
    var modelName: String
    var modelAttributes = AttributeList()
    var modelComments: [String] = []
    var modelRange: SourceRange
    var data: [DataDraft] = []
    var elements: [ElementDraft] = []
    var boundaries: [BoundaryDraft] = []
    var flows: [FlowDraft] = []
    var tracking: [TrackingSyntax] = []
    var trailingComments: [String] = []
    /// The element namespace (elements, boundaries, explicit flow ids) and the data namespace.
    var ids = IDAllocator()
    var dataIDs = IDAllocator()

    init(vocabulary: Vocabulary, file: SourceFile, modelName: String, modelRange: SourceRange) {
        self.vocabulary = vocabulary
        self.file = file
        self.modelName = modelName
        self.modelRange = modelRange
    }

    func elementIndex(_ id: String) -> Int? { elements.firstIndex { $0.id == id } }

    /// Gives explicit ids to flows that would otherwise share an implicit id.
    mutating func assignFlowIDs() {
        var groups: [String: [Int]] = [:]
        for (i, f) in flows.enumerated() {
            groups[Flow.implicitID(source: f.source, target: f.target, twoWay: f.twoWay), default: []].append(i)
        }
        for (i, f) in flows.enumerated() where f.explicitID == nil {
            let key = Flow.implicitID(source: f.source, target: f.target, twoWay: f.twoWay)
            guard let group = groups[key], group.count > 1 else { continue }
            flows[i].explicitID = ids.make(f.preferredID ?? f.name ?? "\(f.source)-to-\(f.target)", fallback: "flow")
        }
    }

    func document(notation: Document.Notation) -> Document {
        var statements: [Statement] = []
        statements.append(.declaration(DeclarationSyntax(
            kind: .model, id: nil, name: Located(modelName, modelRange), attributes: modelAttributes.syntax(vocabulary),
            range: modelRange, trivia: Trivia(leading: modelComments))))
        for d in data {
            statements.append(.declaration(DeclarationSyntax(
                kind: .data, id: Located(d.id, d.range), name: d.name.map { Located($0, d.range) },
                attributes: d.attributes.syntax(vocabulary), range: d.range, trivia: Trivia(leading: d.comments))))
        }
        for e in elements where e.boundary == nil { statements.append(e.statement(vocabulary)) }
        for b in boundaries where b.parent == nil { statements.append(.boundary(boundary(b))) }
        for f in flows {
            statements.append(.flow(FlowSyntax(
                id: f.explicitID.map { Located($0, f.range) }, source: Located(f.source, f.range),
                target: Located(f.target, f.range), twoWay: f.twoWay, name: f.name.map { Located($0, f.range) },
                attributes: f.attributes.syntax(vocabulary), range: f.range, trivia: Trivia(leading: Notes.unique(f.comments)))))
        }
        statements += tracking.map(Statement.tracking)
        return Document(file: file, notation: notation, statements: statements, trailingComments: trailingComments)
    }

    private func boundary(_ b: BoundaryDraft) -> BoundarySyntax {
        var items: [Statement] = b.attributes.syntax(vocabulary).map(Statement.attribute)
        items += elements.filter { $0.boundary == b.id }.map { $0.statement(vocabulary) }
        items += boundaries.filter { $0.parent == b.id }.map { .boundary(boundary($0)) }
        return BoundarySyntax(id: Located(b.id, b.range), name: b.name.map { Located($0, b.range) }, items: items,
                              range: b.range, trivia: Trivia(leading: b.comments))
    }
}

// MARK: - Shared vocabulary mappings

/// Words from other tools mapped onto the vocabulary (its values, aliases and groups).
extension Vocabulary {
    /// The Moat `tech` named by a word (a value or an alias, any case).
    func tech(_ word: String) -> String? { canonicalValue(word, of: CoreAttribute.tech.name) }

    /// Whether a `tech` value is an operating system, the least specific technology.
    func isPlatform(_ tech: String) -> Bool { group("platform", of: CoreAttribute.tech.name)?.values.contains(tech) ?? false }

    /// A protocol named in free text (`HTTP/S`, `HTTPS`, `tls`) → Moat `protocol`.
    func protocolName(_ text: String) -> String? {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        // Threat Dragon users name the application protocol where the transport is meant.
        if ["sql", "rpc"].contains(t) { return "tcp" }
        return canonicalValue(t, of: CoreAttribute.protocol.name)
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
                "session cookie", "session id"]) { flags.append("credentials") }
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

/// What every importer run holds: the file, its diagnostics, its YAML/JSON tree and the document being
/// drafted; subclasses add their format's state.
class ImportRun {
    let file: SourceFile
    var bag = DiagnosticBag()
    var tree: SourceTree!
    var draft: DocumentDraft
    /// The notation recorded when the file's extension says neither YAML nor JSON.
    let defaultNotation: Document.Notation

    let vocabulary: Vocabulary

    init(file: SourceFile, defaultNotation: Document.Notation, vocabulary: Vocabulary) {
        self.file = file
        self.defaultNotation = defaultNotation
        self.vocabulary = vocabulary
        draft = DocumentDraft(vocabulary: vocabulary, file: file, modelName: "", modelRange: file.range(0, 0))
    }

    func result() -> ImportResult {
        let notation = DocumentReader.notation(forPath: file.path)
        return ImportResult(document: draft.document(notation: notation == .moat ? defaultNotation : notation), diagnostics: bag)
    }

    func range(_ node: Node?) -> SourceRange { tree.range(node) }

    func warn(_ id: DiagnosticID, _ message: String, at node: Node?, notes: [DiagnosticNote] = []) {
        bag.warning(id, message, at: range(node), notes: notes)
    }
}

import Foundation
import Yams
import MoatSource
import MoatText

/// Reads the YAML and JSON form of a model (schema: Models/moat.schema.json) into a `Document`.
///
/// JSON is read by the same YAML parser, so both report errors at their line and column.
public struct YAMLModelReader {
    private let file: SourceFile
    private var diagnostics = DiagnosticBag()

    static let elementKeys: Set<String> = ["kind", "id", "name"]
    static let topLevelKeys = ["model", "includes", "data", "boundaries", "elements", "flows", "threats", "tracking"]

    /// Parses a YAML or JSON file.
    public static func read(_ file: SourceFile, notation: Document.Notation) -> (Document, [Diagnostic]) {
        let (document, bag) = readCollecting(file, notation: notation)
        return (document, bag.sorted)
    }

    /// Parses a YAML or JSON file, keeping the diagnostic counts.
    public static func readCollecting(_ file: SourceFile, notation: Document.Notation) -> (Document, DiagnosticBag) {
        var reader = YAMLModelReader(file: file)
        let statements = reader.readDocument()
        return (Document(file: file, notation: notation, statements: statements), reader.diagnostics)
    }

    private init(file: SourceFile) { self.file = file }

    // MARK: - Positions

    private let lines = YAMLLineIndex()

    private func range(_ node: Node?) -> SourceRange { Self.range(of: node, in: file, lines: lines) }

    /// The source range of a Yams node in `file` (the start of the file when it has no position). libyaml counts
    /// columns in Unicode scalars, SourceLocation in UTF-8 bytes. Every reader of YAML or JSON files (this one and
    /// the importers of other tools' models) places diagnostics with it.
    public static func range(of node: Node?, in file: SourceFile, lines: YAMLLineIndex? = nil) -> SourceRange {
        guard let mark = node?.mark, mark.line >= 1 else { return file.range(0, 0) }
        // libyaml counts columns in Unicode scalars; SourceLocation counts UTF-8 bytes.
        let column: Int
        if let lines {
            column = lines.byteColumn(line: mark.line, scalarColumn: mark.column, in: file)
        } else {
            let line = file.lineText(mark.line)
            column = String(line.unicodeScalars.prefix(max(0, mark.column - 1))).utf8.count + 1
        }
        var length = 1
        if case .scalar(let s)? = node { length = max(1, s.string.utf8.count + (s.style == .plain ? 0 : 2)) }
        return file.range(line: mark.line, column: column, length: length)
    }

    private mutating func error(_ id: DiagnosticID, _ message: String, at node: Node?, notes: [DiagnosticNote] = []) {
        diagnostics.error(id, message, at: range(node), notes: notes)
    }

    // MARK: - Structure

    private mutating func readDocument() -> [Statement] {
        let text = String(decoding: file.bytes, as: UTF8.self)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            report(error)
            return []
        } catch {
            diagnostics.error(.invalidYaml, "cannot read YAML: \(error)", at: file.range(0, 0))
            return []
        }
        guard let root else { return [] }
        // Aliases make the composed tree a graph whose expansion can be exponential ("billion laughs"):
        // refuse a file that expands far beyond its own size before walking it.
        if !Self.fitsExpansionBudget(root, of: file) {
            diagnostics.error(.yamlExpansion, "YAML aliases expand this file far beyond its size; a model does not need them",
                              at: file.range(0, 0), notes: ["write the repeated parts out, or use 'include' in Moat text"])
            return []
        }
        // Moat text cannot hold U+0000, so neither may a model read from YAML or JSON ("\u0000", "\0").
        if rejectNUL(root) { return [] }
        guard case .mapping(let top) = root else {
            error(.invalidStructure, "expected a mapping with keys \(Self.topLevelKeys.joined(separator: ", "))", at: root)
            return []
        }
        var statements: [Statement] = []
        var sections: [String: Node] = [:]
        for (key, value) in top {
            guard let name = key.string, Self.topLevelKeys.contains(name) else {
                let guess = key.string.flatMap { Suggestion.closest(to: $0, in: Self.topLevelKeys) }
                error(.unknownKey, "unknown key '\(key.string ?? "?")'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: key)
                continue
            }
            sections[name] = value
        }
        if let model = sections["model"] { statements += declaration(model, kind: .model).map(Statement.declaration).map { [$0] } ?? [] }
        for item in list(sections["includes"], "includes") {
            guard let path = item.string else { error(.expectedString, "an include is a path string", at: item); continue }
            statements.append(.include(IncludeSyntax(path: Located(path, range(item)), range: range(item))))
        }
        for item in list(sections["data"], "data") {
            if let d = declaration(item, kind: .data) { statements.append(.declaration(d)) }
        }
        for item in list(sections["boundaries"], "boundaries") {
            if let b = boundary(item, depth: 1) { statements.append(.boundary(b)) }
        }
        for item in list(sections["elements"], "elements") {
            if let e = element(item) { statements.append(e) }
        }
        for item in list(sections["flows"], "flows") {
            if let f = flow(item) { statements.append(.flow(f)) }
        }
        for item in list(sections["threats"], "threats") {
            if let t = declaration(item, kind: .threat) { statements.append(.declaration(t)) }
        }
        for item in list(sections["tracking"], "tracking") {
            if let t = tracking(item) { statements.append(.tracking(t)) }
        }
        return statements
    }

    /// Whether the alias-expanded tree of a file (merge keys included: a merged mapping is an alias too) stays
    /// within the budget every YAML and JSON read gets: 50 nodes per byte of the file, plus 1,000.
    public static func fitsExpansionBudget(_ root: Node, of file: SourceFile) -> Bool {
        var budget = expansionBudget(forSize: file.bytes.count)
        return fits(root, budget: &budget)
    }

    /// The node budget of a file of `size` bytes.
    public static func expansionBudget(forSize size: Int) -> Int { 50 * size + 1_000 }

    /// Whether the alias-expanded tree has at most `budget` nodes; stops counting as soon as it does not.
    /// Every reader of YAML with aliases should check this before walking the tree.
    public static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        if budget < 0 { return false }
        switch node {
        case .scalar, .alias: return true
        case .mapping(let m):
            for (k, v) in m where !fits(k, budget: &budget) || !fits(v, budget: &budget) { return false }
            return true
        case .sequence(let items):
            for item in items where !fits(item, budget: &budget) { return false }
            return true
        }
    }

    /// Reports every scalar holding U+0000; true when there was one.
    private mutating func rejectNUL(_ node: Node) -> Bool {
        switch node {
        case .scalar(let s):
            guard s.string.unicodeScalars.contains("\u{0}") else { return false }
            error(.nulInString, "strings cannot contain the NUL character (U+0000)", at: node)
            return true
        case .mapping(let m):
            var found = false
            for (k, v) in m { found = rejectNUL(k) || found; found = rejectNUL(v) || found }
            return found
        case .sequence(let items):
            var found = false
            for item in items { found = rejectNUL(item) || found }
            return found
        case .alias:
            return false
        }
    }

    private mutating func report(_ error: YamlError) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            let line = max(1, mark.line)
            diagnostics.error(.invalidYaml, "invalid YAML: \(problem)", at: file.range(line: line, column: max(1, mark.column)))
        default:
            diagnostics.error(.invalidYaml, "invalid YAML: \(error)", at: file.range(0, 0))
        }
    }

    private mutating func list(_ node: Node?, _ key: String) -> [Node] {
        guard let node else { return [] }
        if case .scalar(let s) = node, s.tag == .init(.null) || s.string.isEmpty { return [] }
        guard case .sequence(let items) = node else {
            error(.invalidStructure, "'\(key)' must be a list", at: node)
            return []
        }
        return Array(items)
    }

    private mutating func mapping(_ node: Node, _ what: String) -> [(String, Node, Node)]? {
        guard case .mapping(let m) = node else {
            error(.invalidStructure, "expected \(what) as a mapping", at: node)
            return nil
        }
        var pairs: [(String, Node, Node)] = []
        for (k, v) in m {
            guard let key = k.string else { error(.invalidStructure, "keys must be strings", at: k); continue }
            pairs.append((key, k, v))
        }
        return pairs
    }

    private mutating func string(_ node: Node, _ key: String) -> Located<String>? {
        guard case .scalar(let s) = node else {
            error(.expectedString, "'\(key)' must be a single value", at: node)
            return nil
        }
        return Located(s.string, range(node))
    }

    /// An id: the same grammar as in Moat text (docs/language.md), so every model can be written as text.
    private mutating func identifier(_ node: Node) -> Located<String>? {
        guard let located = string(node, "id") else { return nil }
        guard Identifier.isValid(located.value) else {
            error(.invalidId, "'\(located.value)' is not a valid id", at: node,
                  notes: ["ids start with a letter or '_' and contain letters, digits, '_', '-' and '.'; keywords are not ids"])
            return nil
        }
        return located
    }

    /// Converts the remaining keys of an entry into attribute syntax.
    private mutating func attribute(_ key: String, _ keyNode: Node, _ value: Node) -> AttributeSyntax? {
        var values: [Located<ValueSyntax>] = []
        switch value {
        case .scalar(let s):
            values = [Located(ValueSyntax(s.string, .scalar), range(value))]
        case .sequence(let items):
            for item in items {
                guard case .scalar(let s) = item else {
                    error(.invalidValue, "'\(key)' must be a list of plain values", at: item)
                    return nil
                }
                values.append(Located(ValueSyntax(s.string, .scalar), range(item)))
            }
            if values.isEmpty {
                error(.wrongValueCount, "attribute '\(key)' needs at least one value", at: value)
                return nil
            }
        default:
            error(.invalidValue, "attribute '\(key)' must be a value or a list of values", at: value)
            return nil
        }
        return AttributeSyntax(name: Located(key, range(keyNode)), values: values, range: range(keyNode))
    }

    private mutating func declaration(_ node: Node, kind: ElementKind) -> DeclarationSyntax? {
        guard let pairs = mapping(node, kind.phrase) else { return nil }
        var id: Located<String>?
        var name: Located<String>?
        var subject: Located<String>?
        var attributes: [AttributeSyntax] = []
        for (key, keyNode, value) in pairs {
            switch key {
            case "id" where kind != .model: id = identifier(value)
            case "name": name = string(value, key)
            case "on" where kind == .threat: subject = string(value, key)
            case "kind" where kind.isNode: break
            default: if let a = attribute(key, keyNode, value) { attributes.append(a) }
            }
        }
        if kind == .model, name == nil {
            error(.missingKey, "the model needs a 'name'", at: node)
        }
        if kind != .model, id == nil {
            error(.missingKey, "\(kind.phrase) needs an 'id'", at: node)
            return nil
        }
        if kind == .threat, subject == nil {
            error(.missingKey, "a written threat needs 'on': the element, flow or boundary it is about", at: node)
            return nil
        }
        return DeclarationSyntax(kind: kind, id: id, name: name, subject: subject.map { Located($0.value.replacingOccurrences(of: " ", with: ""), $0.range) },
                                 attributes: attributes, range: range(node))
    }

    private mutating func element(_ node: Node) -> Statement? {
        guard let pairs = mapping(node, "an element") else { return nil }
        guard let kindNode = pairs.first(where: { $0.0 == "kind" })?.2, let kindText = kindNode.string else {
            error(.missingKey, "an element needs a 'kind': actor, process or datastore", at: node)
            return nil
        }
        guard let kind = ElementKind(rawValue: kindText), kind.isNode else {
            let guess = Suggestion.closest(to: kindText, in: ["actor", "process", "datastore"])
            error(.invalidValue, "'\(kindText)' is not an element kind" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                  at: kindNode, notes: ["'kind' is one of: actor, process, datastore"])
            return nil
        }
        return declaration(node, kind: kind).map(Statement.declaration)
    }

    private mutating func boundary(_ node: Node, depth: Int) -> BoundarySyntax? {
        guard depth <= Parser.maximumNesting else {
            error(.nestingTooDeep, "boundaries nest deeper than \(Parser.maximumNesting) levels", at: node)
            return nil
        }
        guard let pairs = mapping(node, "a boundary") else { return nil }
        var id: Located<String>?
        var name: Located<String>?
        var items: [Statement] = []
        var nested: [Statement] = []
        for (key, keyNode, value) in pairs {
            switch key {
            case "id": id = identifier(value)
            case "name": name = string(value, key)
            case "elements":
                for item in list(value, key) { if let e = element(item) { nested.append(e) } }
            case "boundaries":
                for item in list(value, key) { if let b = boundary(item, depth: depth + 1) { nested.append(.boundary(b)) } }
            default:
                if let a = attribute(key, keyNode, value) { items.append(.attribute(a)) }
            }
        }
        guard let id else {
            error(.missingKey, "a boundary needs an 'id'", at: node)
            return nil
        }
        return BoundarySyntax(id: id, name: name, items: items + nested, range: range(node))
    }

    private mutating func flow(_ node: Node) -> FlowSyntax? {
        guard let pairs = mapping(node, "a flow") else { return nil }
        var id: Located<String>?, source: Located<String>?, target: Located<String>?, name: Located<String>?
        var twoWay = false
        var attributes: [AttributeSyntax] = []
        for (key, keyNode, value) in pairs {
            switch key {
            case "id": id = identifier(value)
            case "from": source = string(value, key)
            case "to": target = string(value, key)
            case "name": name = string(value, key)
            case "two-way":
                guard let b = value.string, ["true", "false"].contains(b) else {
                    error(.invalidValue, "'two-way' is true or false", at: value)
                    continue
                }
                twoWay = b == "true"
            default:
                if let a = attribute(key, keyNode, value) { attributes.append(a) }
            }
        }
        guard let source, let target else {
            error(.missingKey, "a flow needs 'from' and 'to'", at: node)
            return nil
        }
        return FlowSyntax(id: id, source: source, target: target, twoWay: twoWay, name: name,
                          attributes: attributes, range: range(node))
    }

    private mutating func tracking(_ node: Node) -> TrackingSyntax? {
        guard let pairs = mapping(node, "a tracking entry") else { return nil }
        var status: Located<TrackingStatus>?, pattern: Located<String>?, justification: Located<String>?
        var owner: Located<String>?, until: Located<String>?
        for (key, keyNode, value) in pairs {
            switch key {
            case "status":
                guard let text = value.string, let s = TrackingStatus(rawValue: text) else {
                    error(.invalidValue, "'status' is one of: accept, mitigated, false-positive, not-applicable", at: value)
                    continue
                }
                status = Located(s, range(value))
            case "finding": pattern = string(value, key)
            case "justification": justification = string(value, key)
            case "owner": owner = string(value, key)
            case "until":
                until = string(value, key)
                if let u = until, !DateText.isValid(u.value) {
                    error(.invalidDate, "'\(u.value)' is not a date; write YYYY-MM-DD", at: value)
                }
            default:
                error(.unknownKey, "unknown key '\(key)' in a tracking entry", at: keyNode,
                      notes: ["keys: status, finding, justification, owner, until"])
            }
        }
        guard let status, let pattern, let justification else {
            error(.missingKey, "a tracking entry needs 'status', 'finding' and 'justification'", at: node)
            return nil
        }
        return TrackingSyntax(status: status, pattern: pattern, justification: justification, owner: owner,
                              until: until, range: range(node))
    }
}

/// Converts libyaml's columns (Unicode scalars) to byte columns in constant time per lookup, for files with long
/// lines (a JSON model on one line): each line is scanned once, for the scalars that take more than one byte.
public final class YAMLLineIndex: @unchecked Sendable {
    /// Per line: the scalar index and the extra bytes of each scalar longer than one byte (empty for ASCII lines).
    private var wide: [Int: [(index: Int, extra: Int)]] = [:]
    private let lock = NSLock()

    /// An empty index; lines are scanned as they are first asked about.
    public init() {}

    /// The 1-based byte column of the 1-based `scalarColumn` on 1-based `line` of `file`. Safe to call from
    /// several threads.
    public func byteColumn(line: Int, scalarColumn: Int, in file: SourceFile) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let entries: [(index: Int, extra: Int)]
        if let cached = wide[line] {
            entries = cached
        } else {
            var found: [(index: Int, extra: Int)] = []
            for (i, scalar) in file.lineText(line).unicodeScalars.enumerated() where scalar.value >= 0x80 {
                found.append((i, String(scalar).utf8.count - 1))
            }
            wide[line] = found
            entries = found
        }
        let before = max(0, scalarColumn - 1)
        var extra = 0
        for e in entries { if e.index < before { extra += e.extra } else { break } }
        return before + extra + 1
    }
}

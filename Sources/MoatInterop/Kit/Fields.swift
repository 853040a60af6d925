import Foundation
import MoatCore
import Yams

/// One key of a mapping, with the node of the key for positions.
struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
}

/// A cursor over one YAML/JSON mapping: mappers take the keys they map, and what is left is reported as not
/// mapped. It is a class on purpose: the set of keys taken is shared by everyone handed the same mapping.
final class Fields {
    let node: Node
    let entries: [Entry]
    private var used: Set<String> = []
    private let index: [String: Int]

    init?(_ node: Node?) {
        guard let node, case .mapping = node else { return nil }
        self.node = node
        self.entries = Fields.flatten(node)
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() where index[e.key] == nil { index[e.key] = i }
        self.index = index
    }

    /// The pairs of a mapping with merge keys resolved: explicit keys win over merged ones. The source passed the
    /// expansion budget before any mapping is flattened, so this costs at most the size of the expanded tree.
    static func flatten(_ node: Node, depth: Int = 0) -> [Entry] {
        guard case .mapping(let mapping) = node, depth < Parser.maximumNesting else { return [] }
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

    /// The keys, in order.
    var keys: [String] { entries.map(\.key) }

    /// The value of a key, marking it mapped.
    func take(_ key: String) -> Node? { entry(key)?.value }

    /// The entry of a key, marking it mapped.
    func entry(_ key: String) -> Entry? {
        guard let i = index[key] else { return nil }
        used.insert(key)
        return entries[i]
    }

    /// The value of a key without marking it mapped.
    func look(_ key: String) -> Node? { index[key].map { entries[$0].value } }

    /// Marks keys as handled without reading them (derived or presentation-only values).
    func skip(_ keys: String...) { used.formUnion(keys) }
    func skip(_ keys: [String]) { used.formUnion(keys) }

    func has(_ key: String) -> Bool { index[key] != nil }

    /// The text of a key without marking it mapped.
    func peek(_ key: String) -> String? { look(key).flatMap(Fields.text) }

    /// A non-empty string value (numbers and booleans as written), marking the key mapped.
    func string(_ key: String) -> String? { take(key).flatMap(Fields.text) }

    func bool(_ key: String) -> Bool { take(key).flatMap(Fields.boolValue) ?? false }

    /// A nested mapping, without marking the key (for reading geometry and labels).
    func object(_ key: String) -> Fields? { Fields(look(key)) }

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
        if case .scalar(let s) = node {
            return s.tag.rawValue == Tag.Name.null.rawValue || (s.style == .plain && ["", "null", "Null", "NULL", "~"].contains(s.string))
        }
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

    /// Whether a value says something (iterative: a deeply nested value cannot overflow the stack).
    static func hasContent(_ node: Node) -> Bool {
        var stack = [node]
        var visited = 0
        while let n = stack.popLast() {
            visited += 1
            if visited > 100_000 { return true }
            switch n {
            case .scalar: if text(n) != nil && boolValue(n) != false { return true }
            case .sequence(let items): stack += items
            case .mapping(let m): stack += m.map(\.value)
            case .alias: return true
            }
        }
        return false
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

    /// How a value is called in messages: "an object", "a list", "a number"…
    static func typeName(_ node: Node) -> String {
        switch node {
        case .mapping: return "an object"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if isNull(node) { return "null" }
            if s.style == .plain {
                if boolValue(node) != nil { return "a boolean" }
                if Double(s.string) != nil { return "a number" }
            }
            return "a string"
        }
    }

    /// A value as compact JSON text (for what is kept verbatim, such as OTM representations).
    static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let s):
            if isNull(node) { return .null }
            if s.style == .plain {
                if let b = boolValue(node), ["true", "false"].contains(s.string.lowercased()) { return .bool(b) }
                if let d = Double(s.string), d.isFinite { return .number(d) }
            }
            return .string(s.string)
        case .sequence(let items): return .array(items.map(json))
        case .mapping(let m): return .object(m.compactMap { k, v in k.string.map { ($0, json(v)) } })
        case .alias: return .null
        }
    }
}

/// Notes that become comments in the Moat document: user text, on one line each, never code.
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

/// Numbers as written in messages (no needless `.0`).
enum AttributeValueText {
    static func number(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
    }
}

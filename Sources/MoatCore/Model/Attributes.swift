/// A typed attribute value, after checking against the vocabulary.
public enum AttributeValue: Sendable, Hashable {
    case flag(Bool)
    case string(String)
    case number(Double)
    /// An enum value or a date.
    case word(String)
    /// The ids of a `refs` attribute.
    case list([String])

    /// The value as written in Moat text and YAML (numbers without a needless `.0`).
    public var textValues: [String] {
        switch self {
        case .flag(let b): return [b ? "true" : "false"]
        case .string(let s), .word(let s): return [s]
        case .number(let n): return [Self.format(n)]
        case .list(let l): return l
        }
    }

    static func format(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
    }
}

/// One attribute of an element: name, value and where it was written.
public struct Attribute: Sendable, Hashable {
    public var name: String
    public var value: AttributeValue
    public var range: SourceRange?
    /// Where each written value is, in order (for diagnostics about one id of a list).
    public var valueRanges: [SourceRange]

    public init(name: String, value: AttributeValue, range: SourceRange? = nil, valueRanges: [SourceRange] = []) {
        self.name = name
        self.value = value
        self.range = range
        self.valueRanges = valueRanges
    }
}

/// The attributes of one element, in the order written; small, so lookups scan.
public struct Attributes: Sendable, Hashable, Sequence {
    public private(set) var entries: [Attribute] = []

    public init(_ entries: [Attribute] = []) { self.entries = entries }

    public subscript(name: String) -> AttributeValue? {
        for e in entries where e.name == name { return e.value }
        return nil
    }

    /// The attribute entry named `name`.
    public func entry(_ name: String) -> Attribute? { entries.first { $0.name == name } }

    /// True when the flag `name` is set.
    public func flag(_ name: String) -> Bool {
        if case .flag(true)? = self[name] { return true }
        return false
    }

    public func string(_ name: String) -> String? {
        switch self[name] {
        case .string(let s)?, .word(let s)?: return s
        default: return nil
        }
    }

    public func list(_ name: String) -> [String] {
        if case .list(let l)? = self[name] { return l }
        return []
    }

    public func number(_ name: String) -> Double? {
        if case .number(let n)? = self[name] { return n }
        return nil
    }

    public mutating func set(_ attribute: Attribute) {
        if let i = entries.firstIndex(where: { $0.name == attribute.name }) {
            entries[i] = attribute
        } else {
            entries.append(attribute)
        }
    }

    public func makeIterator() -> IndexingIterator<[Attribute]> { entries.makeIterator() }
}

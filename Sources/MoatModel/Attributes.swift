import MoatSyntax
import MoatSource
import MoatText

/// A typed attribute value, after checking against the vocabulary.
public enum AttributeValue: Sendable, Hashable {
    /// A flag: true when written alone (`encrypted`) or as `true`/`yes`, false as `false`/`no`.
    case flag(Bool)
    /// Free text of a `string` attribute (`owner "ops"`, `description …`), decoded.
    case string(String)
    /// A `number` attribute's value (`maturity 3`, `likelihood 4`), within the vocabulary's bounds.
    case number(Double)
    /// An enum value or a date.
    case word(String)
    /// The items of a list attribute, in order: the ids of a `refs` attribute (`carries card, token`), the
    /// words of a `words` one (`stride spoofing, tampering`) or the numbers of a `numbers` one (`cwe 79`).
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

    static func format(_ n: Double) -> String { NumberText.format(n) }
}

/// One attribute of an element: name, value and where it was written.
public struct Attribute: Sendable, Hashable {
    /// The attribute's name as the vocabulary declares it (`protocol`, `internet-facing`).
    public var name: String
    /// The typed value.
    public var value: AttributeValue
    // `Optional<…>`, not `SourceRange?`, which gives the property an implicit nil: set twice by the
    // initialiser, each attribute made was copied whole.
    /// Where the attribute was written (name and values); nil for one made by a tool rather than read.
    public var range: Optional<SourceRange>
    /// Where each written value is, in order (for diagnostics about one id of a list).
    public var valueRanges: [SourceRange]

    /// An attribute `name` with `value`, written at `range` when read from a file.
    public init(name: String, value: AttributeValue, range: SourceRange? = nil, valueRanges: [SourceRange] = []) {
        self.name = name
        self.value = value
        self.range = range
        self.valueRanges = valueRanges
    }
}

/// The attributes of one element, in the order written; small, so lookups scan.
public struct Attributes: Sendable, Hashable, Sequence {
    /// The attributes in the order written, each name at most once.
    public private(set) var entries: [Attribute]
    /// For each entry, its attribute's position in the vocabulary and its enum value's rank (-1 when
    /// unknown): rule conditions look values up by these small numbers instead of comparing names.
    private var keys: [Key]

    private struct Key: Sendable, Hashable {
        var vocabularyIndex: Int32
        var rank: Int32
    }

    /// Attributes holding `entries` (names must be distinct), not yet linked to the vocabulary: use
    /// `set(_:vocabularyIndex:rank:)` for values that rule conditions must see.
    public init(_ entries: [Attribute] = []) {
        self.entries = entries
        self.keys = Array(repeating: Key(vocabularyIndex: -1, rank: -1), count: entries.count)
    }

    /// The value of the attribute called `name`.
    public subscript(name: String) -> AttributeValue? {
        for e in entries where e.name == name { return e.value }
        return nil
    }

    /// The attribute called `name`, with its source ranges; nil when it is not set.
    public func entry(_ name: String) -> Attribute? { entries.first { $0.name == name } }

    /// Whether the flag `name` is set to true; false when it is absent, false, or not a flag.
    public func flag(_ name: String) -> Bool {
        if case .flag(true)? = self[name] { return true }
        return false
    }

    /// The text of the string, enum or date attribute `name`; nil when it is absent or of another type.
    public func string(_ name: String) -> String? {
        switch self[name] {
        case .string(let s)?, .word(let s)?: return s
        default: return nil
        }
    }

    /// The items of the list attribute `name`; empty when it is absent or not a list.
    public func list(_ name: String) -> [String] {
        if case .list(let l)? = self[name] { return l }
        return []
    }

    /// The value of the number attribute `name`; nil when it is absent or not a number.
    public func number(_ name: String) -> Double? {
        if case .number(let n)? = self[name] { return n }
        return nil
    }

    /// The value of the vocabulary's attribute number `index` (set by the semantic pass).
    public func value(vocabularyIndex index: Int) -> AttributeValue? {
        let wanted = Int32(truncatingIfNeeded: index)
        let found = keys.withUnsafeBufferPointer { keys in keys.firstIndex { $0.vocabularyIndex == wanted } }
        return found.map { entries[$0].value }
    }

    /// Whether the vocabulary's attribute number `index` is set to true: nil when it is not set, false when it
    /// is set to false or to something other than a flag. Reads the value in place, never copies it out.
    public func flag(vocabularyIndex index: Int) -> Bool? {
        let wanted = Int32(truncatingIfNeeded: index)
        guard let found = keys.withUnsafeBufferPointer({ keys in keys.firstIndex { $0.vocabularyIndex == wanted } }) else { return nil }
        return entries.withUnsafeBufferPointer { entries in
            if case .flag(true) = entries[found].value { return true }
            return false
        }
    }

    /// The rank of the enum value of the vocabulary's attribute number `index` (its position in `values`).
    public func rank(vocabularyIndex index: Int) -> Int? {
        guard let rank = storedRank(vocabularyIndex: index) else { return nil }
        return rank >= 0 ? rank : nil
    }

    /// Whether the vocabulary's attribute number `index` is set, and its enum rank: nil when it is not set,
    /// -1 when it is set without a rank (not an enum). Reads only the keys, never copies a value: rule
    /// conditions ask this millions of times.
    @inline(__always)
    public func storedRank(vocabularyIndex index: Int) -> Int? {
        let wanted = Int32(truncatingIfNeeded: index)
        return keys.withUnsafeBufferPointer { keys in
            for k in keys where k.vocabularyIndex == wanted { return Int(k.rank) }
            return nil
        }
    }

    /// The vocabulary index stored with the entry at `position` (-1 when none was given).
    func vocabularyIndex(at position: Int) -> Int { Int(keys[position].vocabularyIndex) }

    /// Adds or replaces an attribute; `vocabularyIndex` and `rank` make it visible to `value(vocabularyIndex:)`.
    public mutating func set(_ attribute: Attribute, vocabularyIndex: Int = -1, rank: Int = -1) {
        let key = Key(vocabularyIndex: Int32(truncatingIfNeeded: vocabularyIndex), rank: Int32(truncatingIfNeeded: rank))
        if let i = entries.firstIndex(where: { $0.name == attribute.name }) {
            entries[i] = attribute
            keys[i] = key
        } else {
            entries.append(attribute)
            keys.append(key)
        }
    }

    /// Adds an attribute whose name is not set yet (the checker has ruled out duplicates), without
    /// searching the entries for it.
    mutating func append(_ attribute: consuming Attribute, vocabularyIndex: Int, rank: Int) {
        entries.append(attribute)
        keys.append(Key(vocabularyIndex: Int32(truncatingIfNeeded: vocabularyIndex), rank: Int32(truncatingIfNeeded: rank)))
    }

    /// Makes room for `count` attributes, so that a declaration's attributes are allocated once.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        keys.reserveCapacity(count)
    }

    public func makeIterator() -> IndexingIterator<[Attribute]> { entries.makeIterator() }
}

extension Attributes {
    /// The value of a core attribute.
    public subscript(_ core: CoreAttribute) -> AttributeValue? { self[core.name] }
    /// The core attribute's entry, with its source ranges; see `entry(_:)` by name.
    public func entry(_ core: CoreAttribute) -> Attribute? { entry(core.name) }
    /// Whether the core flag is set to true; see `flag(_:)` by name.
    public func flag(_ core: CoreAttribute) -> Bool { flag(core.name) }
    /// The core attribute's text; see `string(_:)` by name.
    public func string(_ core: CoreAttribute) -> String? { string(core.name) }
    /// The core attribute's list items; see `list(_:)` by name.
    public func list(_ core: CoreAttribute) -> [String] { list(core.name) }
    /// The core attribute's number; see `number(_:)` by name.
    public func number(_ core: CoreAttribute) -> Double? { number(core.name) }
}

/// Any JSON value, for the parts of the protocol this server reads loosely (client capabilities,
/// initialisation options, command arguments) and for request ids.
public enum LSPAny: Codable, Equatable, Sendable {
    /// JSON `null` (also what an absent `params` is compared with).
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without a fraction that fits in `Int`; decoding tries it before `double`.
    case int(Int)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([LSPAny])
    /// An object; key order is not kept.
    case object([String: LSPAny])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([LSPAny].self) { self = .array(a); return }
        if let o = try? c.decode([String: LSPAny].self) { self = .object(o); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> LSPAny? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The value at a path of object keys.
    public func at(_ path: String...) -> LSPAny? {
        var value: LSPAny? = self
        for key in path { value = value?[key] }
        return value
    }

    /// The string, when the value is one; nil otherwise.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The boolean, when the value is one; nil otherwise.
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The integer, when the value is one or a whole `double` below 10^15 in magnitude (`3.0`); nil otherwise.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }
    /// The elements, when the value is an array; nil otherwise.
    public var arrayValue: [LSPAny]? { if case .array(let a) = self { return a }; return nil }
}

/// A request id: JSON-RPC allows numbers and strings.
enum RequestID: Codable, Hashable, Sendable, CustomStringConvertible {
    /// A numeric id, as most clients send.
    case number(Int)
    /// A string id.
    case string(String)

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .number(i); return }
        self = .string(try c.decode(String.self))
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    /// The id of a decoded `LSPAny`, when it is one JSON-RPC allows.
    init?(_ any: LSPAny) {
        switch any {
        case .int(let i): self = .number(i)
        case .string(let s): self = .string(s)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .number(let i): return String(i)
        case .string(let s): return "\"\(s)\""
        }
    }
}

extension LSPAny: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: LSPAny...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, LSPAny)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }

    /// The element `i` of an array.
    public subscript(i: Int) -> LSPAny? {
        if case .array(let a) = self, i >= 0, i < a.count { return a[i] }
        return nil
    }

    /// The members, when the value is an object; nil otherwise.
    public var objectValue: [String: LSPAny]? { if case .object(let o) = self { return o }; return nil }
}

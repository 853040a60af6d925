/// A JSON value whose object keys keep their insertion order, for deterministic, readable output.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// JSON text already written by a `JSONOutput` (compact, on one line), inserted as it is: how a
    /// writer that streams an object shares it with writers that build trees.
    case written(String)

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// The value as JSON text: two-space indentation, or compact.
    public func serialized(pretty: Bool = true) -> String {
        var out = JSONOutput(pretty: pretty)
        out.value(self)
        return out.text
    }
}

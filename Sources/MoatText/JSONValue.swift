/// A JSON value whose object keys keep their insertion order, for deterministic, readable output.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// The value as JSON text: two-space indentation, or compact.
    public func serialized(pretty: Bool = true) -> String {
        var out = JSONOutput(pretty: pretty)
        out.value(self)
        return out.text
    }
}

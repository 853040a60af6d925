/// A JSON value whose object keys keep their insertion order, for deterministic, readable output.
public enum JSONValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number; written without a needless `.0` (`NumberText.format`), so whole numbers read as integers.
    case number(Double)
    /// A string, escaped when written (`JSONOutput.string`).
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object as key–value pairs in the order they are written; duplicate keys are not checked.
    case object([(String, JSONValue)])

    /// Whether both values serialise to the same JSON text (so key order counts).
    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }
    /// Hashes the serialised JSON text, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// The value as JSON text: two-space indentation, or compact.
    public func serialized(pretty: Bool = true) -> String {
        var out = JSONOutput(pretty: pretty)
        out.value(self)
        return out.text
    }
}

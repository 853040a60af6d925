import MoatCore

extension SARIFWriter {
    /// An invocation that did not succeed: each error of a model that did not load becomes a tool execution
    /// notification, at its file, line and column when it has them.
    static func failedInvocation(_ errors: [Diagnostic]) -> JSONValue {
        .object([
            ("executionSuccessful", .bool(false)),
            ("toolExecutionNotifications", .array(errors.map(notification))),
        ])
    }

    static func notification(_ d: Diagnostic) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let range = d.range {
            let line = range.file.lineText(range.start.line)
            fields.append(("locations", .array([.object([
                ("physicalLocation", .object([
                    ("artifactLocation", .object([("uri", .string(uri(range.file.path)))])),
                    ("region", .object([("startLine", .number(Double(max(1, range.start.line)))),
                                        ("startColumn", .number(Double(codePointColumn(line, byteColumn: range.start.column))))])),
                ])),
            ])])))
        }
        let text = ([d.message] + d.notes.map(\.message)).joined(separator: "\n")
        fields += [
            ("message", .object([("text", .string(text))])),
            ("level", .string(d.severity == .warning ? "warning" : d.severity == .note ? "note" : "error")),
            ("descriptor", .object([("id", .string(d.id.rawValue))])),
        ]
        return .object(fields)
    }
}

import MoatText

/// Prints diagnostics as `file:line:col: error: message`, the source line and a caret.
public struct DiagnosticRenderer: Sendable {
    public init() {}

    /// Renders one diagnostic, with its snippet and notes, ending in a newline.
    public func render(_ raw: Diagnostic) -> String {
        // Messages quote user text: make sure none of it can drive the terminal.
        var d = raw
        d.message = printable(d.message)
        d.notes = d.notes.map(printable)
        guard let range = d.range else {
            return "moat: \(d.severity.rawValue): \(d.message)\n" + d.notes.map { "  note: \($0)\n" }.joined()
        }
        let lineText = range.file.lineText(range.start.line)
        let column = characterColumn(lineText, byteColumn: range.start.column)
        var out = "\(range.file.path):\(range.start.line):\(column): \(d.severity.rawValue): \(d.message)\n"
        if !lineText.isEmpty || range.start.line <= range.file.lineStarts.count {
            let number = String(range.start.line)
            let gutter = String(repeating: " ", count: number.count)
            let shown = printable(lineText)
            out += " \(number) | \(shown)\n"
            let width: Int
            if range.end.line == range.start.line {
                width = max(1, characterColumn(lineText, byteColumn: range.end.column) - column)
            } else {
                width = max(1, shown.count - column + 1)
            }
            let pad = String(shown.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " })
            out += " \(gutter) | \(pad)^\(String(repeating: "~", count: min(width, 200) - 1))\n"
        }
        for note in d.notes { out += "  note: \(note)\n" }
        return out
    }

    /// Renders all diagnostics in order.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    /// Converts a 1-based UTF-8 byte column into a 1-based character column.
    private func characterColumn(_ line: String, byteColumn: Int) -> Int {
        let bytes = Array(line.utf8)
        let prefix = bytes.prefix(max(0, byteColumn - 1))
        return String(decoding: prefix, as: UTF8.self).count + 1 + max(0, byteColumn - 1 - bytes.count)
    }

    /// Replaces control characters so a snippet cannot move the terminal cursor.
    private func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { scalar in
            (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F ? "\u{FFFD}" : scalar
        }))
    }
}

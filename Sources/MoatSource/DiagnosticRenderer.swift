import MoatText

/// Prints diagnostics as `file:line:col: error: message`, the source line and a caret.
public struct DiagnosticRenderer: Sendable {
    /// Whether the severity labels (`error:`, `warning:`, `note:`) are coloured for a terminal.
    public var colour: Bool

    public init(colour: Bool = false) {
        self.colour = colour
    }

    /// Renders one diagnostic, with its snippet and notes, ending in a newline.
    public func render(_ raw: Diagnostic) -> String {
        // Messages quote user text: make sure none of it can drive the terminal.
        var d = raw
        d.message = printable(d.message)
        d.notes = d.notes.map(printable)
        let label = TerminalText.paint(d.severity.rawValue + ":", style(d.severity), enabled: colour)
        let noteLabel = TerminalText.paint("note:", .note, enabled: colour)
        guard let range = d.range else {
            return "moat: \(label) \(d.message)\n" + d.notes.map { "  \(noteLabel) \($0)\n" }.joined()
        }
        let lineText = range.file.lineText(range.start.line)
        let column = characterColumn(lineText, byteColumn: range.start.column)
        var out = "\(printable(range.file.path)):\(range.start.line):\(column): \(label) \(d.message)\n"
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
        for note in d.notes { out += "  \(noteLabel) \(note)\n" }
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

    /// Replaces control characters so a snippet cannot move the terminal cursor (tabs stay, for the caret).
    private func printable(_ s: String) -> String {
        TerminalText.sanitize(s, replacement: "\u{FFFD}", keeping: ["\t"])
    }

    private func style(_ severity: DiagnosticSeverity) -> TerminalText.Style {
        switch severity {
        case .error: return .error
        case .warning: return .warning
        case .note: return .note
        }
    }
}

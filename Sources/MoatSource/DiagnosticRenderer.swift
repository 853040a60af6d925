import MoatText

/// Prints diagnostics as `file:line:col: error: message`, the source line and a caret, then the notes
/// (a note about another place gets its own location line and caret).
///
/// Columns count Unicode scalars from 1. Long source lines are shown as a window around the caret, so
/// that a huge one-line file cannot make the output huge; and at most `limit` diagnostics are printed.
public struct DiagnosticRenderer: Sendable {
    /// Characters of a source line shown around the caret.
    public static let window = 120
    /// Diagnostics printed before the rest are summarised in one line.
    public static let limit = 1_000

    /// Whether the severity labels (`error:`, `warning:`, `note:`) are coloured for a terminal.
    public var colour: Bool

    /// A renderer that colours severity labels when `colour` is true (output to a terminal).
    public init(colour: Bool = false) {
        self.colour = colour
    }

    /// Renders one diagnostic, with its snippet and notes, ending in a newline.
    public func render(_ d: Diagnostic) -> String {
        // Messages quote user text: none of it may drive the terminal.
        let message = printable(d.message)
        let label = TerminalText.paint(d.severity.rawValue + ":", style(d.severity), enabled: colour)
        let noteLabel = TerminalText.paint("note:", .note, enabled: colour)
        var out: String
        if let range = d.range {
            out = location(range) + ": \(label) \(message)\n" + (d.quotesSource ? snippet(range) : "")
        } else {
            out = "moat: \(label) \(message)\n"
        }
        for note in d.notes {
            let text = printable(note.message)
            if let range = note.range {
                out += location(range) + ": \(noteLabel) \(text)\n" + snippet(range)
            } else {
                out += "  \(noteLabel) \(text)\n"
            }
        }
        return out
    }

    /// Replaces control characters so a message or snippet cannot move the terminal cursor (tabs stay, for
    /// the caret).
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

    /// Renders diagnostics in order, at most `limit` of them.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = diagnostics.prefix(Self.limit).map(render).joined()
        if diagnostics.count > Self.limit {
            out += "moat: \(TerminalText.paint("note:", .note, enabled: colour)) \(diagnostics.count - Self.limit) more diagnostics not shown\n"
        }
        return out
    }

    /// `path:line:col` with the column in characters.
    private func location(_ range: SourceRange) -> String {
        let line = Self.lineBytes(range.file, range.start.line)
        return "\(printable(range.file.path)):\(range.start.line):\(Self.scalars(line, upTo: range.start.column - 1) + 1)"
    }

    /// The source line (clipped to a window around the caret) and the caret line.
    private func snippet(_ range: SourceRange) -> String {
        guard range.start.line >= 1, range.start.line <= range.file.lineStarts.count else { return "" }
        let line = Self.lineBytes(range.file, range.start.line)
        let base = line.startIndex
        let startByte = min(max(0, range.start.column - 1), line.count)
        let endByte = range.end.line == range.start.line ? min(max(startByte, range.end.column - 1), line.count) : line.count
        // The window, in bytes, moved to character boundaries: up to a third before the caret.
        var from = max(0, startByte - Self.window / 3)
        var to = min(line.count, from + Self.window)
        while from > 0 && line[base + from] & 0xC0 == 0x80 { from -= 1 }
        while to < line.count && line[base + to] & 0xC0 == 0x80 { to += 1 }
        let clippedBefore = from > 0, clippedAfter = to < line.count
        let shown = printable(String(decoding: line[(base + from)..<(base + to)], as: UTF8.self))
        let number = String(range.start.line)
        let gutter = String(repeating: " ", count: number.count)
        var out = " \(number) | \(clippedBefore ? "…" : "")\(shown)\(clippedAfter ? "…" : "")\n"
        // Pad with the same whitespace as the line (tabs stay tabs) so the caret lines up.
        let prefix = String(decoding: line[(base + from)..<(base + max(from, min(startByte, to)))], as: UTF8.self)
        let pad = String(prefix.unicodeScalars.map { $0 == "\t" ? "\t" : " " })
        let width = max(1, Self.scalars(line, from: startByte, upTo: min(endByte, to)))
        out += " \(gutter) | \(clippedBefore ? " " : "")\(pad)^\(String(repeating: "~", count: min(width, Self.window) - 1))\n"
        return out
    }

    /// The bytes of line `n` (1-based) without its line end.
    static func lineBytes(_ file: SourceFile, _ n: Int) -> ArraySlice<UInt8> {
        guard n >= 1, n <= file.lineStarts.count else { return [] }
        let start = file.lineStarts[n - 1]
        var end = n < file.lineStarts.count ? file.lineStarts[n] - 1 : file.bytes.count
        if end > start, file.bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return file.bytes[start..<max(start, end)]
    }

    /// Unicode scalars in the first `count` bytes of a line (from byte `start`); bytes past the end count one each.
    static func scalars(_ line: ArraySlice<UInt8>, from start: Int = 0, upTo end: Int) -> Int {
        let base = line.startIndex
        let limit = min(end, line.count)
        var n = 0
        var i = start
        while i < limit {
            if line[base + i] & 0xC0 != 0x80 { n += 1 }
            i += 1
        }
        return n + max(0, end - max(limit, start))
    }
}

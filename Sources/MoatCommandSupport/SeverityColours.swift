import Foundation
import MoatCore

/// Colours the severity labels of `moat analyze`'s table (`CRIT`, `HIGH`, `MED`, `LOW`) for a terminal.
///
/// The table writer lays each finding out as a line that starts with two spaces and the label; no other
/// line starts that way (component lines start with the id, the rest are indented further or are the
/// summary's `  word:` lines), so the labels are found without the writer knowing about terminals.
public enum SeverityColours {
    static let labels: [(String, TerminalText.Style)] = [("CRIT", .critical), ("HIGH", .high), ("MED", .medium), ("LOW", .low)]

    /// `text` (the table writer's output) with its severity labels coloured when `colour` is true; unchanged
    /// otherwise.
    public static func table(_ text: String, colour: Bool) -> String {
        guard colour else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("  ") else { return String(line) }
            let rest = line.dropFirst(2)
            for (label, style) in labels {
                // The label is padded to four characters, then two spaces.
                let padded = label.padding(toLength: 4, withPad: " ", startingAt: 0) + "  "
                if rest.hasPrefix(padded) {
                    return "  " + TerminalText.paint(label, style, enabled: true) + rest.dropFirst(label.count)
                }
            }
            return String(line)
        }.joined(separator: "\n")
    }
}

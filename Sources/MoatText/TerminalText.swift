/// Text on its way to a terminal: user and catalogue text must never move the cursor, change colours or
/// rewrite what was printed before (control characters, ANSI escapes, C1 controls).
public enum TerminalText {
    /// `s` with every C0 control but tab, DEL and every C1 control replaced by U+FFFD, so that it shows
    /// where it was instead of acting.
    public static func sanitize(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { isControl($0) ? "\u{FFFD}" : $0 }))
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}

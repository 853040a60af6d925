import MoatCore

/// Escapes user text for HTML: the one place HTML output is made safe (entities: `MarkupText`).
public enum HTMLText {
    /// Text content or a double-quoted attribute value: `& < > " '` become entities; control
    /// characters other than tab and line breaks are dropped.
    public static func escape(_ s: String) -> String {
        MarkupText.escape(s) { scalar in
            switch scalar {
            case "\t": return "\t"
            case "\n": return "\n"
            case "\r": return "\r"
            default: return nil
            }
        }
    }
}

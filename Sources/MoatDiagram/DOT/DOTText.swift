import MoatCore

/// Escapes text for DOT: the one place where user text becomes DOT.
public enum DOTText {
    /// A DOT quoted string. Quotes are escaped and line breaks become `\n`. A backslash is doubled and
    /// followed by an invisible word joiner: Graphviz 2.43 expands `\N`, `\G`, `\E`, `\T`, `\H` and `\L`
    /// in tooltips even after a doubled backslash, and the word joiner is what keeps them literal.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\\u{2060}"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": break
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += " " } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Text inside an HTML-like label: `& < > " '` become entities (`MarkupText`, the table HTML uses
    /// too), line breaks `<BR/>`, control characters are dropped (they are not valid XML), so user text
    /// is always shown literally.
    public static func html(_ s: String) -> String {
        MarkupText.escape(s) { scalar in
            switch scalar {
            // Graphviz expands \G, \N, \L… even inside HTML-like labels (entities are decoded first), so
            // an invisible word joiner after each backslash keeps the text literal.
            case "\\": return "\\\u{2060}"
            case "\n": return "<BR/>"
            case "\r", "\u{FEFF}": return ""
            default: return nil
            }
        }
    }
}

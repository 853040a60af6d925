/// Escapes user text for Markdown: the one place Markdown output is made safe.
public enum MarkdownText {
    /// Text for a paragraph or table cell: Markdown and HTML specials backslash-escaped or entity-encoded,
    /// pipes escaped, newlines turned into spaces, so user text can neither format nor inject markup.
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", ".", "!", "|", "~", ">", "=":
                out.append("\\")
                out.append(ch)
            case "<": out += "&lt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\u{2028}", "\u{2029}": out += " "
            default:
                if ch.unicodeScalars.allSatisfy({ $0.value < 0x20 || $0.value == 0x7F }) { out += " " } else { out.append(ch) }
            }
        }
        return out
    }

    /// An identifier shown as inline code; backticks inside are replaced so the span cannot close early.
    public static func code(_ s: String) -> String {
        "`" + s.replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "|", with: "\\|") + "`"
    }
}

extension MarkdownText {
    /// A relative link target: percent-encodes what would end or confuse the link (spaces, brackets, parentheses, `<>`).
    public static func linkTarget(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case " ", "(", ")", "[", "]", "<", ">", "\"", "'", "`", "\\", "%":
                out += "%" + String(scalar.value, radix: 16, uppercase: true)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

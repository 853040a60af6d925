/// Text inside HTML, SVG or XML markup (the review pack, the workbench page, Graphviz's HTML-like
/// labels): the one table of character entities, shared by every format that writes markup.
public enum MarkupText {
    /// The entity of a character that would be markup: `& < > " '`.
    @inline(__always)
    public static func entity(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "&": return "&amp;"
        case "<": return "&lt;"
        case ">": return "&gt;"
        case "\"": return "&quot;"
        case "'": return "&#39;"
        default: return nil
        }
    }

    /// `s` with every markup character as its entity. `special` may replace other characters (nil keeps
    /// them); control characters, DEL and lone surrogates that it does not replace are dropped, since
    /// they are not allowed in XML.
    public static func escape(_ s: String, special: (Unicode.Scalar) -> String? = { _ in nil }) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            if let entity = entity(scalar) {
                out += entity
            } else if let replacement = special(scalar) {
                out += replacement
            } else if scalar.value < 0x20 || scalar.value == 0x7F || (0xD800...0xDFFF).contains(scalar.value) {
                continue
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

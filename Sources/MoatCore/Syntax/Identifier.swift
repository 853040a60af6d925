/// The identifier grammar of the Moat language, for ids that do not come through the lexer (YAML, JSON, importers).
public enum Identifier {
    /// A letter or `_`, then letters, digits, `_`, `-` and `.`, with no `->`, and not a keyword.
    public static func isValid(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) || first == 0x5F else { return false }
        for (i, b) in bytes.enumerated() {
            let letter = b | 0x20 >= 0x61 && b | 0x20 <= 0x7A
            let digit = b >= 0x30 && b <= 0x39
            guard letter || digit || b == 0x5F || b == 0x2D || b == 0x2E else { return false }
            if b == 0x2D, i + 1 < bytes.count, bytes[i + 1] == 0x3E { return false }
        }
        return !Parser.keywords.contains(s)
    }
}

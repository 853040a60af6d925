/// The word and identifier grammar of the Moat language, in one place: the parser, the formatter, the
/// YAML/JSON reader and the importers all ask here.
public enum Identifier {
    /// Words that start a statement and therefore cannot be ids.
    public static let keywords: Set<String> = [
        "model", "include", "data", "actor", "process", "datastore", "boundary", "threat",
        "accept", "mitigated", "false-positive", "not-applicable",
    ]

    /// `keywords` by their length in bytes: the parser asks about every id, and comparing it with the one or
    /// two keywords of its length is several times cheaper than hashing it.
    private static let keywordsByLength: [[String]] = {
        var table = Array(repeating: [String](), count: (keywords.map(\.utf8.count).max() ?? 0) + 1)
        for keyword in keywords { table[keyword.utf8.count].append(keyword) }
        return table
    }()

    /// Whether `s` is one of `keywords`.
    public static func isKeyword(_ s: String) -> Bool {
        let n = s.utf8.count
        return n < keywordsByLength.count && keywordsByLength[n].contains(s)
    }

    /// Whether `s` lexes as exactly one word token: letters, digits, `_`, `*`, then also `-` and `.`,
    /// with no `->` inside (a bare attribute value, number or date).
    public static func isWord(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, Lexer.isWordStart(first) else { return false }
        for (i, b) in bytes.enumerated() {
            guard Lexer.isWordStart(b) || b == 0x2D || b == 0x2E else { return false }
            if b == 0x2D, i + 1 < bytes.count, bytes[i + 1] == 0x3E { return false }
        }
        return true
    }

    /// Whether `s` can be written without quotes: one word token that is not a keyword.
    public static func isBareWord(_ s: String) -> Bool { isWord(s) && !isKeyword(s) }

    /// Whether `s` is a valid id: a letter or `_`, then letters, digits, `_`, `-` and `.`, with no `->`,
    /// and not a keyword.
    public static func isValid(_ s: String) -> Bool {
        guard let first = s.utf8.first, (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) || first == 0x5F,
              !s.utf8.contains(UInt8(ascii: "*")) else { return false }
        return isBareWord(s)
    }
}

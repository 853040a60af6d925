import MoatSource
import MoatText

/// Splits UTF-8 source into tokens, collecting comments and reporting bad characters.
///
/// One lexer serves the model language and rule conditions: in `.condition` mode `.` is a
/// separate token and comparison operators exist; in `.model` mode `.` belongs to identifiers.
public struct Lexer {
    /// Which language is being read.
    public enum Mode: Sendable {
        /// A model file: `.` belongs to identifiers (`eu.api_v2`); `<-` and `=` are read to explain them.
        case model
        /// A rule condition: `.` separates path steps (`flow.source.kind`) and comparisons are operators.
        case condition
    }

    private let file: SourceFile
    private let bytes: [UInt8]
    /// Where reading stops: the end of the file, or of the lines a lexer of part of it reads.
    private let limit: Int
    private let mode: Mode
    private var index = 0
    private var line = 1
    /// The offset at which the current line starts.
    private var lineStart = 0
    private var sawNewline = false
    private var lastTokenLine = 0

    /// The comments met so far, in source order; after `tokenize()`, every comment of the file.
    public private(set) var comments: [Comment] = []
    /// The lexical errors met so far: bad characters, unterminated strings, unknown escapes.
    public private(set) var diagnostics = DiagnosticBag()

    /// A lexer at the start of `file`, reading the language `mode`.
    public init(file: SourceFile, mode: Mode = .model) {
        self.file = file
        self.bytes = file.bytes
        self.limit = file.bytes.count
        self.mode = mode
    }

    /// A lexer of the model text of whole lines of `file`: from offset `lines.lowerBound`, the start of line
    /// `firstLine`, to `lines.upperBound`, a line start or the end of the file. No token, comment or string
    /// spans lines, so it reads them as the lexer of the whole file does there.
    init(file: SourceFile, lines: Range<Int>, firstLine: Int) {
        self.file = file
        self.bytes = file.bytes
        self.limit = lines.upperBound
        self.mode = .model
        index = lines.lowerBound
        line = firstLine
        lineStart = lines.lowerBound
        sawNewline = lines.lowerBound > 0  // the line break before the first line
    }

    /// Tokenises the whole file; the last token is `.endOfFile`.
    public mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity((limit - index) / 4)
        while true {
            let token = next()
            let last = token.kind == .endOfFile
            tokens.append(token)  // the token's last use: moved into the array, not copied
            if last { return tokens }
        }
    }

    static func isWordStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2A
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < limit ? bytes[index + offset] : nil
    }

    private mutating func next() -> Token {
        // A loop, not recursion: a long run of bad characters must not grow the stack.
        while true {
            if let token = scanToken() { return token }
        }
    }

    /// Scans one token, or reports one unexpected character and returns nil.
    private mutating func scanToken() -> Token? {
        skipTrivia()
        let newline = sawNewline
        let start = index
        guard let b = peek() else {
            sawNewline = false
            return Token(kind: .endOfFile, text: "", start: index, end: index, newlineBefore: true, location: here(index))
        }
        lastTokenLine = line
        func single(_ kind: TokenKind, _ length: Int = 1) -> Token {
            sawNewline = false
            index += length
            // Punctuation has one spelling: a literal, not a String decoded from the bytes for each token.
            let text = kind == .comparison ? String(decoding: bytes[start..<index], as: UTF8.self) : kind.spelling
            return Token(kind: kind, text: text, start: start, end: index, newlineBefore: newline, location: here(start))
        }
        switch b {
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ";"): return single(.semicolon)
        case UInt8(ascii: ":"): return single(.colon)
        case UInt8(ascii: "@"): return single(.at)
        case UInt8(ascii: "\""):
            sawNewline = false
            return string(start: start, newline: newline)
        case UInt8(ascii: "-") where peek(1) == UInt8(ascii: ">"): return single(.arrow, 2)
        case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "-") && peek(2) == UInt8(ascii: ">"):
            return single(.twoWayArrow, 3)
        case UInt8(ascii: "<") where mode == .model && peek(1) == UInt8(ascii: "-"): return single(.reverseArrow, 2)
        case UInt8(ascii: "=") where mode == .model: return single(.equals)
        case UInt8(ascii: ".") where mode == .condition: return single(.dot)
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            if mode == .condition {
                if peek(1) == UInt8(ascii: "=") { return single(.comparison, 2) }
                if b == UInt8(ascii: "<") || b == UInt8(ascii: ">") { return single(.comparison) }
            }
        default:
            if Self.isWordStart(b) {
                sawNewline = false
                return word(start: start, newline: newline)
            }
        }
        // Anything else: report it, skip the whole UTF-8 sequence, keep the pending newline.
        let length = utf8Length(b)
        index = min(limit, index + length)
        let character = String(decoding: bytes[start..<index], as: UTF8.self)
        let shown = character.unicodeScalars.first.map { $0.value < 0x20 || $0.value == 0x7F } == true
            ? "\\u{\(String(bytes[start], radix: 16))}" : character
        diagnostics.error(.unexpectedCharacter, "unexpected character '\(shown)'", at: file.range(start, index))
        return nil
    }

    /// The location of an offset on the current line.
    private func here(_ offset: Int) -> SourceLocation { SourceLocation(line: line, column: offset - lineStart + 1) }

    private func utf8Length(_ b: UInt8) -> Int {
        switch b {
        case 0xF0...0xF7: return 4
        case 0xE0...0xEF: return 3
        case 0xC0...0xDF: return 2
        default: return 1
        }
    }

    private mutating func skipTrivia() {
        while index < limit {
            let b = bytes[index]
            if b == UInt8(ascii: "\n") {
                sawNewline = true
                line += 1
                index += 1
                lineStart = index
            } else if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                index += 1
            } else if b == UInt8(ascii: "#") || (b == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/")) {
                let start = index
                while index < limit && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                var end = index
                while end > start && (bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: " ")) { end -= 1 }
                comments.append(Comment(text: String(decoding: bytes[start..<end], as: UTF8.self),
                                        start: start, line: line, ownLine: line != lastTokenLine))
            } else {
                return
            }
        }
    }

    /// What each byte value is inside a word: 1 for a byte of words in both languages (a word start or `-`),
    /// 2 for `.` (part of words in models only: `eu.api_v2`), 0 for a byte that ends a word. A table because
    /// the loop below runs over every byte of every word.
    private static let wordByteClasses: [UInt8] = (0...255).map { (b: UInt8) -> UInt8 in
        isWordStart(b) || b == UInt8(ascii: "-") ? 1 : b == UInt8(ascii: ".") ? 2 : 0
    }

    private mutating func word(start: Int, newline: Bool) -> Token {
        let accepted: UInt8 = mode == .model ? 3 : 1
        let classes = Self.wordByteClasses
        let count = limit
        // Through buffer pointers, with a local index: bounds are checked by `count` once per byte.
        index = bytes.withUnsafeBufferPointer { bytes in
            classes.withUnsafeBufferPointer { classes in
                var i = index
                while i < count {
                    let b = bytes[i]
                    guard classes[Int(b)] & accepted != 0,
                          !(b == UInt8(ascii: "-") && i + 1 < count && bytes[i + 1] == UInt8(ascii: ">")) else { break }
                    i += 1
                }
                return i
            }
        }
        return Token(kind: .word, text: wordText(start, index), start: start, end: index, newlineBefore: newline,
                     location: here(start))
    }

    /// Words already made into strings (`wordText`), and their bytes as two integers, in slots by those
    /// integers; made at the first word.
    private var words: [String] = []
    private var wordKeys: [(low: UInt64, high: UInt64)] = []

    /// The text of the word at `start..<end`. A model repeats a few dozen words (keywords, attribute names
    /// and values) thousands of times, and making a String of a word's bytes (checking them as UTF-8 again)
    /// costs more than finding it in a small table, where most words are (71% of gen-10000's): a word of up to
    /// 16 bytes is looked for there by its bytes, read as two integers. Word bytes are ASCII and never 0, so
    /// the two integers, with the bytes past the word zeroed, tell one word from every other.
    private mutating func wordText(_ start: Int, _ end: Int) -> String {
        let length = end - start
        // (Rule conditions are short: no table for them.)
        guard mode == .model, length <= 16, start + 16 <= bytes.count else {
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        var (low, high) = bytes.withUnsafeBytes {
            (UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: UInt64.self)),
             UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)))
        }
        // The word's first byte is the low byte: keep the word's bytes only.
        if length < 8 {
            low &= (1 << (8 * UInt64(length))) - 1
            high = 0
        } else if length < 16 {
            high &= (1 << (8 * UInt64(length - 8))) - 1
        }
        if words.isEmpty {
            words = Array(repeating: "", count: 256)
            wordKeys = Array(repeating: (0, 0), count: 256)
        }
        let slot = Int(truncatingIfNeeded: (low &* 0x9E37_79B9_7F4A_7C15 ^ high &* 0xC2B2_AE3D_27D4_EB4F) >> 56)
        if wordKeys[slot] == (low, high) { return words[slot] }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        words[slot] = text
        wordKeys[slot] = (low, high)
        return text
    }

    private mutating func string(start: Int, newline: Bool) -> Token {
        index += 1
        // Most strings have no escape: take their bytes as they are, without building a byte array.
        var end = index
        while end < limit, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
              bytes[end] != UInt8(ascii: "\n"), bytes[end] != UInt8(ascii: "\r") {
            end += 1
        }
        if end < limit, bytes[end] == UInt8(ascii: "\"") {
            let text = String(decoding: bytes[index..<end], as: UTF8.self)
            index = end + 1
            return Token(kind: .string, text: text, start: start, end: index, newlineBefore: newline, location: here(start))
        }
        var value: [UInt8] = []
        while true {
            guard let b = peek(), b != UInt8(ascii: "\n"), b != UInt8(ascii: "\r") else {
                diagnostics.error(.unterminatedString, "unterminated string", at: file.range(start, index),
                                  notes: ["strings end on the line they start; close it with '\"'"])
                break
            }
            index += 1
            if b == UInt8(ascii: "\"") { break }
            if b != UInt8(ascii: "\\") { value.append(b); continue }
            let escapeStart = index - 1
            guard let e = peek(), e != UInt8(ascii: "\n") else { continue }
            index += 1
            switch e {
            case UInt8(ascii: "\""): value.append(e)
            case UInt8(ascii: "\\"): value.append(e)
            case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "u") where peek() == UInt8(ascii: "{"):
                var hex = ""
                index += 1
                while let h = peek(), (h >= 0x30 && h <= 0x39) || (h | 0x20 >= 0x61 && h | 0x20 <= 0x66), hex.count < 8 {
                    hex.append(Character(UnicodeScalar(h)))
                    index += 1
                }
                let closed = peek() == UInt8(ascii: "}")
                if closed { index += 1 }
                if closed, let v = UInt32(hex, radix: 16), let scalar = UnicodeScalar(v), v != 0 {
                    value.append(contentsOf: Array(String(Character(scalar)).utf8))
                } else {
                    diagnostics.error(.badEscape, "invalid unicode escape '\\u{\(hex)\(closed ? "}" : "")'",
                                      at: file.range(escapeStart, index), notes: ["write \\u{ followed by 1 to 8 hex digits and }"])
                }
            default:
                diagnostics.error(.badEscape, "unknown escape '\\\(Character(UnicodeScalar(e)))' in string",
                                  at: file.range(escapeStart, index),
                                  notes: ["escapes are \\\" \\\\ \\n \\t and \\u{hex}"])
            }
        }
        return Token(kind: .string, text: String(decoding: value, as: UTF8.self),
                     start: start, end: index, newlineBefore: newline, location: here(start))
    }
}

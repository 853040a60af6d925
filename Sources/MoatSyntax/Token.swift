import MoatSource
import MoatText

/// The kinds of token of the Moat language and of rule conditions.
public enum TokenKind: Sendable, Equatable {
    /// An identifier, keyword, number or date: letters, digits, `_`, `-`, `*` (and `.` in models).
    case word
    /// A double-quoted string; `text` holds the decoded value.
    case string
    /// `{`, which opens a block.
    case leftBrace
    /// `}`, which closes a block.
    case rightBrace
    /// `[`, which opens the list of an `in [a, b]` condition.
    case leftBracket
    /// `]`
    case rightBracket
    /// `(` (conditions: grouping, and a quantifier's body `any(…)`).
    case leftParen
    /// `)`
    case rightParen
    /// `,`, which separates values; at the end of a line it continues the list on the next.
    case comma
    /// `;`, which ends a statement or attribute like a newline.
    case semicolon
    /// `:`, after an explicit flow id (`login: a -> b`).
    case colon
    /// `@`, between the rule and element parts of a finding id pattern (`rule@element`).
    case at
    /// `.` (conditions only: a path step, `flow.source`); in models it belongs to identifiers.
    case dot
    /// `->`
    case arrow
    /// `<->`
    case twoWayArrow
    /// `<-` (models only): not part of the language; read so that the parser can say what to write instead.
    case reverseArrow
    /// `=` (models only): not part of the language; read so that the parser can say what to write instead.
    case equals
    /// `==`, `!=`, `<`, `<=`, `>`, `>=` (conditions only); `text` holds the operator.
    case comparison
    /// The end of the input; always the last token, with an empty text.
    case endOfFile
}

extension TokenKind {
    /// The text of a punctuation token (empty for words, strings, comparisons and the end of the file,
    /// whose text varies).
    var spelling: String {
        switch self {
        case .leftBrace: return "{"
        case .rightBrace: return "}"
        case .leftBracket: return "["
        case .rightBracket: return "]"
        case .leftParen: return "("
        case .rightParen: return ")"
        case .comma: return ","
        case .semicolon: return ";"
        case .colon: return ":"
        case .at: return "@"
        case .dot: return "."
        case .arrow: return "->"
        case .twoWayArrow: return "<->"
        case .reverseArrow: return "<-"
        case .equals: return "="
        case .word, .string, .comparison, .endOfFile: return ""
        }
    }
}

/// One token with its byte span and whether a line break precedes it.
public struct Token: Sendable {
    /// What sort of token this is.
    public var kind: TokenKind
    /// True when a newline separates this token from the previous one.
    public var newlineBefore: Bool
    // Byte offsets as 32-bit numbers (files are at most 32 MiB): a large file has hundreds of thousands of tokens.
    private var storedStart: Int32
    private var storedEnd: Int32
    /// Where the token starts (1-based line, byte column); a token never spans lines.
    public var location: SourceLocation
    /// The word, the decoded string or the operator.
    public var text: String

    /// The byte offset of the token's first byte.
    public var start: Int { Int(storedStart) }
    /// The byte offset just past the token.
    public var end: Int { Int(storedEnd) }

    /// A token of `kind` spanning byte offsets `start..<end` (clamped to 32 bits), starting at `location`.
    public init(kind: TokenKind, text: String, start: Int, end: Int, newlineBefore: Bool, location: SourceLocation) {
        self.kind = kind
        self.newlineBefore = newlineBefore
        self.storedStart = Int32(clamping: start)
        self.storedEnd = Int32(clamping: end)
        self.location = location
        self.text = text
    }

    /// Where the token ends (exclusive).
    public var endLocation: SourceLocation { SourceLocation(line: location.line, column: location.column + end - start) }

    /// Whether this is the word `keyword`.
    public func isWord(_ keyword: String) -> Bool { kind == .word && text == keyword }

    /// A human description for "expected X, found Y" messages.
    public var description: String {
        switch kind {
        case .word: return "'\(text)'"
        case .string: return "string"
        case .endOfFile: return "end of file"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .comma: return "','"
        case .semicolon: return "';'"
        case .colon: return "':'"
        case .at: return "'@'"
        case .dot: return "'.'"
        case .arrow: return "'->'"
        case .twoWayArrow: return "'<->'"
        case .reverseArrow: return "'<-'"
        case .equals: return "'='"
        case .comparison: return "'\(text)'"
        }
    }
}

/// A comment with its position, kept so that `moat fmt` can put it back.
public struct Comment: Sendable, Hashable {
    /// The comment text including its `#` or `//` marker.
    public var text: String
    /// The byte offset of the comment's marker in the file.
    public var start: Int
    /// The 1-based line the comment is on (a comment runs to the end of its line).
    public var line: Int
    /// True when nothing but whitespace precedes the comment on its line.
    public var ownLine: Bool
}

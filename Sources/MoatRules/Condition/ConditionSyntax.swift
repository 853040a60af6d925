import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// A parsed rule condition (grammar in docs/rules.md), before type checking.
public indirect enum ConditionSyntax: Sendable, Hashable {
    /// `left and right`: both hold.
    case and(ConditionSyntax, ConditionSyntax, Span)
    /// `left or right`: at least one holds.
    case or(ConditionSyntax, ConditionSyntax, Span)
    /// `not operand`: the operand does not hold.
    case not(ConditionSyntax, Span)
    /// `has path`: the attribute the path ends in is written on the entity it reaches, or the navigation
    /// (such as `boundary`) leads somewhere.
    case has(PathSyntax, Span)
    /// `left op right`, where `op` is one of `==`, `!=`, `<`, `<=`, `>`, `>=` as written.
    case comparison(ConditionSyntax, String, ConditionSyntax, Span)
    /// `subject in [a, b, …]`: an enum value is one of the listed words (each with its position).
    case membership(ConditionSyntax, [Located<String>], Span)
    /// The literal `true` or `false`.
    case literalBool(Bool, Span)
    /// A number literal, such as `0` or `2.5`.
    case number(Double, Span)
    /// A bare value word; the parser does not produce it and the compiler rejects it as unexpected.
    case word(String, Span)
    /// A path: an attribute, relation or computed fact, such as `encrypted`, `target.trust` or
    /// `accepts.any(caller.exposed)`.
    case path(PathSyntax)
    /// A parenthesised condition; the span includes the parentheses.
    case group(ConditionSyntax, Span)

    /// Byte offsets of the term inside the condition text.
    public struct Span: Sendable, Hashable {
        /// The offset of the term's first byte.
        public var start: Int
        /// The offset just past the term's last byte (exclusive).
        public var end: Int
    }

    /// The byte range of the whole term in the condition text, for error positions.
    public var span: Span {
        switch self {
        case .and(_, _, let s), .or(_, _, let s), .not(_, let s), .has(_, let s), .comparison(_, _, _, let s),
             .membership(_, _, let s), .literalBool(_, let s), .number(_, let s), .word(_, let s), .group(_, let s):
            return s
        case .path(let p): return p.span
        }
    }
}

/// `name { "." name | "." quantifier "(" condition ")" }`.
public struct PathSyntax: Sendable, Hashable {
    /// One step of a path.
    public enum Step: Sendable, Hashable {
        /// A name: an attribute, a relation (`source`, `target`, `accepts`, …) or a computed property (`count`).
        case name(String, ConditionSyntax.Span)
        /// A quantifier over a list, `any(…)`, `all(…)` or `none(…)`, with the condition applied to each item.
        case quantifier(String, ConditionSyntax, ConditionSyntax.Span)
    }
    /// The steps in order; the first is always a name.
    public var steps: [Step]
    /// The byte range of the whole path in the condition text.
    public var span: ConditionSyntax.Span
}

/// An error in a condition, at byte offsets of the condition text.
public struct ConditionError: Error, Sendable, Hashable {
    /// What is wrong, in one sentence (unknown name, type mismatch, syntax error, …).
    public var message: String
    /// Where in the condition text the error is; the loader maps it to a file position.
    public var span: ConditionSyntax.Span
    /// Further hints, such as a suggested name or the allowed values.
    public var notes: [DiagnosticNote] = []
}

/// Parses condition text with the shared lexer in condition mode.
public struct ConditionParser {
    static let quantifiers: Set<String> = ["any", "all", "none"]
    static let reserved: Set<String> = ["and", "or", "not", "in", "has", "true", "false"]
    /// Conditions nested deeper than this are rejected.
    static let maximumDepth = 64
    /// Conditions with more `and`/`or` operators than this are rejected (compiling and evaluating recurse).
    static let maximumOperators = 256
    /// What the words of an `in` list are located in: their ranges carry only the words' offsets in the
    /// condition text (column = offset + 1, on line 1), which is all the compiler reads back from them.
    private static let listFile = SourceFile(path: "<condition>", text: "")

    private var tokens: [Token]
    private var position = 0
    private var depth = 0
    private var operators = 0

    /// Parses `text`; the first error stops parsing (conditions are short).
    public static func parse(_ text: String) -> Result<ConditionSyntax, ConditionError> {
        var lexer = Lexer(file: SourceFile(path: "<condition>", text: text), mode: .condition)
        let tokens = lexer.tokenize()
        if let d = lexer.diagnostics.diagnostics.first {
            let start = d.range.map { $0.start.column - 1 } ?? 0
            return .failure(ConditionError(message: d.message, span: .init(start: start, end: start + 1)))
        }
        var parser = ConditionParser(tokens: tokens)
        do {
            let condition = try parser.parseOr()
            guard parser.current.kind == .endOfFile else {
                throw parser.error("unexpected \(parser.current.description) after the condition")
            }
            return .success(condition)
        } catch let error as ConditionError {
            return .failure(error)
        } catch {
            return .failure(ConditionError(message: "\(error)", span: .init(start: 0, end: 0)))
        }
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var current: Token { tokens[position] }
    private mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }
    private func error(_ message: String, at token: Token? = nil) -> ConditionError {
        let t = token ?? current
        return ConditionError(message: message, span: .init(start: t.start, end: max(t.end, t.start + 1)))
    }
    private func span(_ a: ConditionSyntax.Span, _ b: ConditionSyntax.Span) -> ConditionSyntax.Span {
        .init(start: a.start, end: b.end)
    }

    /// or = and { "or" and } ;
    private mutating func parseOr() throws -> ConditionSyntax {
        var left = try parseAnd()
        while current.isWord("or") {
            try countOperator()
            _ = advance()
            let right = try parseAnd()
            left = .or(left, right, span(left.span, right.span))
        }
        return left
    }

    /// and = unary { "and" unary } ;
    private mutating func parseAnd() throws -> ConditionSyntax {
        var left = try parseUnary()
        while current.isWord("and") {
            try countOperator()
            _ = advance()
            let right = try parseUnary()
            left = .and(left, right, span(left.span, right.span))
        }
        return left
    }

    private mutating func countOperator() throws {
        operators += 1
        if operators > Self.maximumOperators {
            throw error("condition has more than \(Self.maximumOperators) 'and'/'or' operators; split the rule")
        }
    }

    /// unary = "not" unary | "has" path | comparison ;
    private mutating func parseUnary() throws -> ConditionSyntax {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth { throw error("condition nests too deeply") }
        if current.isWord("not") {
            let t = advance()
            let operand = try parseUnary()
            return .not(operand, .init(start: t.start, end: operand.span.end))
        }
        if current.isWord("has") {
            let t = advance()
            guard current.kind == .word else { throw error("expected a name after 'has'") }
            let path = try parsePath()
            return .has(path, .init(start: t.start, end: path.span.end))
        }
        return try parseComparison()
    }

    /// comparison = operand [ op operand | "in" "[" word { "," word } "]" ] ;
    private mutating func parseComparison() throws -> ConditionSyntax {
        let left = try parseOperand()
        if current.kind == .comparison {
            let op = advance()
            let right = try parseOperand()
            return .comparison(left, op.text, right, span(left.span, right.span))
        }
        if current.isWord("in") {
            _ = advance()
            guard current.kind == .leftBracket else { throw error("expected '[' after 'in'") }
            _ = advance()
            var words: [Located<String>] = []
            let file = Self.listFile
            while current.kind != .rightBracket {
                guard current.kind == .word else { throw error("expected a value in the list, found \(current.description)") }
                let w = advance()
                words.append(Located(w.text, file.range(w.start, w.end)))
                if current.kind == .comma { _ = advance() } else if current.kind != .rightBracket {
                    throw error("expected ',' or ']' in the list, found \(current.description)")
                }
            }
            let close = advance()
            if words.isEmpty { throw error("an 'in' list needs at least one value", at: close) }
            return .membership(left, words, .init(start: left.span.start, end: close.end))
        }
        return left
    }

    /// operand = "(" condition ")" | "true" | "false" | number | path ;
    private mutating func parseOperand() throws -> ConditionSyntax {
        let t = current
        switch t.kind {
        case .leftParen:
            let open = advance()
            let inner = try parseOr()
            guard current.kind == .rightParen else { throw error("expected ')' to close '('", at: current) }
            let close = advance()
            return .group(inner, .init(start: open.start, end: close.end))
        case .word where t.text == "true" || t.text == "false":
            _ = advance()
            return .literalBool(t.text == "true", .init(start: t.start, end: t.end))
        case .word where t.text.utf8.first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true:  // words are ASCII
            _ = advance()
            guard let n = Double(t.text) else { throw error("'\(t.text)' is not a number", at: t) }
            return .number(n, .init(start: t.start, end: t.end))
        case .word where !Self.reserved.contains(t.text):
            return .path(try parsePath())
        case .endOfFile:
            throw error("the condition ends too early")
        default:
            throw error("expected a name, found \(t.description)")
        }
    }

    /// path = name { "." ( name | quantifier "(" condition ")" ) } ;
    private mutating func parsePath() throws -> PathSyntax {
        let first = advance()
        var steps: [PathSyntax.Step] = [.name(first.text, .init(start: first.start, end: first.end))]
        var end = first.end
        while current.kind == .dot {
            if steps.count >= Self.maximumDepth { throw error("path is longer than \(Self.maximumDepth) steps") }
            _ = advance()
            let t = current
            guard t.kind == .word else { throw error("expected a name after '.'") }
            _ = advance()
            if Self.quantifiers.contains(t.text) && current.kind == .leftParen {
                _ = advance()
                let inner = try parseOr()
                guard current.kind == .rightParen else { throw error("expected ')' to close '\(t.text)('") }
                let close = advance()
                steps.append(.quantifier(t.text, inner, .init(start: t.start, end: close.end)))
                end = close.end
            } else if current.kind == .leftParen {
                let guess = Suggestion.closest(to: t.text, in: Array(Self.quantifiers)).map { "; did you mean '\($0)'?" } ?? ""
                throw error("'\(t.text)(…)' is not a quantifier; lists have any(…), all(…) and none(…)\(guess)", at: t)
            } else {
                steps.append(.name(t.text, .init(start: t.start, end: t.end)))
                end = t.end
            }
        }
        return PathSyntax(steps: steps, span: .init(start: first.start, end: end))
    }
}

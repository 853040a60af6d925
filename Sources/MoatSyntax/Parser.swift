// Over 500 lines: one parse function per grammar rule of docs/language.md, with their recovery.
import MoatSource
import MoatText

/// A hand-written recursive-descent parser for the Moat language (grammar: docs/language.md).
///
/// One function per grammar rule. `expect` records an error and carries on; after an error the
/// parser skips to the next line at the same nesting depth, so every error of a file is reported.
public struct Parser {
    /// Boundaries nested deeper than this are rejected rather than recursing without bound.
    public static let maximumNesting = 64

    static let statusKeywords: [String: TrackingStatus] = [
        "accept": .accept, "mitigated": .mitigated, "false-positive": .falsePositive, "not-applicable": .notApplicable,
    ]
    /// Words that start a statement and therefore cannot be ids.
    public static var keywords: Set<String> { Identifier.keywords }

    private let file: SourceFile
    private let tokens: [Token]
    private let comments: [Comment]
    private var position = 0
    /// Where the statement being parsed began; recovery never skips past a line break after it.
    private var statementStart = 0
    private var commentIndex = 0
    private var diagnostics: DiagnosticBag

    /// Parses a whole file.
    public static func parse(_ file: SourceFile) -> (Document, [Diagnostic]) {
        let (document, bag) = parseCollecting(file)
        return (document, bag.sorted)
    }

    /// Parses a whole file, keeping the diagnostic counts (errors beyond the cap included).
    public static func parseCollecting(_ file: SourceFile) -> (Document, DiagnosticBag) {
        if file.bytes.count >= halvesThreshold, let parsed = parseInHalves(file) { return parsed }
        return parseWhole(file)
    }

    /// Parses a file in one part (`parseCollecting` without the halves).
    static func parseWhole(_ file: SourceFile) -> (Document, DiagnosticBag) {
        var lexer = Lexer(file: file)
        let tokens = lexer.tokenize()
        var parser = Parser(file: file, tokens: tokens, comments: lexer.comments, diagnostics: lexer.diagnostics)
        let statements = parser.parseFile()
        if parser.diagnostics.isFull && !parser.atEnd { parser.diagnostics.stopEarly() }
        let trailing = parser.takeComments(before: Int.max)
        return (Document(file: file, notation: .moat, statements: statements, trailingComments: trailing),
                parser.diagnostics)
    }

    /// Files at least this large are lexed and parsed in two parts side by side (`parseInHalves`).
    static let halvesThreshold = 64 << 10

    /// A large file parsed as two parts at once: the same document as parsing it whole when neither part has
    /// a problem, and nil when one has (then the file is parsed whole, for the diagnostics of the whole: a
    /// cut inside a block, say, is an unterminated block in the first part and a stray '}' in the second).
    static func parseInHalves(_ file: SourceFile) -> (Document, DiagnosticBag)? {
        guard let cut = cutNearMiddle(file) else { return nil }
        return parseInHalves(file, cut: cut)
    }

    /// `file` parsed as the lines before `cut` and the lines from it (`canCut`), side by side.
    static func parseInHalves(_ file: SourceFile, cut: (offset: Int, line: Int)) -> (Document, DiagnosticBag)? {
        var (first, second) = inParallel({ Part(file, lines: 0..<cut.offset, firstLine: 1) },
                                         { Part(file, lines: cut.offset..<file.bytes.count, firstLine: cut.line) })
        // The first part's comments all belong to its statements: none is left for the trivia of the second's.
        guard first.clean, first.trailingComments.isEmpty, second.clean else { return nil }
        // Joined in the part with more statements: those of the other are copied (a retain for every string and
        // array in them), these only moved.
        var statements: [Statement]
        if first.statements.count >= second.statements.count {
            statements = first.statements
            first.statements = []
            statements.append(contentsOf: second.statements)
        } else {
            statements = second.statements
            second.statements = []
            statements.insert(contentsOf: first.statements, at: 0)
        }
        return (Document(file: file, notation: .moat, statements: statements, trailingComments: second.trailingComments),
                DiagnosticBag())
    }

    /// The start of the first line from the middle of `file` on before which it can be cut (`canCut`), and the
    /// line's number.
    static func cutNearMiddle(_ file: SourceFile) -> (offset: Int, line: Int)? {
        var n = file.location(ofOffset: file.bytes.count / 2).line - 1
        while n < file.lineStarts.count {
            if canCut(file, before: n) { return (file.lineStarts[n], n + 1) }
            n += 1
        }
        return nil
    }

    /// Whether `file` can be cut before line `n` (0-based) for `parseInHalves`: the line starts with a letter in
    /// its first column (a top-level statement, in a file laid out as `moat fmt` does), and the line before it
    /// has a token, so that no blank line or comment precedes the statement (its trivia would then depend on
    /// the first part).
    static func canCut(_ file: SourceFile, before n: Int) -> Bool {
        let bytes = file.bytes, starts = file.lineStarts
        guard n > 0, n < starts.count, starts[n] < bytes.count, (bytes[starts[n]] | 0x20) >= UInt8(ascii: "a"),
              (bytes[starts[n]] | 0x20) <= UInt8(ascii: "z") else { return false }
        var i = starts[n - 1]
        while bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
        let b = bytes[i]
        return b != UInt8(ascii: "\n") && b != UInt8(ascii: "\r") && b != UInt8(ascii: "#")
            && !(b == UInt8(ascii: "/") && bytes[i + 1] == UInt8(ascii: "/"))
    }

    /// The statements of whole lines of a file, lexed and parsed apart from the rest.
    struct Part: Sendable {
        var statements: [Statement]
        /// The comments after the last statement.
        var trailingComments: [String]
        /// Whether the part has no diagnostic at all.
        var clean: Bool

        init(_ file: SourceFile, lines: Range<Int>, firstLine: Int) {
            var lexer = Lexer(file: file, lines: lines, firstLine: firstLine)
            let tokens = lexer.tokenize()
            var parser = Parser(file: file, tokens: tokens, comments: lexer.comments, diagnostics: lexer.diagnostics)
            statements = parser.parseFile()
            trailingComments = parser.takeComments(before: Int.max)
            clean = parser.diagnostics.diagnostics.isEmpty && !parser.diagnostics.hasErrors
        }
    }

    private init(file: SourceFile, tokens: [Token], comments: [Comment], diagnostics: DiagnosticBag) {
        self.file = file
        self.tokens = tokens
        self.comments = comments
        self.diagnostics = diagnostics
    }

    // MARK: - Token helpers

    private var current: Token { tokens[position] }
    private func peek(_ n: Int = 1) -> Token { tokens[min(position + n, tokens.count - 1)] }
    private var atEnd: Bool { current.kind == .endOfFile }

    @discardableResult
    private mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    private func range(_ t: Token) -> SourceRange { SourceRange(file: file, start: t.location, end: t.endLocation) }
    private func range(from start: Token, to end: Token) -> SourceRange {
        SourceRange(file: file, start: start.location, end: end.endLocation)
    }
    private var previous: Token { tokens[max(0, position - 1)] }

    private mutating func error(_ id: DiagnosticID, _ message: String, at token: Token, notes: [DiagnosticNote] = []) {
        diagnostics.error(id, message, at: range(token), notes: notes)
    }

    /// Skips to the start of the next line at the current nesting depth (or to a closing brace).
    private mutating func recover() {
        var depth = 0
        var first = position == statementStart
        while !atEnd {
            let t = current
            if !first && depth == 0 && (t.newlineBefore || t.kind == .semicolon) { return }
            if t.kind == .leftBrace { depth += 1 }
            if t.kind == .rightBrace {
                if depth == 0 { return }
                depth -= 1
                advance()
                if depth == 0 { return }
                continue
            }
            first = false
            advance()
        }
    }

    // MARK: - Comments

    /// Whole-line comments that start before `offset`; a blank line between comments (or between
    /// the last comment and `offset`, when `keepFinalGap`) is kept as an empty string.
    private mutating func takeComments(before offset: Int, keepFinalGap: Bool = false) -> [String] {
        var taken: [String] = []
        var lastLine: Int?
        while commentIndex < comments.count && comments[commentIndex].start < offset {
            let c = comments[commentIndex]
            if let last = lastLine, c.line - last >= 2 { taken.append("") }
            taken.append(c.text)
            lastLine = c.line
            commentIndex += 1
        }
        if keepFinalGap, let last = lastLine, offset < file.bytes.count || offset == file.bytes.count,
           lineOf(offset) - last >= 2 {
            taken.append("")
        }
        return taken
    }

    /// Leading trivia for the statement starting at `token`.
    private mutating func leadingTrivia(_ token: Token) -> Trivia {
        let blank = hasBlankLine(before: token)
        return Trivia(leading: takeComments(before: token.start, keepFinalGap: true), blankLineBefore: blank)
    }

    /// A comment on the same line as the token just consumed, with nothing but `;` between them.
    private mutating func trailingComment() -> String? {
        guard commentIndex < comments.count else { return nil }
        let c = comments[commentIndex]
        let last = previous
        guard !c.ownLine, c.start >= last.end, last.location.line == c.line else { return nil }
        let next = current.kind == .semicolon ? peek() : current
        guard next.kind == .endOfFile || c.start < next.start else { return nil }
        commentIndex += 1
        return c.text
    }

    private func hasBlankLine(before token: Token) -> Bool {
        guard position > 0 else { return false }
        // Count line breaks between the previous token (or comment) and this token; tokens and comments
        // know their lines, and neither spans lines.
        var fromLine = previous.location.line
        if commentIndex > 0, commentIndex - 1 < comments.count, comments[commentIndex - 1].start > previous.end {
            fromLine = comments[commentIndex - 1].line
        }
        if commentIndex < comments.count, comments[commentIndex].start < token.start {
            // A blank line before the first leading comment also counts.
            return comments[commentIndex].line - fromLine >= 2
        }
        return token.location.line - fromLine >= 2
    }

    private func lineOf(_ offset: Int) -> Int { file.location(ofOffset: offset).line }

    // MARK: - Grammar

    /// file = { statement } ;
    private mutating func parseFile() -> [Statement] {
        var statements: [Statement] = []
        while !atEnd && !diagnostics.isFull {
            if current.kind == .semicolon { advance(); continue }
            if current.kind == .rightBrace {
                error(.unexpectedBrace, "unexpected '}' with no open block", at: current)
                advance()
                continue
            }
            if let s = parseStatement(inBoundary: false, depth: 0) { statements.append(s) }
        }
        return statements
    }

    /// statement = model | include | data | element | boundary | flow | tracking ;
    /// (and, inside a boundary block, attribute)
    private mutating func parseStatement(inBoundary: Bool, depth: Int) -> Statement? {
        let start = current
        statementStart = position
        let trivia = leadingTrivia(start)
        guard start.kind == .word else {
            let what = inBoundary ? "an element, boundary, flow or attribute" : "a declaration or flow"
            error(.expectedStatement, "expected \(what), found \(start.description)", at: start)
            recover()
            return nil
        }
        let next = peek()
        var statement: Statement?
        if next.kind == .reverseArrow, peek(2).kind == .word {
            error(.reverseArrow, "reverse arrows are not supported; write '\(peek(2).text) -> \(start.text)'", at: next,
                  notes: ["a flow goes from its source to its target: source -> target"])
            recover()
            return nil
        }
        if next.kind == .arrow || next.kind == .twoWayArrow || (next.kind == .colon && !Identifier.isKeyword(start.text)) {
            statement = finish(parseFlow(), trivia).map(Statement.flow)
        } else {
            switch start.text {
            case "model": statement = finish(parseDeclaration(kind: .model), trivia).map(Statement.declaration)
            case "data": statement = finish(parseDeclaration(kind: .data), trivia).map(Statement.declaration)
            case "actor": statement = finish(parseDeclaration(kind: .actor), trivia).map(Statement.declaration)
            case "process": statement = finish(parseDeclaration(kind: .process), trivia).map(Statement.declaration)
            case "datastore": statement = finish(parseDeclaration(kind: .datastore), trivia).map(Statement.declaration)
            case "threat": statement = finish(parseDeclaration(kind: .threat), trivia).map(Statement.declaration)
            case "boundary": statement = finish(parseBoundary(depth: depth + 1), trivia).map(Statement.boundary)
            case "include": statement = finish(parseInclude(), trivia).map(Statement.include)
            case let word where Self.statusKeywords[word] != nil: statement = finish(parseTracking(), trivia).map(Statement.tracking)
            default:
                if inBoundary, let keyword = misspelledElementKeyword() {
                    error(.unknownKeyword, "unknown keyword '\(start.text)'; did you mean '\(keyword)'?", at: start)
                    recover()
                    return nil
                } else if inBoundary {
                    statement = finish(parseAttribute(), trivia).map(Statement.attribute)
                } else {
                    let hint = Suggestion.closest(to: start.text, in: Array(Self.keywords))
                        .map { "; did you mean '\($0)'?" } ?? ""
                    error(.unknownKeyword, "unknown keyword '\(start.text)'\(hint)", at: start,
                          notes: ["a statement starts with model, include, data, actor, process, datastore, boundary, threat, accept, mitigated, false-positive or not-applicable, or is a flow 'a -> b'"])
                    recover()
                    return nil
                }
            }
        }
        return statement
    }

    /// Ends a statement just parsed: its trailing comment joins `trivia`, which goes on the node before the
    /// node is wrapped in a `Statement` (setting it afterwards copied the whole node out and back in).
    private mutating func finish<Node: HasTrivia>(_ node: consuming Node?, _ trivia: Trivia) -> Node? {
        guard var node else { return nil }
        node.trivia = trivia
        node.trivia.trailing = trailingComment()
        endStatement()
        return node
    }

    /// Inside a boundary, `proces web "Web"` looks like an attribute but is a misspelled element:
    /// a word close to a keyword, followed on its line by an id and then a name or a block.
    private func misspelledElementKeyword() -> String? {
        let id = peek(), after = peek(2)
        guard id.kind == .word, !id.newlineBefore, !after.newlineBefore,
              after.kind == .string || after.kind == .leftBrace else { return nil }
        return Suggestion.closest(to: current.text, in: ["actor", "process", "datastore", "boundary"])
    }

    /// A statement ends at a newline, `;`, `}` or the end of the file.
    private mutating func endStatement() {
        if current.kind == .semicolon { advance(); return }
        if current.newlineBefore || current.kind == .rightBrace || atEnd { return }
        error(.expectedSeparator, "expected a new line or ';' before \(current.description)", at: current)
        recover()
    }

    /// An id: a word that is not a keyword.
    private mutating func parseID(_ what: String) -> Located<String>? {
        let t = current
        guard t.kind == .word else {
            error(.expectedId, "expected \(what) id, found \(t.description)", at: t)
            return nil
        }
        advance()
        // A word's bytes are ASCII and are the token's bytes in the file: a leading digit is a leading byte 0-9
        // (no Character needed), and the file's bytes are searched faster than the String's UTF-8 view.
        let bytes = file.bytes[t.start..<t.end]
        if Identifier.isKeyword(t.text) {
            error(.keywordAsId, "'\(t.text)' is a keyword and cannot be used as \(what) id", at: t)
        } else if bytes.contains(UInt8(ascii: "*")) || bytes.first.map({ $0 >= 0x30 && $0 <= 0x39 }) == true {
            error(.invalidId, "'\(t.text)' is not a valid id", at: t,
                  notes: ["ids start with a letter or '_' and contain letters, digits, '_', '-' and '.'"])
        }
        return Located(t.text, range(t))
    }

    /// An optional display name: a string on the same line.
    private mutating func parseOptionalName() -> Located<String>? {
        guard current.kind == .string, !current.newlineBefore else { return nil }
        let t = advance()
        return Located(t.text, range(t))
    }

    /// model = "model" string [ block ] ;  data|element = keyword ident [ string ] [ block ] ;
    private mutating func parseDeclaration(kind: ElementKind) -> DeclarationSyntax? {
        let keyword = advance()
        var id: Located<String>?
        var name: Located<String>?
        if kind == .model {
            if current.kind == .string && !current.newlineBefore {
                name = parseOptionalName()
            } else {
                error(.expectedName, "expected the model's name as a string after 'model'", at: current,
                      notes: ["write: model \"Online shop\" { … }"])
                recover()
                return nil
            }
        } else {
            guard !current.newlineBefore, current.kind == .word else {
                error(.expectedId, "expected \(kind.rawValue) id after '\(keyword.text)', found \(current.description)", at: current)
                recover()
                return nil
            }
            id = parseID(kind.phrase)
            name = parseOptionalName()
        }
        var subject: Located<String>?
        if kind == .threat {
            guard current.isWord("on"), !current.newlineBefore else {
                error(.expectedSubject, "expected 'on' and the element, flow or boundary the threat is about, found \(current.description)",
                      at: current, notes: ["write: threat replay \"Replayed unlock command\" on hub -> lock { stride spoofing; severity high }"])
                recover()
                return nil
            }
            advance()
            guard let s = parseSubject() else { recover(); return nil }
            subject = s
        }
        var attributes: [AttributeSyntax] = []
        var closing: [String] = []
        if current.kind == .leftBrace && !current.newlineBefore {
            (attributes, closing) = parseBlock()
        }
        return DeclarationSyntax(kind: kind, id: id, name: name, subject: subject, attributes: attributes,
                                 closingComments: closing, range: range(from: keyword, to: previous))
    }

    /// subject = ident [ ( "->" | "<->" ) ident ] ;  (an element, boundary or flow id, or a flow's ends)
    private mutating func parseSubject() -> Located<String>? {
        guard current.kind == .word, !current.newlineBefore else {
            error(.expectedSubject, "expected an element, flow or boundary id after 'on', found \(current.description)", at: current)
            return nil
        }
        let first = advance()
        var text = first.text
        if current.kind == .arrow || current.kind == .twoWayArrow {
            let arrow = advance()
            guard current.kind == .word, !current.newlineBefore else {
                error(.expectedSubject, "expected the flow's target after '\(arrow.text)', found \(current.description)", at: current)
                return nil
            }
            text += arrow.text + advance().text
        }
        return Located(text, range(from: first, to: previous))
    }

    /// block = "{" { attribute } "}" ;
    private mutating func parseBlock() -> ([AttributeSyntax], [String]) {
        let open = advance()
        var attributes: [AttributeSyntax] = []
        attributes.reserveCapacity(attributesAhead())
        while !diagnostics.isFull {
            if current.kind == .semicolon { advance(); continue }
            if current.kind == .rightBrace {
                let closing = takeComments(before: current.start)
                advance()
                return (attributes, closing)
            }
            if atEnd {
                diagnostics.error(.unterminatedBlock, "unterminated block; expected '}'", at: range(open),
                                  notes: ["the block opened here is never closed"])
                return (attributes, [])
            }
            let trivia = leadingTrivia(current)
            statementStart = position
            guard current.kind == .word else {
                error(.expectedAttribute, "expected an attribute name, found \(current.description)", at: current)
                recover()
                continue
            }
            // Appended first and given its comments in place: a local copy cost a copy of the whole node.
            attributes.append(parseAttribute())
            attributes[attributes.count - 1].trivia = trivia
            attributes[attributes.count - 1].trivia.trailing = trailingComment()
            if !(current.newlineBefore || current.kind == .semicolon || current.kind == .rightBrace || atEnd) {
                error(.expectedSeparator, "expected ';' or a new line before \(current.description)", at: current)
                recover()
            }
        }
        return (attributes, [])
    }

    /// How many attributes the block at the current token holds, near enough: the words that open it, start a
    /// line or follow a ';', up to its '}'. An array grown one attribute at a time was allocated two or three
    /// times for a usual element; made this large at once, it is allocated once. 0 when no '}' is near.
    private func attributesAhead() -> Int {
        var count = 0, starts = true
        for i in position..<min(tokens.count, position + 256) {
            switch tokens[i].kind {
            case .rightBrace: return count
            case .endOfFile, .leftBrace: return 0
            case .semicolon: starts = true
            case .word:
                if starts || tokens[i].newlineBefore { count += 1 }
                starts = false
            default: starts = false
            }
        }
        return 0
    }

    /// attribute = ident [ value { "," value } ] ;
    private mutating func parseAttribute() -> AttributeSyntax {
        let nameToken = advance()
        var values: [Located<ValueSyntax>] = []
        var continued = false
        if current.kind == .equals || current.kind == .colon {
            // `type = worker`, `type: worker`: say what to write, then read the value as if it were right.
            let sign = advance()
            let shown = current.kind == .word || current.kind == .string ? " \(current.kind == .string ? "\"\(current.text)\"" : current.text)" : " VALUE"
            error(.attributeAssignment, "attributes take their value without '\(sign.text)': write '\(nameToken.text)\(shown)'", at: sign)
        }
        while (current.kind == .word || current.kind == .string) && (!current.newlineBefore || continued) {
            let t = advance()
            values.append(Located(ValueSyntax(t.text, t.kind == .string ? .string : .word), range(t)))
            continued = false
            if current.kind == .comma {
                advance()
                continued = true
            } else {
                break
            }
        }
        if continued {
            error(.expectedValue, "expected a value after ','", at: current)
        }
        return AttributeSyntax(name: Located(nameToken.text, range(nameToken)), values: values,
                               range: range(from: nameToken, to: previous))
    }

    /// boundary = "boundary" ident [ string ] [ "{" { boundary-item } "}" ] ;
    private mutating func parseBoundary(depth: Int) -> BoundarySyntax? {
        let keyword = advance()
        guard !current.newlineBefore, current.kind == .word else {
            error(.expectedId, "expected boundary id after 'boundary', found \(current.description)", at: current)
            recover()
            return nil
        }
        guard let id = parseID("a boundary") else { recover(); return nil }
        let name = parseOptionalName()
        var items: [Statement] = []
        var closing: [String] = []
        if current.kind == .leftBrace && !current.newlineBefore {
            let open = advance()
            if depth > Self.maximumNesting {
                error(.nestingTooDeep, "boundaries nest deeper than \(Self.maximumNesting) levels", at: open)
                skipBlock()
                return nil
            }
            while !diagnostics.isFull {
                if current.kind == .semicolon { advance(); continue }
                if current.kind == .rightBrace {
                    closing = takeComments(before: current.start)
                    advance()
                    break
                }
                if atEnd {
                    diagnostics.error(.unterminatedBlock, "unterminated boundary '\(id.value)'; expected '}'",
                                      at: range(open), notes: ["the block opened here is never closed"])
                    break
                }
                if let item = parseStatement(inBoundary: true, depth: depth) {
                    if case .declaration(let d) = item, d.kind == .model || d.kind == .data {
                        diagnostics.error(.misplacedDeclaration, "'\(d.kind.rawValue)' cannot appear inside a boundary",
                                          at: d.range, notes: ["declare it at the top level of the file"])
                    } else if case .include(let inc) = item {
                        diagnostics.error(.misplacedDeclaration, "'include' cannot appear inside a boundary", at: inc.range)
                    } else if case .tracking(let t) = item {
                        diagnostics.error(.misplacedDeclaration, "tracking statements cannot appear inside a boundary", at: t.range)
                    } else {
                        items.append(item)
                    }
                }
            }
        }
        return BoundarySyntax(id: id, name: name, items: items, closingComments: closing,
                              range: range(from: keyword, to: previous))
    }

    /// Skips a balanced block whose `{` was just consumed, iteratively.
    private mutating func skipBlock() {
        var depth = 1
        while !atEnd && depth > 0 {
            if current.kind == .leftBrace { depth += 1 }
            if current.kind == .rightBrace { depth -= 1 }
            advance()
        }
    }

    /// flow = [ ident ":" ] ident ( "->" | "<->" ) ident [ string ] [ block ] ;
    private mutating func parseFlow() -> FlowSyntax? {
        let first = current
        var id: Located<String>?
        if peek().kind == .colon {
            id = parseID("a flow")
            advance()  // ':'
            guard current.kind == .word, !current.newlineBefore else {
                error(.expectedFlow, "expected a flow 'source -> target' after '\(first.text):'", at: current)
                recover()
                return nil
            }
        }
        guard let source = parseID("a source") else { recover(); return nil }
        let arrow = current
        guard arrow.kind == .arrow || arrow.kind == .twoWayArrow else {
            if arrow.kind == .reverseArrow, peek().kind == .word {
                error(.reverseArrow, "reverse arrows are not supported; write '\(peek().text) -> \(source.value)'", at: arrow,
                      notes: ["a flow goes from its source to its target: source -> target"])
                recover()
                return nil
            }
            error(.expectedArrow, "expected '->' or '<->' after '\(source.value)', found \(arrow.description)", at: arrow)
            recover()
            return nil
        }
        advance()
        guard current.kind == .word, !current.newlineBefore else {
            error(.expectedId, "expected the flow's target after '\(arrow.text)', found \(current.description)", at: current)
            recover()
            return nil
        }
        guard let target = parseID("a target") else { recover(); return nil }
        let name = parseOptionalName()
        var attributes: [AttributeSyntax] = []
        var closing: [String] = []
        if current.kind == .leftBrace && !current.newlineBefore {
            (attributes, closing) = parseBlock()
        }
        return FlowSyntax(id: id, source: source, target: target, twoWay: arrow.kind == .twoWayArrow, name: name,
                          attributes: attributes, closingComments: closing, range: range(from: first, to: previous))
    }

    /// include = "include" string ;
    private mutating func parseInclude() -> IncludeSyntax? {
        let keyword = advance()
        guard current.kind == .string, !current.newlineBefore else {
            error(.expectedPath, "expected a quoted path after 'include', found \(current.description)", at: current)
            recover()
            return nil
        }
        let path = advance()
        return IncludeSyntax(path: Located(path.text, range(path)), range: range(from: keyword, to: path))
    }

    /// tracking = status pattern string { "owner" string | "until" date } ;
    private mutating func parseTracking() -> TrackingSyntax? {
        let keyword = advance()
        let status = Located(Self.statusKeywords[keyword.text]!, range(keyword))
        guard let pattern = parsePattern() else { recover(); return nil }
        guard current.kind == .string, !current.newlineBefore else {
            error(.expectedJustification, "expected a quoted justification after '\(pattern.value)', found \(current.description)",
                  at: current, notes: ["every tracking decision needs a reason: \(keyword.text) \(pattern.value) \"why\""])
            recover()
            return nil
        }
        let justificationToken = advance()
        let justification = Located(justificationToken.text, range(justificationToken))
        var owner: Located<String>?
        var until: Located<String>?
        while current.kind == .word && (current.text == "owner" || current.text == "until")
            && peek().kind != .arrow && peek().kind != .twoWayArrow && peek().kind != .colon {
            let option = advance()
            if option.text == "owner" {
                guard current.kind == .string else {
                    error(.expectedOwner, "expected a quoted owner after 'owner', found \(current.description)", at: current)
                    recover()
                    return nil
                }
                if owner != nil { error(.duplicateOption, "'owner' given twice", at: option) }
                let t = advance()
                owner = Located(t.text, range(t))
            } else {
                guard current.kind == .word else {
                    error(.expectedDate, "expected a date (YYYY-MM-DD) after 'until', found \(current.description)", at: current)
                    recover()
                    return nil
                }
                if until != nil { error(.duplicateOption, "'until' given twice", at: option) }
                let t = advance()
                if !DateText.isValid(t.text) {
                    error(.invalidDate, "'\(t.text)' is not a date; write YYYY-MM-DD", at: t)
                }
                until = Located(t.text, range(t))
            }
        }
        return TrackingSyntax(status: status, pattern: pattern, justification: justification, owner: owner,
                              until: until, range: range(from: keyword, to: previous))
    }

    /// pattern = rule-pattern "@" element-pattern | string ;
    private mutating func parsePattern() -> Located<String>? {
        let first = current
        if first.kind == .string && !first.newlineBefore {
            advance()
            if !first.text.utf8.contains(UInt8(ascii: "@")) {
                error(.invalidPattern, "finding pattern '\(first.text)' has no '@'", at: first,
                      notes: ["a finding id is rule-id@element-id, e.g. tampering-in-transit@web->db"])
            }
            return Located(first.text, range(first))
        }
        guard first.kind == .word, !first.newlineBefore, peek().kind == .at else {
            error(.expectedPattern, "expected a finding pattern rule@element after '\(previous.text)', found \(first.description)",
                  at: first, notes: ["e.g. accept tampering-in-transit@web->db \"why\""])
            return nil
        }
        advance()
        advance()  // '@'
        guard current.kind == .word, current.start == previous.end else {
            error(.expectedPattern, "expected an element id or '*' after '@'", at: current)
            return nil
        }
        var text = first.text + "@" + advance().text
        if (current.kind == .arrow || current.kind == .twoWayArrow) && current.start == previous.end {
            let arrow = advance()
            guard current.kind == .word, current.start == previous.end else {
                error(.expectedPattern, "expected the flow's target after '\(arrow.text)'", at: current)
                return nil
            }
            text += arrow.text + advance().text
        }
        return Located(text, range(from: first, to: previous))
    }
}

/// A syntax node that carries the comments around it.
protocol HasTrivia {
    var trivia: Trivia { get set }
}

extension DeclarationSyntax: HasTrivia {}
extension BoundarySyntax: HasTrivia {}
extension FlowSyntax: HasTrivia {}
extension TrackingSyntax: HasTrivia {}
extension IncludeSyntax: HasTrivia {}
extension AttributeSyntax: HasTrivia {}

/// Checks `YYYY-MM-DD` dates without a calendar library.
public enum DateText {
    /// Whether `s` is a real calendar date written `YYYY-MM-DD` (leap years counted: `2024-02-29` is valid,
    /// `2023-02-29` is not).
    public static func isValid(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }
}

import Testing
import MoatCore

/// Tokens of `text` (without the final end-of-file token) and the lexer's diagnostics.
private func lex(_ text: String) -> (tokens: [Token], comments: [MoatCore.Comment], diagnostics: [Diagnostic]) {
    lex(SourceFile(path: "lex.moat", text: text))
}

private func lex(_ file: SourceFile) -> (tokens: [Token], comments: [MoatCore.Comment], diagnostics: [Diagnostic]) {
    var lexer = Lexer(file: file)
    var tokens = lexer.tokenize()
    let last = tokens.removeLast()
    #expect(last.kind == .endOfFile)
    return (tokens, lexer.comments, lexer.diagnostics.sorted)
}

private func kinds(_ tokens: [Token]) -> [TokenKind] { tokens.map(\.kind) }
private func texts(_ tokens: [Token]) -> [String] { tokens.map(\.text) }

@Suite("Lexer")
struct LexerTests {
    // MARK: Flows and identifiers

    @Test func flowWithoutSpaces() {
        let (tokens, _, diagnostics) = lex("a->b")
        #expect(kinds(tokens) == [.word, .arrow, .word])
        #expect(texts(tokens) == ["a", "->", "b"])
        #expect(tokens.map(\.start) == [0, 1, 3])
        #expect(tokens.map(\.end) == [1, 3, 4])
        #expect(diagnostics.isEmpty)
    }

    @Test func twoWayFlowWithSpaces() {
        let (tokens, _, diagnostics) = lex("a <-> b")
        #expect(kinds(tokens) == [.word, .twoWayArrow, .word])
        #expect(texts(tokens) == ["a", "<->", "b"])
        #expect(tokens[1].start == 2 && tokens[1].end == 5)
        #expect(diagnostics.isEmpty)
    }

    @Test func twoWayFlowWithoutSpaces() {
        let (tokens, _, _) = lex("api<->cache")
        #expect(kinds(tokens) == [.word, .twoWayArrow, .word])
        #expect(texts(tokens) == ["api", "<->", "cache"])
    }

    @Test func hyphenBeforeArrowEndsTheIdentifier() {
        let (tokens, _, diagnostics) = lex("a-b->c")
        #expect(kinds(tokens) == [.word, .arrow, .word])
        #expect(texts(tokens) == ["a-b", "->", "c"])
        #expect(diagnostics.isEmpty)
    }

    @Test func explicitFlowID() {
        let (tokens, _, _) = lex("login: customer -> idp \"Sign in\"")
        #expect(kinds(tokens) == [.word, .colon, .word, .arrow, .word, .string])
        #expect(texts(tokens) == ["login", ":", "customer", "->", "idp", "Sign in"])
    }

    @Test func kebabDottedAndUnderscoreIdentifiers() {
        let (tokens, _, diagnostics) = lex("orders-db eu.api_v2 _private x-1-y")
        #expect(kinds(tokens) == [.word, .word, .word, .word])
        #expect(texts(tokens) == ["orders-db", "eu.api_v2", "_private", "x-1-y"])
        #expect(diagnostics.isEmpty)
    }

    @Test func numbersDatesAndWildcardsAreWords() {
        let (tokens, _, diagnostics) = lex("443 0.5 2027-03-01 spoofing-*")
        #expect(kinds(tokens) == [.word, .word, .word, .word])
        #expect(texts(tokens) == ["443", "0.5", "2027-03-01", "spoofing-*"])
        #expect(diagnostics.isEmpty)
    }

    @Test func punctuation() {
        let (tokens, _, diagnostics) = lex("{ } , ; : @")
        #expect(kinds(tokens) == [.leftBrace, .rightBrace, .comma, .semicolon, .colon, .at])
        #expect(diagnostics.isEmpty)
    }

    @Test func findingPatternTokens() {
        let (tokens, _, _) = lex("accept tampering-in-transit@web->db")
        #expect(kinds(tokens) == [.word, .word, .at, .word, .arrow, .word])
        #expect(texts(tokens) == ["accept", "tampering-in-transit", "@", "web", "->", "db"])
    }

    @Test func newlineBeforeIsSetOnlyAfterALineBreak() {
        let (tokens, _, _) = lex("actor a; process b\n  datastore c")
        #expect(texts(tokens) == ["actor", "a", ";", "process", "b", "datastore", "c"])
        #expect(tokens.map(\.newlineBefore) == [false, false, false, false, false, true, false])
    }

    // MARK: Strings

    @Test func stringEscapesAreDecoded() {
        let source = #"actor a "say \"hi\" \\ back\nline\ttab \u{1F512}""#
        let (tokens, _, diagnostics) = lex(source)
        #expect(diagnostics.isEmpty, "\(describe(diagnostics))")
        #expect(kinds(tokens) == [.word, .word, .string])
        #expect(tokens[2].text == "say \"hi\" \\ back\nline\ttab 🔒")
        // The token spans the whole literal, quotes included.
        #expect(tokens[2].start == 8)
        #expect(tokens[2].end == source.utf8.count)
    }

    @Test func nonASCIITextInStringsIsKept() {
        let (tokens, _, diagnostics) = lex("actor a \"Ünïcødé 🔒 שלום\"")
        #expect(diagnostics.isEmpty)
        #expect(tokens[2].text == "Ünïcødé 🔒 שלום")
    }

    @Test func emptyString() {
        let (tokens, _, diagnostics) = lex(#"actor a """#)
        #expect(diagnostics.isEmpty)
        #expect(tokens[2].kind == .string)
        #expect(tokens[2].text == "")
    }

    @Test func unterminatedString() {
        let m = extractMarkers("actor a 1️⃣\"Customer\nprocess b \"B\"")
        let (tokens, _, diagnostics) = lex(m.text)
        expectDiagnostic(diagnostics, id: .unterminatedString, message: "unterminated string", at: m["1"])
        #expect(diagnostics.count == 1)
        // The string stops at the line end; the next line is read normally.
        #expect(kinds(tokens) == [.word, .word, .string, .word, .word, .string])
        #expect(tokens[2].text == "Customer")
        #expect(tokens[3].text == "process" && tokens[3].newlineBefore)
        #expect(tokens[5].text == "B")
    }

    @Test func unterminatedStringAtEndOfFile() {
        let m = extractMarkers("actor a 1️⃣\"Customer")
        let (_, _, diagnostics) = lex(m.text)
        let d = expectDiagnostic(diagnostics, id: .unterminatedString, message: "unterminated string", at: m["1"])
        #expect(d?.notes == ["strings end on the line they start; close it with '\"'"])
    }

    @Test func unknownEscape() {
        let m = extractMarkers(#"actor a "x1️⃣\qy""#)
        let (tokens, _, diagnostics) = lex(m.text)
        expectDiagnostic(diagnostics, id: .badEscape, message: #"unknown escape '\q' in string"#, at: m["1"])
        #expect(tokens.last?.kind == .string)
    }

    @Test func invalidUnicodeEscape() {
        let m = extractMarkers(#"actor a "1️⃣\u{D800}""#)
        let (_, _, diagnostics) = lex(m.text)
        expectDiagnostic(diagnostics, id: .badEscape, message: #"invalid unicode escape '\u{D800}'"#, at: m["1"])
    }

    /// A `\u{` escape must not read past the end of its line: strings are one line long.
    @Test func unicodeEscapeDoesNotSwallowTheNextLine() {
        let m = extractMarkers("process a \"x1️⃣\\u{41\nactor b \"B\"")
        let (tokens, _, diagnostics) = lex(m.text)
        #expect(errors(diagnostics).allSatisfy { $0.range?.start.line == 1 }, "\(describe(diagnostics))")
        #expect(errors(diagnostics).allSatisfy { !$0.message.contains("\n") }, "\(describe(diagnostics))")
        #expect(texts(tokens).suffix(3) == ["actor", "b", "B"], "tokens: \(texts(tokens))")
    }

    // MARK: Comments

    @Test func commentsAreCollectedWithOwnLine() {
        let source = """
            # first
            actor a # after a
              // indented own line
            process b // after b
            """
        let (tokens, comments, diagnostics) = lex(source)
        #expect(diagnostics.isEmpty)
        #expect(texts(tokens) == ["actor", "a", "process", "b"])
        #expect(comments.map(\.text) == ["# first", "# after a", "// indented own line", "// after b"])
        #expect(comments.map(\.line) == [1, 2, 3, 4])
        #expect(comments.map(\.ownLine) == [true, false, true, false])
        #expect(comments[2].start == source.utf8.count - "process b // after b".utf8.count - "// indented own line\n".utf8.count)
    }

    @Test func commentMarkersInsideStringsAreText() {
        let (tokens, comments, _) = lex(##"actor a "# not // a comment""##)
        #expect(comments.isEmpty)
        #expect(tokens[2].text == "# not // a comment")
    }

    @Test func commentEndsTheWordBeforeIt() {
        let (tokens, comments, _) = lex("actor a#tight")
        #expect(texts(tokens) == ["actor", "a"])
        #expect(comments.map(\.text) == ["#tight"])
        #expect(comments[0].ownLine == false)
    }

    @Test func trailingSpacesAndCarriageReturnsAreTrimmedFromComments() {
        let (_, comments, _) = lex("# note   \r\nactor a")
        #expect(comments.map(\.text) == ["# note"])
    }

    @Test func singleSlashIsNotAComment() {
        let m = extractMarkers("actor a 1️⃣/ b")
        let (_, comments, diagnostics) = lex(m.text)
        #expect(comments.isEmpty)
        expectDiagnostic(diagnostics, id: .unexpectedCharacter, message: "unexpected character '/'", at: m["1"])
    }

    // MARK: Bad characters

    @Test func unexpectedCharacterIsReportedAndSkipped() {
        let m = extractMarkers("actor a 1️⃣$ b")
        let (tokens, _, diagnostics) = lex(m.text)
        expectDiagnostic(diagnostics, id: .unexpectedCharacter, message: "unexpected character '$'", at: m["1"])
        #expect(texts(tokens) == ["actor", "a", "b"])
    }

    @Test func unexpectedMultiByteCharacterIsReportedOnceWithItsByteColumn() {
        let m = extractMarkers("actor caf1️⃣é x")
        let (tokens, _, diagnostics) = lex(m.text)
        #expect(m["1"].column == 10)
        expectDiagnostic(diagnostics, id: .unexpectedCharacter, message: "unexpected character 'é'", at: m["1"])
        #expect(diagnostics.count == 1)
        #expect(texts(tokens) == ["actor", "caf", "x"])
    }

    @Test func controlCharacterIsShownEscaped() {
        let m = extractMarkers("actor a 1️⃣\u{7}")
        let (_, _, diagnostics) = lex(m.text)
        expectDiagnostic(diagnostics, id: .unexpectedCharacter, message: #"unexpected character '\u{7}'"#, at: m["1"])
    }

    @Test func loneLessThanIsUnexpectedAndAReverseArrowIsAToken() {
        // `<-` is read as one token so that the parser can say "write 'b -> a'"; a lone `<` is an error.
        let m = extractMarkers("a 1️⃣< b <- c")
        let (tokens, _, diagnostics) = lex(m.text)
        #expect(diagnostics.map(\.message) == ["unexpected character '<'"])
        #expect(diagnostics.map { $0.range?.start } == [m["1"]])
        #expect(texts(tokens) == ["a", "b", "<-", "c"])
        #expect(tokens.map(\.kind).contains(.reverseArrow))
    }

    // MARK: BOM and line ends

    @Test func byteOrderMarkIsSkipped() {
        let file = SourceFile(path: "bom.moat", bytes: [0xEF, 0xBB, 0xBF] + Array("actor a".utf8))
        let (tokens, _, diagnostics) = lex(file)
        #expect(diagnostics.isEmpty)
        #expect(texts(tokens) == ["actor", "a"])
        #expect(file.location(ofOffset: tokens[0].start) == TextLocation(line: 1, column: 1))
    }

    @Test func crlfLineEndsSeparateLines() {
        let file = SourceFile(path: "crlf.moat", text: "actor a \"A\"\r\nprocess b # note\r\n// own\r\na -> b\r\n")
        let (tokens, comments, diagnostics) = lex(file)
        #expect(diagnostics.isEmpty)
        #expect(texts(tokens) == ["actor", "a", "A", "process", "b", "a", "->", "b"])
        #expect(tokens.map(\.newlineBefore) == [false, false, false, true, false, true, false, false])
        #expect(comments.map(\.text) == ["# note", "// own"])
        #expect(comments.map(\.ownLine) == [false, true])
        #expect(file.location(ofOffset: tokens[5].start) == TextLocation(line: 4, column: 1))
        #expect(file.lineText(2) == "process b # note")
    }
}

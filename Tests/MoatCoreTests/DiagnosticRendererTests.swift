import MoatCore
import Testing

@Suite("Diagnostic rendering")
struct DiagnosticRendererTests {
    @Test func aNoteAboutAnotherPlaceGetsItsOwnLocationAndCaret() throws {
        let result = try loadModel("actor shop\nprocess shop\n")
        let d = try #require(result.diagnostics.first { $0.id == .duplicateId })
        #expect(DiagnosticRenderer().render(d) == """
            model.moat:2:9: error: 'shop' is already declared as an actor
             2 | process shop
               |         ^~~~
            model.moat:1:7: note: first declared here
             1 | actor shop
               |       ^~~~

            """)
    }

    @Test func aLongLineIsShownAsAWindowAroundTheCaret() throws {
        // A 1 MB line with the error near its end: the snippet stays short and the caret points at it.
        let filler = String(repeating: "a", count: 1_000_000)
        let file = SourceFile(path: "big.moat", text: "actor \(filler) $ tail\n")
        let offset = 6 + filler.utf8.count + 1
        let d = Diagnostic.error(.unexpectedCharacter, "unexpected character '$'", at: file.range(offset, offset + 1))
        let rendered = DiagnosticRenderer().render(d)
        #expect(rendered.utf8.count < 400, "\(rendered.utf8.count) bytes")
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "big.moat:1:\(offset + 1): error: unexpected character '$'")
        #expect(lines[1].hasPrefix(" 1 | …aaa") && lines[1].hasSuffix("a $ tail"))
        // The caret sits under the '$'.
        let caret = try #require(lines[2].firstIndex(of: "^"))
        let dollar = try #require(lines[1].firstIndex(of: "$"))
        #expect(lines[2].distance(from: lines[2].startIndex, to: caret) == lines[1].distance(from: lines[1].startIndex, to: dollar))
    }

    @Test func columnsCountCharactersNotBytes() {
        let file = SourceFile(path: "m.moat", text: "actor é $\n")
        let d = Diagnostic.error(.unexpectedCharacter, "x", at: file.range(9, 10))
        #expect(DiagnosticRenderer().render(d).hasPrefix("m.moat:1:9: error: x\n 1 | actor é $\n   |         ^\n"))
    }

    @Test func atMostALimitOfDiagnosticsIsPrinted() {
        let file = SourceFile(path: "m.moat", text: "x\n")
        let many = (0..<(DiagnosticRenderer.limit + 5)).map { _ in
            Diagnostic.warning(.isolatedElement, "w", at: file.range(0, 1))
        }
        let rendered = DiagnosticRenderer().render(many)
        #expect(rendered.components(separatedBy: ": warning: w\n").count - 1 == DiagnosticRenderer.limit)
        #expect(rendered.hasSuffix("moat: note: 5 more diagnostics not shown\n"))
    }
}

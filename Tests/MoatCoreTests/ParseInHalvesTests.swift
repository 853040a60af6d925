import Foundation
import Testing
import MoatCore
@testable import MoatSyntax

/// Large files are lexed and parsed in two parts side by side (`Parser.parseInHalves`): the document must be
/// the one parsing the whole file gives, or the file must be parsed whole.
@Suite("Parser: large files in two parts")
struct ParseInHalvesTests {
    /// Every sample, one after the other: comments, blank lines, trailing comments and every kind of statement.
    static let samples = sampleFiles().map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined(separator: "\n")

    @Test func aCutAtEveryPossibleLineGivesTheWholeDocument() throws {
        let file = SourceFile(path: "samples.moat", text: Self.samples)
        let (whole, diagnostics) = Parser.parseWhole(file)
        #expect(diagnostics.diagnostics.isEmpty, "\(describe(diagnostics.diagnostics))")
        var cuts = 0
        for n in file.lineStarts.indices where Parser.canCut(file, before: n) {
            // A cut in the middle of a statement (a tracking statement's `owner` on the next line, say) is a
            // problem in one part: nil, and the file is parsed whole.
            guard let (halves, bag) = Parser.parseInHalves(file, cut: (file.lineStarts[n], n + 1)) else { continue }
            cuts += 1
            let same = halves == whole  // a Bool: on failure, the line, not two whole documents
            #expect(same, "cut before line \(n + 1)")
            #expect(bag.diagnostics.isEmpty && !bag.hasErrors)
        }
        #expect(cuts > 100)
    }

    @Test func aLargeFileIsParsedInTwoPartsAsAWhole() throws {
        var text = ""
        while text.utf8.count < Parser.halvesThreshold * 2 { text += Self.samples + "\n" }
        let file = SourceFile(path: "large.moat", text: text)
        let halves = try #require(Parser.parseInHalves(file))
        let same = halves.0 == Parser.parseWhole(file).0
        #expect(same)
        let (document, diagnostics) = Parser.parseCollecting(file)
        let collected = document == halves.0
        #expect(collected && diagnostics.diagnostics.isEmpty)
    }

    /// A cut inside a block leaves an unterminated block before it and a stray '}' after it: the file is
    /// parsed whole, and its diagnostics are those of the whole.
    @Test func aCutThroughABlockFallsBackToTheWholeFile() throws {
        let declarations = (0..<4000).map { "process p\($0) \"P\" { type api }" }.joined(separator: "\n")
        let text = "boundary zone \"Zone\" {\n\(declarations)\nprocess inside \"I\"\n}\nactor a\n"
        let file = SourceFile(path: "zone.moat", text: text)
        let line = file.lineStarts.count / 2
        #expect(Parser.parseInHalves(file, cut: (file.lineStarts[line], line + 1)) == nil)
        let (document, diagnostics) = Parser.parseCollecting(file)
        let (whole, wholeDiagnostics) = Parser.parseWhole(file)
        let same = document == whole
        #expect(same)
        #expect(diagnostics.diagnostics == wholeDiagnostics.diagnostics)
    }

    /// A file with problems in one part is parsed whole: the same diagnostics, in the same order, under the cap.
    @Test func errorsAreThoseOfTheWholeFile() throws {
        var lines = (0..<6000).map { "p\($0) -> s\($0) { protocol https }" }
        for i in stride(from: 2900, to: 3300, by: 3) { lines[i] = "p\(i) -> { protocl https }" }
        let file = SourceFile(path: "errors.moat", text: lines.joined(separator: "\n"))
        let (document, diagnostics) = Parser.parseCollecting(file)
        let (whole, wholeDiagnostics) = Parser.parseWhole(file)
        let same = document == whole
        #expect(same)
        #expect(diagnostics.diagnostics == wholeDiagnostics.diagnostics)
        #expect(diagnostics.errorCount == wholeDiagnostics.errorCount && diagnostics.stoppedEarly == wholeDiagnostics.stoppedEarly)
    }
}

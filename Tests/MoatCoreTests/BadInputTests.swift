import Foundation
import Testing
import MoatCore

/// SplitMix64: a small deterministic generator, so "random" inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Loads one in-memory file through the same checks as a file on disk.
private func loadBytes(_ bytes: [UInt8], path: String = "/in/model.moat") throws -> LoadResult {
    try loadModel(bytes: [path: bytes], root: path)
}

/// A loaded input must be rejected with at least one error that has a message, and no model.
private func expectRejected(_ result: LoadResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(result.hasErrors, "\(describe(result.diagnostics))", sourceLocation: sourceLocation)
    #expect(result.model == nil, sourceLocation: sourceLocation)
    #expect(result.diagnostics.allSatisfy { !$0.message.isEmpty && !$0.id.rawValue.isEmpty }, sourceLocation: sourceLocation)
}

@Suite("Bad input")
struct BadInputTests {
    // MARK: Empty and binary files

    @Test func emptyFile() throws {
        let result = try loadBytes([])
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .emptyModel,
                         message: "file is empty; a model declares at least one actor, process or datastore",
                         at: TextLocation(line: 1, column: 1), file: "/in/model.moat")
    }

    @Test func whitespaceOnlyFile() throws {
        let result = try loadBytes(Array(" \n\t\r\n   \n".utf8))
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .emptyModel,
                         message: "file is empty; a model declares at least one actor, process or datastore")
    }

    @Test func commentOnlyFileIsAnEmptyModelWithAWarning() throws {
        let result = try loadBytes(Array("# nothing yet\n".utf8))
        #expect(!result.hasErrors && result.model?.elements.isEmpty == true)
        expectDiagnostic(result.diagnostics, id: .emptyModel, severity: .warning,
                         message: "model declares no actor, process or datastore")
    }

    @Test func classicMacLineEndsAreRejectedWithTheirPlace() throws {
        let result = try loadBytes(Array("actor a\rprocess b\r\na -> b\n".utf8))
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .carriageReturnLineEnds,
                         message: "file uses carriage returns alone as line ends (classic Mac OS); save it with LF or CRLF line ends",
                         at: TextLocation(line: 1, column: 8))
        // CRLF alone is fine.
        #expect(!(try loadBytes(Array("actor a\r\nprocess b\r\na -> b\r\n".utf8))).hasErrors)
    }

    @Test(arguments: [1, 2, 3, 42, 2024])
    func binaryGarbage(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes[1000] = 0
        let result = try loadBytes(bytes)
        expectRejected(result)
        #expect(result.diagnostics.count == 1)
        let d = try #require(result.diagnostics.first)
        #expect(["invalid-utf8", "binary-file"].contains(d.id.rawValue), "\(d.summary)")
        #expect(d.range != nil)
    }

    @Test(arguments: [7, 8, 9])
    func randomTextIsRejectedWithoutCrashing(seed: UInt64) throws {
        // Valid UTF-8 made of Moat's own punctuation, words and strings: it gets past the loader checks.
        let pieces = ["{", "}", "->", "<->", ";", ",", ":", "@", "\"x\"", "\"", "actor", "process", "boundary", "b",
                      "data", "accept", "model", "include", "\n", " ", "#c\n", "$", "é", "\\", "1", "*"]
        var rng = SplitMix64(seed: seed)
        let text = (0..<20_000).map { _ in pieces.randomElement(using: &rng)! }.joined()
        let result = try loadBytes(Array(text.utf8))
        #expect(result.hasErrors)
        #expect(result.model == nil)
        #expect(errors(result.diagnostics).count <= DiagnosticBag.errorLimit + 1)
    }

    @Test func nulByteInText() throws {
        let m = extractMarkers("actor a\nprocess b1️⃣\u{0}c\n")
        let result = try loadBytes(Array(m.text.utf8))
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .binaryFile,
                         message: "file contains a NUL byte; it looks like binary data, not a model", at: m["1"])
    }

    @Test func invalidUTF8ByteIsReportedAtItsPosition() throws {
        let bytes = Array("actor a\nprocess b ".utf8) + [0xFF] + Array("\na -> b\n".utf8)
        let result = try loadBytes(bytes)
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .invalidUtf8, message: "file is not valid UTF-8 text (byte 0xFF)",
                         at: TextLocation(line: 2, column: 11), file: "/in/model.moat")
        #expect(result.diagnostics.count == 1)
    }

    @Test(arguments: [
        ([0xC0, 0x80], "C0"),           // overlong NUL
        ([0xE0, 0x80, 0xAF], "E0"),     // overlong '/'
        ([0xED, 0xA0, 0x80], "ED"),     // UTF-16 surrogate
        ([0xF4, 0x90, 0x80, 0x80], "F4"),  // above U+10FFFF
        ([0x80], "80"),                 // lone continuation byte
        ([0xE2, 0x82], "E2"),           // truncated at end of file
        ([0xE2, 0x28, 0xA1], "E2"),     // bad continuation
    ] as [([UInt8], String)])
    func invalidUTF8Sequences(bad: [UInt8], byte: String) throws {
        let bytes = Array("actor a \"".utf8) + bad
        let result = try loadBytes(bytes)
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .invalidUtf8, message: "file is not valid UTF-8 text (byte 0x\(byte))",
                         at: TextLocation(line: 1, column: 10))
    }

    @Test func validMultiByteUTF8IsAccepted() throws {
        let result = try loadBytes(Array("actor a \"Ünïcødé 🔒 中文 עברית\"\nprocess b\na -> b\n".utf8))
        expectClean(result)
        #expect(result.model?.elements.first?.name == "Ünïcødé 🔒 中文 עברית")
    }

    // MARK: Size limit

    @Test func fiftyMegabyteFileFromMemory() throws {
        let size = 50 * 1024 * 1024
        let loader = SourceLoader(readBytes: { _ in [UInt8](repeating: UInt8(ascii: "#"), count: size) })
        let result = ModelLoader(catalogue: try builtInCatalogue(), sourceLoader: loader).load(path: "huge.moat")
        expectRejected(result)
        let d = expectDiagnostic(result.diagnostics, id: .unreadableFile,
                                 message: "'huge.moat': file is too large (50.0 MB; the limit is 32 MB)")
        #expect(d?.message.contains("limit is \(SourceLoader.maximumSize / 1_048_576) MB") == true)
    }

    @Test func fiftyMegabyteFileOnDiskIsRefusedBeforeReading() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-big-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("big.moat").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 50 * 1024 * 1024)  // sparse: no 50 MB written
        try handle.close()
        let result = try loadModelFromDisk(path)
        expectRejected(result)
        let d = expectDiagnostic(result.diagnostics, id: .unreadableFile)
        #expect(d?.message == "'\(path)': file is too large (50.0 MB; the limit is 32 MB)")
    }

    @Test func oversizedIncludeIsReportedAtTheInclude() throws {
        let m = extractMarkers("actor a\ninclude 1️⃣\"big.moat\"\n")
        let root = Array(m.text.utf8)
        let loader = SourceLoader(readBytes: { path in
            path.hasSuffix("big.moat") ? [UInt8](repeating: 0x20, count: SourceLoader.maximumSize + 1) : root
        })
        let result = ModelLoader(catalogue: try builtInCatalogue(), sourceLoader: loader).load(path: "/in/root.moat")
        expectRejected(result)
        let d = expectDiagnostic(result.diagnostics, id: .unreadableFile, at: m["1"], file: "/in/root.moat")
        #expect(d?.message.contains("the limit is 32 MB") == true)
    }

    @Test func aFileOnDiskIsReadWholeAndExactly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Larger than one read's 64 KiB chunk, every byte value but NUL, and through a symbolic link.
        let bytes = (0..<200_003).map { UInt8(1 + $0 % 255) }
        let path = dir.appendingPathComponent("data.bin").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(try SourceLoader.readFromDisk(path) == bytes)
        let link = dir.appendingPathComponent("link.bin").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(try SourceLoader.readFromDisk(link) == bytes)
        let empty = dir.appendingPathComponent("empty.moat").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(try SourceLoader.readFromDisk(empty) == [])
        #expect(throws: SourceLoader.LoadError.notFound) { try SourceLoader.readFromDisk(dir.appendingPathComponent("none/x.moat").path) }
    }

    @Test func directoryIsNotAModel() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let result = try loadModelFromDisk(dir)
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .unreadableFile, message: "'\(dir)': is a directory, not a model file")
    }

    // MARK: Malformed models

    @Test(arguments: [
        ("actor a \"Customer\nprocess b", "unterminated-string"),
        ("actor a {\n  type user\n", "unterminated-block"),
        ("boundary b {\n  actor a\n", "unterminated-block"),
        ("proces web", "unknown-keyword"),
        ("actor a\nprocess a", "duplicate-id"),
        ("actor a\na -> nowhere", "unknown-element"),
        ("actor a\na ->", "expected-id"),
        ("}}}", "unexpected-brace"),
        ("actor a { type }", "wrong-value-count"),
        ("actor a\naccept x@a", "expected-justification"),
        ("actor a\u{2028}process b", "unexpected-character"),
    ] as [(String, String)])
    func malformedModelGivesAClearError(source: String, id: String) throws {
        let result = try loadBytes(Array(source.utf8))
        expectRejected(result)
        #expect(errors(result.diagnostics).contains { $0.id.rawValue == id }, "\(describe(result.diagnostics))")
        #expect(errors(result.diagnostics).allSatisfy { $0.range != nil })
    }

    @Test func includeCycleAndMissingInclude() throws {
        let cycle = try loadModel(files: ["/in/a.moat": "include \"b.moat\"\nactor a", "/in/b.moat": "include \"a.moat\""],
                                  root: "/in/a.moat")
        expectRejected(cycle)
        expectDiagnostic(cycle.diagnostics, id: .includeCycle, file: "/in/b.moat")
        let missing = try loadModel(files: ["/in/a.moat": "include \"gone.moat\"\nactor a"], root: "/in/a.moat")
        expectRejected(missing)
        expectDiagnostic(missing.diagnostics, id: .fileNotFound, at: TextLocation(line: 1, column: 9))
    }

    // MARK: BOM and CRLF

    @Test func byteOrderMarkAndCRLFAreAccepted() throws {
        let text = "model \"Shop\" {\r\n  owner \"me\"\r\n}\r\n\r\nactor a \"A\" # comment\r\nprocess b\r\na -> b \"Go\"\r\n"
        let result = try loadBytes([0xEF, 0xBB, 0xBF] + Array(text.utf8))
        expectClean(result)
        let model = try #require(result.model)
        #expect(model.header.name == "Shop")
        #expect(model.header.owner == "me")
        #expect(model.elements.map(\.name) == ["A", "b"])
        #expect(model.flows.map(\.name) == ["Go"])
        #expect(model.elements.first?.range.start == TextLocation(line: 5, column: 7))
    }

    @Test func positionsInABOMAndCRLFFileIgnoreTheBOMAndCarriageReturns() throws {
        let m = extractMarkers("actor a\r\n  1️⃣proces b\r\n")
        let result = try loadBytes([0xEF, 0xBB, 0xBF] + Array(m.text.utf8))
        let d = expectDiagnostic(result.diagnostics, id: .unknownKeyword, at: m["1"])
        let rendered = DiagnosticRenderer().render(try #require(d))
        #expect(rendered == """
            /in/model.moat:2:3: error: unknown keyword 'proces'; did you mean 'process'?
             2 |   proces b
               |   ^~~~~~
              note: a statement starts with model, include, data, actor, process, datastore, boundary, threat, accept, mitigated, false-positive or not-applicable, or is a flow 'a -> b'

            """)
    }

    // MARK: Pathological sizes and depths

    @Test func tenThousandNestedBoundaries() throws {
        let depth = 10_000
        let text = String(repeating: "boundary b {\n", count: depth) + "process p\n" + String(repeating: "}\n", count: depth)
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        let d = expectDiagnostic(result.diagnostics, id: .nestingTooDeep,
                                 message: "boundaries nest deeper than \(Parser.maximumNesting) levels")
        #expect(d?.range?.start.line == Parser.maximumNesting + 1)
    }

    @Test func tenThousandUnclosedNestedBoundaries() throws {
        let text = String(repeating: "boundary b {\n", count: 10_000)
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .nestingTooDeep)
    }

    @Test func deeplyNestedYAMLBoundaries() throws {
        var yaml = "boundaries:\n"
        var indent = ""
        for i in 0..<200 {
            yaml += "\(indent)  - id: b\(i)\n\(indent)    boundaries:\n"
            indent += "    "
        }
        yaml += "\(indent)  - id: last\n"
        let result = try loadModel(yaml, path: "deep.yaml")
        expectRejected(result)
        expectDiagnostic(result.diagnostics, id: .nestingTooDeep)
    }

    @Test func oneMegabyteLineOfOpeningBraces() throws {
        let text = "actor a\n" + String(repeating: "{", count: 1 << 20) + "\nprocess b\n"
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        #expect(errors(result.diagnostics).count == 1, "\(describe(Array(result.diagnostics.prefix(3))))")
        expectDiagnostic(result.diagnostics, id: .expectedStatement, message: "expected a declaration or flow, found '{'",
                         at: TextLocation(line: 2, column: 1))
    }

    @Test func oneMegabyteLineOfOpeningBracesInsideABlock() throws {
        let text = "actor a { " + String(repeating: "{", count: 1 << 20) + "\n"
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        #expect(errors(result.diagnostics).count <= 2)
    }

    @Test func longLineOfClosingBraces() throws {
        let result = try loadBytes(Array(("actor a\n" + String(repeating: "}", count: 1 << 20)).utf8))
        expectRejected(result)
        #expect(errors(result.diagnostics).count <= DiagnosticBag.errorLimit + 1)
    }

    // MARK: Error cap

    @Test func manySyntaxErrorsAreCappedWithANote() throws {
        let text = (0..<1000).map { "proces p\($0)\n" }.joined()
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        let positioned = errors(result.diagnostics).filter { $0.range != nil }
        #expect(positioned.count == DiagnosticBag.errorLimit)
        let note = result.diagnostics.filter { $0.id == .tooManyErrors }
        #expect(note.count == 1, "no 'too many errors' diagnostic after \(positioned.count) errors")
        #expect(note.first?.message.hasPrefix("too many errors") == true)
        // It comes last, after every positioned diagnostic.
        #expect(result.diagnostics.last?.id == .tooManyErrors)
    }

    @Test func manyLexicalErrorsAreCountedInTheNote() throws {
        let text = (0..<500).map { "actor a\($0) $\n" }.joined()
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        #expect(errors(result.diagnostics).filter { $0.range != nil }.count == DiagnosticBag.errorLimit)
        let note = result.diagnostics.filter { $0.id == .tooManyErrors }
        #expect(note.map(\.message) == ["too many errors; \(500 - DiagnosticBag.errorLimit) more not shown and the rest of the file was not read"])
    }

    @Test func manySemanticErrorsAreCappedWithACorrectCount() throws {
        let text = "actor a\n" + (0..<300).map { "a -> missing\($0)\n" }.joined()
        let result = try loadBytes(Array(text.utf8))
        expectRejected(result)
        #expect(errors(result.diagnostics).filter { $0.range != nil }.count == DiagnosticBag.errorLimit)
        #expect(result.diagnostics.filter { $0.id == .tooManyErrors }.map(\.message)
            == ["too many errors; \(300 - DiagnosticBag.errorLimit) more not shown"])
    }

    @Test func diagnosticBagCountsDroppedErrors() {
        var bag = DiagnosticBag()
        for i in 0..<(DiagnosticBag.errorLimit + 5) { bag.error(DiagnosticID(declared: "e"), "error \(i)", at: nil) }
        bag.warning(DiagnosticID(declared: "w"), "warnings are never dropped", at: nil)
        #expect(bag.isFull)
        #expect(bag.errorCount == DiagnosticBag.errorLimit + 5)
        #expect(bag.droppedErrors == 5)
        #expect(bag.diagnostics.count == DiagnosticBag.errorLimit + 1)
        #expect(bag.sorted.filter { $0.id == .tooManyErrors }.map(\.message) == ["too many errors; 5 more not shown"])
    }

    // MARK: Stack depth (run in a child process, so that a crash fails one test instead of the run)

    @Test func longRunOfUnexpectedCharactersDoesNotOverflowTheStack() async {
        await #expect(processExitsWith: .success) {
            let text = String(repeating: "$", count: 1_000_000)
            let (_, diagnostics) = Parser.parse(SourceFile(path: "x.moat", text: text))
            if !diagnostics.contains(where: { $0.id == .unexpectedCharacter }) { exit(3) }
        }
    }

    @Test func prosInAnotherScriptDoesNotOverflowTheStack() async {
        await #expect(processExitsWith: .success) {
            // A 200 kB Cyrillic text: every letter is an unexpected character, none is a token.
            let text = String(repeating: "Привет мир, это не модель. ", count: 8_000)
            let (_, diagnostics) = Parser.parse(SourceFile(path: "x.moat", text: text))
            if diagnostics.isEmpty { exit(3) }
        }
    }

    @Test func deeplyNestedJSONDoesNotOverflowTheStack() async {
        await #expect(processExitsWith: .success) {
            let json = "{\"boundaries\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
            let (_, diagnostics) = YAMLModelReader.read(SourceFile(path: "x.json", text: json), notation: .json)
            if diagnostics.isEmpty { exit(3) }
        }
    }
}

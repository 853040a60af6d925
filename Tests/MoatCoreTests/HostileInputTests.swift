import Foundation
import Testing
import MoatCore
import MoatReports

// Hostile inputs beyond BadInputTests (which covers empty, binary, NUL, invalid UTF-8, BOM/CRLF, size
// limits, boundary nesting, brace floods and the error cap): rule conditions nested or chained without
// bound, 100,000-element models, megabyte-long identifiers, strings, comments and lines, many and deep
// includes, symlink cycles on disk, and labels carrying markup, formulas and terminal escapes.
//
// Every test asserts what Moat does, never how long it takes. Where a test guards against a hang it has a
// time limit, so that a regression fails the test instead of stalling the run.

private func vocabulary() throws -> Vocabulary { try builtInCatalogue().vocabulary }

/// The attribute a condition may test on processes, in every test below.
private let processContext = EntityType.node([.process])

// MARK: - Synthetic models

/// `cells` copies of the same four-element cell (actor → api → worker → database, in its own boundary),
/// each with its own ids. Copies are independent, so every per-element result must repeat per cell.
func syntheticModel(cells: Int) -> String {
    var text = """
        model "Synthetic" {
          owner "tests"
          maturity 2
          practices threat-modelling
        }

        data d "Customer data" { classification confidential; pii }


        """
    text.reserveCapacity(cells * 520)
    for i in 0..<cells {
        text += """
            boundary zone\(i) "Zone \(i)" {
              trust internal
              actor user\(i) "User \(i)" { type user }
              process api\(i) "API \(i)" { type api; authn token; validates-input; processes d }
              process worker\(i) "Worker \(i)" { type worker }
              datastore db\(i) "DB \(i)" { type sql; encrypted-at-rest; stores d }
            }
            user\(i) -> api\(i) "Call" { protocol https; carries d }
            api\(i) -> worker\(i) "Queue" { protocol amqp }
            worker\(i) -> db\(i) "Write" { protocol postgres; carries d }

            """
    }
    return text
}

/// A finding id with the cell number taken out: `rule@api17->worker17` → `rule@api#->worker#`.
private func cellPattern(_ id: String) -> String {
    id.replacing(/(user|api|worker|db|zone)[0-9]+/) { "\($0.output.1)#" }
}

// MARK: - Rule conditions

@Suite("Hostile input: rule conditions")
struct HostileConditionTests {
    @Test(arguments: [10_000, 100_000])
    func deeplyNestedParenthesesAreRejected(depth: Int) {
        let text = String(repeating: "(", count: depth) + "internet-facing" + String(repeating: ")", count: depth)
        guard case .failure(let error) = ConditionParser.parse(text) else {
            Issue.record("a condition nested \(depth) deep was accepted")
            return
        }
        #expect(error.message == "condition nests too deeply")
        // Reported where the limit is crossed, not at the end of the text.
        #expect(error.span.start < 200)
    }

    @Test func longChainOfNotIsRejected() {
        let result = ConditionParser.parse(String(repeating: "not ", count: 100_000) + "internet-facing")
        guard case .failure(let error) = result else {
            Issue.record("100,000 nested 'not' were accepted")
            return
        }
        #expect(error.message == "condition nests too deeply")
    }

    @Test func deeplyNestedQuantifiersAreRejected() {
        let depth = 10_000
        let text = String(repeating: "inbound.any(", count: depth) + "encrypted" + String(repeating: ")", count: depth)
        guard case .failure(let error) = ConditionParser.parse(text) else {
            Issue.record("quantifiers nested \(depth) deep were accepted")
            return
        }
        #expect(error.message == "condition nests too deeply")
    }

    @Test func nestingJustBelowTheLimitCompilesAndEvaluates() throws {
        // 30 parentheses and 30 'not' stay within the limit of 64: the condition must compile and hold.
        let text = String(repeating: "(", count: 30) + String(repeating: "not ", count: 30) + "internet-facing"
            + String(repeating: ")", count: 30)
        let compiled = try ConditionCompiler(vocabulary: try vocabulary()).compile(text, context: processContext).get()
        let model = try #require(try loadModel("process p { internet-facing }\nprocess q\np -> q").model)
        let graph = ArchitectureGraph(model: model, vocabulary: try vocabulary())
        let evaluator = Evaluator(graph: graph, vocabulary: try vocabulary())
        let p = try #require(graph.elementIndex["p"]), q = try #require(graph.elementIndex["q"])
        // An even number of 'not': the value of internet-facing itself.
        #expect(compiled.holds(evaluator, .element(p)))
        #expect(!compiled.holds(evaluator, .element(q)))
    }

    @Test func unclosedParenthesesAreAnErrorNotACrash() {
        for text in [String(repeating: "(", count: 50), "(" + String(repeating: "a and ", count: 1000), "inbound.any(" ] {
            guard case .failure(let error) = ConditionParser.parse(text) else {
                Issue.record("'\(text.prefix(20))…' was accepted")
                continue
            }
            #expect(!error.message.isEmpty)
        }
    }

    // A flat chain `a and a and …` is parsed iteratively but builds a left-deep tree as deep as the chain;
    // compiling, evaluating and freeing it recurse once per term. Run in a child process so that a stack
    // overflow fails this test instead of killing the whole run.
    @Test(arguments: [10_000, 200_000])
    func longFlatChainOfAndDoesNotOverflowTheStack(terms: Int) async {
        await #expect(processExitsWith: .success) { [terms] in
            let text = Array(repeating: "internet-facing", count: terms).joined(separator: " and ")
            let vocabulary = try Catalogue.builtIn.get().vocabulary
            switch ConditionCompiler(vocabulary: vocabulary).compile(text, context: .node([.process])) {
            case .failure(let error):
                // Refusing an over-long condition is fine, with a message.
                if error.message.isEmpty { exit(3) }
            case .success(let compiled):
                let result = ModelLoader(catalogue: try Catalogue.builtIn.get())
                    .load(text: "process p { internet-facing }\nprocess q\np -> q")
                guard let model = result.model else { exit(4) }
                let graph = ArchitectureGraph(model: model, vocabulary: vocabulary)
                let evaluator = Evaluator(graph: graph, vocabulary: vocabulary)
                if !compiled.holds(evaluator, .element(graph.elementIndex["p"]!)) { exit(5) }
                if compiled.holds(evaluator, .element(graph.elementIndex["q"]!)) { exit(6) }
            }
        }
    }
}

// MARK: - Size

@Suite("Hostile input: large models")
struct HostileSizeTests {
    @Test(.timeLimit(.minutes(5)))
    func hundredThousandElementsLoadWithoutError() throws {
        let cells = 25_000
        let text = syntheticModel(cells: cells)
        #expect(text.utf8.count < SourceLoader.maximumSize)
        let result = try loadModel(text, path: "large.moat")
        #expect(result.diagnostics.isEmpty, "\(describe(Array(result.diagnostics.prefix(5))))")
        let model = try #require(result.model)
        #expect(model.elements.count == 100_000)
        #expect(model.flows.count == 75_000)
        #expect(model.boundaries.count == cells)
        // Spot checks far into the file: declarations keep their boundary, flows their ends and positions.
        let graph = ArchitectureGraph(model: model, vocabulary: try vocabulary())
        for i in [0, 12_345, cells - 1] {
            let db = try #require(graph.elementIndex["db\(i)"])
            #expect(model.elements[db].boundary == "zone\(i)")
            #expect(model.elements[db].kind == .datastore)
            let write = try #require(graph.flowIndex["worker\(i)->db\(i)"])
            #expect(model.flows[write].source == "worker\(i)")
            #expect(graph.inbound[db] == [write])
            // Each cell is 10 lines after an 8-line preamble; the datastore is the cell's 6th line.
            #expect(model.elements[db].range.start == TextLocation(line: 9 + i * 10 + 5, column: 13))
        }
    }

    @Test func findingsGrowExactlyWithTheNumberOfIndependentCells() throws {
        let catalogue = try builtInCatalogue()
        func findings(_ cells: Int) throws -> [String] {
            let model = try #require(try loadModel(syntheticModel(cells: cells)).model)
            return Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-06-01")).findings.map(\.id)
        }
        let one = try findings(1)
        #expect(!one.isEmpty)
        let cells = 500
        let many = try findings(cells)
        #expect(Set(many).count == many.count, "finding ids are not unique")
        #expect(many.count == one.count * cells)
        // The same findings in every cell, under that cell's ids.
        func histogram(_ ids: [String]) -> [String: Int] {
            ids.reduce(into: [:]) { $0[cellPattern($1), default: 0] += 1 }
        }
        #expect(histogram(many) == histogram(one).mapValues { $0 * cells })
    }

    @Test func largeModelReadsTheSameFromJSON() throws {
        let text = syntheticModel(cells: 2_500)
        let fromText = try loadModel(text, path: "large.moat")
        let document = try #require(fromText.documents.first)
        let json = DocumentTree(vocabulary: try vocabulary()).json(document)
        let fromJSON = try loadModel(json, path: "large.json")
        #expect(fromJSON.diagnostics.isEmpty, "\(describe(Array(fromJSON.diagnostics.prefix(5))))")
        let a = try #require(fromText.model), b = try #require(fromJSON.model)
        #expect(b.elements.map(\.id) == a.elements.map(\.id))
        #expect(b.flows.map(\.id) == a.flows.map(\.id))
        #expect(b.elements.map(\.boundary) == a.elements.map(\.boundary))
    }
}

// MARK: - Long lines, identifiers and strings

@Suite("Hostile input: long tokens and lines")
struct HostileLengthTests {
    static let megabyte = 1 << 20

    @Test func oneMegabyteIdentifier() throws {
        let id = "a" + String(repeating: "x", count: Self.megabyte - 1)
        let m = extractMarkers("actor \(id) \"Long\"\nprocess p\n\(id) -> p \"Use\"\nactor b 1️⃣$\n")
        let result = try loadModel(m.text)
        // Exactly one error, after the long line, at the right column.
        expectDiagnostic(result.diagnostics, id: .unexpectedCharacter, at: m["1"])
        #expect(errors(result.diagnostics).count == 1, "\(describe(result.diagnostics))")

        let clean = try loadModel("actor \(id) \"Long\"\nprocess p\n\(id) -> p \"Use\"\n")
        expectClean(clean)
        let model = try #require(clean.model)
        #expect(model.elements.first?.id.utf8.count == Self.megabyte)
        #expect(model.flows.first?.source == id)
        #expect(model.flows.first?.id == id + "->p")
    }

    @Test func errorAfterAMegabyteOfTextOnOneLineHasTheRightColumn() throws {
        let long = String(repeating: "x", count: Self.megabyte)
        let result = try loadModel("actor a \"\(long)\" $\nprocess p\n")
        let d = expectDiagnostic(result.diagnostics, id: .unexpectedCharacter)
        #expect(d?.range?.start == TextLocation(line: 1, column: 8 + 1 + Self.megabyte + 1 + 2))
    }

    @Test(.timeLimit(.minutes(1)))
    func misspeltMegabyteIdentifierGetsAnErrorWithoutHanging() throws {
        // The "did you mean" search compares the misspelt id with every id of the model; with two long,
        // nearly equal ids a full edit-distance table would have 10^12 cells.
        let id = String(repeating: "x", count: Self.megabyte)
        let typo = String(id.dropLast()) + "y"
        let result = try loadModel("actor \(id)\nprocess p\n\(typo) -> p\n")
        // No "did you mean" for such a word (Suggestion gives up above 128 bytes).
        let d = expectDiagnostic(result.diagnostics, id: .unknownElement, message: "unknown element '\(typo)'")
        #expect(d?.range?.start == TextLocation(line: 3, column: 1))
        #expect(result.model == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func manyFlowsToUndeclaredElementsInALargeModel() throws {
        // What a large model looks like when the include declaring half its elements is missing: every
        // flow names an unknown element. Only the first errors carry a "did you mean" (the rest are
        // counted, not kept), so the search over every id is not repeated for each of them.
        let count = 20_000
        let text = (0..<count).map { "process p\($0)" }.joined(separator: "\n") + "\n"
            + (0..<count).map { "p\($0) -> q\($0)" }.joined(separator: "\n") + "\n"
        let result = try loadModel(text)
        #expect(result.model == nil)
        #expect(result.errorCount == count)
        let kept = errors(result.diagnostics).filter { $0.id == .unknownElement }
        #expect(kept.count == DiagnosticBag.errorLimit)
        #expect(kept.first?.message == "unknown element 'q0'; did you mean 'p0'?")
        #expect(kept.first?.range?.start == TextLocation(line: count + 1, column: 7))
        #expect(result.diagnostics.last?.message == "too many errors; \(count - DiagnosticBag.errorLimit) more not shown")
    }

    @Test func oneMegabyteStringWithEscapes() throws {
        let piece = #"\"<\\>\t"#    // three escapes around < and >, decoded to: " < \ > tab
        let count = Self.megabyte / piece.utf8.count
        let result = try loadModel("actor a \"\(String(repeating: piece, count: count))\"\nprocess p\na -> p\n")
        expectClean(result)
        let name = try #require(result.model?.elements.first?.name)
        #expect(name == String(repeating: "\"<\\>\t", count: count))
    }

    @Test func oneMegabyteCommentIsKeptByTheFormatter() throws {
        let comment = "# " + String(repeating: "c", count: Self.megabyte)
        let text = "\(comment)\nactor a\nprocess p\n\na -> p\n"
        let (document, diagnostics) = parse(text)
        #expect(diagnostics.isEmpty)
        let formatted = MoatFormatter(vocabulary: try vocabulary()).format(document)
        #expect(formatted == text)
        expectClean(try loadModel(text))
    }

    @Test func wholeModelOnOneLine() throws {
        // 10,000 statements separated by ';' on a single 250 kB line, then an error at its end.
        let count = 10_000
        var line = (0..<count).map { "process p\($0)" }.joined(separator: "; ")
        line += "; " + (1..<count).map { "p\($0 - 1) -> p\($0)" }.joined(separator: "; ")
        let clean = try loadModel(line + "\n")
        expectClean(clean)
        #expect(clean.model?.elements.count == count)
        #expect(clean.model?.flows.count == count - 1)

        let broken = try loadModel(line + "; p0 -> nowhere\n")
        let d = expectDiagnostic(broken.diagnostics, id: .unknownElement, message: "unknown element 'nowhere'")
        #expect(d?.range?.start == TextLocation(line: 1, column: line.utf8.count + 9))
    }

    @Test func tenThousandUnknownValuesInOneList() throws {
        // (Each unknown value's position is found by a linear search of the list, so this stays at 10,000.)
        let count = 10_000
        let values = (0..<count).map { "bogus\($0)" }.joined(separator: ", ")
        let result = try loadModel("model \"M\" { practices \(values) }\nactor a\nprocess p\na -> p\n")
        #expect(result.model == nil)
        #expect(result.errorCount == count)
        #expect(errors(result.diagnostics).first?.range?.start == TextLocation(line: 1, column: 23))
        #expect(errors(result.diagnostics).filter { $0.id == .unknownPractice }.count == DiagnosticBag.errorLimit)
    }

    @Test func classicMacLineEndsAreNotSilentlyJoined() throws {
        // CR alone is not a line end: a file saved with CR line ends reads as one line, which must be an
        // error (two statements on one line), not a model with the declarations merged.
        let result = try loadModel("actor a\rprocess p\ra -> p\r")
        #expect(result.hasErrors)
        #expect(result.model == nil)
        #expect(errors(result.diagnostics).allSatisfy { $0.range?.start.line == 1 })
    }
}

// MARK: - Includes

@Suite("Hostile input: includes")
struct HostileIncludeTests {
    @Test func includeChainJustWithinTheDepthLimitLoads() throws {
        // The root plus maximumIncludeDepth - 1 nested files is the deepest chain allowed.
        let last = ModelLoader.maximumIncludeDepth - 1
        var files: [String: String] = [:]
        for i in 0..<last { files["/m/f\(i).moat"] = "include \"f\(i + 1).moat\"\nprocess p\(i)" }
        files["/m/f\(last).moat"] = "process p\(last)\n" + (0..<last).map { "p\($0) -> p\($0 + 1)" }.joined(separator: "\n")
        let result = try loadModel(files: files, root: "/m/f0.moat")
        expectClean(result)
        #expect(result.documents.count == ModelLoader.maximumIncludeDepth)
        #expect(result.model?.elements.count == ModelLoader.maximumIncludeDepth)
    }

    @Test func thousandIncludes() throws {
        let count = 1_000
        var files = ["/m/root.moat": (0..<count).map { "include \"parts/p\($0).moat\"" }.joined(separator: "\n")
                     + "\nactor hub\n" + (0..<count).map { "hub -> p\($0)" }.joined(separator: "\n")]
        for i in 0..<count { files["/m/parts/p\(i).moat"] = "process p\(i) \"Part \(i)\"" }
        let result = try loadModel(files: files, root: "/m/root.moat")
        expectClean(result)
        #expect(result.documents.count == count + 1)
        #expect(result.model?.elements.count == count + 1)
        #expect(result.model?.elements.first { $0.id == "p999" }?.range.file.path == "/m/parts/p999.moat")
    }

    @Test func diamondIncludesReadTheSharedFileOnce() throws {
        let result = try loadModel(files: [
            "/m/root.moat": "include \"left.moat\"\ninclude \"right.moat\"\nactor a\na -> l\na -> r\nl -> s",
            "/m/left.moat": "include \"shared.moat\"\nprocess l",
            "/m/right.moat": "include \"shared/../shared.moat\"\nprocess r\nr -> s",
            "/m/shared.moat": "datastore s",
        ], root: "/m/root.moat")
        #expect(!result.hasErrors, "\(describe(result.diagnostics))")
        expectDiagnostic(result.diagnostics, id: .repeatedInclude, severity: .warning, file: "/m/right.moat")
        #expect(result.model?.elements.map(\.id).sorted() == ["a", "l", "r", "s"])
    }

    @Test func includePathsThatAreNotFiles() throws {
        let long = String(repeating: "d/", count: 100_000) + "x.moat"
        for path in ["", ".", "/", long, "\u{202E}lmth.moat"] {
            let text = "actor a\ninclude \(MoatFormatter.quoted(path))\n"
            let result = try loadModel(files: ["/m/root.moat": text], root: "/m/root.moat")
            #expect(result.model == nil, "include \(path.prefix(20)) was accepted")
            #expect(errors(result.diagnostics).count == 1, "\(describe(result.diagnostics))")
            #expect(errors(result.diagnostics).first?.range?.start.line == 2)
        }
    }

    @Test func includedFileWithBOMAndCRLFJoinsTheModel() throws {
        let included: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("process p\r\n\r\nactor a\r\na -> p\r\n".utf8)
        let result = try loadModel(bytes: ["/m/root.moat": Array("include \"sub.moat\"\n".utf8), "/m/sub.moat": included],
                                   root: "/m/root.moat")
        expectClean(result)
        #expect(result.model?.elements.first { $0.id == "a" }?.range.start == TextLocation(line: 3, column: 7))
    }

    @Test func binaryIncludedFileIsReportedInThatFile() throws {
        let result = try loadModel(bytes: ["/m/root.moat": Array("actor a\ninclude \"blob.moat\"\n".utf8),
                                           "/m/blob.moat": Array("process p\n".utf8) + [0x00, 0x01]],
                                   root: "/m/root.moat")
        expectRejected(result)
        let d = expectDiagnostic(result.diagnostics, id: .binaryFile, at: TextLocation(line: 2, column: 1))
        #expect(d?.range?.file.path == "/m/blob.moat")
    }

    // MARK: On disk: symlinks


    @Test(.timeLimit(.minutes(1))) func includeThroughASymlinkToItsOwnFolderIsACycle() throws {
        try withTemporaryFolder { dir in
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("loop").path, withDestinationPath: ".")
            try write("actor a\ninclude \"loop/loop/loop/root.moat\"\n", dir.appendingPathComponent("root.moat"))
            let result = try loadModelFromDisk(dir.appendingPathComponent("root.moat").path)
            expectRejected(result)
            expectDiagnostic(result.diagnostics, id: .includeCycle, message: "include cycle: root.moat -> root.moat",
                             at: TextLocation(line: 2, column: 9))
        }
    }

    @Test(.timeLimit(.minutes(1))) func fileSymlinkedToItsIncluderIsACycle() throws {
        try withTemporaryFolder { dir in
            try write("actor a\ninclude \"b.moat\"\n", dir.appendingPathComponent("a.moat"))
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("b.moat").path,
                                                       withDestinationPath: "a.moat")
            let result = try loadModelFromDisk(dir.appendingPathComponent("a.moat").path)
            expectRejected(result)
            expectDiagnostic(result.diagnostics, id: .includeCycle, at: TextLocation(line: 2, column: 9))
        }
    }

    @Test(.timeLimit(.minutes(1))) func symlinkLoopsAreReportedAtTheInclude() throws {
        try withTemporaryFolder { dir in
            let fm = FileManager.default
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("self.moat").path, withDestinationPath: "self.moat")
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("ping.moat").path, withDestinationPath: "pong.moat")
            try fm.createSymbolicLink(atPath: dir.appendingPathComponent("pong.moat").path, withDestinationPath: "ping.moat")
            for name in ["self.moat", "ping.moat"] {
                try write("actor a\ninclude \"\(name)\"\n", dir.appendingPathComponent("root.moat"))
                let result = try loadModelFromDisk(dir.appendingPathComponent("root.moat").path)
                expectRejected(result)
                #expect(errors(result.diagnostics).count == 1, "\(describe(result.diagnostics))")
                #expect(errors(result.diagnostics).first?.range?.start == TextLocation(line: 2, column: 9))
                #expect(errors(result.diagnostics).first?.message.contains(name) == true)
                #expect(errors(result.diagnostics).first?.message.contains("loop of symbolic links") == true)
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func rootFileThatIsASymlinkLoopIsAnError() throws {
        try withTemporaryFolder { dir in
            let path = dir.appendingPathComponent("loop.moat").path
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "loop.moat")
            let result = try loadModelFromDisk(path)
            expectRejected(result)
            #expect(result.diagnostics.count == 1)
            #expect(result.diagnostics.first?.message.contains("loop of symbolic links") == true)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func includeOfDevicesAndPipesIsRefusedWithoutReading() throws {
        try withTemporaryFolder { dir in
            let fifo = dir.appendingPathComponent("pipe.moat").path
            #expect(mkfifo(fifo, 0o600) == 0)
            // /dev/zero never ends and a pipe with no writer blocks forever: both must be refused, not read.
            // Devices are outside the model's tree: refused before anything is opened.
            for target in ["/dev/zero", "/dev/urandom"] {
                try write("actor a\ninclude \"\(target)\"\n", dir.appendingPathComponent("root.moat"))
                let result = try loadModelFromDisk(dir.appendingPathComponent("root.moat").path)
                expectRejected(result)
                expectDiagnostic(result.diagnostics, id: .includeOutsideTree, at: TextLocation(line: 2, column: 9))
            }
            try write("actor a\ninclude \"\(fifo)\"\n", dir.appendingPathComponent("root.moat"))
            let piped = try loadModelFromDisk(dir.appendingPathComponent("root.moat").path)
            expectRejected(piped)
            expectDiagnostic(piped.diagnostics, id: .unreadableFile, message: "'\(fifo)': cannot be read",
                             at: TextLocation(line: 2, column: 9))
            // As the root file too.
            let result = try loadModelFromDisk(fifo)
            expectDiagnostic(result.diagnostics, id: .unreadableFile, message: "'\(fifo)': cannot be read")
        }
    }

    @Test func includeOfAFolderIsReportedAtTheInclude() throws {
        try withTemporaryFolder { dir in
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub.moat"), withIntermediateDirectories: false)
            try write("actor a\ninclude \"sub.moat\"\n", dir.appendingPathComponent("root.moat"))
            let result = try loadModelFromDisk(dir.appendingPathComponent("root.moat").path)
            expectRejected(result)
            expectDiagnostic(result.diagnostics, id: .unreadableFile, message: "'\(dir.path)/sub.moat': is a directory, not a model file",
                             at: TextLocation(line: 2, column: 9))
        }
    }
}

// MARK: - YAML

@Suite("Hostile input: YAML")
struct HostileYAMLTests {
    /// A "billion laughs" model: each anchor is ten aliases of the one before, so `depth` levels of a few
    /// dozen bytes each describe 10^(depth-1) boundaries.
    static func aliasBomb(depth: Int) -> String {
        var lines = ["defs:", "  b0: &b0 {id: x, elements: [{kind: actor, id: a}]}"]
        for i in 1..<depth {
            lines.append("  b\(i): &b\(i) {id: y\(i), boundaries: [" + Array(repeating: "*b\(i - 1)", count: 10).joined(separator: ", ") + "]}")
        }
        lines.append("boundaries: [*b\(depth - 1)]")
        return lines.joined(separator: "\n") + "\n"
    }

    // An alias bomb expands to 10^(depth-1) boundaries from a file of 70·depth bytes; YAMLModelReader stops
    // counting once the expanded tree outgrows the file and refuses it.
    @Test func aliasesDoNotExpandIntoAnExponentialModel() throws {
        let yaml = Self.aliasBomb(depth: 5)
        let (document, diagnostics) = YAMLModelReader.read(SourceFile(path: "bomb.yaml", text: yaml), notation: .yaml)
        func boundaries(_ statements: [Statement]) -> Int {
            statements.reduce(0) { n, s in
                if case .boundary(let b) = s { return n + 1 + boundaries(b.items) }
                return n
            }
        }
        let read = boundaries(document.statements)
        #expect(read <= yaml.utf8.count, "a \(yaml.utf8.count)-byte file was read as \(read) boundaries")
        #expect(diagnostics.contains { $0.severity == .error && $0.id == .yamlExpansion })
    }

    @Test func anchorsAndAliasesOfScalarsStillWork() throws {
        // An alias of a scalar is harmless and may be in use: it must keep reading as its value.
        let result = try loadModel("""
            elements:
              - {kind: actor, id: &who user, name: *who}
              - {kind: process, id: api}
            flows:
              - {from: *who, to: api}
            """, path: "alias.yaml")
        #expect(!result.hasErrors, "\(describe(result.diagnostics))")
        #expect(result.model?.elements.first?.name == "user")
        #expect(result.model?.flows.first?.source == "user")
    }
}

// MARK: - Hostile labels

@Suite("Hostile input: labels")
struct HostileLabelTests {
    /// Payloads for every output Moat writes: DOT, HTML/SVG, Markdown, CSV, JSON, YAML, terminals.
    static let payloads = [
        #"" ] ; x [label="pwned"] ; // "#,                      // DOT attribute break-out
        "<b>bold</b> <br/> &amp; <TABLE>",                      // DOT HTML-like labels
        "<script>alert(1)</script><img src=x onerror=alert(2)>", // HTML
        "]]><svg onload=alert(3)><!--",                          // SVG / CDATA
        "[link](javascript:alert(4)) | pipe | **bold** `code`", // Markdown
        "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)", "\t=cmd", // CSV formulas
        "\u{1B}[2J\u{1B}]0;title\u{7}",                          // terminal escapes
        "\u{202E}gnp.exe \u{200B}\u{FEFF}",                      // bidi override, zero-width
        "\\\"\\n\\u{41}",                                        // Moat escapes as literal text
        "{ } -> <-> ; # // :",                                   // Moat punctuation
        "key: value\n- item\n? x\n--- \n...",                    // YAML structure
        "ctl \u{1} del \u{7F} ls \u{2028} ps \u{2029}",           // control characters
        "nel \u{85} c1 \u{9F} nonchar \u{FFFE}\u{FFFF}",              // C1 controls, non-characters
    ]

    @Test(arguments: payloads)
    func labelSurvivesFormatAndConvertUnchanged(payload: String) throws {
        let q = MoatFormatter.quoted(payload)
        let text = "model \(q) { description \(q) }\ndata d \(q)\nactor a \(q) { description \(q) }\nprocess p \(q)\n"
            + "a -> p \(q) { description \(q) }\naccept x@a \(q) owner \(q)\n"
        let original = try loadModel(text)
        #expect(!original.hasErrors, "\(describe(original.diagnostics))")
        let model = try #require(original.model)
        #expect(model.header.name == payload)
        #expect(model.elements.map(\.name) == [payload, payload])
        #expect(model.flows.first?.name == payload)
        #expect(model.tracking.first?.justification == payload)
        #expect(model.tracking.first?.owner == payload)

        let document = try #require(original.documents.first)
        let tree = DocumentTree(vocabulary: try vocabulary())
        let formatted = MoatFormatter(vocabulary: try vocabulary()).format(document)
        #expect(!formatted.unicodeScalars.contains { MoatFormatter.invisible($0) && $0 != "\n" },
                "moat fmt writes an invisible character raw: \(formatted.debugDescription)")
        let (reparsed, diagnostics) = parse(formatted)
        #expect(diagnostics.isEmpty, "\(describe(diagnostics))")
        #expect(tree.tree(reparsed) == tree.tree(document))

        for (notation, converted) in [("json", tree.json(document)), ("yaml", try tree.yaml(document))] {
            let back = try loadModel(converted, path: "back.\(notation)")
            #expect(!back.hasErrors, "\(notation): \(describe(back.diagnostics))")
            #expect(back.model?.elements.map(\.name) == [payload, payload], "\(notation)")
            #expect(back.model?.flows.first?.name == payload, "\(notation)")
        }
    }

    @Test(arguments: payloads)
    func graphJSONIsValidJSONCarryingTheLabel(payload: String) throws {
        let q = MoatFormatter.quoted(payload)
        let model = try #require(try loadModel("actor a \(q)\nprocess p\na -> p \(q)\n").model)
        let text = GraphJSON().value(ArchitectureGraph(model: model, vocabulary: try vocabulary())).serialized()
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        // Every string the payload appears in reads back as exactly the payload.
        func strings(_ value: Any) -> [String] {
            switch value {
            case let s as String: return [s]
            case let a as [Any]: return a.flatMap(strings)
            case let d as [String: Any]: return d.values.flatMap(strings)
            default: return []
            }
        }
        #expect(strings(object).filter { $0 == payload }.count >= 2)
        #expect(!text.contains("\u{1B}"), "raw ESC in JSON")
    }

    @Test func sourceSnippetsNeverCarryTerminalControlCharacters() throws {
        // A raw ESC inside a string is legal model text; the caret snippet must not replay it.
        let result = try loadModel("actor a \"\u{1B}[2J\u{1B}]0;x\u{7}\" $\n")
        let d = try #require(expectDiagnostic(result.diagnostics, id: .unexpectedCharacter))
        let rendered = DiagnosticRenderer().render(d)
        #expect(!rendered.contains("\u{1B}") && !rendered.contains("\u{7}"), "\(rendered.debugDescription)")
        #expect(rendered.contains("\u{FFFD}[2J"))
    }

    // Diagnostic messages quote what the user wrote. When that is a string holding terminal escapes
    // (written as \u{1B} in the model), the message must not carry them raw to the terminal.
    @Test(arguments: [
        "actor a { type \"\\u{1B}]0;owned\\u{7}\" }\nprocess p\na -> p",       // enum value given as a string
        "model \"M\" { maturity \"\\u{1B}[2J\" }\nactor a\nprocess p\na -> p", // number given as a string
        "actor a\nprocess p\na -> p\naccept \"\\u{1B}[2J\" \"why\"",             // finding pattern without '@'
    ])
    func diagnosticMessagesNeverCarryTerminalControlCharacters(text: String) throws {
        let result = try loadModel(text)
        #expect(result.hasErrors)
        let rendered = DiagnosticRenderer().render(result.diagnostics)
        #expect(!rendered.contains("\u{1B}") && !rendered.contains("\u{7}"), "\(rendered.debugDescription)")
    }
}

/// A loaded input must be rejected with at least one error that has a message, and no model.
private func expectRejected(_ result: LoadResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(result.hasErrors, "\(describe(result.diagnostics))", sourceLocation: sourceLocation)
    #expect(result.model == nil, sourceLocation: sourceLocation)
    #expect(result.diagnostics.allSatisfy { !$0.message.isEmpty && !$0.id.rawValue.isEmpty }, sourceLocation: sourceLocation)
}

/// Includes stay inside the model's folder tree (issue 19, item 4): a model must not make Moat read and
/// quote `/proc/self/environ` (CI secrets) or `/etc/passwd`.
@Suite("Include confinement")
struct IncludeConfinementTests {
    @Test func includesOutsideTheModelsTreeAreRefusedWithoutReadingThem() throws {
        try withTemporaryFolder { dir in
            let models = dir.appendingPathComponent("models")
            try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
            try write("actor outside\n", dir.appendingPathComponent("secret.moat"))
            for target in ["/proc/self/environ", "/etc/passwd", "../secret.moat"] {
                try write("actor a\ninclude \"\(target)\"\n", models.appendingPathComponent("root.moat"))
                let result = try loadModelFromDisk(models.appendingPathComponent("root.moat").path)
                expectRejected(result)
                let d = expectDiagnostic(result.diagnostics, id: .includeOutsideTree, at: TextLocation(line: 2, column: 9))
                #expect(d?.message.hasPrefix("include of '\(target)' refused: it is outside '") == true)
                #expect(d?.notes.first?.message.contains("--allow-include DIR") == true)
                // Nothing of the file is quoted anywhere.
                let rendered = DiagnosticRenderer().render(result.diagnostics)
                #expect(!rendered.contains("root:") && !rendered.contains("PATH=") && !rendered.contains("outside\n"), "\(rendered)")
            }
            // --allow-include names another folder explicitly.
            try write("actor a\ninclude \"../secret.moat\"\n", models.appendingPathComponent("root.moat"))
            var loader = ModelLoader(catalogue: try builtInCatalogue())
            loader.allowedIncludeFolders = [dir.path]
            let allowed = loader.load(path: models.appendingPathComponent("root.moat").path)
            #expect(!allowed.hasErrors && allowed.model?.elements.map(\.id) == ["a", "outside"], "\(describe(allowed.diagnostics))")
        }
    }

    @Test func includesInsideTheRepositoryAreAllowed() throws {
        try withTemporaryFolder { dir in
            // In a git repository, the tree is the repository's: a model in models/ may include shared/.
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(".git"), withIntermediateDirectories: true)
            let models = dir.appendingPathComponent("models"), shared = dir.appendingPathComponent("shared")
            try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
            try write("actor idp\n", shared.appendingPathComponent("identity.moat"))
            try write("actor a\ninclude \"../shared/identity.moat\"\n", models.appendingPathComponent("root.moat"))
            let result = try loadModelFromDisk(models.appendingPathComponent("root.moat").path)
            #expect(!result.hasErrors, "\(describe(result.diagnostics))")
        }
    }
}

/// A fresh temporary folder, removed after `body`.
private func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try body(dir.resolvingSymlinksInPath())
}

private func write(_ text: String, _ url: URL) throws {
    try Data(text.utf8).write(to: url)
}

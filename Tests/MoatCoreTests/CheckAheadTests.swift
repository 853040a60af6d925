import Testing
import MoatCore

/// A document's attributes are checked ahead of the walk (on two cores when it declares many things), and
/// each check's diagnostics join the others where the check used to run: the same errors must be kept under
/// the cap, in the same order, as when the attributes were checked in place.
@Suite("Loader: attributes checked ahead")
struct CheckAheadTests {
    @Test func errorsOfChecksAndClaimsAreKeptInTheOrderOfTheWalk() throws {
        // 600 processes: every third with an unknown `tech`, every seventh reusing the id before it. Each
        // statement's attribute errors come before its own duplicate-id error; the cap falls between the two
        // errors of line 211, so only the first of them is kept.
        var lines: [String] = []
        var made: [String] = []  // "line:id", in the order the walk makes them
        for i in 0..<600 {
            let duplicate = i > 0 && (i + 6) % 7 == 6, misspelt = (i + 6) % 3 == 0
            lines.append("process p\(duplicate ? i - 1 : i) \"P\" { \(misspelt ? "tech postgress" : "type api") }")
            if misspelt { made.append("\(lines.count):\(DiagnosticID.invalidValue)") }
            if duplicate { made.append("\(lines.count):\(DiagnosticID.duplicateId)") }
        }
        let result = try loadModel(lines.joined(separator: "\n"))
        #expect(result.errorCount == made.count)
        let kept = result.diagnostics.dropLast()
        #expect(kept.count == DiagnosticBag.errorLimit)
        #expect(Set(kept.map { "\($0.range?.start.line ?? 0):\($0.id)" }) == Set(made.prefix(DiagnosticBag.errorLimit)))
        #expect(made[99] == "211:\(DiagnosticID.invalidValue)" && made[100] == "211:\(DiagnosticID.duplicateId)")
        #expect(result.diagnostics.last?.message == "too many errors; \(made.count - DiagnosticBag.errorLimit) more not shown")
    }

    @Test func aModelInTwoFilesChecksEachFileAhead() throws {
        // An include in the middle of the root file: the included file's checks are its own, and the root's
        // resume after it.
        func processes(_ prefix: String, _ count: Int) -> String {
            (0..<count).map { "process \(prefix)\($0) \"P\" { type api\($0 == count / 2 ? "x" : "") }" }.joined(separator: "\n")
        }
        let root = processes("a", 300) + "\ninclude \"more.moat\"\n" + processes("b", 300)
        let result = try loadModel(files: ["/m/root.moat": root, "/m/more.moat": processes("c", 300)], root: "/m/root.moat")
        let unknown = result.diagnostics.filter { $0.id == .invalidValue }
        #expect(unknown.map { "\($0.range?.file.path ?? ""):\($0.range?.start.line ?? 0)" }
                == ["/m/more.moat:151", "/m/root.moat:151", "/m/root.moat:452"])
    }

    @Test("flow ends looked up on two cores give the errors, in the order, of a flow-by-flow lookup")
    func flowEndsOfALargeModel() throws {
        // The same wrong flows after 10 and after 400 good ones: the second model's ends are looked up in two
        // halves side by side. Each error must be the same, at the same place relative to the wrong flows.
        let wrong = [
            "nosuch -> n0 \"Unknown source\"",
            "n1 -> zone \"A boundary as target\"",
            "n2 -> n3 \"Repeated\"", "n2 -> n3 \"Repeated\"",
            "n4 -> n5 \"First\"", "n4 -> n5 \"Second\" { protocol https }",
            "n6 -> nosuch2 \"Unknown target\"",
        ]
        func model(goodFlows: Int) -> (text: String, firstWrongLine: Int) {
            var lines = ["boundary zone { trust internal }"] + (0..<420).map { "process n\($0)" }
            lines += (0..<goodFlows).map { "n\($0 % 400 + 10) -> n\(($0 + 1) % 400 + 10) \"Good \($0)\"" }
            return ((lines + wrong).joined(separator: "\n"), lines.count + 1)
        }
        func errors(goodFlows: Int) throws -> [String] {
            let (text, first) = model(goodFlows: goodFlows)
            let result = try loadModel(text)
            // Lines relative to the first wrong flow, in the messages too ("declared at line …").
            return result.diagnostics.map { "\(($0.range?.start.line ?? 0) - first):\($0.range?.start.column ?? 0) \($0.severity) "
                + $0.message.replacingOccurrences(of: "line \(first + 4)", with: "line +4") }
        }
        let small = try errors(goodFlows: 10), large = try errors(goodFlows: 400)
        #expect(small == large)
        #expect(small.count == 5, "\(small)")
        #expect(small.contains { $0.hasPrefix("0:1 ") && $0.contains("unknown element 'nosuch'") })
        #expect(small.contains { $0.hasPrefix("1:7 ") && $0.contains("'zone' is a boundary") })
        #expect(small.contains { $0.hasPrefix("3:1 ") && $0.contains("duplicate flow 'n2->n3'") })
        #expect(small.contains { $0.hasPrefix("5:1 ") && $0.contains("another flow 'n4->n5' is declared at line +4") })
        #expect(small.contains { $0.hasPrefix("6:7 ") && $0.contains("unknown element 'nosuch2'") })
    }

    @Test("references looked through on two cores give the errors, in the order, of a check one by one")
    func referencesOfALargeModel() throws {
        // The same wrong references after 10 and after 400 good elements and flows: the second model's are first
        // looked through in two halves side by side.
        let wrong = [
            "process w1 { processes nosuch }",
            "process w2 { processes d1, nosuch2 }",
            "w1 -> w2 { carries d1, cardz }",
        ]
        func model(good: Int) -> (text: String, firstWrongLine: Int) {
            var lines = ["model \"M\" { practices threat-modeling }", "data d1 \"D\" { classification internal }"]
            lines += (0..<good).map { "process p\($0) { processes d1 }" } + (0..<good).map { "p\($0) -> p\(($0 + 1) % good) { carries d1 }" }
            return ((lines + wrong).joined(separator: "\n"), lines.count + 1)
        }
        func errors(good: Int) throws -> [String] {
            let (text, first) = model(good: good)
            let result = try loadModel(text)
            return result.diagnostics.map { d in
                let line = d.range?.start.line ?? 0
                return "\(line == 1 ? "header" : String(line - first)):\(d.range?.start.column ?? 0) \(d.message)"
            }
        }
        let small = try errors(good: 10), large = try errors(good: 400)
        #expect(small == large)
        #expect(small == [
            "header:23 unknown practice 'threat-modeling'; did you mean 'threat-modelling'?",
            "0:24 unknown data asset 'nosuch'",
            "1:28 unknown data asset 'nosuch2'",
            "2:24 unknown data asset 'cardz'",
        ], "\(small)")
    }
}

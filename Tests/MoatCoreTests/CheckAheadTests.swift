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
}

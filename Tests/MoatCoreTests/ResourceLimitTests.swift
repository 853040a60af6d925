import Foundation
import Testing
import MoatCore

/// The limits of ModelLoader.Limits, made small so that a test can cross them.
@Suite("Resource limits")
struct ResourceLimitTests {
    private func loader(declarations: Int = 500_000, totalSize: Int = 128 << 20) throws -> ModelLoader {
        var loader = ModelLoader(catalogue: try builtInCatalogue())
        loader.limits.declarations = declarations
        loader.limits.totalSize = totalSize
        return loader
    }

    /// `count` processes, one per line from line 1, each sending to the next.
    private func chain(_ count: Int) -> String {
        (0..<count).map { "process p\($0)" }.joined(separator: "\n") + "\n"
            + (1..<count).map { "p\($0 - 1) -> p\($0)" }.joined(separator: "\n") + "\n"
    }

    @Test func declarationsPastTheLimitAreOneErrorAtTheFirstOneOver() throws {
        let result = try loader(declarations: 10).load(text: chain(12), path: "big.moat")
        #expect(result.model == nil)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.id.rawValue) == ["model-too-large"])
        #expect(errors.first?.range?.start.line == 11)
        #expect(errors.first?.message.contains("more than 10 elements, flows, boundaries and data assets") == true)
    }

    @Test func declarationsUpToTheLimitLoad() throws {
        // 6 processes and 5 flows: 11 declarations.
        let result = try loader(declarations: 11).load(text: chain(6), path: "ok.moat")
        #expect(result.model?.elements.count == 6)
        #expect(result.model?.flows.count == 5)
    }

    @Test func includesPastTheTotalSizeAreRefusedAtTheInclude() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Two files of about 330 bytes each behind a root of 34.
        for name in ["a", "b"] {
            let part = "process \(name) { description \"" + String(repeating: "x", count: 300) + "\" }\n"
            try Data(part.utf8).write(to: dir.appendingPathComponent("\(name).moat"))
        }
        let root = "include \"a.moat\"\ninclude \"b.moat\"\n"
        try Data(root.utf8).write(to: dir.appendingPathComponent("root.moat"))
        let path = dir.appendingPathComponent("root.moat").path

        let refused = try loader(totalSize: 400).load(path: path)
        let errors = refused.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.id.rawValue) == ["model-too-large"])
        #expect(errors.first?.range?.start.line == 2)
        #expect(errors.first?.message.contains("'b.moat' takes the model past 400 bytes") == true)

        let loaded = try loader(totalSize: 1_000).load(path: path)
        #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty)
        #expect(loaded.model?.elements.count == 2)
    }
}

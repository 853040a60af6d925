import Foundation
import Testing
import MoatCore

/// A `--models DIR` with a broken file is refused with the file, line and column of the problem.
@Suite("Catalogue loading")
struct CatalogueLoadTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models")

    /// A copy of Models/ with `edit` applied to one file; the copy is removed after `body`.
    private func withModels(editing file: String, _ edit: (String) -> String, _ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-models-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.models, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(file)
        try Data(edit(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
        try body(dir)
    }

    private func loadError(_ dir: URL) -> String? {
        do {
            _ = try Catalogue.load(from: dir)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theBundledModelsLoad() throws {
        #expect(try Catalogue.load(from: Self.models).rules.count == Catalogue.builtIn.get().rules.count)
    }

    /// Commands that only read models load the catalogue without rules: same vocabulary and controls, and
    /// the rule files are not even read (a broken one does not stop `moat fmt`).
    @Test func withoutRulesTheRuleFilesAreNotRead() throws {
        let full = try Catalogue.builtIn.get(), bare = try Catalogue.builtInWithoutRules.get()
        #expect(full.includesRules && !bare.includesRules && bare.rules.isEmpty)
        #expect(bare.vocabulary.attributes == full.vocabulary.attributes)
        #expect(bare.controls.keys.sorted() == full.controls.keys.sorted())
        try withModels(editing: "rules/spoofing.yaml", { "- id: [broken\n" + $0 }) { dir in
            #expect(loadError(dir) != nil)
            let withoutRules = try Catalogue.load(from: dir, rules: false)
            #expect(withoutRules.vocabulary.attributes == full.vocabulary.attributes)
        }
    }

    @Test func aMisspeltVocabularyKeyIsReportedAtItsLineWithASuggestion() throws {
        try withModels(editing: "vocabulary.yaml", { $0.replacingOccurrences(of: "  - name: owner\n    type: string",
                                                                            with: "  - name: owner\n    typ: string") }) { dir in
            let message = try #require(loadError(dir))
            let text = try String(contentsOf: dir.appendingPathComponent("vocabulary.yaml"), encoding: .utf8)
            let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex { $0.contains("typ: string") }) + 1
            #expect(message.contains("vocabulary.yaml:\(line):5: an attribute: unknown key 'typ'; did you mean 'type'?"),
                    "\(message)")
        }
    }

    @Test func aControlWithoutALevelIsReportedAtTheControl() throws {
        try withModels(editing: "maturity/controls.yaml", { $0.replacingOccurrences(of: "  - id: authentication\n    level: 2\n",
                                                                                   with: "  - id: authentication\n") }) { dir in
            let message = try #require(loadError(dir))
            #expect(message.contains("controls.yaml:") && message.contains("control 'authentication' needs 'level'"), "\(message)")
        }
    }

    @Test func aMissingFileIsNamed() throws {
        try withModels(editing: "vocabulary.yaml", { $0 }) { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent("maturity/levels.yaml"))
            let message = try #require(loadError(dir))
            #expect(message.contains("cannot read catalogue") && message.contains("levels.yaml"), "\(message)")
        }
    }

    @Test func aVocabularyWithoutACoreAttributeIsRefusedNamingIt() throws {
        // Moat reads `trust` itself (zones, crossings, colours): a --models vocabulary must keep it.
        try withModels(editing: "vocabulary.yaml", { $0.replacingOccurrences(of: "  - name: trust\n", with: "  - name: trust-level\n") }) { dir in
            let message = try #require(loadError(dir))
            #expect(message.contains("vocabulary.yaml: the vocabulary lacks the attribute 'trust', which Moat needs"), "\(message)")
        }
    }

    @Test func aVocabularyWithoutACoreGroupOrWithAGroupOfUnknownValuesIsRefused() throws {
        try withModels(editing: "vocabulary.yaml", {
            $0.replacingOccurrences(of: "  - name: client\n", with: "  - name: clients\n")
                .replacingOccurrences(of: "values: [linux, windows]", with: "values: [linux, windoze]")
        }) { dir in
            let message = try #require(loadError(dir))
            #expect(message.contains("the vocabulary lacks the group 'client' of 'type', which Moat needs"), "\(message)")
            #expect(message.contains("group 'platform' names 'windoze', which is not a value of 'tech'"), "\(message)")
        }
    }
}

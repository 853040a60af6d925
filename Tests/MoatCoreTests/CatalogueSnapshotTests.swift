import Foundation
import Testing
import MoatCore
import BundledModels

/// Models/catalogue.snapshot is the bundled catalogue as the YAML loaders produce it (`CatalogueSnapshot`):
/// it must be up to date, load to the same catalogue as the YAML, and give way to the YAML when stale.
@Suite("Catalogue snapshot")
struct CatalogueSnapshotTests {
    static let models = CatalogueLoadTests.models

    /// Editing Models/ without regenerating the snapshot fails here (and the edited YAML would be used at run
    /// time anyway, as the snapshot is stale).
    @Test func theCheckedInSnapshotIsUpToDate() throws {
        let made = try CatalogueSnapshot.make(from: Self.models)
        let checkedIn = try #require(FileManager.default.contents(atPath: Self.models.appendingPathComponent(CatalogueSnapshot.fileName).path))
        #expect([UInt8](checkedIn) == made, "Models/catalogue.snapshot is out of date: run `swift run moat-catalogue-snapshot`")
    }

    @Test func theSnapshotLoadsTheSameCatalogueAsTheYAML() throws {
        let yaml = try Catalogue.load(from: Self.models)
        let snapshot = try #require(CatalogueSnapshot.load(from: Self.models, rules: true))
        #expect(snapshot.includesRules)
        #expect(snapshot.vocabulary.attributes == yaml.vocabulary.attributes)
        #expect(snapshot.vocabulary.groups == yaml.vocabulary.groups)
        #expect(snapshot.maturity.levels == yaml.maturity.levels)
        #expect(snapshot.maturity.controls == yaml.maturity.controls)
        #expect(snapshot.maturity.practiceIDs == yaml.maturity.practiceIDs)
        #expect(snapshot.controls.keys.sorted() == yaml.controls.keys.sorted())
        for (id, control) in yaml.controls {
            let other = try #require(snapshot.controls[id])
            #expect(other.control == control.control)
            #expect(other.evidence.mapValues(Self.texts) == control.evidence.mapValues(Self.texts), "control \(id)")
        }
        #expect(snapshot.rules.map(\.id) == yaml.rules.map(\.id))
        for (a, b) in zip(snapshot.rules, yaml.rules) {
            #expect(a.title == b.title && a.description == b.description && a.stride == b.stride && a.appliesTo == b.appliesTo,
                    "rule \(a.id)")
            #expect(a.when == b.when && a.likelihood == b.likelihood && a.impact == b.impact && a.cwe == b.cwe && a.capec == b.capec,
                    "rule \(a.id)")
            #expect(a.falsePositive == b.falsePositive && a.mitigations == b.mitigations && a.origin == b.origin
                    && a.advice == b.advice && a.runsOn == b.runsOn && a.supersedes == b.supersedes, "rule \(a.id)")
            #expect(Self.examples(a.triggeringExamples) == Self.examples(b.triggeringExamples), "rule \(a.id)")
            #expect(Self.examples(a.nonTriggeringExamples) == Self.examples(b.nonTriggeringExamples), "rule \(a.id)")
            #expect(Self.place(a.range) == Self.place(b.range), "rule \(a.id)")
            // Every term of every compiled condition, as `moat explain` shows them.
            #expect(a.conditions.mapValues(Self.texts) == b.conditions.mapValues(Self.texts), "rule \(a.id)")
        }
    }

    @Test func theBuiltInCatalogueComesFromTheSnapshot() throws {
        #expect(CatalogueSnapshot.load(from: BundledModels.directory, rules: true) != nil)
        #expect(CatalogueSnapshot.load(from: BundledModels.directory, rules: false)?.includesRules == false)
    }

    /// A changed rule file makes the snapshot stale for a load with rules, not for one without; a changed
    /// vocabulary, for both.
    @Test func anEditedYAMLFileMakesTheSnapshotStale() throws {
        try withModels { dir in
            let rules = dir.appendingPathComponent("rules/spoofing.yaml")
            try Data((try String(contentsOf: rules, encoding: .utf8) + "\n").utf8).write(to: rules)
            #expect(CatalogueSnapshot.load(from: dir, rules: true) == nil)
            #expect(CatalogueSnapshot.load(from: dir, rules: false) != nil)
            let vocabulary = dir.appendingPathComponent("vocabulary.yaml")
            try Data(("# edited\n" + (try String(contentsOf: vocabulary, encoding: .utf8))).utf8).write(to: vocabulary)
            #expect(CatalogueSnapshot.load(from: dir, rules: false) == nil)
        }
        try withModels { dir in
            try Data("[]\n".utf8).write(to: dir.appendingPathComponent("rules/extra.yaml"))
            #expect(CatalogueSnapshot.load(from: dir, rules: true) == nil)
        }
    }

    private func withModels(_ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-snapshot-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.models, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(CatalogueSnapshot.load(from: dir, rules: true) != nil)
        try body(dir)
    }

    private static func texts(_ c: CompiledCondition) -> [String] { [c.text] + c.children.flatMap(texts) }

    private static func place(_ r: SourceRange?) -> String {
        r.map { "\($0.file.path):\($0.start.line):\($0.start.column)-\($0.end.line):\($0.end.column)" } ?? "none"
    }

    private static func examples(_ list: [RuleExample]) -> [String] {
        list.map { "\($0.model)|\($0.expect ?? ["-"])|\(place($0.range))" }
    }
}

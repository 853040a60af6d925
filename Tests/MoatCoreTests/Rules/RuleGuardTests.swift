import Foundation
import Testing
import MoatCore
@testable import MoatRules
@testable import MoatAnalysis

/// Rule guards: the tests of an entity's facts a condition cannot hold without, which let the analysis skip
/// rules without evaluating them. A guard that rejected a rule that holds would lose a finding, silently.
@Suite("Rule guards")
struct RuleGuardTests {
    static func compile(_ text: String, on context: EntityType = .node([.datastore])) throws -> CompiledCondition {
        let catalogue = try Catalogue.builtIn.get()
        return try ConditionCompiler(vocabulary: catalogue.vocabulary).compile(text, context: context).get()
    }

    /// Each clause as the names of the facts its tests read.
    static func clauses(_ text: String, on context: EntityType = .node([.datastore])) throws -> [[String]] {
        try compile(text, on: context).guardClauses.map { $0.map(\.fact.name) }
    }

    @Test("clauses come from top-level ands, and from nots of ors", arguments: [
        ("not external and (type == sql or tech in [sql]) and reachable-from-untrusted",
         [["external"], ["type", "tech"], ["reachable-from-untrusted"]]),
        ("not (type in [cache, queue] or tech in [cache, queue])", [["type"], ["tech"]]),
        ("type in [edge] and type != cdn and not external", [["type"], ["type"], ["external"]]),
        ("not (kind == process and external)", [["kind", "external"]]),
        // Written flags and computed names other than tables are left to the evaluation.
        ("encrypted-at-rest or type == sql", []),
        ("exposed and encrypted-at-rest", [["exposed"]]),
        ("classification >= confidential and accepts.any(caller.untrusted)", []),
        ("(type == sql or stores.any(credentials)) and zone-trust >= dmz", [["zone-trust"]]),
        // Facts of another entity (`caller.type`, inside a quantifier) are not this entity's.
        ("accepts.any(caller.type == browser) and tech == postgres", [["tech"]]),
    ] as [(String, [[String]])])
    func clauseShapes(_ condition: String, _ expected: [[String]]) throws {
        #expect(try Self.clauses(condition) == expected, "\(condition)")
    }

    @Test("a fact test reads the code as the condition reads the value: 0 is unset")
    func factTests() throws {
        func test(_ text: String) throws -> FactTest {
            try #require(Self.compile(text).guardClauses.first?.first, "\(text) has no clause")
        }
        let types = try Catalogue.builtIn.get().vocabulary.spec("type")?.values ?? []
        let sql = try #require(types.firstIndex(of: "sql")) + 1, cdn = try #require(types.firstIndex(of: "cdn")) + 1
        #expect(try test("type == sql").holds(sql))
        #expect(try !test("type == sql").holds(0))
        #expect(try !test("type == sql").holds(cdn))
        #expect(try test("type != cdn").holds(0))
        #expect(try !test("type != cdn").holds(cdn))
        #expect(try test("not type == cdn").holds(0))
        #expect(try test("type in [sql, cdn]").holds(cdn))
        #expect(try !test("type in [sql, cdn]").holds(0))
        #expect(try test("not external").holds(0))
        #expect(try !test("not external").holds(1))
        let trust = try Catalogue.builtIn.get().vocabulary.spec("trust")?.values ?? []
        let dmz = try #require(trust.firstIndex(of: "dmz")) + 1
        #expect(try test("zone-trust >= dmz").holds(dmz))
        #expect(try test("zone-trust >= dmz").holds(trust.count))
        #expect(try !test("zone-trust >= dmz").holds(dmz - 1))
        #expect(try !test("zone-trust >= dmz").holds(0))
    }

    /// The models the soundness check runs on: the samples and every example of every built-in rule.
    static func models() throws -> [(name: String, text: String)] {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples")
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.path).filter { $0.hasSuffix(".moat") }.sorted()
        var models = try names.map { ($0, try String(contentsOf: samples.appendingPathComponent($0), encoding: .utf8)) }
        for rule in try Catalogue.builtIn.get().rules {
            for (i, example) in (rule.triggeringExamples + rule.nonTriggeringExamples).enumerated() {
                models.append(("\(rule.id) example \(i + 1)", example.model))
            }
        }
        return models
    }

    @Test("guards never set aside a rule that holds, and set aside a good part of the tries")
    func sound() throws {
        let catalogue = try Catalogue.builtIn.get()
        var tries = 0, setAside = 0
        for (name, text) in try Self.models() {
            guard let model = ModelLoader(catalogue: catalogue).load(text: text).model else { continue }
            let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
            let evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
            let analyzer = Analyzer(catalogue: catalogue)
            for kind in ElementKind.allCases {
                let rules = catalogue.rules.filter { $0.conditions[kind] != nil }
                let guards = RuleGuards(rules.map { $0.conditions[kind]! })
                var holds = guards.noClauses
                for ref in analyzer.entities(of: kind, in: graph, components: ComponentOrder(model)) {
                    guards.check(ref, evaluator, into: &holds)
                    for (j, rule) in rules.enumerated() {
                        tries += 1
                        if guards.admits(j, holds) { continue }
                        setAside += 1
                        #expect(!rule.conditions[kind]!.holds(evaluator, ref),
                                "\(name): the guard sets aside \(rule.id), which holds on \(evaluator.name(of: ref))")
                    }
                }
            }
        }
        // Most built-in rules name the types they are about: the guards must be doing their work (they set aside
        // about half of the tries when this test was written).
        #expect(tries > 10_000)
        #expect(setAside * 3 > tries, "guards set aside \(setAside) of \(tries) rule tries")
    }

    @Test("the analysis finds the same with guards on every kind as with none")
    func sameFindings() throws {
        let catalogue = try Catalogue.builtIn.get()
        var guarded = Analyzer(catalogue: catalogue), unguarded = Analyzer(catalogue: catalogue)
        guarded.guardedFrom = 0
        unguarded.guardedFrom = .max
        var findings = 0
        for (name, text) in try Self.models() {
            guard let model = ModelLoader(catalogue: catalogue).load(text: text).model else { continue }
            let options = AnalysisOptions(asOf: "2026-11-29")
            let with = guarded.analyze(model, options: options).findings, without = unguarded.analyze(model, options: options).findings
            #expect(with.map(\.id) == without.map(\.id), "\(name)")
            #expect(with.map(\.severity) == without.map(\.severity), "\(name)")
            findings += with.count
        }
        #expect(findings > 1_000)
    }

    @Test("with no guards every rule is admitted")
    func unguarded() {
        let guards = RuleGuards([])
        let holds = guards.noClauses
        #expect(guards.facts.isEmpty)
        #expect(guards.admits(0, holds) && guards.admits(41, holds))
    }
}

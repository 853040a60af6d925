import Foundation
import Testing
import MoatCore
@testable import MoatRules
@testable import MoatAnalysis

/// A bad rule file is an error naming the file, the line and the rule id — never a rule that silently
/// never fires.
@Suite("Rule loader")
struct RuleLoaderTests {
    static let valid = """
        - id: demo-rule
          title: Demo
          description: A demo rule.
          stride: [tampering]
          applies-to: [flow]
          when: crosses-boundary
          likelihood: 2
          impact: 3
          cwe: [319]
          capec: [94]
          false-positive: Never.
          mitigations:
            - control: transport-encryption
              text: Encrypt it.
          examples:
            triggering:
              - |
                boundary b { trust untrusted; actor a }
                process p
                a -> p { protocol http }
            non-triggering:
              - |
                boundary b { trust untrusted; actor a }
                process p
                a -> p { protocol https }
        """

    func load(_ text: String, path: String = "/rules/demo.yaml") throws -> ([Rule], [Diagnostic]) {
        let catalogue = try Catalogue.builtIn.get()
        let loader = RuleLoader(vocabulary: catalogue.vocabulary, maturity: catalogue.maturity)
        return loader.load(file: SourceFile(path: path, text: text), controls: catalogue.controls)
    }

    @Test("a valid rule loads with its compiled condition and examples")
    func valid() throws {
        let (rules, diagnostics) = try load(Self.valid)
        #expect(diagnostics.isEmpty)
        let rule = try #require(rules.first)
        #expect(rule.id == "demo-rule" && rule.conditions[.flow] != nil && rule.triggeringExamples.count == 1)
        #expect(rule.range?.start.line == 1)
        let outcomes = RuleExampleRunner(catalogue: try Catalogue.builtIn.get()).run(rule)
        #expect(outcomes.count == 2 && outcomes.allSatisfy { $0.failure == nil })
    }

    @Test("errors name the file, the line and the rule id", arguments: [
        ("when: crosses-boundary", "when: crosses-bondary", "rule 'demo-rule': unknown name 'crosses-bondary' for a flow; did you mean 'crosses-boundary'?", 6),
        ("when: crosses-boundary", "when: protocol == htps", "rule 'demo-rule': 'htps' is not a value or group of 'protocol'; did you mean 'https'?", 6),
        ("when: crosses-boundary", "when: encrypted-at-rest", "rule 'demo-rule': attribute 'encrypted-at-rest' does not apply to a flow", 6),
        ("likelihood: 2", "likelihood: 7", "rule 'demo-rule': 'likelihood' must be a whole number from 1 to 4", 7),
        ("stride: [tampering]", "stride: [tamper]", "rule 'demo-rule': unknown STRIDE category 'tamper'; did you mean 'tampering'?", 4),
        ("control: transport-encryption", "control: transport-encrypt", "rule 'demo-rule': unknown control 'transport-encrypt'; did you mean 'transport-encryption'?", 13),
        ("control: transport-encryption", "control: encryption-at-rest", "rule 'demo-rule': control 'encryption-at-rest' has no evidence for flow; it could never mitigate this rule", 13),
        ("applies-to: [flow]", "applies-to: [pipe]", "rule 'demo-rule': 'pipe' is not an element kind; rules apply to actor, process, datastore, flow, boundary or model", 5),
        ("false-positive: Never.", "false-positives: Never.", "rule 'demo-rule': unknown key 'false-positives'; did you mean 'false-positive'?", 11),
    ])
    func errors(_ from: String, _ to: String, _ message: String, _ line: Int) throws {
        let (rules, diagnostics) = try load(Self.valid.replacingOccurrences(of: from, with: to))
        #expect(rules.isEmpty)
        let d = try #require(diagnostics.first { $0.severity == .error && $0.message == message },
                             "no error '\(message)' for \(to); have \(diagnostics.map(\.message))")
        #expect(d.message == message)
        #expect(d.range?.file.path == "/rules/demo.yaml")
        #expect(d.range?.start.line == line)
    }

    @Test("a rule without examples is an error")
    func missingExamples() throws {
        let text = Self.valid.components(separatedBy: "  examples:")[0]
        let (_, diagnostics) = try load(text)
        #expect(diagnostics.contains { $0.message == "rule 'demo-rule': missing 'examples'" && $0.range?.start.line == 1 })
    }

    @Test("duplicate ids across files of one folder are errors")
    func duplicates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.valid.write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try Self.valid.write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let catalogue = try Catalogue.builtIn.get()
        let (_, diagnostics) = catalogue.adding(rulesFrom: dir)
        let d = try #require(diagnostics.first { $0.id == .duplicateRule })
        #expect(d.message == "rule 'demo-rule' is defined twice")
        #expect(d.range?.file.path.hasSuffix("b.yaml") == true)
    }

    @Test("--rules adds rules, and a rule with a built-in id replaces the built-in one")
    func overrides() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let replacement = Self.valid.replacingOccurrences(of: "id: demo-rule", with: "id: tampering-in-transit")
            .replacingOccurrences(of: "title: Demo", with: "title: Team version")
        try (Self.valid + "\n" + replacement).write(to: dir.appendingPathComponent("team.yaml"), atomically: true, encoding: .utf8)
        let builtIn = try Catalogue.builtIn.get()
        let (catalogue, diagnostics) = builtIn.adding(rulesFrom: dir)
        #expect(diagnostics.isEmpty)
        #expect(catalogue.rules.count == builtIn.rules.count + 1)
        #expect(catalogue.rule("tampering-in-transit")?.title == "Team version")
        #expect(catalogue.rule("tampering-in-transit")?.isUserRule == true)
    }
}

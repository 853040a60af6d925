import Foundation
import Testing
import MoatCore
@testable import MoatRules
@testable import MoatAnalysis

/// The built-in catalogue: size, coverage, references and every rule's examples.
@Suite("Built-in rule catalogue")
struct RuleCatalogueTests {
    static let catalogue: Catalogue = {
        do { return try Catalogue.builtIn.get() } catch { fatalError("built-in catalogue does not load: \(error)") }
    }()

    static var ruleIDs: [String] { catalogue.rules.map(\.id) }

    @Test("every rule's triggering examples fire exactly where they expect; non-triggering examples show the condition false and a mitigation",
          arguments: ruleIDs)
    func examples(_ id: String) throws {
        let rule = try #require(Self.catalogue.rule(id))
        let outcomes = RuleExampleRunner(catalogue: Self.catalogue).run(rule)
        #expect(outcomes.contains { $0.triggering } && outcomes.contains { !$0.triggering })
        for outcome in outcomes {
            #expect(outcome.failure == nil, "\(outcome.failure ?? "")\n\(outcome.example.model)")
        }
        for example in rule.triggeringExamples {
            #expect(example.expect != nil, "\(id): a triggering example must name where the rule fires (expect: [element])")
        }
        // The negative space of the condition is tested, not only the controls (SwiftLint's lesson).
        let kinds = Set(outcomes.compactMap(\.kind))
        #expect(kinds.contains(.conditionFalse), "\(id): no non-triggering example where the condition is false")
        #expect(kinds.contains(.mitigated), "\(id): no non-triggering example where a control mitigates the rule")
    }

    @Test("at least 120 rules, at least 12 per STRIDE category (by primary category)")
    func coverage() {
        let rules = Self.catalogue.rules
        #expect(rules.count >= 120)
        for stride in Stride.allCases {
            let primary = rules.filter { $0.stride.first == stride }.count
            #expect(primary >= 12, "\(stride.rawValue): \(primary) rules")
        }
        for kind in RuleLoader.ruleKinds {
            // Model-wide rules are few by nature (a missing secrets store is one fact about the whole system).
            #expect(rules.filter { $0.appliesTo.contains(kind) }.count >= (kind == .model ? 1 : 5), "too few rules for \(kind.rawValue)")
        }
    }

    @Test("rule files are named by the primary STRIDE category of their rules")
    func filesMatchCategories() throws {
        for rule in Self.catalogue.rules {
            let file = try #require(rule.range?.file.path)
            #expect(file.hasSuffix("/\(rule.stride[0].rawValue).yaml"), "\(rule.id) is in \(file)")
        }
    }

    @Test("every rule states a false-positive case, mitigations and a description")
    func metadata() {
        for rule in Self.catalogue.rules {
            #expect(!rule.title.isEmpty && !rule.description.isEmpty && !rule.falsePositive.isEmpty, "\(rule.id)")
            #expect(!rule.mitigations.isEmpty, "\(rule.id)")
        }
    }
}

/// CWE and CAPEC ids are checked against MITRE's lists in ../shared/reference.
@Suite("CWE and CAPEC references")
struct ReferenceTests {
    struct Entry { var status: String; var related: Set<Int> }

    /// Reads `id,name,abstraction,status,related` rows (names may be quoted and contain commas).
    static func load(_ name: String) throws -> [Int: Entry] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("shared/reference/\(name)")
        let text = try String(contentsOf: url, encoding: .utf8)
        var result: [Int: Entry] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            var fields: [String] = [], field = "", quoted = false
            for ch in line {
                if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { fields.append(field); field = "" } else { field.append(ch) }
            }
            fields.append(field)
            guard fields.count >= 5, let id = Int(fields[0]) else { continue }
            result[id] = Entry(status: fields[3], related: Set(fields[4].split(separator: " ").compactMap { Int($0) }))
        }
        return result
    }

    @Test("every cited CWE and CAPEC exists and is not deprecated or obsolete; most rules cite a related pair")
    func references() throws {
        let cwe = try Self.load("cwe.csv"), capec = try Self.load("capec.csv")
        #expect(cwe.count > 900 && capec.count > 500)
        var related = 0
        let rules = RuleCatalogueTests.catalogue.rules
        for rule in rules {
            for id in rule.cwe {
                let entry = cwe[id]
                #expect(entry != nil, "\(rule.id): CWE-\(id) does not exist")
                #expect(!["Deprecated", "Obsolete"].contains(entry?.status ?? ""), "\(rule.id): CWE-\(id) is \(entry?.status ?? "")")
            }
            for id in rule.capec {
                let entry = capec[id]
                #expect(entry != nil, "\(rule.id): CAPEC-\(id) does not exist")
                #expect(!["Deprecated", "Obsolete"].contains(entry?.status ?? ""), "\(rule.id): CAPEC-\(id) is \(entry?.status ?? "")")
            }
            let paired = rule.capec.contains { c in
                !(capec[c]?.related ?? []).isDisjoint(with: rule.cwe)
                    || rule.cwe.contains { (cwe[$0]?.related ?? []).contains(c) }
            }
            if paired { related += 1 }
        }
        // MITRE does not relate every sensible pair; most rules must still cite one it does.
        #expect(Double(related) >= 0.8 * Double(rules.count), "\(related) of \(rules.count) rules cite a related CWE/CAPEC pair")
    }
}

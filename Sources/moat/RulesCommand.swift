import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatReports

/// `moat rules list|show|test`: the rule catalogue.
struct RulesCommand: ParsableCommand, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List, show and test threat rules.",
        discussion: """
            Example:
              moat rules list
              moat rules show missing-authentication-entry-point
              moat rules test my-rules/
            """,
        subcommands: [RulesListCommand.self, RulesShowCommand.self, RulesTestCommand.self]
    )
}

/// The format of rule listings.
enum RuleFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

struct RulesListCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the rules, or those of a STRIDE category, an element kind or a CWE.",
        discussion: """
            Filters combine: a rule is listed when it matches every one given.

            Example:
              moat rules list --stride tampering --applies-to flow
              moat rules list --cwe 89 --format json
            """)

    @Option(help: "Output format: table or json.")
    var format: RuleFormat = .table

    @Option(help: ArgumentHelp("Only rules of this STRIDE category (spoofing, …, elevation-of-privilege, or its letter S T R I D E).",
                               valueName: "CATEGORY"))
    var stride: Stride?

    @Option(name: .customLong("applies-to"),
            help: ArgumentHelp("Only rules that apply to this kind of element: actor, process, datastore, flow or boundary.", valueName: "KIND"))
    var appliesTo: ElementKind?

    @Option(help: ArgumentHelp("Only rules with this CWE id (79 or CWE-79).", valueName: "N"))
    var cwe: CWEArgument?

    @OptionGroup var ruleArguments: RuleArguments

    @OptionGroup var terminal: TerminalOptions

    func run() throws {
        let catalogue = try ruleArguments.catalogue()
        let rules = catalogue.rules.filter { r in
            (stride.map { r.stride.contains($0) } ?? true)
                && (appliesTo.map { r.appliesTo.contains($0) } ?? true)
                && (cwe.map { r.cwe.contains($0.number) } ?? true)
        }
        switch format {
        case .json:
            Console.out(JSONValue.array(rules.map { RuleWriter(catalogue: catalogue).json($0, examples: false) }).serialized() + "\n")
        case .table:
            var out = ""
            for r in rules {
                out += "\(r.id.padding(toLength: 48, withPad: " ", startingAt: 0)) \(r.stride.map(\.letter).joined().padding(toLength: 4, withPad: " ", startingAt: 0))"
                out += "\(r.appliesTo.map(\.rawValue).joined(separator: ",").padding(toLength: 26, withPad: " ", startingAt: 0)) \(r.title)\n"
            }
            var byStride: [Stride: Int] = [:]
            for r in rules { for s in Set(r.stride) { byStride[s, default: 0] += 1 } }
            let filtered = stride != nil || appliesTo != nil || cwe != nil
            out += "\n\(rules.count)\(filtered ? " of \(catalogue.rules.count)" : "") rules; "
                + Stride.allCases.map { "\($0.rawValue) \(byStride[$0] ?? 0)" }.joined(separator: ", ") + "\n"
            // Rule files are user text: nothing in them may drive the terminal.
            Console.out(TerminalText.sanitize(out, keeping: ["\n"]))
        }
    }
}

struct RulesShowCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one rule with its condition, mitigations and examples.",
        discussion: "Example:\n  moat rules show tampering-in-transit")

    @Argument(help: ArgumentHelp("The rule id.", valueName: "ID"), completion: Completions.ruleIDs)
    var id: String

    @Option(help: "Output format: table or json.")
    var format: RuleFormat = .table

    @OptionGroup var ruleArguments: RuleArguments

    @OptionGroup var terminal: TerminalOptions

    func run() throws {
        let catalogue = try ruleArguments.catalogue()
        guard let r = catalogue.rule(id) else {
            throw CommandError.unknown("rule", id, among: catalogue.rules.map(\.id), notes: ["'moat rules list' lists them"])
        }
        if format == .json {
            Console.out(RuleWriter(catalogue: catalogue).json(r, examples: true).serialized() + "\n")
            return
        }
        let out = RuleWriter(catalogue: catalogue).text(r)
        // Rule files are user text: nothing in them may drive the terminal.
        Console.out(TerminalText.sanitize(out, keeping: ["\n", "\t"]))
    }
}

struct RulesTestCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Load the rule files in DIR and run every example.",
        discussion: """
            Each triggering example must produce an open finding of its rule and each non-triggering \
            example none. Exits 1 when an example misbehaves, 2 when a rule file is invalid.

            Example:
              moat rules test my-rules/
            """)

    @Argument(help: ArgumentHelp("A folder of rule files (*.yaml).", valueName: "DIR"))
    var directory: String

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var terminal: TerminalOptions

    func run() throws {
        let base = try catalogueOptions.load(rules: true)
        let (catalogue, problems) = base.adding(rulesFrom: URL(fileURLWithPath: directory))
        if problems.contains(where: { $0.severity == .error }) { throw CommandError.invalid(problems) }
        Console.report(problems)
        let runner = RuleExampleRunner(catalogue: catalogue)
        var passed = 0, failed = 0
        for rule in catalogue.rules where rule.isUserRule {
            for outcome in runner.run(rule) {
                if let failure = outcome.failure {
                    failed += 1
                    Console.out(TerminalText.sanitize("FAIL \(failure)", keeping: ["\n"]) + "\n")
                } else {
                    passed += 1
                }
            }
        }
        Console.out("\(passed) passed, \(failed) failed\n")
        if failed > 0 { throw CommandError.findings }
    }
}

import MoatModel
import MoatRules
import MoatSource
import MoatSyntax
import MoatText

/// Runs a rule's examples (SwiftLint-style: the examples are the rule's specification and its tests).
///
/// - A triggering example gives an open finding of the rule on each element it `expect`s, and no finding of
///   the rule on any other element.
/// - A non-triggering example gives no open finding of the rule. It shows one of two things: that the
///   condition is false there (the rule does not fire at all), or that a control mitigates it (the rule
///   fires and every finding is mitigated). `kinds` tells which, so a rule's examples can be required to show
///   both.
public struct RuleExampleRunner: Sendable {
    /// What a non-triggering example shows.
    public enum NonTriggeringKind: String, Sendable {
        /// The rule's condition is false: no finding at all.
        case conditionFalse = "condition false"
        /// The rule fires, and a control present mitigates every finding.
        case mitigated
    }

    /// The outcome of one example.
    public struct Outcome: Sendable {
        /// The id of the rule whose example this is.
        public var ruleID: String
        /// Whether the example is a triggering one (the rule must fire) or a non-triggering one.
        public var triggering: Bool
        /// The example's position among the rule's triggering or non-triggering examples, from 0.
        public var index: Int
        /// The example: its model text, expected element ids and source position.
        public var example: RuleExample
        /// For a non-triggering example that behaved, what it shows.
        public var kind: NonTriggeringKind?
        /// nil when the example behaved; else what went wrong, starting with `file:line:` of the example.
        public var failure: String?
    }

    /// The catalogue examples are loaded against (its vocabulary and controls); each run keeps only the rule tested.
    public let catalogue: Catalogue

    /// A runner for the rules of `catalogue`, which must be loaded with its rules.
    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// Runs every example of `rule` against a catalogue of just that rule (so other rules cannot interfere).
    public func run(_ rule: Rule) -> [Outcome] {
        var outcomes: [Outcome] = []
        let loader = ModelLoader(catalogue: catalogue)
        let analyzer = Analyzer(catalogue: catalogue.only(rule))
        for (triggering, examples) in [(true, rule.triggeringExamples), (false, rule.nonTriggeringExamples)] {
            for (i, example) in examples.enumerated() {
                let place = example.range.map { "\($0.file.path):\($0.start.line): " } ?? ""
                let label = "\(place)rule '\(rule.id)', \(triggering ? "triggering" : "non-triggering") example \(i + 1)"
                let result = loader.load(text: example.model, path: "\(rule.id)-\(triggering ? "t" : "n")\(i + 1).moat")
                var failure: String?
                var kind: NonTriggeringKind?
                if let model = result.model {
                    let analysis = analyzer.analyze(model, options: AnalysisOptions(asOf: "2000-01-01"))
                    let mine = analysis.findings.filter { $0.rule.id == rule.id }
                    let open = mine.filter(\.isOpen)
                    if triggering {
                        failure = checkTriggering(example, open: open, all: mine, label: label)
                    } else if !open.isEmpty {
                        failure = "\(label): unexpected open finding \(open.map(\.id).joined(separator: ", "))"
                    } else {
                        kind = mine.isEmpty ? .conditionFalse : .mitigated
                    }
                } else {
                    let errors = result.diagnostics.filter { $0.severity == .error }
                    failure = "\(label) is not a valid model:\n" + DiagnosticRenderer().render(errors)
                }
                outcomes.append(Outcome(ruleID: rule.id, triggering: triggering, index: i, example: example, kind: kind,
                                        failure: failure))
            }
        }
        return outcomes
    }

    private func checkTriggering(_ example: RuleExample, open: [Finding], all: [Finding], label: String) -> String? {
        guard let expect = example.expect else {
            guard open.isEmpty else { return nil }
            return all.isEmpty ? "\(label): the rule did not fire"
                : "\(label): the rule fired but every finding is \(all.map(\.status.rawValue).joined(separator: ", "))"
        }
        var problems: [String] = []
        for element in expect where !open.contains(where: { $0.elementID == element }) {
            let closed = all.first { $0.elementID == element }
            problems.append(closed.map { "the finding on '\(element)' is \($0.status.rawValue), not open" }
                            ?? "the rule did not fire on '\(element)'")
        }
        for f in all where !expect.contains(f.elementID) {
            problems.append("the rule also fired on '\(f.elementID)' (\(f.status.rawValue)), which the example does not expect")
        }
        return problems.isEmpty ? nil : "\(label): " + problems.joined(separator: "; ")
    }
}

extension Catalogue {
    /// The same catalogue with a single rule.
    public func only(_ rule: Rule) -> Catalogue {
        var copy = self
        copy.replaceRules([rule])
        return copy
    }
}

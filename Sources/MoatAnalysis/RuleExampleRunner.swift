import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Runs a rule's examples: each triggering example must give an open finding of the rule,
/// each non-triggering example none (SwiftLint-style: the examples are the rule's spec and tests).
public struct RuleExampleRunner: Sendable {
    /// The outcome of one example.
    public struct Outcome: Sendable {
        public var ruleID: String
        public var triggering: Bool
        public var index: Int
        public var text: String
        /// nil when the example behaved; else what went wrong.
        public var failure: String?
    }

    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// Runs every example of `rule` against a catalogue of just that rule (so other rules cannot interfere).
    public func run(_ rule: Rule) -> [Outcome] {
        var outcomes: [Outcome] = []
        let loader = ModelLoader(catalogue: catalogue)
        let analyzer = Analyzer(catalogue: catalogue.only(rule))
        for (triggering, examples) in [(true, rule.triggeringExamples), (false, rule.nonTriggeringExamples)] {
            for (i, text) in examples.enumerated() {
                let label = "\(triggering ? "triggering" : "non-triggering") example \(i + 1)"
                let result = loader.load(text: text, path: "\(rule.id)-\(triggering ? "t" : "n")\(i + 1).moat")
                var failure: String?
                if let model = result.model {
                    let analysis = analyzer.analyze(model, options: AnalysisOptions(asOf: "2000-01-01"))
                    let open = analysis.findings.filter { $0.rule.id == rule.id && $0.isOpen }
                    if triggering && open.isEmpty {
                        let closed = analysis.findings.filter { $0.rule.id == rule.id }
                        failure = closed.isEmpty ? "\(label): the rule did not fire"
                            : "\(label): the rule fired but every finding is \(closed.map(\.status.rawValue).joined(separator: ", "))"
                    } else if !triggering && !open.isEmpty {
                        failure = "\(label): unexpected open finding \(open.map(\.id).joined(separator: ", "))"
                    }
                } else {
                    let errors = result.diagnostics.filter { $0.severity == .error }
                    failure = "\(label) is not a valid model:\n" + DiagnosticRenderer().render(errors)
                }
                outcomes.append(Outcome(ruleID: rule.id, triggering: triggering, index: i, text: text, failure: failure))
            }
        }
        return outcomes
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

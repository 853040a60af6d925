import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Explains a finding (or why a rule did not fire): the condition with each sub-term's value,
/// the mitigating controls found or missing, the status decision and the severity computation.
public struct Explainer: Sendable {
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// Why `explain` could not find what was asked.
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    public func explain(_ findingID: String, in analysis: Analysis) throws -> String {
        let parts = findingID.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw NotFound(description: "'\(findingID)' is not a finding id; finding ids are rule-id@element-id")
        }
        let (ruleID, elementID) = (parts[0], parts[1])
        guard let rule = catalogue.rule(ruleID) else {
            let guess = Suggestion.closest(to: ruleID, in: catalogue.rules.map(\.id))
            throw NotFound(description: "unknown rule '\(ruleID)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""))
        }
        let graph = analysis.graph
        let model = graph.model
        let ref: EntityRef, kind: ElementKind, location: SourceRange?
        if let i = graph.elementIndex[elementID] {
            (ref, kind, location) = (.element(i), model.elements[i].kind, model.elements[i].range)
        } else if let i = graph.flowIndex[elementID] {
            (ref, kind, location) = (.flow(i), .flow, model.flows[i].range)
        } else if let i = graph.boundaryIndex[elementID] {
            (ref, kind, location) = (.boundary(i), .boundary, model.boundaries[i].range)
        } else {
            let ids = model.elements.map(\.id) + model.flows.map(\.id) + model.boundaries.map(\.id)
            let guess = Suggestion.closest(to: elementID, in: ids)
            throw NotFound(description: "unknown element '\(elementID)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""))
        }
        let evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        let finding = analysis.findings.first { $0.id == findingID }
        var out = "\(findingID) — \(rule.title)\n"
        out += "  element:  \(kind.rawValue) \(elementID)"
        if let location { out += " (\(location.file.path):\(location.start.line))" }
        out += "\n  rule:     \(rule.stride.map(\.rawValue).joined(separator: ", ")); applies to \(rule.appliesTo.map(\.rawValue).joined(separator: ", "))\n"
        guard let condition = rule.conditions[kind] else {
            out += "\nThe rule does not apply to \(kind.phrase), so it cannot fire here.\n"
            return out
        }
        out += "\ncondition: \(rule.when)\n"
        describe(condition, evaluator, ref, depth: 1, into: &out)
        guard let finding else {
            out += "\nThe condition is false, so the rule did not fire on '\(elementID)'.\n"
            return out
        }
        out += "\nmitigating controls:\n"
        for m in rule.mitigations {
            let control = catalogue.controls[m.control]?.control
            let present = finding.presentControls.contains(m.control)
            let how = control?.practice.map { "practice '\($0)'" } ?? "evidence: \(control?.evidence?[kind.rawValue] ?? "none for \(kind.rawValue)")"
            out += "  \(present ? "present" : "absent ") \(m.control) (level \(control?.level ?? 0); \(how))\n"
        }
        let declared = analysis.maturity.declared
        out += "\nstatus: \(finding.status.rawValue)"
        switch finding.status {
        case .mitigated where finding.tracking == nil: out += " — \(finding.presentControls.joined(separator: ", ")) present\n"
        case .gap: out += " — expected level \(finding.expectedLevel) ≤ declared level \(declared)\n"
        case .roadmap: out += " — expected level \(finding.expectedLevel) > declared level \(declared)\n"
        default:
            if let t = finding.tracking { out += " — tracked: \"\(t.justification)\"" + (t.owner.map { ", owner \($0)" } ?? "") + "\n" }
            else { out += "\n" }
        }
        if finding.trackingExpired, let t = finding.tracking {
            out += "  (the tracking entry '\(t.pattern)' expired on \(t.until ?? ""), so it no longer applies)\n"
        }
        out += "\nseverity:\n"
        for dimension in ["likelihood", "impact"] {
            let base = dimension == "likelihood" ? rule.likelihood : rule.impact
            let final = dimension == "likelihood" ? finding.likelihood : finding.impact
            out += "  \(dimension): \(base) (rule)"
            for f in finding.factors where f.dimension == dimension {
                out += " \(f.change > 0 ? "+" : "−")\(abs(f.change)) (\(f.reason))"
            }
            out += " = \(final)\n"
        }
        out += "  \(finding.likelihood) × \(finding.impact) = \(finding.likelihood * finding.impact) → \(finding.severity.rawValue)"
        out += " (low ≤ 4 < medium ≤ 8 < high ≤ 12 < critical)\n"
        return out
    }

    private func describe(_ c: CompiledCondition, _ ev: Evaluator, _ ref: EntityRef, depth: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: depth)
        let text = pad + c.text
        let value = c.describe(ev, ref)
        out += text + String(repeating: " ", count: max(2, 56 - text.count)) + value + "\n"
        for child in c.children where child.text != c.text { describe(child, ev, ref, depth: depth + 1, into: &out) }
    }
}

import MoatCore

/// `moat explain`: an `Explanation` as text for a terminal.
public struct ExplanationTextWriter: Sendable {
    /// An explanation writer; it has no options.
    public init() {}

    /// The explanation as terminal text: the finding and rule, inherited zone values, the outcome, the condition
    /// term by term with values, the controls, and the status and severity reasoning. Model text is sanitised.
    public func write(_ x: Explanation) -> String {
        let rule = x.rule
        func clean(_ s: String) -> String { TerminalText.sanitize(s) }
        var out = "\(clean(x.findingID)) — \(clean(rule.title))\n"
        out += "  element:  \(x.elementKind.rawValue) \(clean(x.elementID))"
        if let location = x.location { out += " (\(clean(location.file.path)):\(location.start.line))" }
        out += "\n  rule:     \(rule.stride.map(\.rawValue).joined(separator: ", ")); applies to \(rule.appliesTo.map(\.rawValue).joined(separator: ", "))"
        if rule.isWritten { out += "; written by hand in the model" }
        out += "\n"
        for i in x.inherited {
            out += "  inherited: \(i.attribute) \(clean(i.value)) (from boundary \(clean(i.boundary)))\n"
        }
        switch x.outcome {
        case .written:
            out += "\nThis threat was written by hand in the model (threat \(clean(rule.id))); no rule condition decides it.\n"
        case .outOfScope(let reason):
            out += "\nThe element is out of scope (\"\(clean(reason))\"), so no rule runs on it.\n"
            return out
        case .notForKind:
            out += "\nThe rule does not apply to \(x.elementKind.phrase), so it cannot fire here.\n"
            return out
        case .fired, .conditionFalse, .wrongSide, .superseded:
            out += "\ncondition: \(clean(rule.when))\n"
            for t in x.condition {
                let text = String(repeating: "  ", count: t.depth) + clean(t.text)
                out += text + String(repeating: " ", count: max(2, 56 - text.count)) + clean(t.value) + "\n"
            }
        }
        switch x.outcome {
        case .conditionFalse:
            out += "\nThe condition is false, so the rule did not fire on '\(clean(x.elementID))'.\n"
            return out
        case .wrongSide(let reason):
            out += "\nThe rule did not run here: \(reason).\n"
            return out
        case .superseded(let by):
            out += "\nThe condition holds, but \(clean(by)) describes the same threat more precisely and replaces this finding.\n"
            return out
        default: break
        }
        guard let finding = x.finding else { return out }
        if !x.controls.isEmpty {
            out += "\nmitigating controls:\n"
            for c in x.controls {
                let how = c.practice.map { "practice '\($0)': evidences the organisation's level, never mitigates a finding" }
                    ?? "evidence: \(c.evidence.map(clean) ?? "none for \(x.elementKind.rawValue)")"
                out += "  \(c.present ? "present" : "absent ") \(c.id) (level \(c.level ?? 0)\(c.provider ? ", applied by the provider when managed" : ""); \(how))\n"
            }
        }
        let against = x.floor.map { $0 > x.declaredLevel ? "policy floor \($0) (declared \(x.declaredLevel))" : "declared level \(x.declaredLevel)" }
            ?? "declared level \(x.declaredLevel)"
        out += "\nstatus: \(finding.status.rawValue)"
        switch finding.status {
        case .mitigated where finding.tracking == nil: out += " — \(finding.presentControls.joined(separator: ", ")) present\n"
        case .gap: out += " — expected level \(finding.expectedLevel) ≤ \(against)\n"
        case .roadmap: out += " — expected level \(finding.expectedLevel) > \(against)\n"
        case .provider: out += " — the element is managed by a provider, and only the provider can apply its mitigations\n"
        default:
            if let t = finding.tracking { out += " — tracked: \"\(clean(t.justification))\"" + (t.owner.map { ", owner \(clean($0))" } ?? "") + "\n" }
            else { out += "\n" }
        }
        if finding.trackingExpired, let t = finding.tracking {
            out += "  (the tracking entry '\(clean(t.pattern))' expired on \(t.until ?? ""), so it no longer applies)\n"
        }
        out += "\nseverity:\n"
        for dimension in SeverityFactor.Dimension.allCases {
            let base = dimension == .likelihood ? rule.likelihood : rule.impact
            let final = dimension == .likelihood ? finding.likelihood : finding.impact
            out += "  \(dimension.rawValue): \(base) (\(rule.isWritten ? "as written" : "rule"))"
            for f in finding.factors where f.dimension == dimension.rawValue {
                let sign = f.change > 0 ? "+" : f.change < 0 ? "−" : "±"
                out += " \(sign)\(abs(f.change)) (\(f.reason))"
            }
            out += " = \(final)\n"
        }
        out += "  \(finding.likelihood) × \(finding.impact) = \(finding.likelihood * finding.impact) → \(finding.severity.rawValue)"
        out += " (low ≤ 4 < medium ≤ 8 < high ≤ 12 < critical)\n"
        return out
    }
}

import MoatCore

/// `moat analyze` in a terminal: threats grouped by component, worst first, then a summary.
public struct TableWriter: Sendable {
    public init() {}

    static func label(_ s: Severity) -> String {
        switch s {
        case .critical: return "CRIT"
        case .high: return "HIGH"
        case .medium: return "MED "
        case .low: return "LOW "
        }
    }

    /// Removes control characters so model text cannot drive the terminal.
    static func clean(_ s: String) -> String { TerminalText.sanitize(s) }

    public func write(_ report: ReportModel) -> String {
        let a = report.analysis
        var out = "\(Self.clean(a.model.header.name)): \(a.findings.count) findings — open: \(report.openSummary)\n"
        for c in report.components {
            // Flow ids as `a→b`: `rule@a→b` pastes into a shell as it is (`moat explain` reads both forms).
            out += "\n\(Self.clean(TerminalText.pasteableID(c.id))) (\(c.kind.rawValue)"
            if c.name != c.id { out += " \"\(Self.clean(c.name))\"" }
            out += ")" + (c.evidencedLevel.map { " — evidenced level \($0)" } ?? "") + "\n"
            for f in c.findings {
                let status = f.status.rawValue + (f.isOpen ? " L\(f.expectedLevel)" : "")
                let stride = f.rule.stride.map(\.letter).joined()
                out += "  \(Self.label(f.severity))  \(status.padding(toLength: 11, withPad: " ", startingAt: 0)) "
                out += "\(stride.padding(toLength: 3, withPad: " ", startingAt: 0)) \(f.rule.id)\n"
                out += "        \(Self.clean(f.rule.title))"
                out += "  [" + (f.rule.cwe.map { "CWE-\($0)" } + f.rule.capec.map { "CAPEC-\($0)" }).joined(separator: " ") + "]\n"
                if f.isOpen, let m = f.rule.mitigations.first {
                    out += "        fix: \(Self.clean(m.text))\n"
                }
                if let t = f.tracking {
                    out += "        \(f.trackingExpired ? "expired " : "")\(t.status.rawValue): \(Self.clean(t.justification))"
                    out += (t.owner.map { " (owner: \(Self.clean($0)))" } ?? "") + (t.until.map { " until \($0)" } ?? "") + "\n"
                }
            }
        }
        let m = a.maturity
        out += "\nSummary\n"
        out += "  findings: \(report.statusSummary)\n"
        out += "  open by severity: \(report.openSummary)\n"
        out += "  maturity: declared \(m.declared) (\(report.levelName(m.declared))), evidenced \(m.evidenced) (\(report.levelName(m.evidenced)))\n"
        if let next = m.nextLevel {
            out += "  to evidence level \(next) (\(report.levelName(next))):\n"
            if !m.missingPractices.isEmpty {
                out += "    declare practices: \(m.missingPractices.map(\.id).joined(separator: ", "))\n"
            }
            if !m.blockingFindings.isEmpty {
                var byControl: [String: Int] = [:]
                for f in m.blockingFindings {
                    if let c = f.rule.mitigations.min(by: { (a, b) in a.control < b.control }) { byControl[c.control, default: 0] += 1 }
                }
                out += "    close \(m.blockingFindings.count) open finding\(m.blockingFindings.count == 1 ? "" : "s"); most need: "
                out += byControl.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map { "\($0.key) (\($0.value))" }
                    .joined(separator: ", ") + "\n"
            }
        }
        return out
    }
}

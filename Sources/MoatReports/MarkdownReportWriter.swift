import MoatCore

/// Threats per component as Markdown tables, for wikis and pull requests: `moat analyze --format markdown`,
/// and with `full` the review pack's Markdown variant (`moat report -o review.md`): roadmap, tracking, rules.
public struct MarkdownReportWriter: Sendable {
    /// Adds the roadmap by maturity level, the tracking decisions and the rule appendix.
    public var full: Bool
    /// Controls, for the roadmap's titles and levels (used when `full`).
    public var controls: [String: CompiledControl]

    public init(full: Bool = false, controls: [String: CompiledControl] = [:]) {
        self.full = full
        self.controls = controls
    }

    public func write(_ report: ReportModel) -> String {
        let a = report.analysis
        let m = a.maturity
        var out = "# Threat model: \(MarkdownText.escape(a.model.header.name))\n\n"
        out += "- **Findings:** \(report.statusSummary)\n"
        out += "- **Open by severity:** \(report.openSummary)\n"
        out += "- **Maturity:** declared \(m.declared) (\(report.levelName(m.declared))), evidenced \(m.evidenced) (\(report.levelName(m.evidenced)))\n"
        if let next = m.nextLevel {
            out += "- **Next level (\(next), \(report.levelName(next))):** "
            var needs: [String] = []
            if !m.missingPractices.isEmpty { needs.append("declare " + m.missingPractices.map { MarkdownText.code($0.id) }.joined(separator: ", ")) }
            if !m.blockingFindings.isEmpty { needs.append("close \(m.blockingFindings.count) open findings") }
            out += (needs.isEmpty ? "nothing blocks it" : needs.joined(separator: "; ")) + "\n"
        }
        for c in report.components {
            out += "\n## \(MarkdownText.escape(c.name)) (\(c.kind.rawValue) \(MarkdownText.code(c.id)))\n\n"
            out += "| Severity | Status | STRIDE | Threat | CWE / CAPEC | Mitigation |\n"
            out += "| --- | --- | --- | --- | --- | --- |\n"
            for f in c.findings {
                let status = f.status.rawValue + (f.isOpen ? " (level \(f.expectedLevel))" : "")
                let refs = (f.rule.cwe.map { "[CWE-\($0)](https://cwe.mitre.org/data/definitions/\($0).html)" }
                    + f.rule.capec.map { "[CAPEC-\($0)](https://capec.mitre.org/data/definitions/\($0).html)" }).joined(separator: " ")
                let mitigation = f.rule.mitigations.map { "\(MarkdownText.code($0.control)): \(MarkdownText.escape($0.text))" }
                    .joined(separator: "<br>")
                out += "| \(f.severity.rawValue) | \(status) | \(f.rule.stride.map(\.letter).joined()) | "
                out += "**\(MarkdownText.escape(f.rule.title))** \(MarkdownText.code(f.id)) | \(refs) | \(mitigation) |\n"
            }
        }
        if full { out += roadmap(report) + tracking(report) + appendix(report) }
        return out
    }

    private func roadmap(_ report: ReportModel) -> String {
        let a = report.analysis
        var out = "\n## Mitigation roadmap by maturity level\n"
        let open = a.findings.filter(\.isOpen)
        for level in report.maturity.levels {
            let here = open.filter { $0.expectedLevel == level.level }
            let practices = level.practices.filter { !a.model.header.practices.contains($0.id) }
            guard !here.isEmpty || !practices.isEmpty else { continue }
            out += "\n### Level \(level.level): \(MarkdownText.escape(level.name))\n\n"
            if !practices.isEmpty {
                out += "- Declare the practices: " + practices.map { "\(MarkdownText.escape($0.title)) (\(MarkdownText.code($0.id)))" }.joined(separator: "; ") + "\n"
            }
            var byControl: [String: [Finding]] = [:]
            for f in here {
                let control = f.rule.mitigations.map(\.control).first { controls[$0]?.control.level == level.level }
                    ?? f.rule.mitigations.first?.control ?? "?"
                byControl[control, default: []].append(f)
            }
            for (control, list) in byControl.sorted(by: { ($1.value.count, $0.key) < ($0.value.count, $1.key) }) {
                out += "- **\(MarkdownText.escape(controls[control]?.control.title ?? control))** (\(MarkdownText.code(control))) closes \(list.count): "
                out += list.map { MarkdownText.code($0.id) }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    private func tracking(_ report: ReportModel) -> String {
        let a = report.analysis
        guard !a.model.tracking.isEmpty else { return "" }
        var out = "\n## Tracking decisions\n\n| Decision | Findings | Justification | Owner | Until |\n| --- | --- | --- | --- | --- |\n"
        for t in a.model.tracking {
            let expired = a.findings.contains { $0.tracking == t && $0.trackingExpired }
            out += "| \(t.status.rawValue) | \(MarkdownText.code(t.pattern)) | \(MarkdownText.escape(t.justification)) | "
            out += "\(MarkdownText.escape(t.owner ?? "—")) | \(MarkdownText.escape(t.until ?? "—"))\(expired ? " (expired)" : "") |\n"
        }
        return out
    }

    private func appendix(_ report: ReportModel) -> String {
        var out = "\n## Appendix: rules that fired\n"
        var seen: Set<String> = []
        for f in report.analysis.findings.sorted(by: { $0.rule.id < $1.rule.id }) where seen.insert(f.rule.id).inserted {
            let r = f.rule
            out += "\n### \(MarkdownText.code(r.id)) \(MarkdownText.escape(r.title))\n\n\(MarkdownText.escape(r.description))\n\n"
            out += "False positive when: \(MarkdownText.escape(r.falsePositive))\n"
        }
        return out
    }
}

import MoatCore

/// `moat analyze --format markdown`: threats per component as Markdown tables, for wikis and pull requests.
public struct MarkdownReportWriter: Sendable {
    public init() {}

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
        return out
    }
}

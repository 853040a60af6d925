import MoatCore

/// `moat diff --format markdown`: a pull-request comment. A summary line, a table of the threats that
/// changed, then the model changes as a compact list; long parts fold into `<details>` sections.
/// All user text passes through `MarkdownText`.
public struct DiffMarkdownWriter: Sendable {
    /// Tables and lists longer than this fold into a `<details>` section.
    public var foldAbove: Int

    /// A writer folding tables and lists of more than `foldAbove` items (15 by default).
    public init(foldAbove: Int = 15) { self.foldAbove = foldAbove }

    static let style = DiffReport.Style(code: MarkdownText.code,
                                        quote: { "\"" + MarkdownText.escape($0) + "\"" })

    /// The diff as a Markdown pull-request comment: heading, summary line, a warning when the declared level was
    /// lowered, the table of threat changes, other finding changes (folded), then the model changes.
    public func write(_ report: DiffReport) -> String {
        var out = "### Threat model diff: \(MarkdownText.escape(report.new.analysis.model.header.name))\n\n"
        out += "\(MarkdownText.escape(report.old.label)) → \(MarkdownText.escape(report.new.label))\n\n"
        out += "**\(report.threatSummary.prefix(1).uppercased() + report.threatSummary.dropFirst())**"
        if let maturity = report.maturitySummary { out += " · \(maturity)" }
        out += " · model: \(report.modelSummary)\n"
        if let lowered = report.loweredLevel { out += "\n> [!WARNING]\n> \(lowered.summary.prefix(1).uppercased() + lowered.summary.dropFirst()).\n" }
        if !report.threatRows.isEmpty {
            out += section("Threat changes (\(report.threatRows.count))", fold: report.threatRows.count > foldAbove,
                           table(report.threatRows))
        }
        if !report.otherRows.isEmpty {
            out += section("Other finding changes (\(report.otherRows.count)): closed before and after", fold: true,
                           table(report.otherRows))
        }
        if !report.model.isEmpty {
            var items = report.model.header.isEmpty ? [] : ["- **changed** model header: "
                + report.model.header.map { DiffReport.describe($0, Self.style) }.joined(separator: "; ")]
            items += report.model.entities.map(item)
            out += section("Model changes (\(items.count))", fold: items.count > foldAbove, items.joined(separator: "\n") + "\n")
        }
        return out
    }

    /// A heading and its body, or a `<details>` section when folded. Titles are fixed text and numbers.
    private func section(_ title: String, fold: Bool, _ body: String) -> String {
        fold ? "\n<details>\n<summary>\(title)</summary>\n\n\(body)\n</details>\n"
             : "\n#### \(title)\n\n\(body)"
    }

    private func table(_ rows: [DiffReport.Row]) -> String {
        var out = "| Change | Severity | Status | Finding | Threat |\n| --- | --- | --- | --- | --- |\n"
        for row in rows {
            let change = row.change == .new || row.change == .reopened ? "**\(row.change.rawValue)**" : row.change.rawValue
            let severity: String
            if let a = row.oldSeverity, let b = row.newSeverity, a != b { severity = "\(a.rawValue) → \(b.rawValue)" }
            else { severity = row.severity.rawValue }
            let status: String
            switch (row.oldStatus, row.newStatus) {
            case let (a?, b?) where a != b: status = "\(a.rawValue) → \(b.rawValue)"
            case let (a, b): status = (b ?? a)?.rawValue ?? ""
            }
            var threat = MarkdownText.escape(row.finding.rule.title)
            if row.finding.elementName != row.finding.elementID { threat += " — " + MarkdownText.escape(row.finding.elementName) }
            out += "| \(change) | \(severity) | \(status) | \(MarkdownText.code(row.id)) | \(threat) |\n"
        }
        return out
    }

    /// `- **added** process `cache` Cache`, `- **changed** datastore `db` Orders DB: -`encrypted-at-rest``.
    private func item(_ e: ModelDiff.EntityChange) -> String {
        var out = "- **\(e.change.rawValue)** "
        if e.kind == .tracking {
            out += "tracking \(MarkdownText.code(e.name)) \(MarkdownText.code(e.id))"
        } else {
            out += "\(e.kind.rawValue) \(MarkdownText.code(e.id))"
            if !e.name.isEmpty && e.name != e.id { out += " " + MarkdownText.escape(e.name) }
        }
        if !e.details.isEmpty { out += ": " + e.details.map { DiffReport.describe($0, Self.style) }.joined(separator: "; ") }
        return out
    }
}

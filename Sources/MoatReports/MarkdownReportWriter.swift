import MoatCore

/// Threats per component as Markdown tables, for wikis and pull requests: `moat analyze --format markdown`,
/// and with `full` the review pack's Markdown variant (`moat report -o review.md`): the diagram (an SVG
/// beside the file), data assets, roadmap, tracking and the rules that fired.
public struct MarkdownReportWriter: ReportWriter {
    /// Adds the diagram, the data assets, the roadmap by maturity level, the tracking decisions and the rule appendix.
    public var full: Bool

    /// A writer of the findings tables, or of the whole review pack when `full`.
    public init(full: Bool = false) {
        self.full = full
    }

    private func e(_ s: String) -> String { MarkdownText.escape(s) }
    private func code(_ s: String) -> String { MarkdownText.code(s) }

    private func links(_ references: [ReportModel.Reference]) -> String {
        references.map { "[\($0.label)](\($0.url))" }.joined(separator: " ")
    }

    /// The report as Markdown: summary and maturity, a findings table per component, then attack paths; with
    /// `full`, also the diagram and data assets, the roadmap, tracking, coverage and rule appendix. Model text is
    /// escaped.
    public func write(_ report: ReportModel) -> String {
        let a = report.analysis
        let m = report.maturity
        var out = "# Threat model: \(e(a.model.header.name))\n\n"
        out += "- **Findings:** \(report.statusSummary)\n"
        out += "- **Open by severity:** \(report.openSummary)\n"
        out += "- **Maturity:** declared \(m.declared) (\(e(m.declaredName))), evidenced \(m.evidenced) (\(e(m.evidencedName)))\n"
        if let next = m.next {
            out += "- **Next level (\(next.level), \(e(next.name))):** "
            var needs: [String] = []
            if !next.missingPractices.isEmpty { needs.append("declare " + next.missingPractices.map { code($0.id) }.joined(separator: ", ")) }
            if !next.blockingFindings.isEmpty {
                needs.append("close \(next.blockingFindings.count) open findings (most need "
                             + next.mostNeeded.map { "\(code($0.control.id)) (\($0.count))" }.joined(separator: ", ") + ")")
            }
            out += (needs.isEmpty ? "nothing blocks it" : needs.joined(separator: "; ")) + "\n"
        }
        if full {
            if let diagram = report.diagram, let file = diagram.file {
                out += "\n## Data-flow diagram\n\n![Annotated data-flow diagram](\(MarkdownText.linkTarget(file)))\n\n"
                out += "Nodes are coloured by their worst open threat; badges count open threats per severity and give the "
                out += "maturity level each component evidences (L1–L5); dashed frames are trust boundaries; red flows cross a "
                out += "boundary unencrypted.\n"
            }
            out += dataAssets(report)
        }
        for c in report.components {
            out += "\n## \(e(c.name)) (\(c.kind.rawValue) \(code(c.id)))\n\n"
            if let zone = c.zone { out += "In \(e(zone)).\n\n" }
            out += "| Severity | Status | STRIDE | Threat | CWE / CAPEC | Mitigation |\n"
            out += "| --- | --- | --- | --- | --- | --- |\n"
            for f in c.findings {
                let v = report.view(f)
                let status = f.status.rawValue + (f.isOpen ? " (level \(f.expectedLevel))" : "")
                let mitigation = v.mitigations.map { "\(code($0.control.id)): \(e($0.text))" }.joined(separator: "<br>")
                out += "| \(f.severity.rawValue) | \(status) | \(f.rule.stride.map(\.letter).joined()) | "
                out += "**\(e(f.rule.title))** \(code(f.id)) | \(links(v.references)) | \(mitigation) |\n"
            }
        }
        out += attackPaths(report)
        if full { out += roadmap(report) + tracking(report) + coverage(report) + appendix(report) }
        return out
    }

    private func dataAssets(_ report: ReportModel) -> String {
        guard !report.dataAssets.isEmpty else { return "" }
        var out = "\n## Data assets\n\n| Data | Id | Classification | Tags |\n| --- | --- | --- | --- |\n"
        for d in report.dataAssets {
            out += "| \(e(d.name)) | \(code(d.id)) | \(e(d.classification)) | \(d.tags.map(e).joined(separator: ", ")) |\n"
        }
        return out
    }

    private func attackPaths(_ report: ReportModel) -> String {
        guard !report.attackPaths.isEmpty else { return "" }
        var out = "\n## Attack paths\n\nThe \(report.attackPaths.count) most dangerous of \(report.attackPathCount) paths from an untrusted "
        out += "actor to confidential or secret data, hop by hop.\n"
        for p in report.attackPaths {
            out += "\n\(p.number). **\(e(p.route))**" + (p.data.isEmpty ? "" : " — reaches \(p.data.map(e).joined(separator: ", "))") + "\n"
            var from = p.sourceName
            for hop in p.hops {
                var via = e(hop.flowName.isEmpty ? hop.flowID : hop.flowName)
                if let proto = hop.protocolName { via += " · \(e(proto))" }
                if !hop.encrypted { via += " · **unencrypted**" }
                out += "    - \(e(from)) → \(e(hop.elementName)): \(via)\n"
                from = hop.elementName
            }
            if let w = p.weakest {
                out += "    - weakest point: \(w.severity.rawValue) \(code(w.id))"
                if let c = p.weakestControl { out += "; close with \(code(c.id)) (level \(c.level))" }
                out += "\n"
            }
        }
        return out
    }

    private func roadmap(_ report: ReportModel) -> String {
        var out = "\n## Mitigation roadmap by maturity level\n"
        for level in report.roadmap {
            out += "\n### Level \(level.level): \(e(level.name))\(level.isGap ? " (gap: your declared level says this should be in place)" : "")\n\n"
            if !level.practicesToDeclare.isEmpty {
                out += "- Declare the practices: " + level.practicesToDeclare.map { "\(e($0.title)) (\(code($0.id)))" }.joined(separator: "; ") + "\n"
            }
            for (control, list) in level.controls {
                out += "- **\(e(control.title))** (\(code(control.id))) closes \(list.count): "
                out += list.map { code($0.id) }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    private func tracking(_ report: ReportModel) -> String {
        guard !report.tracking.isEmpty else { return "" }
        var out = "\n## Tracking decisions\n\n| Decision | Findings | Justification | Owner | Until | Matches |\n| --- | --- | --- | --- | --- | --- |\n"
        for t in report.tracking {
            out += "| \(t.entry.status.rawValue) | \(code(t.entry.pattern)) | \(e(t.entry.justification)) | "
            out += "\(e(t.entry.owner ?? "—")) | \(e(t.entry.until ?? "—"))\(t.expired ? " (expired)" : "") | \(t.matches) |\n"
        }
        return out
    }

    /// The coverage audit: STRIDE categories no finding covers, per element and flow.
    public func coverage(_ report: ReportModel) -> String {
        let c = report.coverage
        var out = "\n## Coverage\n\n"
        out += "STRIDE per element: \(Int((c.coveredShare * 100).rounded(.down))) % of the (element, category) pairs expected of "
        out += "\(c.entitiesInScope) elements and flows in scope are covered by a finding; the categories below were not considered "
        out += "by any finding.\n"
        guard !c.entries.isEmpty else { return out }
        out += "\n| Element | Kind | Uncovered | Why |\n| --- | --- | --- | --- |\n"
        for entry in c.entries {
            for gap in entry.gaps {
                out += "| \(e(entry.name)) \(code(entry.id)) | \(entry.kind.rawValue) | \(gap.stride.rawValue) | \(gap.reason.text) |\n"
            }
        }
        return out
    }

    private func appendix(_ report: ReportModel) -> String {
        var out = "\n## Appendix: rules that fired\n"
        for r in report.rules {
            out += "\n### \(code(r.rule.id)) \(e(r.rule.title))\n\n\(e(r.rule.description))\n\n"
            if !r.references.isEmpty { out += "References: \(links(r.references))\n\n" }
            out += "False positive when: \(e(r.rule.falsePositive))\n"
        }
        return out
    }
}

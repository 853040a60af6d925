import MoatCore

/// The design-review pack as one self-contained HTML file: no scripts, no external requests,
/// inline CSS and the inline SVG diagram (fitted to the page, with zoom levels and panning that need no
/// JavaScript), readable on screen and printable to PDF.
public struct HTMLReportWriter: ReportWriter {
    /// The Moat version shown in the pack's metadata and footer (`<meta name="generator">`).
    public let toolVersion: String

    /// A writer that credits Moat `toolVersion` in the pack.
    public init(toolVersion: String) { self.toolVersion = toolVersion }

    /// Anchor prefix of each component section; diagram nodes link here.
    public static let componentAnchor = "component-"

    private func e(_ s: String) -> String { HTMLText.escape(s) }

    private func links(_ references: [ReportModel.Reference]) -> String {
        references.map { "<a href=\"\(e($0.url))\">\(e($0.label))</a>" }.joined(separator: " ")
    }

    private func componentLink(_ f: Finding) -> String {
        "<a href=\"#\(e(Anchor.make(Self.componentAnchor, f.elementID)))\"><code>\(e(f.id))</code></a>"
    }

    /// The review pack as one HTML document: summary (maturity, data assets), diagram, attack paths, threats by
    /// component, roadmap by maturity level, tracking decisions, coverage and the rule appendix. Model text is escaped.
    public func write(_ report: ReportModel) -> String {
        let a = report.analysis
        let m = report.maturity
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="Moat \(e(toolVersion))">
            <title>Threat model review: \(e(a.model.header.name))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header>
            <h1>Threat model review: \(e(a.model.header.name))</h1>
            <p class="meta">
            """
        var meta: [String] = []
        if let owner = a.model.header.owner { meta.append("Owner: \(e(owner))") }
        if let file = a.model.files.first { meta.append("Model: <code>\(e(file.path))</code>") }
        meta.append("Analysed as of \(e(a.options.asOf)) with \(a.findings.count) findings from Moat \(e(toolVersion))")
        out += meta.joined(separator: " · ") + "</p>\n"
        if let description = a.model.header.attributes.string(.description) { out += "<p>\(e(description))</p>\n" }
        out += "</header>\n<nav><a href=\"#summary\">Summary</a> <a href=\"#diagram\">Diagram</a> <a href=\"#paths\">Attack paths</a> "
        out += "<a href=\"#components\">Threats by component</a> <a href=\"#roadmap\">Roadmap</a> <a href=\"#tracking\">Tracking</a> "
        out += "<a href=\"#rules\">Rules</a></nav>\n<main>\n"

        // Summary.
        out += "<section id=\"summary\"><h2>Summary</h2>\n<div class=\"cards\">\n"
        for s in Severity.allCases.reversed() {
            out += "<div class=\"card sev-\(s.rawValue)\"><span class=\"n\">\(report.openBySeverity[s] ?? 0)</span> open \(s.rawValue)</div>\n"
        }
        out += "</div>\n<table class=\"status\"><tr>"
        for s in FindingStatus.allCases { out += "<th>\(s.rawValue)</th>" }
        out += "</tr><tr>"
        for s in FindingStatus.allCases { out += "<td>\(report.countsByStatus[s] ?? 0)</td>" }
        out += "</tr></table>\n"
        out += "<div class=\"maturity\"><p><strong>Declared maturity:</strong> level \(m.declared) — \(e(m.declaredName))<br>"
        out += "<strong>Evidenced maturity:</strong> level \(m.evidenced) — \(e(m.evidencedName))</p>\n"
        if let next = m.next {
            out += "<p><strong>To evidence level \(next.level) (\(e(next.name))):</strong></p><ul>"
            if !next.missingPractices.isEmpty {
                out += "<li>declare the practices " + next.missingPractices.map { "<em>\(e($0.title))</em> (<code>\(e($0.id))</code>)" }.joined(separator: ", ") + "</li>"
            }
            if !next.blockingFindings.isEmpty {
                out += "<li>close \(next.blockingFindings.count) open finding\(next.blockingFindings.count == 1 ? "" : "s") expected at level \(next.level) or below; "
                out += "most need " + next.mostNeeded.map { "<em>\(e($0.control.title))</em> (\($0.count))" }.joined(separator: ", ")
                out += " (see the <a href=\"#roadmap\">roadmap</a>)</li>"
            }
            if next.missingPractices.isEmpty && next.blockingFindings.isEmpty { out += "<li>nothing: the model already evidences it</li>" }
            out += "</ul>"
        }
        out += "</div>\n"
        if !report.dataAssets.isEmpty {
            out += "<h3>Data assets</h3>\n<table><thead><tr><th>Data</th><th>Classification</th><th>Tags</th></tr></thead><tbody>\n"
            for d in report.dataAssets {
                out += "<tr><td>\(e(d.name)) <code>\(e(d.id))</code></td><td>\(e(d.classification))</td>"
                out += "<td>\(d.tags.map(e).joined(separator: ", "))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "</section>\n"

        // Diagram: fitted to the page; the zoom buttons are radio inputs and the frame scrolls, so
        // zooming and panning need no script.
        out += "<section id=\"diagram\"><h2>Data-flow diagram</h2>\n"
        if let diagram = report.diagram {
            out += "<figure class=\"zoomable\"><input type=\"radio\" name=\"zoom\" id=\"zoom-fit\" checked><label for=\"zoom-fit\">Fit to page</label>"
            out += "<input type=\"radio\" name=\"zoom\" id=\"zoom-150\"><label for=\"zoom-150\">150%</label>"
            out += "<input type=\"radio\" name=\"zoom\" id=\"zoom-250\"><label for=\"zoom-250\">250%</label>"
            out += "<input type=\"radio\" name=\"zoom\" id=\"zoom-400\"><label for=\"zoom-400\">400%</label>"
            out += "<span class=\"hint\">zoom in, then scroll or drag the scroll bars to pan</span>"
            out += "<div class=\"viewport\">\(diagram.svg)</div><figcaption>Nodes are coloured by their worst open threat; "
            out += "badges count open threats per severity and give the maturity level each component evidences (L1–L5). "
            out += "Dashed frames are trust boundaries; red flows cross a boundary unencrypted. Select a component to jump to its threats.</figcaption></figure>\n"
        } else {
            out += "<p>The diagram was not rendered.</p>\n"
        }
        out += "</section>\n"

        // Attack paths.
        out += "<section id=\"paths\"><h2>Attack paths</h2>\n"
        if report.attackPaths.isEmpty {
            out += "<p>No path of flows leads from an untrusted actor to confidential or secret data.</p>\n"
        } else {
            out += "<p>The \(report.attackPaths.count) most dangerous of \(report.attackPathCount) paths from an untrusted actor to confidential "
            out += "or secret data, hop by hop, with the weakest point on the way.</p>\n<ol class=\"paths\">\n"
            for p in report.attackPaths {
                out += "<li><strong>\(e(p.route))</strong>" + (p.data.isEmpty ? "" : " — reaches \(p.data.map(e).joined(separator: ", "))") + "<ul>"
                var from = p.sourceName
                for hop in p.hops {
                    var via = e(hop.flowName.isEmpty ? hop.flowID : hop.flowName)
                    if let proto = hop.protocolName { via += " · \(e(proto))" }
                    if !hop.encrypted { via += " · <strong class=\"expired\">unencrypted</strong>" }
                    out += "<li>\(e(from)) → \(e(hop.elementName)): \(via)</li>"
                    from = hop.elementName
                }
                if let w = p.weakest {
                    out += "<li>weakest point: <span class=\"badge sev-\(w.severity.rawValue)\">\(w.severity.rawValue)</span> \(componentLink(w))"
                    if let c = p.weakestControl { out += "; close with <em>\(e(c.title))</em> (<code>\(e(c.id))</code>, level \(c.level))" }
                    out += "</li>"
                }
                out += "</ul></li>\n"
            }
            out += "</ol>\n"
        }
        out += "</section>\n"

        // Components.
        out += "<section id=\"components\"><h2>Threats by component</h2>\n"
        for c in report.components {
            let anchor = Anchor.make(Self.componentAnchor, c.id)
            out += "<article class=\"component\" id=\"\(e(anchor))\"><h3>\(e(c.name)) <small>\(c.kind.rawValue) <code>\(e(c.id))</code>"
            if let zone = c.zone { out += " · in \(e(zone))" }
            if let level = c.evidencedLevel { out += " · evidenced level \(level)" }
            out += "</small></h3>\n"
            let shown = c.findings.filter { $0.status != .mitigated }
            let mitigated = c.findings.filter { $0.status == .mitigated }
            if !shown.isEmpty {
                out += "<table><thead><tr><th>Severity</th><th>Threat</th><th>STRIDE</th><th>Status</th><th>Level</th><th>CWE / CAPEC</th><th>Mitigations</th></tr></thead><tbody>\n"
                for f in shown { out += row(report.view(f)) }
                out += "</tbody></table>\n"
            }
            if !mitigated.isEmpty {
                out += "<details><summary>\(mitigated.count) mitigated threat\(mitigated.count == 1 ? "" : "s")</summary><ul>"
                for f in mitigated {
                    out += "<li>\(e(f.rule.title)) <code>\(e(f.id))</code> — mitigated by \(f.presentControls.map { "<code>\(e($0))</code>" }.joined(separator: ", "))\(f.tracking != nil ? " (tracked)" : "")</li>"
                }
                out += "</ul></details>\n"
            }
            out += "</article>\n"
        }
        out += "</section>\n"

        // Roadmap by maturity level.
        out += "<section id=\"roadmap\"><h2>Mitigation roadmap by maturity level</h2>\n"
        out += "<p class=\"meta\">Each open finding is listed under the control that closes it: of its rule's controls, the one of the "
        out += "lowest level above the level its component already evidences.</p>\n"
        for level in report.roadmap {
            let state = level.isGap ? "gap: your declared level says this should be in place" : "roadmap"
            out += "<h3>Level \(level.level): \(e(level.name)) <small>\(e(level.tagline)) · \(state)</small></h3>\n<ul>\n"
            if !level.practicesToDeclare.isEmpty {
                out += "<li>Declare the practices: " + level.practicesToDeclare.map { "\(e($0.title)) (<code>\(e($0.id))</code>)" }.joined(separator: "; ") + "</li>\n"
            }
            for (control, list) in level.controls {
                out += "<li><strong>\(e(control.title))</strong> (<code>\(e(control.id))</code>) closes \(list.count): "
                out += list.map(componentLink).joined(separator: ", ") + "</li>\n"
            }
            out += "</ul>\n"
        }
        out += "</section>\n"

        // Tracking.
        out += "<section id=\"tracking\"><h2>Tracking decisions</h2>\n"
        if report.tracking.isEmpty {
            out += "<p>The model records no tracking decisions.</p>\n"
        } else {
            out += "<table><thead><tr><th>Decision</th><th>Findings</th><th>Justification</th><th>Owner</th><th>Until</th><th>Matches</th></tr></thead><tbody>\n"
            for t in report.tracking {
                out += "<tr><td>\(t.entry.status.rawValue)</td><td><code>\(e(t.entry.pattern))</code></td><td>\(e(t.entry.justification))</td>"
                out += "<td>\(e(t.entry.owner ?? "—"))</td><td>\(e(t.entry.until ?? "—"))\(t.expired ? " <strong class=\"expired\">expired</strong>" : "")</td>"
                out += "<td>\(t.matches)</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "</section>\n"

        // Coverage: what no finding covers.
        let coverage = report.coverage
        out += "<section id=\"coverage\"><h2>Coverage</h2>\n"
        out += "<p>STRIDE per element: \(Int((coverage.coveredShare * 100).rounded(.down))) % of the (element, category) pairs expected of "
        out += "\(coverage.entitiesInScope) elements and flows in scope are covered by a finding (from a rule or written by a person, at any status). "
        out += "The categories below were not considered by any finding; review them by hand.</p>\n"
        if !coverage.entries.isEmpty {
            out += "<details><summary>\(coverage.entries.count) elements and flows with uncovered categories</summary>\n"
            out += "<table><thead><tr><th>Element</th><th>Kind</th><th>Uncovered</th><th>Why</th></tr></thead><tbody>\n"
            for entry in coverage.entries {
                for (i, gap) in entry.gaps.enumerated() {
                    out += "<tr><td>\(i == 0 ? "\(e(entry.name)) <code>\(e(entry.id))</code>" : "")</td><td>\(i == 0 ? entry.kind.rawValue : "")</td>"
                    out += "<td>\(gap.stride.rawValue)</td><td>\(e(gap.reason.text))</td></tr>\n"
                }
            }
            out += "</tbody></table></details>\n"
        }
        out += "</section>\n"

        // Rule appendix: the rules that fired.
        out += "<section id=\"rules\"><h2>Appendix: rules that fired</h2>\n"
        for r in report.rules {
            out += "<article class=\"rule\" id=\"rule-\(e(r.rule.id))\"><h3><code>\(e(r.rule.id))</code> \(e(r.rule.title))</h3>\n"
            out += "<p>\(e(r.rule.description))</p>\n<p><strong>STRIDE:</strong> \(r.rule.stride.map(\.rawValue).joined(separator: ", ")) · "
            out += "<strong>References:</strong> \(links(r.references))</p>\n"
            out += "<p><strong>False positive when:</strong> \(e(r.rule.falsePositive))</p>\n<ul>"
            for (control, text) in r.mitigations {
                out += "<li><code>\(e(control.id))</code> (level \(control.level)): \(e(text))</li>"
            }
            out += "</ul></article>\n"
        }
        out += "</section>\n</main>\n<footer>Generated by Moat \(e(toolVersion)) on \(e(a.options.asOf)).</footer>\n</body>\n</html>\n"
        return out
    }

    private func row(_ v: ReportModel.FindingView) -> String {
        let f = v.finding
        var out = "<tr class=\"\(f.isOpen ? "open" : "closed")\"><td><span class=\"badge sev-\(f.severity.rawValue)\">\(f.severity.rawValue)</span></td>"
        out += "<td><strong>\(e(f.rule.title))</strong><br><a href=\"#rule-\(e(f.rule.id))\"><code>\(e(f.id))</code></a></td>"
        out += "<td><abbr title=\"\(f.rule.stride.map(\.rawValue).joined(separator: ", "))\">\(f.rule.stride.map(\.letter).joined())</abbr></td>"
        var status = f.status.rawValue
        if let t = v.tracking { status += "<br><small>\(e(t))</small>" }
        out += "<td>\(status)</td><td>\(f.expectedLevel)</td><td>\(links(v.references))</td><td><ul>"
        for m in v.mitigations {
            let closes = m.control.id == v.closingControl?.id
            out += "<li\(closes ? " class=\"closes\"" : "")><code>\(e(m.control.id))</code> L\(m.control.level): \(e(m.text))</li>"
        }
        return out + "</ul></td></tr>\n"
    }

    static let css = """
        :root{--crit:#b71c1c;--high:#d84315;--med:#9a7400;--low:#1565c0;--ink:#1f2933;--muted:#52606d;--line:#d9e2ec}
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);background:#fff}
        header,main,footer,nav{max-width:1200px;margin:0 auto;padding:0 24px}header{padding-top:24px}
        h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;border-bottom:2px solid var(--line);padding-bottom:4px;margin-top:36px}
        h3{font-size:16px;margin:22px 0 8px}h3 small{font-weight:normal;color:var(--muted)}.meta{color:var(--muted);margin:0}
        nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding-top:8px;padding-bottom:8px;z-index:1}
        nav a{margin-right:16px;color:var(--low);text-decoration:none}a{color:var(--low)}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em}
        .cards{display:flex;gap:12px;flex-wrap:wrap}.card{border-radius:6px;padding:10px 16px;color:#fff;min-width:130px}.card .n{font-size:26px;font-weight:bold;margin-right:6px}
        .sev-critical{background:var(--crit)}.sev-high{background:var(--high)}.sev-medium{background:var(--med)}.sev-low{background:var(--low)}
        .badge{color:#fff;border-radius:4px;padding:1px 7px;font-size:12px;text-transform:uppercase;white-space:nowrap}
        table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
        th{background:#f5f7fa;font-size:13px}td ul{margin:0;padding-left:16px}table.status{width:auto}table.status td{text-align:center}
        tr.closed{color:var(--muted)}.maturity{background:#f5f7fa;border-radius:6px;padding:4px 16px;margin-top:12px}
        figure{margin:0;border:1px solid var(--line);border-radius:6px;padding-top:6px}
        figure input{position:absolute;opacity:0;width:1px;height:1px}
        figure label{display:inline-block;margin:0 0 6px 8px;padding:2px 10px;border:1px solid var(--line);border-radius:4px;font-size:13px;cursor:pointer}
        figure input:checked+label{background:var(--low);color:#fff;border-color:var(--low)}figure input:focus-visible+label{outline:2px solid var(--low)}
        .hint{color:var(--muted);font-size:12px;margin-left:10px}
        .viewport{overflow:auto;max-height:92vh;border-top:1px solid var(--line)}.viewport svg{display:block;width:100%;height:auto}
        #zoom-150:checked~.viewport svg{width:150%}#zoom-250:checked~.viewport svg{width:250%}#zoom-400:checked~.viewport svg{width:400%}
        ol.paths>li{margin-bottom:8px}li.closes{font-weight:600}
        figcaption{color:var(--muted);font-size:13px;padding:8px 12px;border-top:1px solid var(--line)}
        article.component{scroll-margin-top:48px}article.component:target h3{background:#fff6cc}
        details{margin:4px 0 12px;color:var(--muted)}.expired{color:var(--crit)}footer{color:var(--muted);font-size:13px;padding:24px}
        @page{size:landscape;margin:12mm}
        @media print{nav,figure input,figure label,.hint{display:none}body{font-size:9px;line-height:1.25}header,main,footer{max-width:none;padding:0}
        h1{font-size:18px}h2{font-size:14px;margin-top:14px;break-after:avoid}h3{font-size:11px;margin:8px 0 4px}
        th,td{padding:2px 4px}th{font-size:9px}.card{padding:4px 10px;min-width:90px}.card .n{font-size:16px}
        tr,figure,li{break-inside:avoid}a{color:inherit;text-decoration:none}.card,.badge,figure input:checked+label{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        #diagram{break-before:page;break-after:page}figure{border:none}.viewport{overflow:visible;max-height:none;border:none}
        .viewport svg,#zoom-150:checked~.viewport svg,#zoom-250:checked~.viewport svg,#zoom-400:checked~.viewport svg{width:auto;height:auto;max-width:100%;max-height:150mm;margin:0 auto}
        article.rule p{margin:2px 0}article.rule ul{margin:2px 0}#rules{columns:3;column-gap:14px;font-size:8px}#rules h2{column-span:all}
        details{display:block}details ul{margin:2px 0}}
        """
}

import MoatCore

/// The design-review pack as one self-contained HTML file: no scripts, no external requests,
/// inline CSS and the inline SVG diagram, readable on screen and printable to PDF.
public struct HTMLReportWriter: Sendable {
    public let toolVersion: String

    public init(toolVersion: String) { self.toolVersion = toolVersion }

    /// Anchor prefix of each component section; diagram nodes link here.
    public static let componentAnchor = "component-"

    private func e(_ s: String) -> String { HTMLText.escape(s) }

    /// The page. `diagramSVG` is Graphviz's SVG output (its XML prologue is dropped); nil leaves the diagram out.
    public func write(_ report: ReportModel, controls: [String: CompiledControl], diagramSVG: String?) -> String {
        let a = report.analysis
        let m = a.maturity
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
        out += "</header>\n<nav><a href=\"#summary\">Summary</a> <a href=\"#diagram\">Diagram</a> <a href=\"#components\">Threats by component</a> "
        out += "<a href=\"#roadmap\">Roadmap</a> <a href=\"#tracking\">Tracking</a> <a href=\"#rules\">Rules</a></nav>\n<main>\n"

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
        out += "<div class=\"maturity\"><p><strong>Declared maturity:</strong> level \(m.declared) — \(e(report.levelName(m.declared)))<br>"
        out += "<strong>Evidenced maturity:</strong> level \(m.evidenced) — \(e(report.levelName(m.evidenced)))</p>\n"
        if let next = m.nextLevel {
            out += "<p><strong>To evidence level \(next) (\(e(report.levelName(next)))):</strong></p><ul>"
            if !m.missingPractices.isEmpty {
                out += "<li>declare the practices " + m.missingPractices.map { "<em>\(e($0.title))</em> (<code>\(e($0.id))</code>)" }.joined(separator: ", ") + "</li>"
            }
            if !m.blockingFindings.isEmpty {
                out += "<li>close \(m.blockingFindings.count) open finding\(m.blockingFindings.count == 1 ? "" : "s") expected at level \(next) or below (see the <a href=\"#roadmap\">roadmap</a>)</li>"
            }
            if m.missingPractices.isEmpty && m.blockingFindings.isEmpty { out += "<li>nothing: the model already evidences it</li>" }
            out += "</ul>"
        }
        out += "</div>\n"
        if !a.model.data.isEmpty {
            out += "<h3>Data assets</h3>\n<table><thead><tr><th>Data</th><th>Classification</th><th>Tags</th></tr></thead><tbody>\n"
            let flags = report.vocabulary.dataTags
            for d in a.model.data {
                let tags = flags.filter { d.attributes.flag($0) }
                out += "<tr><td>\(e(d.name)) <code>\(e(d.id))</code></td><td>\(e(d.attributes.string(.classification) ?? "internal"))</td>"
                out += "<td>\(tags.joined(separator: ", "))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "</section>\n"

        // Diagram.
        out += "<section id=\"diagram\"><h2>Data-flow diagram</h2>\n"
        if let svg = diagramSVG {
            out += "<figure>\(Self.inlineSVG(svg))<figcaption>Nodes are coloured by their worst open threat; badges count open threats "
            out += "and give each component's evidenced maturity level. Dashed clusters are trust boundaries; red flows cross a boundary "
            out += "unencrypted. Select a component to jump to its threats.</figcaption></figure>\n"
        } else {
            out += "<p>The diagram was not rendered.</p>\n"
        }
        out += "</section>\n"

        // Components.
        out += "<section id=\"components\"><h2>Threats by component</h2>\n"
        for c in report.components {
            let anchor = Anchor.make(Self.componentAnchor, c.id)
            out += "<article class=\"component\" id=\"\(e(anchor))\"><h3>\(e(c.name)) <small>\(c.kind.rawValue) <code>\(e(c.id))</code>"
            if let level = c.evidencedLevel { out += " · evidenced level \(level)" }
            out += "</small></h3>\n"
            let shown = c.findings.filter { $0.status != .mitigated }
            let mitigated = c.findings.filter { $0.status == .mitigated }
            if !shown.isEmpty {
                out += "<table><thead><tr><th>Severity</th><th>Threat</th><th>STRIDE</th><th>Status</th><th>Level</th><th>CWE / CAPEC</th><th>Mitigations</th></tr></thead><tbody>\n"
                for f in shown { out += row(f, controls: controls) }
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
        let open = a.findings.filter(\.isOpen)
        for level in report.maturity.levels {
            let here = open.filter { $0.expectedLevel == level.level }
            let practices = level.practices.filter { !a.model.header.practices.contains($0.id) }
            guard !here.isEmpty || !practices.isEmpty else { continue }
            let state = level.level <= m.declared ? "gap: your declared level says this should be in place" : "roadmap"
            out += "<h3>Level \(level.level): \(e(level.name)) <small>\(e(level.tagline)) · \(state)</small></h3>\n<ul>\n"
            if !practices.isEmpty {
                out += "<li>Declare the practices: " + practices.map { "\(e($0.title)) (<code>\(e($0.id))</code>)" }.joined(separator: "; ") + "</li>\n"
            }
            var byControl: [String: [Finding]] = [:]
            for f in here {
                let control = f.rule.mitigations.map(\.control).filter { controls[$0]?.control.level == level.level }.first
                    ?? f.rule.mitigations.first?.control ?? "?"
                byControl[control, default: []].append(f)
            }
            for (control, list) in byControl.sorted(by: { ($1.value.count, $0.key) < ($0.value.count, $1.key) }) {
                let title = controls[control]?.control.title ?? control
                out += "<li><strong>\(e(title))</strong> (<code>\(e(control))</code>) closes \(list.count): "
                out += list.map { "<a href=\"#\(e(Anchor.make(Self.componentAnchor, $0.elementID)))\"><code>\(e($0.id))</code></a>" }.joined(separator: ", ")
                out += "</li>\n"
            }
            out += "</ul>\n"
        }
        out += "</section>\n"

        // Tracking.
        out += "<section id=\"tracking\"><h2>Tracking decisions</h2>\n"
        if a.model.tracking.isEmpty {
            out += "<p>The model records no tracking decisions.</p>\n"
        } else {
            out += "<table><thead><tr><th>Decision</th><th>Findings</th><th>Justification</th><th>Owner</th><th>Until</th><th>Matches</th></tr></thead><tbody>\n"
            for t in a.model.tracking {
                let matches = a.findings.filter { $0.tracking == t }
                let expired = matches.contains(where: \.trackingExpired)
                out += "<tr><td>\(t.status.rawValue)</td><td><code>\(e(t.pattern))</code></td><td>\(e(t.justification))</td>"
                out += "<td>\(e(t.owner ?? "—"))</td><td>\(e(t.until ?? "—"))\(expired ? " <strong class=\"expired\">expired</strong>" : "")</td>"
                out += "<td>\(matches.count)</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "</section>\n"

        // Rule appendix: the rules that fired.
        out += "<section id=\"rules\"><h2>Appendix: rules that fired</h2>\n"
        var seen: Set<String> = []
        for f in a.findings.sorted(by: { $0.rule.id < $1.rule.id }) where seen.insert(f.rule.id).inserted {
            let r = f.rule
            out += "<article class=\"rule\" id=\"rule-\(e(r.id))\"><h3><code>\(e(r.id))</code> \(e(r.title))</h3>\n"
            out += "<p>\(e(r.description))</p>\n<p><strong>STRIDE:</strong> \(r.stride.map(\.rawValue).joined(separator: ", ")) · "
            out += "<strong>References:</strong> \(references(r))</p>\n"
            out += "<p><strong>False positive when:</strong> \(e(r.falsePositive))</p>\n<ul>"
            for mitigation in r.mitigations {
                out += "<li><code>\(e(mitigation.control))</code> (level \(controls[mitigation.control]?.control.level ?? 0)): \(e(mitigation.text))</li>"
            }
            out += "</ul></article>\n"
        }
        out += "</section>\n</main>\n<footer>Generated by Moat \(e(toolVersion)) on \(e(a.options.asOf)).</footer>\n</body>\n</html>\n"
        return out
    }

    private func references(_ r: Rule) -> String {
        (r.cwe.map { "<a href=\"https://cwe.mitre.org/data/definitions/\($0).html\">CWE-\($0)</a>" }
            + r.capec.map { "<a href=\"https://capec.mitre.org/data/definitions/\($0).html\">CAPEC-\($0)</a>" }).joined(separator: " ")
    }

    private func row(_ f: Finding, controls: [String: CompiledControl]) -> String {
        var out = "<tr class=\"\(f.isOpen ? "open" : "closed")\"><td><span class=\"badge sev-\(f.severity.rawValue)\">\(f.severity.rawValue)</span></td>"
        out += "<td><strong>\(e(f.rule.title))</strong><br><a href=\"#rule-\(e(f.rule.id))\"><code>\(e(f.id))</code></a></td>"
        out += "<td><abbr title=\"\(f.rule.stride.map(\.rawValue).joined(separator: ", "))\">\(f.rule.stride.map(\.letter).joined())</abbr></td>"
        var status = f.status.rawValue
        if let t = f.tracking { status += "<br><small>\(f.trackingExpired ? "expired " : "")\(e(t.status.rawValue)): \(e(t.justification))\(t.owner.map { " — \(e($0))" } ?? "")</small>" }
        out += "<td>\(status)</td><td>\(f.expectedLevel)</td><td>\(references(f.rule))</td><td><ul>"
        for m in f.rule.mitigations {
            out += "<li><code>\(e(m.control))</code> L\(controls[m.control]?.control.level ?? 0): \(e(m.text))</li>"
        }
        return out + "</ul></td></tr>\n"
    }

    /// Graphviz's SVG without its XML declaration, DOCTYPE and comments, ready to inline.
    static func inlineSVG(_ svg: String) -> String {
        guard let start = svg.range(of: "<svg") else { return "" }
        return String(svg[start.lowerBound...])
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
        figure{margin:0;overflow:auto;border:1px solid var(--line);border-radius:6px}figure svg{width:max(100%,1600px);height:auto;display:block}
        figcaption{color:var(--muted);font-size:13px;padding:8px 12px;border-top:1px solid var(--line)}
        article.component{scroll-margin-top:48px}article.component:target h3{background:#fff6cc}
        details{margin:4px 0 12px;color:var(--muted)}.expired{color:var(--crit)}footer{color:var(--muted);font-size:13px;padding:24px}
        @page{size:A4 landscape;margin:12mm}
        @media print{nav{display:none}body{font-size:11px}header,main,footer{max-width:none;padding:0}h2{break-after:avoid}
        article,tr,figure{break-inside:avoid}a{color:inherit;text-decoration:none}.card,.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        details{display:block}figure{border:none;overflow:visible}figure svg{width:100%}}
        """
}

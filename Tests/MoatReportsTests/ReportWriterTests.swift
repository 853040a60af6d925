import Foundation
import TestSupport
import MoatCore
import Testing
@testable import MoatReports

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
private let hostilePath = root.appendingPathComponent("Tests/Fixtures/hostile.moat").path

private func report(_ path: String) throws -> (ReportModel, Catalogue) {
    let catalogue = try Catalogue.builtIn.get()
    let result = ModelLoader(catalogue: catalogue).load(path: path)
    let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
    let analysis = Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-11-29"))
    return (ReportModel(analysis, catalogue: catalogue, includeMitigated: true), catalogue)
}

/// Every piece of user text in the hostile fixture.
private func userTexts(_ model: Model) -> [String] {
    [model.header.name, model.header.owner ?? "", model.header.attributes.string("description") ?? ""]
        + model.elements.map(\.name) + model.flows.map(\.name) + model.boundaries.map(\.name) + model.data.map(\.name)
}

@Suite("Review pack and CI writers escape user text")
struct ReportWriterTests {
    @Test("HTML: hostile labels are escaped, the page is self-contained and has every section")
    func html() throws {
        var (model, _) = try report(hostilePath)
        model.diagram = ReportModel.Diagram(svg: "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>")
        let html = HTMLReportWriter(toolVersion: "test").write(model)
        #expect(!html.contains("<script"), "no script, from the page or from a label")
        #expect(!html.contains("<img"), "a label became markup")
        #expect(!html.contains("<br/>"), "a label became markup")
        for text in userTexts(model.analysis.model) where !text.isEmpty {
            #expect(html.contains(HTMLText.escape(text)), "'\(text)' is not in the page, escaped")
        }
        // Self-contained: nothing is fetched.
        for external in ["<link", "src=\"http", "@import", "url("] { #expect(!html.contains(external), "\(external)") }
        for section in ["summary", "diagram", "components", "roadmap", "tracking", "rules"] {
            #expect(html.contains("<section id=\"\(section)\""), "missing section \(section)")
        }
        #expect(html.contains("@media print"))
    }

    @Test("HTML: each component's section has the anchor its diagram node links to")
    func anchors() throws {
        let (model, _) = try report(root.appendingPathComponent("Samples/online-shop.moat").path)
        let html = HTMLReportWriter(toolVersion: "test").write(model)
        for c in model.components {
            #expect(html.contains("id=\"\(Anchor.make(HTMLReportWriter.componentAnchor, c.id))\""), "\(c.id)")
        }
        // CWE and CAPEC link to their catalogue pages.
        #expect(html.contains("https://cwe.mitre.org/data/definitions/89.html"))
    }

    @Test("HTML escaping of the five special characters")
    func htmlText() {
        #expect(HTMLText.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTMLText.escape("bell\u{7}") == "bell")
    }

    @Test("Markdown: hostile labels cannot add markup, tables or links")
    func markdown() throws {
        var (model, _) = try report(hostilePath)
        model.diagram = ReportModel.Diagram(svg: "<svg></svg>", file: "review (1).svg")
        let md = MarkdownReportWriter(full: true).write(model)
        #expect(md.contains("![Annotated data-flow diagram](review%20%281%29.svg)"), "the diagram beside the file is embedded")
        #expect(!md.contains("<script"))
        #expect(!md.contains("<img"))
        #expect(!md.contains("[x](y)"), "a label became a link")
        #expect(!md.contains("*bold*"), "a label became emphasis")
        // Every table row has exactly as many unescaped cell separators as its table's header.
        var header: Int?
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("| ") else { header = nil; continue }
            let unescaped = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            if let header { #expect(unescaped == header, "a label split a table row: \(line)") } else { header = unescaped }
        }
    }

    @Test("CSV: no cell starts a formula, quotes are doubled")
    func csv() throws {
        let (model, _) = try report(hostilePath)
        let csv = CSVReportWriter().write(model)
        for line in csv.split(separator: "\r\n") {
            var cells: [String] = [], cell = "", quoted = false
            for ch in line {
                if ch == "\"" { quoted.toggle(); cell.append(ch) } else if ch == "," && !quoted { cells.append(cell); cell = "" } else { cell.append(ch) }
            }
            cells.append(cell)
            for c in cells {
                let inner = c.hasPrefix("\"") ? String(c.dropFirst()) : c
                #expect(!["=", "+", "-", "@"].contains(inner.first.map(String.init) ?? ""), "formula cell \(c)")
            }
        }
        // The hostile names are there, defused.
        #expect(csv.contains("\"'+cmd|' /C calc'!A0\""))
        #expect(csv.contains("\"'@SUM(A1)"))
    }

    @Test("SARIF validates against the 2.1.0 schema, with stable fingerprints and mapped levels")
    func sarif() throws {
        let (model, _) = try report(root.appendingPathComponent("Samples/online-shop.moat").path)
        let text = SARIFWriter(toolVersion: "1.0.0", baseline: Baseline(findingIDs: ["sql-injection@orders-db"])).write([model.analysis])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-\(UUID().uuidString).sarif")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let schema = root.deletingLastPathComponent().appendingPathComponent("shared/schemas/sarif-schema-2.1.0.json").path
        let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", "-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
            url.path, schema,
        ])
        #expect(outcome.status == 0, "SARIF does not validate: \(outcome.stderr.suffix(2000))")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let run = try #require((json["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        let expected = model.analysis.findings.filter { $0.status != .mitigated }
        #expect(results.count == expected.count)
        for (result, finding) in zip(results, expected) {
            #expect((result["partialFingerprints"] as? [String: String])?["moatFindingId/v1"] == finding.id)
            #expect(result["level"] as? String == SARIFWriter.level(finding.severity))
            let region = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Any]
            #expect((region?["startLine"] as? Int) == finding.range?.start.line)
            #expect((result["baselineState"] as? String) == (finding.id == "sql-injection@orders-db" ? "unchanged" : "new"))
        }
        let tracked = results.filter { $0["suppressions"] != nil }.count
        #expect(tracked == expected.filter { !$0.isOpen }.count)
        // Same input, same document.
        #expect(text == SARIFWriter(toolVersion: "1.0.0", baseline: Baseline(findingIDs: ["sql-injection@orders-db"])).write([model.analysis]))
    }

    @Test("baselines round-trip and reject what is not a baseline")
    func baseline() throws {
        let b = Baseline(findingIDs: ["b@x", "a@y"])
        #expect(try Baseline.read(Array(b.json().utf8), path: "b.json") == b)
        #expect(b.json().contains("\"a@y\", \"b@x\""), "ids are sorted")
        #expect(throws: Baseline.ReadError.self) { try Baseline.read(Array("[1,2]".utf8), path: "x") }
        #expect(throws: Baseline.ReadError.self) { try Baseline.read(Array("{\"version\":2,\"findings\":[]}".utf8), path: "x") }
    }
}

/// Finding id → control id, read from roadmap lines of the form `… (control) closes N: id, id`.
private func roadmapControls(_ text: String, control: String, finding: String) throws -> [String: String] {
    var result: [String: String] = [:]
    let controlPattern = try Regex(control)
    let findingPattern = try Regex(finding)
    for line in text.split(separator: "\n") where line.contains(" closes ") {
        guard let c = line.firstMatch(of: controlPattern)?.output[1].substring else { continue }
        let list = line[line.range(of: " closes ")!.upperBound...]
        for m in list.matches(of: findingPattern) {
            if let id = m.output[1].substring { result[String(id).replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&lt;", with: "<")] = String(c) }
        }
    }
    return result
}

@Suite("One view model: every writer shows what ReportModel decided")
struct ReportModelTests {
    static let samples = ["online-shop", "mobile-banking", "iot-fleet", "hospital-records"]

    @Test("the control that closes a finding is the same in the HTML roadmap, the Markdown roadmap and the table's summary",
          arguments: samples)
    func oneClosingControl(_ name: String) throws {
        let (model, catalogue) = try report(root.appendingPathComponent("Samples/\(name).moat").path)
        let components = model.analysis.maturity.components
        var expected: [String: String] = [:]
        for f in model.analysis.findings where f.isOpen {
            expected[f.id] = ReportModel.closingControl(f, evidenced: components[f.elementID] ?? 0, controls: catalogue.controls)
        }
        #expect(!expected.isEmpty)
        let html = HTMLReportWriter(toolVersion: "test").write(model)
        let md = MarkdownReportWriter(full: true).write(model)
        let fromHTML = try roadmapControls(html, control: #"\(<code>([^<]+)</code>\) closes"#, finding: #"<code>([^<]+)</code></a>"#)
        let fromMarkdown = try roadmapControls(md, control: #"\(`([^`]+)`\) closes"#, finding: #"`([^`]+)`"#)
        #expect(fromHTML == expected, "HTML roadmap: \(fromHTML.filter { expected[$0.key] != $0.value }) missing \(expected.keys.filter { fromHTML[$0] == nil })")
        #expect(fromMarkdown == expected, "Markdown roadmap")
        // The table's "most need" counts the blocking findings by the same control.
        let table = TableWriter().write(model)
        var counts: [String: Int] = [:]
        // A written threat that names no control has no closing control: it blocks, but no control closes it.
        for f in model.analysis.maturity.blockingFindings { if let c = expected[f.id] { counts[c, default: 0] += 1 } }
        let top = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        if !counts.isEmpty { #expect(table.contains("most need: \(top)\n"), "\(table.split(separator: "\n").suffix(3))") }
    }

    @Test("the closing control is the lowest level above the component's evidence, the rule's first among equals")
    func closingControlRule() throws {
        let (model, catalogue) = try report(root.appendingPathComponent("Samples/online-shop.moat").path)
        for f in model.analysis.findings where f.isOpen {
            let evidenced = model.analysis.maturity.components[f.elementID] ?? 0
            let chosen = try #require(ReportModel.closingControl(f, evidenced: evidenced, controls: catalogue.controls))
            let level = catalogue.controls[chosen]!.control.level
            let candidates = f.rule.mitigations.map(\.control).filter { !f.presentControls.contains($0) }
            #expect(level > evidenced || !candidates.contains { catalogue.controls[$0]!.control.level > evidenced })
            for c in candidates where catalogue.controls[c]!.control.level > evidenced {
                #expect(catalogue.controls[c]!.control.level >= level, "\(f.id): \(c) is lower than \(chosen)")
            }
            let first = candidates.first { catalogue.controls[$0]!.control.level == level }
            #expect(first == chosen, "\(f.id): the rule lists \(first ?? "-") first at level \(level)")
        }
        // Closed findings have no closing control.
        for f in model.analysis.findings where !f.isOpen {
            #expect(ReportModel.closingControl(f, evidenced: 0, controls: catalogue.controls) == nil)
        }
    }

    @Test("attack paths are listed hop by hop with their weakest point in the table, Markdown and HTML")
    func attackPaths() throws {
        let (model, _) = try report(root.appendingPathComponent("Samples/online-shop.moat").path)
        let paths = model.attackPaths
        #expect(!paths.isEmpty && paths.count <= ReportModel.attackPathLimit)
        // Most dangerous first: the weakest points never get worse down the list.
        let ranks = paths.map { $0.weakest?.severity.rank ?? -1 }
        #expect(ranks == ranks.sorted(by: >))
        let first = paths[0]
        #expect(first.hops.count >= 1 && first.route.hasPrefix(first.sourceName))
        let table = TableWriter().write(model), md = MarkdownReportWriter().write(model)
        let html = HTMLReportWriter(toolVersion: "test").write(model)
        #expect(table.contains("Attack paths (\(paths.count) of \(model.attackPathCount)"))
        #expect(table.contains("  1. \(first.route)"))
        #expect(md.contains("## Attack paths"))
        #expect(html.contains("<section id=\"paths\">"))
        if let w = first.weakest {
            #expect(table.contains("weakest: \(w.severity.rawValue) \(w.id)"))
            #expect(html.contains(HTMLText.escape(w.id)))
        }
        for hop in first.hops { #expect(table.contains("→ \(hop.elementName)")) }
    }

    @Test("data assets come with their tags; tracking decisions with their matches; rules with their links")
    func sections() throws {
        let (model, catalogue) = try report(root.appendingPathComponent("Samples/online-shop.moat").path)
        #expect(model.dataAssets.count == model.analysis.model.data.count)
        for d in model.dataAssets { for tag in d.tags { #expect(catalogue.vocabulary.dataTags.contains(tag)) } }
        #expect(model.dataAssets.contains { !$0.tags.isEmpty })
        let md = MarkdownReportWriter(full: true).write(model)
        #expect(md.contains("## Data assets"))
        for d in model.dataAssets where !d.tags.isEmpty { #expect(md.contains(d.tags.map(MarkdownText.escape).joined(separator: ", "))) }
        for t in model.tracking {
            #expect(t.matches == model.analysis.findings.filter { $0.tracking == t.entry }.count)
        }
        #expect(Set(model.rules.map(\.rule.id)) == Set(model.analysis.findings.map(\.rule.id)))
        #expect(model.rules.map(\.rule.id) == model.rules.map(\.rule.id).sorted())
        let sql = try #require(model.rules.first { $0.rule.cwe.contains(89) })
        #expect(sql.references.contains(ReportModel.Reference(label: "CWE-89", url: "https://cwe.mitre.org/data/definitions/89.html")))
    }

    @Test("JSON: more findings than one block of the streamed report, each once, whole and in the analysis's order")
    func jsonAcrossBlocks() throws {
        // The writer streams findings in blocks of 4,096 (four chunks of 1,024, filled side by side), writing one
        // block out while it fills the next into a second set of buffers.
        let catalogue = try Catalogue.builtIn.get()
        var text = "actor visitor\n"
        for i in 0..<1_200 {  // 11 findings each
            text += "process app\(i)\ndatastore db\(i) { type sql }\nvisitor -> app\(i) { protocol https }\n"
                + "app\(i) -> db\(i) { protocol postgres-tls }\n"
        }
        let result = ModelLoader(catalogue: catalogue).load(text: text)
        let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-11-29"))
        #expect(analysis.findings.count > 8_192 + 4_096)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONReportWriter().bytes(analysis))) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as? String } == analysis.findings.map(\.id))
        #expect(findings.map { $0["severity"] as? String } == analysis.findings.map(\.severity.rawValue))
        #expect(findings.map { $0["status"] as? String } == analysis.findings.map(\.status.rawValue))
        #expect(findings.map { $0["elementKind"] as? String } == analysis.findings.map(\.elementKind.rawValue))
    }

    @Test("JSON: a member with an enum's value, written once per case, is its key then the case's name as a string")
    func enumMembers() {
        func written<Value>(_ member: JSONReportWriter.EnumMember<Value>, _ value: Value) -> String {
            var out = JSONOutput(pretty: false)
            member.write(value, into: &out)
            return out.text
        }
        for kind in ElementKind.allCases {
            #expect(written(JSONReportWriter.elementKindMember, kind) == ",\"elementKind\":\"\(kind.rawValue)\"")
        }
        for severity in Severity.allCases {
            #expect(written(JSONReportWriter.severityMember, severity) == ",\"severity\":\"\(severity.rawValue)\"")
        }
        for status in FindingStatus.allCases {
            #expect(written(JSONReportWriter.statusMember, status) == ",\"status\":\"\(status.rawValue)\"")
        }
    }

    @Test("every format renders the one model through ReportWriter")
    func writers() throws {
        let (model, _) = try report(root.appendingPathComponent("Samples/moat.moat").path)
        let writers: [any ReportWriter] = [TableWriter(), MarkdownReportWriter(), MarkdownReportWriter(full: true), CSVReportWriter(),
                                           JSONReportWriter(), SARIFWriter(toolVersion: "test"), HTMLReportWriter(toolVersion: "test")]
        for w in writers {
            let text = w.write(model)
            #expect(!text.isEmpty, "\(type(of: w))")
            #expect(text == w.write(model), "\(type(of: w)) is deterministic")
        }
    }
}

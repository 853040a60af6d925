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
        let (model, catalogue) = try report(hostilePath)
        let html = HTMLReportWriter(toolVersion: "test").write(model, controls: catalogue.controls,
                                                              diagramSVG: "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>")
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
        let (model, catalogue) = try report(root.appendingPathComponent("Samples/online-shop.moat").path)
        let html = HTMLReportWriter(toolVersion: "test").write(model, controls: catalogue.controls, diagramSVG: nil)
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
        let (model, catalogue) = try report(hostilePath)
        let md = MarkdownReportWriter(full: true, controls: catalogue.controls).write(model)
        #expect(!md.contains("<script"))
        #expect(!md.contains("<img"))
        #expect(!md.contains("[x](y)"), "a label became a link")
        #expect(!md.contains("*bold*"), "a label became emphasis")
        // Every table row has exactly as many unescaped cell separators as the header.
        for line in md.split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| ---") {
            let unescaped = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(unescaped == 7 || unescaped == 6, "a label split a table row: \(line)")
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

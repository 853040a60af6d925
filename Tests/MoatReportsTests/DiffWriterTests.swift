import Foundation
import Testing
import MoatCore
@testable import MoatReports

/// Two versions of a small model; the new one renames elements to hostile labels and opens threats.
private let oldText = (try? String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/diff-shop.moat"), encoding: .utf8)) ?? ""

/// Names that try to break out of a table cell, a list item, a code span or the HTML around it.
private let hostileNames = [
    "Store | front",
    "<script>alert(1)</script>",
    "`rm -rf /` ``x``",
    "line one\nline two",
    "</details><img src=x onerror=alert(1)>",
    "| --- | --- |",
    "- [ ] *bold* _it_ [link](javascript:alert(1))",
]

private func analysis(_ model: Model) throws -> Analysis {
    Analyzer(catalogue: try Catalogue.builtIn.get()).analyze(model, options: AnalysisOptions(asOf: "2026-01-01"))
}

private func load(_ text: String) throws -> Model {
    let result = ModelLoader(catalogue: try Catalogue.builtIn.get()).load(text: text, path: "model.moat")
    return try #require(result.model, "\(result.diagnostics.map(\.message))")
}

/// The base model against one where `web` and `db` carry a hostile name, `db` is exposed and unencrypted,
/// and the model header has a hostile description.
private func hostileReport(_ name: String) throws -> DiffReport {
    var newText = oldText.replacingOccurrences(of: "stores customer; encrypted-at-rest", with: "stores customer; internet-facing")
    newText = newText.replacingOccurrences(of: "model \"Shop\" { maturity 2 }", with: "model \"Shop\" { maturity 2; description \"x\" }")
    newText += "\naccept missing-backups@db \"x\" owner \"y\"\n"
    var new = try load(newText)
    // Set the names on the resolved model, so that any character reaches the writers (even ones the
    // language would not let through a string literal).
    for i in new.elements.indices where ["web", "db"].contains(new.elements[i].id) { new.elements[i].name = name }
    new.header.name = name
    new.header.attributes.set(Attribute(name: "description", value: .string(name)))
    new.tracking[0].justification = name
    new.tracking[0].owner = name
    return DiffReport(old: .init(label: "old.moat", analysis: try analysis(try load(oldText))),
                      new: .init(label: name, analysis: try analysis(new)))
}

/// `|` characters not escaped with a backslash.
private func unescapedPipes(_ line: String) -> Int {
    var count = 0
    var previous: Character = " "
    for c in line {
        if c == "|" && previous != "\\" { count += 1 }
        previous = c == "\\" && previous == "\\" ? " " : c
    }
    return count
}

@Suite("Diff writers")
struct DiffWriterTests {
    @Test("Markdown: hostile names stay inside their cell or list item", arguments: hostileNames)
    func markdownEscapesHostileNames(_ name: String) throws {
        let report = try hostileReport(name)
        let md = DiffMarkdownWriter().write(report)
        #expect(!md.contains("<script"), "\(md)")
        #expect(!md.contains("<img"), "\(md)")
        #expect(!md.contains("</details><"), "\(md)")
        #expect(!md.contains("line one\nline two"))
        var tableLines = 0
        for line in md.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            // Every line is structure written by the writer, never the start of user text.
            let structural = line.isEmpty || line.hasPrefix("### Threat model diff: ") || line.hasPrefix("#### ")
                || line.hasPrefix("| ") || line.hasPrefix("- **") || line.hasPrefix("**") || line.contains(" → ")
                || ["<details>", "</details>"].contains(line) || line.hasPrefix("<summary>")
            #expect(structural, "unexpected line: \(line)")
            if line.hasPrefix("| ") {
                tableLines += 1
                #expect(unescapedPipes(line) == 6, "a cell broke out: \(line)")
            }
            if line.hasPrefix("- **") {
                // Backticks pair up: user backticks are escaped, so code spans cannot swallow the line.
                let bare = line.replacingOccurrences(of: "\\`", with: "")
                #expect(bare.filter { $0 == "`" }.count % 2 == 0, "unbalanced code span: \(line)")
            }
        }
        #expect(tableLines >= 3, "a header, a separator and at least one row")
        #expect(md.contains("**changed** process `web` "))
        #expect(md.contains("**added** tracking `accept` `missing-backups@db`"))
    }

    @Test func markdownSummaryAndTable() throws {
        let report = try hostileReport("Orders DB")
        let md = DiffMarkdownWriter().write(report)
        let summary = try #require(md.split(separator: "\n").first { $0.hasPrefix("**") })
        #expect(summary.hasPrefix("**"))
        #expect(summary.contains(" new threats ("), "\(summary)")
        #expect(summary.contains("model: "), "\(summary)")
        #expect(md.contains("| Change | Severity | Status | Finding | Threat |"))
        #expect(md.contains("| **new** | critical | gap | `public-datastore@db` |"), "\(md)")
        #expect(md.contains("| **reopened** |"))
        #expect(md.contains("-`encrypted-at-rest`; +`internet-facing`"))
    }

    @Test func markdownFoldsLongSections() throws {
        let report = try hostileReport("Orders DB")
        let folded = DiffMarkdownWriter(foldAbove: 1).write(report)
        #expect(folded.contains("<details>\n<summary>Threat changes ("))
        #expect(folded.contains("<details>\n<summary>Model changes ("))
        #expect(folded.components(separatedBy: "<details>").count == folded.components(separatedBy: "</details>").count)
        let open = DiffMarkdownWriter(foldAbove: 100).write(report)
        #expect(!open.contains("<details>"))
        #expect(open.contains("#### Threat changes ("))
    }

    @Test("JSON: parses, and hostile names come back unchanged", arguments: hostileNames)
    func jsonParses(_ name: String) throws {
        let report = try hostileReport(name)
        let text = DiffJSONWriter().write(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Array(object.keys).sorted() == ["findings", "model", "new", "old", "summary"])
        let new = try #require(object["new"] as? [String: Any])
        #expect(new["label"] as? String == name)
        #expect(new["model"] as? String == name)
        let model = try #require(object["model"] as? [String: Any])
        let elements = try #require(model["elements"] as? [[String: Any]])
        let web = try #require(elements.first { $0["id"] as? String == "web" })
        #expect(web["name"] as? String == name)
        #expect(web["change"] as? String == "changed")
        let changes = try #require(web["changes"] as? [[String: Any]])
        #expect(changes.first?["type"] as? String == "renamed")
        #expect(changes.first?["new"] as? String == name)
        let findings = try #require(object["findings"] as? [String: Any])
        let added = try #require(findings["new"] as? [[String: Any]])
        #expect(added.contains { $0["id"] as? String == "public-datastore@db" && $0["elementName"] as? String == name })
        let summary = try #require(object["summary"] as? [String: Any])
        #expect((summary["opened"] as? Int ?? 0) > 0)
        // Keys come in a fixed order.
        #expect(text.hasPrefix("{\n  \"old\": {\n    \"label\": \"old.moat\","))
    }

    @Test func textHasNoControlCharacters() throws {
        let report = try hostileReport("evil\u{1B}[31mred\u{7}\rback\nline")
        let text = DiffTextWriter().write(report)
        #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }, "\(text)")
        #expect(text.contains("evil [31mred  back line"))
        #expect(text.contains("\nThreats\n"))
        #expect(text.contains("  new       CRIT      gap             public-datastore@db\n"), "\(text)")
        #expect(text.contains("      -encrypted-at-rest\n      +internet-facing\n"))
    }

    @Test func identicalModelsSayNothingChanged() throws {
        let a = try analysis(try load(oldText)), b = try analysis(try load(oldText))
        let report = DiffReport(old: .init(label: "a.moat", analysis: a), new: .init(label: "b.moat", analysis: b))
        #expect(report.threatRows.isEmpty && report.otherRows.isEmpty && report.model.isEmpty)
        #expect(DiffTextWriter().write(report) == """
            Shop: a.moat → b.moat
              threats: no change in open threats
              model: no model changes

            """)
        #expect(DiffMarkdownWriter().write(report) == """
            ### Threat model diff: Shop

            a\\.moat → b\\.moat

            **No change in open threats** · model: no model changes

            """)
    }

    @Test func outputIsDeterministic() throws {
        let first = try hostileReport("Orders DB"), second = try hostileReport("Orders DB")
        #expect(DiffTextWriter().write(first) == DiffTextWriter().write(second))
        #expect(DiffMarkdownWriter().write(first) == DiffMarkdownWriter().write(second))
        #expect(DiffJSONWriter().write(first) == DiffJSONWriter().write(second))
    }
}

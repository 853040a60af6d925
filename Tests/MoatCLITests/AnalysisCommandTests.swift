import Foundation
import Testing

/// `moat analyze`, `explain` and `rules`, run as processes.
@Suite("Analysis commands")
struct AnalysisCommandTests {
    let sample = packageRoot.appendingPathComponent("Samples/online-shop.moat").path

    @Test("analyze: table, Markdown, JSON and CSV carry the same findings")
    func formats() throws {
        let json = try moat(["analyze", sample, "--format", "json", "--as-of", "2026-11-29"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let maturity = try #require(object["maturity"] as? [String: Any])
        #expect(maturity["declared"] as? Int == 3)
        #expect(findings.count > 100)
        for key in ["id", "rule", "title", "element", "stride", "severity", "likelihood", "impact", "status", "expectedLevel",
                    "cwe", "capec", "mitigations", "line"] {
            #expect(findings.allSatisfy { $0[key] != nil }, "missing \(key)")
        }
        let csv = try moat(["analyze", sample, "--format", "csv", "--as-of", "2026-11-29"])
        #expect(csv.stdout.split(separator: "\r\n").count == findings.count + 1)
        let table = try moat(["analyze", sample, "--as-of", "2026-11-29"])
        #expect(table.stdout.hasPrefix("Online shop: \(findings.count) findings"))
        #expect(table.stdout.contains("Summary\n") && table.stdout.contains("maturity: declared 3"))
        let markdown = try moat(["analyze", sample, "--format", "markdown", "--as-of", "2026-11-29"])
        #expect(markdown.stdout.hasPrefix("# Threat model: Online shop"))
    }

    @Test("analyze --level re-evaluates against another declared level")
    func level() throws {
        let at5 = try moat(["analyze", sample, "--level", "5", "--format", "json", "--as-of", "2026-11-29"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(at5.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(!findings.contains { $0["status"] as? String == "roadmap" }, "nothing is above level 5")
        #expect(try moat(["analyze", sample, "--level", "9"]).status == 2)
    }

    @Test("explain prints the condition's values and the severity computation")
    func explain() throws {
        let run = try moat(["explain", "sql-injection@orders-db", sample, "--as-of", "2026-11-29"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("condition: "))
        #expect(run.stdout.contains("severity:"))
        let typo = try moat(["explain", "sql-injection@orders-bd", sample])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean 'orders-db'?"))
    }

    @Test("--coverage lists, per element and flow, the STRIDE categories no finding covers and why")
    func coverage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-cli-coverage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.moat")
        // A file store read over a local file by an internal job: nothing threatens spoofing of an actor that
        // does not exist, and no rule fires on the quiet store for denial of service.
        try """
            actor ops "Operator" { type admin }
            process job "Nightly job"
            datastore files "Shared files" { type file }
            job -> files { protocol file }
            ops -> job { protocol ssh }
            """.write(to: model, atomically: true, encoding: .utf8)
        let table = try moat(["analyze", model.path, "--coverage"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("(element, STRIDE) pairs covered by a finding, 5 elements and flows in scope"), "\(table.stdout)")
        #expect(table.stdout.contains("\nfiles (datastore \"Shared files\")\n"))
        let json = try moat(["analyze", model.path, "--coverage", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["uncovered"] as? [[String: Any]])
        #expect(object["pairsExpected"] as? Int == 2 + 6 + 4 + 3 + 3)
        #expect(rows.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
        #expect(!rows.contains { $0["id"] as? String == "files" && $0["stride"] as? String == "spoofing" })
        // The review pack has the section.
        let html = dir.appendingPathComponent("r.md")
        #expect(try moat(["report", model.path, "-o", html.path]).status == 0)
        #expect(try String(contentsOf: html, encoding: .utf8).contains("\n## Coverage\n"))
    }

    @Test("rules list, show and test")
    func rules() throws {
        let list = try moat(["rules", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("134 rules; spoofing"))
        let show = try moat(["rules", "show", "tampering-in-transit"])
        #expect(show.stdout.contains("when:          crosses-boundary and not ui-interaction"))
        #expect(try moat(["rules", "show", "tampering-in-transt"]).stderr.contains("did you mean 'tampering-in-transit'?"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-cli-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func rule(quiet protocolName: String) -> String { """
            - id: team-no-ftp
              title: FTP in use
              description: Plain FTP sends credentials in clear.
              stride: [information-disclosure]
              applies-to: [flow]
              when: protocol == ftp
              likelihood: 3
              impact: 3
              cwe: [319]
              capec: [157]
              false-positive: The FTP server only serves public files anonymously.
              mitigations:
                - control: transport-encryption
                  text: Use SFTP or FTPS.
              examples:
                triggering:
                  - |
                    process a
                    process b
                    a -> b { protocol ftp }
                non-triggering:
                  - |
                    process a
                    process b
                    a -> b { protocol \(protocolName) }
            """ }
        try rule(quiet: "ftp").write(to: dir.appendingPathComponent("team.yaml"), atomically: true, encoding: .utf8)
        // The non-triggering example fires (ftp is not encrypted), so the test must fail with exit 1.
        let failing = try moat(["rules", "test", dir.path])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("team.yaml:22: rule 'team-no-ftp', non-triggering example 1: unexpected open finding team-no-ftp@a->b"))
        try rule(quiet: "sftp").write(to: dir.appendingPathComponent("team.yaml"), atomically: true, encoding: .utf8)
        let passing = try moat(["rules", "test", dir.path])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains("2 passed, 0 failed"))
        // --rules adds the team's rule to an analysis.
        let model = dir.appendingPathComponent("m.moat")
        try "process a\nprocess b\na -> b { protocol ftp }\n".write(to: model, atomically: true, encoding: .utf8)
        let analysis = try moat(["analyze", model.path, "--rules", dir.path, "--format", "csv"])
        #expect(analysis.stdout.contains("team-no-ftp@a->b"))
    }
}

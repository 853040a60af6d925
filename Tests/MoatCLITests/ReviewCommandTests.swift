import Foundation
import Testing

/// `moat report`, `moat check` and the HTML in a real browser, run as processes.
@Suite("Review pack and CI gate commands")
struct ReviewCommandTests {
    let sample = packageRoot.appendingPathComponent("Samples/online-shop.moat").path

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("check: exit 1 at or above the threshold, 0 below it, 0 when the baseline knows the findings")
    func checkGate() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let high = try moat(["check", sample, "--fail-on", "high", "--as-of", "2026-11-29"])
        #expect(high.status == 1)
        #expect(high.stderr.contains("error: [high] "))
        #expect(high.stderr.contains(" | "), "the gating finding is shown with its source line")
        #expect(try moat(["check", sample, "--fail-on", "critical", "--as-of", "2026-11-29"]).status == 0,
                "the sample has no open critical gap")
        // Nothing in the gaps gate is high once the baseline knows it.
        let baseline = dir.appendingPathComponent("baseline.json").path
        let write = try moat(["check", sample, "--fail-on", "high", "--write-baseline", baseline, "--as-of", "2026-11-29"])
        #expect(write.status == 1)
        let again = try moat(["check", sample, "--fail-on", "high", "--baseline", baseline, "--as-of", "2026-11-29"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("in the baseline"))
        // The open gate adds roadmap items: a lower threshold that gaps alone would pass.
        let lowGaps = try moat(["check", sample, "--fail-on", "low", "--gate", "gaps", "--baseline", baseline, "--as-of", "2026-11-29"])
        #expect(lowGaps.status == 0)
        let model = dir.appendingPathComponent("clean.moat")
        try "actor a\nprocess p { authn oidc; authz rbac }\na -> p { protocol https }\n".write(to: model, atomically: true, encoding: .utf8)
        let clean = try moat(["check", model.path, "--fail-on", "critical", "--as-of", "2026-11-29"])
        #expect(clean.status == 0, "\(clean.stderr)")
    }

    @Test("check: invalid input and tracking entries that match nothing exit 2")
    func checkInvalid() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.moat")
        try "actor a\nprocess p\na -> p\naccept no-such-rule@p \"typo\"\n".write(to: model, atomically: true, encoding: .utf8)
        let run = try moat(["check", model.path, "--fail-on", "critical"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("m.moat:4:8: error: tracking entry 'no-such-rule@p' matches no finding"))
        let broken = dir.appendingPathComponent("broken.moat")
        try "actor a {\n".write(to: broken, atomically: true, encoding: .utf8)
        #expect(try moat(["check", broken.path]).status == 2)
        #expect(try moat(["check", sample, "--fail-on", "severe"]).status == 2)
    }

    @Test("check --sarif writes SARIF; the same input gives the same bytes")
    func sarifDeterministic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.sarif").path, b = dir.appendingPathComponent("b.sarif").path
        _ = try moat(["check", sample, "--sarif", a, "--as-of", "2026-11-29"])
        _ = try moat(["check", sample, "--sarif", b, "--as-of", "2026-11-29"])
        let x = try Data(contentsOf: URL(fileURLWithPath: a)), y = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(x == y && x.count > 10_000)
    }

    @Test("diagram: two runs of the CLI write byte-identical SVG")
    func diagramDeterministic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.svg").path, b = dir.appendingPathComponent("b.svg").path
        #expect(try moat(["diagram", sample, "-o", a, "--as-of", "2026-11-29"]).status == 0)
        #expect(try moat(["diagram", sample, "-o", b, "--as-of", "2026-11-29"]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    }

    @Test("report: HTML loads in headless Chromium without console errors and shows the review")
    func reportInBrowser() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("review.html")
        let run = try moat(["report", sample, "-o", html.path, "--as-of", "2026-11-29"])
        #expect(run.status == 0, "\(run.stderr)")
        let profile = dir.appendingPathComponent("profile")
        let (dom, log) = try #require(try await headlessChromium(["--enable-logging=stderr", "--v=0", "--dump-dom", html.absoluteString],
                                                                profile: profile))
        let consoleLines = log.split(separator: "\n").filter { $0.contains("CONSOLE") }
        #expect(consoleLines.isEmpty, "console messages: \(consoleLines)")
        #expect(dom.contains("Threat model review: Online shop"))
        #expect(dom.contains("<svg"), "the diagram is inline")
        let png = dir.appendingPathComponent("review.png")
        _ = try await headlessChromium(["--screenshot=\(png.path)", "--window-size=1280,1600", html.absoluteString], profile: profile)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 50_000)
    }

    @Test("report: Markdown variant has the roadmap and tracking sections")
    func reportMarkdown() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let md = dir.appendingPathComponent("review.md")
        #expect(try moat(["report", sample, "-o", md.path, "--as-of", "2026-11-29"]).status == 0)
        let text = try String(contentsOf: md, encoding: .utf8)
        #expect(text.contains("## Mitigation roadmap by maturity level"))
        #expect(text.contains("## Tracking decisions"))
        #expect(try moat(["report", sample, "-o", dir.appendingPathComponent("x.txt").path]).status == 2)
    }
}

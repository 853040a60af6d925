import Foundation
import MoatCore
import Testing
@testable import MoatWatch
@testable import MoatWatchHTTP

/// A fresh folder for one test, removed by the caller.
private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-watch-unit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func write(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url)
}

/// Writes a new file beside `url` and renames it over `url`, as vim and JetBrains editors save.
private func saveByRename(_ text: String, to url: URL) throws {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).swp")
    try Data(text.utf8).write(to: temporary)
    guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
}

@Suite("Polling file watcher")
struct FileWatcherTests {
    let watcher = FileWatcher(interval: .milliseconds(50), debounce: .milliseconds(100))

    /// `nextChange` with a deadline; nil when nothing changed within `seconds`.
    func change(_ paths: [String], from baseline: [String: FileStamp], within seconds: Double) async -> [String: FileStamp]? {
        await withTaskGroup(of: [String: FileStamp]?.self) { group in
            group.addTask { await watcher.nextChange(of: paths, from: baseline) }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test("an edit in place is seen; nothing is reported while the file is untouched")
    func editInPlace() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.moat")
        try write("actor a\n", to: file)
        let baseline = FileStamp.of([file.path])
        #expect(await change([file.path], from: baseline, within: 0.4) == nil)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("process p\n".utf8))
        try handle.close()
        let settled = try #require(await change([file.path], from: baseline, within: 30))
        #expect(settled[file.path] == FileStamp.of(file.path))
        #expect(settled[file.path]?.inode == baseline[file.path]?.inode, "an edit in place keeps the inode")
    }

    @Test("a save by rename (new inode, same size) is seen")
    func saveByRenameIsSeen() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.moat")
        try write("actor a\n", to: file)
        let baseline = FileStamp.of([file.path])
        try saveByRename("actor b\n", to: file)
        let settled = try #require(await change([file.path], from: baseline, within: 30))
        #expect(settled[file.path]?.inode != baseline[file.path]?.inode)
        #expect(settled[file.path]?.size == baseline[file.path]?.size)
    }

    @Test("deleting a file and creating a missing one are changes")
    func deleteAndCreate() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.moat"), missing = dir.appendingPathComponent("later.moat")
        try write("actor a\n", to: file)
        let baseline = FileStamp.of([file.path, missing.path])
        #expect(baseline[missing.path] == .missing)
        try write("actor z\n", to: missing)
        let created = try #require(await change([file.path, missing.path], from: baseline, within: 30))
        #expect(created[missing.path]?.exists == true)
        try FileManager.default.removeItem(at: file)
        let deleted = try #require(await change([file.path, missing.path], from: created, within: 30))
        #expect(deleted[file.path] == .missing)
    }

    @Test("a burst of saves is reported once, after it ends")
    func burstCoalesces() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.moat")
        try write("actor a\n", to: file)
        let baseline = FileStamp.of([file.path])
        // The burst is written from its own thread, so it keeps its pace however busy the test pool is.
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for i in 0..<8 {
                try? write("actor a\n# save \(i)\n", to: file)
                Thread.sleep(forTimeInterval: 0.03)
            }
            written.signal()
        }
        let settled = try #require(await change([file.path], from: baseline, within: 30))
        while written.wait(timeout: .now()) == .timedOut { try await Task.sleep(for: .milliseconds(20)) }
        #expect(settled[file.path] == FileStamp.of(file.path), "the change is reported with the burst's final state")
        #expect(await change([file.path], from: settled, within: 0.5) == nil, "and only once")
    }

    @Test("cancelling the wait returns nil")
    func cancellation() async throws {
        let paths = ["/nonexistent/moat-watch-test"]
        let baseline = FileStamp.of(paths)
        let task = Task { await watcher.nextChange(of: paths, from: baseline) }
        try await Task.sleep(for: .milliseconds(120))
        task.cancel()
        #expect(await task.value == nil)
    }
}

@Suite("Request policy")
struct RequestPolicyTests {
    let policy = RequestPolicy(port: 4242, token: "0123456789abcdef0123456789abcdef")
    let token = "0123456789abcdef0123456789abcdef"

    @Test("the three routes with the token and a loopback Host are served")
    func allowed() {
        #expect(policy.decide(method: "GET", path: "/", token: token, host: "127.0.0.1:4242", origin: nil) == .allow(.page))
        #expect(policy.decide(method: "GET", path: "/events", token: token, host: "localhost:4242", origin: nil) == .allow(.events))
        #expect(policy.decide(method: "GET", path: "/diagram.svg", token: token, host: "LOCALHOST:4242",
                              origin: "http://127.0.0.1:4242") == .allow(.diagram))
    }

    @Test("wrong token, Host, Origin, method or path are refused")
    func refused() {
        func status(_ d: RequestPolicy.Decision) -> Int? { if case .reject(let s, _) = d { return s }; return nil }
        #expect(status(policy.decide(method: "GET", path: "/", token: nil, host: "127.0.0.1:4242", origin: nil)) == 403)
        #expect(status(policy.decide(method: "GET", path: "/", token: "0123456789abcdef0123456789abcdee", host: "127.0.0.1:4242", origin: nil)) == 403)
        #expect(status(policy.decide(method: "GET", path: "/", token: token, host: "evil.example:4242", origin: nil)) == 403, "DNS rebinding")
        #expect(status(policy.decide(method: "GET", path: "/", token: token, host: nil, origin: nil)) == 403)
        #expect(status(policy.decide(method: "GET", path: "/", token: token, host: "127.0.0.1:4243", origin: nil)) == 403)
        #expect(status(policy.decide(method: "GET", path: "/events", token: token, host: "127.0.0.1:4242", origin: "http://evil.example")) == 403)
        #expect(status(policy.decide(method: "POST", path: "/", token: token, host: "127.0.0.1:4242", origin: nil)) == 405)
        for path in ["/etc/passwd", "/../Package.swift", "/index.html", "/events/", "/diagram.svg/x", ""] {
            #expect(status(policy.decide(method: "GET", path: path, token: token, host: "127.0.0.1:4242", origin: nil)) == 404, "\(path)")
        }
    }

    @Test("tokens are 32 hex digits and differ per session")
    func tokens() {
        let a = RequestPolicy.makeToken(), b = RequestPolicy.makeToken()
        #expect(a.count == 32 && a.allSatisfy(\.isHexDigit))
        #expect(a != b)
        #expect(RequestPolicy.constantTimeEqual(a, a) && !RequestPolicy.constantTimeEqual(a, b) && !RequestPolicy.constantTimeEqual(a, a + "0"))
    }
}

@Suite("Workbench page and events")
struct WorkbenchPageTests {
    static let hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)> & \u{2028}'\""

    @Test("JSON embedded in the page cannot close its script element; it still decodes to the same text")
    func scriptSafeJSON() throws {
        let json = Snapshot.scriptSafe(String(decoding: try JSONEncoder().encode([Self.hostile]), as: UTF8.self))
        #expect(!json.contains("<") && !json.contains(">") && !json.contains("&"))
        #expect(try JSONDecoder().decode([String].self, from: Data(json.utf8)) == [Self.hostile])
    }

    @Test("the page escapes the title and carries scripts only with the response's nonce")
    func pageEscapes() {
        let html = WorkbenchPage.html(title: Self.hostile, snapshotJSON: "null", nonce: "n0nce")
        #expect(!html.contains("<img src=x"))
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"))
        #expect(html.components(separatedBy: "<script nonce=\"n0nce\">").count == 2)
        #expect(!html.contains("innerHTML"), "the page never parses strings as HTML")
        let withoutNamespaces = html.replacingOccurrences(of: "'http://www.w3.org/1999/xlink'", with: "")
        #expect(!withoutNamespaces.contains("http://") && !withoutNamespaces.contains("https://"), "no external resources")
        let csp = WorkbenchPage.contentSecurityPolicy(nonce: "n0nce")
        #expect(csp.contains("script-src 'nonce-n0nce'") && csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"))
    }

    @Test("server-sent event framing: one data line per line of payload, blank line at the end")
    func eventFraming() {
        #expect(String(decoding: EventHub.event(name: "snapshot", id: 7, data: "{\"a\":1}"), as: UTF8.self)
                == "id: 7\nevent: snapshot\ndata: {\"a\":1}\n\n")
        #expect(String(decoding: EventHub.event(name: "x", id: 1, data: "a\nb"), as: UTF8.self) == "id: 1\nevent: x\ndata: a\ndata: b\n\n")
    }

    @Test("a subscriber gets the latest snapshot first; the hub refuses subscribers past its limit and ends streams on shutdown")
    func hub() async throws {
        let hub = EventHub(limit: 2)
        await hub.publish(snapshotJSON: "{\"build\":1}", id: 1)
        let first = try #require(await hub.subscribe())
        _ = try #require(await hub.subscribe())
        #expect(await hub.subscribe() == nil)
        var iterator = first.makeAsyncIterator()
        #expect(String(decoding: await iterator.next() ?? [], as: UTF8.self) == "retry: 1000\n\n")
        #expect(String(decoding: await iterator.next() ?? [], as: UTF8.self).contains("data: {\"build\":1}"))
        await hub.publish(snapshotJSON: "{\"build\":2}", id: 2)
        #expect(String(decoding: await iterator.next() ?? [], as: UTF8.self).contains("id: 2"))
        await hub.finishAll()
        #expect(await iterator.next() == nil)
        #expect(await hub.subscribe() == nil)
    }
}

@Suite("Workbench builds")
struct WorkbenchTests {
    @Test("includes are watched, even one that does not exist yet")
    func watchedFiles() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let main = dir.appendingPathComponent("main.moat"), part = dir.appendingPathComponent("part.moat")
        try write("include \"part.moat\"\ninclude \"missing.moat\"\nactor a\n", to: main)
        try write("process p\n", to: part)
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(path: main.path)
        let files = Workbench.watchedFiles(root: main.path, documents: result.documents)
        #expect(files == [main.path, dir.appendingPathComponent("part.moat").path, dir.appendingPathComponent("missing.moat").path])
    }

    @Test("a broken save keeps the last good analysis and diagram and reports the error with its position")
    func lastGoodSurvivesErrors() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let main = dir.appendingPathComponent("main.moat")
        try write("model \"Good <one>\" { maturity 2 }\nactor a \"Alpha\"\nprocess p \"Papa\" { internet-facing }\na -> p \"Call\" { protocol http }\n", to: main)
        let bench = Workbench(modelPath: main.path, catalogue: try Catalogue.builtIn.get(), declaredLevel: nil, asOf: "2026-11-29")
        let (good, summary) = try #require(await bench.rebuild())
        #expect(good.status == "ok" && summary.succeeded)
        let view = try #require(good.view)
        #expect(view.title == "Good <one>")
        #expect(view.svg?.hasPrefix("<svg") == true)
        #expect(view.components.contains { $0.id == "p" && !$0.findings.isEmpty })
        #expect(view.elements.contains { $0.id == "a" && $0.anchor == "component-a" })
        #expect(view.svg?.contains("#component-p") == true, "diagram links use the page's anchors")

        try write("actor a \"Alpha\"\nprocess p {\n", to: main)
        let (bad, badSummary) = try #require(await bench.rebuild())
        #expect(bad.status == "errors" && !badSummary.succeeded)
        #expect(bad.errorCount >= 1)
        #expect(bad.view?.build == 1, "the view is still the last good build")
        #expect(bad.view?.svg == view.svg)
        let headline = try #require(bad.diagnostics.first?.headline)
        #expect(headline.hasPrefix("\(main.path):2:"), "\(headline)")
        #expect(headline.contains(": error: "))

        try FileManager.default.removeItem(at: main)
        let (gone, _) = try #require(await bench.rebuild())
        #expect(gone.status == "errors" && gone.view?.build == 1)
        #expect(gone.diagnostics.first?.headline.contains("no such file") == true)
    }
}

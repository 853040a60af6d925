import Foundation
import MoatCore
import Testing
@testable import MoatWatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The watch server in this process, with short timeouts and a small connection cap (WatchOptions), so that
// what takes half a minute with the defaults takes a second here. Deadlines in these tests are generous
// bounds ("within 20 s"), never measurements.

/// Sleeps without holding a thread.
private func pause(_ seconds: Double) async {
    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
}

/// A blocking-free TCP client on 127.0.0.1.
private final class Client {
    let fd: Int32
    private var closed = false

    init(port: UInt16) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ClientError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close()
            throw ClientError("cannot connect to 127.0.0.1:\(port)")
        }
    }

    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            #else
            let n = bytes[offset...].withUnsafeBytes { Darwin.send(fd, $0.baseAddress, $0.count, 0) }
            #endif
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// One read that never blocks: bytes, [] when nothing is waiting, nil at end of stream or on error.
    func receive() -> [UInt8]? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { return Array(buffer[0..<n]) }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return [] }
        return nil
    }

    /// Everything the server sends until it closes the connection, or nil if it is still open after `seconds`.
    func readUntilClosed(within seconds: Double) async -> String? {
        var data: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let chunk = receive() else { return String(decoding: data, as: UTF8.self) }
            if chunk.isEmpty { await pause(0.02) } else { data += chunk }
        }
        return nil
    }

    /// What arrives within `seconds`, without waiting for the connection to close.
    func read(for seconds: Double, until done: (String) -> Bool) async -> String {
        var data: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let chunk = receive() else { break }
            if chunk.isEmpty { await pause(0.02) } else { data += chunk }
            if done(String(decoding: data, as: UTF8.self)) { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    func close() {
        guard !closed else { return }
        closed = true
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    deinit { close() }
}

private struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A folder with `main.moat`, removed by `remove()`.
private struct Model {
    let dir: URL
    var main: URL { dir.appendingPathComponent("main.moat") }

    init(title: String) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-watch-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try save(title: title)
    }

    func save(title: String) throws {
        let text = "model \"\(title)\" { maturity 2 }\nactor a \"Alpha\"\nprocess p \"Papa\" { internet-facing }\na -> p \"Call\" { protocol http }\n"
        try Data(text.utf8).write(to: main)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// The port and token in a URL that `WatchServer.start()` returned.
private func portAndToken(_ url: URL) throws -> (UInt16, String) {
    let port = try #require(url.port.flatMap { UInt16(exactly: $0) })
    let token = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "token" }?.value)
    return (port, token)
}

/// `GET target` with `Connection: close`; the response, or nil if none came within `seconds`.
private func get(_ port: UInt16, _ target: String, within seconds: Double = 10) async throws -> String? {
    let client = try Client(port: port)
    defer { client.close() }
    client.send("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
    return await client.readUntilClosed(within: seconds)
}

private func status(_ response: String?) -> Int? {
    response?.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
}

/// Things the build hook and the tests share.
private final class Flags: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Bool] = [:]
    private var builds: [Int] = []
    subscript(_ name: String) -> Bool {
        get { lock.withLock { values[name] ?? false } }
        set { lock.withLock { values[name] = newValue } }
    }
    func built(_ n: Int) { lock.withLock { builds.append(n) } }
    var published: [Int] { lock.withLock { builds } }
}

@Suite("Watch server connections and builds")
struct WatchServerTests {
    // Issue 19, item 8: idle connections never timed out, and a few hundred of them exhausted the server.
    @Test("idle connections past the cap are closed to make room, a request with the token is still served, idle and slowloris connections time out",
          .timeLimit(.minutes(2)))
    func idleAndSlowConnections() async throws {
        let model = try Model(title: "Idle")
        defer { model.remove() }
        var options = WatchOptions(modelPath: model.main.path)
        options.connections.idleTimeout = .milliseconds(500)
        options.connections.headerTimeout = .milliseconds(500)
        options.connections.maximumConnections = 8
        let server = WatchServer(options: options, catalogue: try Catalogue.builtIn.get())
        let (port, token) = try portAndToken(try await server.start())

        var idle: [Client] = []
        defer { idle.forEach { $0.close() } }
        for _ in 0..<40 { idle.append(try Client(port: port)) }
        #expect(status(try await get(port, "/?token=\(token)")) == 200, "served beside 40 idle connections, over the cap of 8")

        // Every idle connection is closed by the server: made room for, or timed out.
        let deadline = Date().addingTimeInterval(20)
        var open = idle
        while !open.isEmpty && Date() < deadline {
            open = open.filter { $0.receive() != nil }
            await pause(0.05)
        }
        let stillOpen = open.count
        #expect(stillOpen == 0, "idle connections still open after 20 s")

        // A head sent a byte at a time gets 408 and is closed.
        let slow = try Client(port: port)
        defer { slow.close() }
        slow.send("GET /?token=\(token) HTTP/1.1\r\nX-Slow: ")
        var answer = ""
        let slowDeadline = Date().addingTimeInterval(20)
        while Date() < slowDeadline {
            guard slow.send("x") else { break }
            answer += await slow.read(for: 0.1) { $0.contains("\r\n\r\n") }
            if answer.contains("\r\n\r\n") { break }
        }
        #expect(status(answer) == 408, "slowloris: \(answer.prefix(80))")

        // A kept-alive connection is closed once idle.
        let keep = try Client(port: port)
        defer { keep.close() }
        keep.send("GET /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        let kept = await keep.readUntilClosed(within: 20)
        #expect(status(kept) == 200 && kept?.contains("Connection: keep-alive") == true,
                "kept alive, then closed after the idle timeout")
        await server.stop()
    }

    // Issue 19, item 14: page requests waited for a running build, and a newer save could not overtake
    // an older build. The build hook holds the build of the first save until it is superseded.
    @Test("the page is served from the last snapshot while a build runs; a newer save supersedes the older build, which is never published",
          .timeLimit(.minutes(2)))
    func buildsDoNotBlockAndAreSuperseded() async throws {
        let model = try Model(title: "Original")
        defer { model.remove() }
        let flags = Flags()
        var options = WatchOptions(modelPath: model.main.path)
        options.watcher = FileWatcher(interval: .milliseconds(50), debounce: .milliseconds(50))
        options.onBuild = { summary in flags.built(summary.build) }
        options.buildHook = { generation, superseded in
            // The second build (the first save) waits until a newer one supersedes it (30 s at most).
            guard generation == 2 else { return }
            flags["held"] = true
            let deadline = Date().addingTimeInterval(30)
            while !superseded() && Date() < deadline { usleep(10_000) }
            flags["superseded"] = superseded()
        }
        let server = WatchServer(options: options, catalogue: try Catalogue.builtIn.get())
        let (port, token) = try portAndToken(try await server.start())
        #expect(flags.published == [1])

        try model.save(title: "Save A")
        var waited = 0
        while !flags["held"] && waited < 400 { await pause(0.05); waited += 1 }
        #expect(flags["held"], "the build of the first save started")
        let page = try await get(port, "/?token=\(token)", within: 10)
        #expect(status(page) == 200, "the page is served while the build runs")
        #expect(page?.contains("Original") == true, "from the last published snapshot")

        try model.save(title: "Save B")
        var latest: String?
        // Generous: under a loaded CI machine a build with its diagram layouts can take several seconds.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            latest = try await get(port, "/?token=\(token)", within: 10)
            if latest?.contains("Save B") == true { break }
            await pause(0.1)
        }
        #expect(latest?.contains("Save B") == true, "the newest save is published within 60 s")
        #expect(flags["superseded"], "the held build learned it was superseded")
        await pause(0.5)
        #expect(flags.published == [1, 2], "the superseded build was never published: \(flags.published)")
        let final = try await get(port, "/?token=\(token)")
        #expect(final?.contains("Save A") == false)
        await server.stop()
    }
}

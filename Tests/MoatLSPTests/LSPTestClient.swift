import Foundation
import MoatCore
import MoatLSP
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A JSON-RPC client that drives an in-process `moat lsp` server through a pair of pipes, with the real
/// `Content-Length` framing: what an editor sends and reads, without a process of its own.
final class LSPTestClient: @unchecked Sendable {
    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "no \(what) from the server within the time limit" }
    }

    private let toServer = Pipe()
    private let fromServer = Pipe()
    private var buffer: [UInt8] = []
    private var nextID = 0
    /// Every notification received, in order.
    private(set) var notifications: [LSPAny] = []
    private let finished = DispatchSemaphore(value: 0)
    private let statusBox = StatusBox()
    /// Generous: the tests run beside others on two cores; only a hang reaches it.
    let timeLimit: Double

    init(asOf: String = "2026-06-01", timeLimit: Double = 60) throws {
        self.timeLimit = timeLimit
        let catalogue = try Catalogue.builtIn.get()
        let input = toServer.fileHandleForReading.fileDescriptor
        let output = fromServer.fileHandleForWriting.fileDescriptor
        let box = statusBox, done = finished
        let thread = Thread {
            box.status = MoatLanguageServer.serve(catalogue: catalogue, asOf: asOf, version: "test", input: input, output: output)
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    deinit {
        try? toServer.fileHandleForWriting.close()
    }

    // MARK: - Writing

    func sendRaw(_ bytes: [UInt8]) {
        let fd = toServer.fileHandleForWriting.fileDescriptor
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    func sendBody(_ body: [UInt8]) {
        sendRaw(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
    }

    func send(_ message: LSPAny) {
        sendBody(Array(try! JSONEncoder().encode(message)))
    }

    func notify(_ method: String, _ params: LSPAny) {
        send(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// Sends a request and returns the whole response message, keeping notifications that come before it.
    @discardableResult
    func request(_ method: String, _ params: LSPAny) throws -> LSPAny {
        nextID += 1
        let id = nextID
        var message: [String: LSPAny] = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]
        if params != .null { message["params"] = params }
        send(.object(message))
        return try response(to: .int(id))
    }

    /// Reads until the response with this id.
    func response(to id: LSPAny) throws -> LSPAny {
        while true {
            let m = try readMessage()
            if m["method"] != nil { notifications.append(m); continue }
            if m["id"] == id { return m }
        }
    }

    /// The result of a request that must succeed.
    func result(_ method: String, _ params: LSPAny, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> LSPAny {
        let r = try request(method, params)
        #expect(r["error"] == nil, "\(method) failed: \(String(describing: r["error"]))", sourceLocation: sourceLocation)
        return r["result"] ?? .null
    }

    // MARK: - Reading

    /// The next message from the server.
    func readMessage() throws -> LSPAny {
        let deadline = Date().addingTimeInterval(timeLimit)
        while true {
            if let body = takeFrame() { return try JSONDecoder().decode(LSPAny.self, from: Data(body)) }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Timeout(what: "message") }
            guard fill(waitingAtMost: left) else { throw Timeout(what: "message (the server closed its output)") }
        }
    }

    private func takeFrame() -> [UInt8]? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4 else { return nil }
        var headerEnd: Int?
        for i in 0...(buffer.count - 4) where buffer[i..<(i + 4)].elementsEqual(separator) { headerEnd = i; break }
        guard let end = headerEnd else { return nil }
        let header = String(decoding: buffer[0..<end], as: UTF8.self)
        let length = header.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        guard buffer.count >= end + 4 + length else { return nil }
        let body = Array(buffer[(end + 4)..<(end + 4 + length)])
        buffer.removeFirst(end + 4 + length)
        return body
    }

    private func fill(waitingAtMost seconds: Double) -> Bool {
        let fd = fromServer.fileHandleForReading.fileDescriptor
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(min(seconds, 3600) * 1000))
        if ready == 0 { return true }  // nothing yet; the caller checks its deadline
        if ready < 0 { return errno == EINTR }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return n < 0 && errno == EINTR }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    // MARK: - Conveniences

    @discardableResult
    func initialize(capabilities: LSPAny = [:], options: LSPAny? = nil) throws -> LSPAny {
        var params: [String: LSPAny] = ["processId": nil, "rootUri": nil, "capabilities": capabilities]
        if let options { params["initializationOptions"] = options }
        let r = try result("initialize", .object(params))
        notify("initialized", [:])
        return r
    }

    func open(_ uri: String, _ text: String, version: Int = 1) {
        notify("textDocument/didOpen", ["textDocument": ["uri": .string(uri), "languageId": "moat", "version": .int(version),
                                                         "text": .string(text)]])
    }

    func change(_ uri: String, _ text: String, version: Int) {
        notify("textDocument/didChange", ["textDocument": ["uri": .string(uri), "version": .int(version)],
                                          "contentChanges": [["text": .string(text)]]])
    }

    /// The diagnostics last published for a document, once the server has caught up with every edit sent
    /// (a request is answered only after the analysis it needs, and the diagnostics go out first).
    func diagnostics(_ uri: String, sync: String? = nil) throws -> [LSPAny] {
        try request("textDocument/documentSymbol", ["textDocument": ["uri": .string(sync ?? uri)]])
        let published = notifications.filter {
            $0["method"]?.stringValue == "textDocument/publishDiagnostics" && $0.at("params", "uri")?.stringValue == uri
        }
        return published.last?.at("params", "diagnostics")?.arrayValue ?? []
    }

    /// Shuts the server down as a client does and returns its exit status.
    func shutdownAndExit() throws -> Int32? {
        let r = try request("shutdown", nil)
        #expect(r["result"] == .null && r["error"] == nil)
        notify("exit", nil)
        return waitForExit()
    }

    func closeInput() { try? toServer.fileHandleForWriting.close() }

    /// The server's exit status, once it has stopped (nil if it has not within the time limit).
    func waitForExit() -> Int32? {
        finished.wait(timeout: .now() + timeLimit) == .success ? statusBox.status : nil
    }
}

private final class StatusBox: @unchecked Sendable {
    var status: Int32?
}

/// Position helpers.
func position(_ line: Int, _ character: Int) -> LSPAny { ["line": .int(line), "character": .int(character)] }

func textPosition(_ uri: String, _ line: Int, _ character: Int) -> LSPAny {
    ["textDocument": ["uri": .string(uri)], "position": position(line, character)]
}

/// The 0-based line and UTF-16 character of the first occurrence of `needle` in `text` (plus `offset` characters).
func find(_ needle: String, in text: String, offset: Int = 0, occurrence: Int = 1) -> (line: Int, character: Int) {
    var seen = 0
    for (i, line) in text.components(separatedBy: "\n").enumerated() {
        var search = line.startIndex
        while let r = line.range(of: needle, range: search..<line.endIndex) {
            seen += 1
            if seen == occurrence { return (i, line[..<r.lowerBound].utf16.count + offset) }
            search = r.upperBound
        }
    }
    Issue.record("'\(needle)' not found")
    return (0, 0)
}

/// A temporary folder with model files, removed by `remove()`.
struct ModelFolder {
    let url: URL
    init(_ files: [String: String]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-lsp-\(UUID().uuidString)")
            .resolvingSymlinksInPath()
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files {
            let file = url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
    }
    func uri(_ name: String) -> String { url.appendingPathComponent(name).absoluteString }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The package root (for Samples/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

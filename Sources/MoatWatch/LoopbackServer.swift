// Over 500 lines: the connection cap, timeouts and accept recovery belong together (issue 19, items 1 and 8).
import FlyingSocks
import Foundation
import MoatWatchHTTP
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits and timeouts of the watch server's connections (`WatchOptions` carries them).
public struct ConnectionLimits: Sendable {
    /// Request-line and header sizes: longer ones get 414 or 431 at once.
    public var head = HeadLimits()
    /// A connection with no request under way (new, or kept alive after a response) is closed after this long.
    public var idleTimeout: Duration = .seconds(30)
    /// A request head must be complete this long after its first byte, or the connection gets 408 and is
    /// closed (a slowloris client sends a head a byte at a time).
    public var headerTimeout: Duration = .seconds(10)
    /// A response (or one event of a stream) that the client does not read within this long closes the connection.
    public var writeTimeout: Duration = .seconds(30)
    /// At most this many open connections (event streams included), and fewer when the open-file limit is
    /// low. Past it, the connection that has waited longest without a request is closed to make room; when
    /// every connection is busy, a new one gets 503.
    public var maximumConnections = 256
    /// After refusing a request, the server reads (and drops) at most this many bytes for at most
    /// `lingerTimeout` before closing, so the client can read the refusal instead of a reset.
    public var lingerBytes = 4 << 20
    /// How long the server keeps draining a connection after a refusal before closing it (see `lingerBytes`).
    public var lingerTimeout: Duration = .seconds(2)

    /// The defaults: `HeadLimits()`, 30 s idle, 10 s per head, 30 s per write, 256 connections, and
    /// draining at most 4 MiB for 2 s after a refusal.
    public init() {}

    /// The connection cap for an open-file limit: room is kept for the listener, the event queue, the
    /// model files, Graphviz and standard streams.
    func connectionCap(openFileLimit: Int?) -> Int {
        guard let limit = openFileLimit else { return max(1, maximumConnections) }
        return max(1, min(maximumConnections, limit - Self.reservedFiles))
    }

    static let reservedFiles = 32
}

/// One response.
struct Reply: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        /// Server-Sent Events, sent with chunked encoding as they come; the connection closes when it ends.
        case events(AsyncStream<[UInt8]>)
    }

    var status: Int
    var headers: [(name: String, value: String)]
    var body: Body
    /// Close the connection after this response (refusals do).
    var close = false

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Error"
        }
    }

    /// The status line and header fields, with framing (`Content-Length` or chunked) and `Connection`.
    func head(keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.phrase(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        switch body {
        case .bytes(let bytes): text += "Content-Length: \(bytes.count)\r\n"
        case .events: text += "Transfer-Encoding: chunked\r\n"
        }
        text += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 for the watch page, on FlyingSocks' non-blocking sockets.
///
/// It replaces FlyingFox's `HTTPServer` here because that one reads request lines and headers without a
/// bound, in time that grows with the square of a line's length, before the handler can refuse anything;
/// has no idle or header timeouts and no connection cap; and stops listening for good when `accept`
/// fails (at the open-file limit). Here:
/// - every request head goes through `RequestHeadReader`: linear, bounded (414/431 at once);
/// - each connection has a deadline (idle, header or write), and a reaper cancels those past it;
/// - connections are capped; an `accept` that fails for want of descriptors closes the connection that
///   has waited longest without a request, waits a moment and tries again; any other failure ends the
///   server through `onFatal`.
final class LoopbackServer: Sendable {
    typealias Handler = @Sendable (RequestHead) async -> Reply

    let limits: ConnectionLimits
    /// The connection cap: from `limits` and the open-file limit at start; lowered when `accept` runs out
    /// of descriptors all the same (the limit was lowered, or other files are open).
    var cap: Int { capBox.get() }
    private let capBox: Locked<Int>
    let port: UInt16
    private let listener: Socket
    private let pool: any AsyncSocketPool
    private let table = ConnectionTable()
    private let handler: Handler
    private let onMessage: @Sendable (String) -> Void
    private let onFatal: @Sendable (String) -> Void
    private let runTask = Locked<Task<Void, Never>?>(nil)

    /// Binds 127.0.0.1:`port` (0: any free port) and listens; `start()` begins accepting.
    init(port: UInt16, limits: ConnectionLimits, handler: @escaping Handler,
         onMessage: @escaping @Sendable (String) -> Void, onFatal: @escaping @Sendable (String) -> Void) throws {
        self.limits = limits
        self.capBox = Locked(limits.connectionCap(openFileLimit: Self.openFileLimit()))
        self.handler = handler
        self.onMessage = onMessage
        self.onFatal = onFatal
        let address = try sockaddr_in.inet(ip4: "127.0.0.1", port: port)
        let socket = try Socket(domain: Int32(sockaddr_in.family), type: .stream)
        do {
            try socket.setValue(true, for: .localAddressReuse)
            try socket.bind(to: address)
            try socket.listen()
            guard case .ip4(_, let bound) = try socket.sockname() else { throw SocketError.unsupportedAddress }
            try socket.setFlags(.nonBlocking)
            self.port = bound
        } catch {
            try? socket.close()
            throw error
        }
        self.listener = socket
        self.pool = SocketPool<Poll>.make(maxEvents: 64)
    }

    /// The soft limit on open files, or nil when unlimited.
    static func openFileLimit() -> Int? {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// Starts the event queue, the accept loop and the reaper.
    func start() async throws {
        try await pool.prepare()
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await self.pool.run() }
                group.addTask { await self.acceptLoop() }
                group.addTask { await self.reap() }
                await group.next()
                group.cancelAll()
            }
        }
        runTask.set(task)
    }

    /// Stops accepting, ends every connection (an event stream ends at once) and waits at most `timeout`
    /// for them to close.
    func stop(timeout: Duration) async {
        table.cancelAll()
        // A connection task ends as soon as its pending read, write or wait for an event is cancelled.
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !table.isEmpty && clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        runTask.get()?.cancel()
        _ = await runTask.get()?.value
        try? listener.close()
    }

    /// Open connections (for tests).
    var connectionCount: Int { table.count }

    // MARK: accepting

    private func acceptLoop() async {
        var lastNotice: ContinuousClock.Instant?
        while !Task.isCancelled {
            let file: Socket.FileDescriptor
            do {
                file = try listener.accept().file
            } catch SocketError.blocked {
                do { try await pool.suspendSocket(listener, untilReadyFor: .read) } catch { return }
                continue
            } catch SocketError.failed(_, let code, let message) {
                switch code {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors (or memory): lower the cap to what fits now, close the connection
                    // idle longest, wait a moment and try again.
                    let limit = Self.openFileLimit()
                    let fits = max(1, min(limits.connectionCap(openFileLimit: limit), table.liveCount - 1))
                    capBox.update { $0 = min($0, fits) }
                    if lastNotice.map({ ContinuousClock.now - $0 > .seconds(30) }) ?? true {
                        lastNotice = .now
                        let shown = limit.map { " (the open-file limit is \($0))" } ?? ""
                        onMessage("cannot accept connections: \(message.lowercased())\(shown); "
                                  + "now at most \(cap) at a time, closing idle ones to make room")
                    }
                    table.evictOldestWaiting()
                    try? await Task.sleep(for: .milliseconds(20))
                    continue
                case ECONNABORTED, EINTR, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
                     EOPNOTSUPP, ENETUNREACH, ETIMEDOUT:
                    // The pending connection failed before it was accepted; the listener is fine.
                    continue
                default:
                    onFatal("the server stopped accepting connections: \(message.lowercased())")
                    return
                }
            } catch {
                onFatal("the server stopped accepting connections: \(error.localizedDescription)")
                return
            }
            await admit(Socket(file: file))
        }
    }

    private func admit(_ socket: Socket) async {
        let asyncSocket: AsyncSocket
        do {
            asyncSocket = try AsyncSocket(socket: socket, pool: pool)
        } catch {
            try? socket.close()
            return
        }
        // Full: close the connection that has waited longest for a request; if all are busy, refuse.
        if table.liveCount >= cap { table.evictOldestWaiting() }
        // Connections being closed still hold their descriptors: give them a moment to go (the backlog
        // holds new connections meanwhile).
        var waited = 0
        while table.count >= cap + Self.evictionSlack && waited < 100 {
            try? await Task.sleep(for: .milliseconds(2))
            waited += 1
        }
        if table.liveCount >= cap || table.count >= cap + Self.evictionSlack {
            Self.sendNow(socket, Reply.errorHead(503, "too many connections"))
            Self.drainNow(socket, limit: limits.lingerBytes)
            try? socket.close()
            return
        }
        let now = ContinuousClock.now
        let id = table.open(now: now, deadline: now + limits.idleTimeout)
        let task = Task { await self.serve(asyncSocket, id: id) }
        table.attach(id, task)
    }

    /// Connections closed to make room may take a moment to go; at most this many more are open meanwhile.
    static let evictionSlack = 32

    /// Cancels connections past their deadline, a few times per shortest timeout.
    private func reap() async {
        let shortest = min(limits.idleTimeout, limits.headerTimeout, limits.writeTimeout, limits.lingerTimeout)
        let tick = max(.milliseconds(20), min(.seconds(1), shortest / 4))
        while (try? await Task.sleep(for: tick)) != nil {
            table.expire(now: .now)
        }
    }

    // MARK: one connection

    private func serve(_ socket: AsyncSocket, id: UInt64) async {
        defer {
            table.close(id)
            try? socket.close()
        }
        var reader = RequestHeadReader(limits: limits.head)
        var result = HeadResult.needMore
        while true {
            // Read one head: the idle deadline until its first byte, then the header deadline.
            table.update(id, waiting: true, deadline: .now + (reader.isIdle ? limits.idleTimeout : limits.headerTimeout))
            while case .needMore = result {
                let wasIdle = reader.isIdle
                let bytes: [UInt8]
                do {
                    bytes = try await socket.read(atMost: RequestHeadReader.readSize)
                } catch {
                    // Cancelled by the reaper mid-head (slowloris): say so, best effort, then close.
                    if !wasIdle && Task.isCancelled {
                        Self.sendNow(socket.socket, Reply.errorHead(408, "the request head took too long"))
                        Self.drainNow(socket.socket, limit: limits.lingerBytes)
                    }
                    return
                }
                result = reader.feed(bytes)
                if wasIdle { table.update(id, waiting: true, deadline: .now + limits.headerTimeout) }
            }
            table.update(id, waiting: false, deadline: .now + limits.writeTimeout)
            switch result {
            case .needMore:
                return
            case .reject(let status, let reason):
                let reply = Reply.text(status, reason)
                try? await socket.write(Data(reply.head(keepAlive: false) + Self.bytes(of: reply)))
                await linger(socket, id: id)
                return
            case .head(let head):
                let reply = await handler(head)
                let keepAlive = head.keepAlive && !reply.close
                do {
                    try await send(reply, keepAlive: keepAlive, on: socket, id: id)
                } catch {
                    return
                }
                guard keepAlive, case .bytes = reply.body else {
                    await linger(socket, id: id)
                    return
                }
                result = reader.next()
            }
        }
    }

    private static func bytes(of reply: Reply) -> [UInt8] {
        if case .bytes(let bytes) = reply.body { return bytes }
        return []
    }

    private func send(_ reply: Reply, keepAlive: Bool, on socket: AsyncSocket, id: UInt64) async throws {
        switch reply.body {
        case .bytes(let bytes):
            try await socket.write(Data(reply.head(keepAlive: keepAlive) + bytes))
        case .events(let events):
            try await socket.write(Data(reply.head(keepAlive: false)))
            // Waiting for the next event has no deadline (the hub's heartbeat finds dead peers); each
            // write has the write deadline.
            table.update(id, waiting: false, deadline: nil)
            for await chunk in events where !chunk.isEmpty {
                table.update(id, waiting: false, deadline: .now + limits.writeTimeout)
                try await socket.write(Data(Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10]))
                table.update(id, waiting: false, deadline: nil)
            }
            table.update(id, waiting: false, deadline: .now + limits.writeTimeout)
            try await socket.write(Data("0\r\n\r\n".utf8))
        }
    }

    /// Half-closes, then reads and drops what the client still sends (at most `lingerBytes`, for at most
    /// `lingerTimeout`), so that closing does not reset the connection before the client reads the response.
    private func linger(_ socket: AsyncSocket, id: UInt64) async {
        _ = shutdown(socket.socket.file.rawValue, Int32(SHUT_WR))
        table.update(id, waiting: false, deadline: .now + limits.lingerTimeout)
        var drained = 0
        while drained < limits.lingerBytes {
            guard let bytes = try? await socket.read(atMost: 65_536) else { return }
            drained += bytes.count
        }
    }

    /// Half-closes and reads what has already arrived, without waiting, so that closing after a response
    /// sent with `sendNow` is less likely to reset the connection before the client reads it.
    static func drainNow(_ socket: Socket, limit: Int) {
        _ = shutdown(socket.file.rawValue, Int32(SHUT_WR))
        var drained = 0
        while drained < limit, let bytes = try? socket.read(atMost: 65_536) { drained += bytes.count }
    }

    /// Writes a short response without waiting (a refusal on a fresh socket, or a 408 after a
    /// cancellation); whatever does not fit in the socket buffer is dropped.
    static func sendNow(_ socket: Socket, _ bytes: [UInt8]) {
        _ = try? socket.write(Data(bytes))
    }
}

extension Reply {
    /// A plain-text response with the common headers; refusals close the connection.
    static func text(_ status: Int, _ message: String, headers: [(name: String, value: String)] = WatchHeaders.common) -> Reply {
        Reply(status: status, headers: headers + [("Content-Type", "text/plain; charset=utf-8")],
              body: .bytes(Array((message + "\n").utf8)), close: status >= 400)
    }

    /// A whole refusal with `Connection: close`, for `LoopbackServer.sendNow`.
    static func errorHead(_ status: Int, _ message: String) -> [UInt8] {
        let reply = text(status, message)
        return reply.head(keepAlive: false) + (reply.body.bytes ?? [])
    }
}

extension Reply.Body {
    var bytes: [UInt8]? {
        if case .bytes(let b) = self { return b }
        return nil
    }
}

/// Headers on every response.
enum WatchHeaders {
    static let common: [(name: String, value: String)] = [
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
}

/// The open connections: each one's task, whether it waits for a request, and its deadline.
final class ConnectionTable: @unchecked Sendable {
    private struct Entry {
        var task: Task<Void, Never>?
        var waiting = true
        /// When it last began to wait for a request (eviction closes the oldest first).
        var since: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant?
        var cancelled = false
    }

    private let lock = NSLock()
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 0
    private var closedAll = false

    var count: Int { lock.withLock { entries.count } }
    var isEmpty: Bool { lock.withLock { entries.isEmpty } }
    /// Connections not already being closed.
    var liveCount: Int { lock.withLock { entries.values.count { !$0.cancelled } } }

    func open(now: ContinuousClock.Instant, deadline: ContinuousClock.Instant) -> UInt64 {
        lock.withLock {
            nextID += 1
            entries[nextID] = Entry(since: now, deadline: deadline, cancelled: closedAll)
            return nextID
        }
    }

    func attach(_ id: UInt64, _ task: Task<Void, Never>) {
        let cancel: Bool = lock.withLock {
            guard entries[id] != nil else { return false }
            entries[id]!.task = task
            return entries[id]!.cancelled
        }
        if cancel { task.cancel() }
    }

    func update(_ id: UInt64, waiting: Bool, deadline: ContinuousClock.Instant?) {
        lock.withLock {
            guard var entry = entries[id] else { return }
            if waiting && !entry.waiting { entry.since = .now }
            entry.waiting = waiting
            entry.deadline = deadline
            entries[id] = entry
        }
    }

    func close(_ id: UInt64) {
        lock.withLock { _ = entries.removeValue(forKey: id) }
    }

    /// Cancels the connections whose deadline has passed.
    func expire(now: ContinuousClock.Instant) {
        let due: [Task<Void, Never>] = lock.withLock {
            var due: [Task<Void, Never>] = []
            for (id, entry) in entries where !entry.cancelled {
                guard let deadline = entry.deadline, deadline <= now else { continue }
                entries[id]!.cancelled = true
                if let task = entry.task { due.append(task) }
            }
            return due
        }
        for task in due { task.cancel() }
    }

    /// Cancels the connection that has waited longest for a request; false when none waits.
    @discardableResult
    func evictOldestWaiting() -> Bool {
        let victim: Task<Void, Never>?? = lock.withLock {
            guard let (id, entry) = entries.filter({ $0.value.waiting && !$0.value.cancelled })
                    .min(by: { $0.value.since < $1.value.since }) else { return nil }
            entries[id]!.cancelled = true
            return .some(entry.task)
        }
        guard let victim else { return false }
        victim?.cancel()
        return true
    }

    /// Cancels every connection, and those opened later.
    func cancelAll() {
        let tasks: [Task<Void, Never>] = lock.withLock {
            closedAll = true
            for id in entries.keys { entries[id]!.cancelled = true }
            return entries.values.compactMap(\.task)
        }
        for task in tasks { task.cancel() }
    }
}

/// A value behind a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    @discardableResult
    func update<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}

import FlyingSocks
import Foundation
import MoatCore
import MoatWatchHTTP

/// Settings of one `moat watch` session.
public struct WatchOptions: Sendable {
    /// The model's root file.
    public var modelPath: String
    /// The port on 127.0.0.1; 0 picks a free one.
    public var port: UInt16 = 0
    /// `--level N`: evaluate as if this maturity level were declared.
    public var declaredLevel: Int?
    /// `--as-of DATE`; nil means today, at each build.
    public var asOf: String?
    /// How the model and its included files are polled for saves (interval, debounce, maximum delay).
    public var watcher = FileWatcher()
    /// How often idle event streams get a comment line (finds dead connections).
    public var heartbeat: Duration = .seconds(15)
    /// At most this many event streams (open tabs) at once.
    public var maximumClients = 128
    /// Readers of other tools' models (MoatInterop's `Interop.readers`), so those files can be watched too.
    public var foreignReaders: [ForeignDocumentReader] = []
    /// Request-head limits, timeouts and the connection cap of the HTTP server.
    public var connections = ConnectionLimits()
    /// Called after every build, for the terminal.
    public var onBuild: (@Sendable (BuildSummary) -> Void)?
    /// Called with a notice for the terminal (the server ran out of file descriptors, and recovered).
    public var onMessage: (@Sendable (String) -> Void)?
    /// Tests: called on the build queue after a build has loaded and analysed the model, with the build's
    /// generation and whether it has been superseded by a newer save.
    var buildHook: (@Sendable (Int, @Sendable () -> Bool) -> Void)?

    /// Options for watching the model whose root file is `modelPath`, with every other setting at its default.
    public init(modelPath: String) {
        self.modelPath = modelPath
    }
}

/// Why the server could not start.
public struct WatchServerError: Error, CustomStringConvertible {
    public var description: String
}

/// The live workbench: a loopback HTTP server with three fixed routes (`/`, `/events`, `/diagram.svg`)
/// and a poller that rebuilds the page's data on every save of the model or an included file.
public actor WatchServer {
    let options: WatchOptions
    let catalogue: Catalogue
    let token = RequestPolicy.makeToken()
    private let workbench: Workbench
    private let hub: EventHub
    private var server: LoopbackServer?
    private var tasks: [Task<Void, Never>] = []
    private var stopped = false
    private let failureSignal: AsyncStream<String>
    private let failureContinuation: AsyncStream<String>.Continuation

    /// A server for `options.modelPath`, analysed against `catalogue` (vocabulary, rules, maturity model).
    /// Nothing is built, bound or watched until `start()`.
    public init(options: WatchOptions, catalogue: Catalogue) {
        self.options = options
        self.catalogue = catalogue
        self.workbench = Workbench(modelPath: options.modelPath, catalogue: catalogue, foreignReaders: options.foreignReaders,
                                   declaredLevel: options.declaredLevel, asOf: options.asOf, hook: options.buildHook)
        self.hub = EventHub(limit: options.maximumClients)
        (failureSignal, failureContinuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Builds the model once, starts listening on 127.0.0.1 and watching the files; returns the page's
    /// URL (with the session token).
    public func start() async throws -> URL {
        precondition(server == nil, "start() is called once")
        var baseline = FileStamp.of([options.modelPath])
        if let first = await workbench.build(workbench.supersede()) { await Self.publish(first, to: hub, onBuild: options.onBuild) }
        let stamps = workbench.stamps
        for path in workbench.files where baseline[path] == nil { baseline[path] = stamps[path] ?? FileStamp.of(path) }

        let server: LoopbackServer
        do {
            let policyBox = Locked<RequestPolicy?>(nil)
            let hub = self.hub, workbench = self.workbench, continuation = failureContinuation
            server = try LoopbackServer(
                port: options.port, limits: options.connections,
                handler: { head in await Self.respond(to: head, policy: policyBox.get(), hub: hub, workbench: workbench) },
                onMessage: { [onMessage = options.onMessage] in onMessage?($0) },
                onFatal: { continuation.yield($0) })
            policyBox.set(RequestPolicy(port: server.port, token: token))
            try await server.start()
        } catch {
            throw WatchServerError(description: "cannot listen on 127.0.0.1:\(options.port): \(Self.plain(error.localizedDescription))")
        }
        self.server = server
        let port = server.port

        let watcher = options.watcher, workbench = self.workbench, hub = self.hub, onBuild = options.onBuild
        tasks.append(Task.detached {
            await Self.watch(workbench: workbench, watcher: watcher, baseline: baseline, hub: hub, onBuild: onBuild)
        })
        let every = options.heartbeat
        tasks.append(Task.detached {
            while (try? await Task.sleep(for: every)) != nil { await hub.heartbeat() }
        })
        return URL(string: "http://127.0.0.1:\(port)/?token=\(token)")!
    }

    /// Waits until the server fails for good (it can no longer accept connections); the reason.
    /// Does not return while the server runs.
    public func failed() async -> String? {
        for await reason in failureSignal { return reason }
        return nil
    }

    /// Stops watching, ends every event stream and closes the server (waiting at most `timeout` seconds
    /// for open connections).
    public func stop(timeout: TimeInterval = 1) async {
        guard !stopped else { return }
        stopped = true
        for task in tasks { task.cancel() }
        _ = workbench.supersede()
        await hub.finishAll()
        await server?.stop(timeout: .milliseconds(Int(timeout * 1000)))
        failureContinuation.finish()
    }

    /// Open connections (for tests).
    var connectionCount: Int { server?.connectionCount ?? 0 }
    var connectionCap: Int { server?.cap ?? 0 }

    /// Rebuilds on every settled change. A save during a build starts a newer build at once, which
    /// supersedes the older (only the newest is published); the list of watched files follows each
    /// published build.
    private static func watch(workbench: Workbench, watcher: FileWatcher, baseline: [String: FileStamp],
                              hub: EventHub, onBuild: (@Sendable (BuildSummary) -> Void)?) async {
        var baseline = baseline
        var files = workbench.files
        var version = workbench.filesVersion
        var running: Task<Void, Never>?
        defer { running?.cancel() }
        while true {
            switch await watcher.nextChange(of: files, from: baseline, interrupted: { workbench.filesVersion != version }) {
            case .cancelled:
                return
            case .interrupted:
                // A build read a different set of files: watch those, from the stamps the build took.
                version = workbench.filesVersion
                files = workbench.files
                let stamps = workbench.stamps
                baseline = baseline.filter { files.contains($0.key) }
                for path in files where baseline[path] == nil { baseline[path] = stamps[path] ?? FileStamp.of(path) }
            case .changed(let settled):
                let generation = workbench.supersede()
                running?.cancel()
                running = Task.detached {
                    if let result = await workbench.build(generation) { await publish(result, to: hub, onBuild: onBuild) }
                }
                // Compare later stamps with the ones this build saw, so a save during the build is caught.
                baseline = settled
            }
        }
    }

    private static func publish(_ built: Workbench.Built, to hub: EventHub,
                                onBuild: (@Sendable (BuildSummary) -> Void)?) async {
        await hub.publish(snapshotJSON: built.json, id: built.snapshot.build)
        onBuild?(built.summary)
    }

    /// "SocketError. Bind(98): Address already in use" → "address already in use".
    static func plain(_ message: String) -> String {
        guard let colon = message.range(of: ": ", options: .backwards) else { return message }
        return message[colon.upperBound...].lowercased()
    }

    /// Answers one request: the policy first, then the three routes. Never waits for a build.
    static func respond(to head: RequestHead, policy: RequestPolicy?, hub: EventHub, workbench: Workbench) async -> Reply {
        guard let policy else { return .text(503, "starting") }
        switch policy.decide(head) {
        case .reject(let status, let reason):
            return .text(status, reason)
        case .allow(.page):
            let published = workbench.published
            let nonce = RequestPolicy.makeToken()
            let html = WorkbenchPage.html(title: published?.snapshot.view?.title ?? published?.snapshot.model ?? "moat watch",
                                          snapshotJSON: published?.json ?? "null", nonce: nonce)
            return Reply(status: 200, headers: WatchHeaders.common + [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Security-Policy", WorkbenchPage.contentSecurityPolicy(nonce: nonce)),
            ], body: .bytes(Array(html.utf8)))
        case .allow(.events):
            guard let events = await hub.subscribe() else { return .text(503, "too many open event streams") }
            return Reply(status: 200, headers: WatchHeaders.common + [
                ("Content-Type", "text/event-stream; charset=utf-8"),
                ("X-Accel-Buffering", "no"),
            ], body: .events(events))
        case .allow(.diagram):
            guard let svg = workbench.published?.snapshot.view?.svg else { return .text(404, "no diagram yet") }
            // Opened on its own, the SVG is a document: no scripts, no requests.
            return Reply(status: 200, headers: WatchHeaders.common + [
                ("Content-Type", "image/svg+xml; charset=utf-8"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            ], body: .bytes(Array(svg.utf8)))
        }
    }
}

import FlyingFox
import FlyingSocks
import Foundation
import MoatCore

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
    public var watcher = FileWatcher()
    /// How often idle event streams get a comment line (finds dead connections).
    public var heartbeat: Duration = .seconds(15)
    /// At most this many event streams (open tabs) at once.
    public var maximumClients = 128
    /// Readers of other tools' models (MoatInterop's `Interop.readers`), so those files can be watched too.
    public var foreignReaders: [ForeignDocumentReader] = []
    /// Called after every build, for the terminal.
    public var onBuild: (@Sendable (BuildSummary) -> Void)?

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
    private var server: HTTPServer?
    private var tasks: [Task<Void, Never>] = []
    private var runTask: Task<Void, Never>?
    private var stopped = false

    public init(options: WatchOptions, catalogue: Catalogue) {
        self.options = options
        self.catalogue = catalogue
        self.workbench = Workbench(modelPath: options.modelPath, catalogue: catalogue, foreignReaders: options.foreignReaders,
                                   declaredLevel: options.declaredLevel, asOf: options.asOf)
        self.hub = EventHub(limit: options.maximumClients)
    }

    /// Builds the model once, starts listening on 127.0.0.1 and watching the files; returns the page's
    /// URL (with the session token).
    public func start() async throws -> URL {
        precondition(server == nil, "start() is called once")
        var baseline = FileStamp.of([options.modelPath])
        await Self.publish(await workbench.rebuild(), to: hub, onBuild: options.onBuild)
        let files = await workbench.files
        for path in files where baseline[path] == nil { baseline[path] = FileStamp.of(path) }

        let address: sockaddr_in
        do {
            address = try sockaddr_in.inet(ip4: "127.0.0.1", port: options.port)
        } catch {
            throw WatchServerError(description: "cannot use 127.0.0.1: \(error.localizedDescription)")
        }
        // The port is known only once bound; the handler reads it from the policy box.
        let policyBox = PolicyBox()
        let handler = RequestHandler(policy: policyBox, hub: hub, workbench: workbench)
        let server = HTTPServer(config: HTTPServer.Configuration(address: address, timeout: 15, logger: .disabled),
                                handler: handler)
        self.server = server
        let failure = FailureBox()
        runTask = Task {
            do { try await server.run() } catch { failure.set("\(error.localizedDescription)") }
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while !(await server.isListening) {
            if let message = failure.get() {
                throw WatchServerError(description: "cannot listen on 127.0.0.1:\(options.port): \(Self.plain(message))")
            }
            if clock.now > deadline { throw WatchServerError(description: "the server did not start listening within 10 seconds") }
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            throw WatchServerError(description: "the server is not listening on an IPv4 address")
        }
        policyBox.set(RequestPolicy(port: port, token: token))

        let watcher = options.watcher, workbench = self.workbench, hub = self.hub, onBuild = options.onBuild
        tasks.append(Task.detached {
            var files = files
            var baseline = baseline
            while let settled = await watcher.nextChange(of: files, from: baseline) {
                await Self.publish(await workbench.rebuild(), to: hub, onBuild: onBuild)
                files = await workbench.files
                // Compare later stamps with the ones the build saw, so a save during the build is caught.
                baseline = settled.filter { files.contains($0.key) }
                for path in files where baseline[path] == nil { baseline[path] = FileStamp.of(path) }
            }
        })
        let every = options.heartbeat
        tasks.append(Task.detached {
            while (try? await Task.sleep(for: every)) != nil { await hub.heartbeat() }
        })
        return URL(string: "http://127.0.0.1:\(port)/?token=\(token)")!
    }

    /// Stops watching, ends every event stream and closes the server (waiting at most `timeout` seconds
    /// for open connections).
    public func stop(timeout: TimeInterval = 1) async {
        guard !stopped else { return }
        stopped = true
        for task in tasks { task.cancel() }
        await hub.finishAll()
        if let server { await server.stop(timeout: timeout) }
        runTask?.cancel()
        _ = await runTask?.value
    }

    private static func publish(_ result: (Snapshot, BuildSummary), to hub: EventHub,
                                onBuild: (@Sendable (BuildSummary) -> Void)?) async {
        await hub.publish(snapshotJSON: result.0.json(), id: result.0.build)
        onBuild?(result.1)
    }

    /// "SocketError. Bind(98): Address already in use" → "address already in use".
    static func plain(_ message: String) -> String {
        guard let colon = message.range(of: ": ", options: .backwards) else { return message }
        return message[colon.upperBound...].lowercased()
    }
}

/// Answers requests: the policy first, then the three routes.
struct RequestHandler: HTTPHandler {
    let policy: PolicyBox
    let hub: EventHub
    let workbench: Workbench

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let policy = policy.get() else { return Self.text(503, "starting") }
        let decision = policy.decide(method: request.method.rawValue, path: request.path,
                                     token: request.query.first { $0.name == "token" }?.value,
                                     host: request.headers[.host], origin: request.headers[HTTPHeader("Origin")])
        switch decision {
        case .reject(let status, let reason):
            return Self.text(status, reason)
        case .allow(.page):
            let snapshot = await workbench.snapshot
            let nonce = RequestPolicy.makeToken()
            let html = WorkbenchPage.html(title: snapshot?.view?.title ?? snapshot?.model ?? "moat watch",
                                          snapshotJSON: snapshot?.json() ?? "null", nonce: nonce)
            var headers = Self.commonHeaders
            headers[.contentType] = "text/html; charset=utf-8"
            headers[HTTPHeader("Content-Security-Policy")] = WorkbenchPage.contentSecurityPolicy(nonce: nonce)
            return HTTPResponse(statusCode: .ok, headers: headers, body: Data(html.utf8))
        case .allow(.events):
            guard let events = await hub.subscribe() else { return Self.text(503, "too many open event streams") }
            var headers = Self.commonHeaders
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[HTTPHeader("X-Accel-Buffering")] = "no"
            return HTTPResponse(statusCode: .ok, headers: headers,
                                body: HTTPBodySequence(from: EventStreamBytes(events: events), suggestedBufferSize: 65_536))
        case .allow(.diagram):
            guard let svg = await workbench.snapshot?.view?.svg else { return Self.text(404, "no diagram yet") }
            var headers = Self.commonHeaders
            headers[.contentType] = "image/svg+xml; charset=utf-8"
            // Opened on its own, the SVG is a document: no scripts, no requests.
            headers[HTTPHeader("Content-Security-Policy")] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
            return HTTPResponse(statusCode: .ok, headers: headers, body: Data(svg.utf8))
        }
    }

    static let commonHeaders: HTTPHeaders = [
        .cacheControl: "no-store",
        HTTPHeader("X-Content-Type-Options"): "nosniff",
        HTTPHeader("Referrer-Policy"): "no-referrer",
        HTTPHeader("X-Frame-Options"): "DENY",
        HTTPHeader("Cross-Origin-Resource-Policy"): "same-origin",
    ]

    static func text(_ status: Int, _ message: String) -> HTTPResponse {
        var headers = commonHeaders
        headers[.contentType] = "text/plain; charset=utf-8"
        return HTTPResponse(statusCode: statusCode(status), headers: headers, body: Data((message + "\n").utf8))
    }

    static func statusCode(_ code: Int) -> HTTPStatusCode {
        switch code {
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 503: return .serviceUnavailable
        default: return HTTPStatusCode(code, phrase: "Error")
        }
    }
}

/// A value set once from one task and read from many (the policy, known once the port is bound).
final class PolicyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: RequestPolicy?
    func set(_ v: RequestPolicy) { lock.withLock { value = v } }
    func get() -> RequestPolicy? { lock.withLock { value } }
}

final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ v: String) { lock.withLock { value = v } }
    func get() -> String? { lock.withLock { value } }
}

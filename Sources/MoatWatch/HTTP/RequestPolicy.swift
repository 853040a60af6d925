
/// Who may read the workbench, decided before any route runs.
///
/// - The server listens on 127.0.0.1 only, so other machines cannot connect at all.
/// - Every request must carry the session token printed in the URL (`?token=…`, 128 random bits), so
///   other users of the same machine, and web pages in the user's browser that guess the port, cannot
///   read the model.
/// - The Host header must be `127.0.0.1:PORT` or `localhost:PORT`, which defeats DNS rebinding (a page
///   on `evil.example` whose name is re-pointed at 127.0.0.1 still sends `Host: evil.example`).
/// - An Origin header, when a browser sends one, must be this server's own.
/// - Only GET, and only the fixed routes; no request path is ever mapped to the file system.
/// - Requests are read by `RequestHeadReader`, which refuses heads over `HeadLimits` before any of this.
public struct RequestPolicy: Sendable {
    /// The fixed paths the workbench serves; the raw value is the exact path (compared byte for byte).
    public enum Route: String, Sendable, CaseIterable {
        /// The workbench page itself (HTML with the latest snapshot inlined).
        case page = "/"
        /// The server-sent event stream of new snapshots (`text/event-stream`).
        case events = "/events"
        /// The latest diagram as a standalone SVG document.
        case diagram = "/diagram.svg"
    }

    /// What to do with a request.
    public enum Decision: Equatable, Sendable {
        /// Serve the route.
        case allow(Route)
        /// Answer with the HTTP `status` (400, 403, 404, 405) and `reason` as a plain-text body.
        case reject(status: Int, reason: String)
    }

    /// The port the server listens on at 127.0.0.1; part of the only Host and Origin values accepted.
    public let port: UInt16
    /// The session token every request must present as `?token=`; see `makeToken()`.
    public let token: String

    /// The policy of a server on `port` whose session token is `token`.
    public init(port: UInt16, token: String) {
        self.port = port
        self.token = token
    }

    /// 32 hex digits from the system's cryptographic random source.
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<16).flatMap { _ -> [Character] in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        })
    }

    /// The decision for a request head: the method, then framing (one Host, at most one Origin, no body),
    /// then `decide(method:path:token:host:origin:)` with the path, the `token` query parameter and the fields.
    public func decide(_ head: RequestHead) -> Decision {
        guard head.method == "GET" else { return .reject(status: 405, reason: "only GET is served") }
        let hosts = head.values("Host"), origins = head.values("Origin")
        if hosts.count > 1 { return .reject(status: 400, reason: "more than one Host header") }
        if origins.count > 1 { return .reject(status: 400, reason: "more than one Origin header") }
        if head.declaresBody { return .reject(status: 400, reason: "requests with a body are not served") }
        return decide(method: head.method, path: head.path, token: head.queryValue("token"),
                      host: hosts.first, origin: origins.first)
    }

    /// Every comparison is of UTF-8 bytes (ASCII letters folded for Host and Origin): Swift's `String`
    /// equality is Unicode canonical equivalence, under which other text could equal an allowed value.
    public func decide(method: String, path: String, token presented: String?, host: String?, origin: String?) -> Decision {
        guard Self.bytesEqual(method, "GET") else { return .reject(status: 405, reason: "only GET is served") }
        guard let host, allowedHosts.contains(where: { Self.asciiCaseInsensitiveEqual(host, $0) }) else {
            return .reject(status: 403, reason: "unexpected Host header; open the URL that moat watch printed")
        }
        if let origin, !allowedOrigins.contains(where: { Self.asciiCaseInsensitiveEqual(origin, $0) }) {
            return .reject(status: 403, reason: "cross-origin requests are refused")
        }
        guard let route = Route.allCases.first(where: { Self.bytesEqual(path, $0.rawValue) }) else {
            return .reject(status: 404, reason: "not found")
        }
        guard let presented, Self.constantTimeEqual(presented, token) else {
            return .reject(status: 403, reason: "this moat watch session needs its token; open the URL that moat watch printed")
        }
        return .allow(route)
    }

    static func bytesEqual(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// Equal bytes, ASCII letters in either case.
    static func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
        func fold(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { fold($0) == fold($1) }
    }

    /// The Host header values accepted: `127.0.0.1:PORT` and `localhost:PORT` (ASCII case ignored).
    public var allowedHosts: Set<String> { ["127.0.0.1:\(port)", "localhost:\(port)"] }
    /// The Origin header values accepted, when one is sent: `http://` and an allowed host.
    public var allowedOrigins: Set<String> { Set(allowedHosts.map { "http://" + $0 }) }

    /// Whether two strings have the same UTF-8 bytes, in time that depends only on their lengths, not on
    /// where they differ (so the token cannot be guessed a byte at a time).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}


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
    public enum Route: String, Sendable, CaseIterable {
        case page = "/"
        case events = "/events"
        case diagram = "/diagram.svg"
    }

    public enum Decision: Equatable, Sendable {
        case allow(Route)
        case reject(status: Int, reason: String)
    }

    public let port: UInt16
    public let token: String

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

    public var allowedHosts: Set<String> { ["127.0.0.1:\(port)", "localhost:\(port)"] }
    public var allowedOrigins: Set<String> { Set(allowedHosts.map { "http://" + $0 }) }

    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

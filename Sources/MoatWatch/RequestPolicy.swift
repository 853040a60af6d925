import Foundation

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
struct RequestPolicy: Sendable {
    enum Route: String, Sendable, CaseIterable {
        case page = "/"
        case events = "/events"
        case diagram = "/diagram.svg"
    }

    enum Decision: Equatable, Sendable {
        case allow(Route)
        case reject(status: Int, reason: String)
    }

    let port: UInt16
    let token: String

    /// 32 hex digits from the system's cryptographic random source.
    static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    func decide(method: String, path: String, token presented: String?, host: String?, origin: String?) -> Decision {
        guard method == "GET" else { return .reject(status: 405, reason: "only GET is served") }
        guard let host, allowedHosts.contains(host.lowercased()) else {
            return .reject(status: 403, reason: "unexpected Host header; open the URL that moat watch printed")
        }
        if let origin, !allowedOrigins.contains(origin.lowercased()) {
            return .reject(status: 403, reason: "cross-origin requests are refused")
        }
        guard let route = Route(rawValue: path) else { return .reject(status: 404, reason: "not found") }
        guard let presented, Self.constantTimeEqual(presented, token) else {
            return .reject(status: 403, reason: "this moat watch session needs its token; open the URL that moat watch printed")
        }
        return .allow(route)
    }

    var allowedHosts: Set<String> { ["127.0.0.1:\(port)", "localhost:\(port)"] }
    var allowedOrigins: Set<String> { Set(allowedHosts.map { "http://" + $0 }) }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

import Foundation
import MCP
import MoatCore
@testable import MoatMCP
import Testing

/// The date every test analyses as of, so that tracking expiry does not depend on the day.
let testDate = "2026-06-01"

/// The package root (for Samples/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A folder of its own under the temporary directory, removed at the end of the test.
final class TempRoot: @unchecked Sendable {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` at the relative path `name`, creating folders; returns the absolute path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    func link(_ name: String, to target: String) throws {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target)
    }

    func subfolder(_ name: String) throws -> String {
        let dir = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }
}

/// A tool call's answer as the client saw it.
struct CallOutcome {
    var content: [Tool.Content]
    var isError: Bool

    /// The text blocks, joined.
    var text: String {
        content.compactMap { block -> String? in
            if case .text(let text, _, _) = block { return text }
            return nil
        }.joined(separator: "\n")
    }

    /// The text block that is a JSON document, parsed.
    func json() throws -> Any {
        for block in content {
            if case .text(let text, _, _) = block, let first = text.first, first == "{" || first == "[" {
                return try JSONSerialization.jsonObject(with: Data(text.utf8))
            }
        }
        throw NoJSON(text: text)
    }

    struct NoJSON: Error, CustomStringConvertible {
        var text: String
        var description: String { "no JSON block in the answer: \(text.prefix(500))" }
    }
}

/// The MCP SDK's own client, connected in-process to a `moat mcp` server through the SDK's in-memory
/// transport pair: the messages go through the SDK's JSON encoding and decoding both ways.
final class MCPSession: @unchecked Sendable {
    let client: Client
    let server: Server
    let root: String

    private init(client: Client, server: Server, root: String) {
        self.client = client
        self.server = server
        self.root = root
    }

    static func start(root: String, level: Int? = nil, catalogue: Catalogue? = nil) async throws -> MCPSession {
        let configuration = MoatMCPServer.Configuration(catalogue: try catalogue ?? Catalogue.builtIn.get(),
                                                        root: try ServerRoot(root), declaredLevel: level, asOf: testDate,
                                                        version: "test")
        let server = await MoatMCPServer.make(configuration)
        let (clientTransport, serverTransport) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverTransport)
        let client = Client(name: "moat-tests", version: "1.0")
        try await client.connect(transport: clientTransport)
        return MCPSession(client: client, server: server, root: root)
    }

    func call(_ tool: String, _ arguments: [String: Value]? = nil) async throws -> CallOutcome {
        let (content, isError) = try await client.callTool(name: tool, arguments: arguments)
        return CallOutcome(content: content, isError: isError ?? false)
    }

    func stop() async {
        await client.disconnect()
        await server.stop()
    }
}

/// Runs `body` with a session on `root`, and stops it afterwards.
func withSession<T>(root: String, level: Int? = nil, _ body: (MCPSession) async throws -> T) async throws -> T {
    let session = try await MCPSession.start(root: root, level: level)
    do {
        let value = try await body(session)
        await session.stop()
        return value
    } catch {
        await session.stop()
        throw error
    }
}

/// What the core itself gives for a model, to compare the tools' answers with.
enum Reference {
    static func analysis(_ path: String, level: Int? = nil) throws -> (Analysis, Catalogue) {
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(path: path)
        let model = try #require(result.model)
        return (Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(declaredLevel: level, asOf: testDate)), catalogue)
    }
}

/// A small valid model: an internet shopper, a shop and its database.
let shopModel = """
    model "Quick start" {
      maturity 2
      practices security-policies, security-reviews
    }

    data card "Card number" { classification secret; payment; pii }

    boundary internet "Internet" {
      trust untrusted

      actor shopper "Shopper" { type user }
    }

    boundary dc "Data centre" {
      process shop "Shop" { type web-app; internet-facing; authn session }
      datastore orders "Orders DB" { type sql; stores card }
    }

    shopper -> shop "Checkout" { protocol https; carries card }
    shop -> orders "Save order" { protocol postgres; carries card }

    """

/// An executable of this package, found beside the test bundle or in the package's build folders.
enum BuiltBinary {
    static func url(_ name: String) -> URL? {
        var dirs: [URL] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        dirs.append(Bundle.main.bundleURL)
        for scratch in [".build-tests", ".build"] {
            for config in ["debug", "release"] {
                dirs.append(packageRoot.appendingPathComponent(scratch).appendingPathComponent(config))
            }
        }
        return dirs.map { $0.appendingPathComponent(name) }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

import Foundation
import MCP
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `moat mcp` as an MCP client starts it: the built `moat` hands over to `moat-mcp`, and the SDK's client
/// talks to it through its standard input and output with the SDK's stdio transport.
@Suite(.timeLimit(.minutes(10)))
struct MCPProcessTests {
    @Test func aSessionOverStdio() async throws {
        let moat = try #require(BuiltBinary.url("moat"), "the moat binary was not found next to the test bundle")
        #expect(BuiltBinary.url("moat-mcp") != nil, "the moat-mcp program was not found next to the test bundle")
        let root = try TempRoot()
        try root.write("models/shop.moat", shopModel)
        try root.write("bad.moat", "process p { type api; protocl https }\n")
        let toServer = Pipe(), fromServer = Pipe(), errors = Pipe()
        let process = Process()
        process.executableURL = moat
        process.arguments = ["mcp", "--root", root.path, "--as-of", testDate]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardInput = toServer
        process.standardOutput = fromServer
        process.standardError = errors
        try process.run()

        let transport = StdioTransport(input: .init(rawValue: fromServer.fileHandleForReading.fileDescriptor),
                                       output: .init(rawValue: toServer.fileHandleForWriting.fileDescriptor))
        let client = Client(name: "moat-process-test", version: "1.0")
        let initialised = try await client.connect(transport: transport)
        #expect(initialised.serverInfo.name == "moat")

        let (tools, _) = try await client.listTools()
        #expect(tools.count == 8)
        let (content, isError) = try await client.callTool(name: "validate_model", arguments: ["path": "models/shop.moat"])
        #expect(isError != true)
        guard case .text(let text, _, _)? = content.first else {
            Issue.record("no text: \(content)")
            return
        }
        #expect(text.contains("\"valid\": true"))
        let (bad, badIsError) = try await client.callTool(name: "analyze_model", arguments: ["path": "bad.moat"])
        #expect(badIsError == true)
        if case .text(let message, _, _)? = bad.first { #expect(message.contains("bad.moat:1:23: error: unknown attribute 'protocl'")) }
        let (escape, escapeIsError) = try await client.callTool(name: "validate_model", arguments: ["path": "../../etc/passwd"])
        #expect(escapeIsError == true)
        if case .text(let message, _, _)? = escape.first { #expect(message.contains("leaves the server's root folder")) }

        // Closing its input ends the server with status 0, and it wrote nothing to standard error.
        await client.disconnect()
        try toServer.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(process.terminationReason == .exit)
        let stderr = readToEnd(errors.fileHandleForReading)
        #expect(String(decoding: stderr, as: UTF8.self) == "")
    }

    /// The answers are what the `moat` commands print for the same model and options.
    @Test func theToolsGiveWhatTheCommandsPrint() async throws {
        let moat = try #require(BuiltBinary.url("moat"))
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        func command(_ arguments: [String]) throws -> String {
            let run = try runProcess(moat, arguments, in: root.url)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return run.stdout
        }
        let analysis = try command(["analyze", "shop.moat", "--format", "json", "--as-of", testDate, "--level", "3"])
        let findingID = try #require(((try JSONSerialization.jsonObject(with: Data(analysis.utf8)) as? [String: Any])?["findings"]
                                      as? [[String: Any]])?.first?["id"] as? String)
        let ruleID = String(findingID.split(separator: "@")[0])
        let explanation = try command(["explain", findingID, "shop.moat", "--as-of", testDate, "--level", "3"])
        let rule = try command(["rules", "show", ruleID, "--format", "json"])
        let rules = try command(["rules", "list", "--format", "json"])
        let validation = try runProcess(moat, ["validate", "shop.moat"], in: root.url)
        try await withSession(root: root.path) { session in
            let analyzed = try await session.call("analyze_model", ["path": "shop.moat", "level": 3]).text
            #expect(analyzed == analysis)
            let explained = try await session.call("explain_finding", ["path": "shop.moat", "finding": .string(findingID), "level": 3]).text
            #expect(explained == explanation)
            let shown = try await session.call("show_rule", ["id": .string(ruleID)]).text
            #expect(shown == rule)
            let listed = try await session.call("list_rules", ["detail": "full"]).text
            #expect(listed == rules)
            let validated = try await session.call("validate_model", ["path": "shop.moat", "format": "text"]).text
            #expect(validated == validation.stderr + validation.stdout)
        }
    }

    @Test func helpListsMCPAndItsOptions() throws {
        let moat = try #require(BuiltBinary.url("moat"))
        let help = try runProcess(moat, ["--help"])
        #expect(help.stdout.contains("mcp"))
        let run = try runProcess(moat, ["mcp", "--help"])
        #expect(run.status == 0)
        for text in ["--root", "--models", "--rules", "--level", "Example", "claude mcp add"] {
            #expect(run.stdout.contains(text), "\(text)")
        }
    }

    @Test func aRootThatIsNotAFolderExits2() throws {
        let moat = try #require(BuiltBinary.url("moat"))
        let run = try runProcess(moat, ["mcp", "--root", "/nonexistent/folder"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--root '/nonexistent/folder' is not a directory"))
        #expect(run.stdout.isEmpty)
    }

    @Test func noInputEndsTheServer() throws {
        let moat = try #require(BuiltBinary.url("moat"))
        let root = try TempRoot()
        let run = try runProcess(moat, ["mcp", "--root", root.path])
        #expect(run.status == 0 && !run.crashed)
        #expect(run.stdout.isEmpty)
    }
}

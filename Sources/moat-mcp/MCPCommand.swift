import ArgumentParser
import Foundation
import MCP
import MoatCommandSupport
import MoatMCP

/// `moat mcp`: the Model Context Protocol server on standard input and output (docs/mcp.md).
///
/// A program of its own, `moat-mcp`, which `moat mcp` replaces itself with, so that the MCP SDK is linked
/// into this program only and adds nothing to the start of the other commands.
@main
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat mcp",
        abstract: "Serve the Model Context Protocol on stdin/stdout for AI assistants.",
        discussion: """
            Tools: validate_model, analyze_model, explain_finding, list_rules, show_rule, list_vocabulary, \
            render_diagram, list_models. Resources: the vocabulary, the rules and the models under the root.

            Only files under the root folder are read (the working directory, or --root): absolute paths, \
            paths that climb out with '..', and symbolic links or includes that lead out are refused. Nothing \
            is written. An MCP client starts it; nothing but protocol messages is written to standard output \
            (docs/mcp.md).

            Example (Claude Code, from the project folder):
              claude mcp add moat -- moat mcp
            """,
        version: MoatVersion.string
    )

    static func main() async { await CommandRunner.main(MCPCommand.self) }

    @Option(help: ArgumentHelp("Read models only from under DIR (default: the working directory).", valueName: "DIR"))
    var root: String?

    @OptionGroup var analysisArguments: AnalysisArguments

    func run() async throws {
        let catalogue = try analysisArguments.catalogue()
        let serverRoot: ServerRoot
        do {
            serverRoot = try ServerRoot(root ?? FileManager.default.currentDirectoryPath)
        } catch {
            Console.err("moat mcp: error: --root '\(root ?? ".")' is not a directory\n")
            throw ExitStatus.invalidInput.exitCode
        }
        // Paths are relative to the root: the core sees them relative to the working directory too.
        _ = FileManager.default.changeCurrentDirectoryPath(serverRoot.path)
        // A client that goes away mid-answer makes the write fail (EPIPE) instead of killing the process.
        signal(SIGPIPE, SIG_IGN)
        let configuration = MoatMCPServer.Configuration(catalogue: catalogue, root: serverRoot,
                                                        declaredLevel: analysisArguments.level, asOf: analysisArguments.asOf,
                                                        version: MoatVersion.string)
        do {
            try await MoatMCPServer.serve(configuration, transport: StdioTransport())
        } catch {
            Console.err("moat mcp: error: \(error)\n")
            throw ExitStatus.environment.exitCode
        }
    }
}

import ArgumentParser
import Foundation
import MoatCommandSupport

/// `moat mcp …`: replaces this process with the `moat-mcp` program installed beside `moat`.
///
/// The MCP server is a program of its own so that it and the MCP SDK add nothing to the start of every
/// other `moat` command (docs/mcp.md).
struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the Model Context Protocol on stdin/stdout for AI assistants.",
        discussion: "Run `moat mcp --help` for the options."
    )

    @Argument(parsing: .captureForPassthrough,
              help: ArgumentHelp("The options of moat-mcp ([--root DIR] [--models DIR] [--rules DIR] [--level N] …).",
                                 valueName: "arguments"))
    var arguments: [String] = []

    func run() throws {
        let program = WatchCommand.siblingProgram("moat-mcp")
        guard FileManager.default.isExecutableFile(atPath: program) else {
            Console.err("moat: error: 'moat mcp' needs the moat-mcp program beside moat (\(program)); "
                        + "build it with `swift build -c release --product moat-mcp`\n")
            throw ExitStatus.environment.exitCode
        }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        execv(program, argv)
        // execv returns only when it failed.
        Console.err("moat: error: cannot start \(program): \(String(cString: strerror(errno)))\n")
        throw ExitStatus.environment.exitCode
    }
}

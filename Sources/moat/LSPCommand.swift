import ArgumentParser
import Foundation
import MoatCommandSupport

/// `moat lsp …`: replaces this process with the `moat-lsp` program installed beside `moat`.
///
/// The language server is a program of its own so that its code adds nothing to the start of every
/// other `moat` command (docs/editors.md).
struct LSPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: LSPHelp.abstract,
        discussion: "Run `moat lsp --help` for the options."
    )

    @Argument(parsing: .captureForPassthrough,
              help: ArgumentHelp("The options of moat-lsp ([--models DIR] [--rules DIR] [--level N] …).", valueName: "arguments"))
    var arguments: [String] = []

    func run() throws {
        let program = WatchCommand.siblingProgram("moat-lsp")
        guard FileManager.default.isExecutableFile(atPath: program) else {
            Console.err("moat: error: 'moat lsp' needs the moat-lsp program beside moat (\(program)); "
                        + "build it with `swift build -c release --static-swift-stdlib --product moat-lsp`\n")
            throw ExitStatus.environment.exitCode
        }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        execv(program, argv)
        // execv returns only when it failed.
        Console.err("moat: error: cannot start \(program): \(String(cString: strerror(errno)))\n")
        throw ExitStatus.environment.exitCode
    }
}

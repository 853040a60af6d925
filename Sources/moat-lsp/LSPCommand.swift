import ArgumentParser
import Foundation
import MoatCommandSupport
import MoatLSP

/// `moat lsp`: the language server on standard input and output (docs/editors.md).
///
/// A program of its own, `moat-lsp`, which `moat lsp` replaces itself with: linked into `moat`, the
/// server's code made the start of every other command measurably longer (docs/editors.md).
@main
struct LSPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat lsp",
        abstract: LSPHelp.abstract,
        discussion: """
            Diagnostics as you type, completion, hover, go to definition, references, rename, outline, \
            formatting, quick fixes and each element's open findings (docs/editors.md). An editor \
            starts it; nothing but protocol messages is written to standard output.

            Example (Neovim 0.8 or later):
              vim.lsp.start({ name = "moat", cmd = { "moat", "lsp" } })
            """,
        version: MoatVersion.string
    )

    static func main() async { await CommandRunner.main(LSPCommand.self) }

    @OptionGroup var analysisArguments: AnalysisArguments

    @Option(help: ArgumentHelp("Write each message's method and handling time to FILE.", valueName: "FILE"))
    var log: String?

    /// Accepted and ignored: some clients start every server with `--stdio`.
    @Flag(help: .hidden) var stdio = false

    func run() async throws {
        let catalogue = try analysisArguments.catalogue()
        let status = MoatLanguageServer.serve(catalogue: catalogue, declaredLevel: analysisArguments.level,
                                              asOf: analysisArguments.asOf, version: MoatVersion.string, logPath: log)
        if status != 0 { throw ExitCode(status) }
    }
}

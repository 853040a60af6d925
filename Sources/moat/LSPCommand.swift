import ArgumentParser
import Foundation
import MoatCommandSupport
import MoatLSP

/// `moat lsp`: the language server, on standard input and output, for editors (docs/editors.md).
struct LSPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Serve the Language Server Protocol on stdin/stdout for editors.",
        discussion: """
            Diagnostics as you type, completion, hover, go to definition, references, rename, outline,
            formatting, quick fixes and each element's open findings (docs/editors.md). An editor
            starts it; it is not meant to be run by hand. Nothing but protocol messages is written to
            standard output.

            Example (Neovim):
              vim.lsp.start({ name = "moat", cmd = { "moat", "lsp" } })
            """
    )

    @OptionGroup var analysisArguments: AnalysisArguments

    @Option(help: ArgumentHelp("Write each message's method and handling time to FILE.", valueName: "FILE"))
    var log: String?

    func run() throws {
        let catalogue = try analysisArguments.catalogue()
        let status = MoatLanguageServer.serve(catalogue: catalogue, declaredLevel: analysisArguments.level,
                                              asOf: analysisArguments.asOf, version: MoatVersion.string, logPath: log)
        if status != 0 { throw ExitCode(status) }
    }
}

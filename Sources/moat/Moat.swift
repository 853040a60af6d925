import ArgumentParser
import Foundation
import MoatCommandSupport

/// The `moat` command: a table of contents of the subcommands.
@main
struct Moat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat",
        abstract: "Threat modelling as code: model an architecture, find its threats, draw it.",
        discussion: """
            Exit codes: 0 ok; 1 findings at or above a threshold (or files that need formatting); \
            2 invalid input or usage; 3 environment error.

            A FILE of '-' is standard input (a model in the Moat language, or YAML or JSON with \
            --stdin-format); '-o -' is standard output. Colour: --color auto|always|never (auto honours \
            NO_COLOR). Shell completion: moat --generate-completion-script bash|zsh|fish.

            Example:
              moat init shop && moat validate shop.moat
            """,
        version: MoatVersion.string,
        subcommands: [
            ValidateCommand.self, AnalyzeCommand.self, ExplainCommand.self, DiagramCommand.self, ReportCommand.self, CheckCommand.self, DiffCommand.self, RulesCommand.self, VocabularyCommand.self, FormatCommand.self, ConvertCommand.self, GraphCommand.self, InitCommand.self, SchemaCommand.self, ImportCommand.self, ExportCommand.self, WatchCommand.self, LSPCommand.self, MCPCommand.self,
        ]
    )

    static func main() async { await CommandRunner.main(Moat.self) }
}

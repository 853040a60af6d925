import ArgumentParser
import Foundation
import MoatCore

/// The `moat` command: a table of contents of the subcommands.
@main
struct Moat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat",
        abstract: "Threat modelling as code: model an architecture, find its threats, draw it.",
        discussion: """
            Exit codes: 0 ok; 1 findings at or above a threshold (or files that need formatting);
            2 invalid input or usage; 3 environment error.

            Example:
              moat init shop && moat validate shop.moat
            """,
        version: MoatVersion.string,
        subcommands: [
            ValidateCommand.self, AnalyzeCommand.self, ExplainCommand.self, DiagramCommand.self, ReportCommand.self, CheckCommand.self, DiffCommand.self, RulesCommand.self, FormatCommand.self, ConvertCommand.self, GraphCommand.self, InitCommand.self, SchemaCommand.self, ImportCommand.self, ExportCommand.self, WatchCommand.self,
        ]
    )

    /// Runs the command, mapping usage errors to exit code 2 (argument-parser's default is 64).
    static func main() async {
        installInteropReaders()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.invalidInput.rawValue)
            }
            exit(withError: error)
        }
    }
}

import ArgumentParser
import Foundation

/// Runs a root command the way every Moat executable does.
public enum CommandRunner {
    /// Parses the arguments and runs the command; usage errors exit 2 (argument-parser's default is 64).
    public static func main<Root: ParsableCommand>(_ root: Root.Type) async {
        installInteropReaders()
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = root.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((root.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.invalidInput.rawValue)
            }
            root.exit(withError: error)
        }
    }
}

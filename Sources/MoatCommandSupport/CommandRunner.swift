import ArgumentParser
import Foundation
import MoatCore

#if canImport(Glibc)
import Glibc
#endif

/// A command that runs the rules (analysis, checks, diagrams with threats, rule listings): the runner warms
/// the bundled catalogue while it parses the arguments.
public protocol RunsRules {}

/// Runs a root command the way every Moat executable does, and prints every error it ends with in one
/// format: `moat: error: message` (with notes, and for usage errors argument-parser's usage and help hint),
/// after the diagnostics of the input, which are `file:line:col` with a caret. Usage errors exit 2
/// (argument-parser's default is 64).
public enum CommandRunner {
    /// Parses the arguments and runs the command.
    public static func main<Root: ParsableCommand>(_ root: Root.Type) async {
        #if canImport(Glibc)
        // glibc raises its trim threshold as a program frees large blocks, so memory freed after loading
        // (the syntax trees, the tokens) stays in the process; a fixed 1 MiB gives it back. At 10,000
        // elements this lowers the peak from 92 to 76 MiB at no measurable cost in time.
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 20)
        // A fixed trim threshold also stops glibc raising its mmap threshold, which then stays at 128 KiB: every
        // block of 128 KiB or more (tokens, findings, JSON) would be mapped for itself and unmapped when freed,
        // and each of its pages would fault again in the next such block (costly in a virtual machine). Blocks
        // up to 8 MiB now come from the heap, whose freed memory is reused: at 10,000 elements 25,100 → 18,400
        // page faults (a 2 MiB threshold: 21,600; 32 MiB, where glibc's own raising stops: 18,600) and 7% less
        // time, for a peak of 82 MiB instead of 77; on the sample, where the report's blocks reuse what the
        // catalogue freed, 1,470 → 1,410 faults and 0.9 ms less CPU time.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 8 << 20)
        #endif
        let arguments = Array(CommandLine.arguments.dropFirst())
        warmUpRules(for: root, arguments)
        // Errors in the arguments themselves are printed before any command exists: honour `--color` anyway.
        Console.useColour(colourChoice(in: arguments))
        var command: ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            if let unknown = unknownSubcommand(root, arguments) { exit(with: unknown) }
            exit(root, usageError: error)
        }
        // Without a `--color` argument the parsed choice is the default, `auto`, already in use; asking for it would
        // cost a scan of the binary's protocol conformances (`as?` a protocol, the first time for this type).
        if arguments.contains(where: { $0.hasPrefix("--color") }), let coloured = command as? ColourOutput {
            Console.useColour(coloured.terminal.colour)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CommandError {
            exit(with: error)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            exit(root, usageError: error)
        }
    }

    /// Starts loading the bundled rules on another core when the arguments name a command that runs them:
    /// parsing the arguments and reading the catalogue each take a third of analysing a small model, and
    /// neither needs the other (`Catalogue.builtIn` is loaded once, whichever thread asks first). A command
    /// given `--models` loads its own catalogue; the warm-up is then work on an idle core, never a wrong answer.
    static func warmUpRules<Root: ParsableCommand>(for root: Root.Type, _ arguments: [String]) {
        guard let name = arguments.first,
              let command = root.configuration.subcommands.first(where: {
                  $0.configuration.commandName == name || $0.configuration.aliases.contains(name)
              }),
              command is RunsRules.Type else { return }
        let loaded = DispatchGroup()
        loaded.enter()
        warmUp = loaded
        DispatchQueue.global(qos: .userInitiated).async {
            _ = Catalogue.builtIn
            loaded.leave()
        }
    }

    /// The warm-up started by `warmUpRules`, done once the catalogue is loaded; set before the arguments are parsed
    /// and only read after, by the command the runner then runs.
    nonisolated(unsafe) private static var warmUp: DispatchGroup?

    /// Waits, asleep, for the warm-up to finish loading the bundled catalogue. Asking `Catalogue.builtIn` while the
    /// warm-up loads it would wait in `swift_once`, whose lock (a priority-inheriting futex) spins on a core for as
    /// long as the loader runs: the core that the loader's second lane needed.
    static func awaitWarmUp() { warmUp?.wait() }

    /// Prints a command error and exits with its status.
    public static func exit(with error: CommandError) -> Never {
        Console.report(error)
        Foundation.exit(error.status.rawValue)
    }

    /// Help, version and completion requests print and exit 0; every other error is a usage error, printed
    /// as `moat: error: …` with argument-parser's usage lines and hint, exit 2.
    static func exit<Root: ParsableCommand>(_ root: Root.Type, usageError error: Error) -> Never {
        let code = root.exitCode(for: error)
        if code == .success { root.exit(withError: error) }
        let message = root.message(for: error)
        var full = root.fullMessage(for: error)
        // The full text is argument-parser's "Error: message", then its help and usage lines: keep those.
        let prefix = Root._errorPrefix + message
        if full.hasPrefix(prefix) { full.removeFirst(prefix.count) }
        while full.hasPrefix("\n") { full.removeFirst() }
        if message.isEmpty && full.isEmpty { Foundation.exit(code == .validationFailure ? ExitStatus.invalidInput.rawValue : code.rawValue) }
        // A message of several lines (the values an option takes, one a line): the first is the error.
        let lines = message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        Console.report([Diagnostic.error(.usage, sentence(String(lines[0])), at: nil)])
        let rest = (lines.count > 1 ? String(lines[1]) + "\n" : "") + full
        if !rest.isEmpty { Console.err(TerminalText.sanitize(rest.hasSuffix("\n") ? rest : rest + "\n", keeping: ["\n"])) }
        Foundation.exit(code == .validationFailure || code == .failure ? ExitStatus.invalidInput.rawValue : code.rawValue)
    }

    /// argument-parser's messages start with a capital ("Missing expected argument"); Moat's do not.
    static func sentence(_ message: String) -> String {
        let scalars = Array(message.unicodeScalars.prefix(2))
        guard scalars.count == 2, CharacterSet.uppercaseLetters.contains(scalars[0]),
              CharacterSet.lowercaseLetters.contains(scalars[1]) else { return message }
        return message.prefix(1).lowercased() + message.dropFirst()
    }

    /// `moat anlyze …`: the first word that names no subcommand, with a hint.
    static func unknownSubcommand(_ root: ParsableCommand.Type, _ arguments: [String]) -> CommandError? {
        var command = CommandInfo(root)
        var path = [command.name]
        for argument in arguments {
            let subcommands = command.subcommands.map(CommandInfo.init)
            guard !argument.hasPrefix("-"), !subcommands.isEmpty else { return nil }
            guard let next = subcommands.first(where: { $0.name == argument || $0.aliases.contains(argument) }) else {
                if argument == "help" { return nil }
                let names = subcommands.flatMap { [$0.name] + $0.aliases }
                let visible = subcommands.filter(\.visible).map(\.name)
                let parent = path.joined(separator: " ")
                return .invalidInput("unknown command '\(parent) \(argument)'" + DidYouMean.hint(argument, among: names),
                                     notes: ["the commands are: \(visible.joined(separator: ", ")); see '\(parent) --help'"])
            }
            command = next
            path.append(next.name)
        }
        return nil
    }

    /// What the runner needs to know of a command type.
    struct CommandInfo {
        var name: String
        var aliases: [String]
        var subcommands: [ParsableCommand.Type]
        var visible: Bool

        init(_ type: ParsableCommand.Type) {
            func read<Command: ParsableCommand>(_: Command.Type) -> CommandInfo {
                let configuration = Command.configuration
                return CommandInfo(name: configuration.commandName ?? Command._commandName, aliases: configuration.aliases,
                                   subcommands: configuration.subcommands, visible: configuration.shouldDisplay)
            }
            self = read(type)
        }

        init(name: String, aliases: [String], subcommands: [ParsableCommand.Type], visible: Bool) {
            self.name = name
            self.aliases = aliases
            self.subcommands = subcommands
            self.visible = visible
        }
    }

    /// `--color WHEN` or `--color=WHEN` before any `--`; `auto` when absent or not a choice.
    static func colourChoice(in arguments: [String]) -> ColourChoice {
        var choice = ColourChoice.auto
        var index = 0
        while index < arguments.count, arguments[index] != "--" {
            let argument = arguments[index]
            if argument == "--color", index + 1 < arguments.count {
                choice = ColourChoice(rawValue: arguments[index + 1]) ?? choice
                index += 1
            } else if argument.hasPrefix("--color=") {
                choice = ColourChoice(rawValue: String(argument.dropFirst("--color=".count))) ?? choice
            }
            index += 1
        }
        return choice
    }

    /// Ends the process with status 0 once everything is written, without freeing the model, the
    /// analysis and the findings object by object on the way out (as compilers do): at 100,000 elements
    /// that teardown took half a second. Output goes straight to file descriptors, so nothing is pending.
    public static func exitWithoutTeardown() -> Never {
        Foundation.exit(ExitStatus.ok.rawValue)
    }
}

#if canImport(Glibc)
/// glibc's `int mallopt(int param, int value)` (malloc.h, which the Glibc module does not import).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

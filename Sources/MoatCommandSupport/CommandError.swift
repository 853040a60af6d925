import MoatCore

/// Why a command stopped: thrown by commands and the helpers they call, and printed once, by
/// `CommandRunner`, as `moat: error: message` with its notes (the form of a diagnostic without a place),
/// after any diagnostics it carries (`file:line:col` with the source line and a caret).
public struct CommandError: Error, CustomStringConvertible, Sendable {
    /// What went wrong; nil when there is nothing to add to the diagnostics (or, for exit status 1, to
    /// what the command printed itself).
    public var message: String?
    /// Further lines printed after the message as `note:` lines (hints, suggestions).
    public var notes: [String]
    /// The exit status the program ends with: invalid input (2) unless said otherwise.
    public var status: ExitStatus
    /// Diagnostics to print before the message: the problems of an input, with their places.
    public var diagnostics: [Diagnostic]

    /// An error printing `message` and `notes` after `diagnostics`, ending the program with `status`.
    public init(_ message: String?, notes: [String] = [], status: ExitStatus = .invalidInput,
                diagnostics: [Diagnostic] = []) {
        self.message = message
        self.notes = notes
        self.status = status
        self.diagnostics = diagnostics
    }

    /// Invalid input or usage (exit 2).
    public static func invalidInput(_ message: String, notes: [String] = []) -> CommandError {
        CommandError(message, notes: notes, status: .invalidInput)
    }

    /// Something missing from the environment: a catalogue, a Graphviz plugin, git, a program (exit 3).
    public static func environment(_ message: String, notes: [String] = []) -> CommandError {
        CommandError(message, notes: notes, status: .environment)
    }

    /// An input with errors: its diagnostics, printed in full, and exit 2.
    public static func invalid(_ diagnostics: [Diagnostic], message: String? = nil) -> CommandError {
        CommandError(message, status: .invalidInput, diagnostics: diagnostics)
    }

    /// Problems already printed as they were found (a command that goes on past a bad file): exit 2.
    public static let alreadyReported = CommandError(nil, status: .invalidInput)

    /// Findings at or above a threshold, or files that need formatting: exit 1, the command has said why.
    public static let findings = CommandError(nil, status: .findings)

    /// `file` could not be written.
    public static func cannotWrite(_ path: String, _ reason: String) -> CommandError {
        .invalidInput("cannot write '\(path)': \(reason)")
    }

    /// An unknown name, with a "did you mean" hint from `candidates` when one is close.
    public static func unknown(_ what: String, _ name: String, among candidates: [String],
                               notes: [String] = []) -> CommandError {
        .invalidInput("unknown \(what) '\(name)'" + DidYouMean.hint(name, among: candidates), notes: notes)
    }

    /// The message as the runner prints it, without colour.
    public var description: String {
        var text = DiagnosticRenderer().render(diagnostics)
        if let message { text += DiagnosticRenderer().render(Diagnostic.error(.command, message, at: nil, notes: notes.map { DiagnosticNote($0) })) }
        return text
    }
}

/// The one "did you mean" of the command line, over `Suggestion.closest`.
public enum DidYouMean {
    /// `"; did you mean 'x'?"` when a candidate is close to `word`, and `""` otherwise.
    public static func hint(_ word: String, among candidates: [String]) -> String {
        Suggestion.closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}

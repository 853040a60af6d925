import Foundation
import MoatCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output and standard error, in colour where `--color` and the terminal say so.
public enum Console {
    /// Whether standard output and standard error are coloured; set once, by `CommandRunner`, before the
    /// command runs (from `--color` and the environment).
    nonisolated(unsafe) public private(set) static var colour = ColourChoice.auto.resolved()

    /// Chooses colour for both streams.
    static func useColour(_ choice: ColourChoice) {
        colour = choice.resolved()
    }

    /// Writes `text` to standard output as it is (no newline added, no colour removed).
    public static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `text` to standard error as it is (no newline added).
    public static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// The renderer of diagnostics on standard error.
    public static var renderer: DiagnosticRenderer { DiagnosticRenderer(colour: colour.standardError) }

    /// Prints diagnostics to standard error in `file:line:col: severity: message` form.
    public static func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        err(renderer.render(diagnostics))
    }

    /// Prints an error without a place, as `moat: error: message` and its notes.
    public static func report(_ error: CommandError) {
        report(error.diagnostics)
        if let message = error.message {
            report([Diagnostic.error(.command, message, at: nil, notes: error.notes.map { DiagnosticNote($0) })])
        }
    }

    /// Writes a file (atomically when it is a regular file; see `OutputFile`), or to stdout for `-`. Reports,
    /// pictures and other output a rerun makes again replace a file as `.regenerable`; models and baselines,
    /// which people edit, as `.durable` (the default).
    public static func write(_ text: String, to path: String?, replacing replacement: OutputFile.Replacement = .durable) throws {
        try write(Array(text.utf8), to: path, replacing: replacement)
    }

    /// Writes bytes to a file (atomically when it is a regular file; see `OutputFile`), or to stdout for `-`.
    public static func write(_ bytes: [UInt8], to path: String?, replacing replacement: OutputFile.Replacement = .durable) throws {
        let output = try OutputFile(path, replacing: replacement)
        output.write(bytes)
        try output.close()
    }

    /// True when `path` (nil or `-`) means standard output.
    public static func isStandardOutput(_ path: String?) -> Bool { path == nil || path == "-" }
}

/// `--color auto|always|never`.
enum ColourChoice: String, Sendable, CaseIterable {
    /// Colour a stream when it is a terminal, unless `NO_COLOR` is non-empty or `TERM` is `dumb`.
    case auto
    /// Colour both streams, even when redirected.
    case always
    /// Never colour.
    case never

    /// Colour per stream: `always` and `never` say it; `auto` colours a stream that is a terminal, unless
    /// `NO_COLOR` is set to anything but the empty string (no-color.org) or `TERM` is `dumb`. `variable` reads
    /// the environment: one variable at a time, because `ProcessInfo.environment` copies all of it into a
    /// dictionary, which costs more than everything else the runner does before parsing the arguments.
    public func resolved(variable: (String) -> String? = { getenv($0).map { String(cString: $0) } })
        -> (standardOutput: Bool, standardError: Bool) {
        switch self {
        case .always: return (true, true)
        case .never: return (false, false)
        case .auto:
            if let noColour = variable("NO_COLOR"), !noColour.isEmpty { return (false, false) }
            if variable("TERM") == "dumb" { return (false, false) }
            return (isatty(STDOUT_FILENO) == 1, isatty(STDERR_FILENO) == 1)
        }
    }
}

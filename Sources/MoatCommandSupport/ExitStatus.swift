import ArgumentParser

/// Moat's exit codes (DESIGN §9).
public enum ExitStatus: Int32, Sendable {
    /// Success: nothing at or above the threshold.
    case ok = 0
    /// Findings at or above the threshold, or files that `fmt --check` would change.
    case findings = 1
    /// Invalid input or usage.
    case invalidInput = 2
    /// The environment is missing something (a catalogue, a Graphviz format).
    case environment = 3

    /// The status as ArgumentParser's exit code, to end the program with.
    public var exitCode: ExitCode { ExitCode(rawValue) }
}

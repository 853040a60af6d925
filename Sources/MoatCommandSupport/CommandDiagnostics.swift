import MoatCore

/// The diagnostics of the command line itself (usage and command errors without a place in a file).
extension DiagnosticID {
    public static let command = DiagnosticID(declared: "command")
    public static let usage = DiagnosticID(declared: "usage")
}

import Foundation
import MoatCore

/// Writes to standard output and standard error.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints diagnostics to standard error in `file:line:col: severity: message` form.
    static func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        err(DiagnosticRenderer().render(diagnostics))
    }

    /// Writes a file atomically (a temporary file renamed into place), or to stdout for `-`.
    static func write(_ text: String, to path: String?) throws {
        guard let path, path != "-" else { return out(text) }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            err("moat: error: cannot write '\(path)': \(error.localizedDescription)\n")
            throw ExitStatus.invalidInput.exitCode
        }
    }
}

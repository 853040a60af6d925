import Foundation
import MoatCore

/// Writes to standard output and standard error.
public enum Console {
    public static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints diagnostics to standard error in `file:line:col: severity: message` form.
    public static func report(_ diagnostics: [Diagnostic]) {
        guard !diagnostics.isEmpty else { return }
        err(DiagnosticRenderer().render(diagnostics))
    }

    /// Writes a file (atomically when it is a regular file; see `OutputFile`), or to stdout for `-`.
    public static func write(_ text: String, to path: String?) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes bytes to a file (atomically when it is a regular file; see `OutputFile`), or to stdout for `-`.
    public static func write(_ bytes: [UInt8], to path: String?) throws {
        let output = try OutputFile(path)
        output.write(bytes)
        try output.close()
    }
}

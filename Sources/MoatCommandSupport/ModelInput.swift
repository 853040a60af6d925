import ArgumentParser
import Foundation
import MoatCore

/// `--stdin-format moat|yaml|json`: the notation of a model read from standard input (`-`).
public struct ModelInputOptions: ParsableArguments {
    /// `--stdin-format`: the notation of a model read from standard input; Moat language by default.
    @Option(name: .customLong("stdin-format"),
            help: ArgumentHelp("The notation of a model read from standard input ('-' as FILE): moat, yaml or json.",
                               valueName: "NOTATION"))
    public var stdinFormat: Document.Notation = .moat

    public init() {}

    /// How model files are read under these options.
    public var reader: ModelInput { ModelInput(stdinNotation: stdinFormat) }
}

/// How a command reads model files: from disk, or from standard input for `-`, which is read once and
/// known as `<stdin>.moat` (`<stdin>.yaml`, `<stdin>.json` with `--stdin-format`) in messages; the files it
/// includes are found from the current folder.
public struct ModelInput: Sendable {
    /// The notation a model read from standard input is parsed as (Moat language, YAML or JSON).
    public var stdinNotation: Document.Notation

    /// Input that reads standard input in `stdinNotation` (the Moat language by default).
    public init(stdinNotation: Document.Notation = .moat) {
        self.stdinNotation = stdinNotation
    }

    /// The name standard input goes by.
    public var standardInputPath: String { "<stdin>.\(stdinNotation.rawValue)" }

    /// The path a command line argument is read as: `<stdin>.moat` for `-`.
    public func path(_ argument: String) -> String {
        argument == "-" ? standardInputPath : argument
    }

    /// A source loader that reads `standardInputPath` from standard input and everything else through `base`.
    public func sourceLoader(_ base: SourceLoader = SourceLoader()) -> SourceLoader {
        let name = standardInputPath
        let read = base.readBytes
        return SourceLoader { path in path == name ? try StandardInput.bytes() : try read(path) }
    }

    /// Reads one file (`-` for standard input) with the loader's checks; the diagnostic says why not.
    public func file(_ argument: String) -> Result<SourceFile, Diagnostic> {
        sourceLoader().load(path(argument))
    }
}

/// Standard input, read to its end once (a command may ask for it more than once: a model and its check).
enum StandardInput {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [UInt8]?

    static func bytes() throws -> [UInt8] {
        try lock.withLock {
            if let cache { return cache }
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if n > 0 {
                    data.append(contentsOf: buffer[0..<n])
                    // Past the limit the loader refuses it; reading on would only fill memory.
                    if data.count > SourceLoader.maximumSize { throw SourceLoader.LoadError.tooLarge(data.count) }
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    throw SourceLoader.LoadError.unreadable
                }
            }
            cache = data
            return data
        }
    }
}

import ArgumentParser
import Foundation
import MoatCommandSupport

/// `moat watch …`: replaces this process with the `moat-watch` program installed beside `moat`.
///
/// The workbench's HTTP server links FoundationNetworking (and libcurl with it), which would slow the start
/// of every other command by about 7 ms; so it lives in a program of its own, with the same arguments.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: WatchHelp.abstract,
        discussion: "Run `moat watch --help` for the options."
    )

    @Argument(parsing: .captureForPassthrough,
              help: ArgumentHelp("The model and options of moat-watch (FILE [--port N] [--open] …).", valueName: "arguments"))
    var arguments: [String] = []

    func run() throws {
        let program = Self.siblingProgram("moat-watch")
        guard FileManager.default.isExecutableFile(atPath: program) else {
            Console.err("moat: error: 'moat watch' needs the moat-watch program beside moat (\(program)); "
                        + "build it with `swift build -c release --product moat-watch`\n")
            throw ExitStatus.environment.exitCode
        }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        execv(program, argv)
        // execv returns only when it failed.
        Console.err("moat: error: cannot start \(program): \(String(cString: strerror(errno)))\n")
        throw ExitStatus.environment.exitCode
    }

    /// The path of `name` in the folder of the running executable.
    static func siblingProgram(_ name: String) -> String {
        #if os(Linux)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        #else
        let me = Bundle.main.executablePath ?? CommandLine.arguments[0]
        #endif
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

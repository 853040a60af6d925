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
            throw CommandError.environment(
                "'moat watch' needs the moat-watch program beside moat, at \(program), and it is not there",
                notes: Self.buildAdvice(for: program))
        }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        execv(program, argv)
        // execv returns only when it failed.
        throw CommandError.environment("cannot start \(program): \(String(cString: strerror(errno)))",
                                       notes: Self.buildAdvice(for: program))
    }

    /// How to build `moat-watch` into the folder of this `moat`: the build configuration is the folder's name
    /// in a SwiftPM build (`.build/release`, `.build/debug`).
    static func buildAdvice(for program: String) -> [String] {
        let folder = URL(fileURLWithPath: program).deletingLastPathComponent()
        let configuration = folder.lastPathComponent == "debug" ? "debug" : "release"
        let flags = configuration == "release" ? "-c release --static-swift-stdlib " : ""
        return ["build it from the Moat source folder with: swift build \(flags)--product moat-watch",
                "or build both programs at once: bash .ci/demo (or swift build \(flags)with no --product)",
                "moat-watch is a program of its own so that only it links the HTTP server; moat runs it from its own folder"]
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

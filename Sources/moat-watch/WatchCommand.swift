import ArgumentParser
import Dispatch
import Foundation
import MoatCommandSupport
import MoatCore
import MoatInterop
import MoatWatch

/// `moat watch FILE [--port N] [--open]`: the live workbench in a browser tab.
///
/// A program of its own, `moat-watch`, which `moat watch` replaces itself with, so that only it links the
/// HTTP server, its socket library (FlyingSocks) and Graphviz's render loop for live updates; the other
/// `moat` commands start without them.
@main
struct WatchCommand: AsyncParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "moat watch",
        abstract: WatchHelp.abstract,
        discussion: """
            Serves one page on 127.0.0.1 only: the annotated diagram (scroll to zoom, \
            drag to pan, click a component to filter the threat list to it), the \
            threats grouped by component, the maturity summary and the current errors \
            and warnings. Every save of the model or of a file it includes rebuilds it \
            and updates the page within a second; a save with errors shows them over \
            the last good diagram. The URL carries a random session token: only those \
            who have it can read the page. Stop with Ctrl-C.

            Example:
              moat watch Samples/online-shop.moat --open
            """
    )

    static func main() async { await CommandRunner.main(WatchCommand.self) }

    @Argument(help: ArgumentHelp("The model.", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(help: ArgumentHelp("Port on 127.0.0.1 (default: a free port).", valueName: "N"))
    var port: Int?

    @Flag(help: "Open the page in the default browser (xdg-open or open), if there is one.")
    var open = false

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
        if file == "-" { throw ValidationError("moat watch follows a file as it is saved; standard input ('-') cannot be watched") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError("'\(file)': no such model file")
        }
    }

    func run() async throws {
        // A browser that goes away mid-write must not end the process (FlyingFox also asks for no SIGPIPE).
        signal(SIGPIPE, SIG_IGN)
        let catalogue = try analysisArguments.catalogue()
        var options = WatchOptions(modelPath: file)
        options.port = UInt16(port ?? 0)
        options.declaredLevel = analysisArguments.level
        options.asOf = analysisArguments.asOf
        options.foreignReaders = Interop.readers(vocabulary: catalogue.vocabulary)
        let printer = BuildPrinter()
        options.onBuild = { summary in printer.print(summary) }
        options.onMessage = { message in Console.err("moat watch: \(message)\n") }
        Self.raiseOpenFileLimit()
        let server = WatchServer(options: options, catalogue: catalogue)
        let url: URL
        do {
            url = try await server.start()
        } catch let error as WatchServerError {
            throw CommandError.environment(error.description)
        }
        Console.out("moat watch: serving \(file) at \(url.absoluteString)\n")
        Console.out("moat watch: the page updates on every save; press Ctrl-C to stop\n")
        printer.start()
        if open { Self.openBrowser(url) }
        // Ends at Ctrl-C (SIGINT) or SIGTERM, or when the server can no longer accept connections.
        let failure: String? = await withTaskGroup(of: String?.self) { group in
            group.addTask { await Self.waitForInterrupt(); return nil }
            group.addTask { await server.failed() }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let failure {
            Console.err("moat watch: \(failure)\n")
            Self.exitAfter(seconds: 3, status: ExitStatus.environment.rawValue)
            await server.stop()
            throw ExitStatus.environment.exitCode
        }
        await server.stop()
        Console.out("moat watch: stopped\n")
    }

    /// Raises the soft limit on open files to the hard limit (at most 65,536): each connection is one.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return }
        let wanted = min(limit.rlim_max, 65_536)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted
            _ = setrlimit(resource, &limit)
        }
    }

    /// Ends the process after `seconds` from a thread of its own, whatever the rest is doing (a shutdown
    /// that hangs, or cooperative threads kept busy).
    static func exitAfter(seconds: Double, status: Int32) {
        let thread = Thread {
            Thread.sleep(forTimeInterval: seconds)
            Console.err("moat watch: shutdown took longer than \(Int(seconds)) s; exiting\n")
            _exit(status)
        }
        thread.start()
    }

    /// One status line per build; errors in full on stderr.
    static func report(_ s: BuildSummary) {
        if s.succeeded {
            Console.out("[\(s.builtAt)] build \(s.build): \(s.findings) findings, \(s.openFindings) open"
                        + (s.warningCount > 0 ? ", \(s.warningCount) warning\(s.warningCount == 1 ? "" : "s")" : "")
                        + " (\(s.milliseconds) ms)\n")
        } else {
            Console.out("[\(s.builtAt)] build \(s.build): \(s.errorCount) error\(s.errorCount == 1 ? "" : "s"); "
                        + "the page shows them over the last good diagram\n")
            Console.err(s.renderedErrors)
        }
    }

    /// Suspends until SIGINT or SIGTERM arrives (once); later signals exit immediately with status 0.
    /// The first signal also starts a 3-second limit on the shutdown, kept on a thread of its own, so
    /// that Ctrl-C ends the process even when the Swift concurrency threads are all busy.
    static func waitForInterrupt() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Once()
            let queue = DispatchQueue(label: "moat.watch.signals")
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler {
                    if once.first() {
                        exitAfter(seconds: 3, status: ExitStatus.ok.rawValue)
                        continuation.resume()
                    } else {
                        _exit(ExitStatus.ok.rawValue)
                    }
                }
                source.resume()
                SignalSources.keep(source)
            }
        }
    }

    /// Opens the URL with `xdg-open` (Linux, BSD) or `open` (macOS) when one is on the PATH; never fails.
    static func openBrowser(_ url: URL) {
        #if os(macOS)
        let names = ["open"]
        #else
        let names = ["xdg-open"]
        #endif
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = names.flatMap { name in path.split(separator: ":").map { "\($0)/\(name)" } }
        guard let opener = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Console.err("moat watch: no \(names.joined(separator: " or ")) found; open the URL above in a browser\n")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [url.absoluteString]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            Console.err("moat watch: could not start \(opener): \(error.localizedDescription)\n")
        }
    }
}

/// Prints build lines, holding back those that come before the URL is printed.
private final class BuildPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private var started = false
    private var held: [BuildSummary] = []

    func print(_ summary: BuildSummary) {
        lock.withLock {
            if started { WatchCommand.report(summary) } else { held.append(summary) }
        }
    }

    func start() {
        lock.withLock {
            started = true
            held.forEach(WatchCommand.report)
            held.removeAll()
        }
    }
}

/// True the first time only.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func first() -> Bool {
        lock.withLock {
            defer { done = true }
            return !done
        }
    }
}

/// Signal sources live as long as the process.
private enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let lock = NSLock()
    static func keep(_ source: any DispatchSourceSignal) { lock.withLock { sources.append(source) } }
}

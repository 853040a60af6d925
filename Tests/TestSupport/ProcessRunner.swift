import Foundation

// The one way the tests run another program (moat, moat-fuzz, python3 for JSON Schema checks, git).

/// What a finished child process left behind.
public struct ProcessOutcome: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// True when the process ended by a signal (a crash, or the kill after a timeout) instead of exiting.
    public var crashed: Bool
    /// True when the process overran its time limit and was killed.
    public var timedOut: Bool
}

/// Runs `executable` with `arguments` and waits for it, reading both pipes while it runs so that a large
/// output cannot block it. `environment` is added to this process's environment. After `timeLimit`
/// seconds the process gets SIGTERM, and SIGKILL 5 s later.
public func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                       environment extra: [String: String] = [:], mergeOutput: Bool = false,
                       timeLimit: Double = 60) throws -> ProcessOutcome {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !extra.isEmpty {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, new in new }
        process.environment = environment
    }
    let out = Pipe(), err = mergeOutput ? out : Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = readToEnd(out.fileHandleForReading); group.leave() }
    if !mergeOutput {
        group.enter()
        DispatchQueue.global().async { errData = readToEnd(err.fileHandleForReading); group.leave() }
    }
    let deadline = Date().addingTimeInterval(timeLimit)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    let timedOut = process.isRunning
    if timedOut {
        process.terminate()
        let grace = Date().addingTimeInterval(5)
        while process.isRunning && Date() < grace { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    group.wait()
    return ProcessOutcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self),
                          crashed: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
}

/// Everything left to read from a pipe. `FileHandle.readDataToEndOfFile()` traps when a signal interrupts
/// its read (EINTR), which happens when many tests start and stop processes at once; this retries.
public func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if n > 0 {
            data.append(contentsOf: buffer[0..<n])
        } else if n == 0 || errno != EINTR {
            return data
        }
    }
}

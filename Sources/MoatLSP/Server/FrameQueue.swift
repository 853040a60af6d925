import Foundation

/// Frames read by the reader thread, waiting for the server's loop; the loop takes all that wait at
/// once, so that edits typed while an analysis runs are analysed once, in their latest state.
final class FrameQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var frames: [IncomingFrame] = []

    func push(_ frame: IncomingFrame) {
        condition.lock()
        frames.append(frame)
        condition.signal()
        condition.unlock()
    }

    /// Every waiting frame; blocks while there is none.
    func takeAll() -> [IncomingFrame] {
        condition.lock()
        defer { condition.unlock() }
        while frames.isEmpty { condition.wait() }
        let taken = frames
        frames.removeAll()
        return taken
    }

    var isEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return frames.isEmpty
    }
}

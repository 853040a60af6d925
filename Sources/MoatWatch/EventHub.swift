import Foundation

/// Fans Server-Sent Events out to every open page. Each subscriber gets the latest snapshot at once,
/// then every later one. A subscriber's queue holds only the newest few events (each snapshot is
/// complete, so a slow tab skips to the latest instead of making the server buffer without bound).
actor EventHub {
    /// At most this many event streams at once (each is one socket); more get 503.
    let limit: Int
    private var latest: [UInt8]?
    private var latestID = Int.min
    private var subscribers: [UInt64: AsyncStream<[UInt8]>.Continuation] = [:]
    private var nextID: UInt64 = 0
    private var finished = false

    init(limit: Int = 128) {
        self.limit = limit
    }

    var count: Int { subscribers.count }

    /// A new event stream, starting with the latest snapshot; nil when the hub is full or shut down.
    func subscribe() -> AsyncStream<[UInt8]>? {
        guard !finished, subscribers.count < limit else { return nil }
        nextID += 1
        let id = nextID
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(4))
        // Tell EventSource to reconnect after one second if the connection drops.
        continuation.yield(Array("retry: 1000\n\n".utf8))
        if let latest { continuation.yield(latest) }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        subscribers[id] = continuation
        return stream
    }

    /// Sends a snapshot to every subscriber and keeps it for those who come later; one older than the
    /// latest (a build that finished late) is dropped.
    func publish(snapshotJSON json: String, id: Int) {
        guard id > latestID else { return }
        latestID = id
        let event = Self.event(name: "snapshot", id: id, data: json)
        latest = event
        broadcast(event)
    }

    /// A comment line every so often lets a dead connection fail its write and be cleaned up.
    func heartbeat() {
        broadcast(Array(": keep-alive\n\n".utf8))
    }

    /// Ends every stream (on shutdown); later subscriptions are refused.
    func finishAll() {
        finished = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    private func broadcast(_ bytes: [UInt8]) {
        for (id, continuation) in subscribers {
            if case .terminated = continuation.yield(bytes) { subscribers[id] = nil }
        }
    }

    private func remove(_ id: UInt64) {
        subscribers[id] = nil
    }

    /// One SSE event. `data` must not contain line breaks (compact JSON does not).
    static func event(name: String, id: Int, data: String) -> [UInt8] {
        let lines = data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" })
        var text = "id: \(id)\nevent: \(name)\n"
        for line in lines { text += "data: \(line)\n" }
        return Array((text + "\n").utf8)
    }
}

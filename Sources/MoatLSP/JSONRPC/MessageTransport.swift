import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the reader found next on the input stream.
enum IncomingFrame {
    /// The body of one message (not yet decoded).
    case message(Data)
    /// A frame whose header could not be read, or a body too large to keep; the reader skipped it.
    case malformed(String)
    /// The input was closed.
    case end
}

/// Reads `Content-Length`-framed messages (the LSP base protocol) from a file descriptor.
///
/// A bad header never stops the reader: it skips to the next `Content-Length:` and carries on.
final class MessageReader: @unchecked Sendable {  // used by the reader thread only
    /// Bodies larger than this are skipped (a model is at most 32 MiB; JSON escaping can double it).
    static let maximumBody = 128 << 20
    /// Headers longer than this are not headers.
    static let maximumHeader = 16 << 10

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var closed = false

    init(fileDescriptor: Int32) { fd = fileDescriptor }

    /// Blocks until the next frame.
    func next() -> IncomingFrame {
        while true {
            // Skip blank lines some clients put between messages.
            while start < buffer.count && (buffer[start] == 0x0D || buffer[start] == 0x0A) { start += 1 }
            if let end = headerEnd() {
                let header = String(decoding: buffer[start..<end.headerEnd], as: UTF8.self)
                guard let length = Self.contentLength(header) else {
                    start = end.bodyStart
                    compact()
                    return .malformed("malformed message header: " + header.prefix(200).debugDescription)
                }
                start = end.bodyStart
                if length > Self.maximumBody {
                    var left = length
                    while left > 0 {
                        if start >= buffer.count { buffer.removeAll(keepingCapacity: true); start = 0; if !fill() { return .end } }
                        let take = min(left, buffer.count - start)
                        start += take
                        left -= take
                    }
                    compact()
                    return .malformed("message of \(length) bytes is larger than the limit of \(Self.maximumBody) bytes")
                }
                while buffer.count - start < length {
                    if !fill() { return .end }
                }
                let body = Data(buffer[start..<(start + length)])
                start += length
                compact()
                return .message(body)
            }
            if buffer.count - start > Self.maximumHeader {
                // No header end in sight: drop up to the next possible header and report the junk once.
                let junk = String(decoding: buffer[start..<min(buffer.count, start + 80)], as: UTF8.self)
                resync()
                return .malformed("unreadable input before a message header: " + junk.debugDescription)
            }
            if !fill() {
                if closed && start < buffer.count {
                    let junk = String(decoding: buffer[start..<min(buffer.count, start + 80)], as: UTF8.self)
                    start = buffer.count
                    return .malformed("input ended inside a message header: " + junk.debugDescription)
                }
                return .end
            }
        }
    }

    /// The end of the header (after `\r\n\r\n`, or `\n\n` from lenient writers), if it is in the buffer.
    private func headerEnd() -> (headerEnd: Int, bodyStart: Int)? {
        var i = start
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if i + 1 < buffer.count, buffer[i + 1] == 0x0A { return (i, i + 2) }
                if i + 2 < buffer.count, buffer[i + 1] == 0x0D, buffer[i + 2] == 0x0A { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    /// Drops bytes up to the next `Content-Length` (or all but a few bytes that may start one).
    private func resync() {
        let needle = Array("Content-Length".utf8)
        var i = start + 1
        while i + needle.count <= buffer.count {
            if buffer[i..<(i + needle.count)].elementsEqual(needle) { start = i; compact(); return }
            i += 1
        }
        start = max(start, buffer.count - needle.count)
        compact()
    }

    static func contentLength(_ header: String) -> Int? {
        var length: Int?
        for line in header.split(whereSeparator: { $0 == "\r" || $0 == "\n" }) {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else { return nil }
                length = n
            }
        }
        return length
    }

    private func compact() {
        if start > 0 && (start >= buffer.count || start > 1 << 16) {
            buffer.removeFirst(start)
            start = 0
        }
    }

    /// Reads more input; false at the end of input.
    private func fill() -> Bool {
        if closed { return false }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            closed = true
            return false
        }
    }
}

/// Writes framed messages to a file descriptor; safe to call from several threads.
final class MessageWriter: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private(set) var failed = false

    init(fileDescriptor: Int32) { fd = fileDescriptor }

    /// Writes one message body with its header; false when the other end has gone.
    @discardableResult
    func write(_ body: Data) -> Bool {
        var frame = Data("Content-Length: \(body.count)\r\n\r\n".utf8)
        frame.append(body)
        return lock.withLock {
            if failed { return false }
            let ok = frame.withUnsafeBytes { raw -> Bool in
                guard var p = raw.baseAddress else { return true }
                var left = raw.count
                while left > 0 {
                    let n = Foundation.write(fd, p, left)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    p += n
                    left -= n
                }
                return true
            }
            if !ok { failed = true }
            return ok
        }
    }
}

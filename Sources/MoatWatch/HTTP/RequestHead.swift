/// The request line and header fields of one HTTP/1.x request, as read by `RequestHeadReader`.
///
/// Text is decoded from bytes that the reader has already checked: the method is a token, the target
/// has no spaces or control characters, field names are tokens and values have no control characters
/// other than tab.
public struct RequestHead: Sendable, Equatable {
    /// One header field line (`Name: value`).
    public struct Field: Sendable, Equatable {
        /// The field name in the case it was sent (a token: no spaces or separators).
        public var name: String
        /// The value without the spaces and tabs around it; may be empty.
        public var value: String
    }

    /// The request method as sent, case-sensitive (`GET`; the policy refuses every other).
    public var method: String
    /// The request target as sent (`/events?token=…`).
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// In the order sent; names as sent (compare them without regard to case).
    public var fields: [Field]

    /// The target before `?`.
    public var path: String {
        guard let q = target.firstIndex(of: "?") else { return target }
        return String(target[..<q])
    }

    /// The target after `?`, or nil when there is none.
    public var query: String? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        return String(target[target.index(after: q)...])
    }

    /// The value of the first query parameter called `name` (`name=value`, parameters split at `&`),
    /// exactly as sent: no percent-decoding, so a token is compared byte for byte.
    public func queryValue(_ name: String) -> String? {
        guard let query else { return nil }
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    /// Every value of the field `name` (any case), in order.
    public func values(_ name: String) -> [String] {
        let lower = name.lowercased()
        return fields.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    /// The value of a field that may appear at most once; nil when absent.
    public func value(_ name: String) -> String? { values(name).first }

    /// Whether the request announces a body (a non-zero Content-Length, or any Transfer-Encoding).
    public var declaresBody: Bool {
        if !values("Transfer-Encoding").isEmpty { return true }
        return values("Content-Length").contains { $0 != "0" }
    }

    /// HTTP/1.1 keeps the connection open unless the client says `Connection: close`; HTTP/1.0 closes.
    public var keepAlive: Bool {
        guard version == "HTTP/1.1" else { return false }
        return !values("Connection").contains { value in
            value.split(separator: ",").contains { $0.trimmingCharactersInSpaceAndTab().lowercased() == "close" }
        }
    }
}

/// How large a request head may be. Requests over these limits are refused as soon as the limit is
/// passed, without waiting for the rest: 414 for a long request line, 431 for long or many fields.
public struct HeadLimits: Sendable, Equatable {
    /// Bytes in the request line, without its line end.
    public var requestLine: Int
    /// Bytes of all header lines together, with their line ends and the empty line that ends the head.
    public var fieldBytes: Int
    /// At most this many header fields.
    public var fieldCount: Int

    /// Limits of 8 KiB for the request line, 8 KiB for all header lines together and 64 fields, unless given.
    public init(requestLine: Int = 8_192, fieldBytes: Int = 8_192, fieldCount: Int = 64) {
        self.requestLine = requestLine
        self.fieldBytes = fieldBytes
        self.fieldCount = fieldCount
    }

    /// The most bytes a complete head can have under these limits (request line, fields, line ends and
    /// up to `leadingEmptyLines` empty lines before the request).
    public var headBytes: Int { requestLine + 2 + fieldBytes + RequestHeadReader.leadingEmptyLines * 2 }
}

/// What reading a head came to.
public enum HeadResult: Sendable, Equatable {
    /// No complete head yet; read more.
    case needMore
    /// A complete head; the bytes after it (a pipelined request) stay in the reader.
    case head(RequestHead)
    /// Refused: answer `status` with `reason` and close the connection.
    case reject(status: Int, reason: String)
}

/// Reads one HTTP/1.x request head at a time from bytes as they arrive, in time linear in the bytes
/// fed and memory bounded by `HeadLimits` (plus one read).
///
/// It is strict where leniency would let two readers disagree about a request (RFC 9112): line ends are
/// CRLF or LF, a bare CR or NUL is an error, a request line is exactly `METHOD SP TARGET SP HTTP/1.x`,
/// field names are tokens with no space before the colon, folded lines (obs-fold) are refused.
public struct RequestHeadReader: Sendable {
    /// Empty lines allowed before a request line (RFC 9112 §2.2 asks servers to ignore at least one).
    public static let leadingEmptyLines = 4

    /// The size limits every head read is held to.
    public let limits: HeadLimits
    /// Received bytes not yet consumed by a finished head.
    private(set) public var buffered: [UInt8] = []
    /// Everything before this offset has been checked for line ends.
    private var scanned = 0
    /// Where the current line starts.
    private var lineStart = 0
    private var emptyLinesSkipped = 0
    private var requestLine: (method: String, target: String, version: String)?
    private var fields: [RequestHead.Field] = []
    /// Bytes of header lines so far (for `limits.fieldBytes`).
    private var fieldBytes = 0
    private var finished: HeadResult?

    /// An empty reader that enforces `limits`.
    public init(limits: HeadLimits = HeadLimits()) {
        self.limits = limits
    }

    /// True when no byte of a next request has arrived yet.
    public var isIdle: Bool { buffered.isEmpty }

    /// How many bytes to ask the socket for at a time; `buffered` never holds more than
    /// `limits.headBytes + readSize` bytes.
    public static let readSize = 4_096

    /// Adds received bytes and reads as far as they go. After `.head`, call `next()` before feeding the
    /// following request; after `.reject`, the connection is closed.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> HeadResult {
        if let finished { return finished }
        buffered.append(contentsOf: bytes)
        return advance()
    }

    /// Forgets the finished head and starts on the bytes after it (a pipelined request), if any.
    public mutating func next() -> HeadResult {
        guard case .head? = finished else { return finished ?? .needMore }
        buffered.removeSubrange(0..<lineStart)
        scanned = 0
        lineStart = 0
        emptyLinesSkipped = 0
        requestLine = nil
        fields = []
        fieldBytes = 0
        finished = nil
        return buffered.isEmpty ? .needMore : advance()
    }

    private mutating func finish(_ result: HeadResult) -> HeadResult {
        finished = result
        return result
    }

    private mutating func advance() -> HeadResult {
        while scanned < buffered.count {
            let byte = buffered[scanned]
            if byte == 0x0A {
                var end = scanned
                if end > lineStart && buffered[end - 1] == 0x0D { end -= 1 }
                let lineLength = end - lineStart
                let consumed = scanned + 1 - lineStart
                if let result = line(lineStart..<end, length: lineLength, consumed: consumed) { return finish(result) }
                scanned += 1
                lineStart = scanned
                if case .head? = finished { return finished! }
                continue
            }
            if byte == 0 { return finish(.reject(status: 400, reason: "a NUL byte in the request head")) }
            if byte == 0x0D {
                // A CR must be followed by LF; wait for the next byte to know.
                guard scanned + 1 < buffered.count else { return .needMore }
                if buffered[scanned + 1] != 0x0A { return finish(.reject(status: 400, reason: "a bare CR in the request head")) }
                scanned += 1
                continue
            }
            scanned += 1
            // Over a limit with no line end yet: refuse now, without waiting for the rest of the line.
            let pending = scanned - lineStart
            if requestLine == nil {
                if pending > limits.requestLine { return finish(.reject(status: 414, reason: "the request line is too long")) }
            } else if fieldBytes + pending > limits.fieldBytes {
                return finish(.reject(status: 431, reason: "the request's header fields are too large"))
            }
        }
        return .needMore
    }

    /// Handles one complete line; a result ends the head (a finished head or a refusal).
    private mutating func line(_ range: Range<Int>, length: Int, consumed: Int) -> HeadResult? {
        guard let requestLine else {
            if length == 0 {
                emptyLinesSkipped += 1
                return emptyLinesSkipped > Self.leadingEmptyLines ? .reject(status: 400, reason: "no request line") : nil
            }
            if length > limits.requestLine { return .reject(status: 414, reason: "the request line is too long") }
            switch Self.parseRequestLine(buffered[range]) {
            case .success(let parsed): self.requestLine = parsed
            case .failure(let refusal): return .reject(status: refusal.status, reason: refusal.reason)
            }
            return nil
        }
        fieldBytes += consumed
        if fieldBytes > limits.fieldBytes { return .reject(status: 431, reason: "the request's header fields are too large") }
        if length == 0 {
            let head = RequestHead(method: requestLine.method, target: requestLine.target, version: requestLine.version,
                                   fields: fields)
            // Keep the finished head; `advance` returns it, and `next()` drops its bytes.
            finished = .head(head)
            return nil
        }
        if fields.count == limits.fieldCount { return .reject(status: 431, reason: "too many header fields") }
        switch Self.parseField(buffered[range]) {
        case .success(let field): fields.append(field)
        case .failure(let refusal): return .reject(status: refusal.status, reason: refusal.reason)
        }
        return nil
    }

    struct Refusal: Error {
        var status: Int
        var reason: String
    }

    /// `METHOD SP TARGET SP HTTP/1.x`, single spaces, nothing else.
    static func parseRequestLine(_ bytes: ArraySlice<UInt8>) -> Result<(method: String, target: String, version: String), Refusal> {
        let parts = bytes.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty,
              !parts[2].contains(0x20) else {
            return .failure(Refusal(status: 400, reason: "a malformed request line"))
        }
        guard parts[0].allSatisfy(isTokenByte) else { return .failure(Refusal(status: 400, reason: "a malformed method")) }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            return .failure(Refusal(status: 400, reason: "a malformed request target"))
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            let isHTTP = version.hasPrefix("HTTP/") && version.count == 8
            return .failure(isHTTP ? Refusal(status: 505, reason: "only HTTP/1.1 is served")
                                   : Refusal(status: 400, reason: "a malformed HTTP version"))
        }
        return .success((String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), version))
    }

    /// `NAME ":" OWS VALUE OWS`.
    static func parseField(_ bytes: ArraySlice<UInt8>) -> Result<RequestHead.Field, Refusal> {
        if bytes.first == 0x20 || bytes.first == 0x09 {
            return .failure(Refusal(status: 400, reason: "folded header lines are not accepted"))
        }
        guard let colon = bytes.firstIndex(of: 0x3A), colon > bytes.startIndex,
              bytes[bytes.startIndex..<colon].allSatisfy(isTokenByte) else {
            return .failure(Refusal(status: 400, reason: "a malformed header field"))
        }
        var value = bytes[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ ($0 >= 0x20 && $0 != 0x7F) || $0 == 0x09 }) else {
            return .failure(Refusal(status: 400, reason: "a control character in a header field"))
        }
        return .success(RequestHead.Field(name: String(decoding: bytes[bytes.startIndex..<colon], as: UTF8.self),
                                          value: String(decoding: value, as: UTF8.self)))
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}

extension StringProtocol {
    func trimmingCharactersInSpaceAndTab() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

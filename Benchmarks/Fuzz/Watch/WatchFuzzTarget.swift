import MoatWatchHTTP

/// What one input goes through: its bytes arrive on a `moat watch` connection. They are fed to a
/// `RequestHeadReader` in pieces (sizes taken from the input's first byte), each finished head is decided
/// by `RequestPolicy`, pipelined requests are read on until the connection would close.
///
/// Invariants (a violation stops the fuzzer with the input):
/// - nothing crashes, traps or overflows (AddressSanitizer watches memory);
/// - the reader never holds more than `limits.headBytes` plus one read, whatever comes in;
/// - a head it returns is within the limits; 414 and 431 are given only for heads over the limits;
/// - the results do not depend on how the bytes were split into reads;
/// - a request is allowed only when an independent, naive reading of the same bytes finds `GET`, a fixed
///   route, the session token, exactly one Host that is this server's and no foreign Origin or body.
enum WatchFuzzTarget {
    static let token = "0123456789abcdef0123456789abcdef"
    static let policy = RequestPolicy(port: 4242, token: token)

    static func violated(_ what: String, _ input: [UInt8]) -> Never {
        let shown = String(decoding: input.prefix(2_000), as: UTF8.self)
        fatalError("invariant: \(what)\n--- input (\(input.count) bytes) ---\n\(shown)\n---")
    }

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let bytes = Array(input.dropFirst())
        // Bit 7 picks small limits (reached by short inputs); the low bits the size of each read.
        let limits = control & 0x80 != 0
            ? HeadLimits(requestLine: 64, fieldBytes: 128, fieldCount: 4)
            : HeadLimits()
        let piece = Int(control & 0x3F) + 1
        let whole = outcomes(bytes, limits: limits, piece: max(bytes.count, 1), input: input)
        let split = outcomes(bytes, limits: limits, piece: piece, input: input)
        if whole != split { violated("results depend on how the bytes were split into reads (piece \(piece))", input) }
        let single = outcomes(bytes, limits: limits, piece: 1, input: input)
        if single != whole { violated("results depend on how the bytes were split into reads (piece 1)", input) }
    }

    /// Feeds `bytes` in pieces of `piece` bytes; the results in order (a head's decision, or the refusal
    /// that closes the connection), after checking each.
    static func outcomes(_ bytes: [UInt8], limits: HeadLimits, piece: Int, input: [UInt8]) -> [String] {
        var reader = RequestHeadReader(limits: limits)
        var results: [String] = []
        var offset = 0
        // The raw bytes of the request being read start here (for the naive second reading).
        var requestStart = 0
        var result = HeadResult.needMore
        while true {
            if case .needMore = result {
                guard offset < bytes.count else { break }
                let end = min(offset + piece, bytes.count)
                result = reader.feed(bytes[offset..<end])
                offset = end
                if reader.buffered.count > limits.headBytes + piece {
                    violated("the reader holds \(reader.buffered.count) bytes, over \(limits.headBytes) + \(piece)", input)
                }
                continue
            }
            if case .reject(let status, let reason) = result {
                checkRefusal(status: status, raw: Array(bytes[requestStart...]), limits: limits, input: input)
                results.append("reject \(status) \(reason)")
                break
            }
            guard case .head(let head) = result else { break }
            // `next()` drops the head's bytes from the reader and keeps those after it (a pipelined request).
            let heldBefore = reader.buffered.count
            result = reader.next()
            let headLength = heldBefore - reader.buffered.count
            let raw = Array(bytes[requestStart..<(requestStart + headLength)])
            checkHead(head, raw: raw, limits: limits, input: input)
            let decision = policy.decide(head)
            checkDecision(decision, raw: raw, input: input)
            results.append("\(head.method) \(head.target) \(head.fields.count) -> \(decision)")
            requestStart += headLength
            if !head.keepAlive { break }
            if case .allow = decision {} else { break }
        }
        return results
    }

    static func checkHead(_ head: RequestHead, raw: [UInt8], limits: HeadLimits, input: [UInt8]) {
        if raw.count > limits.headBytes { violated("a head of \(raw.count) bytes passed the limit \(limits.headBytes)", input) }
        if head.fields.count > limits.fieldCount { violated("\(head.fields.count) fields passed the limit", input) }
        // Counted in the raw bytes: the decoded target may be longer (an invalid UTF-8 byte becomes U+FFFD).
        let requestLine = naiveLines(raw).first { !$0.isEmpty }?.count ?? 0
        if requestLine > limits.requestLine { violated("a request line of \(requestLine) bytes passed the limit", input) }
        if head.version != "HTTP/1.1" && head.version != "HTTP/1.0" { violated("version \(head.version)", input) }
    }

    /// 414 and 431 only for requests that are really over the limits.
    static func checkRefusal(status: Int, raw: [UInt8], limits: HeadLimits, input: [UInt8]) {
        guard [400, 414, 431, 505].contains(status) else { violated("refused with status \(status)", input) }
        let lines = naiveLines(raw)
        guard let first = lines.firstIndex(where: { !$0.isEmpty }) else {
            if status != 400 { violated("status \(status) without a request line", input) }
            return
        }
        if status == 414 && lines[first].count <= limits.requestLine {
            violated("414 for a request line of \(lines[first].count) bytes", input)
        }
        if status == 431 {
            let fieldLines = lines[(first + 1)...]
            let bytes = fieldLines.reduce(0) { $0 + $1.count + 1 }
            if bytes <= limits.fieldBytes / 2 && fieldLines.count <= limits.fieldCount {
                violated("431 for \(fieldLines.count) header lines of \(bytes) bytes", input)
            }
        }
    }

    /// Lines split at LF with a CR before it dropped; the last, unterminated one included.
    static func naiveLines(_ raw: [UInt8]) -> [[UInt8]] {
        raw.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? Array(line.dropLast()) : Array(line)
        }
    }

    /// An allowed request, read again without the reader: its own split at spaces, colons and `&`.
    static func checkDecision(_ decision: RequestPolicy.Decision, raw: [UInt8], input: [UInt8]) {
        guard case .allow(let route) = decision else { return }
        var lines = naiveLines(raw).map { String(decoding: $0, as: UTF8.self) }
        while lines.first == "" { lines.removeFirst() }
        guard let requestLine = lines.first else { violated("allowed without a request line", input) }
        let words = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 3, words[0] == "GET" else { violated("allowed a request that is not GET: \(requestLine)", input) }
        let target = words[1]
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard String(path) == route.rawValue else { violated("allowed path \(path) as \(route)", input) }
        let query = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first ?? ""
        let tokens = query.split(separator: "&").filter { $0.hasPrefix("token=") || $0 == "token" }
        guard tokens.first == "token=\(token)" else { violated("allowed without the token: \(target)", input) }
        var hosts: [String] = [], origins: [String] = [], bodies: [String] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { violated("allowed with a field line without a colon: \(line)", input) }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(" \t")
            switch name {
            case "host": hosts.append(value.lowercased())
            case "origin": origins.append(value.lowercased())
            case "transfer-encoding": bodies.append(name)
            case "content-length": if value != "0" { bodies.append(name) }
            default: break
            }
        }
        guard hosts.count == 1, ["127.0.0.1:4242", "localhost:4242"].contains(hosts[0]) else {
            violated("allowed with Host \(hosts)", input)
        }
        guard origins.count <= 1, origins.allSatisfy({ ["http://127.0.0.1:4242", "http://localhost:4242"].contains($0) }) else {
            violated("allowed with Origin \(origins)", input)
        }
        guard bodies.isEmpty else { violated("allowed a request with a body (\(bodies))", input) }
    }
}

extension StringProtocol {
    func trimmingCharacters(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

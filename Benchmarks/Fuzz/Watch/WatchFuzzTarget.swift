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

    /// An allowed request, read again without the reader: its own split of the raw bytes at spaces,
    /// colons and `&`, comparing bytes (never `String`s, whose equality is Unicode canonical equivalence).
    static func checkDecision(_ decision: RequestPolicy.Decision, raw: [UInt8], input: [UInt8]) {
        guard case .allow(let route) = decision else { return }
        var lines = naiveLines(raw)
        while lines.first == [] { lines.removeFirst() }
        guard let requestLine = lines.first else { violated("allowed without a request line", input) }
        let words = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard words.count == 3, Array(words[0]) == Array("GET".utf8) else {
            violated("allowed a request that is not GET: \(text(requestLine))", input)
        }
        let target = Array(words[1])
        let path = target.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard Array(path) == Array(route.rawValue.utf8) else { violated("allowed path \(text(Array(path))) as \(route)", input) }
        let query = target.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first ?? []
        let tokenName = Array("token".utf8), tokenItem = Array("token=".utf8)
        let tokens = query.split(separator: UInt8(ascii: "&")).map(Array.init).filter { $0.starts(with: tokenItem) || $0 == tokenName }
        guard tokens.first == tokenItem + Array(token.utf8) else { violated("allowed without the token: \(text(target))", input) }
        var hosts: [[UInt8]] = [], origins: [[UInt8]] = [], bodies: [String] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                violated("allowed with a field line without a colon: \(text(line))", input)
            }
            let name = lower(Array(line[..<colon]))
            var value = Array(line[(colon + 1)...])
            while let f = value.first, f == 0x20 || f == 0x09 { value.removeFirst() }
            while let l = value.last, l == 0x20 || l == 0x09 { value.removeLast() }
            switch text(name) {
            case "host": hosts.append(lower(value))
            case "origin": origins.append(lower(value))
            case "transfer-encoding": bodies.append("transfer-encoding")
            case "content-length": if value != [UInt8(ascii: "0")] { bodies.append("content-length") }
            default: break
            }
        }
        let allowedHosts = ["127.0.0.1:4242", "localhost:4242"].map { Array($0.utf8) }
        guard hosts.count == 1, allowedHosts.contains(hosts[0]) else { violated("allowed with Host \(hosts.map(text))", input) }
        guard origins.count <= 1, origins.allSatisfy({ allowedHosts.map { Array("http://".utf8) + $0 }.contains($0) }) else {
            violated("allowed with Origin \(origins.map(text))", input)
        }
        guard bodies.isEmpty else { violated("allowed a request with a body (\(bodies))", input) }
    }

    static func lower(_ bytes: [UInt8]) -> [UInt8] { bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 } }
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

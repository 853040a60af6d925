import Testing
@testable import MoatWatchHTTP

@Suite("Request head reader")
struct RequestHeadTests {
    func read(_ text: String, limits: HeadLimits = HeadLimits()) -> HeadResult {
        var reader = RequestHeadReader(limits: limits)
        return reader.feed(Array(text.utf8))
    }

    func status(_ result: HeadResult) -> Int? {
        if case .reject(let status, _) = result { return status }
        return nil
    }

    @Test("a request head, with CRLF or LF line ends, its fields and its token")
    func reads() throws {
        guard case .head(let head) = read("GET /events?a=1&token=abc HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-Empty:\r\n\r\n") else {
            Issue.record("no head"); return
        }
        #expect(head.method == "GET" && head.path == "/events" && head.version == "HTTP/1.1")
        #expect(head.queryValue("token") == "abc" && head.queryValue("a") == "1" && head.queryValue("b") == nil)
        #expect(head.value("host") == "127.0.0.1:1" && head.value("X-Empty") == "")
        #expect(head.keepAlive)
        guard case .head(let lf) = read("\nGET / HTTP/1.0\nHost: x\n\n") else { Issue.record("no head"); return }
        #expect(lf.fields.count == 1 && !lf.keepAlive)
    }

    @Test("byte by byte gives the same head, and a pipelined request is read after it")
    func incrementalAndPipelined() {
        let two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        var reader = RequestHeadReader()
        var heads: [RequestHead] = []
        for byte in Array(two.utf8) {
            var result = reader.feed([byte])
            while case .head(let head) = result {
                heads.append(head)
                result = reader.next()
            }
        }
        #expect(heads.map(\.path) == ["/a", "/b"])
        #expect(heads.map(\.keepAlive) == [true, false])
        #expect(reader.buffered.isEmpty)
    }

    @Test("over the limits: 414 for the request line and 431 for the fields, as soon as the limit is passed")
    func limits() {
        let limits = HeadLimits()
        // 16 MB of request line, fed 4 KB at a time: refused within the first limit plus one read.
        var reader = RequestHeadReader(limits: limits)
        var fed = 0
        var result = reader.feed(Array("GET /?x=".utf8))
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: RequestHeadReader.readSize)
        while case .needMore = result, fed < 16 << 20 {
            result = reader.feed(chunk)
            fed += chunk.count
        }
        #expect(status(result) == 414)
        #expect(fed <= limits.requestLine + RequestHeadReader.readSize, "refused after \(fed) bytes")
        #expect(reader.buffered.count <= limits.headBytes + RequestHeadReader.readSize)

        #expect(status(read("GET /\(String(repeating: "a", count: 8_000)) HTTP/1.1\r\n\r\n")) == nil, "8 KB is allowed")
        #expect(status(read("GET /\(String(repeating: "a", count: 8_200)) HTTP/1.1\r\n\r\n")) == 414)
        #expect(status(read("GET / HTTP/1.1\r\nX: \(String(repeating: "b", count: 9_000))")) == 431, "before the line ends")
        #expect(status(read("GET / HTTP/1.1\r\n" + (0..<65).map { "X-\($0): v\r\n" }.joined() + "\r\n")) == 431)
        #expect(status(read("GET / HTTP/1.1\r\n" + (0..<64).map { "X-\($0): v\r\n" }.joined() + "\r\n")) == nil)
    }

    @Test("malformed heads are refused with 400 (or 505 for another HTTP version)")
    func malformed() {
        for text in ["GET  / HTTP/1.1\r\n\r\n", "GET /\tx HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 x\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
                     "GET / HTTP/1.1\rHost: x\r\n\r\n", "GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", "GET / HTTP/1.1\r\nX: a\u{1}b\r\n\r\n",
                     "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "\r\n\r\n\r\n\r\n\r\n\r\n", "GET / FTP/1.0\r\n\r\n"] {
            #expect(status(read(text)) == 400, "\(text.debugDescription)")
        }
        #expect(status(read("GET / HTTP/2.0\r\n\r\n")) == 505)
    }

    @Test("the policy: one Host, at most one Origin, no body, and byte comparisons (not Unicode equivalence)")
    func policyOnHeads() throws {
        let token = "0123456789abcdef0123456789abcdef"
        let policy = RequestPolicy(port: 4242, token: token)
        func decide(_ text: String) -> RequestPolicy.Decision {
            guard case .head(let head) = read(text) else { return .reject(status: 0, reason: "no head") }
            return policy.decide(head)
        }
        #expect(decide("GET /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:4242\r\n\r\n") == .allow(.page))
        #expect(decide("GET /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:4242\r\nHost: evil.example\r\n\r\n")
                == .reject(status: 400, reason: "more than one Host header"))
        #expect(decide("GET /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:4242\r\nOrigin: http://127.0.0.1:4242\r\nOrigin: http://evil\r\n\r\n")
                == .reject(status: 400, reason: "more than one Origin header"))
        #expect(decide("GET /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:4242\r\nContent-Length: 3\r\n\r\n")
                == .reject(status: 400, reason: "requests with a body are not served"))
        #expect(decide("POST /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:4242\r\nContent-Length: 3\r\n\r\n")
                == .reject(status: 405, reason: "only GET is served"))
        #expect(decide("GET /?token=\(token.uppercased()) HTTP/1.1\r\nHost: 127.0.0.1:4242\r\n\r\n") != .allow(.page))
        // "\u{212A}" (KELVIN SIGN) is canonically equivalent to "K": equal as Swift strings, not as bytes.
        #expect("\u{212A}" == "K")
        #expect(!RequestPolicy.asciiCaseInsensitiveEqual("\u{212A}", "k") && RequestPolicy.asciiCaseInsensitiveEqual("LocalHost", "localhost"))
    }
}

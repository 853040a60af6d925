/// JSON text built in a byte buffer: the one place where JSON is laid out and user text is escaped.
///
/// Pretty output indents by two spaces, keeps arrays of scalars on one line and every object key on its
/// own line; compact output has no spaces at all.
public struct JSONOutput: Sendable {
    /// The bytes written so far, then spare room. Writes copy into the room directly: `Array.append(contentsOf:)`
    /// costs about a hundred instructions a call, and a report makes millions of short writes (`,"severity":`,
    /// a quote, a digit); an array kept at its capacity would be zero-filled first.
    private var storage: Storage
    /// Whether the layout is pretty (two-space indentation, one object key per line) rather than compact.
    public let pretty: Bool

    /// The buffer of a `JSONOutput`, copied before a write when another output shares it (copy on write, as
    /// an array does), so outputs keep value semantics.
    private final class Storage: @unchecked Sendable {
        // Only ever changed through the one output that holds it (see `write`), so no access overlaps another:
        // the runtime's exclusivity check on each would cost more than the write it guards.
        @exclusivity(unchecked) var base: UnsafeMutablePointer<UInt8>
        @exclusivity(unchecked) var capacity: Int
        @exclusivity(unchecked) var count = 0

        init(capacity: Int) {
            self.capacity = max(capacity, 16)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        /// A buffer with the same bytes and capacity.
        func copy() -> Storage {
            let other = Storage(capacity: capacity)
            other.base.update(from: base, count: count)
            other.count = count
            return other
        }

        /// Makes room for at least `needed` bytes, doubling so that writing n bytes copies O(n).
        func grow(to needed: Int) {
            let larger = max(needed, capacity * 2)
            let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
            moved.update(from: base, count: count)
            base.deallocate()
            base = moved
            capacity = larger
        }
    }

    /// An empty output with the given layout; `capacity` is the number of bytes reserved up front.
    public init(pretty: Bool = true, capacity: Int = 4096) {
        self.pretty = pretty
        storage = Storage(capacity: capacity)
    }

    /// The UTF-8 JSON text written so far; what a writer hands to its sink or file.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage.base, count: storage.count)) }

    /// Calls `body` with the bytes written so far, without copying them (valid only during the call).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.base, count: storage.count))
    }

    /// The text written so far.
    public var text: String { String(decoding: UnsafeBufferPointer(start: storage.base, count: storage.count), as: UTF8.self) }

    /// The buffer, made this output's own and with room for `n` more bytes.
    @inline(__always)
    private mutating func room(for n: Int) -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        if storage.count + n > storage.capacity { storage.grow(to: storage.count + n) }
        return storage
    }

    /// Copies `source` after what is written.
    @inline(__always)
    private mutating func write(_ source: UnsafeRawBufferPointer) {
        let n = source.count
        guard n > 0 else { return }
        let buffer = room(for: n)
        UnsafeMutableRawPointer(buffer.base + buffer.count).copyMemory(from: source.baseAddress!, byteCount: n)
        buffer.count += n
    }

    /// Writes one byte.
    @inline(__always)
    private mutating func write(_ byte: UInt8) {
        let buffer = room(for: 1)
        buffer.base[buffer.count] = byte
        buffer.count += 1
    }

    /// Appends bytes that are already valid JSON (or layout).
    public mutating func raw(_ s: StaticString) {
        write(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// A line break and the indentation of depth `indent`.
    public mutating func newline(indent: Int) {
        let count = 1 + indent * 2
        if count <= Self.breaks.count {
            Self.breaks.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        } else {
            write(0x0A)
            for _ in 0..<(indent * 2) { write(0x20) }
        }
    }

    /// A line break followed by enough spaces for every usual depth.
    private static let breaks: [UInt8] = [0x0A] + Array(repeating: 0x20, count: 32)

    /// Empties the output, keeping its room: a writer that fills a buffer again and again (a block of findings
    /// at a time) touches fresh memory only once.
    public mutating func removeAll() {
        if isKnownUniquelyReferenced(&storage) { storage.count = 0 } else { storage = Storage(capacity: storage.capacity) }
    }

    /// Appends JSON written separately (for instance on another thread) with the same settings.
    public mutating func append(_ other: JSONOutput) {
        // Appending an output to itself (or a copy sharing its buffer): the buffer may move as it grows.
        if other.storage === storage { other.bytes.withUnsafeBytes { write($0) }; return }
        write(UnsafeRawBufferPointer(start: other.storage.base, count: other.storage.count))
    }

    /// Appends `n` in decimal, with a leading `-` when negative.
    public mutating func integer(_ n: Int) {
        if n < 0 { write(0x2D) }
        var magnitude = n.magnitude
        if magnitude < 10 { write(0x30 + UInt8(magnitude)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            write(UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }

    /// A number as Moat writes numbers everywhere (`NumberText.format`: no needless `.0`).
    public mutating func number(_ n: Double) {
        // Most numbers are whole (counts, levels, ports): written as integers, without making a string.
        if let whole = NumberText.whole(n) { integer(whole); return }
        var text = NumberText.format(n)
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `true` or `false`.
    public mutating func bool(_ b: Bool) {
        if b { raw("true") } else { raw("false") }
    }

    /// `s` as a JSON string literal. Besides the characters JSON requires, DEL and the line and paragraph
    /// separators U+2028/2029 are escaped, so the text is also safe inside a JavaScript literal.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            // Most text needs no escape: found so by one scan, it is copied with its quotes into room made once.
            // A report writes half a million strings, most a few dozen bytes, where the three separate writes
            // cost more than the scan.
            if Self.isPlain(utf8) {
                let n = utf8.count
                let buffer = room(for: n + 2)
                let at = buffer.base + buffer.count
                at[0] = 0x22
                if n > 0 { (at + 1).update(from: utf8.baseAddress!, count: n) }
                at[n + 1] = 0x22
                buffer.count += n + 2
                return
            }
            write(0x22)
            escaped(utf8)
            write(0x22)
        }
    }

    /// Whether no byte of `utf8` needs an escape: `plain` a word at a time, `plainByte` below a word.
    private static func isPlain(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = utf8.count
        guard n >= 8 else { return utf8.allSatisfy(plainByte) }
        let bytes = UnsafeRawPointer(utf8.baseAddress!)
        var i = 0
        while i + 8 < n {
            guard plain(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) else { return false }
            i += 8
        }
        // The last eight bytes as one word, overlapping the words before: no byte-by-byte tail.
        return plain(bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
    }

    /// Writes `utf8` with every character that needs it escaped (see `string(_:)`).
    private mutating func escaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var i = 0
        while i < utf8.count {
            // Most text needs no escape: skip eight plain ASCII bytes at a time.
            if i + 8 <= utf8.count, Self.plain(UnsafeRawPointer(utf8.baseAddress! + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            let b = utf8[i]
            if Self.plainByte(b) { i += 1; continue }
            let escape: StaticString?
            switch b {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x00..<0x20, 0x7F: escape = ""
            case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
            // C1 controls (U+0080–U+009F, NEL among them) and the non-characters U+FFFE/U+FFFF: YAML
            // readers (Moat's among them) refuse them raw, so a round trip through JSON needs them escaped.
            case 0xC2 where i + 1 < utf8.count && utf8[i + 1] < 0xA0: escape = ""
            case 0xEF where i + 2 < utf8.count && utf8[i + 1] == 0xBF && utf8[i + 2] >= 0xBE:
                escape = utf8[i + 2] == 0xBE ? "\\ufffe" : "\\uffff"
            default: escape = nil
            }
            guard let escape else { i += 1; continue }
            write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start..<i]))
            if escape.utf8CodeUnitCount > 0 {
                raw(escape)
            } else {
                // \u00XX: an ASCII control, or the C1 control whose second UTF-8 byte is `c`.
                let hex: StaticString = "0123456789abcdef"
                let c = b == 0xC2 ? utf8[i + 1] : b
                raw("\\u00")
                write(hex.utf8Start[Int(c >> 4)])
                write(hex.utf8Start[Int(c & 0xF)])
            }
            i += b == 0xE2 || b == 0xEF ? 3 : b == 0xC2 ? 2 : 1
            start = i
        }
        write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[start..<utf8.count]))
    }

    /// Whether a byte needs no escape and no look at the bytes after it: printable ASCII other than `"` and `\\`.
    @inline(__always)
    private static func plainByte(_ b: UInt8) -> Bool { b >= 0x20 && b != 0x22 && b != 0x5C && b < 0x7F }

    /// Whether none of eight bytes needs a look: no control character, `"`, `\\`, DEL or non-ASCII byte.
    @inline(__always)
    private static func plain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let below20 = (word &- ones &* 0x20) & ~word & highs != 0
        return word & highs == 0 && !below20 && !hasZero(word ^ (ones &* 0x22)) && !hasZero(word ^ (ones &* 0x5C))
            && !hasZero(word ^ (ones &* 0x7F))
    }

    /// A whole value at nesting depth `indent`.
    public mutating func value(_ v: JSONValue, indent: Int = 0) {
        switch v {
        case .null: raw("null")
        case .bool(let b): bool(b)
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let items):
            let scalarOnly = items.allSatisfy { if case .object = $0 { return false }; if case .array = $0 { return false }; return true }
            if scalarOnly || !pretty {
                list(count: items.count) { out, i in out.value(items[i], indent: indent) }
                return
            }
            raw("[")
            for (i, item) in items.enumerated() {
                if i > 0 { raw(",") }
                newline(indent: indent + 1)
                value(item, indent: indent + 1)
            }
            newline(indent: indent)
            raw("]")
        case .object(let pairs):
            object(count: pairs.count, indent: indent) { out, i in out.member(pairs[i].0, pairs[i].1, indent: indent + 1) }
        }
    }

    /// An array of scalars on one line, its `count` items written in turn by `item` (given the output and the
    /// index): the layout `value` gives such an array, for writers that do not build one (a report lists tens
    /// of thousands of ids, and a tree of them costs three times the writing).
    public mutating func list(count: Int, _ item: (inout JSONOutput, Int) -> Void) {
        raw("[")
        for i in 0..<count {
            if i > 0 { if pretty { raw(", ") } else { raw(",") } }
            item(&self, i)
        }
        raw("]")
    }

    /// An object whose members sit at depth `indent + 1`, its `count` members written in turn by `member` (given
    /// the output and the index; each writes `key(_:)`, then a value): the layout `value` gives an object.
    public mutating func object(count: Int, indent: Int, _ member: (inout JSONOutput, Int) -> Void) {
        if count == 0 { raw("{}"); return }
        raw("{")
        for i in 0..<count {
            if i > 0 { raw(",") }
            if pretty { newline(indent: indent + 1) }
            member(&self, i)
        }
        if pretty { newline(indent: indent) }
        raw("}")
    }

    /// An object member's key and the separator after it.
    public mutating func key(_ name: String) {
        string(name)
        if pretty { raw(": ") } else { raw(":") }
    }

    /// `"key": value` inside an object whose members sit at depth `indent`.
    public mutating func member(_ name: String, _ item: JSONValue, indent: Int) {
        key(name)
        value(item, indent: indent)
    }
}

/// How the client counts characters in a line: LSP's default is UTF-16 code units; a client may offer
/// UTF-8 (bytes, as Moat counts columns) or UTF-32 (Unicode scalars).
enum PositionEncoding: String, Sendable {
    /// Characters are UTF-8 bytes.
    case utf8 = "utf-8"
    /// Characters are UTF-16 code units (LSP's default; a scalar beyond U+FFFF counts two).
    case utf16 = "utf-16"
    /// Characters are Unicode scalars.
    case utf32 = "utf-32"
}

/// Converts between byte offsets in a file's UTF-8 text and LSP positions (0-based line, character in
/// the negotiated encoding). Moat's own locations are 1-based lines and 1-based UTF-8 byte columns.
///
/// Never traps: positions past a line's end clamp to the end of that line, lines past the end of the
/// text clamp to its end, and an offset inside a multi-byte character counts as its start.
struct LineMap: Sendable {
    let bytes: [UInt8]
    /// Offsets at which each line starts (after each `\n`).
    let lineStarts: [Int]
    /// Bytes of a byte-order mark the editor's text has before `bytes` (Moat drops it when reading).
    let bomBytes: Int

    init(bytes: [UInt8], bomBytes: Int = 0) {
        self.bytes = bytes
        self.bomBytes = bomBytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        lineStarts = starts
    }

    var lineCount: Int { lineStarts.count }

    /// The offset just past the last character of a line (before its `\r\n` or `\n`).
    func lineEnd(_ line: Int) -> Int {
        guard line >= 0, line < lineStarts.count else { return bytes.count }
        var end = line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
        if end > lineStarts[line], bytes[end - 1] == 0x0D { end -= 1 }
        return end
    }

    /// The 0-based line holding a byte offset.
    func line(ofOffset offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// How many units of `encoding` the byte starting a UTF-8 sequence stands for (0 for continuation bytes).
    private static func units(_ b: UInt8, _ encoding: PositionEncoding) -> Int {
        switch encoding {
        case .utf8: return 1
        case .utf16: return b & 0xC0 == 0x80 ? 0 : (b >= 0xF0 ? 2 : 1)
        case .utf32: return b & 0xC0 == 0x80 ? 0 : 1
        }
    }

    private func bomUnits(_ encoding: PositionEncoding) -> Int {
        bomBytes == 0 ? 0 : (encoding == .utf8 ? bomBytes : 1)
    }

    /// The LSP position of a byte offset.
    func position(ofOffset raw: Int, _ encoding: PositionEncoding) -> Position {
        let offset = max(0, min(raw, bytes.count))
        let line = line(ofOffset: offset)
        var character = line == 0 ? bomUnits(encoding) : 0
        var i = lineStarts[line]
        let end = min(offset, lineEnd(line))
        while i < end {
            character += Self.units(bytes[i], encoding)
            i += 1
        }
        return Position(line: line, character: character)
    }

    /// The byte offset of an LSP position.
    func offset(of position: Position, _ encoding: PositionEncoding) -> Int {
        guard position.line >= 0 else { return 0 }
        guard position.line < lineStarts.count else { return bytes.count }
        let end = lineEnd(position.line)
        var i = lineStarts[position.line]
        var left = position.character - (position.line == 0 ? bomUnits(encoding) : 0)
        while i < end && left > 0 {
            // Step over one whole UTF-8 sequence.
            let b = bytes[i]
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            let units = encoding == .utf8 ? length : (encoding == .utf16 && length == 4 ? 2 : 1)
            if units > left { break }  // the position is inside this character: keep its start
            left -= units
            i = min(end, i + length)
        }
        return i
    }

    /// The byte offset of a Moat location (1-based line, 1-based byte column), clamped to the text.
    func offset(line: Int, column: Int) -> Int {
        guard line >= 1 else { return 0 }
        guard line <= lineStarts.count else { return bytes.count }
        let start = lineStarts[line - 1]
        let end = line < lineStarts.count ? lineStarts[line] : bytes.count
        return max(start, min(end, start + column - 1))
    }

    func range(_ start: Int, _ end: Int, _ encoding: PositionEncoding) -> LSPRange {
        LSPRange(start: position(ofOffset: start, encoding), end: position(ofOffset: max(start, end), encoding))
    }

    /// The range of the whole text.
    func wholeRange(_ encoding: PositionEncoding) -> LSPRange { range(0, bytes.count, encoding) }

    /// The text between two offsets.
    func text(_ start: Int, _ end: Int) -> String {
        let s = max(0, min(start, bytes.count)), e = max(s, min(end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }
}

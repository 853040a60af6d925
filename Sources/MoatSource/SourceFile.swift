import Foundation
import MoatText

/// A 1-based position in a source file; `column` counts UTF-8 bytes from the line start.
///
/// Stored as two 32-bit numbers (files are at most 32 MiB): every token, syntax node, attribute and
/// finding carries ranges, and halving them shrinks a large model's memory noticeably.
public struct SourceLocation: Hashable, Sendable, Comparable {
    private var storedLine: Int32
    private var storedColumn: Int32

    /// 1-based line number.
    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }

    /// 1-based column, in UTF-8 bytes.
    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Int32(clamping: newValue) }
    }

    /// The position at 1-based `line` and byte `column`; values beyond 32 bits are clamped.
    public init(line: Int, column: Int) {
        storedLine = Int32(clamping: line)
        storedColumn = Int32(clamping: column)
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// A span of one source file, from `start` up to (not including) `end`.
public struct SourceRange: Hashable, Sendable {
    /// The file the span belongs to.
    public var file: SourceFile
    /// The first byte of the span.
    public var start: SourceLocation
    /// The position just after the last byte of the span (exclusive); equal to `start` for an empty span.
    public var end: SourceLocation

    /// The span of `file` from `start` up to (not including) `end`.
    public init(file: SourceFile, start: SourceLocation, end: SourceLocation) {
        self.file = file
        self.start = start
        self.end = end
    }

    /// The span covering both ranges (they must be in the same file).
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(file: file, start: min(start, other.start), end: max(end, other.end))
    }
}

/// The text of one input file, with line starts for diagnostics.
public final class SourceFile: Hashable, Sendable {
    /// The path as the user wrote it (used in diagnostics).
    public let path: String
    /// The raw bytes (a leading BOM removed).
    public let bytes: [UInt8]
    /// Byte offsets at which each line starts.
    public let lineStarts: [Int]

    /// A file at `path` holding `bytes`; a leading UTF-8 byte order mark is dropped and line starts are
    /// computed. Does not check the bytes: `SourceLoader` refuses binary and invalid UTF-8 input.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        self.bytes = body
        // memchr from line end to line end: a loop over the bytes (`enumerated()`) cost about 8 instructions a
        // byte, which the bundled rule files (230 KB, read at every start for the places of rules) made visible.
        var starts = [0]
        body.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count, let hit = memchr(base + offset, 0x0A, buffer.count - offset) {
                offset = base.distance(to: UnsafeRawPointer(hit)) + 1
                starts.append(offset)
            }
        }
        self.lineStarts = starts
    }

    /// A file at `path` holding `text` as UTF-8 (for text held in memory: an editor buffer, a test).
    public convenience init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The text of line `line` (1-based) without its line end.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The location of a byte offset.
    public func location(ofOffset offset: Int) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    /// A range over byte offsets.
    public func range(_ start: Int, _ end: Int) -> SourceRange {
        SourceRange(file: self, start: location(ofOffset: start), end: location(ofOffset: end))
    }

    /// A range starting at a line and column (for inputs such as YAML that report marks).
    public func range(line: Int, column: Int, length: Int = 1) -> SourceRange {
        SourceRange(file: self, start: SourceLocation(line: line, column: column),
                    end: SourceLocation(line: line, column: column + max(length, 1)))
    }

    public static func == (a: SourceFile, b: SourceFile) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

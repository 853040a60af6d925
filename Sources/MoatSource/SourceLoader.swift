import Foundation
import MoatText

/// Reads input files, refusing what is not a model: too large, binary, or not UTF-8.
public struct SourceLoader: Sendable {
    /// Files larger than this are rejected before parsing.
    public static let maximumSize = 32 * 1024 * 1024

    /// Reads the bytes at a path; replaceable for tests.
    public var readBytes: @Sendable (String) throws -> [UInt8]

    /// A loader that reads through `readBytes` (the disk by default).
    public init(readBytes: @escaping @Sendable (String) throws -> [UInt8] = SourceLoader.readFromDisk) {
        self.readBytes = readBytes
    }

    /// Reads a file from disk, refusing directories, pipes, devices and oversized files without reading them.
    /// One `open`, one `fstat` and reads straight into the array: `FileManager`'s attributes also look up the
    /// names of the file's owner and group (reading /etc/nsswitch.conf, /etc/passwd and /etc/group on every
    /// run), and its `Data` would be copied once more.
    public static let readFromDisk: @Sendable (String) throws -> [UInt8] = { path in
        // Non-blocking, so that opening a named pipe with no writer returns at once (and is then refused).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { throw LoadError.symlinkLoop }
            // Only what exists but cannot be opened (permissions) is unreadable; a missing file or folder is not found.
            var status = stat()
            if stat(path, &status) != 0 { throw errno == ELOOP ? LoadError.symlinkLoop : LoadError.notFound }
            throw (status.st_mode & S_IFMT) == S_IFDIR ? LoadError.isDirectory : LoadError.unreadable
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw LoadError.unreadable }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw LoadError.isDirectory }
        // Pipes and devices may never end (/dev/zero) or never start (a pipe with no writer); standard input is `-`.
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw LoadError.unreadable }
        if Int(status.st_size) > maximumSize { throw LoadError.tooLarge(Int(status.st_size)) }
        // Read in one call, and one more that finds the end; a file that grows meanwhile, a chunk at a time
        // until its end or until it is larger than any model may be.
        let chunk = max(Int(status.st_size) + 1, 64 * 1024)
        var bytes: [UInt8] = []
        while true {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + start, chunk) }
            let failure = errno
            bytes.removeLast(chunk - max(n, 0))
            if n < 0 {
                if failure == EINTR { continue }
                throw LoadError.unreadable
            }
            if n == 0 { return bytes }
            if bytes.count > maximumSize { throw LoadError.tooLarge(bytes.count) }
        }
    }

    /// Why a file could not be read.
    public enum LoadError: Error, Equatable {
        /// Nothing exists at the path.
        case notFound
        /// The path names a directory.
        case isDirectory
        /// The file exists but its contents cannot be read (permissions, an I/O error).
        case unreadable
        /// The file is larger than `SourceLoader.maximumSize`; the associated value is its size in bytes.
        case tooLarge(Int)
        /// Resolving the path goes round a loop of symbolic links (`ELOOP`).
        case symlinkLoop

        var message: String {
            switch self {
            case .notFound: return "no such file"
            case .isDirectory: return "is a directory, not a model file"
            case .unreadable: return "cannot be read"
            case .symlinkLoop: return "the path goes round a loop of symbolic links"
            case .tooLarge(let n):
                return String(format: "file is too large (%.1f MB; the limit is %d MB)",
                              Double(n) / 1_048_576, SourceLoader.maximumSize / 1_048_576)
            }
        }
    }

    /// Loads and checks a file; on failure the diagnostic is placed at `site` (an include) or has no range.
    public func load(_ path: String, from site: SourceRange? = nil) -> Result<SourceFile, Diagnostic> {
        let bytes: [UInt8]
        do {
            bytes = try readBytes(path)
        } catch let error as LoadError {
            return .failure(.error(error == .notFound ? .fileNotFound : .unreadableFile,
                                   "'\(path)': \(error.message)", at: site))
        } catch {
            return .failure(.error(.unreadableFile, "'\(path)': \(error.localizedDescription)", at: site))
        }
        if bytes.count > Self.maximumSize {
            return .failure(.error(.unreadableFile, "'\(path)': \(LoadError.tooLarge(bytes.count).message)", at: site))
        }
        let file = SourceFile(path: path, bytes: bytes)
        if let bad = Self.firstInvalidUTF8(file.bytes) {
            var d = Diagnostic.error(.invalidUtf8, "file is not valid UTF-8 text (byte 0x\(String(file.bytes[bad], radix: 16, uppercase: true)))",
                                     at: file.range(bad, bad + 1))
            d.quotesSource = false
            return .failure(d)
        }
        if let cr = Self.firstLoneCarriageReturn(file.bytes) {
            // Classic Mac OS line ends would make the whole file one line (one long comment, say).
            return .failure(.error(.carriageReturnLineEnds,
                                   "file uses carriage returns alone as line ends (classic Mac OS); save it with LF or CRLF line ends",
                                   at: file.range(cr, cr + 1)))
        }
        if let nul = Self.firstIndex(of: 0, in: file.bytes) {
            var d = Diagnostic.error(.binaryFile, "file contains a NUL byte; it looks like binary data, not a model",
                                     at: file.range(nul, nul + 1))
            d.quotesSource = false
            return .failure(d)
        }
        return .success(file)
    }

    /// The offset of the first `byte` at or after `start`, if any: memchr, where a loop over the bytes costs
    /// several instructions a byte (every byte of every model file is searched three times).
    static func firstIndex(of byte: UInt8, in bytes: [UInt8], from start: Int = 0) -> Int? {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, start < buffer.count,
                  let hit = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }

    /// The offset of the first carriage return that is not followed by a line feed, if any.
    static func firstLoneCarriageReturn(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while let cr = firstIndex(of: 0x0D, in: bytes, from: i) {
            if cr + 1 == bytes.count || bytes[cr + 1] != 0x0A { return cr }
            i = cr + 2
            if i >= bytes.count { return nil }
        }
        return nil
    }

    /// The offset of the first byte that is not part of valid UTF-8, if any.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { bytes in
            var i = 0
            let n = bytes.count
            while i < n {
                // ASCII, nearly all of a model, eight bytes at a time.
                if i + 8 <= n, UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
                let b = bytes[i]
                if b < 0x80 { i += 1; continue }
                let length: Int
                var minimum: UInt32
                var scalar: UInt32
                switch b {
                case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F)
                case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F)
                case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07)
                default: return i
                }
                guard i + length <= n else { return i }
                for k in 1..<length {
                    let c = bytes[i + k]
                    guard c & 0xC0 == 0x80 else { return i }
                    scalar = scalar << 6 | UInt32(c & 0x3F)
                }
                if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
                i += length
            }
            return nil
        }
    }
}

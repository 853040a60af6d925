import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder `moat mcp` may read from, and the only way it reads files.
///
/// Every path the server is given — a tool's `path` argument, a resource URI, an `include` of a model —
/// is relative to the root. A path is refused when it is absolute, when its `..` steps climb above the
/// root, or when the file it names (after every symbolic link is followed) is not inside the root; a
/// file that is opened is checked once more through the descriptor the kernel gave back (so a link
/// swapped in between the check and the open is caught), and only regular files are read.
public struct ServerRoot: Sendable {
    /// The root folder with every symbolic link resolved (`/home/me/project`).
    public let path: String

    /// Why a path was refused or a file could not be read. Its message names the path as given.
    public struct Refusal: Error, LocalizedError, Equatable, CustomStringConvertible {
        /// What was wrong with the path or the file.
        public enum Reason: Sendable, Equatable {
            /// No path was given.
            case empty
            /// The path starts with `/`; paths are relative to the root.
            case absolute
            /// Its `..` steps climb above the root.
            case climbsOut
            /// A symbolic link leads outside the root.
            case outsideRoot
            /// Nothing exists at the path (also a path with a NUL byte, or a root folder that does not exist).
            case notFound
            /// The path names a directory (or the root itself), not a file.
            case isDirectory
            /// Not a regular file (a FIFO, a device, a socket); also a root that is not a directory.
            case notRegular
            /// The file's size in bytes exceeds `ServerRoot.maximumSize`.
            case tooLarge(Int)
            /// The file could not be opened or read; the associated text says why (the system's message).
            case unreadable(String)
        }
        /// The path as the client gave it.
        public var path: String
        /// Why it was refused.
        public var reason: Reason
        /// The root folder, named in the message (the directory given, when the root itself was refused).
        public var root: String

        public var description: String {
            reason == .empty ? predicate : "\(Self.quoted(path)) \(predicate)"
        }

        /// The message without the path (the core puts the path before it: `'x': leaves the root …`).
        public var predicate: String {
            switch reason {
            case .empty: return "the path is empty; give a file name relative to the server's root folder \(root)"
            case .absolute: return "is an absolute path; paths are relative to the server's root folder \(root)"
            case .climbsOut: return "leaves the server's root folder \(root) (through '..'); only files under it can be read"
            case .outsideRoot:
                return "leads outside the server's root folder \(root) (through a symbolic link); only files under it can be read"
            case .notFound: return "does not exist under the server's root folder \(root)"
            case .isDirectory: return "is a directory, not a model file"
            case .notRegular: return "is not a regular file"
            case .tooLarge(let n): return "is too large (\(n) bytes; the limit is \(ServerRoot.maximumSize / 1_048_576) MB)"
            case .unreadable(let why): return "cannot be read: \(why)"
            }
        }

        public var errorDescription: String? { predicate }

        static func quoted(_ s: String) -> String {
            // Keep the message one line whatever the path holds.
            let clean = String(s.unicodeScalars.prefix(300).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
            return "'\(clean)\(s.unicodeScalars.count > 300 ? "…" : "")'"
        }
    }

    /// Files larger than this are refused before reading (the core's own limit for a model file).
    public static let maximumSize = 32 * 1024 * 1024

    /// The root at `directory` (relative paths are taken from the working directory).
    /// - Throws: a message when it is not an existing directory.
    public init(_ directory: String) throws {
        guard let real = Self.realPath(directory.isEmpty ? "." : directory) else {
            throw Refusal(path: directory, reason: .notFound, root: directory)
        }
        var status = stat()
        guard stat(real, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw Refusal(path: directory, reason: .notRegular, root: directory)
        }
        path = real
    }

    /// The path made relative to the root and normalised (`models/../shop.moat` → `shop.moat`), or why not.
    /// Only the text is looked at: nothing is read.
    public func normalise(_ given: String) throws(Refusal) -> String {
        if given.isEmpty { throw refusal(given, .empty) }
        if given.utf8.contains(0) { throw refusal(given, .notFound) }
        if given.hasPrefix("/") { throw refusal(given, .absolute) }
        var parts: [Substring] = []
        for part in given.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { throw refusal(given, .climbsOut) }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        if parts.isEmpty { throw refusal(given, .isDirectory) }
        return parts.joined(separator: "/")
    }

    /// The real path (every link followed) of the file `given` names, once it is known to be inside the root.
    public func resolve(_ given: String) throws(Refusal) -> String {
        let relative = try normalise(given)
        guard let real = Self.realPath(path + "/" + relative) else {
            if errno == ELOOP { throw refusal(given, .unreadable("the path goes round a loop of symbolic links")) }
            throw refusal(given, .notFound)
        }
        guard contains(real) else { throw refusal(given, .outsideRoot) }
        return real
    }

    /// True when the real path `real` is the root or under it.
    func contains(_ real: String) -> Bool {
        if path == "/" { return real.hasPrefix("/") }
        return real == path || real.hasPrefix(path + "/")
    }

    /// Reads the regular file `given` names (relative to the root), refusing anything outside the root.
    public func read(_ given: String) throws(Refusal) -> [UInt8] {
        let real = try resolve(given)
        // The real path has no links left: a link put there since is refused (O_NOFOLLOW), and O_NONBLOCK
        // keeps a FIFO from blocking the open.
        let fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw refusal(given, .notFound) }
            if code == ELOOP { throw refusal(given, .outsideRoot) }
            throw refusal(given, .unreadable(String(cString: strerror(code))))
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw refusal(given, .unreadable(String(cString: strerror(errno)))) }
        let type = status.st_mode & S_IFMT
        if type == S_IFDIR { throw refusal(given, .isDirectory) }
        guard type == S_IFREG else { throw refusal(given, .notRegular) }
        // Which file did the kernel open? It must still be under the root.
        if let opened = Self.openedPath(fd), !contains(opened) { throw refusal(given, .outsideRoot) }
        let size = Int(status.st_size)
        if size > Self.maximumSize { throw refusal(given, .tooLarge(size)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes.append(contentsOf: buffer[0..<n])
                if bytes.count > Self.maximumSize { throw refusal(given, .tooLarge(bytes.count)) }
            } else if n == 0 {
                return bytes
            } else if errno != EINTR && errno != EAGAIN {
                throw refusal(given, .unreadable(String(cString: strerror(errno))))
            }
        }
    }

    /// Regular files under the root whose names end in one of `extensions`, as sorted relative paths;
    /// hidden folders and build folders are skipped, links are not followed, and at most `limit` are given.
    public func files(withExtensions extensions: Set<String>, limit: Int = 1_000, depth: Int = 8) -> [String] {
        var found: [String] = []
        func walk(_ relative: String, _ level: Int) {
            guard level <= depth, found.count < limit else { return }
            let dir = relative.isEmpty ? path : path + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names.sorted() where !name.hasPrefix(".") && found.count < limit {
                let child = relative.isEmpty ? name : relative + "/" + name
                var status = stat()
                guard lstat(path + "/" + child, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: if name != "node_modules" { walk(child, level + 1) }
                case S_IFREG: if extensions.contains((name as NSString).pathExtension.lowercased()) { found.append(child) }
                default: continue
                }
            }
        }
        walk("", 0)
        return found.sorted()
    }

    private func refusal(_ given: String, _ reason: Refusal.Reason) -> Refusal {
        Refusal(path: given, reason: reason, root: path)
    }

    /// `realpath(3)`, or nil (errno says why).
    static func realPath(_ p: String) -> String? {
        guard let resolved = realpath(p, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The path of the file an open descriptor refers to, as the kernel knows it (nil where it cannot say).
    static func openedPath(_ fd: Int32) -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #elseif canImport(Darwin)
        var buffer = [CChar](repeating: 0, count: Int(MAXPATHLEN) + 1)
        guard fcntl(fd, F_GETPATH, &buffer) != -1 else { return nil }
        return String(cString: buffer)
        #else
        return nil
        #endif
    }
}

/// `read(2)`, named apart from `ServerRoot.read`.
@inline(__always)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

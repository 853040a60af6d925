import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Musl)
import Musl
private let systemWrite = Musl.write
private let systemClose = Musl.close
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
private let systemClose = Darwin.close
#endif

/// Output written piece by piece, to standard output or to a file. A regular file is replaced atomically:
/// the pieces go to a temporary file beside it, which replaces the file only once everything was written,
/// so an interrupted run never leaves half a report where a whole one was.
///
/// The temporary file is `.NAME.moat-tmp-PID-XXXXXX` beside `NAME`, hidden from globs such as `*.svg`, with
/// the writer's process id: a writer killed outright (`kill -9`) cannot remove it, so the next write of
/// the same file removes those whose process is gone.
public final class OutputFile {
    /// How a regular file that exists is replaced; either way a reader sees the old file or the new one.
    public enum Replacement: Sendable {
        /// A rename over the file. ext4 then starts writing the new file out at once (`auto_da_alloc`, its
        /// guard for programs that do not `fsync`), so a crash soon after leaves the old file or the new one,
        /// not an empty one: for what people wrote (`moat fmt --write`).
        case durable
        /// On Linux, the two files swapped (`renameat2` with `RENAME_EXCHANGE`) and the old one removed,
        /// without that write-out: 2 ms instead of 16–20 ms for the 32 MB JSON report of 10,000 elements, 17 ms
        /// instead of 138 at 100,000. For output a rerun makes again (reports). Without glibc, a rename.
        case regenerable
    }

    /// The file to replace atomically (nil when writing in place).
    private let path: String?
    private let replacement: Replacement
    private let temporary: String?
    /// What was asked for, for messages.
    private var target: String?
    private let descriptor: Int32
    private var failure: Int32 = 0
    private var closed = false

    /// Opens `path` for writing (standard output for nil or `-`). A regular file, or a new one, is
    /// replaced atomically; anything else (a device such as /dev/null, a pipe, a symbolic link) is
    /// opened and written in place, so that it stays what it is.
    public init(_ path: String?, replacing replacement: Replacement = .durable) throws {
        target = path == "-" ? nil : path
        self.replacement = replacement
        guard let path, path != "-" else {
            self.path = nil
            temporary = nil
            descriptor = STDOUT_FILENO
            return
        }
        var status = stat()
        let exists = lstat(path, &status) == 0
        if exists && (status.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw Self.failed(path, errno) }
            self.path = nil
            temporary = nil
            descriptor = fd
            return
        }
        Self.removeStaleTemporaries(of: path)
        var template = Array((Self.temporaryPrefix(of: path) + "\(getpid())-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Self.failed(path, errno) }
        // mkstemp creates the file readable by its owner only: keep the mode of the file it replaces,
        // or give the mode a new file gets.
        let mask = umask(0)
        umask(mask)
        fchmod(fd, exists ? status.st_mode & 0o7777 : 0o666 & ~mask)
        self.path = path
        temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        descriptor = fd
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Appends the bytes of a buffer (a writer's own, lent for the call: no copy into an array).
    public func write(_ buffer: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < buffer.count, failure == 0 {
            let n = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno != EINTR { failure = errno }
            } else {
                offset += n
            }
        }
    }

    /// Output abandoned without `close()` (an error on the way): the temporary file goes, the target stays.
    deinit {
        guard !closed else { return }
        if descriptor != STDOUT_FILENO { _ = systemClose(descriptor) }
        if let temporary { unlink(temporary) }
    }

    /// Finishes the output: the temporary file replaces the target, or is removed on a write error.
    public func close() throws {
        guard !closed else { return }
        closed = true
        guard let path, let temporary else {
            if descriptor != STDOUT_FILENO, systemClose(descriptor) != 0, failure == 0 { failure = errno }
            if failure != 0 { throw Self.failed(target ?? "standard output", failure) }
            return
        }
        if systemClose(descriptor) != 0, failure == 0 { failure = errno }
        if failure == 0, !Self.move(temporary, over: path, replacement) { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw Self.failed(path, failure)
        }
    }

    /// Moves the finished temporary file to `path`; false with `errno` set when it cannot.
    private static func move(_ temporary: String, over path: String, _ replacement: Replacement) -> Bool {
        #if canImport(Glibc)
        if replacement == .regenerable, let renameat2, renameat2(AT_FDCWD, temporary, AT_FDCWD, path, renameExchange) == 0 {
            // The temporary name now holds what was at `path`: the old report, unless something else took the
            // name since `init` (a directory, say). Then swap back, and let `rename` refuse or replace as usual.
            var status = stat()
            if lstat(temporary, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
                // The new report is in place; an old one that cannot be removed is left as a stale temporary,
                // which the next write of this file removes.
                unlink(temporary)
                return true
            }
            _ = renameat2(AT_FDCWD, temporary, AT_FDCWD, path, renameExchange)
        }
        // No file to swap with (ENOENT), or a file system without the exchange: a rename.
        #endif
        return rename(temporary, path) == 0
    }

    private static func failed(_ path: String, _ code: Int32) -> Error {
        CommandError.cannotWrite(path, String(cString: strerror(code)))
    }

    /// `DIR/.NAME.moat-tmp-`: the start of the temporary files of `path`.
    static func temporaryPrefix(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "" : folder.hasSuffix("/") ? folder : folder + "/") + temporaryNamePrefix(of: path)
    }

    /// `.NAME.moat-tmp-` (a very long name is cut, so that the temporary's name stays within the limit of
    /// the file system).
    static func temporaryNamePrefix(of path: String) -> String {
        var name = (path as NSString).lastPathComponent
        while name.utf8.count > 200 { name.removeLast() }
        return "." + name + ".moat-tmp-"
    }

    /// Removes the temporary files of `path` left by writers that no longer run (killed before they could
    /// clean up). Those of running processes, this one included, stay.
    static func removeStaleTemporaries(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let start = temporaryNamePrefix(of: path)
        let startLength = start.utf8.count
        guard let directory = opendir(folder.isEmpty ? "." : folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            // Each name is compared as a C string and made a Swift string only when it starts like ours: most
            // names in the folder are not, and making each a string cost more than everything else here
            // (430,000 instructions for a folder of 556 files).
            let found: String? = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let name = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
                return strncmp(name, start, startLength) == 0 ? String(cString: name) : nil
            }
            guard let name = found else { continue }
            // The rest is PID-XXXXXX, as mkstemp made it.
            let rest = name.dropFirst(start.count).split(separator: "-", maxSplits: 1)
            guard rest.count == 2, rest[1].count == 6, let pid = Int32(rest[0]), pid > 0 else { continue }
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            let stale = folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
            var status = stat()
            if lstat(stale, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG { unlink(stale) }
        }
    }
}

#if canImport(Glibc)
/// glibc's `int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)`,
/// looked up when first used: glibc has it from 2.28 on, and a `moat` linked to it by name would not start on an
/// older one (Amazon Linux 2 has 2.26); there `.regenerable` is a rename.
private let renameat2 = dlsym(nil, "renameat2").map {
    unsafeBitCast($0, to: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32).self)
}
/// `RENAME_EXCHANGE` (linux/fs.h): swap the two names.
private let renameExchange: UInt32 = 1 << 1
#endif

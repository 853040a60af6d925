import Foundation
import MoatCore

/// A git work tree, read with the `git` command: revisions, and files as they were at a commit.
/// Prints nothing: what goes wrong is thrown as a `CommandError` (exit 2 for the user's input, 3 for git
/// itself missing).
public struct GitRepository: Sendable {
    /// The top-level folder as reached from the paths the user gave (symbolic links not resolved),
    /// so that a model's include paths map onto repository paths.
    public let root: String

    /// Finds the repository holding `file` (which need not exist in the work tree).
    public init(containing file: String) throws {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        var probe = (absolute as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        while !(FileManager.default.fileExists(atPath: probe, isDirectory: &isDirectory) && isDirectory.boolValue) && probe != "/" {
            probe = (probe as NSString).deletingLastPathComponent
        }
        let result = try Self.git(["-C", probe, "rev-parse", "--show-prefix"])
        guard result.status == 0 else {
            throw CommandError.invalidInput("'\(file)' is not in a git repository; --rev needs one")
        }
        let prefix = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .newlines)
        var root = probe
        for _ in prefix.split(separator: "/") { root = (root as NSString).deletingLastPathComponent }
        self.root = root
    }

    /// The path of `path` (absolute, or relative to the current folder) inside the repository, or nil when outside it.
    public func relativePath(_ path: String) -> String? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let top = root.hasSuffix("/") ? root : root + "/"
        guard absolute.hasPrefix(top) else { return nil }
        return String(absolute.dropFirst(top.count))
    }

    /// The commit a revision names.
    public func commit(_ revision: String) throws -> String {
        let result = try Self.git(["-C", root, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"])
        let sha = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !sha.isEmpty else {
            throw CommandError.invalidInput("unknown revision '\(revision)' in the git repository at '\(root)'")
        }
        return sha
    }

    /// The merge base of two revisions.
    public func mergeBase(_ a: String, _ b: String) throws -> String {
        let (ca, cb) = (try commit(a), try commit(b))
        let result = try Self.git(["-C", root, "merge-base", ca, cb])
        let sha = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !sha.isEmpty else {
            throw CommandError.invalidInput("revisions '\(a)' and '\(b)' have no common ancestor")
        }
        return sha
    }

    /// True when `path` is a file at `commit`.
    public func exists(commit: String, path: String) throws -> Bool {
        let result = try Self.git(["-C", root, "cat-file", "-t", "\(commit):\(path)"])
        return result.status == 0 && String(decoding: result.output, as: UTF8.self).hasPrefix("blob")
    }

    /// Why a file could not be read at a revision; the message follows the file's path in a diagnostic.
    struct MissingAtRevision: LocalizedError {
        var revision: String
        var errorDescription: String? { "does not exist at revision '\(revision)'" }
    }

    /// A `SourceLoader` reader that reads every path (the model and its includes) as of `commit`.
    public func reader(commit: String, revision: String) -> @Sendable (String) throws -> [UInt8] {
        let repository = self
        return { path in
            guard let relative = repository.relativePath(path) else { throw MissingAtRevision(revision: revision) }
            let spec = "\(commit):\(relative)"
            let size = try Self.git(["-C", repository.root, "cat-file", "-s", spec])
            guard size.status == 0, try repository.exists(commit: commit, path: relative) else {
                throw MissingAtRevision(revision: revision)
            }
            if let n = Int(String(decoding: size.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
               n > SourceLoader.maximumSize {
                throw SourceLoader.LoadError.tooLarge(n)
            }
            let blob = try Self.git(["-C", repository.root, "cat-file", "blob", spec])
            guard blob.status == 0 else { throw SourceLoader.LoadError.unreadable }
            return [UInt8](blob.output)
        }
    }

    /// Runs `git` with arguments; git missing or not starting is an environment error (exit 3).
    static func git(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CommandError.environment("cannot run git: \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw CommandError.environment("git is not installed; --rev needs it")
        }
        return (process.terminationStatus, data)
    }
}

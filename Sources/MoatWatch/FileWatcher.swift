import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about one path: enough to notice an edit in place (size, mtime, ctime) and a save
/// by rename (vim, JetBrains and most editors write a new file and rename it over the old one, which
/// gives the path a new inode).
public struct FileStamp: Sendable, Hashable {
    /// Whether `stat` succeeded; false for a missing or unreadable path (every other field is then 0).
    public var exists: Bool
    /// The device the file is on (`st_dev`); with `inode`, tells a file renamed over the path from an edit.
    public var device: UInt64
    /// The file's inode number (`st_ino`), which changes when an editor saves by rename.
    public var inode: UInt64
    /// The size in bytes (`st_size`).
    public var size: Int64
    /// The last modification of the contents (`st_mtime`), in nanoseconds since 1970.
    public var modified: Int64
    /// The last change of the inode (`st_ctime`: contents, permissions or links), in nanoseconds since 1970.
    public var changed: Int64

    /// The stamp of a path that does not exist (or cannot be `stat`ed); a file appearing there is a change.
    public static let missing = FileStamp(exists: false, device: 0, inode: 0, size: 0, modified: 0, changed: 0)

    /// The path's stamp now (`stat` follows symbolic links, so a link to a model follows its target).
    public static func of(_ path: String) -> FileStamp {
        var s = stat()
        guard stat(path, &s) == 0 else { return .missing }
        #if canImport(Darwin)
        let modified = Int64(s.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(s.st_mtimespec.tv_nsec)
        let changed = Int64(s.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(s.st_ctimespec.tv_nsec)
        #else
        let modified = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
        let changed = Int64(s.st_ctim.tv_sec) * 1_000_000_000 + Int64(s.st_ctim.tv_nsec)
        #endif
        return FileStamp(exists: true, device: UInt64(s.st_dev), inode: UInt64(s.st_ino), size: Int64(s.st_size),
                         modified: modified, changed: changed)
    }

    /// Stamps of several paths, by path.
    public static func of(_ paths: some Sequence<String>) -> [String: FileStamp] {
        var result: [String: FileStamp] = [:]
        for path in paths { result[path] = of(path) }
        return result
    }
}

/// Watches a set of files by polling `stat`, which works the same on Linux and macOS, on local and
/// network file systems, and survives saves by rename (inotify and kqueue watches follow the old inode).
/// Bursts of saves are coalesced: a change is reported once the files have been quiet for `debounce`.
public struct FileWatcher: Sendable {
    /// How often the files are checked.
    public var interval: Duration
    /// How long the files must stay unchanged before a change is reported.
    public var debounce: Duration
    /// A change is reported after this long even if the files keep changing (a file rewritten
    /// continuously would otherwise never be reported).
    public var maximumDelay: Duration

    /// A watcher that polls every 200 ms, reports after 150 ms of quiet and at the latest 2 s after the
    /// first change, unless given other durations.
    public init(interval: Duration = .milliseconds(200), debounce: Duration = .milliseconds(150),
                maximumDelay: Duration = .seconds(2)) {
        self.interval = interval
        self.debounce = debounce
        self.maximumDelay = maximumDelay
    }

    /// Waits until some path's stamp differs from `baseline` (a path missing from `baseline` counts as
    /// unseen), then until the files settle, and returns the settled stamps. Nil when cancelled.
    public func nextChange(of paths: [String], from baseline: [String: FileStamp]) async -> [String: FileStamp]? {
        if case .changed(let stamps) = await nextChange(of: paths, from: baseline, interrupted: { false }) { return stamps }
        return nil
    }

    enum Change: Equatable {
        case changed([String: FileStamp])
        /// `interrupted` said so before any change was seen.
        case interrupted
        case cancelled
    }

    /// `nextChange(of:from:)` that also returns, before any change is seen, once `interrupted` is true
    /// (checked at every poll): the watch loop's way to learn that a build changed the list of files.
    func nextChange(of paths: [String], from baseline: [String: FileStamp],
                    interrupted: () -> Bool) async -> Change {
        var current: [String: FileStamp]
        repeat {
            do { try await Task.sleep(for: interval) } catch { return .cancelled }
            if interrupted() { return .interrupted }
            current = FileStamp.of(paths)
        } while paths.allSatisfy({ current[$0] == baseline[$0] })
        // Coalesce a burst: wait until a whole debounce period passes without a further change.
        let clock = ContinuousClock()
        let deadline = clock.now + maximumDelay
        while clock.now < deadline {
            do { try await Task.sleep(for: debounce) } catch { return .cancelled }
            let again = FileStamp.of(paths)
            if again == current { break }
            current = again
        }
        return .changed(current)
    }
}

import Foundation

/// Reads a file written in a notation MoatCore does not know itself (for example another tool's
/// model), or declines with nil so the next reader, and finally the Moat YAML/JSON reader, gets it.
///
/// MoatCore registers none: a tool that links importers (the `moat` CLI links MoatInterop) registers
/// them once at start-up, and from then on every `ModelLoader` accepts those files directly.
public typealias ForeignDocumentReader = @Sendable (SourceFile) -> (Document, DiagnosticBag)?

extension DocumentReader {
    /// Registers (or, under the same name, replaces) a reader consulted for `.yaml`, `.yml` and `.json` files.
    public static func register(foreignReader: @escaping ForeignDocumentReader, named name: String) {
        ForeignReaderRegistry.shared.set(name, foreignReader)
    }

    /// Removes a registered reader.
    public static func unregisterForeignReader(named name: String) {
        ForeignReaderRegistry.shared.set(name, nil)
    }

    /// The first registered reader that claims the file, in registration order.
    static func readForeign(_ file: SourceFile) -> (Document, DiagnosticBag)? {
        for reader in ForeignReaderRegistry.shared.readers {
            if let result = reader(file) { return result }
        }
        return nil
    }
}

/// The registered readers, behind a lock (registration may race with loads on other threads).
private final class ForeignReaderRegistry: @unchecked Sendable {
    static let shared = ForeignReaderRegistry()
    private let lock = NSLock()
    private var entries: [(name: String, reader: ForeignDocumentReader)] = []

    func set(_ name: String, _ reader: ForeignDocumentReader?) {
        lock.lock()
        defer { lock.unlock() }
        if let i = entries.firstIndex(where: { $0.name == name }) {
            if let reader { entries[i].reader = reader } else { entries.remove(at: i) }
        } else if let reader {
            entries.append((name, reader))
        }
    }

    var readers: [ForeignDocumentReader] {
        lock.lock()
        defer { lock.unlock() }
        return entries.map(\.reader)
    }
}

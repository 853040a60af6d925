import Foundation
import Testing
import MoatCore

// Test support: position markers in source text (swift-syntax style), model loading from text
// and from an in-memory file system, and diagnostic expectations.
//
// A marker is a keycap digit — 0️⃣ … 9️⃣ — written where a diagnostic is expected to point. It is
// removed from the text; its position is the 1-based line and 1-based UTF-8 byte column (as
// `MoatCore.SourceLocation` counts) of the character that followed it in the marked text.

/// A location in model text, as Moat reports it.
typealias TextLocation = MoatCore.SourceLocation

/// Text with its markers removed and the location of every marker.
struct MarkedText {
    /// The text without markers.
    var text: String
    /// Marker name ("1" for 1️⃣) → location in `text`.
    var markers: [String: TextLocation]

    /// The location of marker `name`; records an issue and returns 0:0 when it is missing.
    func location(_ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> TextLocation {
        guard let location = markers[name] else {
            Issue.record("no marker \(name)️⃣ in the test source", sourceLocation: sourceLocation)
            return TextLocation(line: 0, column: 0)
        }
        return location
    }

    subscript(_ name: String) -> TextLocation { location(name) }
}

/// Removes keycap-digit markers (`1️⃣`) from `source` and records where each one was.
///
/// Columns count UTF-8 bytes of the cleaned text, so markers after multi-byte characters (or
/// after other markers on the same line) still land on the right column.
func extractMarkers(_ source: String) -> MarkedText {
    let scalars = Array(source.unicodeScalars)
    var clean = String.UnicodeScalarView()
    var markers: [String: TextLocation] = [:]
    var line = 1
    var column = 1
    var i = 0
    while i < scalars.count {
        let s = scalars[i]
        if ("0"..."9").contains(s), i + 2 < scalars.count,
           scalars[i + 1] == "\u{FE0F}", scalars[i + 2] == "\u{20E3}" {
            let name = String(s)
            if markers[name] != nil { Issue.record("marker \(name)️⃣ is used twice in the test source") }
            markers[name] = TextLocation(line: line, column: column)
            i += 3
            continue
        }
        clean.append(s)
        if s == "\n" {
            line += 1
            column = 1
        } else {
            column += String(s).utf8.count
        }
        i += 1
    }
    return MarkedText(text: String(clean), markers: markers)
}

// MARK: - Loading

/// The built-in catalogue (vocabulary and maturity model).
func builtInCatalogue() throws -> Catalogue {
    try Catalogue.builtIn.get()
}

/// Loads a model from text, as `moat validate` would load a file with that content.
func loadModel(_ text: String, path: String = "model.moat") throws -> LoadResult {
    ModelLoader(catalogue: try builtInCatalogue()).load(text: text, path: path)
}

/// An in-memory file system for include tests: absolute path → bytes. Paths are normalised
/// (`a/../b` → `b`) before lookup, as the real file system would resolve them.
struct MemoryFileSystem: Sendable {
    var files: [String: [UInt8]]

    init(_ files: [String: String]) {
        self.files = files.mapValues { Array($0.utf8) }
    }

    init(bytes: [String: [UInt8]]) {
        self.files = bytes
    }

    static func normalise(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// A source loader reading from this file system.
    func sourceLoader() -> SourceLoader {
        let files = Dictionary(uniqueKeysWithValues: self.files.map { (Self.normalise($0.key), $0.value) })
        return SourceLoader(readBytes: { path in
            let key = MemoryFileSystem.normalise(path)
            guard let bytes = files[key] else { throw SourceLoader.LoadError.notFound }
            return bytes
        })
    }
}

/// Loads the model rooted at `root` from an in-memory file system.
func loadModel(files: [String: String], root: String) throws -> LoadResult {
    let loader = MemoryFileSystem(files).sourceLoader()
    return ModelLoader(catalogue: try builtInCatalogue(), sourceLoader: loader).load(path: root)
}

/// Loads the model rooted at `root` from in-memory raw bytes.
func loadModel(bytes: [String: [UInt8]], root: String) throws -> LoadResult {
    let loader = MemoryFileSystem(bytes: bytes).sourceLoader()
    return ModelLoader(catalogue: try builtInCatalogue(), sourceLoader: loader).load(path: root)
}

/// Parses text with the Moat parser only.
func parse(_ text: String, path: String = "test.moat") -> (Document, [Diagnostic]) {
    Parser.parse(SourceFile(path: path, text: text))
}

// MARK: - Diagnostics

extension Diagnostic {
    /// `path:line:col: severity: id: message`, for failure messages.
    var summary: String {
        let at = range.map { "\($0.file.path):\($0.start.line):\($0.start.column)" } ?? "-"
        return "\(at): \(severity.rawValue): [\(id)] \(message)"
    }
}

func describe(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.isEmpty ? "(no diagnostics)" : diagnostics.map(\.summary).joined(separator: "\n")
}

func errors(_ diagnostics: [Diagnostic]) -> [Diagnostic] { diagnostics.filter { $0.severity == .error } }
func warnings(_ diagnostics: [Diagnostic]) -> [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

/// Expects exactly one diagnostic with `id` and checks its severity, message, position and file.
///
/// Returns it so that callers can check notes.
@discardableResult
func expectDiagnostic(
    _ diagnostics: [Diagnostic], id: DiagnosticID, severity: DiagnosticSeverity = .error,
    message: String? = nil, at location: TextLocation? = nil, file: String? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Diagnostic? {
    let matching = diagnostics.filter { $0.id == id }
    guard matching.count == 1, let d = matching.first else {
        Issue.record("expected one '\(id)' diagnostic, found \(matching.count):\n\(describe(diagnostics))",
                     sourceLocation: sourceLocation)
        return matching.first
    }
    #expect(d.severity == severity, "severity of \(d.summary)", sourceLocation: sourceLocation)
    if let message {
        #expect(d.message == message, sourceLocation: sourceLocation)
    }
    if let location {
        #expect(d.range?.start == location, "position of \(d.summary)", sourceLocation: sourceLocation)
    }
    if let file {
        #expect(d.range?.file.path == file, "file of \(d.summary)", sourceLocation: sourceLocation)
    }
    return d
}

/// Expects no errors and no warnings.
func expectClean(_ result: LoadResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(result.diagnostics.isEmpty, "\(describe(result.diagnostics))", sourceLocation: sourceLocation)
    #expect(result.model != nil, sourceLocation: sourceLocation)
}

/// Expects no errors (warnings allowed).
func expectValid(_ result: LoadResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(!result.hasErrors, "\(describe(result.diagnostics))", sourceLocation: sourceLocation)
    #expect(result.model != nil, sourceLocation: sourceLocation)
}

// MARK: - Files of the repository

/// The package root, found from this file's path (Tests/MoatCoreTests/Support/Markers.swift).
func packageRoot(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // MoatCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
}

/// Every `Samples/*.moat`, sorted by name.
func sampleFiles() -> [URL] {
    let dir = packageRoot().appendingPathComponent("Samples")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".moat") }.sorted().map { dir.appendingPathComponent($0) }
}

/// A sample's file name, for parameterised test arguments.
func sampleNames() -> [String] { sampleFiles().map(\.lastPathComponent) }

func sampleURL(_ name: String) -> URL { packageRoot().appendingPathComponent("Samples").appendingPathComponent(name) }

import Foundation
import TestSupport
import MoatCore
import MoatDiagram
import MoatInterop
import Testing

/// The inputs beside the repository: ../shared/interop and ../shared/schemas (read there, never copied).
enum Shared {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    static let interop = root.appendingPathComponent("interop")
    static let schemas = root.appendingPathComponent("schemas")
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String { interop.appendingPathComponent(relative).path }

    /// Every file of ../shared/interop (one folder per tool, with any sub-folders), sorted.
    static let allInputs: [String] = {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: interop, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let base = interop.standardizedFileURL.path + "/"
        var out: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count))
            if relative.contains("/") && url.lastPathComponent != "README.md" { out.append(relative) }
        }
        return out.sorted()
    }()

    static let malformed = "threat-dragon/v2-malformed-new-model.json"
    static var wellFormedInputs: [String] { allInputs.filter { $0 != malformed } }
}

let catalogue: Catalogue = try! Catalogue.builtIn.get()
let asOf = "2025-06-01"

struct ReadError: Error, CustomStringConvertible { var description: String }

/// One foreign file imported, formatted as Moat text and loaded back from that text.
struct Imported {
    var result: ImportResult
    var text: String
    var load: LoadResult

    var model: Model { load.model! }
    var warnings: [Diagnostic] { result.diagnostics.diagnostics.filter { $0.severity == .warning } }

    func element(_ id: String) -> Element? { model.elements.first { $0.id == id } }
    func flow(_ id: String) -> Flow? { model.flows.first { $0.id == id } }
    func boundary(_ id: String) -> Boundary? { model.boundaries.first { $0.id == id } }
    func data(_ id: String) -> DataAsset? { model.data.first { $0.id == id } }

    func analysis() -> Analysis { Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: asOf)) }

    /// The first warning whose message contains `text`.
    func warning(containing text: String) -> Diagnostic? { warnings.first { $0.message.contains(text) } }
}

func readShared(_ relative: String) throws -> SourceFile {
    switch SourceLoader().load(Shared.path(relative)) {
    case .success(let f): return f
    case .failure(let d): throw ReadError(description: d.message)
    }
}

/// Imports a file of ../shared/interop, formats it and loads the formatted text.
func importShared(_ relative: String, as format: ForeignFormat? = nil) throws -> Imported {
    let result = Interop.importDocument(try readShared(relative), as: format, vocabulary: catalogue.vocabulary)
    let text = MoatFormatter(vocabulary: catalogue.vocabulary).format(result.document)
    let load = ModelLoader(catalogue: catalogue).load(text: text, path: "/tmp/imported/\(relative).moat")
    return Imported(result: result, text: text, load: load)
}

/// The source line a diagnostic points at.
func sourceLine(_ d: Diagnostic) -> String {
    guard let r = d.range else { return "" }
    return r.file.lineText(r.start.line)
}

/// A comparable description of a model: every element, boundary, flow, data asset and tracking entry.
func signature(_ model: Model) -> [String] {
    func attrs(_ a: Attributes) -> String {
        a.map { "\($0.name)=\($0.value.textValues.joined(separator: ","))" }.sorted().joined(separator: ";")
    }
    var out = ["model \(model.header.name) \(attrs(model.header.attributes))"]
    out += model.data.map { "data \($0.id) \($0.name) \(attrs($0.attributes))" }.sorted()
    out += model.boundaries.map { "boundary \($0.id) \($0.name) parent=\($0.parent ?? "-") \(attrs($0.attributes))" }.sorted()
    out += model.elements.map { "\($0.kind.rawValue) \($0.id) \($0.name) in=\($0.boundary ?? "-") \(attrs($0.attributes))" }.sorted()
    out += model.flows.map { "flow \($0.id) \($0.source)\($0.twoWay ? "<->" : "->")\($0.target) '\($0.name)' \(attrs($0.attributes))" }.sorted()
    out += model.threats.map { "threat \($0.id) '\($0.title)' on \($0.subject) \(attrs($0.attributes))" }.sorted()
    out += model.tracking.map { "\($0.status.rawValue) \($0.pattern) '\($0.justification)' \($0.owner ?? "-") \($0.until ?? "-")" }.sorted()
    return out
}

/// Runs a program and returns its exit status and output (for python3 -c and the moat binary).
func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let outcome = try runProcess(URL(fileURLWithPath: executable), arguments, in: directory)
    return (outcome.status, outcome.stdout, outcome.stderr)
}

/// Validates a JSON file against a JSON Schema with Python's jsonschema; nil when valid, else the error.
func validateWithJSONSchema(_ file: URL, schema: URL) throws -> String? {
    let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]: print(list(e.path), e.message)
        sys.exit(1 if errors else 0)
        """
    // The python3 on PATH is the one CI's setup gives jsonschema.
    let result = try run("/usr/bin/env", ["python3", "-c", script, schema.path, file.path])
    return result.status == 0 ? nil : result.stdout + result.stderr
}

/// A fresh temporary folder.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-interop-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The `moat` binary built next to the test bundle.
enum MoatBinary {
    static let url: URL? = {
        var dirs: [URL] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for scratch in [".build-interop", ".build-tests", ".build"] {
            dirs.append(Shared.packageRoot.appendingPathComponent(scratch).appendingPathComponent("debug"))
        }
        return dirs.map { $0.appendingPathComponent("moat") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}

func moat(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    guard let binary = MoatBinary.url else { throw ReadError(description: "the moat binary was not found; build it first") }
    return try run(binary.path, arguments, in: directory)
}

/// The fixtures of this suite (Tests/Fixtures/interop), written for it.
enum Fixture {
    static let folder = Shared.packageRoot.appendingPathComponent("Tests/Fixtures/interop")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    static func file(_ name: String) throws -> SourceFile {
        switch SourceLoader().load(path(name)) {
        case .success(let f): return f
        case .failure(let d): throw ReadError(description: d.message)
        }
    }
}

/// Imports a file (shared or fixture), formats it and loads the formatted text.
func importFile(_ file: SourceFile, as format: ForeignFormat? = nil, options: ImportOptions = ImportOptions()) -> Imported {
    let result = Interop.importDocument(file, as: format, vocabulary: catalogue.vocabulary, options: options)
    let text = MoatFormatter(vocabulary: catalogue.vocabulary).format(result.document)
    let load = ModelLoader(catalogue: catalogue).load(text: text, path: "/tmp/imported/\((file.path as NSString).lastPathComponent).moat")
    return Imported(result: result, text: text, load: load)
}

/// Imports text given in a test.
func importText(_ text: String, path: String, as format: ForeignFormat? = nil, options: ImportOptions = ImportOptions()) -> Imported {
    importFile(SourceFile(path: path, text: text), as: format, options: options)
}

extension Imported {
    func threat(_ id: String) -> WrittenThreat? { model.threats.first { $0.id == id } }
    var errors: [Diagnostic] { result.diagnostics.diagnostics.filter { $0.severity == .error } }
}

import Foundation
import MoatCore
import Yams

/// What an importer produces: a Moat document (the same AST the parser produces) and what it had
/// to say about the source file (errors for unreadable input, warnings for what it could not map).
public struct ImportResult: Sendable {
    /// The imported model as a Moat document, ready to print as Moat source or to resolve and analyse; empty
    /// (but valid) when the input could not be read.
    public var document: Document
    /// Errors for input that could not be read, warnings (at the source line) for what has no Moat equivalent.
    public var diagnostics: DiagnosticBag

    /// A result of `document` with `diagnostics`.
    public init(document: Document, diagnostics: DiagnosticBag) {
        self.document = document
        self.diagnostics = diagnostics
    }

    /// Whether any diagnostic is an error: the import failed, and `document` should not be used.
    public var hasErrors: Bool { diagnostics.hasErrors }
}

/// Choices a person makes about an import that the source file cannot make: trust levels of zones.
public struct ImportOptions: Sendable {
    /// Trust level by zone: a boundary's Moat id, its id in the source or its name (any case) → a `trust` value.
    public var trust: [String: String]
    /// Reads the files a model includes (Threagile's `includes:`); the disk unless told otherwise (the fuzz target
    /// gives an in-memory file system, so that an input naming `/dev/stdin` or `/etc/passwd` reads nothing).
    public var sourceLoader: SourceLoader

    /// Options with trust levels by zone (see `trust`; none by default, so importers keep what they infer) and the
    /// loader of included files.
    public init(trust: [String: String] = [:], sourceLoader: SourceLoader = SourceLoader()) {
        self.trust = trust
        self.sourceLoader = sourceLoader
    }
}

/// A foreign YAML or JSON file read into Yams nodes, with positions for diagnostics.
///
/// JSON is read by the YAML parser too (JSON is YAML), so both report line and column. Aliases are resolved by
/// the composer and merge keys (`<<: *base`) by `Fields`; before either is walked, the expanded tree must fit the
/// budget every YAML read in Moat gets (`YAMLModelReader.fitsExpansionBudget`), so an alias or merge-key bomb is
/// one error, at once.
struct ForeignSource {
    let file: SourceFile
    /// Nil when the file could not be read (the error is in the diagnostics).
    let root: Node?

    init(_ file: SourceFile, diagnostics: inout DiagnosticBag) {
        self.file = file
        let isJSON = file.path.lowercased().hasSuffix(".json")
        let what = isJSON ? "JSON" : "YAML"
        let id: DiagnosticID = isJSON ? .invalidJson : .invalidYaml
        let text = String(decoding: file.bytes, as: UTF8.self)
        do {
            let composed = try Yams.compose(yaml: text)
            if let composed, !YAMLModelReader.fitsExpansionBudget(composed, of: file) {
                diagnostics.error(.yamlExpansion, "\(what) aliases and merge keys expand this file far beyond its size",
                                  at: file.range(0, 0),
                                  notes: ["a file may expand to \(YAMLModelReader.expansionBudget(forSize: file.bytes.count)) nodes (50 per byte); write the repeated parts out"])
                root = nil
            } else {
                root = composed
            }
        } catch let error as YamlError {
            root = nil
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                diagnostics.error(id, "invalid \(what): \(problem)", at: file.range(line: max(1, mark.line), column: max(1, mark.column)))
            default:
                diagnostics.error(id, "invalid \(what): \(error)", at: file.range(0, 0))
            }
        } catch {
            root = nil
            diagnostics.error(id, "cannot read \(what): \(error)", at: file.range(0, 0))
        }
    }

    /// Byte columns of the file's lines, computed once per line.
    let lines = YAMLLineIndex()

    /// The source range of a node.
    func range(_ node: Node?) -> SourceRange { YAMLModelReader.range(of: node, in: file, lines: lines) }

    /// The start of the file, for diagnostics about the whole file.
    var start: SourceRange { file.range(0, 0) }

    /// The file's name without folders, for notes.
    var fileName: String { (file.path as NSString).lastPathComponent }

    /// The file's name without folders and extension, for a model name when the source has none.
    var baseName: String { (fileName as NSString).deletingPathExtension }
}

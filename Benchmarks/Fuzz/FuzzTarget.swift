import Foundation
import MoatCore
import MoatReports

/// What one fuzz input goes through, and the invariants checked on the way.
///
/// Every input is the root file of a model in an in-memory file system (nothing on disk is read,
/// so `include "/etc/passwd"` is harmless). The notation comes from `MOAT_FUZZ_NOTATION`
/// (`moat`, the default, `yaml` or `json`), so each front end gets its own campaign and corpus;
/// `MOAT_FUZZ_NOTATION=import` runs the input through the importers instead (ImportTarget.swift).
///
/// Stages: SourceLoader checks (size, UTF-8, NUL) → reader (Parser or YAMLModelReader) → ModelLoader
/// (includes, names, types, lint) → Analyzer → DiagnosticRenderer; then, when the input parses
/// without errors, `moat fmt` idempotence and, when it loads without errors, `moat convert` round trips.
/// A crash inside Moat is a finding; so is a broken invariant, reported through `fatalError("invariant: …")`.
enum FuzzTarget {
    static let catalogue: Catalogue = {
        do { return try Catalogue.builtIn.get() } catch { fatalError("cannot load the built-in catalogue: \(error)") }
    }()

    static let notation: Document.Notation = {
        switch ProcessInfo.processInfo.environment["MOAT_FUZZ_NOTATION"] {
        case "yaml"?: return .yaml
        case "json"?: return .json
        default: return .moat
        }
    }()

    /// `MOAT_FUZZ_NOTATION=import`: the input is another tool's model, for ImportTarget.
    static let importing = ProcessInfo.processInfo.environment["MOAT_FUZZ_NOTATION"] == "import"

    /// The campaign's name, as the replay prints it: the notation, or `import`.
    static var modeName: String { importing ? "import" : "\(notation)" }

    static var rootPath: String {
        switch notation {
        case .moat: return "/fuzz/root.moat"
        case .yaml: return "/fuzz/root.yaml"
        case .json: return "/fuzz/root.json"
        }
    }

    /// Fixed files that inputs may include, beside the input itself (as `root.*` and `self.*`).
    static let fixedFiles: [String: [UInt8]] = [
        "/fuzz/part.moat": Array("""
            data card "Card" { classification secret; pii }
            boundary inner "Inner" {
              trust internal
              process worker "Worker" { processes card }
              datastore vault "Vault" { stores card; encrypted-at-rest }
            }
            worker -> vault "Store" { protocol postgres-tls; carries card }

            """.utf8),
        "/fuzz/part.yaml": Array("""
            elements:
              - kind: actor
                id: partner
                name: Partner
            flows:
              - from: partner
                to: worker
                protocol: https

            """.utf8),
        "/fuzz/empty.moat": [],
        "/fuzz/binary.moat": [0x61, 0x63, 0x74, 0x6F, 0x72, 0x20, 0x00, 0x78],
        "/fuzz/latin1.moat": [0x61, 0x63, 0x74, 0x6F, 0x72, 0x20, 0x78, 0x20, 0x22, 0xE9, 0x22],
        "/fuzz/loop.moat": Array("include \"loop.moat\"\n".utf8),
        "/fuzz/back.moat": Array("include \"root.moat\"\nactor back\n".utf8),
    ]

    /// An in-memory file system: the input, the fixed files above, and nothing else.
    static func sourceLoader(input: [UInt8]) -> SourceLoader {
        SourceLoader(readBytes: { path in
            let key = URL(fileURLWithPath: path).standardizedFileURL.path
            switch key {
            case "/fuzz/root.moat", "/fuzz/root.yaml", "/fuzz/root.json",
                 "/fuzz/self.moat", "/fuzz/self.yaml", "/fuzz/self.json", "/fuzz/import.yaml", "/fuzz/import.json":
                return input
            case "/fuzz": throw SourceLoader.LoadError.isDirectory
            default:
                guard let bytes = fixedFiles[key] else { throw SourceLoader.LoadError.notFound }
                return bytes
            }
        })
    }

    static func violated(_ what: String, _ input: String) -> Never {
        fatalError("invariant: \(what)\n--- input ---\n\(input)\n---")
    }

    /// Runs one input through every stage.
    static func run(_ input: [UInt8]) {
        if importing { return ImportTarget.run(input) }
        let loader = sourceLoader(input: input)
        let root: SourceFile
        switch loader.load(rootPath) {
        case .failure(let d):
            _ = DiagnosticRenderer().render(d)
            return
        case .success(let f):
            root = f
        }
        let text = String(decoding: root.bytes, as: UTF8.self)
        let modelLoader = ModelLoader(catalogue: catalogue, sourceLoader: loader)
        let result = modelLoader.load(file: root)
        _ = DiagnosticRenderer().render(result.diagnostics)
        if result.hasErrors != (result.model == nil) { violated("a model is returned exactly when there are no errors", text) }

        let formatter = MoatFormatter(vocabulary: catalogue.vocabulary)
        let tree = DocumentTree(vocabulary: catalogue.vocabulary)
        if notation == .moat {
            checkFormatting(root, text: text, formatter: formatter, tree: tree)
        }
        guard let model = result.model else { return }

        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-06-01"))
        _ = DiagnosticRenderer().render(analysis.diagnostics)
        if Set(analysis.findings.map(\.id)).count != analysis.findings.count { violated("finding ids are unique", text) }
        _ = GraphJSON().value(analysis.graph).serialized()

        // `moat convert`: the root document in every notation reads back as the same tree.
        let document = result.documents[0]
        let expected = tree.tree(document)
        let moatText = formatter.format(document)
        let (fromMoat, moatDiagnostics) = Parser.parse(SourceFile(path: "/fuzz/converted.moat", text: moatText))
        if moatDiagnostics.contains(where: { $0.severity == .error }) {
            violated("converted Moat text parses without errors:\n\(moatText)\n\(DiagnosticRenderer().render(moatDiagnostics))", text)
        }
        if tree.tree(fromMoat) != expected { violated("converted Moat text reads back as the same model:\n\(moatText)", text) }
        let jsonText = tree.json(document)
        let (fromJSON, jsonDiagnostics) = YAMLModelReader.read(SourceFile(path: "/fuzz/converted.json", text: jsonText), notation: .json)
        if jsonDiagnostics.contains(where: { $0.severity == .error }) {
            violated("converted JSON reads without errors:\n\(jsonText)\n\(DiagnosticRenderer().render(jsonDiagnostics))", text)
        }
        if tree.tree(fromJSON) != expected { violated("converted JSON reads back as the same model:\n\(jsonText)", text) }
    }

    /// `moat fmt`: when the text parses without errors, format(parse(format(x))) == format(x), and the
    /// formatted text is the same document (the check `moat fmt` itself makes before writing).
    static func checkFormatting(_ file: SourceFile, text: String, formatter: MoatFormatter, tree: DocumentTree) {
        let (document, diagnostics) = Parser.parse(file)
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return }
        let once = formatter.format(document)
        let (reparsed, again) = Parser.parse(SourceFile(path: file.path, text: once))
        if again.contains(where: { $0.severity == .error }) {
            violated("formatted text parses without errors:\n\(once)\n\(DiagnosticRenderer().render(again))", text)
        }
        let twice = formatter.format(reparsed)
        if twice != once { violated("formatting is idempotent:\n--- once ---\n\(once)\n--- twice ---\n\(twice)", text) }
        if tree.tree(reparsed) != tree.tree(document) { violated("formatting keeps the model:\n\(once)", text) }
    }
}

import Foundation
import MoatCore
import MoatDiagram

/// One line about a finished build, for the terminal that runs `moat watch`.
public struct BuildSummary: Sendable {
    public var build: Int
    public var builtAt: String
    public var succeeded: Bool
    public var findings: Int
    public var openFindings: Int
    public var errorCount: Int
    public var warningCount: Int
    public var milliseconds: Int
    /// The errors, rendered as `file:line:col: error: message` with their source lines.
    public var renderedErrors: String
}

/// Loads, analyses and draws the model; keeps the last good analysis so a broken save shows its
/// errors over the previous diagram instead of a blank page. One build at a time (an actor).
actor Workbench {
    let modelPath: String
    let catalogue: Catalogue
    let loader: ModelLoader
    let declaredLevel: Int?
    let asOf: String?

    private(set) var build = 0
    private(set) var lastGood: AnalysisView?
    private(set) var snapshot: Snapshot?
    /// The files the last build read or tried to include.
    private(set) var files: [String]

    init(modelPath: String, catalogue: Catalogue, foreignReaders: [ForeignDocumentReader] = [], declaredLevel: Int?, asOf: String?) {
        self.modelPath = modelPath
        self.catalogue = catalogue
        self.loader = ModelLoader(catalogue: catalogue, foreignReaders: foreignReaders)
        self.declaredLevel = declaredLevel
        self.asOf = asOf
        self.files = [modelPath]
    }

    /// Runs load → analyse → diagram once and returns the new snapshot with a summary line.
    func rebuild() async -> (Snapshot, BuildSummary) {
        let clock = ContinuousClock()
        let started = clock.now
        build += 1
        let time = Self.clockTime()
        let result = loader.load(path: modelPath)
        files = Self.watchedFiles(root: modelPath, documents: result.documents)
        var diagnostics = result.diagnostics
        var findings = 0, open = 0
        if let model = result.model {
            let options = AnalysisOptions(declaredLevel: declaredLevel, asOf: asOf ?? Self.today())
            let analysis = Analyzer(catalogue: catalogue).analyze(model, options: options)
            diagnostics += analysis.diagnostics
            findings = analysis.findings.count
            open = analysis.findings.filter(\.isOpen).count
            var svg: String?, diagramError: String?
            do {
                svg = try await Self.renderSVG(analysis, vocabulary: catalogue.vocabulary)
            } catch {
                diagramError = "\(error)"
                svg = lastGood?.svg
            }
            lastGood = AnalysisView(analysis: analysis, catalogue: catalogue, build: build, builtAt: time,
                                    svg: svg, diagramError: diagramError)
        }
        let errors = diagnostics.filter { $0.severity == .error }
        let ordered = errors + diagnostics.filter { $0.severity != .error }
        let renderer = DiagnosticRenderer()
        let snapshot = Snapshot(build: build, builtAt: time, status: result.model == nil ? "errors" : "ok", model: modelPath,
                                files: files, errorCount: max(result.errorCount, errors.count),
                                warningCount: ordered.count - errors.count,
                                diagnostics: ordered.map { DiagnosticView($0, renderer: renderer) }, view: lastGood)
        self.snapshot = snapshot
        let elapsed = clock.now - started
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let summary = BuildSummary(build: build, builtAt: time, succeeded: result.model != nil, findings: findings,
                                   openFindings: open, errorCount: snapshot.errorCount, warningCount: snapshot.warningCount,
                                   milliseconds: ms, renderedErrors: renderer.render(errors))
        return (snapshot, summary)
    }

    /// The annotated diagram as inline SVG, with component links that the page turns into filters.
    static func renderSVG(_ analysis: Analysis, vocabulary: Vocabulary) async throws -> String {
        var options = DiagramOptions()
        options.linkPrefix = AnalysisView.anchorPrefix
        options.date = analysis.options.asOf
        let picture: DiagramRenderer.Output
        do {
            picture = try await DiagramRenderer(vocabulary: vocabulary, options: options).render(analysis, format: .svg)
        } catch let error as DiagramRenderer.TooLarge {
            guard let fallback = error.fallback else { throw error }
            picture = fallback
        }
        let svg = String(decoding: picture.bytes, as: UTF8.self)
        // Drop the XML declaration, DOCTYPE and comments before the root element.
        guard let start = svg.range(of: "<svg") else { throw NoSVG() }
        return String(svg[start.lowerBound...])
    }

    struct NoSVG: Error, CustomStringConvertible {
        var description: String { "Graphviz returned no SVG" }
    }

    /// The root, every document read, and every file an include names (also those that do not exist
    /// yet, so creating a missing include rebuilds). Paths as the loader sees them, without duplicates.
    static func watchedFiles(root: String, documents: [Document]) -> [String] {
        var seen: Set<String> = []
        var files: [String] = []
        func add(_ path: String) { if seen.insert(path).inserted { files.append(path) } }
        add(root)
        for document in documents {
            add(document.file.path)
            let base = (document.file.path as NSString).deletingLastPathComponent
            func visit(_ statements: [Statement]) {
                for statement in statements {
                    switch statement {
                    case .include(let i):
                        let value = i.path.value
                        add(value.hasPrefix("/") || base.isEmpty ? value : base + "/" + value)
                    case .boundary(let b):
                        visit(b.items)
                    default:
                        break
                    }
                }
            }
            visit(document.statements)
        }
        return files
    }

    static func clockTime() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "HH:mm:ss"
        return f.string(from: Date())
    }

    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }
}

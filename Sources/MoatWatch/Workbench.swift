import Foundation
import MoatCore
import MoatDiagram

/// One line about a finished build, for the terminal that runs `moat watch`.
public struct BuildSummary: Sendable {
    /// The build's number: published builds of the session are numbered 1, 2, 3, … (superseded ones skipped).
    public var build: Int
    /// The local wall-clock time at which the build started, as `HH:mm:ss`.
    public var builtAt: String
    /// Whether the model loaded without errors (and so was analysed); false when the page shows errors over
    /// the last good diagram.
    public var succeeded: Bool
    /// How many findings the analysis produced, whatever their status; 0 when the build failed.
    public var findings: Int
    /// How many of them are open (`FindingStatus.gap` or `.roadmap`): not mitigated, accepted or dismissed.
    public var openFindings: Int
    /// Errors in loading the model (including those past the cap that were counted but not kept).
    public var errorCount: Int
    /// Diagnostics of lesser severity (warnings and notes) from loading and analysing the model.
    public var warningCount: Int
    /// Wall-clock time from the start of loading until the diagram was drawn, in milliseconds.
    public var milliseconds: Int
    /// The errors, rendered as `file:line:col: error: message` with their source lines.
    public var renderedErrors: String
}

/// Loads, analyses and draws the model; keeps the last good analysis so a broken save shows its
/// errors over the previous diagram instead of a blank page.
///
/// Builds never hold up a reader: the latest snapshot is read under a lock, at once, while a build runs.
/// Each build has a generation; starting a newer one supersedes the older, which stops at its next stage
/// (load, analyse, draw) and is never published, so only the newest save's result is shown. Loading and
/// analysis run on a queue of their own, off the threads that serve requests.
final class Workbench: Sendable {
    let modelPath: String
    let catalogue: Catalogue
    let loader: ModelLoader
    let declaredLevel: Int?
    let asOf: String?
    /// Called on the build queue once a build has loaded and analysed, before it draws (tests use it to
    /// hold a build while they save again or read the page). Its second argument says whether the build
    /// has been superseded.
    let hook: (@Sendable (_ generation: Int, _ superseded: @Sendable () -> Bool) -> Void)?

    private struct State {
        /// The newest generation started.
        var generation = 0
        /// Published builds, counted from 1.
        var build = 0
        var lastGood: AnalysisView?
        var snapshot: Snapshot?
        /// The latest snapshot with its JSON, encoded once per build, off the lock: what the page shows.
        var published: Published?
        /// The files the last published build read or tried to include, and their stamps just after it read them.
        var files: [String]
        var stamps: [String: FileStamp] = [:]
        /// Counts changes of `files`.
        var filesVersion = 0
    }

    private let state: Locked<State>
    private let queue = DispatchQueue(label: "moat.watch.build", qos: .userInitiated)

    init(modelPath: String, catalogue: Catalogue, foreignReaders: [ForeignDocumentReader] = [], declaredLevel: Int?, asOf: String?,
         hook: (@Sendable (Int, @Sendable () -> Bool) -> Void)? = nil) {
        self.modelPath = modelPath
        self.catalogue = catalogue
        self.loader = ModelLoader(catalogue: catalogue, foreignReaders: foreignReaders)
        self.declaredLevel = declaredLevel
        self.asOf = asOf
        self.hook = hook
        self.state = Locked(State(files: [modelPath]))
    }

    struct Published: Sendable {
        var snapshot: Snapshot
        /// `snapshot.json()`.
        var json: String
    }

    /// One published build.
    struct Built: Sendable {
        var snapshot: Snapshot
        var json: String
        var summary: BuildSummary
    }

    /// The latest published snapshot, without waiting for a build under way.
    var snapshot: Snapshot? { state.get().snapshot }
    /// The latest published snapshot and its JSON, without waiting for a build under way.
    var published: Published? { state.get().published }
    var lastGood: AnalysisView? { state.get().lastGood }
    var build: Int { state.get().build }
    var files: [String] { state.get().files }
    var filesVersion: Int { state.get().filesVersion }
    /// Stamps of `files` taken by the build that read them.
    var stamps: [String: FileStamp] { state.get().stamps }

    /// Starts a new generation, superseding any build under way; pass it to `build(_:)`.
    func supersede() -> Int {
        state.update { state in
            state.generation += 1
            return state.generation
        }
    }

    /// Runs load → analyse → diagram once and returns the new snapshot with a summary line.
    /// Nil when a newer build was started meanwhile.
    func rebuild() async -> (Snapshot, BuildSummary)? {
        await build(supersede()).map { ($0.snapshot, $0.summary) }
    }

    private struct Analysed: @unchecked Sendable {
        var started: ContinuousClock.Instant
        var time: String
        var result: LoadResult
        var files: [String]
        var stamps: [String: FileStamp]
        var analysis: Analysis?
        var diagnostics: [Diagnostic]
    }

    /// Builds generation `generation`; nil when it was superseded before it could be published.
    func build(_ generation: Int) async -> Built? {
        let superseded: @Sendable () -> Bool = { [state] in state.get().generation != generation }
        let analysed: Analysed? = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.analyse(generation, superseded: superseded)) }
        }
        guard let analysed else { return nil }
        var svg: String?, diagramError: String?
        if let analysis = analysed.analysis {
            do {
                svg = try await Self.renderSVG(analysis, vocabulary: catalogue.vocabulary)
            } catch {
                diagramError = "\(error)"
            }
        }
        guard let (snapshot, summary) = commit(generation, analysed, svg: svg, diagramError: diagramError) else { return nil }
        // The JSON (megabytes for a large model) is encoded once, on the build queue, and then served as is.
        let json = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: snapshot.json()) }
        }
        let current: Bool = state.update { state in
            guard state.build == snapshot.build else { return false }
            state.published = Published(snapshot: snapshot, json: json)
            return true
        }
        return current ? Built(snapshot: snapshot, json: json, summary: summary) : nil
    }

    /// Load and analyse (on the build queue); the diagram is laid out afterwards, off the queue.
    private func analyse(_ generation: Int, superseded: @Sendable () -> Bool) -> Analysed? {
        if superseded() { return nil }
        let clock = ContinuousClock()
        let started = clock.now
        let time = Self.clockTime()
        let result = loader.load(path: modelPath)
        let files = Self.watchedFiles(root: modelPath, documents: result.documents)
        let stamps = FileStamp.of(files)
        if superseded() { return nil }
        var analysed = Analysed(started: started, time: time, result: result, files: files, stamps: stamps,
                                analysis: nil, diagnostics: result.diagnostics)
        if let model = result.model {
            let options = AnalysisOptions(declaredLevel: declaredLevel, asOf: asOf ?? AnalysisOptions.today())
            let analysis = Analyzer(catalogue: catalogue).analyze(model, options: options)
            analysed.analysis = analysis
            analysed.diagnostics += analysis.diagnostics
        }
        hook?(generation, superseded)
        return superseded() ? nil : analysed
    }

    /// Publishes a build unless a newer one was started; numbers published builds 1, 2, 3, …
    private func commit(_ generation: Int, _ a: Analysed, svg: String?, diagramError: String?) -> (Snapshot, BuildSummary)? {
        state.update { state -> (Snapshot, BuildSummary)? in
            guard state.generation == generation else { return nil }
            state.build += 1
            let build = state.build
            if let analysis = a.analysis {
                state.lastGood = AnalysisView(analysis: analysis, catalogue: catalogue, build: build, builtAt: a.time,
                                              svg: svg ?? state.lastGood?.svg, diagramError: diagramError)
            }
            if state.files != a.files { state.filesVersion += 1 }
            state.files = a.files
            state.stamps = a.stamps
            let errors = a.diagnostics.filter { $0.severity == .error }
            let ordered = errors + a.diagnostics.filter { $0.severity != .error }
            let renderer = DiagnosticRenderer()
            let snapshot = Snapshot(build: build, builtAt: a.time, status: a.result.model == nil ? "errors" : "ok",
                                    model: modelPath, files: a.files,
                                    errorCount: max(a.result.errorCount, errors.count),
                                    warningCount: ordered.count - errors.count,
                                    diagnostics: ordered.map { DiagnosticView($0, renderer: renderer) }, view: state.lastGood)
            state.snapshot = snapshot
            let elapsed = ContinuousClock.now - a.started
            let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            let findings = a.analysis?.findings ?? []
            let summary = BuildSummary(build: build, builtAt: a.time, succeeded: a.result.model != nil,
                                       findings: findings.count, openFindings: findings.filter(\.isOpen).count,
                                       errorCount: snapshot.errorCount, warningCount: snapshot.warningCount,
                                       milliseconds: ms, renderedErrors: renderer.render(errors))
            return (snapshot, summary)
        }
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
}

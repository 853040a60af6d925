import Foundation

/// A document the client has open: its text as the editor has it.
final class OpenDocument {
    let uri: String
    /// Canonical path: the key of the document everywhere in the server.
    let path: String
    var version: Int?
    /// The editor's text as UTF-8.
    private(set) var bytes: [UInt8]

    init(uri: String, path: String, version: Int?, text: String) {
        self.uri = uri
        self.path = path
        self.version = version
        self.bytes = Array(text.utf8)
    }

    /// Bytes of a byte-order mark at the start, which Moat does not count.
    var bomBytes: Int { bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0 }
    /// The text as the model loader reads it.
    var coreBytes: [UInt8] { bomBytes == 0 ? bytes : Array(bytes.dropFirst(3)) }
    var map: LineMap { LineMap(bytes: coreBytes, bomBytes: bomBytes) }

    /// Applies one change: the whole text, or a range of it.
    func apply(_ change: TextDocumentContentChangeEvent, _ encoding: PositionEncoding) {
        guard let range = change.range else {
            bytes = Array(change.text.utf8)
            return
        }
        let whole = LineMap(bytes: bytes)
        let start = whole.offset(of: range.start, encoding), end = max(start, whole.offset(of: range.end, encoding))
        bytes.replaceSubrange(start..<end, with: Array(change.text.utf8))
    }
}

/// One model: a root file and everything it includes, loaded and analysed together.
final class Project {
    let rootPath: String
    var dirty = true
    var outcome: LoadOutcome?
    /// The latest analysis of a valid version of the model, kept while the text has errors.
    var lastAnalysis: AnalysisSummary?
    /// Line maps of the files of `outcome`, by path.
    var maps: [String: LineMap] = [:]
    /// The diagnostics last published, by URI (for code actions and for clearing).
    var published: [String: [LSPDiagnostic]] = [:]
    /// How long the last load and analysis took, in milliseconds.
    var lastMilliseconds = 0.0

    init(rootPath: String) { self.rootPath = rootPath }

    var index: SyntaxIndex { outcome?.index ?? SyntaxIndex() }
    /// The current analysis, or the last valid one while the model has errors.
    var analysis: AnalysisSummary? { outcome?.analysis ?? lastAnalysis }
    var isStale: Bool { outcome?.analysis == nil && lastAnalysis != nil }
}

/// Open documents and the projects they belong to.
final class Workspace {
    let core: CoreAdapter
    var encoding: PositionEncoding = .utf16
    /// Whether open findings are also published as information diagnostics.
    var findingDiagnostics = true
    private(set) var documents: [String: OpenDocument] = [:]
    private(set) var projects: [String: Project] = [:]
    /// The root of the project each open document belongs to.
    private var owner: [String: String] = [:]
    /// Sends a publishDiagnostics notification.
    let publish: (PublishDiagnosticsParams) -> Void
    /// Where the timing of each load and analysis goes (the server's --log).
    var trace: ((String) -> Void)?

    init(core: CoreAdapter, publish: @escaping (PublishDiagnosticsParams) -> Void) {
        self.core = core
        self.publish = publish
    }

    // MARK: - Documents

    static func path(ofURI uri: String) -> String {
        DocumentURI.path(of: uri).map(DocumentURI.canonical) ?? DocumentURI.virtualPath(for: uri)
    }

    func document(_ uri: String) -> OpenDocument? { documents[Self.path(ofURI: uri)] }

    func open(uri: String, text: String, version: Int?) {
        let path = Self.path(ofURI: uri)
        documents[path] = OpenDocument(uri: uri, path: path, version: version, text: text)
        let root = findRoot(of: path, visited: [])
        owner[path] = root
        if projects[root] == nil { projects[root] = Project(rootPath: root) }
        markDirty(containing: path)
    }

    func change(uri: String, version: Int?, changes: [TextDocumentContentChangeEvent]) {
        guard let doc = document(uri) else { return }
        for c in changes { doc.apply(c, encoding) }
        doc.version = version ?? doc.version
        markDirty(containing: doc.path)
    }

    /// A save may change what other files see on disk (a file included by a project whose root is elsewhere).
    func saved(uri: String) {
        markDirty(containing: Self.path(ofURI: uri))
    }

    /// Files changed on disk: every project reloads.
    func filesChanged() {
        for p in projects.values { p.dirty = true }
    }

    func close(uri: String) {
        let path = Self.path(ofURI: uri)
        guard documents.removeValue(forKey: path) != nil else { return }
        owner.removeValue(forKey: path)
        markDirty(containing: path)
        dropUnusedProjects()
    }

    private func markDirty(containing path: String) {
        for p in projects.values where p.rootPath == path || owner[path] == p.rootPath || p.outcome?.files[path] != nil {
            p.dirty = true
        }
    }

    /// Projects that no open document belongs to go, and their diagnostics are cleared.
    private func dropUnusedProjects() {
        let used = Set(owner.values)
        for (root, p) in projects where !used.contains(root) {
            for uri in p.published.keys { publish(PublishDiagnosticsParams(uri: uri, version: nil, diagnostics: [])) }
            projects.removeValue(forKey: root)
        }
    }

    // MARK: - Projects

    /// The project of an open document, loaded and analysed if its text changed.
    func project(for uri: String) -> Project? {
        let path = Self.path(ofURI: uri)
        guard let root = owner[path], let p = projects[root] else { return nil }
        if p.dirty { refresh(p) }
        // Refreshing may have moved the document to another project (an include added or removed).
        if let now = owner[path], now != root, let q = projects[now] {
            if q.dirty { refresh(q) }
            return q
        }
        return p
    }

    /// Loads and analyses every project whose text changed, publishing diagnostics.
    func refreshDirty() {
        // Refreshing one can dirty another (documents moving between projects): at most a few rounds.
        for _ in 0..<4 {
            let dirty = projects.values.filter(\.dirty).sorted { $0.rootPath < $1.rootPath }
            if dirty.isEmpty { return }
            for p in dirty where projects[p.rootPath] === p { refresh(p) }
        }
    }

    var hasDirtyProjects: Bool { projects.values.contains(where: \.dirty) }

    func refresh(_ p: Project) {
        let started = DispatchTime.now().uptimeNanoseconds
        var overlays: [String: [UInt8]] = [:]
        for (path, doc) in documents { overlays[path] = doc.coreBytes }
        let outcome = core.load(rootPath: p.rootPath, overlays: overlays)
        p.outcome = outcome
        p.dirty = false
        if let a = outcome.analysis { p.lastAnalysis = a }
        var maps: [String: LineMap] = [:]
        for (path, bytes) in outcome.files {
            maps[path] = LineMap(bytes: bytes, bomBytes: documents[path]?.bomBytes ?? 0)
        }
        if maps[p.rootPath] == nil {
            maps[p.rootPath] = documents[p.rootPath]?.map ?? LineMap(bytes: [])
        }
        p.maps = maps
        p.lastMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        reconcileOwners(after: p)
        publishDiagnostics(of: p)
        trace?(String(format: "(analysis) %.2f ms load and analysis, %.2f ms with diagnostics published: %@",
                      p.lastMilliseconds, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6,
                      (p.rootPath as NSString).lastPathComponent))
    }

    /// After a load: open files the project now includes join it; those it no longer includes leave it.
    private func reconcileOwners(after p: Project) {
        guard let files = p.outcome?.files else { return }
        for (path, _) in documents {
            if path != p.rootPath, files[path] != nil, owner[path] == path {
                owner[path] = p.rootPath
                if let own = projects[path], own !== p {
                    projects.removeValue(forKey: path)
                    for uri in own.published.keys where files[Self.path(ofURI: uri)] == nil {
                        publish(PublishDiagnosticsParams(uri: uri, version: nil, diagnostics: []))
                    }
                }
            } else if owner[path] == p.rootPath, path != p.rootPath, files[path] == nil {
                let root = findRoot(of: path, visited: [p.rootPath])
                owner[path] = root
                if projects[root] == nil { projects[root] = Project(rootPath: root) }
                projects[root]?.dirty = true
            }
        }
    }

    /// The URI to publish a path under: the open document's own URI, else a `file:` URI.
    func uri(ofPath path: String) -> String { documents[path]?.uri ?? DocumentURI.uri(ofPath: path) }

    /// The line map of a file of a project (open documents: the current text).
    func map(_ path: String, in p: Project) -> LineMap {
        p.maps[path] ?? documents[path]?.map ?? LineMap(bytes: [])
    }

    private func publishDiagnostics(of p: Project) {
        guard let outcome = p.outcome else { return }
        var byPath: [String: [LSPDiagnostic]] = [:]
        for path in outcome.files.keys { byPath[path] = [] }
        byPath[p.rootPath] = byPath[p.rootPath] ?? []
        for d in outcome.diagnostics {
            let path = d.path ?? p.rootPath
            let map = self.map(path, in: p)
            let start = map.offset(line: d.startLine, column: d.startColumn)
            let end = map.offset(line: d.endLine, column: d.endColumn)
            let range = map.range(start, end, encoding)
            let uri = uri(ofPath: path)
            let severity = d.severity == "error" ? LSPDiagnostic.error : d.severity == "warning" ? LSPDiagnostic.warning
                : LSPDiagnostic.information
            let related = d.notes.map { note -> DiagnosticRelatedInformation in
                // A note about another place (the split core's "first declared here") points there.
                guard let notePath = note.path else {
                    return DiagnosticRelatedInformation(location: Location(uri: uri, range: range), message: note.message)
                }
                let m = self.map(notePath, in: p)
                let r = m.range(m.offset(line: note.startLine, column: note.startColumn),
                                m.offset(line: note.endLine, column: note.endColumn), encoding)
                return DiagnosticRelatedInformation(location: Location(uri: self.uri(ofPath: notePath), range: r), message: note.message)
            }
            byPath[path, default: []].append(LSPDiagnostic(range: range, severity: severity, code: d.id, source: "moat",
                                                           message: d.message, relatedInformation: related.isEmpty ? nil : related))
        }
        if findingDiagnostics {
            for (path, list) in FindingsFeature.diagnostics(p, workspace: self) { byPath[path, default: []] += list }
        }
        var sent: [String: [LSPDiagnostic]] = [:]
        for (path, list) in byPath.sorted(by: { $0.key < $1.key }) {
            // A file open as part of another project is that project's to report.
            if documents[path] != nil, let o = owner[path], o != p.rootPath { continue }
            let uri = uri(ofPath: path)
            sent[uri] = list
            publish(PublishDiagnosticsParams(uri: uri, version: documents[path]?.version, diagnostics: list))
        }
        for uri in p.published.keys where sent[uri] == nil {
            publish(PublishDiagnosticsParams(uri: uri, version: nil, diagnostics: []))
        }
        p.published = sent
    }

    // MARK: - Finding the root of a document

    /// The root of the model a file belongs to: a file that includes it (directly or through others), found
    /// among the loaded projects and the `.moat` files of its folder and the folder above; else itself.
    func findRoot(of path: String, visited: Set<String>) -> String {
        if visited.count > 8 { return path }
        for p in projects.values.sorted(by: { $0.rootPath < $1.rootPath })
        where p.rootPath != path && !visited.contains(p.rootPath) && p.outcome?.files[path] != nil {
            return findRoot(of: p.rootPath, visited: visited.union([path]))
        }
        let fm = FileManager.default
        let folder = (path as NSString).deletingLastPathComponent
        for dir in [folder, (folder as NSString).deletingLastPathComponent] where !dir.isEmpty {
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for name in names.sorted().prefix(500) where name.hasSuffix(".moat") {
                let candidate = DocumentURI.canonical((dir as NSString).appendingPathComponent(name))
                guard candidate != path, !visited.contains(candidate), includes(candidate, path) else { continue }
                return findRoot(of: candidate, visited: visited.union([path]))
            }
        }
        return path
    }

    /// Whether the file at `includer` has an `include` of `path`.
    private func includes(_ includer: String, _ path: String) -> Bool {
        let bytes: [UInt8]
        if let doc = documents[includer] {
            bytes = doc.coreBytes
        } else {
            let attributes = try? FileManager.default.attributesOfItem(atPath: includer)
            guard let size = (attributes?[.size] as? NSNumber)?.intValue, size < 4 << 20,
                  let data = FileManager.default.contents(atPath: includer) else { return false }
            bytes = [UInt8](data)
        }
        guard bytes.count >= 7, String(decoding: bytes, as: UTF8.self).contains("include") else { return false }
        let tokens = core.lex(bytes, path: includer).tokens
        let base = (includer as NSString).deletingLastPathComponent
        for (i, t) in tokens.enumerated() where t.kind == .word && t.text == "include" && i + 1 < tokens.count {
            let next = tokens[i + 1]
            guard next.kind == .string else { continue }
            let target = next.text.hasPrefix("/") ? next.text : (base as NSString).appendingPathComponent(next.text)
            if DocumentURI.canonical(target) == path { return true }
        }
        return false
    }
}

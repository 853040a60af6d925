import Foundation
import MoatSyntax
import MoatSource
import MoatText

/// The outcome of loading a model: the model (nil when it has errors), the documents read and all diagnostics.
public struct LoadResult: Sendable {
    public var model: Model?
    /// The root document first, then each included document.
    public var documents: [Document]
    public var diagnostics: [Diagnostic]
    /// Every error found, including those past the cap that are not in `diagnostics`.
    public var errorCount: Int

    public init(model: Model?, documents: [Document], diagnostics: [Diagnostic], errorCount: Int? = nil) {
        self.model = model
        self.documents = documents
        self.diagnostics = diagnostics
        self.errorCount = errorCount ?? diagnostics.filter { $0.severity == .error }.count
    }

    public var hasErrors: Bool { errorCount > 0 }
}

/// Turns files into a resolved `Model`: reads, parses, follows includes, checks names and types, lints.
public struct ModelLoader: Sendable {
    /// Include chains deeper than this are rejected.
    public static let maximumIncludeDepth = 16

    /// How much one model may declare and read (docs/performance.md, "Resource limits").
    public struct Limits: Sendable {
        /// Elements, flows, boundaries and data assets, all files together: five times the largest model
        /// measured.
        public var declarations = 500_000
        /// Bytes read, all files together (each file is also capped, by `SourceLoader.maximumSize`).
        public var totalSize = 128 << 20

        public init() {}
    }

    public var limits = Limits()

    /// The attributes models may write.
    public let vocabulary: Vocabulary
    /// The organisation practices a model's `practices` may name (the maturity model's ids, in level order).
    public let practices: [String]
    /// Readers tried, in order, for `.yaml`, `.yml` and `.json` files before Moat's own YAML/JSON form
    /// (other tools' models, read by MoatInterop); none by default.
    public var foreignReaders: [ForeignDocumentReader]
    public var sourceLoader: SourceLoader

    public init(vocabulary: Vocabulary, practices: [String], foreignReaders: [ForeignDocumentReader] = [],
                sourceLoader: SourceLoader = SourceLoader()) {
        self.vocabulary = vocabulary
        self.practices = practices
        self.foreignReaders = foreignReaders
        self.sourceLoader = sourceLoader
    }

    /// Loads the model whose root file is at `path`.
    public func load(path: String) -> LoadResult {
        switch sourceLoader.load(path) {
        case .failure(let diagnostic):
            return LoadResult(model: nil, documents: [], diagnostics: [diagnostic])
        case .success(let file):
            return load(file: file)
        }
    }

    /// Loads a model from text (includes are resolved relative to `path`).
    public func load(text: String, path: String = "<input>.moat") -> LoadResult {
        load(file: SourceFile(path: path, text: text))
    }

    /// Loads a model whose root file is already read.
    public func load(file: SourceFile) -> LoadResult {
        let builder = ModelBuilder(loader: self)
        return builder.build(root: file)
    }
}

/// Reads one file into a document, choosing the notation from the file extension.
public enum DocumentReader {
    public static func notation(forPath path: String) -> Document.Notation {
        switch (path as NSString).pathExtension.lowercased() {
        case "yaml", "yml": return .yaml
        case "json": return .json
        default: return .moat
        }
    }

    /// Parses a file in its notation; YAML and JSON files go to the first foreign reader that claims them.
    public static func read(_ file: SourceFile, foreignReaders: [ForeignDocumentReader] = []) -> (Document, DiagnosticBag) {
        switch notation(forPath: file.path) {
        case .moat: return NotAModel.screen(Parser.parseCollecting(file))
        case let n:
            for reader in foreignReaders {
                if let result = reader(file) { return result }
            }
            return NotAModel.screen(YAMLModelReader.readCollecting(file, notation: n))
        }
    }
}

/// The mutable state of one load; used once.
private final class ModelBuilder {
    let loader: ModelLoader
    let checker: AttributeChecker
    var sourceLoader: SourceLoader { loader.sourceLoader }
    var limits: ModelLoader.Limits { loader.limits }
    var diagnostics = DiagnosticBag()
    var documents: [Document] = []

    var header: ModelHeader?
    var elements: [Element] = []
    var boundaries: [Boundary] = []
    var data: [DataAsset] = []
    var flowSyntax: [(syntax: FlowSyntax, attributes: Attributes)] = []
    var tracking: [TrackingEntry] = []
    /// Ids of elements, boundaries and explicit flow ids: one namespace.
    var ids: [String: (kind: ElementKind, range: SourceRange)] = [:]
    var dataIDs: [String: SourceRange] = [:]
    var includeStack: [String] = []
    var included: Set<String> = []
    /// Declarations so far, and whether the limit has been reported.
    var declarations = 0
    var tooManyReported = false
    /// Bytes read so far, all files together.
    var totalSize = 0

    init(loader: ModelLoader) {
        self.loader = loader
        self.checker = AttributeChecker(vocabulary: loader.vocabulary)
    }

    /// "128 MiB", "2 KiB" or "100 bytes".
    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    func build(root file: SourceFile) -> LoadResult {
        let key = Self.canonical(file.path)
        included.insert(key)
        includeStack.append(key)
        totalSize = file.bytes.count
        let (document, parseDiagnostics) = DocumentReader.read(file, foreignReaders: loader.foreignReaders)
        diagnostics.merge(parseDiagnostics)
        documents.append(document)
        walk(document, isRoot: true)

        if elements.isEmpty && !diagnostics.hasErrors {
            // A file with nothing in it is not a model; a header (or an import of an empty diagram) with
            // no elements yet is a valid, empty model that is probably unfinished.
            if file.bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) {
                diagnostics.error("empty-model", "file is empty; a model declares at least one actor, process or datastore",
                                  at: file.range(0, 0), notes: ["start with 'moat init' for a commented starter model"])
            } else {
                diagnostics.warning("empty-model", "model declares no actor, process or datastore",
                                    at: file.range(0, 0), notes: ["start with 'moat init' for a commented starter model"])
            }
        }
        resolveReferences()
        let flows = resolveFlows()
        // Canonical order, the same from every notation: each boundary's elements in boundary
        // declaration (pre-)order, then the elements outside every boundary.
        var boundaryOrder: [String: Int] = [:]
        for (i, b) in boundaries.enumerated() { boundaryOrder[b.id] = i }
        let keys = elements.map { $0.boundary.flatMap { boundaryOrder[$0] } ?? Int.max }
        elements = elements.indices.sorted { a, b in keys[a] != keys[b] ? keys[a] < keys[b] : a < b }.map { elements[$0] }
        let resolvedHeader = header ?? ModelHeader(
            name: ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension,
            attributes: Attributes(), range: nil)
        let model = Model(header: resolvedHeader, elements: elements, boundaries: boundaries, flows: flows,
                          data: data, tracking: tracking, files: documents.map(\.file))
        if !diagnostics.hasErrors { Linter(model: model).lint(into: &diagnostics) }
        return LoadResult(model: diagnostics.hasErrors ? nil : model, documents: documents,
                          diagnostics: diagnostics.sorted, errorCount: diagnostics.errorCount)
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    // MARK: - Walking statements

    func walk(_ document: Document, isRoot: Bool) {
        for statement in document.statements {
            handle(statement, in: nil, document: document, isRoot: isRoot)
        }
    }

    func handle(_ statement: Statement, in boundary: String?, document: Document, isRoot: Bool) {
        switch statement {
        case .declaration, .boundary, .flow:
            declarations += 1
            guard declarations <= limits.declarations else {
                if !tooManyReported {
                    tooManyReported = true
                    diagnostics.error("model-too-large",
                                      "the model declares more than \(limits.declarations) elements, flows, boundaries and data assets",
                                      at: statement.range, notes: ["the rest is not read; split the system into several models"])
                }
                return
            }
        default: break
        }
        switch statement {
        case .declaration(let d):
            declare(d, in: boundary, isRoot: isRoot)
        case .boundary(let b):
            declare(b, in: boundary, document: document, isRoot: isRoot)
        case .flow(let f):
            if let id = f.id { claim(id, as: .flow) }
            flowSyntax.append((f, checker.check(f.attributes, on: .flow, into: &diagnostics)))
        case .tracking(let t):
            tracking.append(TrackingEntry(status: t.status.value, pattern: t.pattern.value,
                                          justification: t.justification.value, owner: t.owner?.value,
                                          until: t.until?.value, range: t.pattern.range))
        case .include(let i):
            include(i, from: document)
        case .attribute:
            break  // boundary attributes are read by declare(boundary)
        }
    }

    /// Registers an id in the element namespace; false when it is taken.
    @discardableResult
    func claim(_ id: Located<String>, as kind: ElementKind) -> Bool {
        if let previous = ids[id.value] {
            diagnostics.error("duplicate-id", "'\(id.value)' is already declared as \(previous.kind.phrase)", at: id.range,
                              notes: ["first declared at \(previous.range.file.path):\(previous.range.start.line):\(previous.range.start.column)"])
            return false
        }
        ids[id.value] = (kind, id.range)
        return true
    }

    func declare(_ d: DeclarationSyntax, in boundary: String?, isRoot: Bool) {
        let attributes = checker.check(d.attributes, on: d.kind, into: &diagnostics)
        switch d.kind {
        case .model:
            if !isRoot {
                diagnostics.error("misplaced-header", "the model header belongs in the root file, not in an included file",
                                  at: d.range)
            } else if let first = header {
                diagnostics.error("duplicate-header", "a model has one header", at: d.range,
                                  notes: ["the first is at line \(first.range?.start.line ?? 0)"])
            } else {
                if let m = attributes.number(.maturity), m != m.rounded(),
                   let r = attributes.entry(.maturity)?.range {
                    diagnostics.error("out-of-range", "'maturity' is a whole level from 1 to 5", at: r)
                }
                header = ModelHeader(name: d.name?.value ?? "", attributes: attributes, range: d.range)
            }
        case .data:
            guard let id = d.id else { return }
            if let first = dataIDs[id.value] {
                diagnostics.error("duplicate-id", "data asset '\(id.value)' is already declared", at: id.range,
                                  notes: ["first declared at \(first.file.path):\(first.start.line):\(first.start.column)"])
                return
            }
            dataIDs[id.value] = id.range
            data.append(DataAsset(id: id.value, name: d.name?.value ?? id.value, attributes: attributes, range: id.range))
        default:
            guard let id = d.id, claim(id, as: d.kind) else { return }
            elements.append(Element(id: id.value, name: d.name?.value ?? id.value, kind: d.kind,
                                    attributes: attributes, boundary: boundary, range: id.range))
        }
    }

    func declare(_ b: BoundarySyntax, in parent: String?, document: Document, isRoot: Bool) {
        let attributeSyntax = b.items.compactMap { item -> AttributeSyntax? in
            if case .attribute(let a) = item { return a }
            return nil
        }
        let attributes = checker.check(attributeSyntax, on: .boundary, into: &diagnostics)
        let claimed = claim(b.id, as: .boundary)
        if claimed {
            boundaries.append(Boundary(id: b.id.value, name: b.name?.value ?? b.id.value, attributes: attributes,
                                       parent: parent, range: b.id.range))
        }
        for item in b.items {
            handle(item, in: claimed ? b.id.value : parent, document: document, isRoot: isRoot)
        }
    }

    func include(_ i: IncludeSyntax, from document: Document) {
        let base = (document.file.path as NSString).deletingLastPathComponent
        let path = i.path.value.hasPrefix("/") ? i.path.value : (base.isEmpty ? i.path.value : base + "/" + i.path.value)
        let key = Self.canonical(path)
        if let start = includeStack.firstIndex(of: key) {
            let cycle = (includeStack[start...] + [key]).map { ($0 as NSString).lastPathComponent }
            diagnostics.error("include-cycle", "include cycle: \(cycle.joined(separator: " -> "))", at: i.path.range)
            return
        }
        if included.contains(key) {
            diagnostics.warning("repeated-include", "'\(i.path.value)' is already included; it is read once", at: i.path.range)
            return
        }
        if includeStack.count >= ModelLoader.maximumIncludeDepth {
            diagnostics.error("include-too-deep", "includes nest deeper than \(ModelLoader.maximumIncludeDepth) files",
                              at: i.path.range)
            return
        }
        let file: SourceFile
        switch sourceLoader.load(path, from: i.path.range) {
        case .failure(var d):
            if d.id == "file-not-found" {
                d.message = "cannot include '\(i.path.value)': no such file"
                d.notes = ["paths are relative to the including file's folder"]
            }
            diagnostics.append(d)
            return
        case .success(let f):
            file = f
        }
        totalSize += file.bytes.count
        if totalSize > limits.totalSize {
            diagnostics.error("model-too-large",
                              "including '\(i.path.value)' takes the model past \(Self.size(limits.totalSize)), all files together",
                              at: i.path.range, notes: ["the file is not read; split the system into several models"])
            return
        }
        included.insert(key)
        includeStack.append(key)
        defer { includeStack.removeLast() }
        let (included, parseDiagnostics) = DocumentReader.read(file, foreignReaders: loader.foreignReaders)
        diagnostics.merge(parseDiagnostics)
        documents.append(included)
        walk(included, isRoot: false)
    }

    // MARK: - Resolution

    /// Checks that every data and practice reference names something that exists.
    func resolveReferences() {
        let practices = loader.practices
        let practiceSet = Set(practices)
        func check(_ attributes: Attributes) {
            for attribute in attributes {
                guard case .list(let ids) = attribute.value, let spec = loader.vocabulary.spec(attribute.name),
                      spec.type == .refs else { continue }
                for (index, id) in ids.enumerated() {
                    switch spec.target {
                    case .data?:
                        if dataIDs[id] == nil {
                            // Past the error cap the error is dropped: no hint to search for.
                            let guess = diagnostics.isFull ? nil : Suggestion.closest(to: id, in: Array(dataIDs.keys))
                            diagnostics.error("unknown-data", "unknown data asset '\(id)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                                              at: valueRange(index, in: attribute),
                                              notes: guess == nil ? ["declare it: data \(id) \"…\" { classification confidential }"] : [])
                        }
                    case .practice?:
                        if !practiceSet.contains(id) {
                            let guess = diagnostics.isFull ? nil : Suggestion.closest(to: id, in: practices)
                            diagnostics.error("unknown-practice", "unknown practice '\(id)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                                              at: valueRange(index, in: attribute),
                                              notes: ["practices are listed in Models/maturity/levels.yaml"])
                        }
                    case nil: break
                    }
                }
            }
        }
        if let header { check(header.attributes) }
        for e in elements { check(e.attributes) }
        for b in boundaries { check(b.attributes) }
        for d in data { check(d.attributes) }
        for f in flowSyntax { check(f.attributes) }
    }

    /// Where the `index`-th value of an attribute was written (the attribute's range if unknown).
    func valueRange(_ index: Int, in attribute: Attribute) -> SourceRange? {
        index < attribute.valueRanges.count ? attribute.valueRanges[index] : attribute.range
    }

    /// Resolves flow endpoints, types flow attributes and assigns flow ids.
    func resolveFlows() -> [Flow] {
        var flows: [Flow] = []
        var implicit: [String: FlowSyntax] = [:]
        flows.reserveCapacity(flowSyntax.count)
        for (f, attributes) in flowSyntax {
            var ok = true
            for end in [f.source, f.target] {
                guard let owner = ids[end.value], owner.kind.isNode else {
                    ok = false
                    if let owner = ids[end.value] {
                        diagnostics.error("flow-endpoint", "flows connect actors, processes and datastores; '\(end.value)' is \(owner.kind.phrase)",
                                          at: end.range)
                    } else {
                        let nodes = diagnostics.isFull ? [] : elements.map(\.id)  // past the cap the error is dropped: no hint to search for
                        let guess = Suggestion.closest(to: end.value, in: nodes)
                        diagnostics.error("unknown-element", "unknown element '\(end.value)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                                          at: end.range)
                    }
                    continue
                }
            }
            guard ok else { continue }
            var id = f.id?.value ?? Flow.implicitID(source: f.source.value, target: f.target.value, twoWay: f.twoWay)
            if f.id == nil {
                if let first = implicit[id] {
                    if first.name?.value == f.name?.value && first.twoWay == f.twoWay
                        && Self.attributeText(first.attributes) == Self.attributeText(f.attributes) {
                        diagnostics.warning("duplicate-flow", "duplicate flow '\(id)'", at: f.range,
                                            notes: ["the same flow is declared at line \(first.range.start.line); remove one"])
                        continue
                    }
                    diagnostics.error("ambiguous-flow-id",
                                      "another flow '\(id)' is declared at line \(first.range.start.line); give this one an explicit id",
                                      at: f.source.range,
                                      notes: ["write: \(suggestedID(f)): \(f.source.value) \(f.twoWay ? "<->" : "->") \(f.target.value) …",
                                              "explicit ids keep finding ids stable when flows change"])
                    continue
                }
                implicit[id] = f
                if ids[id] != nil {
                    diagnostics.error("duplicate-id", "flow id '\(id)' is already used by an explicit id", at: f.range)
                    continue
                }
            } else {
                id = f.id!.value
            }
            flows.append(Flow(id: id, hasExplicitID: f.id != nil, source: f.source.value, target: f.target.value,
                              twoWay: f.twoWay, name: f.name?.value ?? "", attributes: attributes, range: f.range))
        }
        return flows
    }

    /// Attributes as comparable text, for spotting exact duplicates.
    static func attributeText(_ attributes: [AttributeSyntax]) -> [String] {
        attributes.map { ([$0.name.value] + $0.values.map(\.value.text)).joined(separator: " ") }.sorted()
    }

    func suggestedID(_ f: FlowSyntax) -> String {
        let words = (f.name?.value ?? "\(f.source.value)-to-\(f.target.value)").lowercased()
            .split { !$0.isLetter && !$0.isNumber }.prefix(3)
        let id = words.joined(separator: "-")
        return id.isEmpty || id.first!.isNumber ? "flow-\(f.source.value)" : id
    }
}

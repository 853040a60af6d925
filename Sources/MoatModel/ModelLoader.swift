// Over 500 lines: one handler per statement kind, the include walk and its confinement, in one pass.
import Foundation
import MoatSyntax
import MoatSource
import MoatText

/// The outcome of loading a model: the model (nil when it has errors), the documents read and all diagnostics.
public struct LoadResult: Sendable {
    /// The resolved model; nil when any file could not be read or any error was found.
    public var model: Model?
    /// The root document first, then each included document.
    public var documents: [Document]
    /// Errors, warnings and notes of every stage, sorted by file and position (`DiagnosticBag.sorted`), with a
    /// summary line when errors past the cap were dropped.
    public var diagnostics: [Diagnostic]
    /// Every error found, including those past the cap that are not in `diagnostics`.
    public var errorCount: Int

    /// A result; `errorCount` defaults to the number of errors in `diagnostics`.
    public init(model: Model?, documents: [Document], diagnostics: [Diagnostic], errorCount: Int? = nil) {
        self.model = model
        self.documents = documents
        self.diagnostics = diagnostics
        self.errorCount = errorCount ?? diagnostics.filter { $0.severity == .error }.count
    }

    /// Whether loading found any error (and so `model` is nil).
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

        /// The default limits: 500,000 declarations and 128 MiB read.
        public init() {}
    }

    /// How much one model may declare and read; a model past a limit gets an error, not a partial load.
    public var limits = Limits()

    /// The attributes models may write.
    public let vocabulary: Vocabulary
    /// The organisation practices a model's `practices` may name (the maturity model's ids, in level order).
    public let practices: [String]
    /// The controls a written threat's `controls` may name.
    public let controls: [String]
    /// Readers tried, in order, for `.yaml`, `.yml` and `.json` files before Moat's own YAML/JSON form
    /// (other tools' models, read by MoatInterop); none by default.
    public var foreignReaders: [ForeignDocumentReader]
    /// How files are read and checked (size, UTF-8, binary); replaceable to read from memory in tests and
    /// editors.
    public var sourceLoader: SourceLoader
    /// Folders included files may come from, besides the model's own tree (`--allow-include DIR`).
    ///
    /// By default an `include` must stay inside the folder tree of the repository the root model is in
    /// (the nearest folder above it with `.git`), else of its project (the folder of the nearest
    /// `moat.yaml`), else of the root model's own folder: a model must not be able to make Moat read, and
    /// quote in its diagnostics, `/proc/self/environ` or `../../secrets`.
    public var allowedIncludeFolders: [String] = []

    /// A loader that checks models against `vocabulary` and the maturity model's `practices` and `controls`.
    public init(vocabulary: Vocabulary, practices: [String], controls: [String] = [],
                foreignReaders: [ForeignDocumentReader] = [], sourceLoader: SourceLoader = SourceLoader()) {
        self.vocabulary = vocabulary
        self.practices = practices
        self.controls = controls
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
    /// The notation of a file by its extension, in any case: `.yaml`/`.yml` YAML, `.json` JSON, anything
    /// else the Moat language.
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

extension Statement {
    // Accessors for what the model builder needs of a statement: read through them, a statement in an array
    // is not copied whole (all its strings and arrays) for one of its fields.

    /// The attributes a declaration, boundary or flow gives itself and the kind they are checked as (a
    /// boundary's are its `.attribute` items); nil for other statements.
    fileprivate var attributesToCheck: (syntax: [AttributeSyntax], kind: ElementKind)? {
        switch self {
        case .declaration(let d): return (d.attributes, d.kind)
        case .flow(let f): return (f.attributes, .flow)
        case .boundary(let b):
            return (b.items.compactMap { item -> AttributeSyntax? in
                if case .attribute(let a) = item { return a }
                return nil
            }, .boundary)
        case .tracking, .include, .attribute: return nil
        }
    }

    /// What a boundary holds; nil for other statements.
    fileprivate var boundaryItems: [Statement]? {
        if case .boundary(let b) = self { return b.items }
        return nil
    }
}

/// The attributes of one declaration, checked, and the diagnostics of the check.
struct CheckedAttributes: Sendable {
    var attributes: Attributes
    var diagnostics: DiagnosticBag
}

/// The checked attributes of a document's declarations in order, as the pieces checked side by side made them:
/// kept apart, because joining them would retain and release everything in them once more. Taken in order.
struct CheckedPieces {
    private var pieces: [[CheckedAttributes]]
    private var piece = 0, position = 0

    init(_ pieces: [[CheckedAttributes]] = []) { self.pieces = pieces }

    /// The next declaration's checked attributes.
    mutating func next() -> CheckedAttributes {
        while position == pieces[piece].count {
            piece += 1
            position = 0
        }
        position += 1
        return pieces[piece][position - 1]
    }
}

/// The positions of a flow's source and target in the model's elements.
struct FlowEnds {
    var source: Int
    var target: Int
}

extension Dictionary {
    /// Stores `value` under `key` unless the key is there already; returns the value that was there, if any.
    /// One lookup (the key's slot is found once, then read or filled), where a read and a store are two.
    mutating func insertIfAbsent(_ key: Key, _ value: Value) -> Value? {
        func fill(_ slot: inout Value?) -> Value? {
            if let existing = slot { return existing }
            slot = value
            return nil
        }
        return fill(&self[key])
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
    /// Each element's boundary by its position in `boundaries` (`Int.max` outside every boundary), recorded
    /// when the element is declared: the canonical order sorts by it.
    var elementZones: [Int] = []
    var boundaries: [Boundary] = []
    var data: [DataAsset] = []
    var flowSyntax: [FlowSyntax] = []
    /// The checked attributes of each flow of `flowSyntax`, by position: apart, so that reading one does not
    /// copy the other.
    var flowAttributes: [Attributes] = []
    var threatSyntax: [(syntax: DeclarationSyntax, attributes: Attributes)] = []
    var tracking: [TrackingEntry] = []
    /// Ids of elements, boundaries and explicit flow ids, one namespace: each id's position in `claims`.
    var ids: [String: Int] = [:]
    /// What each id of `ids` names, in the order claimed.
    var claims: [Claim] = []
    /// Whether a claimed id contains "->": only then can an implicit flow id (`a->b`) be taken already.
    var arrowInIDs = false
    var dataIDs: [String: SourceRange] = [:]
    var threatIDs: [String: SourceRange] = [:]
    var includeStack: [String] = []
    var included: Set<String> = []
    /// Declarations so far, and whether the limit has been reported.
    var declarations = 0
    var tooManyReported = false
    /// Bytes read so far, all files together.
    var totalSize = 0
    /// The checked attributes of the document being walked, and the next one `handle` takes (`walk`).
    var checked = CheckedPieces()

    /// The boundary holding what is being declared: its id and its position in `boundaries`.
    struct Zone {
        var id: String
        var position: Int
    }

    /// What an id of the element namespace names.
    struct Claim {
        var kind: ElementKind
        var range: SourceRange
        /// An element's position in `elements` (declaration order), found with its id when a flow's end is
        /// resolved so that nothing after hashes the id again; -1 for boundaries and flows.
        var element: Int
    }

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
                diagnostics.error(.emptyModel, "file is empty; a model declares at least one actor, process or datastore",
                                  at: file.range(0, 0), notes: ["start with 'moat init' for a commented starter model"])
            } else {
                diagnostics.warning(.emptyModel, "model declares no actor, process or datastore",
                                    at: file.range(0, 0), notes: ["start with 'moat init' for a commented starter model"])
            }
        }
        resolveReferences()
        var (flows, flowEnds) = resolveFlows()
        let threats = resolveThreats(flows: flows)
        // Canonical order, the same from every notation: each boundary's elements in boundary
        // declaration (pre-)order, then the elements outside every boundary.
        let keys = elementZones
        let order = elements.indices.sorted { a, b in keys[a] != keys[b] ? keys[a] < keys[b] : a < b }
        if !order.elementsEqual(elements.indices) {  // usually they are in order already: no copy of every element
            elements = order.map { elements[$0] }
            var position = order
            for (new, old) in order.enumerated() { position[old] = new }
            flowEnds = flowEnds.map { FlowEnds(source: position[$0.source], target: position[$0.target]) }
        }
        let resolvedHeader = header ?? ModelHeader(
            name: ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension,
            attributes: Attributes(), range: nil)
        boundaries = ZoneInheritance(vocabulary: loader.vocabulary, boundaries: boundaries).apply(to: &elements, &flows)
        let model = Model(header: resolvedHeader, elements: elements, boundaries: boundaries, flows: flows,
                          data: data, threats: threats, tracking: tracking, files: documents.map(\.file))
        if !diagnostics.hasErrors {
            Linter(model: model, vocabulary: loader.vocabulary, flowEnds: flowEnds).lint(into: &diagnostics)
        }
        return LoadResult(model: diagnostics.hasErrors ? nil : model, documents: documents,
                          diagnostics: diagnostics.sorted, errorCount: diagnostics.errorCount)
    }

    /// The canonical folders includes may come from (see `ModelLoader.allowedIncludeFolders`).
    lazy var includeRoots: [String] = {
        guard let root = documents.first?.file.path else { return [] }
        let folder = URL(fileURLWithPath: Self.canonical(root)).deletingLastPathComponent()
        func above(containing name: String) -> URL? {
            var dir = folder
            for _ in 0..<64 {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path) { return dir }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { return nil }
                dir = parent
            }
            return nil
        }
        let tree = above(containing: ".git") ?? above(containing: ProjectFile.fileName) ?? folder
        return [tree.path] + loader.allowedIncludeFolders.map(Self.canonical)
    }()

    func includeAllowed(_ canonicalPath: String) -> Bool {
        includeRoots.contains { root in
            root == "/" || canonicalPath == root || canonicalPath.hasPrefix(root.hasSuffix("/") ? root : root + "/")
        }
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    // MARK: - Walking statements

    func walk(_ document: Document, isRoot: Bool) {
        let outer = checked  // an include walks its document in the middle of this one
        checked = checkAhead(document.statements)
        // By index: `for statement in` copied every statement (all its strings and arrays) to hand it on.
        for i in document.statements.indices {
            handle(document.statements[i], in: nil, document: document, isRoot: isRoot)
        }
        checked = outer
    }

    /// Declarations from which checking attributes on two cores pays for the hand-over.
    static let parallelChecks = 256

    /// The checked attributes of every declaration, boundary and flow among `statements` (the contents of
    /// boundaries too), each with the diagnostics of its check, in the order `handle` meets them. Each check
    /// stands alone, so a large document's are made on every core.
    func checkAhead(_ statements: [Statement]) -> CheckedPieces {
        var work: [(syntax: [AttributeSyntax], kind: ElementKind)] = []
        func gather(_ statements: [Statement]) {
            for i in statements.indices {
                // A boundary's own attributes, then its contents: `declare(_:in:document:isRoot:)`'s order.
                if let attributes = statements[i].attributesToCheck { work.append(attributes) }
                if let items = statements[i].boundaryItems { gather(items) }
            }
        }
        gather(statements)
        // Room for what the document declares: no array or table grows, moving or rehashing what it holds.
        let nodes = work.count { $0.kind.isNode }, flows = work.count { $0.kind == .flow }
        elements.reserveCapacity(elements.count + nodes)
        flowSyntax.reserveCapacity(flowSyntax.count + flows)
        flowAttributes.reserveCapacity(flowAttributes.count + flows)
        ids.reserveCapacity(ids.count + nodes + work.count { $0.kind == .boundary })
        let checker = self.checker
        let check = { @Sendable (item: (syntax: [AttributeSyntax], kind: ElementKind)) -> CheckedAttributes in
            var diagnostics = DiagnosticBag()
            let attributes = checker.check(item.syntax, on: item.kind, into: &diagnostics)
            return CheckedAttributes(attributes: attributes, diagnostics: diagnostics)
        }
        guard work.count >= Self.parallelChecks else { return CheckedPieces([work.map(check)]) }
        // In pieces, about four per core, each checked in order (no hand-over per declaration): a core takes the
        // next piece when it finishes one, so elements (more attributes) and flows (fewer) even out.
        let items = work, size = max(64, items.count / (4 * processorsOnline))
        return CheckedPieces(parallelPieces(count: (items.count + size - 1) / size, lanes: processorsOnline, setUp: {}) { _, piece in
            items[(piece * size)..<min(items.count, (piece + 1) * size)].map(check)
        })
    }

    /// The attributes of the next declaration `handle` meets, checked ahead by `walk`; their diagnostics join
    /// the others here, where a check in place would have added them (so the same errors are kept under the
    /// cap).
    func takeChecked() -> Attributes {
        let next = checked.next()
        diagnostics.merge(next.diagnostics)
        return next.attributes
    }

    func handle(_ statement: Statement, in zone: Zone?, document: Document, isRoot: Bool) {
        switch statement {
        case .declaration, .boundary, .flow:
            declarations += 1
            guard declarations <= limits.declarations else {
                if !tooManyReported {
                    tooManyReported = true
                    diagnostics.error(.modelTooLarge,
                                      "the model declares more than \(limits.declarations) elements, flows, boundaries and data assets",
                                      at: statement.range, notes: ["the rest is not read; split the system into several models"])
                }
                return
            }
        default: break
        }
        switch statement {
        case .declaration(let d):
            declare(d, in: zone, isRoot: isRoot)
        case .boundary(let b):
            declare(b, in: zone, document: document, isRoot: isRoot)
        case .flow(let f):
            if let id = f.id { claim(id, as: .flow) }
            flowAttributes.append(takeChecked())
            flowSyntax.append(f)
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
        if let previous = ids.insertIfAbsent(id.value, claims.count) {
            diagnostics.error(.duplicateId, "'\(id.value)' is already declared as \(claims[previous].kind.phrase)", at: id.range,
                              notes: [DiagnosticNote("first declared here", at: claims[previous].range)])
            return false
        }
        claims.append(Claim(kind: kind, range: id.range, element: kind.isNode ? elements.count : -1))
        if !arrowInIDs {
            var last: UInt8 = 0
            for b in id.value.utf8 {
                if last == UInt8(ascii: "-") && b == UInt8(ascii: ">") { arrowInIDs = true }
                last = b
            }
        }
        return true
    }

    func declare(_ d: DeclarationSyntax, in zone: Zone?, isRoot: Bool) {
        let attributes = takeChecked()
        switch d.kind {
        case .model:
            if !isRoot {
                diagnostics.error(.misplacedHeader, "the model header belongs in the root file, not in an included file",
                                  at: d.range)
            } else if let first = header {
                diagnostics.error(.duplicateHeader, "a model has one header", at: d.range,
                                  notes: [DiagnosticNote("the first header is here", at: first.range)])
            } else {
                if let m = attributes.number(.maturity), m != m.rounded(),
                   let r = attributes.entry(.maturity)?.range {
                    diagnostics.error(.outOfRange, "'maturity' is a whole level from 1 to 5", at: r)
                }
                header = ModelHeader(name: d.name?.value ?? "", attributes: attributes, range: d.range)
            }
        case .data:
            guard let id = d.id else { return }
            if let first = dataIDs.insertIfAbsent(id.value, id.range) {
                diagnostics.error(.duplicateId, "data asset '\(id.value)' is already declared", at: id.range,
                                  notes: [DiagnosticNote("first declared here", at: first)])
                return
            }
            data.append(DataAsset(id: id.value, name: d.name?.value ?? id.value, attributes: attributes, range: id.range))
        case .threat:
            guard let id = d.id else { return }
            if let first = threatIDs.insertIfAbsent(id.value, id.range) {
                diagnostics.error(.duplicateId, "threat '\(id.value)' is already declared", at: id.range,
                                  notes: [DiagnosticNote("first declared here", at: first)])
                return
            }
            threatSyntax.append((d, attributes))
        default:
            guard let id = d.id, claim(id, as: d.kind) else { return }
            elements.append(Element(id: id.value, name: d.name?.value ?? id.value, kind: d.kind,
                                    attributes: attributes, boundary: zone?.id, range: id.range))
            elementZones.append(zone?.position ?? Int.max)
        }
    }

    func declare(_ b: BoundarySyntax, in parent: Zone?, document: Document, isRoot: Bool) {
        let attributes = takeChecked()
        var zone = parent
        if claim(b.id, as: .boundary) {
            boundaries.append(Boundary(id: b.id.value, name: b.name?.value ?? b.id.value, attributes: attributes,
                                       parent: parent?.id, range: b.id.range))
            zone = Zone(id: b.id.value, position: boundaries.count - 1)
        }
        for item in b.items {
            handle(item, in: zone, document: document, isRoot: isRoot)
        }
    }

    func include(_ i: IncludeSyntax, from document: Document) {
        let base = (document.file.path as NSString).deletingLastPathComponent
        let path = i.path.value.hasPrefix("/") ? i.path.value : (base.isEmpty ? i.path.value : base + "/" + i.path.value)
        let key = Self.canonical(path)
        if !includeAllowed(key) {
            diagnostics.error(.includeOutsideTree,
                              "include of '\(i.path.value)' refused: it is outside '\(includeRoots.first ?? "/")'",
                              at: i.path.range,
                              notes: [DiagnosticNote("included files stay inside the model's folder tree (or its repository or project); "
                                                     + "allow another folder with --allow-include DIR")])
            return
        }
        if let start = includeStack.firstIndex(of: key) {
            let cycle = (includeStack[start...] + [key]).map { ($0 as NSString).lastPathComponent }
            diagnostics.error(.includeCycle, "include cycle: \(cycle.joined(separator: " -> "))", at: i.path.range)
            return
        }
        if included.contains(key) {
            diagnostics.warning(.repeatedInclude, "'\(i.path.value)' is already included; it is read once", at: i.path.range)
            return
        }
        if includeStack.count >= ModelLoader.maximumIncludeDepth {
            diagnostics.error(.includeTooDeep, "includes nest deeper than \(ModelLoader.maximumIncludeDepth) files",
                              at: i.path.range)
            return
        }
        let file: SourceFile
        switch sourceLoader.load(path, from: i.path.range) {
        case .failure(var d):
            if d.id == .fileNotFound {
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
            diagnostics.error(.modelTooLarge,
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
        let controlSet = Set(loader.controls)
        let vocabulary = loader.vocabulary, dataIDs = self.dataIDs  // held here: no access check per reference
        /// Calls `unknown` with each reference of `attributes` that names nothing: the attribute's position, the
        /// value's index, the id and what it should name. By position, with the vocabulary index the checker
        /// stored: no name hashed, no attribute copied.
        @Sendable func references(_ attributes: Attributes, _ unknown: (Int, Int, String, ReferenceTarget) -> Void) {
            for position in attributes.entries.indices {
                let i = attributes.vocabularyIndex(at: position)
                guard i >= 0, vocabulary.attributes[i].type == .refs, let target = vocabulary.attributes[i].target,
                      case .list(let ids) = attributes.entries[position].value else { continue }
                for (index, id) in ids.enumerated() {
                    let known = switch target {
                    case .data: dataIDs[id] != nil
                    case .practice: practiceSet.contains(id)
                    case .control: controlSet.contains(id)
                    }
                    if !known { unknown(position, index, id, target) }
                }
            }
        }
        func check(_ attributes: Attributes) {
            references(attributes) { position, index, id, target in
                let at = valueRange(index, in: attributes.entries[position])
                // Past the error cap the error is dropped: no hint to search for.
                switch target {
                case .data:
                    let guess = diagnostics.isFull ? nil : Suggestion.closest(to: id, in: Array(dataIDs.keys))
                    diagnostics.error(.unknownData, "unknown data asset '\(id)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: at,
                                      notes: guess == nil ? ["declare it: data \(id) \"…\" { classification confidential }"] : [])
                case .practice:
                    let guess = diagnostics.isFull ? nil : Suggestion.closest(to: id, in: practices)
                    diagnostics.error(.unknownPractice, "unknown practice '\(id)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: at,
                                      notes: ["practices are listed in Models/maturity/levels.yaml"])
                case .control:
                    let guess = diagnostics.isFull ? nil : Suggestion.closest(to: id, in: loader.controls)
                    diagnostics.error(.unknownControl, "unknown control '\(id)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: at,
                                      notes: ["controls are listed in Models/maturity/controls.yaml"])
                }
            }
        }
        // The elements and flows of a large model are first looked through on two cores (each reference hashes an
        // id); only those with a reference to nothing are checked again here, in order, for their errors.
        let elements = self.elements, flows = flowAttributes
        @Sendable func wrong(_ attributes: Attributes) -> Bool {
            var any = false
            references(attributes) { _, _, _, _ in any = true }
            return any
        }
        let (wrongElements, wrongFlows) = elements.count + flows.count < Self.parallelChecks
            ? (elements.map { wrong($0.attributes) }, flows.map(wrong))
            : inParallel({ elements.map { wrong($0.attributes) } }, { flows.map(wrong) })
        // By index: `for e in elements` copied every element (all its strings and arrays) to read one field.
        if let header { check(header.attributes) }
        for i in elements.indices where wrongElements[i] { check(elements[i].attributes) }
        for i in boundaries.indices { check(boundaries[i].attributes) }
        for i in data.indices { check(data[i].attributes) }
        for i in flows.indices where wrongFlows[i] { check(flows[i]) }
        for i in threatSyntax.indices { check(threatSyntax[i].attributes) }
    }

    /// Where the `index`-th value of an attribute was written (the attribute's range if unknown).
    func valueRange(_ index: Int, in attribute: Attribute) -> SourceRange? {
        index < attribute.valueRanges.count ? attribute.valueRanges[index] : attribute.range
    }

    /// Resolves flow endpoints, types flow attributes and assigns flow ids. With each flow, the positions in
    /// `elements` of its source and target.
    func resolveFlows() -> (flows: [Flow], ends: [FlowEnds]) {
        var flows: [Flow] = []
        var ends: [FlowEnds] = []
        // The first flow of each implicit id, by its position in `flowSyntax`.
        var implicit: [String: Int] = [:]
        flows.reserveCapacity(flowSyntax.count)
        ends.reserveCapacity(flowSyntax.count)
        implicit.reserveCapacity(flowSyntax.count)
        // Fields read in place (the arrays held locally): `for (f, attributes) in` copied every flow's syntax.
        let syntax = flowSyntax, checked = flowAttributes, ids = self.ids
        // Each flow's ends looked up among the claimed ids, and its implicit id made, on every core for a large
        // model: both only read, and each lookup hashes an id. What the claims mean and what is wrong is worked
        // out below, flow by flow in order, as the diagnostics must be.
        let lookUp = { @Sendable (range: Range<Int>) -> [(source: Int?, target: Int?, implicitID: String?)] in
            range.map { p in
                (ids[syntax[p].source.value], ids[syntax[p].target.value], syntax[p].id != nil ? nil
                    : Flow.implicitID(source: syntax[p].source.value, target: syntax[p].target.value, twoWay: syntax[p].twoWay))
            }
        }
        // In two halves, kept apart: joined, every id in the second would be retained and released once more.
        let half = syntax.count < Self.parallelChecks ? syntax.count : syntax.count / 2
        let (first, second) = half == syntax.count ? (lookUp(0..<half), [])
            : inParallel({ lookUp(0..<half) }, { lookUp(half..<syntax.count) })
        func looked(_ position: Int) -> (source: Int?, target: Int?, implicitID: String?) {
            position < half ? first[position] : second[position - half]
        }
        /// The position in `elements` of the node a flow's end names: `claim`, the position in `claims` of its `id`
        /// (written at `range`), if claimed; reports the end when it names none.
        func node(_ claim: Int?, _ id: String, at range: @autoclosure () -> SourceRange) -> Int? {
            guard let claim else {
                let nodes = diagnostics.isFull ? [] : elements.map(\.id)  // past the cap the error is dropped: no hint to search for
                let guess = Suggestion.closest(to: id, in: nodes)
                diagnostics.error(.unknownElement, "unknown element '\(id)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: range())
                return nil
            }
            guard claims[claim].kind.isNode else {
                diagnostics.error(.flowEndpoint, "flows connect actors, processes and datastores; '\(id)' is \(claims[claim].kind.phrase)",
                                  at: range())
                return nil
            }
            return claims[claim].element
        }
        for position in syntax.indices {
            // Both ends are checked (and reported) before giving up on the flow.
            let claimed = looked(position)
            let source = node(claimed.source, syntax[position].source.value, at: syntax[position].source.range)
            let target = node(claimed.target, syntax[position].target.value, at: syntax[position].target.range)
            guard let source, let target else { continue }
            // Fields read in place; the whole syntax is taken only to report a repeated flow.
            let explicitID = syntax[position].id?.value
            let id = explicitID ?? claimed.implicitID!
            if explicitID == nil {
                if let firstPosition = implicit.insertIfAbsent(id, position) {
                    reportRepeated(syntax[position], id: id, first: syntax[firstPosition])
                    continue
                }
                if arrowInIDs, ids[id] != nil {
                    diagnostics.error(.duplicateId, "flow id '\(id)' is already used by an explicit id", at: syntax[position].range)
                    continue
                }
            }
            let attributes = checked[position]
            if attributes.string(.initiator) == "source", let shorthand = [CoreAttribute.pull, .subscribe].first(where: attributes.flag) {
                diagnostics.error(.contradictoryInitiator, "'\(shorthand.name)' says the target connects, but 'initiator source' says the source does",
                                  at: attributes.entry(shorthand)?.range ?? syntax[position].range,
                                  notes: [DiagnosticNote("'initiator source' is here; keep one of them", at: attributes.entry(.initiator)?.range)])
            }
            flows.append(Flow(id: id, hasExplicitID: explicitID != nil, source: syntax[position].source.value,
                              target: syntax[position].target.value, twoWay: syntax[position].twoWay,
                              name: syntax[position].name?.value ?? "", attributes: attributes, range: syntax[position].range))
            ends.append(FlowEnds(source: source, target: target))
        }
        return (flows, ends)
    }

    /// Reports a flow `f` whose implicit id `id` an earlier flow, `first`, has: a warning when it is the same
    /// flow written twice, an error when it is another flow between the same ends.
    func reportRepeated(_ f: FlowSyntax, id: String, first: FlowSyntax) {
        if first.name?.value == f.name?.value && first.twoWay == f.twoWay
            && Self.attributeText(first.attributes) == Self.attributeText(f.attributes) {
            diagnostics.warning(.duplicateFlow, "duplicate flow '\(id)'", at: f.range,
                                notes: [DiagnosticNote("the same flow is declared here; remove one", at: first.range)])
            return
        }
        diagnostics.error(.ambiguousFlowId,
                          "another flow '\(id)' is declared at line \(first.range.start.line); give this one an explicit id",
                          at: f.source.range,
                          notes: ["write: \(suggestedID(f)): \(f.source.value) \(f.twoWay ? "<->" : "->") \(f.target.value) …",
                                  "explicit ids keep finding ids stable when flows change"])
    }

    /// Resolves what each written threat is about and checks that it says how bad it is.
    func resolveThreats(flows: [Flow]) -> [WrittenThreat] {
        guard !threatSyntax.isEmpty else { return [] }  // no index of the flows to build
        var flowIDs: [String: Int] = [:]
        for (i, f) in flows.enumerated() { flowIDs[f.id] = i }
        var threats: [WrittenThreat] = []
        for (t, attributes) in threatSyntax {
            guard let id = t.id, let subject = t.subject else { continue }
            var kind: ElementKind?
            var resolved = subject.value
            if let i = flowIDs[subject.value] {
                kind = .flow
                resolved = flows[i].id
            } else if let claim = ids[subject.value], claims[claim].kind != .flow {
                kind = claims[claim].kind
            } else if subject.value == "model" {
                kind = .model  // a threat to the whole system (docs/language.md: `on model`)
            }
            guard let kind else {
                let candidates = diagnostics.isFull ? [] : elements.map(\.id) + boundaries.map(\.id) + flows.map(\.id)
                let guess = Suggestion.closest(to: subject.value, in: candidates)
                diagnostics.error(.unknownSubject, "threat '\(id.value)' is on '\(subject.value)', which is no element, flow or boundary"
                                  + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: subject.range)
                continue
            }
            var ok = true
            if attributes[.stride] == nil {
                ok = false
                diagnostics.error(.incompleteThreat, "threat '\(id.value)' needs its STRIDE categories", at: id.range,
                                  notes: ["e.g. stride spoofing, tampering"])
            }
            let rated = attributes[.likelihood] != nil || attributes[.impact] != nil
            if attributes[.severity] != nil && rated {
                ok = false
                diagnostics.error(.incompleteThreat, "threat '\(id.value)' gives both a severity and a likelihood or impact; keep one",
                                  at: attributes.entry(.severity)?.range ?? id.range)
            } else if attributes[.severity] == nil && !(attributes[.likelihood] != nil && attributes[.impact] != nil) {
                ok = false
                diagnostics.error(.incompleteThreat, "threat '\(id.value)' needs a severity, or a likelihood and an impact", at: id.range,
                                  notes: ["e.g. severity high, or likelihood 3; impact 4"])
            }
            guard ok else { continue }
            threats.append(WrittenThreat(id: id.value, title: t.name?.value ?? id.value, subject: resolved, subjectKind: kind,
                                         attributes: attributes, range: id.range))
        }
        return threats
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

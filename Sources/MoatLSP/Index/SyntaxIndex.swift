/// The kinds of declaration a model has (Moat's element kinds, mirrored so that only the Core files
/// see the core's types).
enum DeclKind: String, Sendable, CaseIterable {
    case model, actor, process, datastore, flow, boundary, data

    var isNode: Bool { self == .actor || self == .process || self == .datastore }
    /// Whether the id lives in the element namespace (elements, boundaries, flows) rather than the data one.
    var inElementNamespace: Bool { self != .data && self != .model }
}

/// What a word of the text means.
enum OccurrenceKind: Hashable, Sendable {
    /// An id of the element namespace: actor, process, datastore, boundary or explicit flow id.
    case element
    /// A data asset id.
    case data
    /// A practice id (declared in the maturity model, not in the text).
    case practice
    /// A rule id, in a tracking statement.
    case rule
    /// An attribute name written on a declaration of `owner` kind.
    case attribute(owner: DeclKind)
    /// A non-reference value of the attribute (enum word, flag word, number, string).
    case value(attribute: String)
    /// The arrow of a flow with this id (hover shows the flow's findings).
    case flowArrow(id: String)
    /// The name of the model header (hover shows the system's maturity and findings).
    case modelName

    /// Ids that can be renamed and looked up: the two namespaces of the model.
    var isModelID: Bool { self == .element || self == .data }
}

/// One meaningful span of a file.
struct Occurrence: Sendable {
    var path: String
    var start: Int
    var end: Int
    var name: String
    var kind: OccurrenceKind
    var isDeclaration: Bool

    func contains(_ offset: Int) -> Bool { start <= offset && offset <= end }
}

/// A declaration: model header, data asset, element, boundary or flow.
struct Declaration: Sendable {
    var kind: DeclKind
    /// The id (a flow without an explicit id has `source->target`); empty for the model header.
    var id: String
    var displayName: String?
    var path: String
    /// Where the id is written (for a flow without explicit id, from its source to its target).
    var idStart: Int
    var idEnd: Int
    /// The whole statement.
    var start: Int
    var end: Int
    /// The attributes as written, `name value, value` each.
    var attributes: [String]
    /// The innermost enclosing boundary.
    var boundary: String?
    /// Flows only.
    var source: String?
    var target: String?
}

/// A node of the document outline.
struct OutlineNode: Sendable {
    enum Kind: Sendable { case declaration(DeclKind), tracking, include }
    var name: String
    var detail: String?
    var kind: Kind
    var start: Int
    var end: Int
    var selectionStart: Int
    var selectionEnd: Int
    var children: [OutlineNode]
}

/// Everything the server knows about the text of a project's files: occurrences, declarations, outlines.
struct SyntaxIndex: Sendable {
    var occurrences: [String: [Occurrence]] = [:]
    var declarations: [Declaration] = []
    var outlines: [String: [OutlineNode]] = [:]

    /// The occurrence under a byte offset of a file (the innermost, preferring one that starts there).
    func occurrence(at offset: Int, in path: String) -> Occurrence? {
        let candidates = (occurrences[path] ?? []).filter { $0.contains(offset) }
        // At a boundary between two words (`a->b` with the cursor after `a`), prefer the one that
        // contains the offset strictly, then the shorter one.
        return candidates.min { a, b in
            let sa = a.start <= offset && offset < a.end, sb = b.start <= offset && offset < b.end
            if sa != sb { return sa }
            return (a.end - a.start) < (b.end - b.start)
        }
    }

    /// Every occurrence of an id in the namespace of `kind` (element or data).
    func occurrences(of name: String, kind: OccurrenceKind) -> [Occurrence] {
        occurrences.values.flatMap { $0.filter { $0.kind == kind && $0.name == name } }
            .sorted { ($0.path, $0.start) < ($1.path, $1.start) }
    }

    /// The declarations of an id in a namespace.
    func declarations(of name: String, kind: OccurrenceKind) -> [Declaration] {
        declarations.filter { d in
            d.id == name && (kind == .data ? d.kind == .data : d.kind.inElementNamespace)
        }
    }

    /// The ids declared in the element namespace, by kind.
    func ids(where include: (DeclKind) -> Bool) -> [Declaration] {
        declarations.filter { !$0.id.isEmpty && include($0.kind) }
    }
}

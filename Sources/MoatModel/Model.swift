import MoatSyntax
import MoatSource
import MoatText

/// An actor, process or datastore: a node of the data-flow graph.
public struct Element: Sendable, Hashable {
    public var id: String
    public var name: String
    public var kind: ElementKind
    public var attributes: Attributes
    /// Zone-wide attributes it takes from its boundaries (the innermost that sets one wins) and does not set
    /// itself; see `effective(_:)`.
    public var inherited = Attributes()
    /// Id of the innermost boundary holding the element, if any.
    public var boundary: String?
    /// Where the element's id was written.
    public var range: SourceRange

    public init(id: String, name: String, kind: ElementKind, attributes: Attributes, boundary: String?, range: SourceRange) {
        self.id = id
        self.name = name
        self.kind = kind
        self.attributes = attributes
        self.boundary = boundary
        self.range = range
    }
}

/// A trust boundary; boundaries nest.
public struct Boundary: Sendable, Hashable {
    public var id: String
    public var name: String
    public var attributes: Attributes
    /// Zone-wide attributes it takes from enclosing boundaries and does not set itself.
    public var inherited = Attributes()
    /// Id of the enclosing boundary, if any.
    public var parent: String?
    public var range: SourceRange
}

/// A data flow between two elements.
public struct Flow: Sendable, Hashable {
    /// The explicit id, or `source->target` (`source<->target` for two-way flows).
    public var id: String
    public var hasExplicitID: Bool
    public var source: String
    public var target: String
    public var twoWay: Bool
    public var name: String
    public var attributes: Attributes
    /// Zone-wide attributes it takes from the innermost boundary holding both its ends (and that boundary's
    /// parents) and does not set itself.
    public var inherited = Attributes()
    public var range: SourceRange

    public init(id: String, hasExplicitID: Bool, source: String, target: String, twoWay: Bool, name: String,
                attributes: Attributes, range: SourceRange) {
        self.id = id
        self.hasExplicitID = hasExplicitID
        self.source = source
        self.target = target
        self.twoWay = twoWay
        self.name = name
        self.attributes = attributes
        self.range = range
    }

    /// Whether the target opens the connection (`initiator target`, `pull` or `subscribe`): the data still
    /// goes from source to target.
    public var initiatedByTarget: Bool {
        attributes.string(.initiator) == "target" || attributes.flag(.pull) || attributes.flag(.subscribe)
    }

    /// The id a flow gets when none is written.
    public static func implicitID(source: String, target: String, twoWay: Bool) -> String {
        source + (twoWay ? "<->" : "->") + target
    }
}

/// A data asset: what the system must protect.
public struct DataAsset: Sendable, Hashable {
    public var id: String
    public var name: String
    public var attributes: Attributes
    public var range: SourceRange
}

/// A threat a person found and wrote down (`threat id "Title" on subject { … }`); the analysis makes it a
/// finding like any other.
public struct WrittenThreat: Sendable, Hashable {
    public var id: String
    public var title: String
    /// The element, flow or boundary id the threat is about (a flow's written `a->b` is resolved to its id).
    public var subject: String
    public var subjectKind: ElementKind
    public var attributes: Attributes
    /// Where the threat's id was written.
    public var range: SourceRange

    public init(id: String, title: String, subject: String, subjectKind: ElementKind, attributes: Attributes, range: SourceRange) {
        self.id = id
        self.title = title
        self.subject = subject
        self.subjectKind = subjectKind
        self.attributes = attributes
        self.range = range
    }
}

/// A recorded decision about findings that match `pattern`.
public struct TrackingEntry: Sendable, Hashable {
    public var status: TrackingStatus
    public var pattern: String
    public var justification: String
    public var owner: String?
    /// Expiry as `YYYY-MM-DD`.
    public var until: String?
    public var range: SourceRange
}

/// The model header: name, owner, declared maturity level, organisation practices.
public struct ModelHeader: Sendable, Hashable {
    public var name: String
    public var attributes: Attributes
    public var range: SourceRange?

    public var owner: String? { attributes.string(.owner) }
    /// The declared maturity level (1...5), if written.
    public var declaredLevel: Int? { attributes.number(.maturity).map { Int($0) } }
    public var practices: [String] { attributes.list(.practices) }
}

/// A resolved architecture: every file's declarations merged, names checked, values typed.
public struct Model: Sendable, Hashable {
    public var header: ModelHeader
    /// Actors, processes and datastores in declaration order.
    public var elements: [Element]
    /// Boundaries in declaration order (parents before children).
    public var boundaries: [Boundary]
    public var flows: [Flow]
    public var data: [DataAsset]
    /// Threats written by hand, in declaration order.
    public var threats: [WrittenThreat]
    public var tracking: [TrackingEntry]
    /// The root file first, then included files in the order read.
    public var files: [SourceFile]

    public init(header: ModelHeader, elements: [Element] = [], boundaries: [Boundary] = [], flows: [Flow] = [],
                data: [DataAsset] = [], threats: [WrittenThreat] = [], tracking: [TrackingEntry] = [], files: [SourceFile] = []) {
        self.header = header
        self.elements = elements
        self.boundaries = boundaries
        self.flows = flows
        self.data = data
        self.threats = threats
        self.tracking = tracking
        self.files = files
    }
}

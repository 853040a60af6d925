import MoatSyntax
import MoatSource
import MoatText

/// An actor, process or datastore: a node of the data-flow graph.
public struct Element: Sendable, Hashable {
    public var id: String
    public var name: String
    public var kind: ElementKind
    public var attributes: Attributes
    /// Id of the innermost boundary holding the element, if any.
    public var boundary: String?
    /// Where the element's id was written.
    public var range: SourceRange
}

/// A trust boundary; boundaries nest.
public struct Boundary: Sendable, Hashable {
    public var id: String
    public var name: String
    public var attributes: Attributes
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
    public var range: SourceRange

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
    public var tracking: [TrackingEntry]
    /// The root file first, then included files in the order read.
    public var files: [SourceFile]

    public init(header: ModelHeader, elements: [Element] = [], boundaries: [Boundary] = [], flows: [Flow] = [],
                data: [DataAsset] = [], tracking: [TrackingEntry] = [], files: [SourceFile] = []) {
        self.header = header
        self.elements = elements
        self.boundaries = boundaries
        self.flows = flows
        self.data = data
        self.tracking = tracking
        self.files = files
    }
}

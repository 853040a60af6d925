import MoatSyntax
import MoatSource
import MoatText

/// An actor, process or datastore: a node of the data-flow graph.
public struct Element: Sendable, Hashable {
    /// The element's id (`web` in `process web "Web server"`), unique among elements, flows and boundaries;
    /// findings on the element are named `rule@id`.
    public var id: String
    /// The display name from the declaration (`"Web server"`); the id when none was given.
    public var name: String
    /// `.actor`, `.process` or `.datastore`.
    public var kind: ElementKind
    /// The attributes written on the element, typed and checked against the vocabulary.
    public var attributes: Attributes
    /// Zone-wide attributes it takes from its boundaries (the innermost that sets one wins) and does not set
    /// itself; see `effective(_:)`.
    public var inherited = Attributes()
    // `Optional<…>`, not `String?`, which gives the property an implicit nil: set twice by the initialiser,
    // each element made was copied whole.
    /// Id of the innermost boundary holding the element, if any.
    public var boundary: Optional<String>
    /// Where the element's id was written.
    public var range: SourceRange

    /// An element with no inherited attributes (the model loader adds them from its boundaries).
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
    /// The boundary's id (`dmz` in `boundary dmz "DMZ"`), unique among elements, flows and boundaries.
    public var id: String
    /// The display name from the declaration; the id when none was given.
    public var name: String
    /// The boundary's own attributes: its `trust` level and the zone-wide controls it sets for what it holds.
    public var attributes: Attributes
    /// Zone-wide attributes it takes from enclosing boundaries and does not set itself.
    public var inherited = Attributes()
    /// Id of the enclosing boundary, if any.
    public var parent: String?
    /// Where the boundary's id was written.
    public var range: SourceRange
}

/// A data flow between two elements.
public struct Flow: Sendable, Hashable {
    /// The explicit id, or `source->target` (`source<->target` for two-way flows).
    public var id: String
    /// Whether the id was written (`login: a -> b`) rather than derived from the ends.
    public var hasExplicitID: Bool
    /// The id of the element the data leaves.
    public var source: String
    /// The id of the element the data goes to.
    public var target: String
    /// True for a two-way flow (`a <-> b`): data moves in both directions.
    public var twoWay: Bool
    /// The display name from the flow's declaration (`web -> db "Persist"`); empty when none was given.
    public var name: String
    /// The attributes written on the flow (`protocol`, `encrypted`, `carries`, …), typed and checked.
    public var attributes: Attributes
    /// Zone-wide attributes it takes from the innermost boundary holding both its ends (and that boundary's
    /// parents) and does not set itself.
    public var inherited = Attributes()
    /// The whole flow statement, from its id or source to its end.
    public var range: SourceRange

    /// A flow with no inherited attributes (the model loader adds them from its zone).
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
    public var initiatedByTarget: Bool { Self.initiatedByTarget(attributes) }

    /// `initiatedByTarget` of a flow with `attributes`: for code that reads the flows of a model in place (the
    /// property of `model.flows[i]` copies the whole flow first, a retain per field).
    public static func initiatedByTarget(_ attributes: Attributes) -> Bool {
        attributes.string(.initiator) == "target" || attributes.flag(.pull) || attributes.flag(.subscribe)
    }

    /// The id a flow gets when none is written.
    public static func implicitID(source: String, target: String, twoWay: Bool) -> String {
        source + (twoWay ? "<->" : "->") + target
    }
}

/// A data asset: what the system must protect.
public struct DataAsset: Sendable, Hashable {
    /// The asset's id (`card` in `data card "Card data"`), in a namespace of its own; what `stores`,
    /// `processes` and `carries` refer to.
    public var id: String
    /// The display name from the declaration; the id when none was given.
    public var name: String
    /// The asset's attributes: its `classification` and tags such as `pii`, `credentials` or `payment`.
    public var attributes: Attributes
    /// Where the asset's id was written.
    public var range: SourceRange
}

/// A threat a person found and wrote down (`threat id "Title" on subject { … }`); the analysis makes it a
/// finding like any other.
public struct WrittenThreat: Sendable, Hashable {
    /// The threat's id; its finding is named `id@subject`. It must not be a rule id.
    public var id: String
    /// The title from the declaration (`threat replay "Replayed unlock command" on …`); the id when none was given.
    public var title: String
    /// The element, flow or boundary id the threat is about (a flow's written `a->b` is resolved to its id).
    public var subject: String
    /// What the subject is: `.actor`, `.process`, `.datastore`, `.flow`, `.boundary`, or `.model` for a
    /// threat to the whole system (`on model`).
    public var subjectKind: ElementKind
    /// The threat's attributes: `stride` categories, a `severity` or a `likelihood` and an `impact`, and
    /// optionally `description`, `mitigation`, `controls`, `cwe` and `capec`.
    public var attributes: Attributes
    /// Where the threat's id was written.
    public var range: SourceRange

    /// A written threat with a resolved subject.
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
    /// The decision: accepted, mitigated, false positive or not applicable.
    public var status: TrackingStatus
    /// A finding id pattern (`rule@element`), `*` matching any run of characters.
    public var pattern: String
    /// Why the decision was made, as written.
    public var justification: String
    /// Who answers for the decision; nil when not given.
    public var owner: String?
    /// Expiry as `YYYY-MM-DD`.
    public var until: String?
    /// Where the pattern was written (where an entry that matches no finding is reported).
    public var range: SourceRange
}

/// The model header: name, owner, declared maturity level, organisation practices.
public struct ModelHeader: Sendable, Hashable {
    /// The model's name (`model "Online shop"`); without a header, the root file's name without extension.
    public var name: String
    /// The header's attributes: `owner`, `maturity`, `practices`, `description`, `version`.
    public var attributes: Attributes
    /// The whole `model` declaration; nil when the model has no header.
    public var range: SourceRange?

    /// The team or person that owns the model (`owner "payments team"`), if written.
    public var owner: String? { attributes.string(.owner) }
    /// The declared maturity level (1...5), if written.
    public var declaredLevel: Int? { attributes.number(.maturity).map { Int($0) } }
    /// The organisation-scoped practices in place (`practices security-policies, threat-modelling`), ids of
    /// the maturity model's practices; they count towards the maturity assessment. Empty when not written.
    public var practices: [String] { attributes.list(.practices) }
}

/// A resolved architecture: every file's declarations merged, names checked, values typed.
public struct Model: Sendable, Hashable {
    /// The model header; one with the root file's name and no attributes when the model has none.
    public var header: ModelHeader
    /// Actors, processes and datastores: each boundary's elements, boundaries taken in declaration order
    /// (parents first), then the elements outside every boundary; in declaration order within each group.
    public var elements: [Element]
    /// Boundaries in declaration order (parents before children).
    public var boundaries: [Boundary]
    /// Data flows in declaration order, each with a unique id.
    public var flows: [Flow]
    /// Data assets in declaration order.
    public var data: [DataAsset]
    /// Threats written by hand, in declaration order.
    public var threats: [WrittenThreat]
    /// The tracking statements of every file of the model; the analysis applies them to matching findings.
    public var tracking: [TrackingEntry]
    /// The root file first, then included files in the order read.
    public var files: [SourceFile]

    /// A model from resolved parts; the model loader builds one from files, tools and tests build them directly.
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

import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// A semantic diff of two resolved models: what a change to the architecture added, removed or altered.
///
/// Entities are matched by id (flows by their flow id, tracking entries by their pattern), never by
/// position, so reordering declarations, reformatting or moving a declaration to an included file is
/// no change. Source positions are ignored. Each list is ordered by id; the details of a changed
/// entity come in a fixed order (name, kind, boundary or endpoints, then attributes by name).
public struct ModelDiff: Sendable, Hashable {
    /// What an entity is, for display: the node kinds plus flows, boundaries, data assets and tracking entries.
    public enum EntityKind: String, Sendable, Hashable, CaseIterable {
        /// An external entity: a person or system outside the owner's control.
        case actor
        /// A running component: a service, function or application.
        case process
        /// Something that stores data: a database, bucket, queue or file.
        case datastore
        /// A data flow between two elements.
        case flow
        /// A trust boundary (zone).
        case boundary
        /// A data asset (and, for display, the model itself).
        case data
        /// A threat written by hand in the model.
        case threat
        /// A tracking entry: a decision about findings that match its pattern.
        case tracking

        /// The display kind of a model element kind; model-wide entities count as data.
        public init(_ kind: ElementKind) {
            switch kind {
            case .actor: self = .actor
            case .process: self = .process
            case .datastore: self = .datastore
            case .flow: self = .flow
            case .boundary: self = .boundary
            case .data, .model: self = .data
            case .threat: self = .threat
            }
        }
    }

    /// Whether an entity or attribute was added, removed or changed.
    public enum ChangeKind: String, Sendable, Hashable, CaseIterable {
        /// Present only in the new model.
        case added
        /// Present only in the old model.
        case removed
        /// Present in both, with differences.
        case changed
    }

    /// One attribute added, removed or given another value.
    public struct AttributeChange: Sendable, Hashable {
        /// The attribute's name as written (`encrypted-at-rest`, `trust`, …).
        public var name: String
        /// The value before; nil when the attribute was added.
        public var old: AttributeValue?
        /// The value after; nil when the attribute was removed.
        public var new: AttributeValue?

        /// A change of attribute `name` from `old` to `new`; nil on one side for an added or removed attribute.
        public init(name: String, old: AttributeValue?, new: AttributeValue?) {
            self.name = name
            self.old = old
            self.new = new
        }

        /// Added when there was no old value, removed when there is no new one, else changed.
        public var kind: ChangeKind { old == nil ? .added : new == nil ? .removed : .changed }

        /// For reference lists: the ids present after but not before, in their written order.
        public var addedItems: [String] {
            guard case .list(let after)? = new else { return [] }
            let before = Set(old.map(\.textValues) ?? [])
            return after.filter { !before.contains($0) }
        }

        /// For reference lists: the ids present before but not after, in their written order.
        public var removedItems: [String] {
            guard case .list(let before)? = old else { return [] }
            let after = Set(new.map(\.textValues) ?? [])
            return before.filter { !after.contains($0) }
        }
    }

    /// One difference of a changed entity.
    public enum Detail: Sendable, Hashable {
        /// The display name changed.
        case renamed(old: String, new: String)
        /// An element changed kind (for example a process became a datastore).
        case kind(old: EntityKind, new: EntityKind)
        /// An element moved to another boundary, or a boundary to another parent; nil is outside every boundary.
        case boundary(old: String?, new: String?)
        /// A flow with an explicit id now connects other elements: `a -> b`, `a <-> b`.
        case endpoints(old: String, new: String)
        /// An attribute was added, removed or given another value.
        case attribute(AttributeChange)
        /// A field of a tracking entry: `status`, `justification`, `owner` or `until`.
        case field(name: String, old: String?, new: String?)
    }

    /// An entity added, removed or changed.
    public struct EntityChange: Sendable, Hashable {
        /// The element, flow, boundary or data id; a tracking entry's pattern (`#2` appended for a repeated pattern).
        public var id: String
        /// The kind after the change (before, when removed).
        public var kind: EntityKind
        /// The display name after the change (before, when removed); a tracking entry's status.
        public var name: String
        /// Whether the entity was added, removed or changed.
        public var change: ChangeKind
        /// What changed; empty for added and removed entities.
        public var details: [Detail]

        /// An entity change; `details` are left empty for added and removed entities.
        public init(id: String, kind: EntityKind, name: String, change: ChangeKind, details: [Detail] = []) {
            self.id = id
            self.kind = kind
            self.name = name
            self.change = change
            self.details = details
        }
    }

    /// Changes to the model header: its name (`renamed`) and attributes (owner, maturity, practices, …).
    public var header: [Detail]
    /// Actors, processes and datastores.
    public var elements: [EntityChange]
    /// Flows, matched by flow id.
    public var flows: [EntityChange]
    /// Trust boundaries (zones).
    public var boundaries: [EntityChange]
    /// Data assets.
    public var data: [EntityChange]
    /// Threats written by hand.
    public var threats: [EntityChange]
    /// Tracking entries (accept, mitigated, false-positive, not-applicable decisions), matched by pattern.
    public var tracking: [EntityChange]

    /// True when the models are semantically the same.
    public var isEmpty: Bool {
        header.isEmpty && elements.isEmpty && flows.isEmpty && boundaries.isEmpty && data.isEmpty && threats.isEmpty
            && tracking.isEmpty
    }

    /// Every entity change: elements, flows, boundaries, data assets, written threats, then tracking entries.
    public var entities: [EntityChange] { elements + flows + boundaries + data + threats + tracking }

    /// A diff made of given change lists (each expected to be ordered by id); `ModelDiff(old:new:)` computes one.
    public init(header: [Detail] = [], elements: [EntityChange] = [], flows: [EntityChange] = [],
                boundaries: [EntityChange] = [], data: [EntityChange] = [], threats: [EntityChange] = [],
                tracking: [EntityChange] = []) {
        self.header = header
        self.elements = elements
        self.flows = flows
        self.boundaries = boundaries
        self.data = data
        self.threats = threats
        self.tracking = tracking
    }

    /// Compares two models.
    public init(old: Model, new: Model) {
        var header: [Detail] = []
        if old.header.name != new.header.name { header.append(.renamed(old: old.header.name, new: new.header.name)) }
        header += Self.attributeChanges(old.header.attributes, new.header.attributes)
        self.header = header

        elements = Self.compare(old.elements, new.elements, id: \.id) { e in
            (EntityKind(e.kind), e.name)
        } details: { a, b in
            var d: [Detail] = []
            if a.name != b.name { d.append(.renamed(old: a.name, new: b.name)) }
            if a.kind != b.kind { d.append(.kind(old: EntityKind(a.kind), new: EntityKind(b.kind))) }
            if a.boundary != b.boundary { d.append(.boundary(old: a.boundary, new: b.boundary)) }
            return d + Self.attributeChanges(a.attributes, b.attributes)
        }

        flows = Self.compare(old.flows, new.flows, id: \.id) { f in
            (.flow, f.name)
        } details: { a, b in
            var d: [Detail] = []
            if a.name != b.name { d.append(.renamed(old: a.name, new: b.name)) }
            let ea = Self.endpoints(a), eb = Self.endpoints(b)
            if ea != eb { d.append(.endpoints(old: ea, new: eb)) }
            return d + Self.attributeChanges(a.attributes, b.attributes)
        }

        boundaries = Self.compare(old.boundaries, new.boundaries, id: \.id) { b in
            (.boundary, b.name)
        } details: { a, b in
            var d: [Detail] = []
            if a.name != b.name { d.append(.renamed(old: a.name, new: b.name)) }
            if a.parent != b.parent { d.append(.boundary(old: a.parent, new: b.parent)) }
            return d + Self.attributeChanges(a.attributes, b.attributes)
        }

        data = Self.compare(old.data, new.data, id: \.id) { a in
            (.data, a.name)
        } details: { a, b in
            (a.name != b.name ? [.renamed(old: a.name, new: b.name)] : []) + Self.attributeChanges(a.attributes, b.attributes)
        }

        threats = Self.compare(old.threats, new.threats, id: \.id) { t in
            (.threat, t.title)
        } details: { a, b in
            var d: [Detail] = []
            if a.title != b.title { d.append(.renamed(old: a.title, new: b.title)) }
            if a.subject != b.subject { d.append(.field(name: "on", old: a.subject, new: b.subject)) }
            return d + Self.attributeChanges(a.attributes, b.attributes)
        }

        tracking = Self.compare(Self.keyed(old.tracking), Self.keyed(new.tracking), id: \.key) { t in
            (.tracking, t.entry.status.rawValue)
        } details: { a, b in
            var d: [Detail] = []
            func field(_ name: String, _ x: String?, _ y: String?) {
                if x != y { d.append(.field(name: name, old: x, new: y)) }
            }
            field("status", a.entry.status.rawValue, b.entry.status.rawValue)
            field("justification", a.entry.justification, b.entry.justification)
            field("owner", a.entry.owner, b.entry.owner)
            field("until", a.entry.until, b.entry.until)
            return d
        }
    }

    // MARK: - Counting

    /// How many entities of a kind were added, removed or changed.
    public func count(_ change: ChangeKind, in list: KeyPath<ModelDiff, [EntityChange]>) -> Int {
        self[keyPath: list].filter { $0.change == change }.count
    }

    // MARK: - Comparison

    /// Matches entities by id and reports those added, removed and changed, ordered by id.
    private static func compare<T>(_ old: [T], _ new: [T], id: (T) -> String,
                                   describe: (T) -> (EntityKind, String),
                                   details: (T, T) -> [Detail]) -> [EntityChange] {
        var before: [String: T] = [:]
        for item in old where before[id(item)] == nil { before[id(item)] = item }
        var after: [String: T] = [:]
        for item in new where after[id(item)] == nil { after[id(item)] = item }
        var changes: [EntityChange] = []
        for (key, b) in after {
            let (kind, name) = describe(b)
            if let a = before[key] {
                let d = details(a, b)
                if !d.isEmpty { changes.append(EntityChange(id: key, kind: kind, name: name, change: .changed, details: d)) }
            } else {
                changes.append(EntityChange(id: key, kind: kind, name: name, change: .added))
            }
        }
        for (key, a) in before where after[key] == nil {
            let (kind, name) = describe(a)
            changes.append(EntityChange(id: key, kind: kind, name: name, change: .removed))
        }
        return changes.sorted { $0.id < $1.id }
    }

    /// Attributes added, removed or changed, by name. Reference lists compare as sets: reordering is no change.
    static func attributeChanges(_ old: Attributes, _ new: Attributes) -> [Detail] {
        var names = Set(old.entries.map(\.name))
        names.formUnion(new.entries.map(\.name))
        return names.sorted().compactMap { name in
            let a = old[name], b = new[name]
            if let a, let b, same(a, b) { return nil }
            if a == nil && b == nil { return nil }
            return .attribute(AttributeChange(name: name, old: a, new: b))
        }
    }

    private static func same(_ a: AttributeValue, _ b: AttributeValue) -> Bool {
        if case .list(let x) = a, case .list(let y) = b { return x.sorted() == y.sorted() }
        return a == b
    }

    static func endpoints(_ f: Flow) -> String {
        f.source + (f.twoWay ? " <-> " : " -> ") + f.target
    }

    /// Tracking entries keyed by pattern; a repeated pattern gets `#2`, `#3`, … in file order.
    private struct KeyedEntry {
        var key: String
        var entry: TrackingEntry
    }

    private static func keyed(_ entries: [TrackingEntry]) -> [KeyedEntry] {
        var seen: [String: Int] = [:]
        return entries.map { e in
            seen[e.pattern, default: 0] += 1
            let n = seen[e.pattern]!
            return KeyedEntry(key: n == 1 ? e.pattern : "\(e.pattern)#\(n)", entry: e)
        }
    }
}

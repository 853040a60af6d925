import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// A reference to something a condition can talk about.
public enum EntityRef: Sendable, Hashable {
    /// An actor, process or datastore: an index into the model's `elements`.
    case element(Int)
    /// A data flow: an index into the model's `flows`.
    case flow(Int)
    /// A trust boundary: an index into the model's `boundaries`.
    case boundary(Int)
    /// A data asset: an index into the model's `data`.
    case data(Int)
    /// The model as a whole (model-wide rules).
    case model

    /// The index into the model's elements, flows, boundaries or data (0 for the model).
    public var index: Int {
        switch self {
        case .element(let i), .flow(let i), .boundary(let i), .data(let i): return i
        case .model: return 0
        }
    }
}

/// The entities a list-valued name yields (`inbound`, `data`, `members`): indices of one kind, usually the
/// graph's own arrays handed out as they are, so evaluating `inbound.any(…)` allocates nothing.
public struct EntityList: RandomAccessCollection, Sendable {
    /// What the indices point into.
    public enum Kind: Sendable {
        /// `model.elements`.
        case element
        /// `model.flows`.
        case flow
        /// `model.boundaries`.
        case boundary
        /// `model.data`.
        case data
    }

    /// What `items` index.
    public let kind: Kind
    /// The indices, in the list's order.
    public let items: [Int]

    /// A list of `items` of one kind.
    public init(_ kind: Kind, _ items: [Int]) {
        self.kind = kind
        self.items = items
    }

    /// The empty list.
    public static let empty = EntityList(.element, [])

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of entities.
    public var endIndex: Int { items.count }

    /// The entity at `position`.
    public subscript(position: Int) -> EntityRef {
        let i = items[position]
        switch kind {
        case .element: return .element(i)
        case .flow: return .flow(i)
        case .boundary: return .boundary(i)
        case .data: return .data(i)
        }
    }
}

/// A test on the members of a zone, with an identity: `Evaluator` counts the members that pass it once per
/// zone (`unconnectedNeighbourCount`).
public final class ZoneTest: Sendable {
    let test: @Sendable (Evaluator, EntityRef) -> Bool

    init(_ test: @escaping @Sendable (Evaluator, EntityRef) -> Bool) { self.test = test }
}

/// Runtime support for compiled conditions: the graph plus per-element facts computed once, on demand.
public final class Evaluator {
    /// The graph of the model conditions are evaluated on; `EntityRef` indices point into `graph.model`.
    public let graph: ArchitectureGraph
    /// The vocabulary giving attribute indices, defaults and enum ranks.
    public let vocabulary: Vocabulary
    let dataIndex: [String: Int]
    let classificationRank: [String: Int]
    /// Built once: each data asset and element asks it the first time its classification is wanted.
    let confidentialityAsClassification: [String: Int]
    let defaultClassification: Int
    // The caches below are private to one evaluator, which one thread uses (see `init`), and no access to
    // one overlaps another: the runtime's exclusivity check on each would cost more than the lookup it guards.
    @exclusivity(unchecked) private var elementData: [[Int]?]
    @exclusivity(unchecked) private var elementFlows: [[Int]?]
    /// Per element, whether it is a person and whether it is client software (bit 0 known, bit 1 human,
    /// bit 2 client): both are asked for most elements by many rules, and each asks the vocabulary's groups by name.
    @exclusivity(unchecked) private var elementRoles: [UInt8]
    @exclusivity(unchecked) private var flowData: [[Int]?]
    /// Per data asset, element, flow and boundary, and for the model: the classification rank, once known.
    @exclusivity(unchecked) private var dataClassification: [Int?]
    @exclusivity(unchecked) private var elementClassification: [Int?]
    @exclusivity(unchecked) private var flowClassification: [Int?]
    @exclusivity(unchecked) private var boundaryClassification: [Int?]
    @exclusivity(unchecked) private var modelClassification: Int?
    @exclusivity(unchecked) private var flowEncrypted: [Bool?]
    private let authnIndex: Int
    private let authzIndex: Int
    /// Per element: the authentication and authorisation its inbound connections declare (see `value`).
    @exclusivity(unchecked) private var connectionAuth: [(authn: (AttributeValue, Int)?, authz: (AttributeValue, Int)?)?]

    /// An evaluator for one model. Not thread-safe: it caches facts as it goes, so each thread needs its own.
    public init(graph: ArchitectureGraph, vocabulary: Vocabulary) {
        self.graph = graph
        self.vocabulary = vocabulary
        var index: [String: Int] = [:]
        for (i, d) in graph.model.data.enumerated() { index[d.id] = i }
        dataIndex = index
        let spec = vocabulary.spec(.classification)
        var ranks: [String: Int] = [:]
        for (i, v) in (spec.values ?? []).enumerated() { ranks[v] = i }
        classificationRank = ranks
        confidentialityAsClassification = Self.confidentialityAsClassification(ranks)
        defaultClassification = spec.default.flatMap { ranks[$0] } ?? 0
        elementData = Array(repeating: nil, count: graph.model.elements.count)
        elementFlows = Array(repeating: nil, count: graph.model.elements.count)
        elementRoles = Array(repeating: 0, count: graph.model.elements.count)
        flowData = Array(repeating: nil, count: graph.model.flows.count)
        dataClassification = Array(repeating: nil, count: graph.model.data.count)
        elementClassification = Array(repeating: nil, count: graph.model.elements.count)
        flowClassification = Array(repeating: nil, count: graph.model.flows.count)
        boundaryClassification = Array(repeating: nil, count: graph.model.boundaries.count)
        flowEncrypted = Array(repeating: nil, count: graph.model.flows.count)
        authnIndex = vocabulary.index(of: "authn") ?? -1
        authzIndex = vocabulary.index(of: "authz") ?? -1
        connectionAuth = Array(repeating: nil, count: graph.model.elements.count)
    }

    /// The effective value of the vocabulary's attribute number `index` on an entity: its own, else what it
    /// inherits from its zone; for a process or datastore's `authn` and `authz`, else what every connection
    /// it accepts declares (imported models put authentication on the flows).
    public func value(_ ref: EntityRef, _ index: Int) -> AttributeValue? {
        // A switch rather than a helper taking a closure: this runs millions of times, and each element is
        // read in place (a copy of its attributes costs retains).
        switch ref {
        case .element(let i):
            if let v = graph.model.elements[i].attributes.value(vocabularyIndex: index)
                ?? graph.model.elements[i].inherited.value(vocabularyIndex: index) { return v }
            guard index == authnIndex || index == authzIndex else { return nil }
            return connectionDeclared(i, index)?.0
        case .flow(let i):
            return graph.model.flows[i].attributes.value(vocabularyIndex: index) ?? graph.model.flows[i].inherited.value(vocabularyIndex: index)
        case .boundary(let i):
            return graph.model.boundaries[i].attributes.value(vocabularyIndex: index)
                ?? graph.model.boundaries[i].inherited.value(vocabularyIndex: index)
        case .data(let i): return graph.model.data[i].attributes.value(vocabularyIndex: index)
        case .model: return graph.model.header.attributes.value(vocabularyIndex: index)
        }
    }

    /// The rank of the effective enum value of the vocabulary's attribute number `index` on an entity.
    public func rank(_ ref: EntityRef, _ index: Int) -> Int? {
        // `storedRank` is -1 for a value without a rank: set, so it hides the inherited one, but no rank.
        let stored: Int?
        switch ref {
        case .element(let i):
            if let r = graph.model.elements[i].attributes.storedRank(vocabularyIndex: index)
                ?? graph.model.elements[i].inherited.storedRank(vocabularyIndex: index) { return r >= 0 ? r : nil }
            guard index == authnIndex || index == authzIndex else { return nil }
            return connectionDeclared(i, index)?.1
        case .flow(let i):
            stored = graph.model.flows[i].attributes.storedRank(vocabularyIndex: index)
                ?? graph.model.flows[i].inherited.storedRank(vocabularyIndex: index)
        case .boundary(let i):
            stored = graph.model.boundaries[i].attributes.storedRank(vocabularyIndex: index)
                ?? graph.model.boundaries[i].inherited.storedRank(vocabularyIndex: index)
        case .data(let i): stored = graph.model.data[i].attributes.storedRank(vocabularyIndex: index)
        case .model: stored = graph.model.header.attributes.storedRank(vocabularyIndex: index)
        }
        return stored.flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Whether the flag attribute number `index` is set to true on an entity (its own value, else its zone's).
    public func flag(_ ref: EntityRef, _ index: Int) -> Bool {
        // Read in place rather than through `value`, which copies the value out (a retain and a release per
        // call): flags are what conditions ask most.
        let set: Bool?
        switch ref {
        case .element(let i):
            set = graph.model.elements[i].attributes.flag(vocabularyIndex: index) ?? graph.model.elements[i].inherited.flag(vocabularyIndex: index)
        case .flow(let i):
            set = graph.model.flows[i].attributes.flag(vocabularyIndex: index) ?? graph.model.flows[i].inherited.flag(vocabularyIndex: index)
        case .boundary(let i):
            set = graph.model.boundaries[i].attributes.flag(vocabularyIndex: index)
                ?? graph.model.boundaries[i].inherited.flag(vocabularyIndex: index)
        case .data(let i): set = graph.model.data[i].attributes.flag(vocabularyIndex: index)
        case .model: set = graph.model.header.attributes.flag(vocabularyIndex: index)
        }
        return set ?? false
    }

    /// The `authn` or `authz` that every connection element `i` accepts declares (its first, when they
    /// differ), with its rank; nil when it accepts none or one declares nothing.
    private func connectionDeclared(_ i: Int, _ index: Int) -> (AttributeValue, Int)? {
        if let known = connectionAuth[i] { return index == authnIndex ? known.authn : known.authz }
        func declared(_ index: Int) -> (AttributeValue, Int)? {
            let accepted = graph.acceptedConnections[i]
            guard !accepted.isEmpty else { return nil }
            var first: (AttributeValue, Int)?
            for fi in accepted {
                // The flow's attributes read in place: a copy of the whole flow costs a retain per field.
                let own = graph.model.flows[fi].attributes.value(vocabularyIndex: index) != nil
                guard let v = own ? graph.model.flows[fi].attributes.value(vocabularyIndex: index)
                                  : graph.model.flows[fi].inherited.value(vocabularyIndex: index),
                      let r = own ? graph.model.flows[fi].attributes.rank(vocabularyIndex: index)
                                  : graph.model.flows[fi].inherited.rank(vocabularyIndex: index),
                      r > 0 else { return nil }  // rank 0 is `none`
                if first == nil { first = (v, r) }
            }
            return first
        }
        let found = (authn: declared(authnIndex), authz: declared(authzIndex))
        connectionAuth[i] = found
        return index == authnIndex ? found.authn : found.authz
    }

    /// The data assets the refs attribute number `index` names on an entity (its effective value), in order.
    /// Remembered per entity and attribute: conditions such as `stores.any(…)` ask again for every rule, and
    /// each answer looks every id up by name.
    public func dataRefs(_ ref: EntityRef, _ index: Int) -> [Int] {
        let kind: UInt8
        switch ref {
        case .element: kind = 0
        case .flow: kind = 1
        case .boundary: kind = 2
        case .data: kind = 3
        case .model: kind = 4
        }
        // One slot per kind of entity and attribute (a handful: stores, processes, carries), found by a short
        // scan rather than by hashing.
        var slot = refsSlots.firstIndex { $0.kind == kind && $0.attribute == index }
        if slot == nil {
            let count: Int
            switch ref {
            case .element: count = graph.model.elements.count
            case .flow: count = graph.model.flows.count
            case .boundary: count = graph.model.boundaries.count
            case .data: count = graph.model.data.count
            case .model: count = 1
            }
            refsSlots.append((kind, index, Array(repeating: nil, count: count)))
            slot = refsSlots.count - 1
        }
        if let cached = refsSlots[slot!].values[ref.index] { return cached }
        var result: [Int] = []
        if case .list(let ids)? = value(ref, index) { result = dataRefs(ids) }
        refsSlots[slot!].values[ref.index] = result
        return result
    }

    @exclusivity(unchecked) private var refsSlots: [(kind: UInt8, attribute: Int, values: [[Int]?])] = []

    /// Data indices named in a refs list.
    public func dataRefs(_ ids: [String]) -> [Int] { ids.compactMap { dataIndex[$0] } }

    /// Classification rank of one data asset.
    public func classification(ofData i: Int) -> Int {
        if let c = dataClassification[i] { return c }
        let a = graph.model.data[i].attributes
        let written = a.string(.classification).flatMap { classificationRank[$0] }
        let rated = a.string(.confidentiality).flatMap { confidentialityAsClassification[$0] }
        let c = max(written ?? (rated == nil ? defaultClassification : 0), rated ?? 0)
        dataClassification[i] = c
        return c
    }

    /// Threagile's confidentiality scale on Moat's classification scale (docs/language.md, "CIA ratings"):
    /// public and internal match, restricted and confidential count as confidential, strictly-confidential
    /// as secret.
    private static func confidentialityAsClassification(_ classificationRank: [String: Int]) -> [String: Int] {
        ["public": classificationRank["public"] ?? 0, "internal": classificationRank["internal"] ?? 1,
         "restricted": classificationRank["confidential"] ?? 2, "confidential": classificationRank["confidential"] ?? 2,
         "strictly-confidential": classificationRank["secret"] ?? 3]
    }

    /// The flows in and out of an element, each once (inbound first, then outbound, in order).
    public func flows(ofElement i: Int) -> [Int] {
        if let cached = elementFlows[i] { return cached }
        // An element has a handful of flows: a linear look beats hashing each.
        var result: [Int] = []
        for fi in graph.inbound[i] + graph.outbound[i] where !result.contains(fi) { result.append(fi) }
        elementFlows[i] = result
        return result
    }

    /// The last answer of `unconnectedNeighbours`: rules ask it twice for one element in a row, and it costs
    /// a pass over the element's whole zone.
    @exclusivity(unchecked) private var lastUnconnected: (element: Int, neighbours: [Int])?

    /// The other members of the element's innermost zone that no flow links to it: they share its network
    /// but it never talks to them (none outside every boundary: nothing says those share a network).
    public func unconnectedNeighbours(ofElement i: Int) -> [Int] {
        if let last = lastUnconnected, last.element == i { return last.neighbours }
        guard let b = graph.elementBoundary[i] else { return [] }
        // The few excluded members, looked through linearly for each member of the zone.
        let excluded = notNeighbours(of: i, inZone: b)
        let neighbours = graph.boundaryElements[b].filter { !excluded.contains($0) }
        lastUnconnected = (i, neighbours)
        return neighbours
    }

    /// The members of zone `b` that are not element `i`'s unconnected neighbours, each once: the element itself
    /// and the ends of its flows that are in the zone.
    private func notNeighbours(of i: Int, inZone b: Int) -> [Int] {
        var excluded = [i]
        for fi in graph.inbound[i] + graph.outbound[i] {
            for m in [graph.flowEnds[fi].source, graph.flowEnds[fi].target]
            where m >= 0 && graph.elementBoundary[m] == b && !excluded.contains(m) {
                excluded.append(m)
            }
        }
        return excluded
    }

    /// How many of `unconnectedNeighbours(ofElement: i)` pass `test` (all of them when nil), without listing
    /// them: the members of the element's zone that pass, counted once per zone and test, less the element itself
    /// and those it is linked to. Linear in the size of the zone where listing is quadratic.
    public func unconnectedNeighbourCount(ofElement i: Int, passing test: ZoneTest?) -> Int {
        guard let b = graph.elementBoundary[i] else { return 0 }
        func passes(_ m: Int) -> Bool { test.map { $0.test(self, .element(m)) } ?? true }
        var count: Int
        if let test {
            let key = ObjectIdentifier(test)
            if zoneCounts[key] == nil { zoneCounts[key] = Array(repeating: -1, count: graph.model.boundaries.count) }
            count = zoneCounts[key]![b]
            if count < 0 {
                count = graph.boundaryElements[b].reduce(0) { $0 + (passes($1) ? 1 : 0) }
                zoneCounts[key]![b] = count
            }
        } else {
            count = graph.boundaryElements[b].count
        }
        for m in notNeighbours(of: i, inZone: b) where passes(m) { count -= 1 }
        return count
    }

    /// Per quantifier body over unconnected neighbours, how many members of each zone pass it (-1: not counted yet).
    @exclusivity(unchecked) private var zoneCounts: [ObjectIdentifier: [Int]] = [:]

    /// The data assets a flow carries that the model declares, in the order written.
    public func data(ofFlow i: Int) -> [Int] {
        if let cached = flowData[i] { return cached }
        let result = dataRefs(graph.model.flows[i].attributes.list(.carries))
        flowData[i] = result
        return result
    }

    /// Data an element stores, processes, receives or sends (deduplicated, in first-seen order).
    public func data(ofElement i: Int) -> [Int] {
        if let cached = elementData[i] { return cached }
        var result: [Int] = []
        // Asked once per element and evaluator, but for every element: with a set, joined arrays and the flows'
        // lists of data built in between, it cost a tenth of the analysis.
        var seen: Set<Int>?
        func add(_ d: Int) {
            // An element has a handful of data assets: looking through them beats hashing, until it has many.
            if result.count < 32 {
                if !result.contains(d) { result.append(d) }
                return
            }
            if seen == nil { seen = Set(result) }
            if seen!.insert(d).inserted { result.append(d) }
        }
        let attributes = graph.model.elements[i].attributes
        for id in attributes.list(.stores) { if let d = dataIndex[id] { add(d) } }
        for id in attributes.list(.processes) { if let d = dataIndex[id] { add(d) } }
        // The flows by position (a flow that is both inbound and outbound, a loop, once).
        var flows = graph.inbound[i] + graph.outbound[i]
        flows.sort()
        var previous = -1
        for fi in flows where fi != previous {
            previous = fi
            for d in data(ofFlow: fi) { add(d) }
        }
        elementData[i] = result
        return result
    }

    /// The highest classification rank among the data of an entity; 0 (public) when it has none.
    public func classification(_ ref: EntityRef) -> Int {
        switch ref {
        case .element(let i):
            if let c = elementClassification[i] { return c }
            let own = graph.model.elements[i].attributes.string(.confidentiality).flatMap { confidentialityAsClassification[$0] } ?? 0
            let c = max(own, data(ofElement: i).map(classification(ofData:)).max() ?? 0)
            elementClassification[i] = c
            return c
        case .flow(let i):
            if let c = flowClassification[i] { return c }
            let c = data(ofFlow: i).map(classification(ofData:)).max() ?? 0
            flowClassification[i] = c
            return c
        case .data(let i): return classification(ofData: i)
        case .boundary(let b):
            // Asked for every finding on the boundary; each answer walks all its elements.
            if let c = boundaryClassification[b] { return c }
            let c = graph.allElements(inBoundary: b).map { classification(.element($0)) }.max() ?? 0
            boundaryClassification[b] = c
            return c
        case .model:
            if let c = modelClassification { return c }
            let c = graph.model.elements.indices.map { classification(.element($0)) }.max() ?? 0
            modelClassification = c
            return c
        }
    }

    /// Whether a flow is encrypted: an encrypted or local protocol, or the `encrypted` or `vpn` flag (its own, else
    /// its zone's: `boundary mesh { encrypted }`).
    public func encrypted(flow i: Int) -> Bool {
        if let e = flowEncrypted[i] { return e }
        let a = graph.model.flows[i].attributes, inherited = graph.model.flows[i].inherited
        func effective(_ c: CoreAttribute) -> Bool { a[c.name] != nil ? a.flag(c) : inherited.flag(c) }
        let e = effective(.encrypted) || effective(.vpn)
            || vocabulary.contains(.encryptedProtocol, a.string(.protocol)) || vocabulary.contains(.localProtocol, a.string(.protocol))
        flowEncrypted[i] = e
        return e
    }

    /// A person: an actor of a human type.
    public func isHuman(element i: Int) -> Bool { roles(element: i) & 2 != 0 }

    /// Client software on a user's device (a mobile app or browser), not a server.
    public func isClient(element i: Int) -> Bool { roles(element: i) & 4 != 0 }

    private func roles(element i: Int) -> UInt8 {
        if elementRoles[i] != 0 { return elementRoles[i] }
        let kind = graph.model.elements[i].kind, type = graph.model.elements[i].attributes.string(.type)
        let human = kind == .actor && vocabulary.contains(.human, type)
        let roles: UInt8 = 1 | (human ? 2 : 0) | (vocabulary.contains(.client, type) ? 4 : 0)
        elementRoles[i] = roles
        return roles
    }

    /// Whether the element's zone is untrusted.
    public func untrusted(element i: Int) -> Bool { graph.zoneTrust[i] == 0 }

    /// Whether untrusted or partner callers can open connections to the element, directly or through front
    /// doors (`Exposure`).
    public func exposed(element i: Int) -> Bool { graph.exposure.isExposed(i) }

    /// The provider that operates the entity (`managed "AWS RDS"`, its own or its zone's), if any.
    public func managedBy(_ ref: EntityRef) -> String? {
        let index = vocabulary.index(of: .managed)
        switch ref {
        case .element, .boundary:
            if case .string(let provider)? = value(ref, index) { return provider }
            return nil
        default: return nil
        }
    }

    /// Whether the element is in a zone the owner does not control (`untrusted` or `partner`).
    public func external(element i: Int) -> Bool { graph.zoneTrust[i] <= graph.partnerTrust }

    @exclusivity(unchecked) private var boundaryCrossings: (in: [[Int]], out: [[Int]])?

    /// Flows crossing into (or out of) a boundary; two-way flows count both ways.
    public func crossings(of boundary: Int, entering: Bool) -> [Int] {
        if boundaryCrossings == nil {
            let n = graph.model.boundaries.count
            var into = [[Int]](repeating: [], count: n), out = [[Int]](repeating: [], count: n)
            for (fi, c) in graph.crossings.enumerated() {
                let twoWay = graph.model.flows[fi].twoWay
                for b in c.entered { into[b].append(fi); if twoWay { out[b].append(fi) } }
                for b in c.exited { out[b].append(fi); if twoWay { into[b].append(fi) } }
            }
            boundaryCrossings = (into, out)
        }
        return entering ? boundaryCrossings!.in[boundary] : boundaryCrossings!.out[boundary]
    }
}

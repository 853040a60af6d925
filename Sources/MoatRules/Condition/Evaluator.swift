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

/// Runtime support for compiled conditions: the graph plus per-element facts computed once, on demand.
public final class Evaluator {
    /// The graph of the model conditions are evaluated on; `EntityRef` indices point into `graph.model`.
    public let graph: ArchitectureGraph
    /// The vocabulary giving attribute indices, defaults and enum ranks.
    public let vocabulary: Vocabulary
    let dataIndex: [String: Int]
    let classificationRank: [String: Int]
    let defaultClassification: Int
    private var elementData: [[Int]?]
    private var elementClassification: [Int?]
    private var flowClassification: [Int?]
    private var flowEncrypted: [Bool?]
    private let authnIndex: Int
    private let authzIndex: Int
    /// Per element: the authentication and authorisation its inbound connections declare (see `value`).
    private var connectionAuth: [(authn: (AttributeValue, Int)?, authz: (AttributeValue, Int)?)?]

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
        defaultClassification = spec.default.flatMap { ranks[$0] } ?? 0
        elementData = Array(repeating: nil, count: graph.model.elements.count)
        elementClassification = Array(repeating: nil, count: graph.model.elements.count)
        flowClassification = Array(repeating: nil, count: graph.model.flows.count)
        flowEncrypted = Array(repeating: nil, count: graph.model.flows.count)
        authnIndex = vocabulary.index(of: "authn") ?? -1
        authzIndex = vocabulary.index(of: "authz") ?? -1
        connectionAuth = Array(repeating: nil, count: graph.model.elements.count)
    }

    /// The effective value of the vocabulary's attribute number `index` on an entity: its own, else what it
    /// inherits from its zone; for a process or datastore's `authn` and `authz`, else what every connection
    /// it accepts declares (imported models put authentication on the flows).
    public func value(_ ref: EntityRef, _ index: Int) -> AttributeValue? {
        if let v = withAttributes(ref, { own, inherited in own.value(vocabularyIndex: index) ?? inherited?.value(vocabularyIndex: index) }) {
            return v
        }
        guard case .element(let i) = ref, index == authnIndex || index == authzIndex else { return nil }
        return connectionDeclared(i, index)?.0
    }

    /// The rank of the effective enum value of the vocabulary's attribute number `index` on an entity.
    public func rank(_ ref: EntityRef, _ index: Int) -> Int? {
        let found: Int?? = withAttributes(ref) { own, inherited in
            if own.value(vocabularyIndex: index) != nil { return .some(own.rank(vocabularyIndex: index)) }
            if let inherited, inherited.value(vocabularyIndex: index) != nil { return .some(inherited.rank(vocabularyIndex: index)) }
            return nil
        }
        if let found { return found }
        guard case .element(let i) = ref, index == authnIndex || index == authzIndex else { return nil }
        return connectionDeclared(i, index)?.1
    }

    /// Reads an entity's own and inherited attributes in place (conditions do this millions of times; a copy
    /// costs retains).
    @inline(__always)
    private func withAttributes<T>(_ ref: EntityRef, _ body: (borrowing Attributes, borrowing Attributes?) -> T) -> T {
        switch ref {
        case .element(let i): return body(graph.model.elements[i].attributes, graph.model.elements[i].inherited)
        case .flow(let i): return body(graph.model.flows[i].attributes, graph.model.flows[i].inherited)
        case .boundary(let i): return body(graph.model.boundaries[i].attributes, graph.model.boundaries[i].inherited)
        case .data(let i): return body(graph.model.data[i].attributes, nil)
        case .model: return body(graph.model.header.attributes, nil)
        }
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
                let f = graph.model.flows[fi]
                let attributes = f.attributes.value(vocabularyIndex: index) != nil ? f.attributes : f.inherited
                guard let v = attributes.value(vocabularyIndex: index), let r = attributes.rank(vocabularyIndex: index),
                      r > 0 else { return nil }  // rank 0 is `none`
                if first == nil { first = (v, r) }
            }
            return first
        }
        let found = (authn: declared(authnIndex), authz: declared(authzIndex))
        connectionAuth[i] = found
        return index == authnIndex ? found.authn : found.authz
    }

    /// Data indices named in a refs list.
    public func dataRefs(_ ids: [String]) -> [Int] { ids.compactMap { dataIndex[$0] } }

    /// Classification rank of one data asset.
    public func classification(ofData i: Int) -> Int {
        let a = graph.model.data[i].attributes
        let written = a.string(.classification).flatMap { classificationRank[$0] }
        let rated = a.string(.confidentiality).flatMap { confidentialityAsClassification[$0] }
        return max(written ?? (rated == nil ? defaultClassification : 0), rated ?? 0)
    }

    /// Threagile's confidentiality scale on Moat's classification scale (docs/language.md, "CIA ratings"):
    /// public and internal match, restricted and confidential count as confidential, strictly-confidential
    /// as secret.
    private var confidentialityAsClassification: [String: Int] {
        ["public": classificationRank["public"] ?? 0, "internal": classificationRank["internal"] ?? 1,
         "restricted": classificationRank["confidential"] ?? 2, "confidential": classificationRank["confidential"] ?? 2,
         "strictly-confidential": classificationRank["secret"] ?? 3]
    }

    /// Data an element stores, processes, receives or sends (deduplicated, in first-seen order).
    public func data(ofElement i: Int) -> [Int] {
        if let cached = elementData[i] { return cached }
        var seen: Set<Int> = []
        var result: [Int] = []
        let e = graph.model.elements[i]
        let own = e.attributes.list(.stores) + e.attributes.list(.processes)
        var flows = graph.inbound[i] + graph.outbound[i]
        flows.sort()
        for d in dataRefs(own) + flows.flatMap({ dataRefs(graph.model.flows[$0].attributes.list(.carries)) })
        where seen.insert(d).inserted {
            result.append(d)
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
            let c = dataRefs(graph.model.flows[i].attributes.list(.carries)).map(classification(ofData:)).max() ?? 0
            flowClassification[i] = c
            return c
        case .data(let i): return classification(ofData: i)
        case .boundary(let b):
            return graph.allElements(inBoundary: b).map { classification(.element($0)) }.max() ?? 0
        case .model:
            return graph.model.elements.indices.map { classification(.element($0)) }.max() ?? 0
        }
    }

    /// Whether a flow is encrypted: an encrypted or local protocol, or the `encrypted` or `vpn` flag (its own, else
    /// its zone's: `boundary mesh { encrypted }`).
    public func encrypted(flow i: Int) -> Bool {
        if let e = flowEncrypted[i] { return e }
        let f = graph.model.flows[i], a = f.attributes
        func effective(_ c: CoreAttribute) -> Bool { a[c.name] != nil ? a.flag(c) : f.inherited.flag(c) }
        let e = effective(.encrypted) || effective(.vpn)
            || vocabulary.contains(.encryptedProtocol, a.string(.protocol)) || vocabulary.contains(.localProtocol, a.string(.protocol))
        flowEncrypted[i] = e
        return e
    }

    /// A person: an actor of a human type.
    public func isHuman(element i: Int) -> Bool {
        let e = graph.model.elements[i]
        return e.kind == .actor && vocabulary.contains(.human, e.attributes.string(.type))
    }

    /// Client software on a user's device (a mobile app or browser), not a server.
    public func isClient(element i: Int) -> Bool {
        vocabulary.contains(.client, graph.model.elements[i].attributes.string(.type))
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

    private var boundaryCrossings: (in: [[Int]], out: [[Int]])?

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

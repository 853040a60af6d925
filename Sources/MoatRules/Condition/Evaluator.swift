import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// A reference to something a condition can talk about.
public enum EntityRef: Sendable, Hashable {
    case element(Int)
    case flow(Int)
    case boundary(Int)
    case data(Int)

    /// The index into the model's elements, flows, boundaries or data.
    public var index: Int {
        switch self {
        case .element(let i), .flow(let i), .boundary(let i), .data(let i): return i
        }
    }
}

/// Runtime support for compiled conditions: the graph plus per-element facts computed once, on demand.
public final class Evaluator {
    public let graph: ArchitectureGraph
    public let vocabulary: Vocabulary
    let dataIndex: [String: Int]
    let classificationRank: [String: Int]
    let defaultClassification: Int
    private var elementData: [[Int]?]
    private var elementClassification: [Int?]
    private var flowClassification: [Int?]
    private var flowEncrypted: [Bool?]
    private var elementExposed: [Bool?]
    private let internetFacing: Int

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
        elementExposed = Array(repeating: nil, count: graph.model.elements.count)
        internetFacing = vocabulary.index(of: .internetFacing)
    }

    /// The value of the vocabulary's attribute number `index` on an entity.
    func value(_ ref: EntityRef, _ index: Int) -> AttributeValue? { withAttributes(ref) { $0.value(vocabularyIndex: index) } }

    /// The rank of the enum value of the vocabulary's attribute number `index` on an entity.
    func rank(_ ref: EntityRef, _ index: Int) -> Int? { withAttributes(ref) { $0.rank(vocabularyIndex: index) } }

    /// Reads an entity's attributes in place (conditions do this millions of times; a copy costs retains).
    @inline(__always)
    private func withAttributes<T>(_ ref: EntityRef, _ body: (borrowing Attributes) -> T) -> T {
        switch ref {
        case .element(let i): return body(graph.model.elements[i].attributes)
        case .flow(let i): return body(graph.model.flows[i].attributes)
        case .boundary(let i): return body(graph.model.boundaries[i].attributes)
        case .data(let i): return body(graph.model.data[i].attributes)
        }
    }

    /// Data indices named in a refs list.
    public func dataRefs(_ ids: [String]) -> [Int] { ids.compactMap { dataIndex[$0] } }

    /// Classification rank of one data asset.
    public func classification(ofData i: Int) -> Int {
        graph.model.data[i].attributes.string(.classification).flatMap { classificationRank[$0] } ?? defaultClassification
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
            let c = data(ofElement: i).map(classification(ofData:)).max() ?? 0
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
        }
    }

    /// Whether a flow is encrypted: an encrypted or local protocol, or the `encrypted` or `vpn` flag.
    public func encrypted(flow i: Int) -> Bool {
        if let e = flowEncrypted[i] { return e }
        let a = graph.model.flows[i].attributes
        let e = a.flag(.encrypted) || a.flag(.vpn)
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

    /// Internet-facing, or receiving a flow from an untrusted element.
    public func exposed(element i: Int) -> Bool {
        if let known = elementExposed[i] { return known }
        var exposed = false
        if case .flag(true)? = graph.model.elements[i].attributes.value(vocabularyIndex: internetFacing) {
            exposed = true
        } else {
            exposed = graph.inbound[i].contains { untrusted(element: graph.otherEnd(ofFlow: $0, from: i)) }
        }
        elementExposed[i] = exposed
        return exposed
    }

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

import MoatSyntax
import MoatSource
import MoatText

/// Which way a flow crosses trust boundaries.
public enum CrossingDirection: String, Sendable, Codable, CaseIterable {
    /// Source and target are in the same boundary.
    case none
    /// Into a zone of higher trust.
    case inbound
    /// Into a zone of lower trust.
    case outbound
    /// Between different zones of equal trust.
    case lateral

    /// Hashes the case, not its name (`RawRepresentable`'s default hashes the raw string): conditions on
    /// `crossing` look a flow's direction up in a table for every flow.
    public func hash(into hasher: inout Hasher) {
        let ordinal: UInt8 = switch self {
        case .none: 0
        case .inbound: 1
        case .outbound: 2
        case .lateral: 3
        }
        hasher.combine(ordinal)
    }
}

/// How one flow crosses boundaries.
public struct FlowCrossing: Sendable, Hashable {
    /// Boundary indices the flow leaves, innermost first.
    public var exited: [Int]
    /// Boundary indices the flow enters, outermost first.
    public var entered: [Int]
    /// Whether the flow goes into higher trust, lower trust, sideways, or stays in its zone; decided by the
    /// trust ranks of the source's and the target's zones (a two-way flow is judged from source to target).
    public var direction: CrossingDirection
    /// Trust rank of the source's zone and the target's zone (positions in the `trust` enum).
    public var fromTrust: Int
    /// Trust rank of the target's zone (see `fromTrust`).
    public var toTrust: Int

    /// True when the ends are in different boundaries, or in zones of different trust (an actor
    /// outside every boundary talking to a process outside every boundary crosses from untrusted).
    public var crossesBoundary: Bool { !exited.isEmpty || !entered.isEmpty || fromTrust != toTrust }
}

/// The model as a graph: elements by id, flows in and out, the boundary tree, crossings and reachability.
///
/// Built in O(elements + flows + boundaries × depth); every query afterwards is a lookup.
public struct ArchitectureGraph: Sendable {
    /// The model the graph was built from; the graph's indices are positions in its arrays.
    public let model: Model
    /// The position in `model.elements` of each element, by id.
    public let elementIndex: [String: Int]
    /// The position in `model.boundaries` of each boundary, by id.
    public let boundaryIndex: [String: Int]
    /// The position in `model.flows` of each flow, by id.
    public let flowIndex: [String: Int]
    /// Flow indices leaving each element (two-way flows leave both ends).
    public let outbound: [[Int]]
    /// Flow indices arriving at each element (two-way flows arrive at both ends).
    public let inbound: [[Int]]
    /// The enclosing boundary of each boundary.
    public let boundaryParent: [Int?]
    /// The boundaries directly inside each boundary, in declaration order.
    public let boundaryChildren: [[Int]]
    /// Elements directly inside each boundary.
    public let boundaryElements: [[Int]]
    /// Innermost boundary of each element.
    public let elementBoundary: [Int?]
    /// Effective trust rank of each boundary (own `trust`, else inherited, else the default).
    public let boundaryTrust: [Int]
    /// Trust rank of each element's zone.
    public let zoneTrust: [Int]
    /// How each flow crosses boundaries, by flow index; a flow with an end that is not an element crosses none.
    public let crossings: [FlowCrossing]
    /// Elements a path of flows reaches from an element in an untrusted zone.
    public let reachableFromUntrusted: [Bool]
    /// Each flow's source and target as element indices (-1 when an end is not an element).
    public let flowEnds: [(source: Int, target: Int)]
    /// The `trust` enum values, lowest first.
    public let trustLevels: [String]
    /// How input from untrusted and partner zones reaches each element.
    public let exposure: Exposure
    /// Flows whose connection each element accepts (the target of a flow its source opens, the source of a
    /// flow its target opens, either end of a two-way flow).
    public let acceptedConnections: [[Int]]
    /// The trust rank of `partner`: zones at or below it belong to others.
    public let partnerTrust: Int
    /// Whether each flow's target opens its connection (`Flow.initiatedByTarget`, read once: rules ask
    /// for callers and callees of every flow, and the flow answers by looking its attributes up by name).
    public let openedByTarget: [Bool]

    /// Builds the graph of `model`; `vocabulary` gives the `trust` levels and their default.
    public init(model: Model, vocabulary: Vocabulary) {
        self.model = model
        // The vocabulary guarantees `trust` is an ordered enum with a default (`Vocabulary.problems()`).
        let trustSpec = vocabulary.spec(.trust)
        let levels = trustSpec.values ?? []
        trustLevels = levels
        let defaultTrust = trustSpec.default.flatMap { levels.firstIndex(of: $0) } ?? 0
        let untrusted = 0

        var elementIndex: [String: Int] = [:]
        elementIndex.reserveCapacity(model.elements.count)
        // Elements, flows and boundaries are read field by field, by index, here and below: `enumerated()`
        // copies each whole value, a retain and a release per field.
        for i in model.elements.indices { elementIndex[model.elements[i].id] = i }
        var boundaryIndex: [String: Int] = [:]
        for i in model.boundaries.indices { boundaryIndex[model.boundaries[i].id] = i }
        var flowIndex: [String: Int] = [:]
        flowIndex.reserveCapacity(model.flows.count)
        for i in model.flows.indices { flowIndex[model.flows[i].id] = i }

        // Boundary tree; parents are declared before children, so one pass fixes trust.
        let bCount = model.boundaries.count
        var parent = [Int?](repeating: nil, count: bCount)
        var children = [[Int]](repeating: [], count: bCount)
        var trust = [Int](repeating: defaultTrust, count: bCount)
        var depth = [Int](repeating: 0, count: bCount)
        for i in model.boundaries.indices {
            if let p = model.boundaries[i].parent.flatMap({ boundaryIndex[$0] }) {
                parent[i] = p
                children[p].append(i)
                depth[i] = depth[p] + 1
                trust[i] = trust[p]
            }
            if let own = model.boundaries[i].attributes.string(.trust), let rank = levels.firstIndex(of: own) { trust[i] = rank }
        }

        let eCount = model.elements.count
        var elementBoundary = [Int?](repeating: nil, count: eCount)
        var boundaryElements = [[Int]](repeating: [], count: bCount)
        var zone = [Int](repeating: defaultTrust, count: eCount)
        for i in model.elements.indices {
            if let b = model.elements[i].boundary.flatMap({ boundaryIndex[$0] }) {
                elementBoundary[i] = b
                boundaryElements[b].append(i)
                zone[i] = trust[b]
            } else if model.elements[i].kind == .actor {
                zone[i] = untrusted
            }
        }

        var outbound = [[Int]](repeating: [], count: eCount)
        var inbound = [[Int]](repeating: [], count: eCount)
        var crossings: [FlowCrossing] = []
        crossings.reserveCapacity(model.flows.count)
        var flowEnds: [(source: Int, target: Int)] = []
        flowEnds.reserveCapacity(model.flows.count)
        for fi in model.flows.indices {
            let ends = (source: elementIndex[model.flows[fi].source] ?? -1, target: elementIndex[model.flows[fi].target] ?? -1)
            flowEnds.append(ends)
            guard ends.source >= 0, ends.target >= 0 else {
                crossings.append(FlowCrossing(exited: [], entered: [], direction: .none, fromTrust: defaultTrust, toTrust: defaultTrust))
                continue
            }
            let (s, t) = ends
            outbound[s].append(fi)
            inbound[t].append(fi)
            if model.flows[fi].twoWay && s != t {
                outbound[t].append(fi)
                inbound[s].append(fi)
            }
            // Walk both boundary chains up to their lowest common ancestor.
            var a = elementBoundary[s], b = elementBoundary[t]
            var exited: [Int] = [], entered: [Int] = []
            while a != b {
                let da = a.map { depth[$0] } ?? -1, db = b.map { depth[$0] } ?? -1
                if da >= db, let x = a {
                    exited.append(x)
                    a = parent[x]
                } else if let y = b {
                    entered.append(y)
                    b = parent[y]
                }
            }
            entered.reverse()
            let direction: CrossingDirection
            if exited.isEmpty && entered.isEmpty && zone[s] == zone[t] {
                direction = .none
            } else if zone[t] > zone[s] {
                direction = .inbound
            } else if zone[t] < zone[s] {
                direction = .outbound
            } else {
                direction = .lateral
            }
            crossings.append(FlowCrossing(exited: exited, entered: entered, direction: direction,
                                          fromTrust: zone[s], toTrust: zone[t]))
        }

        // Multi-source breadth-first search from every untrusted element.
        var reached = [Bool](repeating: false, count: eCount)
        var queue: [Int] = []
        var visited = [Bool](repeating: false, count: eCount)
        for i in 0..<eCount where zone[i] == untrusted {
            queue.append(i)
            visited[i] = true
        }
        var head = 0
        while head < queue.count {
            let n = queue[head]
            head += 1
            for fi in outbound[n] {
                let next = flowEnds[fi].source == n ? flowEnds[fi].target : flowEnds[fi].source
                if !reached[next] { reached[next] = true }
                if !visited[next] {
                    visited[next] = true
                    queue.append(next)
                }
            }
        }

        self.elementIndex = elementIndex
        self.boundaryIndex = boundaryIndex
        self.flowIndex = flowIndex
        self.outbound = outbound
        self.inbound = inbound
        self.boundaryParent = parent
        self.boundaryChildren = children
        self.boundaryElements = boundaryElements
        self.elementBoundary = elementBoundary
        self.boundaryTrust = trust
        self.zoneTrust = zone
        self.crossings = crossings
        self.reachableFromUntrusted = reached
        self.flowEnds = flowEnds
        let openedByTarget = model.flows.indices.map { Flow.initiatedByTarget(model.flows[$0].attributes) }
        self.openedByTarget = openedByTarget
        self.exposure = Exposure(model: model, vocabulary: vocabulary, zoneTrust: zone, flowEnds: flowEnds, openedByTarget: openedByTarget)
        var accepted = [[Int]](repeating: [], count: eCount)
        for fi in model.flows.indices {
            let (s, t) = flowEnds[fi]
            guard s >= 0, t >= 0 else { continue }
            if model.flows[fi].twoWay && s != t {
                accepted[s].append(fi)
                accepted[t].append(fi)
            } else {
                accepted[openedByTarget[fi] ? s : t].append(fi)
            }
        }
        self.acceptedConnections = accepted
        self.partnerTrust = levels.firstIndex(of: "partner") ?? 0
    }

    /// The element with this id.
    public func element(_ id: String) -> Element? { elementIndex[id].map { model.elements[$0] } }

    /// Boundary indices from the element's innermost boundary outwards.
    public func boundaryChain(ofElement i: Int) -> [Int] {
        var chain: [Int] = []
        var b = elementBoundary[i]
        while let x = b { chain.append(x); b = boundaryParent[x] }
        return chain
    }

    /// Elements inside a boundary, directly or in nested boundaries.
    public func allElements(inBoundary b: Int) -> [Int] {
        var result: [Int] = []
        var stack = [b]
        while let x = stack.popLast() {
            result.append(contentsOf: boundaryElements[x])
            stack.append(contentsOf: boundaryChildren[x].reversed())
        }
        return result
    }

    /// The other end of flow `fi` seen from element `i`.
    public func otherEnd(ofFlow fi: Int, from i: Int) -> Int {
        let (s, t) = flowEnds[fi]
        return s == i ? t : s
    }

    /// Elements reachable from `start` along flows (excluding `start` unless on a cycle).
    public func reachable(from start: Int) -> Set<Int> {
        var seen: Set<Int> = []
        var stack = [start]
        while let n = stack.popLast() {
            for fi in outbound[n] {
                let next = otherEnd(ofFlow: fi, from: n)
                if seen.insert(next).inserted { stack.append(next) }
            }
        }
        return seen
    }

    /// The element that opens flow `fi`'s connection (its source, or its target for `initiator target`).
    public func caller(ofFlow fi: Int) -> Int {
        openedByTarget[fi] ? flowEnds[fi].target : flowEnds[fi].source
    }

    /// The element that accepts flow `fi`'s connection.
    public func callee(ofFlow fi: Int) -> Int {
        openedByTarget[fi] ? flowEnds[fi].source : flowEnds[fi].target
    }

    /// The trust level name for a rank.
    public func trustName(_ rank: Int) -> String { trustLevels[rank] }
}

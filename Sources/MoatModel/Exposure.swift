import MoatSyntax

/// How input from outside reaches each element: exposure as reachability (docs/analysis.md, "Exposure").
///
/// Sources are the elements in zones the owner does not control (`untrusted` and `partner`); an element
/// marked `internet-facing` has an untrusted caller by definition. A **connection** goes from the end
/// that opens it (a flow's source, or its target for `initiator target`, `pull` and `subscribe`) to the
/// end that accepts it.
///
/// - An element is **exposed** when a source can open a connection to it, directly or through front
///   doors (the `edge` group: load balancers, CDNs, reverse proxies, gateways, WAFs, ingresses), which
///   pass requests on as they come: the web server behind a load balancer is exposed, at distance 2.
///   Processes that do work on the input end the chain: what lies behind them is reachable (below), not
///   exposed.
/// - A WAF on the way (the `waf` flag, or an element of type `waf`) or a front door that validates input
///   filters the requests: the element stays exposed, but its likelihood is not raised for it.
/// - An element is **reachable from untrusted** when data from an untrusted zone can flow to it along any
///   path, whoever opens the connections.
///
/// Computed once per graph in O(elements + flows).
public struct Exposure: Sendable {
    /// Hops from the nearest source along connections through front doors; nil when not exposed.
    public let distance: [Int?]
    /// Whether an untrusted source (not only a partner) reaches the element at that distance.
    public let fromUntrusted: [Bool]
    /// Whether every way in passes a WAF or a validating front door.
    public let filtered: [Bool]
    /// The front door each exposed element is reached through (its predecessor on a shortest path), if any.
    public let via: [Int?]

    init(model: Model, vocabulary: Vocabulary, zoneTrust: [Int], flowEnds: [(source: Int, target: Int)], openedByTarget: [Bool]) {
        let n = model.elements.count
        let partner = vocabulary.spec(.trust).rank(of: "partner") ?? 1
        let edge = vocabulary.group("edge", of: CoreAttribute.type.name)?.values ?? []
        let waf = vocabulary.index(of: "waf")
        let validates = vocabulary.index(of: "validates-input")
        func isEdge(_ i: Int) -> Bool { edge.contains(model.elements[i].attributes.string(.type) ?? "") }
        func filters(_ i: Int) -> Bool {
            // Read in place: a copy of the element costs a retain and a release per field.
            let own = waf.map { model.elements[i].attributes.value(vocabularyIndex: $0) ?? model.elements[i].inherited.value(vocabularyIndex: $0) }
            if case .flag(true)?? = own { return true }
            if model.elements[i].attributes.string(.type) == "waf" { return true }
            if isEdge(i), let v = validates, case .flag(true)? = model.elements[i].attributes.value(vocabularyIndex: v) { return true }
            return false
        }
        // Connections out of each element: (callee, flow).
        var calls = [[Int]](repeating: [], count: n)
        for fi in model.flows.indices {
            let (s, t) = flowEnds[fi]
            guard s >= 0, t >= 0, s != t else { continue }
            if model.flows[fi].twoWay {
                calls[s].append(t)
                calls[t].append(s)
            } else if openedByTarget[fi] {
                calls[t].append(s)
            } else {
                calls[s].append(t)
            }
        }
        var distance = [Int?](repeating: nil, count: n)
        var untrusted = [Bool](repeating: false, count: n)
        var filtered = [Bool](repeating: false, count: n)
        var via = [Int?](repeating: nil, count: n)
        // Breadth-first from every source at once: untrusted sources first, so that at equal distance an
        // untrusted origin wins over a partner one; unfiltered paths win over filtered ones.
        var queue: [Int] = []
        var isSource = [Bool](repeating: false, count: n)
        for i in 0..<n where zoneTrust[i] <= partner { isSource[i] = true }
        let order = (0..<n).filter { isSource[$0] }.sorted { (zoneTrust[$0], $0) < (zoneTrust[$1], $1) }
        for i in order {
            distance[i] = 0
            untrusted[i] = zoneTrust[i] == 0
            queue.append(i)
        }
        let internetFacing = vocabulary.index(of: .internetFacing)
        for i in 0..<n where distance[i] == nil {
            if case .flag(true)? = model.elements[i].attributes.value(vocabularyIndex: internetFacing) {
                distance[i] = 1
                untrusted[i] = true
                filtered[i] = filters(i)
                // An internet-facing front door passes requests on like any other (after the sources, so
                // the queue stays in distance order).
                queue.append(i)
            }
        }
        var head = 0
        while head < queue.count {
            let x = queue[head]
            head += 1
            // Requests pass on only from sources and front doors.
            guard isSource[x] || isEdge(x) else { continue }
            let d = distance[x] ?? 0
            let throughFilter = !isSource[x] && (filtered[x] || filters(x))
            for y in calls[x] where !isSource[y] {
                let better: Bool
                if let dy = distance[y] {
                    // Found again at the same distance (it is not expanded yet, as the queue goes level by
                    // level): prefer an untrusted origin, then an unfiltered way in.
                    better = dy == d + 1
                        && ((untrusted[x] && !untrusted[y]) || (untrusted[x] == untrusted[y] && filtered[y] && !throughFilter))
                } else {
                    better = true
                }
                guard better else { continue }
                let first = distance[y] == nil
                distance[y] = d + 1
                untrusted[y] = untrusted[x]
                filtered[y] = throughFilter || filters(y)
                via[y] = isSource[x] ? nil : x
                if first { queue.append(y) }
            }
        }
        self.distance = distance
        self.fromUntrusted = untrusted
        self.filtered = filtered
        self.via = via
    }

    /// Whether a source can open a connection to element `i` (directly or through front doors).
    public func isExposed(_ i: Int) -> Bool { (distance[i] ?? 0) > 0 }
}

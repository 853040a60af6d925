import MoatRules
import MoatModel

/// An attack path with what makes it dangerous: the worst open finding on the way (the weakest point)
/// and the sensitivity of the data at its end. Reports list these hop by hop; `moat diagram --paths`
/// draws the first few.
public struct RankedAttackPath: Sendable {
    /// The path itself: element and flow indices from the untrusted actor to the target, and the data at stake.
    public var path: AttackPath
    /// The open finding of highest severity on the elements and flows of the path after its source
    /// (ties: the lowest expected level, then the first on the way); nil when the whole path is closed.
    public var weakest: Finding?
    /// Open findings on the path's elements and flows after the source.
    public var openFindings: Int
    /// The highest classification rank among the data at the end (vocabulary order: higher is more sensitive).
    public var sensitivity: Int
}

extension AttackPathFinder {
    /// Every attack path, most dangerous first: by the severity of its weakest point, then the
    /// sensitivity of the data reached, then the number of open findings on the way, then fewer hops,
    /// then the target's model order. Deterministic.
    public func ranked(_ analysis: Analysis) -> [RankedAttackPath] {
        let graph = analysis.graph
        let model = graph.model
        let ranks = vocabulary.spec(.classification).values ?? []
        var open: [String: [Finding]] = [:]
        for f in analysis.findings where f.isOpen { open[f.elementID, default: []].append(f) }
        let result = paths(in: graph).map { path -> RankedAttackPath in
            // Elements and flows in the order met on the way: hop i is flow i, then element i + 1.
            var order: [String] = []
            for (i, flow) in path.flows.enumerated() {
                order.append(model.flows[flow].id)
                order.append(model.elements[path.elements[i + 1]].id)
            }
            var weakest: Finding?
            var weakestRank = (Int.min, Int.min, Int.min)
            var count = 0
            for (position, id) in order.enumerated() {
                for f in open[id] ?? [] {
                    count += 1
                    let rank = (f.severity.rank, -f.expectedLevel, -position)
                    if rank > weakestRank { weakestRank = rank; weakest = f }
                }
            }
            let sensitivity = path.data.map { ranks.firstIndex(of: model.data[$0].attributes.string(.classification) ?? "") ?? 0 }.max() ?? 0
            return RankedAttackPath(path: path, weakest: weakest, openFindings: count, sensitivity: sensitivity)
        }
        return result.sorted { a, b in
            let wa = a.weakest?.severity.rank ?? -1, wb = b.weakest?.severity.rank ?? -1
            if wa != wb { return wa > wb }
            if a.sensitivity != b.sensitivity { return a.sensitivity > b.sensitivity }
            if a.openFindings != b.openFindings { return a.openFindings > b.openFindings }
            if a.path.flows.count != b.path.flows.count { return a.path.flows.count < b.path.flows.count }
            return a.path.elements.last! < b.path.elements.last!
        }
    }
}

import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// A route an attacker could take: flows from an untrusted actor to an element holding sensitive data.
public struct AttackPath: Sendable, Hashable {
    /// Element indices from the untrusted actor to the target.
    public var elements: [Int]
    /// Flow indices along the way.
    public var flows: [Int]
    /// The data assets (indices) that make the target worth reaching.
    public var data: [Int]
}

/// Finds attack paths: for every element that stores or processes confidential or secret data, the
/// shortest path of flows from any untrusted actor (one breadth-first search, O(elements + flows)).
public struct AttackPathFinder: Sendable {
    /// The vocabulary whose `classification` values rank data sensitivity (`confidential` and above count).
    public let vocabulary: Vocabulary

    /// A finder that judges data sensitivity by the classification ranks of `vocabulary`.
    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    /// The shortest path from an untrusted actor (zone trust 0) to every non-actor element that stores or
    /// processes confidential or more sensitive data, along outbound flows; one path per reachable target, in model
    /// order of targets (`ranked(_:)` orders them by danger).
    public func paths(in graph: ArchitectureGraph) -> [AttackPath] {
        let model = graph.model
        let ranks = vocabulary.spec(.classification).values ?? []
        let sensitive = Set(ranks.drop { $0 != "confidential" })
        var dataIndex: [String: Int] = [:]
        for (i, d) in model.data.enumerated() { dataIndex[d.id] = i }
        func sensitiveData(_ e: Element) -> [Int] {
            (e.attributes.list(.stores) + e.attributes.list(.processes)).compactMap { id in
                guard let i = dataIndex[id], sensitive.contains(model.data[i].attributes.string(.classification) ?? "") else { return nil }
                return i
            }
        }
        // Multi-source BFS from untrusted actors, remembering the flow that reached each element.
        let n = model.elements.count
        var via = [Int?](repeating: nil, count: n)
        var from = [Int](repeating: -1, count: n)
        var seen = [Bool](repeating: false, count: n)
        var queue: [Int] = []
        for i in 0..<n where model.elements[i].kind == .actor && graph.zoneTrust[i] == 0 {
            seen[i] = true
            queue.append(i)
        }
        var head = 0
        while head < queue.count {
            let x = queue[head]
            head += 1
            for fi in graph.outbound[x] {
                let y = graph.otherEnd(ofFlow: fi, from: x)
                if !seen[y] {
                    seen[y] = true
                    via[y] = fi
                    from[y] = x
                    queue.append(y)
                }
            }
        }
        var result: [AttackPath] = []
        for i in 0..<n where via[i] != nil && model.elements[i].kind != .actor {
            let data = sensitiveData(model.elements[i])
            guard !data.isEmpty else { continue }
            var elements = [i], flows: [Int] = []
            var x = i
            while let f = via[x] {
                flows.append(f)
                x = from[x]
                elements.append(x)
            }
            result.append(AttackPath(elements: elements.reversed(), flows: flows.reversed(), data: data))
        }
        return result
    }
}

import MoatSyntax
import MoatSource
import MoatText

/// Warnings about models that are valid but probably not what the author meant.
struct Linter {
    let model: Model

    func lint(into diagnostics: inout DiagnosticBag) {
        var degree: [String: Int] = [:]
        degree.reserveCapacity(model.elements.count)
        var usedData: Set<String> = []
        for f in model.flows {
            degree[f.source, default: 0] += 1
            degree[f.target, default: 0] += 1
            usedData.formUnion(f.attributes.list(.carries))
            if f.source == f.target {
                diagnostics.warning(.selfFlow, "flow '\(f.id)' goes from '\(f.source)' to itself", at: f.range)
            }
        }
        var storesByElement: [String: Set<String>] = [:]
        var kinds: [String: ElementKind] = [:]
        kinds.reserveCapacity(model.elements.count)
        for e in model.elements {
            kinds[e.id] = e.kind
            usedData.formUnion(e.attributes.list(.stores))
            usedData.formUnion(e.attributes.list(.processes))
            if e.attributes[.stores] != nil { storesByElement[e.id] = Set(e.attributes.list(.stores)) }
            if degree[e.id] == nil {
                diagnostics.warning(.isolatedElement, "\(e.kind.rawValue) '\(e.id)' has no flows", at: e.range,
                                    notes: ["connect it with a flow, or remove it"])
            }
        }
        for d in model.data where !usedData.contains(d.id) {
            diagnostics.warning(.unusedData, "data asset '\(d.id)' is never stored, processed or carried", at: d.range)
        }
        var occupied: Set<String> = []
        for e in model.elements { if let b = e.boundary { occupied.insert(b) } }
        var parents: [String: String] = [:]
        for b in model.boundaries { if let p = b.parent { parents[b.id] = p } }
        for id in Array(occupied) {
            var p = parents[id]
            while let x = p, occupied.insert(x).inserted { p = parents[x] }
        }
        for b in model.boundaries where !occupied.contains(b.id) {
            diagnostics.warning(.emptyBoundary, "boundary '\(b.id)' contains no elements", at: b.range)
        }
        for f in model.flows {
            // The ends data goes into: the target, and the source too of a two-way flow (no array per flow).
            for side in 0..<(f.twoWay ? 2 : 1) {
                let end = side == 0 ? f.target : f.source
                guard kinds[end] == .datastore, let stored = storesByElement[end] else { continue }
                for d in f.attributes.list(.carries) where !stored.contains(d) {
                    diagnostics.warning(.dataNotStored,
                                        "flow '\(f.id)' carries '\(d)' into datastore '\(end)', which does not store it",
                                        at: f.attributes.entry(.carries)?.range ?? f.range,
                                        notes: ["add '\(d)' to the datastore's 'stores', or stop carrying it there"])
                }
            }
        }
    }
}

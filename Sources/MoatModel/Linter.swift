import MoatSyntax
import MoatSource
import MoatText

/// Warnings about models that are valid but probably not what the author meant.
struct Linter {
    let model: Model
    /// The vocabulary the model was checked against: its attributes are found by vocabulary index.
    let vocabulary: Vocabulary
    /// The positions in `model.elements` of each flow's source and target, in `model.flows` order: found
    /// when the flows were resolved, so that no element id is hashed here.
    let flowEnds: [FlowEnds]

    func lint(into diagnostics: inout DiagnosticBag) {
        let carries = vocabulary.index(of: .carries)
        let stores = vocabulary.index(of: .stores)
        let processes = vocabulary.index(of: .processes)
        let elements = model.elements, flows = model.flows
        // By index, fields read in place: `for f in flows` copied every flow.
        var degree = [Int](repeating: 0, count: elements.count)
        // The data assets not yet stored, processed or carried: once none is left, no more ids are hashed.
        var unusedData = Set(model.data.map(\.id))
        func use(_ value: AttributeValue?) {
            guard !unusedData.isEmpty, case .list(let ids)? = value else { return }
            for id in ids { unusedData.remove(id) }
        }
        for i in flows.indices {
            let ends = flowEnds[i]
            degree[ends.source] += 1
            degree[ends.target] += 1
            use(flows[i].attributes.value(vocabularyIndex: carries))
            if ends.source == ends.target {
                diagnostics.warning(.selfFlow, "flow '\(flows[i].id)' goes from '\(flows[i].source)' to itself", at: flows[i].range)
            }
        }
        for i in elements.indices {
            use(elements[i].attributes.value(vocabularyIndex: stores))
            use(elements[i].attributes.value(vocabularyIndex: processes))
            if degree[i] == 0 {
                diagnostics.warning(.isolatedElement, "\(elements[i].kind.rawValue) '\(elements[i].id)' has no flows", at: elements[i].range,
                                    notes: ["connect it with a flow, or remove it"])
            }
        }
        for d in model.data where unusedData.contains(d.id) {
            diagnostics.warning(.unusedData, "data asset '\(d.id)' is never stored, processed or carried", at: d.range)
        }
        var occupied: Set<String> = []
        var last: String?
        for i in elements.indices {
            // Elements come grouped by boundary (the canonical order): one insert per group, not per element.
            guard let b = elements[i].boundary, b != last else { continue }
            occupied.insert(b)
            last = b
        }
        var parents: [String: String] = [:]
        for b in model.boundaries { if let p = b.parent { parents[b.id] = p } }
        for id in Array(occupied) {
            var p = parents[id]
            while let x = p, occupied.insert(x).inserted { p = parents[x] }
        }
        for b in model.boundaries where !occupied.contains(b.id) {
            diagnostics.warning(.emptyBoundary, "boundary '\(b.id)' contains no elements", at: b.range)
        }
        // Each datastore's stored data as a set, made when a flow first carries data into it.
        var storedSets: [Int: Set<String>] = [:]
        for i in flows.indices {
            guard case .list(let carried)? = flows[i].attributes.value(vocabularyIndex: carries) else { continue }
            // The ends data goes into: the target, and the source too of a two-way flow (no array per flow).
            for side in 0..<(flows[i].twoWay ? 2 : 1) {
                let end = side == 0 ? flowEnds[i].target : flowEnds[i].source
                guard elements[end].kind == .datastore,
                      case .list(let list)? = elements[end].attributes.value(vocabularyIndex: stores) else { continue }
                let stored = storedSets[end] ?? Set(list)
                storedSets[end] = stored
                for d in carried where !stored.contains(d) {
                    diagnostics.warning(.dataNotStored,
                                        "flow '\(flows[i].id)' carries '\(d)' into datastore '\(elements[end].id)', which does not store it",
                                        at: flows[i].attributes.entry(.carries)?.range ?? flows[i].range,
                                        notes: ["add '\(d)' to the datastore's 'stores', or stop carrying it there"])
                }
            }
        }
    }
}

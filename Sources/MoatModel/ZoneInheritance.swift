import MoatSource
import MoatSyntax

/// Zone-wide attributes: a boundary's value of an attribute marked `inherit` in the vocabulary applies to
/// the elements inside it, to the flows whose both ends are inside it and to the boundaries nested in it,
/// unless they set the attribute themselves. The innermost boundary that sets it wins.
///
/// `mtls` once on a service mesh's boundary says what would otherwise be repeated on every flow in it.
struct ZoneInheritance {
    let vocabulary: Vocabulary
    let boundaries: [Boundary]

    /// Fills `inherited` of every element, flow and boundary.
    func apply(to elements: inout [Element], _ flows: inout [Flow]) -> [Boundary] {
        // Read from the specs once: reading a spec inside the loops below copied it, strings and lists
        // included, for every attribute of every element.
        let zoneWide = vocabulary.attributes.indices.compactMap { i -> (index: Int, name: String, on: [ElementKind])? in
            let spec = vocabulary.attributes[i]
            return spec.isZoneWide ? (i, spec.name, spec.on) : nil
        }
        var result = boundaries
        guard !zoneWide.isEmpty, boundaries.contains(where: { b in zoneWide.contains { b.attributes.value(vocabularyIndex: $0.index) != nil } })
        else { return result }
        var index: [String: Int] = [:]
        for (i, b) in boundaries.enumerated() { index[b.id] = i }
        let parent = boundaries.map { $0.parent.flatMap { index[$0] } }

        /// The boundary indices from `start` outwards.
        func chain(_ start: Int?) -> [Int] {
            var out: [Int] = []
            var b = start
            while let x = b, out.count <= boundaries.count { out.append(x); b = parent[x] }
            return out
        }
        /// What a thing of `kind` with `own` attributes takes from the boundaries of `zones` (innermost first).
        func inherited(_ own: Attributes, kind: ElementKind, zones: [Int]) -> Attributes {
            var out = Attributes()
            for v in zoneWide where v.on.contains(kind) && own.value(vocabularyIndex: v.index) == nil {
                for z in zones {
                    guard let entry = boundaries[z].attributes.entry(v.name) else { continue }
                    out.set(entry, vocabularyIndex: v.index, rank: boundaries[z].attributes.rank(vocabularyIndex: v.index) ?? -1)
                    break
                }
            }
            return out
        }

        for i in result.indices {
            result[i].inherited = inherited(result[i].attributes, kind: .boundary, zones: chain(parent[i]))
        }
        var elementZone: [String: Int?] = [:]
        for i in elements.indices {
            let zone = elements[i].boundary.flatMap { index[$0] }
            elementZone[elements[i].id] = zone
            elements[i].inherited = inherited(elements[i].attributes, kind: elements[i].kind, zones: chain(zone))
        }
        for i in flows.indices {
            // The innermost boundary holding both ends, then its parents.
            let a = chain(elementZone[flows[i].source] ?? nil)
            let b = Set(chain(elementZone[flows[i].target] ?? nil))
            let common = a.firstIndex { b.contains($0) }.map { Array(a[$0...]) } ?? []
            flows[i].inherited = inherited(flows[i].attributes, kind: .flow, zones: common)
        }
        return result
    }
}

extension Element {
    /// The element's value of an attribute: its own, else the one it inherits from its zone.
    public func effective(_ name: String) -> AttributeValue? { attributes[name] ?? inherited[name] }
}

extension Flow {
    /// The flow's value of an attribute: its own, else the one it inherits from its zone.
    public func effective(_ name: String) -> AttributeValue? { attributes[name] ?? inherited[name] }
}

extension Boundary {
    /// The boundary's value of an attribute: its own, else the one it inherits from enclosing boundaries.
    public func effective(_ name: String) -> AttributeValue? { attributes[name] ?? inherited[name] }
}

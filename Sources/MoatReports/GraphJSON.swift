import MoatCore

/// The resolved graph as JSON (`moat graph --format json`), for other tools.
public struct GraphJSON {
    /// Whether to include source file and line of each item (off for comparing models).
    public var includePositions: Bool

    /// A writer that includes each item's source `file` and `line` unless `includePositions` is false.
    public init(includePositions: Bool = true) { self.includePositions = includePositions }

    /// The resolved graph as a JSON value: the header, then elements (with zone trust, exposure, inbound and
    /// outbound flows, own and inherited attributes), boundaries (parent, trust, members), flows (endpoints,
    /// crossing, initiator) and data assets.
    public func value(_ graph: ArchitectureGraph) -> JSONValue {
        let model = graph.model
        func attributes(_ a: Attributes) -> JSONValue {
            .object(a.entries.sorted { $0.name < $1.name }.map { entry in
                switch entry.value {
                case .flag(let b): return (entry.name, .bool(b))
                case .number(let n): return (entry.name, .number(n))
                case .string(let s), .word(let s): return (entry.name, .string(s))
                case .list(let l): return (entry.name, .array(l.map(JSONValue.string)))
                }
            })
        }
        /// Zone-wide values taken from boundaries, with the boundary each comes from (`chain`: innermost first).
        func inherited(_ a: Attributes, _ chain: [Int]) -> JSONValue {
            .object(a.entries.sorted { $0.name < $1.name }.map { entry in
                let from = chain.first { model.boundaries[$0].attributes[entry.name] != nil }.map { model.boundaries[$0].id }
                let value: JSONValue = entry.value.textValues.count == 1 ? .string(entry.value.textValues[0])
                    : .array(entry.value.textValues.map(JSONValue.string))
                return (entry.name, .object([("value", value), ("from", from.map(JSONValue.string) ?? .null)]))
            })
        }
        func parents(_ b: Int) -> [Int] {
            var out: [Int] = []
            var p = graph.boundaryParent[b]
            while let x = p { out.append(x); p = graph.boundaryParent[x] }
            return out
        }
        /// The boundaries holding both ends of flow `i`, innermost first.
        func flowZones(_ i: Int) -> [Int] {
            let (s, t) = graph.flowEnds[i]
            guard s >= 0, t >= 0 else { return [] }
            let a = graph.boundaryChain(ofElement: s), b = Set(graph.boundaryChain(ofElement: t))
            return a.firstIndex { b.contains($0) }.map { Array(a[$0...]) } ?? []
        }
        func position(_ range: SourceRange?) -> [(String, JSONValue)] {
            guard includePositions, let range else { return [] }
            return [("file", .string(range.file.path)), ("line", .number(Double(range.start.line)))]
        }
        var header: [(String, JSONValue)] = [("name", .string(model.header.name))]
        header.append(("attributes", attributes(model.header.attributes)))
        let elements: [JSONValue] = model.elements.enumerated().map { i, e in
            .object([
                ("id", .string(e.id)), ("kind", .string(e.kind.rawValue)), ("name", .string(e.name)),
                ("boundary", e.boundary.map(JSONValue.string) ?? .null),
                ("zoneTrust", .string(graph.trustName(graph.zoneTrust[i]))),
                ("reachableFromUntrusted", .bool(graph.reachableFromUntrusted[i])),
                ("exposure", graph.exposure.distance[i].flatMap { $0 > 0 ? JSONValue.number(Double($0)) : nil } ?? .null),
                ("inbound", .array(graph.inbound[i].map { .string(model.flows[$0].id) })),
                ("outbound", .array(graph.outbound[i].map { .string(model.flows[$0].id) })),
                ("attributes", attributes(e.attributes)),
                ("inherited", inherited(e.inherited, graph.boundaryChain(ofElement: i))),
            ] + position(e.range))
        }
        let boundaries: [JSONValue] = model.boundaries.enumerated().map { i, b in
            .object([
                ("id", .string(b.id)), ("name", .string(b.name)),
                ("parent", b.parent.map(JSONValue.string) ?? .null),
                ("trust", .string(graph.trustName(graph.boundaryTrust[i]))),
                ("elements", .array(graph.boundaryElements[i].map { .string(model.elements[$0].id) })),
                ("boundaries", .array(graph.boundaryChildren[i].map { .string(model.boundaries[$0].id) })),
                ("attributes", attributes(b.attributes)),
                ("inherited", inherited(b.inherited, parents(i))),
            ] + position(b.range))
        }
        let flows: [JSONValue] = model.flows.enumerated().map { i, f in
            let c = graph.crossings[i]
            return .object([
                ("id", .string(f.id)), ("source", .string(f.source)), ("target", .string(f.target)),
                ("twoWay", .bool(f.twoWay)), ("name", .string(f.name)),
                ("crossing", .object([
                    ("direction", .string(c.direction.rawValue)),
                    ("exits", .array(c.exited.map { .string(model.boundaries[$0].id) })),
                    ("enters", .array(c.entered.map { .string(model.boundaries[$0].id) })),
                    ("fromTrust", .string(graph.trustName(c.fromTrust))),
                    ("toTrust", .string(graph.trustName(c.toTrust))),
                ])),
                ("initiator", .string(f.initiatedByTarget ? "target" : "source")),
                ("attributes", attributes(f.attributes)),
                ("inherited", inherited(f.inherited, flowZones(i))),
            ] + position(f.range))
        }
        let data: [JSONValue] = model.data.map { d in
            .object([("id", .string(d.id)), ("name", .string(d.name)), ("attributes", attributes(d.attributes))]
                    + position(d.range))
        }
        let tracking: [JSONValue] = model.tracking.map { t in
            .object([
                ("status", .string(t.status.rawValue)), ("finding", .string(t.pattern)),
                ("justification", .string(t.justification)),
                ("owner", t.owner.map(JSONValue.string) ?? .null), ("until", t.until.map(JSONValue.string) ?? .null),
            ] + position(t.range))
        }
        return .object([
            ("model", .object(header)), ("elements", .array(elements)), ("boundaries", .array(boundaries)),
            ("flows", .array(flows)), ("data", .array(data)), ("tracking", .array(tracking)),
        ])
    }
}

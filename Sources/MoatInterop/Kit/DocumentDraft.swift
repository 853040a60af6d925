import Foundation
import MoatCore

/// Attributes of one declaration under construction, each written once; written out in the vocabulary's order.
struct AttributeList {
    private var items: [AttributeSyntax] = []

    var isEmpty: Bool { items.isEmpty }

    func has(_ name: String) -> Bool { items.contains { $0.name.value == name } }

    func value(_ name: String) -> [String] {
        items.first { $0.name.value == name }?.values.map(\.value.text) ?? []
    }

    /// Sets an attribute unless it is already set (the first mapping wins).
    mutating func set(_ syntax: AttributeSyntax) {
        guard !has(syntax.name.value) else { return }
        items.append(syntax)
    }

    mutating func flag(_ name: String, at range: SourceRange) { set(Self.attribute(name, [], at: range)) }

    mutating func set(_ name: String, _ value: String, at range: SourceRange) { set(Self.attribute(name, [value], at: range)) }

    mutating func set(_ name: String, list values: [String], at range: SourceRange) {
        guard !values.isEmpty else { return }
        set(Self.attribute(name, values, at: range))
    }

    /// Replaces an attribute's value (a person's choice, such as `--trust`, over what the source implied).
    mutating func replace(_ name: String, _ value: String, at range: SourceRange) {
        remove(name)
        set(name, value, at: range)
    }

    /// Adds values to a list attribute (kept in first-seen order, without repeats).
    mutating func add(list name: String, _ values: [String], at range: SourceRange) {
        guard !values.isEmpty else { return }
        if let i = items.firstIndex(where: { $0.name.value == name }) {
            var existing = items[i].values.map(\.value.text)
            for v in values where !existing.contains(v) { existing.append(v) }
            items[i] = Self.attribute(name, existing, at: items[i].range)
        } else {
            var unique: [String] = []
            for v in values where !unique.contains(v) { unique.append(v) }
            set(Self.attribute(name, unique, at: range))
        }
    }

    mutating func remove(_ name: String) { items.removeAll { $0.name.value == name } }

    /// The attributes in the vocabulary's order (unknown names last, as set).
    func syntax(_ vocabulary: Vocabulary) -> [AttributeSyntax] {
        let rank = items.map { vocabulary.index(of: $0.name.value) ?? Int.max }
        return items.indices.sorted { (rank[$0], $0) < (rank[$1], $1) }.map { items[$0] }
    }

    /// An attribute with zero (a flag) or more values; the vocabulary decides at load time whether each is a word or
    /// a string.
    static func attribute(_ name: String, _ values: [String], at range: SourceRange) -> AttributeSyntax {
        AttributeSyntax(name: Located(name, range), values: values.map { Located(ValueSyntax($0, .scalar), range) }, range: range)
    }
}

/// What every draft declaration has: attributes, and notes that become comments above it.
protocol Drafted {
    var attributes: AttributeList { get set }
    var comments: [String] { get set }
    var range: SourceRange { get }
}

extension Drafted {
    /// Sets a value the source implies rather than says, with a comment saying why (unless it is already set).
    mutating func infer(_ name: String, _ value: String, because reason: String) {
        guard !attributes.has(name) else { return }
        attributes.set(name, value, at: range)
        comments.append(Notes.comment("\(name) \(value): \(reason)"))
    }
}

/// An element (actor, process or datastore) under construction.
struct ElementDraft: Drafted {
    var kind: ElementKind
    var id: String
    var name: String?
    var attributes = AttributeList()
    var comments: [String] = []
    /// Id of the boundary draft holding it.
    var boundary: String?
    var range: SourceRange
}

/// A boundary under construction; `parent` is the Moat id of the boundary holding it.
struct BoundaryDraft: Drafted {
    var id: String
    var name: String?
    var attributes = AttributeList()
    var comments: [String] = []
    var parent: String?
    var range: SourceRange
    /// How the source calls it, for messages ("trust zone 'z1'").
    var what: String
    /// Its id in the source, matched by `--trust` like the Moat id and the name.
    var sourceID: String?
}

struct FlowDraft: Drafted {
    var source: String
    var target: String
    var twoWay = false
    var name: String?
    /// Used as the explicit id when several flows run the same way between the same two elements.
    var preferredID: String?
    var explicitID: String?
    var attributes = AttributeList()
    var comments: [String] = []
    var range: SourceRange

    /// The flow's id in the model: its explicit id, else `source->target`.
    var id: String { explicitID ?? Flow.implicitID(source: source, target: target, twoWay: twoWay) }
}

struct DataDraft: Drafted {
    var id: String
    var name: String?
    var attributes = AttributeList()
    var comments: [String] = []
    var range: SourceRange
}

/// A written threat under construction, with the decision the source records about it.
struct ThreatDraft: Drafted {
    enum Subject: Equatable {
        case element(String)
        /// An index into the draft's flows (their ids are known only when the document is assembled).
        case flow(Int)
        case boundary(String)
        case model
    }
    var id: String
    var title: String
    var subject: Subject
    var attributes = AttributeList()
    var comments: [String] = []
    var range: SourceRange
    /// A tracking statement for the threat's finding (`mitigated THREAT@subject "why"`), when the source decided.
    var status: TrackingStatus?
    var justification: String?
}

/// Collects the drafts of one import and assembles them into a document in canonical order: model header, data
/// assets, elements outside every boundary, boundaries (parents first, with their elements), flows, written
/// threats, tracking statements, then notes that belong to no statement.
struct DocumentDraft {
    let vocabulary: Vocabulary
    var file: SourceFile
    var modelName: String
    var modelAttributes = AttributeList()
    var modelComments: [String] = []
    var modelRange: SourceRange
    var data: [DataDraft] = []
    var elements: [ElementDraft] = []
    var boundaries: [BoundaryDraft] = []
    var flows: [FlowDraft] = []
    var threats: [ThreatDraft] = []
    var tracking: [TrackingSyntax] = []
    var trailingComments: [String] = []
    /// The element namespace (elements, boundaries, explicit flow ids), the data namespace and the threat namespace.
    var ids = IDAllocator()
    var dataIDs = IDAllocator()
    var threatIDs = IDAllocator()

    init(vocabulary: Vocabulary, file: SourceFile, modelName: String = "", modelRange: SourceRange? = nil) {
        self.vocabulary = vocabulary
        self.file = file
        self.modelName = modelName
        self.modelRange = modelRange ?? file.range(0, 0)
    }

    func elementIndex(_ id: String) -> Int? { elements.firstIndex { $0.id == id } }

    /// Gives explicit ids to flows that would otherwise share an implicit id.
    mutating func assignFlowIDs() {
        var groups: [String: Int] = [:]
        for f in flows { groups[Flow.implicitID(source: f.source, target: f.target, twoWay: f.twoWay), default: 0] += 1 }
        for i in flows.indices where flows[i].explicitID == nil {
            let f = flows[i]
            guard groups[Flow.implicitID(source: f.source, target: f.target, twoWay: f.twoWay), default: 0] > 1 else { continue }
            flows[i].explicitID = ids.make(f.preferredID ?? f.name ?? "\(f.source)-to-\(f.target)", fallback: "flow")
        }
    }

    // MARK: - Nesting

    /// Checks the boundaries' nesting once for every format: a parent that is not a boundary, a cycle (of any length,
    /// reported once, with its members), and nesting deeper than the language allows (`Parser.maximumNesting`, the
    /// same limit as for Moat text and Moat's own YAML/JSON) — each at the source place of the boundary concerned.
    /// Leaves `boundaries` parents first. Iterative: no depth of nesting can overflow the stack.
    mutating func orderBoundaries(diagnostics: inout DiagnosticBag) {
        let n = boundaries.count
        var index: [String: Int] = [:]
        for (i, b) in boundaries.enumerated() { index[b.id] = i }
        var parent = [Int](repeating: -1, count: n)
        for (i, b) in boundaries.enumerated() {
            guard let p = b.parent else { continue }
            if let j = index[p], j != i { parent[i] = j } else {
                diagnostics.warning(.unknownReference, "\(b.what): its parent is not a boundary of the model; placed at top level", at: b.range)
            }
        }
        // Cycles: walk up from each boundary; a walk that meets itself has found a cycle, cut at its first member.
        var state = [UInt8](repeating: 0, count: n)  // 0 unseen, 1 on the current walk, 2 done
        for start in 0..<n where state[start] == 0 {
            var path: [Int] = []
            var i = start
            while i >= 0, state[i] == 0 {
                state[i] = 1
                path.append(i)
                i = parent[i]
            }
            if i >= 0, state[i] == 1, let from = path.firstIndex(of: i) {
                let cycle = Array(path[from...])
                let cut = cycle.min()!
                let names = cycle.prefix(6).map { "'\(boundaries[$0].id)'" }.joined(separator: " → ")
                    + (cycle.count > 6 ? " → … (\(cycle.count) in all)" : "") + " → '\(boundaries[cycle[0]].id)'"
                diagnostics.warning(.nestingCycle,
                                    "\(boundaries[cut].what) is part of a nesting cycle of \(cycle.count) boundar\(cycle.count == 1 ? "y" : "ies") (\(names)); "
                                    + "it is placed at top level to break it", at: boundaries[cut].range)
                parent[cut] = -1
            }
            for j in path { state[j] = 2 }
        }
        // Depth, parents first (iterative pre-order).
        var children = [[Int]](repeating: [], count: n)
        var roots: [Int] = []
        for i in 0..<n { if parent[i] < 0 { roots.append(i) } else { children[parent[i]].append(i) } }
        var order: [Int] = []
        var depth = [Int](repeating: 0, count: n)
        var dropped = Set<Int>()
        var stack: [Int] = roots.reversed()
        for r in roots { depth[r] = 1 }
        while let i = stack.popLast() {
            if depth[i] > Parser.maximumNesting {
                // Too deep: the first boundary past the limit says so; it and what it holds are left out.
                diagnostics.error(.nestingTooDeep,
                                  "\(boundaries[i].what) is nested \(depth[i]) levels deep; Moat boundaries nest at most \(Parser.maximumNesting) levels",
                                  at: boundaries[i].range,
                                  notes: ["its outermost boundary is '\(outermost(i, parent))'; flatten the nesting in the source, or import a part of it"])
                var drop = [i]
                while let d = drop.popLast() { dropped.insert(d); drop += children[d] }
                continue
            }
            order.append(i)
            for c in children[i].reversed() {
                depth[c] = depth[i] + 1
                stack.append(c)
            }
        }
        let droppedIDs = Set(dropped.map { boundaries[$0].id })
        for i in elements.indices where elements[i].boundary.map(droppedIDs.contains) == true { elements[i].boundary = nil }
        boundaries = order.map { i in
            var b = boundaries[i]
            b.parent = parent[i] >= 0 ? boundaries[parent[i]].id : nil
            return b
        }
    }

    private func outermost(_ i: Int, _ parent: [Int]) -> String {
        var x = i
        var steps = 0
        while parent[x] >= 0, steps < boundaries.count { x = parent[x]; steps += 1 }
        return boundaries[x].id
    }

    // MARK: - Trust

    /// Applies `--trust ZONE=LEVEL` choices; returns the zones named that match no boundary.
    mutating func applyTrust(_ choices: [String: String]) -> [String] {
        var unmatched: [String] = []
        for (zone, level) in choices.sorted(by: { $0.key < $1.key }) {
            let key = zone.lowercased()
            var matched = false
            for i in boundaries.indices {
                let b = boundaries[i]
                guard b.id.lowercased() == key || b.sourceID?.lowercased() == key || b.name?.lowercased() == key else { continue }
                matched = true
                boundaries[i].attributes.replace("trust", level, at: b.range)
                boundaries[i].comments.removeAll { $0.hasPrefix("# trust ") }
                boundaries[i].comments.append(Notes.comment("trust \(level): set on import (--trust \(zone)=\(level))"))
            }
            if !matched { unmatched.append(zone) }
        }
        return unmatched
    }

    // MARK: - Assembly

    func subjectText(_ s: ThreatDraft.Subject) -> String {
        switch s {
        case .element(let id), .boundary(let id): return id
        case .flow(let i): return flows[i].id
        case .model: return "model"
        }
    }

    func document(notation: Document.Notation) -> Document {
        var statements: [Statement] = []
        statements.append(.declaration(DeclarationSyntax(
            kind: .model, id: nil, name: Located(modelName, modelRange), attributes: modelAttributes.syntax(vocabulary),
            range: modelRange, trivia: Trivia(leading: Notes.unique(modelComments)))))
        for d in data {
            statements.append(.declaration(DeclarationSyntax(
                kind: .data, id: Located(d.id, d.range), name: d.name.map { Located($0, d.range) },
                attributes: d.attributes.syntax(vocabulary), range: d.range, trivia: Trivia(leading: Notes.unique(d.comments)))))
        }
        var inBoundary: [String: [Int]] = [:]
        for (i, e) in elements.enumerated() {
            if let b = e.boundary { inBoundary[b, default: []].append(i) } else { statements.append(statement(e)) }
        }
        var childBoundaries: [String: [Int]] = [:]
        for (i, b) in boundaries.enumerated() { if let p = b.parent { childBoundaries[p, default: []].append(i) } }
        for b in boundaries where b.parent == nil {
            statements.append(.boundary(boundary(b, inBoundary, childBoundaries, depth: 1)))
        }
        for f in flows {
            statements.append(.flow(FlowSyntax(
                id: f.explicitID.map { Located($0, f.range) }, source: Located(f.source, f.range),
                target: Located(f.target, f.range), twoWay: f.twoWay, name: f.name.map { Located($0, f.range) },
                attributes: f.attributes.syntax(vocabulary), range: f.range, trivia: Trivia(leading: Notes.unique(f.comments)))))
        }
        var threatTracking: [TrackingSyntax] = []
        for t in threats {
            let subject = subjectText(t.subject)
            statements.append(.declaration(DeclarationSyntax(
                kind: .threat, id: Located(t.id, t.range), name: Located(t.title, t.range), subject: Located(subject, t.range),
                attributes: t.attributes.syntax(vocabulary), range: t.range, trivia: Trivia(leading: Notes.unique(t.comments)))))
            if let status = t.status {
                threatTracking.append(TrackingSyntax(
                    status: Located(status, t.range), pattern: Located("\(t.id)@\(subject)", t.range),
                    justification: Located(t.justification ?? "recorded in the source model", t.range), range: t.range))
            }
        }
        statements += (threatTracking + tracking).map(Statement.tracking)
        return Document(file: file, notation: notation, statements: statements, trailingComments: trailingComments)
    }

    private func statement(_ e: ElementDraft) -> Statement {
        .declaration(DeclarationSyntax(kind: e.kind, id: Located(e.id, e.range), name: e.name.map { Located($0, e.range) },
                                       attributes: e.attributes.syntax(vocabulary), range: e.range,
                                       trivia: Trivia(leading: Notes.unique(e.comments))))
    }

    /// One boundary block; `orderBoundaries` has bounded the depth, and the guard keeps it so for any caller.
    private func boundary(_ b: BoundaryDraft, _ inBoundary: [String: [Int]], _ children: [String: [Int]], depth: Int) -> BoundarySyntax {
        var items: [Statement] = b.attributes.syntax(vocabulary).map(Statement.attribute)
        items += (inBoundary[b.id] ?? []).map { statement(elements[$0]) }
        if depth < Parser.maximumNesting {
            items += (children[b.id] ?? []).map { .boundary(boundary(boundaries[$0], inBoundary, children, depth: depth + 1)) }
        }
        return BoundarySyntax(id: Located(b.id, b.range), name: b.name.map { Located($0, b.range) }, items: items,
                              range: b.range, trivia: Trivia(leading: Notes.unique(b.comments)))
    }
}

// Over 500 lines: Threat Dragon v1 and v2 cells, their threats, and the geometry that places boundary lines.
import Foundation
import MoatCore
import Yams

/// Imports an OWASP Threat Dragon model (v2 JSON, schema `threat-dragon-v2.schema.json`; v1 diagrams, whose cells
/// sit under `diagramJson`, are read too) as a Moat document.
///
/// Actors, processes and stores become elements, flows become flows; trust-boundary boxes become boundaries
/// holding the cells whose bounding boxes they contain (nested boxes nest). Trust-boundary curves enclose no area:
/// they split the diagram into zones, elements are grouped by the side of each curve they lie on, and the zone
/// where the external actors and untrusted things are is the outside. Threats become written threats with their
/// STRIDE type, severity and status.
public struct ThreatDragonImporter {
    /// The vocabulary that maps Threat Dragon cell types and properties to Moat kinds and attributes.
    public let vocabulary: Vocabulary
    /// Trust levels chosen for zones (`--trust ZONE=LEVEL`); they replace what the importer inferred.
    public var options: ImportOptions

    /// An importer mapping through `vocabulary`, with the zone trust levels in `options`.
    public init(vocabulary: Vocabulary, options: ImportOptions = ImportOptions()) {
        self.vocabulary = vocabulary
        self.options = options
    }

    /// Reads a Threat Dragon JSON model as a Moat document; never throws: problems are in the diagnostics.
    public func importModel(_ file: SourceFile) -> ImportResult {
        var mapper = ThreatDragonMapper(file: file, vocabulary: vocabulary, options: options)
        return mapper.run()
    }
}

/// A point and a rectangle of the diagram canvas.
struct Point { var x: Double; var y: Double }

struct Rect {
    var x: Double, y: Double, width: Double, height: Double
    var center: Point { Point(x: x + width / 2, y: y + height / 2) }
    var area: Double { width * height }
    func contains(_ p: Point) -> Bool { p.x >= x && p.x <= x + width && p.y >= y && p.y <= y + height }
    func contains(_ r: Rect) -> Bool {
        r.x >= x && r.y >= y && r.x + r.width <= x + width && r.y + r.height <= y + height
    }
    /// Distance from a point to the rectangle (0 inside).
    func distance(to p: Point) -> Double {
        let dx = max(x - p.x, 0, p.x - (x + width)), dy = max(y - p.y, 0, p.y - (y + height))
        return (dx * dx + dy * dy).squareRoot()
    }
}

struct ThreatDragonMapper: FormatMapper {
    var source: ForeignSource
    var bag = DiagnosticBag()
    var draft: DocumentDraft
    let options: ImportOptions
    let vocabulary: Vocabulary
    /// Synthesised data assets by key (credentials, card data, orders, inventory).
    var synthesised: [String: String] = [:]
    var modelTitle = ""

    /// A cell of a diagram, normalised across v1 and v2.
    struct Cell {
        enum Kind { case actor, process, store, flow, box, curve, text, other(String) }
        var kind: Kind
        var id: String
        var node: Node
        /// Where properties live: `data` in v2, the cell itself in v1.
        var props: Fields
        var cell: Fields
        var name: String?
        var rect: Rect?
        var isElement: Bool {
            switch kind { case .actor, .process, .store: return true; default: return false }
        }
    }

    init(file: SourceFile, vocabulary: Vocabulary, options: ImportOptions) {
        var bag = DiagnosticBag()
        self.source = ForeignSource(file, diagnostics: &bag)
        self.bag = bag
        self.vocabulary = vocabulary
        self.options = options
        self.draft = DocumentDraft(vocabulary: vocabulary, file: file)
    }

    mutating func fail(_ message: String, at node: Node?, notes: [DiagnosticNote] = []) {
        bag.error(.invalidThreatDragon, message, at: node == nil ? source.start : range(node), notes: notes)
    }

    /// A required string member; reports a clear error when missing or of the wrong type.
    mutating func requireString(_ fields: Fields, _ key: String, in what: String) -> String? {
        guard let e = fields.entry(key) else {
            let guess = Suggestion.closest(to: key, in: fields.keys).map { "; found '\($0)'" } ?? ""
            fail("\(what) has no '\(key)'\(guess)", at: fields.node)
            return nil
        }
        guard case .scalar(let s) = e.value, Fields.typeName(e.value) == "a string" else {
            fail("'\(key)' in \(what) must be a string, not \(Fields.typeName(e.value))", at: e.value)
            return nil
        }
        return s.string
    }

    /// An optional string member: wrong types are errors, absence is fine.
    mutating func optionalString(_ fields: Fields, _ key: String, in what: String) -> String? {
        guard let e = fields.entry(key) else { return nil }
        if Fields.isNull(e.value) { return nil }
        guard case .scalar(let s) = e.value, Fields.typeName(e.value) == "a string" else {
            fail("'\(key)' in \(what) must be a string, not \(Fields.typeName(e.value))", at: e.value)
            return nil
        }
        let t = s.string.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }

    mutating func run() -> ImportResult {
        let empty = "the Threat Dragon model has no actor, process or store; the imported model is empty"
        guard let root = source.root else { return finish(defaultNotation: .json, emptyMessage: empty) }
        guard let top = Fields(root) else {
            fail("a Threat Dragon model is a JSON object with 'summary' and 'detail'", at: root)
            return finish(defaultNotation: .json, emptyMessage: empty)
        }
        let notes: [DiagnosticNote] = [DiagnosticNote("a Threat Dragon v2 model has: version, summary { title, owner, description }, "
                     + "detail { contributors, diagrams [ { title, diagramType, cells } ] }")]
        // Structure first: every problem is reported at once.
        var summary: Fields?
        if let s = top.entry("summary") {
            summary = Fields(s.value)
            if summary == nil { fail("'summary' must be an object, not \(Fields.typeName(s.value))", at: s.value) }
        } else {
            fail("not a valid Threat Dragon model: no 'summary'", at: root, notes: notes)
        }
        var detail: Fields?
        if let d = top.entry("detail") {
            detail = Fields(d.value)
            if detail == nil { fail("'detail' must be an object, not \(Fields.typeName(d.value))", at: d.value) }
        } else {
            let guess = Suggestion.closest(to: "detail", in: top.keys).map { "; found '\($0)'" } ?? ""
            fail("not a valid Threat Dragon model: no 'detail'\(guess)", at: root, notes: notes)
        }
        if let v = top.entry("version"), Fields.typeName(v.value) != "a string" {
            fail("'version' must be a string such as \"2.3.0\", not \(Fields.typeName(v.value))", at: v.value)
        }
        top.skip("version", "release_version", "released_at")
        var title: String?
        if let summary {
            title = requireString(summary, "title", in: "'summary'")
            if let owner = optionalString(summary, "owner", in: "'summary'") {
                draft.modelAttributes.set("owner", Notes.oneLine(owner), at: range(summary.node))
            }
            if let description = optionalString(summary, "description", in: "'summary'") {
                draft.modelAttributes.set("description", Notes.oneLine(description), at: range(summary.node))
            }
            summary.skip("id")
            for e in summary.leftovers { warn(.unmapped, "'summary.\(e.key)' is not mapped", at: e.keyNode) }
        }
        var diagrams: [Node] = []
        if let detail {
            if let d = detail.entry("diagrams") {
                if case .sequence(let items) = d.value { diagrams = Array(items) } else {
                    fail("'detail.diagrams' must be a list, not \(Fields.typeName(d.value))", at: d.value)
                }
            } else {
                fail("'detail' has no 'diagrams'", at: detail.node, notes: notes)
            }
            var people: [String] = []
            for c in Fields.items(detail.take("contributors")) {
                if let name = Fields(c)?.string("name") ?? Fields.text(c) { people.append(Notes.oneLine(name)) }
            }
            if !people.isEmpty { draft.modelComments.append(Notes.comment("contributors: " + people.joined(separator: ", "))) }
            if let reviewer = detail.string("reviewer") { draft.modelComments.append(Notes.comment("reviewer: " + reviewer)) }
            detail.skip("diagramTop", "threatTop")  // counters of the Threat Dragon editor
            for e in detail.leftovers { warn(.unmapped, "'detail.\(e.key)' is not mapped", at: e.keyNode) }
        }
        for e in top.leftovers where !["summary", "detail"].contains(e.key) {
            warn(.unmapped, "'\(e.key)' is not mapped", at: e.keyNode)
        }
        guard !bag.hasErrors else { return ImportResult(document: draft.document(notation: .json), diagnostics: bag) }

        modelTitle = Notes.name(title) ?? source.baseName
        draft.modelName = modelTitle
        draft.modelRange = range(summary?.look("title") ?? root)
        draft.modelComments.insert("# Imported from OWASP Threat Dragon: \(Notes.oneLine(source.fileName))", at: 0)
        for (i, diagram) in diagrams.enumerated() {
            importDiagram(diagram, number: i + 1, of: diagrams.count)
        }
        guard !bag.hasErrors else { return ImportResult(document: draft.document(notation: .json), diagnostics: bag) }
        return finish(defaultNotation: .json, emptyMessage: empty)
    }

    // MARK: - Diagrams

    mutating func importDiagram(_ node: Node, number: Int, of count: Int) {
        guard let d = Fields(node) else {
            fail("diagram \(number) must be an object, not \(Fields.typeName(node))", at: node)
            return
        }
        let diagramTitle = d.string("title").flatMap(Notes.name) ?? "diagram \(number)"
        var cellsNode = d.take("cells")
        var version = 2
        if cellsNode == nil, let json = Fields(d.take("diagramJson")) {
            cellsNode = json.take("cells")
            version = 1
        }
        guard let cellsNode, case .sequence(let items) = cellsNode else {
            fail("diagram '\(diagramTitle)' has no 'cells' list", at: node,
                 notes: ["v2 diagrams keep their cells in 'cells', v1 diagrams in 'diagramJson.cells'"])
            return
        }
        d.skip("id", "diagramType", "placeholder", "thumbnail", "version", "size", "$$hashKey")
        if let description = d.string("description") {
            draft.modelComments.append(Notes.comment("diagram '\(diagramTitle)': \(description)"))
        }
        for e in d.leftovers { warn(.unmapped, "diagram '\(diagramTitle)': '\(e.key)' is not mapped", at: e.keyNode) }

        var cells: [Cell] = []
        for item in items {
            guard let cell = readCell(item, version: version, diagram: diagramTitle) else { continue }
            cells.append(cell)
        }
        let prefix = count > 1 ? "\(diagramTitle): " : ""
        // Elements.
        var elementOfCell: [String: Int] = [:]
        var firstElement: Int?
        for cell in cells {
            let kind: ElementKind
            switch cell.kind {
            case .actor: kind = .actor
            case .process: kind = .process
            case .store: kind = .datastore
            default: continue
            }
            let id = draft.ids.make(cell.name, fallback: kind.rawValue)
            var e = ElementDraft(kind: kind, id: id, name: cell.name, range: range(cell.node))
            if firstElement == nil, count > 1 { e.comments.append(Notes.comment("diagram: \(diagramTitle)")) }
            mapElementProperties(cell, &e)
            draft.elements.append(e)
            elementOfCell[cell.id] = draft.elements.count - 1
            firstElement = firstElement ?? draft.elements.count - 1
            for t in threats(cell, subject: .element(id), on: "\(kind.rawValue) '\(id)'") { draft.threats.append(t) }
        }
        boundaries(cells, elementOfCell: elementOfCell, diagram: diagramTitle, prefix: prefix)
        // Flows.
        let nodes = cells.filter(\.isElement)
        for cell in cells {
            guard case .flow = cell.kind else { continue }
            let what = "flow '\(cell.name ?? cell.id)'"
            guard let source = endpoint(cell, "source", nodes: nodes, elementOfCell: elementOfCell, what: what),
                  let target = endpoint(cell, "target", nodes: nodes, elementOfCell: elementOfCell, what: what) else { continue }
            var f = FlowDraft(source: draft.elements[source].id, target: draft.elements[target].id, name: cell.name,
                              range: range(cell.node))
            mapFlowProperties(cell, &f, target: target, source: source)
            draft.flows.append(f)
            for t in threats(cell, subject: .flow(draft.flows.count - 1), on: what) { draft.threats.append(t) }
        }
        // Text blocks are notes on the whole model.
        for cell in cells {
            if case .text = cell.kind, let text = cell.name {
                draft.modelComments.append(Notes.comment("\(prefix)note: \(text)"))
            }
        }
    }

    mutating func readCell(_ node: Node, version: Int, diagram: String) -> Cell? {
        guard let cell = Fields(node) else {
            warn(.invalidStructure, "diagram '\(diagram)': a cell is not an object; skipped", at: node)
            return nil
        }
        guard let id = cell.string("id") else {
            warn(.invalidStructure, "diagram '\(diagram)': a cell has no 'id'; skipped", at: node)
            return nil
        }
        let props = (version == 2 ? Fields(cell.take("data")) : nil) ?? cell
        let shape = cell.string("shape") ?? ""
        let type = props.string("type") ?? cell.string("type") ?? ""
        let kind: Cell.Kind
        switch (shape, type) {
        case ("actor", _), (_, "tm.Actor"): kind = .actor
        case ("process", _), (_, "tm.Process"): kind = .process
        case ("store", _), (_, "tm.Store"): kind = .store
        case ("flow", _), (_, "tm.Flow"): kind = .flow
        case ("trust-boundary-box", _), (_, "tm.BoundaryBox"): kind = .box
        case ("trust-boundary-curve", _), (_, "tm.Boundary"): kind = .curve
        case ("td-text-block", _), (_, "tm.Text"): kind = .text
        default: kind = .other(shape.isEmpty ? type : shape)
        }
        // The name: `data.name` (v2), else the shape's text (v1 nodes), else the first label (v1 flows).
        var name = props.string("name")
        if name == nil, let text = cell.object("attrs")?.object("text") { name = text.peek("text") }
        if name == nil, let text = cell.object("attrs")?.object("label") { name = text.peek("text") }
        if name == nil, let label = Fields.items(cell.look("labels")).first, let attrs = Fields(label)?.object("attrs") {
            name = attrs.object("labelText")?.peek("text") ?? attrs.object("text")?.peek("text")
        }
        var rect: Rect?
        if let p = cell.object("position"), let s = cell.object("size"),
           let x = Fields.number(p.look("x")), let y = Fields.number(p.look("y")),
           let w = Fields.number(s.look("width")), let h = Fields.number(s.look("height")) {
            rect = Rect(x: x, y: y, width: w, height: h)
        }
        if case .other(let what) = kind {
            warn(.unmapped, "diagram '\(diagram)': cell '\(name ?? id)' of shape '\(what)' is not mapped", at: node)
        }
        return Cell(kind: kind, id: id, node: node, props: props, cell: cell, name: Notes.name(name), rect: rect)
    }

    // MARK: - Properties

    mutating func data(_ key: String, name: String, classification: String, flags: [String], at range: SourceRange) -> String {
        if let id = synthesised[key] { return id }
        var d = DataDraft(id: draft.dataIDs.make(key, fallback: "data"), name: name, range: range)
        d.attributes.set("classification", classification, at: range)
        for flag in flags { d.attributes.flag(flag, at: range) }
        d.comments.append(Notes.comment("created from Threat Dragon element properties"))
        draft.data.append(d)
        synthesised[key] = d.id
        return d.id
    }

    /// The threats recorded on a cell, as written threats (those with no STRIDE category stay comments).
    mutating func threats(_ cell: Cell, subject: ThreatDraft.Subject, on what: String) -> [ThreatDraft] {
        var nodes = Fields.items(cell.props.take("threats"))
        if cell.props !== cell.cell { nodes += Fields.items(cell.cell.take("threats")) }
        var out: [ThreatDraft] = []
        for (k, n) in nodes.enumerated() {
            guard let t = Fields(n) else { continue }
            let title = Notes.name(t.string("title")) ?? "Untitled threat \(k + 1) on \(cell.name ?? cell.id)"
            let score = t.string("score").flatMap { Double($0) }
            let foreign = ForeignThreat(
                title: title, description: t.string("description"), categories: [t.string("type")].compactMap { $0 },
                severity: t.string("severity"), score: score, status: t.string("status"), mitigation: t.string("mitigation"),
                origin: t.string("id").map { "threat-dragon:\($0)" }, subject: subject, range: range(n),
                what: "threat '\(title)' on \(what)")
            t.skip("modelType", "new", "number", "$$hashKey", "threatId")
            if var written = writtenThreat(foreign) {
                reportLeftovers(t, "threat '\(title)' on \(what)", at: n)
                written.comments.insert(Notes.comment("Threat Dragon threat (\(t.peek("status") ?? "Open")) on \(what)"), at: 0)
                out.append(written)
            } else {
                let facts = [foreign.status, foreign.severity, t.peek("type")].compactMap { $0 }
                var text = "Threat Dragon threat" + (facts.isEmpty ? "" : " (\(facts.joined(separator: ", ")))") + ": " + title
                if let d = foreign.description { text += " — " + d }
                if let m = foreign.mitigation { text += " Mitigation: " + m }
                draft.modelComments.append(Notes.comment(text))
            }
        }
        return out
    }

    mutating func outOfScope(_ cell: Cell) -> String? {
        guard let n = cell.props.take("outOfScope"), Fields.boolValue(n) == true else {
            cell.props.skip("reasonOutOfScope")
            return nil
        }
        let reason = cell.props.string("reasonOutOfScope").map(Notes.oneLine)
        // Out of scope with no reason, yet the modeller keeps open threats on it: it is still being assessed.
        if reason == nil, cell.props.look("hasOpenThreats").flatMap(Fields.boolValue) == true { return nil }
        return reason ?? "out of scope in the Threat Dragon model (no reason given)"
    }

    /// The note for a cell whose out-of-scope flag is not kept (no reason given, open threats on it).
    static func scopeNote(_ cell: Cell) -> String? {
        guard cell.props.look("outOfScope").flatMap(Fields.boolValue) == true,
              cell.props.look("hasOpenThreats").flatMap(Fields.boolValue) == true,
              (cell.props.peek("reasonOutOfScope") ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return Notes.comment("marked out of scope in Threat Dragon without a reason, but open threats are written on it: kept in scope")
    }

    static let privileged = ["root", "admin", "administrator", "system", "elevated", "high", "privileged", "superuser", "sudo"]
    /// Cell geometry and styling: not model content.
    static let geometry = ["size", "position", "angle", "z", "attrs", "ports", "markup", "shape", "zIndex", "visible", "$$hashKey",
                           "width", "height", "tools", "parent", "children"]

    mutating func mapElementProperties(_ cell: Cell, _ e: inout ElementDraft) {
        let p = cell.props
        let what = "\(e.kind.rawValue) '\(e.id)'"
        var extra: [String] = []
        p.skip("name", "type", "hasOpenThreats", "isTrustBoundary", "threatFrequency", "id", "threats", "$$hashKey")
        e.attributes.set("origin", "threat-dragon:\(cell.id)", at: e.range)
        let description = p.string("description")
        if let description { e.attributes.set("description", Notes.oneLine(description), at: e.range) }
        if let note = Self.scopeNote(cell) { e.comments.append(note) }
        if let reason = outOfScope(cell) { e.attributes.set("out-of-scope", reason, at: e.range) }
        func flag(_ key: String) -> Node? {
            guard let n = p.take(key), Fields.boolValue(n) == true else { return nil }
            return n
        }
        switch e.kind {
        case .actor:
            if flag("providesAuthentication") != nil { e.attributes.set("type", "identity-provider", at: e.range) }
        case .process:
            if let n = flag("isWebApplication") { e.attributes.set("type", "web-app", at: range(n)) }
            if let n = p.take("privilegeLevel"), let level = Fields.text(n) {
                if Self.privileged.contains(where: { level.lowercased().contains($0) }) {
                    e.attributes.flag("privileged", at: range(n))
                } else {
                    extra.append("privilegeLevel (\(level))")
                }
            }
            if let n = flag("handlesCardPayment") {
                let id = data("card-data", name: "Card data", classification: "secret", flags: ["payment"], at: range(n))
                e.attributes.add(list: "processes", [id], at: range(n))
            }
            if let n = flag("handlesGoodsOrServices") {
                let id = data("orders", name: "Orders of goods or services", classification: "confidential",
                              flags: ["financial"], at: range(n))
                e.attributes.add(list: "processes", [id], at: range(n))
            }
        case .datastore:
            if let n = flag("isALog") { e.attributes.set("type", "log", at: range(n)) }
            if let n = flag("isEncrypted") { e.attributes.flag("encrypted-at-rest", at: range(n)) }
            if let n = flag("storesCredentials") {
                let id = data("credentials", name: "Credentials", classification: "secret", flags: ["credentials"], at: range(n))
                e.attributes.add(list: "stores", [id], at: range(n))
            }
            if let n = flag("storesInventory") {
                let id = data("inventory", name: "Inventory", classification: "internal", flags: ["integrity-critical"], at: range(n))
                e.attributes.add(list: "stores", [id], at: range(n))
            }
            if flag("isSigned") != nil { extra.append("isSigned (true)") }
        default: break
        }
        // Type and technology from the name and description (a stencil has no product).
        inferKind(&e, from: [("the name '\(cell.name ?? "")'", cell.name ?? ""), ("the description", description ?? "")])
        // In v1 the properties sit on the cell beside its geometry and styling.
        if p === cell.cell { p.skip(Self.geometry) }
        cell.cell.skip(Self.geometry)
        reportLeftovers(p, what, at: cell.node, extra: extra)
    }

    mutating func mapFlowProperties(_ cell: Cell, _ f: inout FlowDraft, target: Int, source: Int) {
        let p = cell.props
        let what = "flow '\(cell.name ?? cell.id)'"
        var extra: [String] = []
        p.skip("name", "type", "hasOpenThreats", "isTrustBoundary", "threatFrequency", "id", "threats", "$$hashKey")
        if let d = p.string("description") { f.attributes.set("description", Notes.oneLine(d), at: f.range) }
        if let note = Self.scopeNote(cell) { f.comments.append(note) }
        if let reason = outOfScope(cell) { f.attributes.set("out-of-scope", reason, at: f.range) }
        if let n = p.take("protocol"), let text = Fields.text(n) {
            if let (mapped, port) = inference.protocolName(text) {
                f.attributes.set("protocol", mapped, at: range(n))
                if let port { f.attributes.set("port", String(port), at: range(n)) }
            } else {
                f.comments.append(Notes.comment("Threat Dragon protocol: \(text)"))
                extra.append("protocol (\(text))")
            }
        } else if let name = cell.name, let (mapped, port) = inference.protocolName(name) {
            // Flows are often named after their protocol ("HTTPS", "TCP 1234").
            f.infer("protocol", mapped, because: "the flow's name '\(name)'")
            if let port { f.attributes.set("port", String(port), at: f.range) }
        }
        if let n = p.take("isEncrypted"), Fields.boolValue(n) == true,
           !vocabulary.contains(.encryptedProtocol, f.attributes.value("protocol").first) {
            f.attributes.flag("encrypted", at: range(n))
        }
        if let n = p.take("isBidirectional"), Fields.boolValue(n) == true { f.twoWay = true }
        if let n = p.take("isPublicNetwork"), Fields.boolValue(n) == true {
            // Over the public network: the receiving process or store is reachable from the internet.
            var exposed = false
            for end in f.twoWay ? [target, source] : [target] where draft.elements[end].kind != .actor {
                draft.elements[end].attributes.flag("internet-facing", at: range(n))
                exposed = true
            }
            if !exposed && draft.elements[source].kind != .actor && draft.elements[target].boundary != nil {
                extra.append("isPublicNetwork (true)")
            }
        }
        f.attributes.set("origin", "threat-dragon:\(cell.id)", at: f.range)
        let flowGeometry = ["source", "target", "vertices", "labels", "smooth", "connector", "router"] + Self.geometry
        if p === cell.cell { p.skip(flowGeometry) }
        cell.cell.skip(flowGeometry)
        reportLeftovers(p, what, at: cell.node, extra: extra)
    }

    /// The element at one end of a flow: the cell it names, or the element nearest a loose end.
    mutating func endpoint(_ cell: Cell, _ end: String, nodes: [Cell], elementOfCell: [String: Int], what: String) -> Int? {
        guard let e = cell.cell.entries.first(where: { $0.key == end }), let f = Fields(e.value) else {
            warn(.danglingFlow, "\(what) has no \(end); left out", at: cell.node)
            return nil
        }
        if let ref = f.peek("cell") ?? f.peek("id") {
            if let i = elementOfCell[ref] { return i }
            warn(.danglingFlow, "\(what): its \(end) is not an actor, process or store; left out", at: e.value)
            return nil
        }
        guard let x = Fields.number(f.look("x")), let y = Fields.number(f.look("y")) else {
            warn(.danglingFlow, "\(what) has no \(end); left out", at: e.value)
            return nil
        }
        let point = Point(x: x, y: y)
        let nearest = nodes.compactMap { c -> (Cell, Double)? in c.rect.map { (c, $0.distance(to: point)) } }
            .min { $0.1 < $1.1 }
        guard let (c, distance) = nearest, distance <= 60, let i = elementOfCell[c.id] else {
            warn(.danglingFlow, "\(what): its \(end) is not attached to any element; left out", at: e.value)
            return nil
        }
        warn(.danglingFlow, "\(what): its \(end) is not attached in the diagram; attached to the nearest element "
             + "'\(draft.elements[i].id)' (\(Int(distance.rounded())) px away)", at: e.value)
        return i
    }

    // MARK: - Boundaries

    mutating func boundaries(_ cells: [Cell], elementOfCell: [String: Int], diagram: String, prefix: String) {
        let boxes = cells.filter { if case .box = $0.kind { return $0.rect != nil }; return false }
        for cell in cells {
            if case .box = cell.kind, cell.rect == nil {
                warn(.unmapped, "trust boundary '\(cell.name ?? cell.id)' has no position and size; left out", at: cell.node)
            }
        }
        // Boxes: a box inside another nests in the smallest one holding it.
        var boxID: [String: String] = [:]
        var boxDrafts: [BoundaryDraft] = []
        for box in boxes {
            let id = draft.ids.make(box.name, fallback: "boundary")
            boxID[box.id] = id
            var b = BoundaryDraft(id: id, name: box.name.map { prefix + $0 }, range: range(box.node),
                                  what: "trust boundary box '\(box.name ?? box.id)'", sourceID: box.id)
            box.props.skip("name", "type", "isTrustBoundary", "hasOpenThreats", "id", "$$hashKey")
            if let d = box.props.string("description") { b.attributes.set("description", Notes.oneLine(d), at: b.range) }
            b.attributes.set("origin", "threat-dragon:\(box.id)", at: b.range)
            for t in threats(box, subject: .boundary(id), on: "boundary '\(id)'") { draft.threats.append(t) }
            boxDrafts.append(b)
        }
        // Parents: the smallest strictly larger box holding each box (sorted by area, so each looks only at larger ones).
        let byArea = boxes.indices.sorted { boxes[$0].rect!.area < boxes[$1].rect!.area }
        for (k, i) in byArea.enumerated() {
            let r = boxes[i].rect!
            for j in byArea[(k + 1)...] where boxes[j].rect!.area > r.area && boxes[j].rect!.contains(r) {
                boxDrafts[i].parent = boxID[boxes[j].id]
                break
            }
        }
        // Elements go to the smallest box that contains their bounding box (or, straddling, their centre).
        var zoned: Set<Int> = []
        for cell in cells {
            guard let index = elementOfCell[cell.id], let r = cell.rect else { continue }
            var chosen = byArea.first { boxes[$0].rect!.contains(r) }
            if chosen == nil {
                chosen = byArea.first { boxes[$0].rect!.contains(r.center) }
                if let c = chosen {
                    warn(.straddlesBoundary, "'\(draft.elements[index].id)' straddles trust boundary '\(boxID[boxes[c].id]!)'; "
                         + "placed inside it because its centre is", at: cell.node)
                }
            }
            if let c = chosen {
                draft.elements[index].boundary = boxID[boxes[c].id]
                zoned.insert(index)
            }
        }
        // Trust: from the box's name, else from what it holds.
        for i in boxDrafts.indices {
            let id = boxDrafts[i].id
            let inside = draft.elements.filter { $0.boundary == id }
            let fallback: (String, String)? = !inside.isEmpty && inside.allSatisfy({ $0.kind == .actor })
                ? ("untrusted", "it holds only actors (external entities)") : nil
            inferTrust(&boxDrafts[i], fallback: fallback)
            if !boxDrafts[i].attributes.has("trust") {
                boxDrafts[i].comments.append(Notes.comment("trust: Threat Dragon gives none and nothing here implies one; internal by default, set it with --trust"))
            }
        }
        draft.boundaries += boxDrafts
        curves(cells, elementOfCell: elementOfCell, zoned: zoned, boxes: boxes, diagram: diagram, prefix: prefix)
    }

    /// Trust-boundary curves enclose no area: the lines (extended at their ends) split the canvas into zones, and each
    /// element not in a box goes to the zone of the side of every line it lies on. The zone that holds the external
    /// actors and the things named as untrusted (and none of the boxes or parts named after the system modelled) is the
    /// outside; the others become boundaries.
    ///
    /// Cost: one crossing test per element and line segment, then grouping by side signature (was: every element
    /// against every zone found so far, against every line — cubic in the number of lines).
    mutating func curves(_ cells: [Cell], elementOfCell: [String: Int], zoned: Set<Int>, boxes: [Cell], diagram: String, prefix: String) {
        let curveCells = cells.filter { if case .curve = $0.kind { return true }; return false }
        guard !curveCells.isEmpty else { return }
        var lines: [[Point]] = []
        var lineCells: [Cell] = []
        for c in curveCells {
            if let p = polyline(c) { lines.append(p); lineCells.append(c) }
        }
        guard !lines.isEmpty else { return }
        struct Item { var element: Int?; var box: Cell?; var point: Point; var isActor: Bool; var name: String }
        var items: [Item] = []
        for c in cells {
            guard let i = elementOfCell[c.id], !zoned.contains(i), let r = c.rect else { continue }
            var isActor = false
            if case .actor = c.kind { isActor = true }
            items.append(Item(element: i, box: nil, point: r.center, isActor: isActor, name: c.name ?? ""))
        }
        let elementCount = items.count
        guard elementCount > 0 else { return }
        for b in boxes { items.append(Item(element: nil, box: b, point: b.rect!.center, isActor: false, name: b.name ?? "")) }
        // Zones: walk the points in x order; the lines crossed an odd number of times between neighbours change the
        // zone's signature, a 128-bit hash (XOR of a fixed random key per line). Only the line segments near each step
        // are tested (a grid over the lines clipped to the points' bounding box), so the cost follows the number of
        // crossings, not elements × lines.
        let signatures = ZoneSignatures(lines: lines, points: items.map(\.point)).signatures
        var zoneOf: [ZoneSignatures.Key: Int] = [:]
        var zones: [[Int]] = []
        for (k, item) in items.enumerated() {
            let signature = signatures[k]
            if let z = zoneOf[signature] { zones[z].append(k) } else {
                // A box's centre alone does not make a zone: it only tells which side the box is on.
                guard item.element != nil else { continue }
                zoneOf[signature] = zones.count
                zones.append([k])
            }
        }
        let names = lineCells.compactMap(\.name)
        guard zones.count > 1 else {
            warn(.unmapped, "the trust boundary line\(lineCells.count == 1 ? "" : "s") of diagram '\(diagram)' separate no elements; left out",
                 at: lineCells[0].node)
            return
        }
        // Which zone is outside: external actors and untrusted names count for it; boxes (the modeller's own zones)
        // and names that share a word with the model's title (the system modelled) against it.
        let titleWords = Set(modelTitle.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count >= 4 })
        func score(_ zone: [Int]) -> Int {
            var s = 0
            for k in zone {
                let item = items[k]
                if item.isActor { s += 2 }
                if inference.soundsUntrusted(item.name) { s += 2 }
                if item.box != nil { s -= 3 }
                let words = Set(item.name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init))
                if !words.isDisjoint(with: titleWords) { s -= 2 }
            }
            return s
        }
        let scores = zones.map(score)
        let best = scores.max() ?? 0
        let outer: Int? = best > 0 ? scores.firstIndex(of: best) : nil
        var n = 0
        let untrustedLine = lineCells.first { inference.soundsUntrusted($0.name ?? "") }?.name
        for (z, zone) in zones.enumerated() {
            let members = zone.compactMap { items[$0].element }
            if z == outer {
                // The outside: actors stay outside every boundary (untrusted); anything else there gets an untrusted zone.
                let others = members.filter { draft.elements[$0].kind != .actor }
                guard !others.isEmpty else { continue }
                let name = untrustedLine ?? "Outside"
                let id = draft.ids.make(name, fallback: "zone")
                var b = BoundaryDraft(id: id, name: prefix + name, range: range(lineCells[0].node),
                                      what: "the outer side of the trust boundary lines of diagram '\(diagram)'", sourceID: lineCells[0].id)
                b.attributes.set("description", "outer side of the trust boundary lines in Threat Dragon diagram '\(diagram)'", at: b.range)
                b.infer("trust", "untrusted", because: "the side of the lines where the external actors"
                        + (untrustedLine.map { " and the line named '\($0)'" } ?? "") + " are")
                draft.boundaries.append(b)
                for i in others { draft.elements[i].boundary = id }
                continue
            }
            n += 1
            let id = draft.ids.make("zone-\(n)", fallback: "zone")
            var b = BoundaryDraft(id: id, name: "\(prefix)Trust zone \(n)", range: range(lineCells[0].node),
                                  what: "trust zone \(n) of diagram '\(diagram)'", sourceID: "zone-\(n)")
            b.attributes.set("description", "side of the trust boundary lines in Threat Dragon diagram '\(diagram)'", at: b.range)
            b.comments.append(Notes.comment("trust: Threat Dragon gives none; internal by default, set it with --trust"))
            draft.boundaries.append(b)
            for i in members { draft.elements[i].boundary = id }
        }
        warn(.boundaryLines, "diagram '\(diagram)' draws \(lineCells.count) trust boundar\(lineCells.count == 1 ? "y" : "ies") as "
             + "line\(lineCells.count == 1 ? "" : "s")" + (names.isEmpty ? "" : " (\(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : ""))")
             + "; elements were grouped into \(n) trust zone\(n == 1 ? "" : "s") by the side of each line they lie on"
             + (outer.map { " (the outside: the side with \(Self.describe(zones[$0].compactMap { items[$0].element }.map { draft.elements[$0].id })))" } ?? ""),
             at: lineCells[0].node, notes: ["check the zones, and set their 'trust' with --trust or in the imported model"])
    }

    static func describe(_ ids: [String]) -> String {
        ids.prefix(4).map { "'\($0)'" }.joined(separator: ", ") + (ids.count > 4 ? " and \(ids.count - 4) more" : "")
    }

    /// A curve's points, its first and last segments extended far beyond the canvas.
    mutating func polyline(_ cell: Cell) -> [Point]? {
        func point(_ node: Node?) -> Point? {
            guard let f = Fields(node), let x = Fields.number(f.look("x")), let y = Fields.number(f.look("y")) else { return nil }
            return Point(x: x, y: y)
        }
        guard let s = point(cell.cell.look("source")), let t = point(cell.cell.look("target")) else {
            warn(.unmapped, "trust boundary line '\(cell.name ?? cell.id)' has no end points; left out", at: cell.node)
            return nil
        }
        var points = [s] + Fields.items(cell.cell.look("vertices")).compactMap(point) + [t]
        func extend(_ a: Point, _ b: Point) -> Point {
            let dx = b.x - a.x, dy = b.y - a.y
            let length = max((dx * dx + dy * dy).squareRoot(), 1e-9)
            return Point(x: b.x + dx / length * 1e6, y: b.y + dy / length * 1e6)
        }
        points.insert(extend(points[1], points[0]), at: 0)
        points.append(extend(points[points.count - 2], points[points.count - 1]))
        return points
    }

    /// How many times the segment a→b crosses a polyline.
    static func crossings(from a: Point, to b: Point, line: [Point]) -> Int {
        func orientation(_ p: Point, _ q: Point, _ r: Point) -> Double { (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x) }
        let minX = min(a.x, b.x), maxX = max(a.x, b.x), minY = min(a.y, b.y), maxY = max(a.y, b.y)
        var count = 0
        for i in 0..<(line.count - 1) {
            let c = line[i], d = line[i + 1]
            // Cheap rejection by bounding boxes first.
            if max(c.x, d.x) < minX || min(c.x, d.x) > maxX || max(c.y, d.y) < minY || min(c.y, d.y) > maxY { continue }
            let o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b)
            // Half-open on the polyline's vertices, so a crossing through a vertex counts once.
            if (o1 > 0) != (o2 > 0) && (o3 > 0) != (o4 > 0) && o3 != 0 && o4 != 0 { count += 1 }
        }
        return count
    }
}

/// Which side of every trust-boundary line each point lies on, as a hash per point: points with equal hashes lie in
/// the same zone. Near-linear: the points are visited in x order, and between neighbours only the line segments in the
/// grid cells the step passes are tested.
struct ZoneSignatures {
    struct Key: Hashable { var a: UInt64; var b: UInt64 }
    private(set) var signatures: [Key]

    init(lines: [[Point]], points: [Point]) {
        signatures = [Key](repeating: Key(a: 0, b: 0), count: points.count)
        guard !points.isEmpty, !lines.isEmpty else { return }
        // Segments clipped to the points' bounding box with a margin: nothing outside it lies between two points.
        let margin = 10.0
        let minX = points.map(\.x).min()! - margin, maxX = points.map(\.x).max()! + margin
        let minY = points.map(\.y).min()! - margin, maxY = points.map(\.y).max()! + margin
        var segments: [(line: Int, a: Point, b: Point)] = []
        for (l, line) in lines.enumerated() {
            for i in 0..<(line.count - 1) {
                if let (a, b) = Self.clip(line[i], line[i + 1], minX, maxX, minY, maxY) { segments.append((l, a, b)) }
            }
        }
        // A uniform grid of about one segment per cell.
        let cells = max(1, Int(Double(max(segments.count, points.count)).squareRoot()))
        let cw = max((maxX - minX) / Double(cells), 1e-9), ch = max((maxY - minY) / Double(cells), 1e-9)
        func cell(_ x: Double, _ y: Double) -> (Int, Int) {
            (min(cells - 1, max(0, Int((x - minX) / cw))), min(cells - 1, max(0, Int((y - minY) / ch))))
        }
        var grid: [Int: [Int]] = [:]
        for (k, s) in segments.enumerated() {
            let (x0, y0) = cell(min(s.a.x, s.b.x), min(s.a.y, s.b.y)), (x1, y1) = cell(max(s.a.x, s.b.x), max(s.a.y, s.b.y))
            for x in x0...x1 { for y in y0...y1 { grid[x * cells + y, default: []].append(k) } }
        }
        // Fixed per-line keys (splitmix64), so the same file always gives the same zones.
        func mix(_ v: UInt64) -> UInt64 {
            var z = v &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let order = points.indices.sorted { (points[$0].x, points[$0].y, $0) < (points[$1].x, points[$1].y, $1) }
        var stamp = [Int](repeating: -1, count: segments.count)
        var current = Key(a: 0, b: 0)
        for (step, k) in order.enumerated() {
            if step > 0 {
                let from = points[order[step - 1]], to = points[k]
                let (x0, y0) = cell(min(from.x, to.x), min(from.y, to.y)), (x1, y1) = cell(max(from.x, to.x), max(from.y, to.y))
                var odd = Set<Int>()
                for x in x0...x1 {
                    for y in y0...y1 {
                        for si in grid[x * cells + y] ?? [] where stamp[si] != step {
                            stamp[si] = step
                            let s = segments[si]
                            if ThreatDragonMapper.crossings(from: from, to: to, line: [s.a, s.b]) == 1 {
                                if odd.contains(s.line) { odd.remove(s.line) } else { odd.insert(s.line) }
                            }
                        }
                    }
                }
                for l in odd {
                    current.a ^= mix(UInt64(l) &* 2)
                    current.b ^= mix(UInt64(l) &* 2 &+ 1)
                }
            }
            signatures[k] = current
        }
    }

    /// A segment clipped to a rectangle (Liang–Barsky), or nil when it misses it.
    static func clip(_ p: Point, _ q: Point, _ minX: Double, _ maxX: Double, _ minY: Double, _ maxY: Double) -> (Point, Point)? {
        let dx = q.x - p.x, dy = q.y - p.y
        var t0 = 0.0, t1 = 1.0
        for (pk, qk) in [(-dx, p.x - minX), (dx, maxX - p.x), (-dy, p.y - minY), (dy, maxY - p.y)] {
            if pk == 0 {
                if qk < 0 { return nil }
            } else {
                let r = qk / pk
                if pk < 0 { if r > t1 { return nil }; if r > t0 { t0 = r } } else { if r < t0 { return nil }; if r < t1 { t1 = r } }
            }
        }
        return (Point(x: p.x + t0 * dx, y: p.y + t0 * dy), Point(x: p.x + t1 * dx, y: p.y + t1 * dy))
    }
}

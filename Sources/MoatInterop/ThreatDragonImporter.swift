import Foundation
import MoatCore
import Yams

/// Imports an OWASP Threat Dragon model (v2 JSON, schema `threat-dragon-v2.schema.json`; v1 diagrams,
/// whose cells sit under `diagramJson`, are read too) as a Moat document.
///
/// Actors, processes and stores become elements, flows become flows; trust-boundary boxes become
/// boundaries holding the cells whose bounding boxes they contain (nested boxes nest). Trust-boundary
/// curves enclose no area: they split the diagram into zones, and elements are grouped by the side
/// of each curve they lie on. Element properties map to attributes; threats already recorded in the
/// file are kept as comments above their element (Threat Dragon threats have no Moat rule id, so
/// they cannot become tracking statements without guessing).
public struct ThreatDragonImporter {
    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    public func importModel(_ file: SourceFile) -> ImportResult {
        ThreatDragonRun(file: file, vocabulary: vocabulary).run()
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
    func intersects(_ r: Rect) -> Bool {
        r.x < x + width && r.x + r.width > x && r.y < y + height && r.y + r.height > y
    }
    /// Distance from a point to the rectangle (0 inside).
    func distance(to p: Point) -> Double {
        let dx = max(x - p.x, 0, p.x - (x + width)), dy = max(y - p.y, 0, p.y - (y + height))
        return (dx * dx + dy * dy).squareRoot()
    }
}

private final class ThreatDragonRun: ImportRun {
    /// Synthesised data assets by key (credentials, card data, orders, inventory).
    var synthesised: [String: String] = [:]

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
    }

    init(file: SourceFile, vocabulary: Vocabulary) { super.init(file: file, defaultNotation: .json, vocabulary: vocabulary) }


    func fail(_ message: String, at node: Node?, notes: [DiagnosticNote] = []) {
        bag.error(.invalidThreatDragon, message, at: node == nil ? tree.start : range(node), notes: notes)
    }

    static func typeName(_ node: Node) -> String {
        switch node {
        case .mapping: return "an object"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if Fields.isNull(node) { return "null" }
            if s.style == .plain {
                if Fields.boolValue(node) != nil { return "a boolean" }
                if Double(s.string) != nil { return "a number" }
            }
            return "a string"
        }
    }

    /// A required string member; reports a clear error when missing or of the wrong type.
    func requireString(_ fields: Fields, _ key: String, in what: String) -> String? {
        guard let e = fields.entry(key) else {
            let guess = Suggestion.closest(to: key, in: fields.entries.map(\.key)).map { "; found '\($0)'" } ?? ""
            fail("\(what) has no '\(key)'\(guess)", at: fields.node)
            return nil
        }
        guard case .scalar(let s) = e.value, Self.typeName(e.value) == "a string" else {
            fail("'\(key)' in \(what) must be a string, not \(Self.typeName(e.value))", at: e.value)
            return nil
        }
        return s.string
    }

    /// An optional string member: wrong types are errors, absence is fine.
    func optionalString(_ fields: Fields, _ key: String, in what: String) -> String? {
        guard let e = fields.entry(key) else { return nil }
        if Fields.isNull(e.value) { return nil }
        guard case .scalar(let s) = e.value, Self.typeName(e.value) == "a string" else {
            fail("'\(key)' in \(what) must be a string, not \(Self.typeName(e.value))", at: e.value)
            return nil
        }
        let t = s.string.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }

    func run() -> ImportResult {
        tree = SourceTree(file: file, diagnostics: &bag)
        guard let root = tree.root else { return result() }
        guard let top = Fields(root) else {
            fail("a Threat Dragon model is a JSON object with 'summary' and 'detail'", at: root)
            return result()
        }
        let notes: [DiagnosticNote] = [DiagnosticNote("a Threat Dragon v2 model has: version, summary { title, owner, description }, "
                     + "detail { contributors, diagrams [ { title, diagramType, cells } ] }")]
        // Structure first: every problem is reported at once.
        var summary: Fields?
        if let s = top.entry("summary") {
            summary = Fields(s.value)
            if summary == nil { fail("'summary' must be an object, not \(Self.typeName(s.value))", at: s.value) }
        } else {
            fail("not a valid Threat Dragon model: no 'summary'", at: root, notes: notes)
        }
        var detail: Fields?
        if let d = top.entry("detail") {
            detail = Fields(d.value)
            if detail == nil { fail("'detail' must be an object, not \(Self.typeName(d.value))", at: d.value) }
        } else {
            let guess = Suggestion.closest(to: "detail", in: top.entries.map(\.key)).map { "; found '\($0)'" } ?? ""
            fail("not a valid Threat Dragon model: no 'detail'\(guess)", at: root, notes: notes)
        }
        if let v = top.entry("version"), Self.typeName(v.value) != "a string" {
            fail("'version' must be a string such as \"2.3.0\", not \(Self.typeName(v.value))", at: v.value)
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
                    fail("'detail.diagrams' must be a list, not \(Self.typeName(d.value))", at: d.value)
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
        guard !bag.hasErrors else { return result() }

        draft.modelName = Notes.name(title) ?? ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
        draft.modelRange = range(summary?.entries.first { $0.key == "title" }?.value ?? root)
        draft.modelComments.insert("# Imported from OWASP Threat Dragon: \(Notes.oneLine((file.path as NSString).lastPathComponent))", at: 0)
        for (i, diagram) in diagrams.enumerated() {
            importDiagram(diagram, number: i + 1, of: diagrams.count)
        }
        guard !bag.hasErrors else { return result() }
        draft.assignFlowIDs()
        if draft.elements.isEmpty {
            bag.warning(.emptyModel, "the Threat Dragon model has no actor, process or store; the imported model is empty", at: tree.start)
        }
        return result()
    }

    // MARK: - Diagrams

    func importDiagram(_ node: Node, number: Int, of count: Int) {
        guard let d = Fields(node) else {
            fail("diagram \(number) must be an object, not \(Self.typeName(node))", at: node)
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
        d.skip("id", "diagramType", "placeholder", "thumbnail", "version")
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
        }
        boundaries(cells, elementOfCell: elementOfCell, diagram: diagramTitle, prefix: prefix)
        // Flows.
        let nodes = cells.filter { if case .actor = $0.kind { return true }; if case .process = $0.kind { return true }
                                   if case .store = $0.kind { return true }; return false }
        for cell in cells {
            guard case .flow = cell.kind else { continue }
            let what = "flow '\(cell.name ?? cell.id)'"
            guard let source = endpoint(cell, "source", nodes: nodes, elementOfCell: elementOfCell, what: what),
                  let target = endpoint(cell, "target", nodes: nodes, elementOfCell: elementOfCell, what: what) else { continue }
            var f = FlowDraft(source: draft.elements[source].id, target: draft.elements[target].id, name: cell.name,
                              range: range(cell.node))
            mapFlowProperties(cell, &f, target: target, source: source)
            draft.flows.append(f)
        }
        // Text blocks are notes on the whole model.
        for cell in cells {
            if case .text = cell.kind, let text = cell.name {
                draft.modelComments.append(Notes.comment("\(prefix)note: \(text)"))
            }
        }
    }

    func readCell(_ node: Node, version: Int, diagram: String) -> Cell? {
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
        if name == nil, let attrs = Fields(cell.entries.first { $0.key == "attrs" }?.value),
           let text = Fields(attrs.entries.first { $0.key == "text" }?.value) {
            name = text.peek("text")
        }
        if name == nil, let label = Fields.items(cell.entries.first { $0.key == "labels" }?.value).first,
           let attrs = Fields(Fields(label)?.entries.first { $0.key == "attrs" }?.value) {
            name = Fields(attrs.entries.first { $0.key == "labelText" }?.value)?.peek("text")
                ?? Fields(attrs.entries.first { $0.key == "text" }?.value)?.peek("text")
        }
        var rect: Rect?
        if let p = Fields(cell.entries.first { $0.key == "position" }?.value),
           let s = Fields(cell.entries.first { $0.key == "size" }?.value),
           let x = Fields.number(p.entries.first { $0.key == "x" }?.value), let y = Fields.number(p.entries.first { $0.key == "y" }?.value),
           let w = Fields.number(s.entries.first { $0.key == "width" }?.value), let h = Fields.number(s.entries.first { $0.key == "height" }?.value) {
            rect = Rect(x: x, y: y, width: w, height: h)
        }
        if case .other(let what) = kind {
            warn(.unmapped, "diagram '\(diagram)': cell '\(name ?? id)' of shape '\(what)' is not mapped", at: node)
        }
        return Cell(kind: kind, id: id, node: node, props: props, cell: cell, name: Notes.name(name), rect: rect)
    }

    // MARK: - Properties

    func data(_ key: String, name: String, classification: String, flags: [String], at range: SourceRange) -> String {
        if let id = synthesised[key] { return id }
        var d = DataDraft(id: draft.dataIDs.make(key, fallback: "data"), name: name, range: range)
        d.attributes.set("classification", classification, at: range)
        for flag in flags { d.attributes.flag(flag, at: range) }
        d.comments.append(Notes.comment("created from Threat Dragon element properties"))
        draft.data.append(d)
        synthesised[key] = d.id
        return d.id
    }

    func threats(_ cell: Cell) -> [String] {
        var nodes = Fields.items(cell.props.take("threats"))
        if cell.props !== cell.cell { nodes += Fields.items(cell.cell.take("threats")) }
        return nodes.compactMap { n -> String? in
            guard let t = Fields(n) else { return nil }
            let title = t.string("title") ?? "untitled threat"
            let facts = [t.string("status"), t.string("severity"), t.string("type")].compactMap { $0 }
            var text = "Threat Dragon threat" + (facts.isEmpty ? "" : " (\(facts.joined(separator: ", ")))") + ": " + title
            if let d = t.string("description") { text += " — " + d }
            if let m = t.string("mitigation") { text += " Mitigation: " + m }
            return Notes.comment(text)
        }
    }

    func outOfScope(_ cell: Cell, what: String) -> String? {
        guard let n = cell.props.take("outOfScope"), Fields.boolValue(n) == true else {
            cell.props.skip("reasonOutOfScope")
            return nil
        }
        return cell.props.string("reasonOutOfScope").map(Notes.oneLine) ?? "out of scope in the Threat Dragon model (no reason given)"
    }

    static let privileged = ["root", "admin", "administrator", "system", "elevated", "high", "privileged", "superuser", "sudo"]

    func mapElementProperties(_ cell: Cell, _ e: inout ElementDraft) {
        let p = cell.props
        let what = "\(e.kind.rawValue) '\(e.id)'"
        var extra: [String] = []
        p.skip("name", "type", "hasOpenThreats", "isTrustBoundary", "threatFrequency", "id")
        e.comments += threats(cell)
        if let d = p.string("description") { e.attributes.set("description", Notes.oneLine(d), at: e.range) }
        if let reason = outOfScope(cell, what: what) { e.attributes.set("out-of-scope", reason, at: e.range) }
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
                e.attributes.add(refs: "processes", [id], at: range(n))
            }
            if let n = flag("handlesGoodsOrServices") {
                let id = data("orders", name: "Orders of goods or services", classification: "confidential",
                              flags: ["financial"], at: range(n))
                e.attributes.add(refs: "processes", [id], at: range(n))
            }
        case .datastore:
            if let n = flag("isALog") { e.attributes.set("type", "log", at: range(n)) }
            if let n = flag("isEncrypted") { e.attributes.flag("encrypted-at-rest", at: range(n)) }
            if let n = flag("storesCredentials") {
                let id = data("credentials", name: "Credentials", classification: "secret", flags: ["credentials"], at: range(n))
                e.attributes.add(refs: "stores", [id], at: range(n))
            }
            if let n = flag("storesInventory") {
                let id = data("inventory", name: "Inventory", classification: "internal", flags: ["integrity-critical"], at: range(n))
                e.attributes.add(refs: "stores", [id], at: range(n))
            }
            if flag("isSigned") != nil { extra.append("isSigned (true)") }
        default: break
        }
        // In v1 the properties sit on the cell beside its geometry and styling.
        if p === cell.cell {
            p.skip("size", "position", "angle", "z", "attrs", "ports", "markup", "shape", "zIndex", "visible")
        }
        let leftovers = p.leftoverSummary
        let parts = [leftovers].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "\(what): not mapped: \(parts.joined(separator: ", "))", at: cell.node) }
    }

    func mapFlowProperties(_ cell: Cell, _ f: inout FlowDraft, target: Int, source: Int) {
        let p = cell.props
        let what = "flow '\(cell.name ?? cell.id)'"
        var extra: [String] = []
        p.skip("name", "type", "hasOpenThreats", "isTrustBoundary", "threatFrequency", "id")
        f.comments += threats(cell)
        if let d = p.string("description") { f.attributes.set("description", Notes.oneLine(d), at: f.range) }
        if let reason = outOfScope(cell, what: what) { f.attributes.set("out-of-scope", reason, at: f.range) }
        if let n = p.take("protocol"), let text = Fields.text(n) {
            if let mapped = vocabulary.protocolName(text) { f.attributes.set("protocol", mapped, at: range(n)) } else {
                extra.append("protocol (\(text))")
            }
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
        if p === cell.cell {
            p.skip("source", "target", "vertices", "labels", "smooth", "z", "attrs", "connector", "router", "shape", "zIndex",
                   "width", "height")
        }
        let leftovers = p.leftoverSummary
        let parts = [leftovers].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "\(what): not mapped: \(parts.joined(separator: ", "))", at: cell.node) }
    }

    /// The element at one end of a flow: the cell it names, or the element nearest a loose end.
    func endpoint(_ cell: Cell, _ end: String, nodes: [Cell], elementOfCell: [String: Int], what: String) -> Int? {
        guard let e = cell.cell.entries.first(where: { $0.key == end }), let f = Fields(e.value) else {
            warn(.danglingFlow, "\(what) has no \(end); left out", at: cell.node)
            return nil
        }
        if let ref = f.peek("cell") ?? f.peek("id") {
            if let i = elementOfCell[ref] { return i }
            warn(.danglingFlow, "\(what): its \(end) is not an actor, process or store; left out", at: e.value)
            return nil
        }
        guard let x = Fields.number(f.entries.first { $0.key == "x" }?.value),
              let y = Fields.number(f.entries.first { $0.key == "y" }?.value) else {
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

    func boundaries(_ cells: [Cell], elementOfCell: [String: Int], diagram: String, prefix: String) {
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
            var b = BoundaryDraft(id: id, name: box.name.map { prefix + $0 }, range: range(box.node))
            box.props.skip("name", "type", "isTrustBoundary", "hasOpenThreats", "id")
            if let d = box.props.string("description") { b.attributes.set("description", Notes.oneLine(d), at: b.range) }
            b.comments += threats(box)
            b.comments.append(Notes.comment("Threat Dragon boundaries have no trust level: set 'trust' (default internal)"))
            boxDrafts.append(b)
        }
        for (i, box) in boxes.enumerated() {
            let r = box.rect!
            let holders = boxes.enumerated().filter { $0.offset != i && $0.element.rect!.contains(r) && $0.element.rect!.area > r.area }
            if let parent = holders.min(by: { $0.element.rect!.area < $1.element.rect!.area }) {
                boxDrafts[i].parent = boxID[parent.element.id]
            }
        }
        // Elements go to the smallest box that contains their bounding box (or, straddling, their centre).
        var zoned: Set<Int> = []
        for cell in cells {
            guard let index = elementOfCell[cell.id], let r = cell.rect else { continue }
            let full = boxes.filter { $0.rect!.contains(r) }
            var chosen = full.min { $0.rect!.area < $1.rect!.area }
            if chosen == nil {
                let byCentre = boxes.filter { $0.rect!.contains(r.center) }
                chosen = byCentre.min { $0.rect!.area < $1.rect!.area }
                if let c = chosen {
                    warn(.straddlesBoundary, "'\(draft.elements[index].id)' straddles trust boundary '\(boxID[c.id]!)'; "
                         + "placed inside it because its centre is", at: cell.node)
                }
            }
            if let c = chosen {
                draft.elements[index].boundary = boxID[c.id]
                zoned.insert(index)
            }
        }
        for b in orderedParentsFirst(boxDrafts) { draft.boundaries.append(b) }

        // Curves: zones by the side of each curve.
        let curves = cells.filter { if case .curve = $0.kind { return true }; return false }
        guard !curves.isEmpty else { return }
        let lines: [[Point]] = curves.compactMap { polyline($0) }
        let free = cells.compactMap { c -> (Int, Point, Bool)? in
            guard let i = elementOfCell[c.id], !zoned.contains(i), let r = c.rect else { return nil }
            if case .actor = c.kind { return (i, r.center, true) }
            return (i, r.center, false)
        }
        var zones: [[(Int, Point, Bool)]] = []
        for item in free {
            if let z = zones.firstIndex(where: { zone in
                lines.allSatisfy { Self.crossings(from: zone[0].1, to: item.1, line: $0) % 2 == 0 }
            }) {
                zones[z].append(item)
            } else {
                zones.append([item])
            }
        }
        let names = curves.compactMap(\.name)
        guard zones.count > 1 else {
            warn(.unmapped, "the trust boundary line\(curves.count == 1 ? "" : "s") of diagram '\(diagram)' separate no elements; left out",
                 at: curves[0].node)
            return
        }
        // The zone of the first actor stays outside every boundary (actors there are untrusted).
        let outer = zones.firstIndex { $0.contains { $0.2 } }
        var n = 0
        for (z, zone) in zones.enumerated() where z != outer {
            n += 1
            let id = draft.ids.make("zone-\(n)", fallback: "zone")
            var b = BoundaryDraft(id: id, name: "\(prefix)Trust zone \(n)", range: range(curves[0].node))
            b.attributes.set("description", "side of the trust boundary lines in Threat Dragon diagram '\(diagram)'", at: b.range)
            draft.boundaries.append(b)
            for (index, _, _) in zone { draft.elements[index].boundary = id }
        }
        warn(.boundaryLines, "diagram '\(diagram)' draws \(curves.count) trust boundar\(curves.count == 1 ? "y" : "ies") as "
             + "line\(curves.count == 1 ? "" : "s")" + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")
             + "; elements were grouped into \(n) trust zone\(n == 1 ? "" : "s") by the side of each line they lie on",
             at: curves[0].node, notes: ["check the zones, and set their 'trust' in the imported model"])
    }

    func orderedParentsFirst(_ list: [BoundaryDraft]) -> [BoundaryDraft] {
        var out: [BoundaryDraft] = []
        func visit(_ b: BoundaryDraft, depth: Int) {
            guard depth < 64 else { return }
            out.append(b)
            for c in list where c.parent == b.id { visit(c, depth: depth + 1) }
        }
        for b in list where b.parent == nil { visit(b, depth: 0) }
        return out
    }

    /// A curve's points, its first and last segments extended far beyond the canvas.
    func polyline(_ cell: Cell) -> [Point]? {
        func point(_ node: Node?) -> Point? {
            guard let f = Fields(node), let x = Fields.number(f.entries.first { $0.key == "x" }?.value),
                  let y = Fields.number(f.entries.first { $0.key == "y" }?.value) else { return nil }
            return Point(x: x, y: y)
        }
        guard let s = point(cell.cell.entries.first { $0.key == "source" }?.value),
              let t = point(cell.cell.entries.first { $0.key == "target" }?.value) else {
            warn(.unmapped, "trust boundary line '\(cell.name ?? cell.id)' has no end points; left out", at: cell.node)
            return nil
        }
        var points = [s] + Fields.items(cell.cell.entries.first { $0.key == "vertices" }?.value).compactMap(point) + [t]
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
        var count = 0
        for i in 0..<(line.count - 1) {
            let c = line[i], d = line[i + 1]
            let o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b)
            // Half-open on the polyline's vertices, so a crossing through a vertex counts once.
            if (o1 > 0) != (o2 > 0) && (o3 > 0) != (o4 > 0) && o3 != 0 && o4 != 0 { count += 1 }
        }
        return count
    }
}

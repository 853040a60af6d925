// Over 500 lines: one mapper per OTM section (project, zones, components, dataflows, threats, mitigations).
import Foundation
import MoatCore
import Yams

/// Imports an Open Threat Model file (JSON or YAML, schema `otm_schema.json`) as a Moat document.
///
/// Trust zones become boundaries with a `trust` level from their trust rating (nested through `parent.trustZone`);
/// components become actors, processes or datastores (from their `type`, tags and name, through the vocabulary),
/// placed in their parent's boundary; dataflows become flows; data assets keep their classification; threats become
/// written threats on what references them, with their mitigations. What Moat has no place for but a round trip
/// needs — the OTM ids where they are not Moat ids, the representations, the mitigation ids — is kept in the
/// `origin`, `layout` and `mitigated-by` attributes. Files written by `OTMExporter` carry every Moat attribute under
/// `attributes.moat`, so exporting and importing again gives back the same model.
public struct OTMImporter {
    /// The vocabulary that maps OTM component types and tags to Moat kinds and attributes.
    public let vocabulary: Vocabulary
    /// Trust levels chosen for zones (`--trust ZONE=LEVEL`); they replace what the importer inferred.
    public var options: ImportOptions

    /// An importer mapping through `vocabulary`, with the zone trust levels in `options`.
    public init(vocabulary: Vocabulary, options: ImportOptions = ImportOptions()) {
        self.vocabulary = vocabulary
        self.options = options
    }

    /// Reads an OTM file (JSON or YAML) as a Moat document; never throws: problems are in the diagnostics.
    public func importModel(_ file: SourceFile) -> ImportResult {
        var mapper = OTMMapper(file: file, vocabulary: vocabulary, options: options)
        return mapper.run()
    }

    /// Trust rating (0–100, higher is more trusted) → Moat `trust`.
    public static func trust(rating: Double) -> String {
        switch rating {
        case ..<25: return "untrusted"
        case ..<50: return "partner"
        case ..<75: return "internal"
        default: return "restricted"
        }
    }

    /// Confidentiality (0–100) → Moat `classification`.
    public static func classification(confidentiality: Double) -> String {
        switch confidentiality {
        case ..<25: return "public"
        case ..<50: return "internal"
        case ..<75: return "confidential"
        default: return "secret"
        }
    }

    /// An OTM risk value (0–100) on Moat's 1–4 scale of likelihood and impact.
    public static func scale(_ value: Double) -> Int { min(4, max(1, Int((value / 25).rounded(.up)))) }
}

struct OTMMapper: FormatMapper {
    var source: ForeignSource
    var bag = DiagnosticBag()
    var draft: DocumentDraft
    let options: ImportOptions
    let vocabulary: Vocabulary

    var zoneIDs: [String: String] = [:]
    /// Zones written by the exporter for elements outside every boundary.
    var outsideZones: Set<String> = []
    var componentIDs: [String: String] = [:]
    var dataIDs: [String: String] = [:]
    var threats: [String: Fields] = [:]
    var threatOrder: [String] = []
    var mitigations: [String: Fields] = [:]
    /// Mitigation ids in file order, and those a threat instance names (the others are reported, not lost silently).
    var mitigationOrder: [String] = []
    var referencedMitigations: Set<String> = []
    var referencedThreats: Set<String> = []

    init(file: SourceFile, vocabulary: Vocabulary, options: ImportOptions) {
        var bag = DiagnosticBag()
        self.source = ForeignSource(file, diagnostics: &bag)
        self.bag = bag
        self.vocabulary = vocabulary
        self.options = options
        self.draft = DocumentDraft(vocabulary: vocabulary, file: file)
    }

    mutating func fail(_ message: String, at node: Node?) {
        bag.error(.invalidOtm, message, at: node == nil ? source.start : range(node))
    }

    mutating func list(_ fields: Fields, _ key: String) -> [Node] {
        guard let e = fields.entry(key) else { return [] }
        if Fields.isNull(e.value) { return [] }
        guard case .sequence(let items) = e.value else {
            fail("'\(key)' must be a list", at: e.value)
            return []
        }
        return Array(items)
    }

    mutating func required(_ f: Fields, _ key: String, _ what: String) -> String? {
        guard let v = f.string(key) else {
            fail("\(what) has no '\(key)'", at: f.node)
            return nil
        }
        return v
    }

    /// An OTM id as a Moat id: kept when it already is a readable id, else made from the name.
    func preferredID(_ otmID: String, name: String?) -> String {
        let looksGenerated = otmID.first?.isNumber == true
            || otmID.range(of: "^[0-9a-fA-F]{8}-[0-9a-fA-F-]{8,}$", options: .regularExpression) != nil
        if !looksGenerated, IDAllocator.sanitize(otmID) == otmID.lowercased() { return otmID }
        return name ?? otmID
    }

    /// Keeps the OTM id of a declaration whose Moat id differs (`origin "otm:<id>"`), for exports.
    func keepOrigin(_ attributes: inout AttributeList, otmID: String, moatID: String, at r: SourceRange) {
        if otmID != moatID { attributes.set("origin", "otm:\(otmID)", at: r) }
    }

    /// Keeps an object's `representations` (positions and sizes in the tool's diagrams) as `layout`.
    func keepLayout(_ f: Fields, _ attributes: inout AttributeList, at r: SourceRange) {
        guard let reps = f.take("representations"), !Fields.items(reps).isEmpty else { return }
        attributes.set("layout", Fields.json(reps).serialized(pretty: false), at: r)
    }

    mutating func run() -> ImportResult {
        let empty = "the Open Threat Model file has no components; the imported model is empty"
        guard let root = source.root else { return finish(defaultNotation: .yaml, emptyMessage: empty) }
        guard let top = Fields(root) else {
            fail("an Open Threat Model file is an object with 'otmVersion' and 'project'", at: root)
            return finish(defaultNotation: .yaml, emptyMessage: empty)
        }
        guard let version = top.string("otmVersion") else {
            fail("not an Open Threat Model file: no 'otmVersion'", at: root)
            return finish(defaultNotation: .yaml, emptyMessage: empty)
        }
        if !version.hasPrefix("0.") {
            warn(.otmVersion, "OTM version '\(version)' is newer than 0.2; it is read as 0.2", at: top.node)
        }
        guard let project = Fields(top.take("project")) else {
            fail("an Open Threat Model file needs a 'project' object with 'name' and 'id'", at: root)
            return finish(defaultNotation: .yaml, emptyMessage: empty)
        }
        header(project)
        keepLayout(top, &draft.modelAttributes, at: draft.modelRange)
        for t in list(top, "threats") {
            guard let f = Fields(t), let id = f.peek("id") else { continue }
            if threats[id] == nil { threatOrder.append(id) }
            threats[id] = f
        }
        for m in list(top, "mitigations") {
            guard let f = Fields(m), let id = f.peek("id") else { continue }
            if mitigations[id] == nil { mitigationOrder.append(id) }
            mitigations[id] = f
        }
        for a in list(top, "assets") { asset(a) }
        trustZones(list(top, "trustZones"))
        components(list(top, "components"))
        for d in list(top, "dataflows") { dataflow(d) }
        unreferencedThreats()
        // Moat's own controls (exported with `attributes.moat`) are the catalogue's, not the file's.
        for id in mitigationOrder where !referencedMitigations.contains(id) && mitigations[id]?.object("attributes")?.has("moat") != true {
            let name = mitigations[id]?.peek("name").map { " (\($0))" } ?? ""
            warn(.unmapped, "mitigation '\(id)'\(name) is named by no threat of a component or dataflow; not imported",
                 at: mitigations[id]?.node)
        }
        for e in top.leftovers where !["threats", "mitigations"].contains(e.key) {
            warn(.unmapped, "'\(e.key)' is not mapped", at: e.keyNode)
        }
        return finish(defaultNotation: .yaml, emptyMessage: empty)
    }

    // MARK: - Project

    mutating func header(_ project: Fields) {
        let name = required(project, "name", "'project'")
        let id = required(project, "id", "'project'")
        draft.modelName = Notes.name(name) ?? "OTM project"
        draft.modelRange = range(project.node)
        draft.modelComments = ["# Imported from Open Threat Model: \(Notes.oneLine(source.fileName))"]
        if let id, IDAllocator.sanitize(draft.modelName) != id { draft.modelComments.append(Notes.comment("OTM project id: \(id)")) }
        if let d = project.string("description") { draft.modelAttributes.set("description", Notes.oneLine(d), at: draft.modelRange) }
        if let owner = project.string("owner") {
            let contact = project.string("ownerContact")
            draft.modelAttributes.set("owner", Notes.oneLine(owner) + (contact.map { " (\(Notes.oneLine($0)))" } ?? ""),
                                      at: draft.modelRange)
        }
        var extra: [String] = []
        if let attributes = Fields(project.take("attributes")) {
            if let moat = Fields(attributes.take("moat")) {
                var header = draft.modelAttributes
                for e in moat.entries where ["maturity", "practices", "version", "layout"].contains(e.key) {
                    passThrough(e, into: &header)
                }
                draft.modelAttributes = header
                for t in Fields.items(moat.take("tracking")) { trackingEntry(t) }
                for t in Fields.items(moat.take("threats")) { writtenThreatEntry(t) }
            }
            extra += attributes.leftovers.map { "attributes.\($0.key)" }
        }
        let tags = Fields.strings(project.take("tags")).map(\.0)
        if !tags.isEmpty {
            draft.modelComments.append(Notes.comment("OTM project tags: " + tags.joined(separator: ", ")))
            extra.append("tags (\(tags.joined(separator: ", ")))")
        }
        let parts = [project.leftoverSummary].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "project: not mapped: \(parts.joined(separator: ", "))", at: project.node) }
    }

    /// A `moat` attribute written by the exporter, back as attribute syntax.
    mutating func passThrough(_ e: Entry, into list: inout AttributeList) {
        let r = range(e.keyNode)
        switch e.value {
        case .scalar:
            if let b = Fields.boolValue(e.value), Fields.number(e.value) == nil {
                if b { list.flag(e.key, at: r) }
            } else if let t = Fields.text(e.value) {
                list.set(e.key, t, at: r)
            }
        case .sequence(let items):
            let values = items.compactMap(Fields.text)
            if !values.isEmpty { list.set(e.key, list: values, at: r) }
        default:
            warn(.unmapped, "attribute '\(e.key)' is not a value or a list; left out", at: e.keyNode)
        }
    }

    mutating func trackingEntry(_ node: Node) {
        guard let f = Fields(node), let statusText = f.string("status"), let status = TrackingStatus(rawValue: statusText),
              let pattern = f.string("finding") else {
            warn(.unmapped, "a tracking entry needs 'status' and 'finding'; left out", at: node)
            return
        }
        let r = range(node)
        draft.tracking.append(TrackingSyntax(
            status: Located(status, r), pattern: Located(pattern, r),
            justification: Located(f.string("justification") ?? "", r), owner: f.string("owner").map { Located($0, r) },
            until: f.string("until").map { Located($0, r) }, range: r))
    }

    /// A written threat the exporter kept under `project.attributes.moat.threats`: id, name, subject and attributes.
    mutating func writtenThreatEntry(_ node: Node) {
        guard let f = Fields(node), let id = f.string("id"), let on = f.string("on") else {
            warn(.unmapped, "a written threat needs 'id' and 'on'; left out", at: node)
            return
        }
        let r = range(node)
        var t = ThreatDraft(id: draft.threatIDs.make(exact: id, fallback: "threat"), title: f.string("name") ?? id,
                            subject: on == "model" ? .model : .element(on), range: r)
        for e in f.entries where !["id", "name", "on"].contains(e.key) { passThrough(e, into: &t.attributes) }
        draft.threats.append(t)
    }

    // MARK: - Data assets

    mutating func asset(_ node: Node) {
        guard let f = Fields(node), let otmID = required(f, "id", "an asset") else { return }
        let name = Notes.name(f.string("name"))
        let attributes = Fields(f.take("attributes"))
        let moat = Fields(attributes?.take("moat"))
        let id = moat != nil ? draft.dataIDs.make(exact: otmID, fallback: "data")
            : draft.dataIDs.make(preferredID(otmID, name: name), fallback: "data")
        var d = DataDraft(id: id, name: name, range: range(node))
        dataIDs[otmID] = d.id
        keepOrigin(&d.attributes, otmID: otmID, moatID: d.id, at: d.range)
        let description = f.string("description")
        if let description { d.attributes.set("description", Notes.oneLine(description), at: d.range) }
        let extra: [String] = (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
        if let moat {
            for e in moat.entries { passThrough(e, into: &d.attributes) }
        }
        if let risk = Fields(f.take("risk")) {
            let c = Fields.number(risk.take("confidentiality")), i = Fields.number(risk.take("integrity"))
            let a = Fields.number(risk.take("availability"))
            if moat == nil {
                if let c { d.attributes.set("classification", OTMImporter.classification(confidentiality: c), at: d.range) }
                if let i, i >= 75 { d.attributes.flag("integrity-critical", at: d.range) }
                if let a {
                    let v = a >= 90 ? "mission-critical" : a >= 75 ? "critical" : a >= 50 ? "important" : a >= 25 ? "operational" : "archive"
                    d.infer("availability", v, because: "OTM availability \(AttributeValueText.number(a)) of 100")
                }
            }
            if let comment = risk.string("comment") { d.comments.append(Notes.comment("risk: " + comment)) }
        } else {
            fail("asset '\(otmID)' has no 'risk'", at: node)
        }
        if moat == nil {
            let inferred = DataTagInference.tags([name ?? "", description ?? ""]).filter { !d.attributes.has($0) }
            for flag in inferred { d.attributes.flag(flag, at: d.range) }
            if !inferred.isEmpty { d.comments.append(Notes.comment("flags inferred from the text: " + inferred.joined(separator: ", "))) }
        }
        f.skip("id", "name")
        let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "asset '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
        draft.data.append(d)
    }

    // MARK: - Trust zones

    mutating func trustZones(_ nodes: [Node]) {
        for node in nodes {
            guard let f = Fields(node), let otmID = required(f, "id", "a trust zone") else { continue }
            let name = Notes.name(required(f, "name", "trust zone '\(otmID)'"))
            let attributes = Fields(f.take("attributes"))
            let moat = Fields(attributes?.take("moat"))
            if let moat, moat.peek("outside") == "true" {
                outsideZones.insert(otmID)
                f.skip("name", "risk", "type", "description", "representations", "parent", "id")
                continue
            }
            let id = moat != nil ? draft.ids.make(exact: otmID, fallback: "zone")
                : draft.ids.make(preferredID(otmID, name: name), fallback: "zone")
            var b = BoundaryDraft(id: id, name: name, range: range(node), what: "trust zone '\(otmID)'", sourceID: otmID)
            zoneIDs[otmID] = b.id
            var extra: [String] = []
            if let moat {
                for e in moat.entries { passThrough(e, into: &b.attributes) }
            }
            keepOrigin(&b.attributes, otmID: otmID, moatID: b.id, at: b.range)
            if let risk = Fields(f.take("risk")), let rating = Fields.number(risk.take("trustRating")) {
                // Zones written by Moat carry their own `trust` (or inherit it); others get it from the rating.
                if moat == nil {
                    b.infer("trust", OTMImporter.trust(rating: rating), because: "from the OTM trust rating \(AttributeValueText.number(rating)) of 100")
                }
            } else {
                fail("trust zone '\(otmID)' has no 'risk.trustRating'", at: node)
            }
            if let d = f.string("description"), !b.attributes.has("description") {
                b.attributes.set("description", Notes.oneLine(d), at: b.range)
            }
            if let type = f.string("type"), moat == nil { b.comments.append(Notes.comment("OTM trust zone type: \(type)")) }
            if let parent = Fields(f.take("parent")) {
                if let z = parent.string("trustZone") { b.parent = z } else { extra.append("parent (not a trust zone)") }
            }
            if let properties = Fields(f.take("properties")) {
                var ignored = AttributeList()
                mapProperties(properties, &ignored, &extra, range: b.range)
            }
            if moat == nil { keepLayout(f, &b.attributes, at: b.range) }
            f.skip("id", "name", "representations")
            extra += (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
            let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
            if !parts.isEmpty { warn(.unmapped, "trust zone '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
            draft.boundaries.append(b)
        }
        // Parents are OTM ids until every zone is known; the draft checks cycles and depth for every format.
        for i in draft.boundaries.indices {
            guard let p = draft.boundaries[i].parent else { continue }
            if let parent = zoneIDs[p] { draft.boundaries[i].parent = parent } else {
                bag.warning(.unknownReference, "trust zone '\(draft.boundaries[i].sourceID ?? "")': unknown parent trust zone '\(p)'; placed at top level",
                            at: draft.boundaries[i].range)
                draft.boundaries[i].parent = nil
            }
        }
    }

    // MARK: - Components

    struct Pending {
        var index: Int
        var parentComponent: String?
        var node: Node
    }

    mutating func components(_ nodes: [Node]) {
        var pending: [Pending] = []
        for node in nodes {
            guard let f = Fields(node), let otmID = required(f, "id", "a component") else { continue }
            let name = Notes.name(required(f, "name", "component '\(otmID)'"))
            let type = f.string("type") ?? ""
            let tags = Fields.strings(f.take("tags")).map(\.0)
            let attributes = Fields(f.take("attributes"))
            let moat = Fields(attributes?.take("moat"))
            var kind: ElementKind
            if let k = moat?.peek("kind").flatMap(ElementKind.init(rawValue:)), k.isNode {
                kind = k
            } else if tags.contains(where: { $0.lowercased() == "external" }) {
                kind = .actor
            } else {
                kind = inference.kind(from: [type] + tags + [name ?? ""]) ?? .process
            }
            moat?.skip("kind")
            let id = moat != nil ? draft.ids.make(exact: otmID, fallback: kind.rawValue)
                : draft.ids.make(preferredID(otmID, name: name), fallback: kind.rawValue)
            var e = ElementDraft(kind: kind, id: id, name: name, range: range(node))
            componentIDs[otmID] = e.id
            var extra: [String] = []
            if let moat {
                for entry in moat.entries where entry.key != "kind" { passThrough(entry, into: &e.attributes) }
            } else {
                keepOrigin(&e.attributes, otmID: otmID, moatID: e.id, at: e.range)
                let labelled = [("its OTM type '\(type)'", type)] + tags.map { ("its tag '\($0)'", $0) } + [("its name '\(name ?? "")'", name ?? "")]
                inferKind(&e, from: labelled)
                if !type.isEmpty { e.comments.append(Notes.comment("OTM component type: \(type)")) }
                let leftoverTags = tags.filter { vocabulary.canonicalValue($0, of: "tech") == nil && vocabulary.canonicalValue($0, of: "type") == nil
                    && $0.lowercased() != "external" }
                if !leftoverTags.isEmpty {
                    e.comments.append(Notes.comment("OTM tags: " + leftoverTags.joined(separator: ", ")))
                    extra.append("tags (\(leftoverTags.joined(separator: ", ")))")
                }
                keepLayout(f, &e.attributes, at: e.range)
            }
            if let d = f.string("description"), !e.attributes.has("description") {
                e.attributes.set("description", Notes.oneLine(d), at: e.range)
            }
            var parentComponent: String?
            if let parent = Fields(f.take("parent")) {
                if let z = parent.string("trustZone") {
                    if let b = zoneIDs[z] { e.boundary = b } else if !outsideZones.contains(z) {
                        warn(.unknownReference, "component '\(otmID)': unknown trust zone '\(z)'; placed outside every boundary",
                             at: parent.node)
                    }
                } else if let c = parent.string("component") {
                    parentComponent = c
                }
            } else {
                fail("component '\(otmID)' has no 'parent'", at: node)
            }
            if let assets = Fields(f.take("assets")) {
                let processed = dataRefs(assets.take("processed"), "component '\(otmID)'")
                let stored = dataRefs(assets.take("stored"), "component '\(otmID)'")
                switch kind {
                case .process: e.attributes.add(list: "processes", processed + stored, at: e.range)
                default: e.attributes.add(list: "stores", stored + processed, at: e.range)
                }
            }
            let instances = f.take("threats")
            if let properties = Fields(f.take("properties")) { mapProperties(properties, &e.attributes, &extra, range: e.range) }
            f.skip("id", "name", "type", "representations")
            extra += (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
            let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
            if !parts.isEmpty { warn(.unmapped, "component '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
            draft.elements.append(e)
            threatInstances(instances, subject: .element(e.id), on: "component '\(otmID)'")
            pending.append(Pending(index: draft.elements.count - 1, parentComponent: parentComponent, node: node))
        }
        // Components inside components: Moat elements do not nest, so they join their parent's boundary.
        var pendingOf: [Int: Int] = [:]
        for (k, p) in pending.enumerated() { pendingOf[p.index] = k }
        for p in pending {
            guard let parent = p.parentComponent else { continue }
            guard let parentID = componentIDs[parent] else {
                warn(.unknownReference, "component '\(draft.elements[p.index].id)': unknown parent component '\(parent)'", at: p.node)
                continue
            }
            var seen: Set<String> = []
            var current: String? = parent
            var boundary: String?
            while let c = current, seen.insert(c).inserted {
                guard let id = componentIDs[c], let i = draft.elementIndex(id) else { break }
                if let b = draft.elements[i].boundary { boundary = b; break }
                current = pendingOf[i].flatMap { pending[$0].parentComponent }
            }
            draft.elements[p.index].boundary = boundary
            draft.elements[p.index].comments.append(Notes.comment("part of component '\(parentID)' in the OTM file"))
            warn(.flattened, "component '\(draft.elements[p.index].id)' is nested in component '\(parentID)'; "
                 + "Moat elements do not nest, so it sits beside it", at: p.node)
        }
    }

    /// Tool-specific `properties` (Microsoft Threat Modeling Tool exports): scope is mapped, the rest reported.
    func mapProperties(_ p: Fields, _ list: inout AttributeList, _ extra: inout [String], range: SourceRange) {
        for e in p.entries {
            let value = Fields.text(e.value)
            switch e.key {
            case "Name": continue
            case "Out Of Scope":
                if value == "true" {
                    let reason = p.peek("Reason For Out Of Scope") ?? "out of scope in the source model"
                    list.set("out-of-scope", Notes.oneLine(reason), at: range)
                }
            case "Reason For Out Of Scope": continue
            default:
                guard let value, !["select", "false", "0"].contains(value.lowercased()) else { continue }
                extra.append("properties.\(e.key) (\(Fields.clip(value, 40)))")
            }
        }
    }

    mutating func dataRefs(_ node: Node?, _ what: String) -> [String] {
        var out: [String] = []
        for (id, n) in Fields.strings(node) {
            if let mapped = dataIDs[id] { out.append(mapped) } else { warn(.unknownReference, "\(what): unknown asset '\(id)'; left out", at: n) }
        }
        return out
    }

    // MARK: - Dataflows

    mutating func dataflow(_ node: Node) {
        guard let f = Fields(node), let otmID = required(f, "id", "a dataflow") else { return }
        let name = Notes.name(f.string("name"))
        guard let sourceNode = f.entry("source"), let source = Fields.text(sourceNode.value),
              let targetNode = f.entry("destination"), let target = Fields.text(targetNode.value) else {
            fail("dataflow '\(otmID)' needs 'source' and 'destination'", at: node)
            return
        }
        guard let s = componentIDs[source], let t = componentIDs[target] else {
            let missing = componentIDs[source] == nil ? source : target
            warn(.unknownReference, "dataflow '\(otmID)': '\(missing)' is not a component; left out",
                 at: componentIDs[source] == nil ? sourceNode.value : targetNode.value)
            return
        }
        var flow = FlowDraft(source: s, target: t, name: name, preferredID: preferredID(otmID, name: name), range: range(node))
        if let b = f.take("bidirectional"), Fields.boolValue(b) == true { flow.twoWay = true }
        var extra: [String] = []
        let attributes = Fields(f.take("attributes"))
        if let moat = Fields(attributes?.take("moat")) {
            let markers = ["explicit-id", "unnamed"]
            if moat.peek("explicit-id") == "true" { flow.explicitID = draft.ids.make(exact: otmID, fallback: "flow") }
            if moat.peek("unnamed") == "true" { flow.name = nil }
            for e in moat.entries where !markers.contains(e.key) { passThrough(e, into: &flow.attributes) }
        } else {
            // Keep the OTM id for exports; the Moat id stays `source->target` (finding ids read better).
            flow.attributes.set("origin", "otm:\(otmID)", at: flow.range)
            for (tag, _) in Fields.strings(f.take("tags")) {
                if let (p, port) = inference.protocolName(tag), !flow.attributes.has("protocol") {
                    flow.attributes.set("protocol", p, at: flow.range)
                    if let port { flow.attributes.set("port", String(port), at: flow.range) }
                } else {
                    flow.comments.append(Notes.comment("OTM tag: \(tag)"))
                    extra.append("tag '\(tag)'")
                }
            }
            keepLayout(f, &flow.attributes, at: flow.range)
        }
        if let d = f.string("description"), !flow.attributes.has("description") {
            flow.attributes.set("description", Notes.oneLine(d), at: flow.range)
        }
        flow.attributes.add(list: "carries", dataRefs(f.take("assets"), "dataflow '\(otmID)'"), at: flow.range)
        let instances = f.take("threats")
        if let properties = Fields(f.take("properties")) {
            mapProperties(properties, &flow.attributes, &extra, range: flow.range)
        }
        f.skip("id", "name", "representations", "tags")
        extra += (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
        let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "dataflow '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
        draft.flows.append(flow)
        threatInstances(instances, subject: .flow(draft.flows.count - 1), on: "dataflow '\(otmID)'")
    }

    // MARK: - Threats and mitigations

    /// Whether an OTM threat is a Moat finding the exporter wrote (the analysis finds it again).
    func isMoatFinding(_ t: Fields) -> Bool { t.object("attributes")?.has("moat") == true }

    /// The threats a component or dataflow references, as written threats on it.
    mutating func threatInstances(_ node: Node?, subject: ThreatDraft.Subject, on what: String) {
        for n in Fields.items(node) {
            guard let f = Fields(n), let id = f.string("threat") else { continue }
            referencedThreats.insert(id)
            guard let t = threats[id] else {
                warn(.unknownReference, "\(what): threat '\(id)' is not defined in the file; left out", at: n)
                continue
            }
            let instanceMitigations = Fields.items(f.take("mitigations"))
            for m in instanceMitigations { if let mid = Fields(m)?.peek("mitigation") { referencedMitigations.insert(mid) } }
            if isMoatFinding(t) { continue }
            var refs: [JSONValue] = []
            var names: [String] = []
            for m in instanceMitigations {
                guard let mf = Fields(m), let mid = mf.string("mitigation") else { continue }
                var pairs: [(String, JSONValue)] = [("mitigation", .string(mid))]
                if let s = mf.string("state") { pairs.append(("state", .string(s))) }
                if let def = mitigations[mid] {
                    pairs.append(("definition", Fields.json(def.node)))
                    names.append((def.peek("name") ?? mid) + (mf.peek("state").map { " (\($0))" } ?? ""))
                } else {
                    names.append(mid + (mf.peek("state").map { " (\($0))" } ?? ""))
                }
                refs.append(.object(pairs))
            }
            addThreat(id, t, subject: subject, state: f.string("state"), mitigationRefs: refs, mitigationNames: names, range: range(n), on: what)
        }
    }

    mutating func addThreat(_ id: String, _ t: Fields, subject: ThreatDraft.Subject, state: String?, mitigationRefs: [JSONValue],
                            mitigationNames: [String], range r: SourceRange, on what: String) {
        let name = Notes.name(t.peek("name")) ?? id
        let risk = t.object("risk")
        let cwes = Fields.strings(t.look("cwes")).compactMap { Int($0.0.uppercased().replacingOccurrences(of: "CWE-", with: "")) }
        var foreign = ForeignThreat(title: name, description: t.peek("description"),
                                    categories: Fields.strings(t.look("categories")).map(\.0),
                                    status: state, mitigation: mitigationNames.isEmpty ? nil : mitigationNames.joined(separator: "; "),
                                    cwe: cwes, origin: "otm:\(id)", subject: subject, range: r, what: "threat '\(id)' on \(what)")
        if let l = Fields.number(risk?.look("likelihood")), let i = Fields.number(risk?.look("impact")) {
            foreign.likelihood = OTMImporter.scale(l)
            foreign.impact = OTMImporter.scale(i)
        }
        // OTM states are free text: only the ones that say the threat is dealt with become decisions.
        if let s = state?.lowercased(), !["mitigated", "not-applicable", "na", "accepted", "false-positive"].contains(s) {
            foreign.status = nil
        }
        // Readable OTM threat ids are kept as they are (UUIDs give way to the title).
        foreign.preferredID = preferredID(id, name: nil) == id ? id : nil
        guard var written = writtenThreat(foreign) else { return }
        if let state { written.comments.append(Notes.comment("OTM state: \(state)")) }
        if !mitigationRefs.isEmpty {
            written.attributes.set("mitigated-by", JSONValue.array(mitigationRefs).serialized(pretty: false), at: r)
        }
        if let l = Fields.number(risk?.look("likelihood")), let i = Fields.number(risk?.look("impact")) {
            written.comments.append(Notes.comment("OTM risk: likelihood \(AttributeValueText.number(l)), impact \(AttributeValueText.number(i))"))
        }
        draft.threats.append(written)
    }

    /// Threats referenced by nothing: written threats on the model.
    mutating func unreferencedThreats() {
        for id in threatOrder where !referencedThreats.contains(id) {
            guard let t = threats[id], !isMoatFinding(t) else { continue }
            addThreat(id, t, subject: .model, state: nil, mitigationRefs: [], mitigationNames: [], range: range(t.node), on: "the project")
        }
    }
}

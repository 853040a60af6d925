import Foundation
import MoatCore
import Yams

/// Imports an Open Threat Model file (JSON or YAML, schema `otm_schema.json`) as a Moat document.
///
/// Trust zones become boundaries with a `trust` level from their trust rating (nested through
/// `parent.trustZone`); components become actors, processes or datastores (from their `type`,
/// tags and name), placed in their parent's boundary; dataflows become flows; data assets keep
/// their classification. Threats and mitigations are kept as comments on the components and flows
/// that reference them. Files written by `OTMExporter` carry every Moat attribute under
/// `attributes.moat`, so exporting and importing again gives back the same model.
public struct OTMImporter {
    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    public func importModel(_ file: SourceFile) -> ImportResult {
        OTMRun(file: file, vocabulary: vocabulary).run()
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
}

private final class OTMRun: ImportRun {
    var zoneIDs: [String: String] = [:]
    /// Zones written by the exporter for elements outside every boundary.
    var outsideZones: Set<String> = []
    var componentIDs: [String: String] = [:]
    var dataIDs: [String: String] = [:]
    var threats: [String: Fields] = [:]
    var mitigations: [String: Fields] = [:]
    var referencedThreats: Set<String> = []

    init(file: SourceFile, vocabulary: Vocabulary) { super.init(file: file, defaultNotation: .yaml, vocabulary: vocabulary) }


    func fail(_ message: String, at node: Node?) {
        bag.error(.invalidOtm, message, at: node == nil ? tree.start : range(node))
    }

    func list(_ fields: Fields, _ key: String) -> [Node] {
        guard let e = fields.entry(key) else { return [] }
        if Fields.isNull(e.value) { return [] }
        guard case .sequence(let items) = e.value else {
            fail("'\(key)' must be a list", at: e.value)
            return []
        }
        return Array(items)
    }

    func required(_ f: Fields, _ key: String, _ what: String) -> String? {
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

    func run() -> ImportResult {
        tree = SourceTree(file: file, diagnostics: &bag)
        guard let root = tree.root else { return result() }
        guard let top = Fields(root) else {
            fail("an Open Threat Model file is an object with 'otmVersion' and 'project'", at: root)
            return result()
        }
        guard let version = top.string("otmVersion") else {
            fail("not an Open Threat Model file: no 'otmVersion'", at: root)
            return result()
        }
        if !version.hasPrefix("0.") {
            warn(.otmVersion, "OTM version '\(version)' is newer than 0.2; it is read as 0.2", at: top.node)
        }
        guard let project = Fields(top.take("project")) else {
            fail("an Open Threat Model file needs a 'project' object with 'name' and 'id'", at: root)
            return result()
        }
        header(project)
        if let reps = top.entry("representations"), !Fields.items(reps.value).isEmpty {
            warn(.unmapped, "representations (diagram layout, code links) are not imported", at: reps.keyNode)
        }
        for t in list(top, "threats") {
            guard let f = Fields(t), let id = f.peek("id") else { continue }
            threats[id] = f
        }
        for m in list(top, "mitigations") {
            guard let f = Fields(m), let id = f.peek("id") else { continue }
            mitigations[id] = f
        }
        for a in list(top, "assets") { asset(a) }
        trustZones(list(top, "trustZones"))
        components(list(top, "components"))
        for d in list(top, "dataflows") { dataflow(d) }
        draft.assignFlowIDs()
        unreferencedThreats()
        for e in top.leftovers where !["representations", "threats", "mitigations"].contains(e.key) {
            warn(.unmapped, "'\(e.key)' is not mapped", at: e.keyNode)
        }
        if draft.elements.isEmpty && !bag.hasErrors {
            bag.warning(.emptyModel, "the Open Threat Model file has no components; the imported model is empty", at: tree.start)
        }
        return result()
    }

    // MARK: - Project

    func header(_ project: Fields) {
        let name = required(project, "name", "'project'")
        _ = required(project, "id", "'project'")
        draft.modelName = Notes.name(name) ?? "OTM project"
        draft.modelRange = range(project.node)
        draft.modelComments = ["# Imported from Open Threat Model: \(Notes.oneLine((file.path as NSString).lastPathComponent))"]
        if let d = project.string("description") { draft.modelAttributes.set("description", Notes.oneLine(d), at: draft.modelRange) }
        if let owner = project.string("owner") {
            let contact = project.string("ownerContact")
            draft.modelAttributes.set("owner", Notes.oneLine(owner) + (contact.map { " (\(Notes.oneLine($0)))" } ?? ""),
                                      at: draft.modelRange)
        }
        var extra: [String] = []
        if let attributes = Fields(project.take("attributes")) {
            if let moat = Fields(attributes.take("moat")) {
                for e in moat.entries where ["maturity", "practices", "version"].contains(e.key) {
                    passThrough(e, into: &draft.modelAttributes)
                }
                for t in Fields.items(moat.take("tracking")) { trackingEntry(t) }
            }
            extra += attributes.leftovers.map { "attributes.\($0.key)" }
        }
        let tags = Fields.strings(project.take("tags")).map(\.0)
        if !tags.isEmpty { extra.append("tags (\(tags.joined(separator: ", ")))") }
        let parts = [project.leftoverSummary].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "project: not mapped: \(parts.joined(separator: ", "))", at: project.node) }
    }

    /// A `moat` attribute written by the exporter, back as attribute syntax.
    func passThrough(_ e: Entry, into list: inout AttributeList) {
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
            if !values.isEmpty { list.set(SyntaxMaker.attribute(e.key, values, at: r)) }
        default:
            warn(.unmapped, "attribute '\(e.key)' is not a value or a list; left out", at: e.keyNode)
        }
    }

    func trackingEntry(_ node: Node) {
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

    // MARK: - Data assets

    func asset(_ node: Node) {
        guard let f = Fields(node), let otmID = required(f, "id", "an asset") else { return }
        let name = Notes.name(f.string("name"))
        let attributes = Fields(f.take("attributes"))
        let moat = Fields(attributes?.take("moat"))
        let id = moat != nil ? draft.dataIDs.make(exact: otmID, fallback: "data")
            : draft.dataIDs.make(preferredID(otmID, name: name), fallback: "data")
        var d = DataDraft(id: id, name: name, range: range(node))
        dataIDs[otmID] = d.id
        let description = f.string("description")
        if let description { d.attributes.set("description", Notes.oneLine(description), at: d.range) }
        var extra: [String] = (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
        if let moat {
            for e in moat.entries { passThrough(e, into: &d.attributes) }
        }
        if let risk = Fields(f.take("risk")) {
            let c = Fields.number(risk.take("confidentiality")), i = Fields.number(risk.take("integrity"))
            let a = Fields.number(risk.take("availability"))
            if moat == nil {
                if let c { d.attributes.set("classification", OTMImporter.classification(confidentiality: c), at: d.range) }
                if let i, i >= 75 { d.attributes.flag("integrity-critical", at: d.range) }
                if let a { extra.append("risk.availability (\(AttributeValueText.number(a)))") }
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

    func trustZones(_ nodes: [Node]) {
        var parents: [String: String] = [:]
        var drafts: [(otmID: String, draft: BoundaryDraft)] = []
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
            var b = BoundaryDraft(id: id, name: name, range: range(node))
            zoneIDs[otmID] = b.id
            var extra: [String] = []
            if let moat {
                for e in moat.entries { passThrough(e, into: &b.attributes) }
            }
            if let risk = Fields(f.take("risk")), let rating = Fields.number(risk.take("trustRating")) {
                // Zones written by Moat carry their own `trust` (or inherit it); others get it from the rating.
                if moat == nil { b.attributes.set("trust", OTMImporter.trust(rating: rating), at: b.range) }
                if moat == nil { b.comments.append(Notes.comment("OTM trust rating: \(AttributeValueText.number(rating))")) }
            } else {
                fail("trust zone '\(otmID)' has no 'risk.trustRating'", at: node)
            }
            if let d = f.string("description"), !b.attributes.has("description") {
                b.attributes.set("description", Notes.oneLine(d), at: b.range)
            }
            if let type = f.string("type"), moat == nil { b.comments.append(Notes.comment("OTM trust zone type: \(type)")) }
            if let parent = Fields(f.take("parent")) {
                if let z = parent.string("trustZone") { parents[otmID] = z } else {
                    extra.append("parent (not a trust zone)")
                }
            }
            if let properties = Fields(f.take("properties")) {
                var ignored = AttributeList()
                mapProperties(properties, &ignored, &extra, range: b.range, kind: .boundary)
            }
            f.skip("id", "name", "representations")
            extra += (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
            let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
            if !parts.isEmpty { warn(.unmapped, "trust zone '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
            drafts.append((otmID, b))
        }
        for i in drafts.indices {
            guard let p = parents[drafts[i].otmID] else { continue }
            guard let parentID = zoneIDs[p] else {
                warn(.unknownReference, "trust zone '\(drafts[i].otmID)': unknown parent trust zone '\(p)'", at: nil)
                continue
            }
            // Refuse cycles.
            var x: String? = p, cycle = false, steps = 0
            while let z = x, steps < 1000 { if z == drafts[i].otmID { cycle = true; break }; x = parents[z]; steps += 1 }
            if cycle {
                warn(.nestingCycle, "trust zone '\(drafts[i].otmID)' cannot nest in '\(p)': the nesting would be a cycle",
                     at: nil)
                continue
            }
            drafts[i].draft.parent = parentID
        }
        var out: [BoundaryDraft] = []
        func visit(_ b: BoundaryDraft) {
            out.append(b)
            for c in drafts.map(\.draft) where c.parent == b.id { visit(c) }
        }
        for b in drafts.map(\.draft) where b.parent == nil { visit(b) }
        draft.boundaries += out
    }

    // MARK: - Components

    static let datastoreWords: Set<String> = [
        "database", "db", "storage", "store", "datastore", "bucket", "s3", "blob", "queue", "cache", "redis", "filesystem",
        "file", "files", "repository", "repo", "vault", "postgresql", "postgres", "mysql", "mongodb", "mongo", "sql", "nosql",
        "dynamodb", "cosmosdb", "table", "ledger", "kafka", "sqs", "elasticsearch", "mssql", "oracle", "warehouse",
    ]
    static let actorWords: Set<String> = [
        "client", "user", "users", "browser", "actor", "external", "person", "customer", "device", "mobile", "android", "ios",
        "human", "partner", "employee", "admin", "administrator", "operator",
    ]
    /// Words of a component's type or name → Moat `type`, first match wins.
    static let typeWords: [(words: Set<String>, type: String, kinds: Set<ElementKind>)] = [
        (["browser"], "browser", [.actor]), (["mobile", "android", "ios"], "mobile-app", [.actor, .process]),
        (["device", "iot"], "device", [.actor]), (["admin", "administrator"], "admin", [.actor]),
        (["operator"], "operator", [.actor]), (["partner"], "partner", [.actor]),
        (["user", "users", "customer", "person", "human", "employee"], "user", [.actor]),
        (["gateway"], "gateway", [.process]), (["proxy"], "reverse-proxy", [.process]),
        (["balancer"], "load-balancer", [.process]), (["cdn"], "cdn", [.process]),
        (["function", "lambda", "serverless"], "function", [.process]), (["idp", "identity"], "identity-provider", [.process]),
        (["api", "service", "rest", "soap", "graphql", "microservice"], "api", [.process]),
        (["web", "webapp", "website", "portal"], "web-app", [.process]),
        (["nosql", "mongodb", "mongo", "dynamodb", "cassandra", "cosmosdb"], "nosql", [.datastore]),
        (["database", "db", "sql", "postgresql", "postgres", "mysql", "mssql", "oracle"], "sql", [.datastore]),
        (["queue", "sqs", "kafka", "rabbitmq"], "queue", [.datastore]), (["cache", "redis", "memcached"], "cache", [.datastore]),
        (["vault", "kms", "hsm", "secret", "secrets"], "secret-store", [.datastore]),
        (["storage", "blob", "bucket", "s3"], "object-store", [.datastore]), (["file", "files", "filesystem"], "file", [.datastore]),
    ]

    static func words(_ texts: [String]) -> [String] {
        texts.flatMap { $0.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init) }
    }

    struct Pending {
        var index: Int
        var parentComponent: String?
        var node: Node
    }

    func components(_ nodes: [Node]) {
        var pending: [Pending] = []
        for node in nodes {
            guard let f = Fields(node), let otmID = required(f, "id", "a component") else { continue }
            let name = Notes.name(required(f, "name", "component '\(otmID)'"))
            let type = f.string("type") ?? ""
            let tags = Fields.strings(f.take("tags")).map(\.0)
            let attributes = Fields(f.take("attributes"))
            let moat = Fields(attributes?.take("moat"))
            let typeWords = Self.words([type])
            let allWords = typeWords + Self.words(tags) + Self.words([name ?? ""])
            var kind: ElementKind
            if let k = moat?.peek("kind").flatMap(ElementKind.init(rawValue:)), k.isNode {
                kind = k
            } else if typeWords.contains(where: Self.datastoreWords.contains) {
                kind = .datastore
            } else if typeWords.contains(where: Self.actorWords.contains) || tags.contains(where: { $0.lowercased() == "external" }) {
                kind = .actor
            } else if allWords.contains(where: Self.datastoreWords.contains) && !allWords.contains("service") {
                kind = .datastore
            } else {
                kind = .process
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
                for (words, t, kinds) in Self.typeWords where kinds.contains(kind) {
                    if typeWords.contains(where: words.contains) || Self.words([name ?? ""]).contains(where: words.contains) {
                        e.attributes.set("type", t, at: e.range)
                        break
                    }
                }
                if kind == .actor, !e.attributes.has("type"), typeWords.contains("web") { e.attributes.set("type", "browser", at: e.range) }
                var tech = vocabulary.tech(type)
                for w in typeWords + Self.words(tags) where tech == nil { tech = vocabulary.tech(w) }
                if let tech { e.attributes.set("tech", tech, at: e.range) }
                if !type.isEmpty { e.comments.append(Notes.comment("OTM component type: \(type)")) }
                let leftoverTags = tags.filter { vocabulary.tech($0) == nil && $0.lowercased() != "external" }
                if !leftoverTags.isEmpty { extra.append("tags (\(leftoverTags.joined(separator: ", ")))") }
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
                case .process: e.attributes.add(refs: "processes", processed + stored, at: e.range)
                default: e.attributes.add(refs: "stores", stored + processed, at: e.range)
                }
            }
            e.comments += threatNotes(f.take("threats"))
            if let properties = Fields(f.take("properties")) { mapProperties(properties, &e.attributes, &extra, range: e.range, kind: kind) }
            f.skip("id", "name", "type", "representations")
            extra += (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
            let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
            if !parts.isEmpty { warn(.unmapped, "component '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
            draft.elements.append(e)
            pending.append(Pending(index: draft.elements.count - 1, parentComponent: parentComponent, node: node))
        }
        // Components inside components: Moat elements do not nest, so they join their parent's boundary.
        for p in pending {
            guard let parent = p.parentComponent else { continue }
            var seen: Set<String> = []
            var current: String? = parent
            var boundary: String?
            while let c = current, seen.insert(c).inserted {
                guard let id = componentIDs[c], let i = draft.elementIndex(id) else { break }
                if let b = draft.elements[i].boundary { boundary = b; break }
                current = pending.first { $0.index == i }?.parentComponent
            }
            guard componentIDs[parent] != nil else {
                warn(.unknownReference, "component '\(draft.elements[p.index].id)': unknown parent component '\(parent)'", at: p.node)
                continue
            }
            draft.elements[p.index].boundary = boundary
            draft.elements[p.index].comments.append(Notes.comment("part of component '\(componentIDs[parent]!)' in the OTM file"))
            warn(.flattened, "component '\(draft.elements[p.index].id)' is nested in component '\(componentIDs[parent]!)'; "
                 + "Moat elements do not nest, so it sits beside it", at: p.node)
        }
    }

    /// Tool-specific `properties` (Microsoft Threat Modeling Tool exports): scope is mapped, the rest reported.
    func mapProperties(_ p: Fields, _ list: inout AttributeList, _ extra: inout [String], range: SourceRange, kind: ElementKind) {
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

    func dataRefs(_ node: Node?, _ what: String) -> [String] {
        Fields.strings(node).compactMap { id, n in
            if let mapped = dataIDs[id] { return mapped }
            warn(.unknownReference, "\(what): unknown asset '\(id)'; left out", at: n)
            return nil
        }
    }

    // MARK: - Dataflows

    func dataflow(_ node: Node) {
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
            for (tag, _) in Fields.strings(f.take("tags")) {
                if let p = vocabulary.protocolName(tag), !flow.attributes.has("protocol") {
                    flow.attributes.set("protocol", p, at: flow.range)
                } else {
                    extra.append("tag '\(tag)'")
                }
            }
        }
        if let d = f.string("description"), !flow.attributes.has("description") {
            flow.attributes.set("description", Notes.oneLine(d), at: flow.range)
        }
        flow.attributes.add(refs: "carries", dataRefs(f.take("assets"), "dataflow '\(otmID)'"), at: flow.range)
        flow.comments += threatNotes(f.take("threats"))
        if let properties = Fields(f.take("properties")) {
            mapProperties(properties, &flow.attributes, &extra, range: flow.range, kind: .flow)
        }
        f.skip("id", "name", "representations", "tags")
        extra += (attributes?.leftovers ?? []).map { "attributes.\($0.key)" }
        let parts = [f.leftoverSummary].filter { !$0.isEmpty } + extra
        if !parts.isEmpty { warn(.unmapped, "dataflow '\(otmID)': not mapped: \(parts.joined(separator: ", "))", at: node) }
        draft.flows.append(flow)
    }

    // MARK: - Threats and mitigations

    func threatText(_ id: String, state: String?) -> String? {
        guard let t = threats[id] else { return nil }
        if Fields(t.entries.first { $0.key == "attributes" }?.value)?.has("moat") == true { return nil }  // a Moat finding
        let name = t.peek("name") ?? id
        var facts: [String] = []
        if let state { facts.append(state) }
        let categories = Fields.strings(t.entries.first { $0.key == "categories" }?.value).map(\.0)
        facts += categories
        facts += Fields.strings(t.entries.first { $0.key == "cwes" }?.value).map(\.0)
        if let risk = Fields(t.entries.first { $0.key == "risk" }?.value) {
            if let l = Fields.number(risk.entries.first { $0.key == "likelihood" }?.value) { facts.append("likelihood \(AttributeValueText.number(l))") }
            if let i = Fields.number(risk.entries.first { $0.key == "impact" }?.value) { facts.append("impact \(AttributeValueText.number(i))") }
        }
        var text = "OTM threat '\(name)'" + (facts.isEmpty ? "" : " (\(facts.joined(separator: ", ")))")
        if let d = t.peek("description"), d != name { text += ": " + d }
        return text
    }

    func threatNotes(_ node: Node?) -> [String] {
        Fields.items(node).compactMap { n -> String? in
            guard let f = Fields(n), let id = f.string("threat") else { return nil }
            referencedThreats.insert(id)
            guard var text = threatText(id, state: f.string("state")) else {
                return threats[id] == nil ? Notes.comment("OTM threat '\(id)' (not defined in the file)") : nil
            }
            for m in Fields.items(f.take("mitigations")) {
                guard let mf = Fields(m), let mid = mf.string("mitigation") else { continue }
                let mname = mitigations[mid]?.peek("name") ?? mid
                text += " Mitigation: \(mname)" + (mf.string("state").map { " (\($0))" } ?? "") + "."
            }
            return Notes.comment(text)
        }
    }

    func unreferencedThreats() {
        let loose = threats.keys.filter { !referencedThreats.contains($0) }.sorted()
        let notes = loose.compactMap { threatText($0, state: nil) }.map(Notes.comment)
        if !notes.isEmpty { draft.trailingComments += ["# OTM threats not attached to any component or dataflow:"] + notes }
    }
}

/// Numbers as written in messages (no needless `.0`).
enum AttributeValueText {
    static func number(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
    }
}

import Foundation
import MoatCore
import Yams

/// Imports a Threat Model Bill of Materials (TM-BOM: the OWASP threat model library's `threat-model.schema.json`,
/// which OWASP Threat Dragon reads and writes) as a Moat document.
///
/// Trust zones become boundaries; actors, components and data stores become elements in their zone; data sets become
/// data assets stored where they are placed; data flows become flows; threats become written threats (with the
/// CWE and CAPEC ids of their weaknesses and attack mechanisms), their severity from the risks that name them and
/// their status from the controls that address them; controls, risks, personas and assumptions are kept as text.
public struct TMBOMImporter {
    /// The vocabulary that maps TM-BOM component types to Moat kinds and attributes.
    public let vocabulary: Vocabulary
    /// Trust levels chosen for zones (`--trust ZONE=LEVEL`); they replace what the importer inferred.
    public var options: ImportOptions

    /// An importer mapping through `vocabulary`, with the zone trust levels in `options`.
    public init(vocabulary: Vocabulary, options: ImportOptions = ImportOptions()) {
        self.vocabulary = vocabulary
        self.options = options
    }

    /// Reads a TM-BOM file (JSON or YAML) as a Moat document; never throws: problems are in the diagnostics.
    public func importModel(_ file: SourceFile) -> ImportResult {
        var mapper = TMBOMMapper(file: file, vocabulary: vocabulary, options: options)
        return mapper.run()
    }
}

struct TMBOMMapper: FormatMapper {
    var source: ForeignSource
    var bag = DiagnosticBag()
    var draft: DocumentDraft
    let options: ImportOptions
    let vocabulary: Vocabulary

    var zoneIDs: [String: String] = [:]
    var elementIDs: [String: String] = [:]
    var dataIDs: [String: String] = [:]

    init(file: SourceFile, vocabulary: Vocabulary, options: ImportOptions) {
        var bag = DiagnosticBag()
        self.source = ForeignSource(file, diagnostics: &bag)
        self.bag = bag
        self.vocabulary = vocabulary
        self.options = options
        self.draft = DocumentDraft(vocabulary: vocabulary, file: file)
    }

    func items(_ top: Fields, _ key: String) -> [(Fields, Node)] {
        Fields.items(top.take(key)).compactMap { n in Fields(n).map { ($0, n) } }
    }

    mutating func run() -> ImportResult {
        let empty = "the TM-BOM has no actors, components or data stores; the imported model is empty"
        guard let root = source.root, let top = Fields(root) else {
            if source.root != nil { bag.error(.invalidStructure, "a TM-BOM is an object with 'scope', 'trust_zones', 'components'…", at: source.start) }
            return finish(defaultNotation: .json, emptyMessage: empty)
        }
        top.skip("$schema", "version", "frozen")
        let scope = top.object("scope")
        top.skip("scope")
        draft.modelName = Notes.name(scope?.string("title")) ?? source.baseName
        draft.modelRange = range(scope?.look("title") ?? root)
        draft.modelComments = ["# Imported from a Threat Model BOM (TM-BOM): \(Notes.oneLine(source.fileName))"]
        if let d = top.string("description") ?? scope?.string("description") {
            draft.modelAttributes.set("description", Notes.oneLine(d), at: draft.modelRange)
        }
        if let scope {
            if let d = scope.string("description") { draft.modelComments.append(Notes.comment("scope: " + Fields.clip(d, 600))) }
            for key in ["business_criticality", "exposure", "tier"] {
                if let v = scope.string(key) { draft.modelComments.append(Notes.comment("\(key.replacingOccurrences(of: "_", with: " ")): \(v)")) }
            }
            let sensitivity = Fields.strings(scope.take("data_sensitivity")).map(\.0)
            if !sensitivity.isEmpty { draft.modelComments.append(Notes.comment("data sensitivity: " + sensitivity.joined(separator: ", "))) }
            scope.skip("title")
            reportLeftovers(scope, "scope", at: scope.node)
        }
        for key in ["release_docs_link", "repo_link", "reviewed_at"] {
            if let v = top.string(key) { draft.modelComments.append(Notes.comment("\(key.replacingOccurrences(of: "_", with: " ")): \(v)")) }
        }
        for (d, n) in items(top, "diagrams") {
            let title = d.string("title") ?? "diagram"
            d.skip("type", "source")
            draft.modelComments.append(Notes.comment("diagram '\(title)' (\(d.peek("type") ?? "?")) is kept in the source file"))
            warn(.keptAsComment, "diagram '\(title)': its drawing (\(d.look("type").flatMap(Fields.text) ?? "source")) is not imported; the model comes from the lists", at: n)
        }
        zones(top)
        elements(top)
        dataSets(top)
        flows(top)
        threats(top)
        for (a, _) in items(top, "assumptions") {
            if let d = a.string("description") {
                let topics = Fields.strings(a.take("topics")).map(\.0)
                draft.modelComments.append(Notes.comment("assumption (\(a.string("validity") ?? "unchecked")): \(d)"
                                                         + (topics.isEmpty ? "" : " [\(topics.joined(separator: ", "))]")))
            }
        }
        for (p, _) in items(top, "threat_personas") {
            draft.modelComments.append(Notes.comment("threat persona '\(p.string("title") ?? p.string("symbolic_name") ?? "?")': "
                                                     + (p.string("description") ?? "") + (p.string("skill_level").map { " (skill: \($0))" } ?? "")))
        }
        for e in top.leftovers { warn(.unmapped, "'\(e.key)' is not mapped", at: e.keyNode) }
        return finish(defaultNotation: .json, emptyMessage: empty)
    }

    // MARK: - Zones and elements

    mutating func zones(_ top: Fields) {
        for (z, n) in items(top, "trust_zones") {
            guard let symbol = z.string("symbolic_name") else { warn(.missingKey, "a trust zone has no 'symbolic_name'; skipped", at: n); continue }
            let name = Notes.name(z.string("title")) ?? symbol
            let id = draft.ids.make(symbol, fallback: "zone")
            zoneIDs[symbol] = id
            var b = BoundaryDraft(id: id, name: name, range: range(n), what: "trust zone '\(symbol)'", sourceID: symbol)
            let description = z.string("description")
            if let description { b.attributes.set("description", Notes.oneLine(description), at: b.range) }
            if id != symbol { b.attributes.set("origin", "tm-bom:\(symbol)", at: b.range) }
            inferTrust(&b)
            if !b.attributes.has("trust"), let description, let (v, w) = inference.trust(fromName: description) {
                b.infer("trust", v, because: "inferred from the word '\(w)' in its description")
            }
            reportLeftovers(z, "trust zone '\(symbol)'", at: n)
            draft.boundaries.append(b)
        }
        // Trust boundaries are pairs of zones with the controls at the crossing: kept as notes on the zones.
        for (tb, n) in items(top, "trust_boundaries") {
            let a = tb.string("trust_zone_a") ?? "?", b = tb.string("trust_zone_b") ?? "?"
            var facts: [String] = []
            for key in ["access_control_methods", "authentication_methods"] {
                let values = Array(Set(Fields.strings(tb.take(key)).map(\.0))).sorted()
                if !values.isEmpty { facts.append("\(key.replacingOccurrences(of: "_", with: " ")): \(values.joined(separator: ", "))") }
            }
            let note = Notes.comment("crossing \(a) ↔ \(b)" + (facts.isEmpty ? "" : ": " + facts.joined(separator: "; ")))
            for zone in [a, b] {
                if let id = zoneIDs[zone], let i = draft.boundaries.firstIndex(where: { $0.id == id }) { draft.boundaries[i].comments.append(note) }
            }
            if zoneIDs[a] == nil && zoneIDs[b] == nil { draft.modelComments.append(note) }
            tb.skip(tb.keys)
            _ = n
        }
    }

    mutating func elements(_ top: Fields) {
        for (key, kind) in [("actors", ElementKind.actor), ("components", .process), ("data_stores", .datastore)] {
            for (f, n) in items(top, key) {
                guard let symbol = f.string("symbolic_name") else { warn(.missingKey, "an entry of '\(key)' has no 'symbolic_name'; skipped", at: n); continue }
                let name = Notes.name(f.string("title")) ?? symbol
                let id = draft.ids.make(symbol, fallback: kind.rawValue)
                elementIDs[symbol] = id
                var e = ElementDraft(kind: kind, id: id, name: name, range: range(n))
                if id != symbol { e.attributes.set("origin", "tm-bom:\(symbol)", at: e.range) }
                let description = f.string("description")
                if let description { e.attributes.set("description", Notes.oneLine(description), at: e.range) }
                if let zone = f.string("trust_zone") {
                    if let b = zoneIDs[zone] { e.boundary = b } else {
                        warn(.unknownReference, "\(kind.rawValue) '\(symbol)': unknown trust zone '\(zone)'; placed outside every boundary", at: n)
                    }
                }
                var texts: [(label: String, text: String)] = []
                if let type = f.string("type") { texts.append(("its type '\(type)'", type)) }
                for k in ["product", "vendor"] { if let v = f.string(k) { texts.append(("its \(k) '\(v)'", v)) } }
                texts += [("its name '\(name)'", name), ("the description", description ?? "")]
                inferKind(&e, from: texts)
                if let permissions = f.string("permissions") { e.comments.append(Notes.comment("permissions: " + permissions)) }
                for k in ["repo_link", "vendor", "product"] { if let v = f.peek(k) { e.comments.append(Notes.comment("\(k.replacingOccurrences(of: "_", with: " ")): \(v)")); f.skip(k) } }
                reportLeftovers(f, "\(kind.rawValue) '\(symbol)'", at: n)
                draft.elements.append(e)
            }
        }
    }

    /// TM-BOM data sensitivity codes → data flags and the classification they need.
    static let sensitivity: [String: (flag: String?, classification: String)] = [
        "cred": ("credentials", "secret"), "pii": ("pii", "confidential"), "phi": ("health", "confidential"),
        "pci": ("payment", "secret"), "fin": ("financial", "confidential"), "biz": (nil, "confidential"),
        "ip": (nil, "confidential"), "pub": (nil, "public"), "public": (nil, "public"),
    ]

    mutating func dataSets(_ top: Fields) {
        for (f, n) in items(top, "data_sets") {
            guard let symbol = f.string("symbolic_name") else { warn(.missingKey, "a data set has no 'symbolic_name'; skipped", at: n); continue }
            let id = draft.dataIDs.make(symbol, fallback: "data")
            dataIDs[symbol] = id
            var d = DataDraft(id: id, name: Notes.name(f.string("title")) ?? symbol, range: range(n))
            let description = f.string("description")
            if let description { d.attributes.set("description", Notes.oneLine(description), at: d.range) }
            var classifications: [String] = []
            var extra: [String] = []
            for (code, cn) in Fields.strings(f.take("data_sensitivity")) {
                guard let m = Self.sensitivity[code.lowercased()] else { extra.append("data_sensitivity (\(code))"); continue }
                if let flag = m.flag { d.attributes.flag(flag, at: range(cn)) }
                classifications.append(m.classification)
            }
            let order = ["public", "internal", "confidential", "secret"]
            if let c = classifications.max(by: { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }) {
                d.infer("classification", c, because: "its data sensitivity")
            }
            if let count = Fields.number(f.take("record_count")) {
                let q = count <= 100 ? "very-few" : count <= 10_000 ? "few" : count <= 1_000_000 ? "many" : "very-many"
                d.infer("quantity", q, because: "\(AttributeValueText.number(count)) records")
            }
            let access = Fields.strings(f.take("access_control_methods")).map(\.0)
            if !access.isEmpty { d.comments.append(Notes.comment("access control: " + access.joined(separator: ", "))) }
            for (p, pn) in Fields.items(f.take("placements")).compactMap({ n in Fields(n).map { ($0, n) } }) {
                guard let store = p.string("data_store") else { continue }
                guard let sid = elementIDs[store], let i = draft.elementIndex(sid) else {
                    warn(.unknownReference, "data set '\(symbol)': placed in unknown data store '\(store)'; left out", at: pn)
                    continue
                }
                let encrypted = p.take("encrypted").flatMap(Fields.boolValue)
                if draft.elements[i].kind == .process {
                    draft.elements[i].attributes.add(list: "processes", [id], at: range(pn))
                } else {
                    draft.elements[i].attributes.add(list: "stores", [id], at: range(pn))
                    if encrypted == true, draft.elements[i].kind == .datastore { draft.elements[i].attributes.flag("encrypted-at-rest", at: range(pn)) }
                }
            }
            let inferred = DataTagInference.tags([d.name ?? "", description ?? ""]).filter { !d.attributes.has($0) }
            for flag in inferred { d.attributes.flag(flag, at: d.range) }
            if !inferred.isEmpty { d.comments.append(Notes.comment("flags inferred from the text: " + inferred.joined(separator: ", "))) }
            reportLeftovers(f, "data set '\(symbol)'", at: n, extra: extra)
            draft.data.append(d)
        }
    }

    mutating func flows(_ top: Fields) {
        for (f, n) in items(top, "data_flows") {
            let symbol = f.string("symbolic_name")
            let what = "data flow '\(symbol ?? "?")'"
            func end(_ key: String) -> String? { f.object(key).flatMap { $0.peek("object") } }
            guard let s = end("source"), let t = end("destination") else {
                warn(.missingKey, "\(what) needs 'source' and 'destination'; left out", at: n)
                continue
            }
            f.skip("source", "destination")
            guard let sid = elementIDs[s], let tid = elementIDs[t] else {
                warn(.danglingFlow, "\(what): '\(elementIDs[s] == nil ? s : t)' is no actor, component or data store; left out", at: n)
                continue
            }
            let title = Notes.name(f.string("title"))
            var flow = FlowDraft(source: sid, target: tid, name: title, preferredID: symbol, range: range(n))
            if let symbol {
                if Identifier.isValid(symbol), !draft.ids.taken.contains(symbol) { flow.explicitID = draft.ids.make(exact: symbol, fallback: "flow") } else {
                    flow.attributes.set("origin", "tm-bom:\(symbol)", at: flow.range)
                }
            }
            if let d = f.string("description") { flow.attributes.set("description", Notes.oneLine(d), at: flow.range) }
            if let title, let (p, port) = inference.protocolName(title) {
                flow.infer("protocol", p, because: "the flow's title '\(title)'")
                if let port { flow.attributes.set("port", String(port), at: flow.range) }
            }
            if let e = f.take("encrypted"), Fields.boolValue(e) == true, !vocabulary.contains(.encryptedProtocol, flow.attributes.value("protocol").first) {
                flow.attributes.flag("encrypted", at: range(e))
            }
            if let s = f.take("has_sensitive_data"), Fields.boolValue(s) == true {
                flow.comments.append(Notes.comment("carries sensitive data (TM-BOM has_sensitive_data)"))
            }
            reportLeftovers(f, what, at: n)
            draft.flows.append(flow)
        }
    }

    // MARK: - Threats

    mutating func threats(_ top: Fields) {
        let controls = items(top, "controls")
        let risks = items(top, "risks")
        let levels = ["none", "low", "medium", "high", "critical"]
        for (f, n) in items(top, "threats") {
            let symbol = f.string("symbol_name") ?? f.string("symbolic_name") ?? "threat"
            let title = Notes.name(f.string("title")) ?? symbol
            let cwe = Fields.items(f.take("weaknesses")).compactMap { Fields($0).flatMap { Fields.number($0.look("cwe_id")) }.map { Int($0) } }
            let capec = Fields.items(f.take("attack_mechanisms")).compactMap { Fields($0).flatMap { Fields.number($0.look("capec_id")) }.map { Int($0) } }
            // Controls addressing it: their words are its mitigation; an active one mitigates it.
            var mitigationText: [String] = []
            var active: [String] = []
            var priority = 0
            for (c, _) in controls where Fields.strings(c.look("threats")).contains(where: { $0.0 == symbol }) {
                let ct = c.peek("title") ?? c.peek("symbolic_name") ?? "control"
                let status = c.peek("status") ?? "suggested"
                mitigationText.append("\(ct) (\(status.replacingOccurrences(of: "_", with: " ")))")
                if ["active", "assumed"].contains(status) { active.append(ct) }
                priority = max(priority, levels.firstIndex(of: c.peek("priority") ?? "none") ?? 0)
            }
            // Risks naming it: the highest level is its severity.
            var level = 0
            var riskNotes: [String] = []
            for (r, _) in risks where Fields.strings(r.look("threats")).contains(where: { $0.0 == symbol }) {
                level = max(level, levels.firstIndex(of: r.peek("level") ?? "none") ?? 0)
                riskNotes.append("risk '\(r.peek("title") ?? "?")': \(r.peek("likelihood") ?? "?") likelihood, \(r.peek("impact") ?? "?") impact")
            }
            let severity = level > 0 ? levels[level] : priority > 0 ? levels[priority] : nil
            var subjects: [ThreatDraft.Subject] = Fields.strings(f.take("components_affected")).compactMap { elementIDs[$0.0].map { .element($0) } }
            if subjects.isEmpty { subjects = [.model] }
            for subject in subjects {
                // TM-BOM threats name no STRIDE category; their `event` often does ("information disclosure").
                let foreign = ForeignThreat(title: title, description: f.peek("description"),
                                            categories: [f.peek("event")].compactMap { $0 }, severity: severity,
                                            status: active.isEmpty ? nil : "mitigated",
                                            mitigation: mitigationText.isEmpty ? nil : mitigationText.joined(separator: "; "),
                                            cwe: cwe, capec: capec, origin: "tm-bom:\(symbol)", preferredID: symbol, subject: subject,
                                            range: range(n), what: "threat '\(symbol)'")
                guard var t = writtenThreat(foreign) else { continue }
                if !active.isEmpty { t.justification = "active controls: " + active.joined(separator: "; ") }
                if level == 0, priority > 0 { t.comments.append(Notes.comment("severity \(levels[priority]): the highest priority of its controls")) }
                for note in riskNotes { t.comments.append(Notes.comment(note)) }
                if let p = f.peek("threat_persona") { t.comments.append(Notes.comment("threat persona: \(p)")) }
                if let e = f.peek("event") { t.comments.append(Notes.comment("event: \(e)")) }
                if subject == .model, subjects.count == 1 { t.comments.append(Notes.comment("the TM-BOM names no component it affects")) }
                draft.threats.append(t)
            }
            f.skip("symbolic_name", "title", "description", "threat_persona", "event", "sources")
            reportLeftovers(f, "threat '\(symbol)'", at: n)
        }
    }
}

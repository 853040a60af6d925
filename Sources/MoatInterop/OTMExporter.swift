import Foundation
import MoatCore
import Yams

/// Writes a Moat model, and optionally its analysis, as an Open Threat Model 0.2.0 file
/// (validates against `otm_schema.json`).
///
/// - boundaries → `trustZones` (trust → `risk.trustRating`: untrusted 0, partner 33, internal 67,
///   restricted 100; nesting → `parent.trustZone`). Elements outside every boundary go to a zone
///   marked `attributes.moat.outside` (untrusted for actors, internal for the rest), as OTM
///   components must have a parent.
/// - actors, processes, datastores → `components` (type: the Moat `type`, else the kind; tags: the tech;
///   `assets.processed`/`stored` from `processes`/`stores`).
/// - flows → `dataflows`; data assets → `assets` (classification → confidentiality 0/33/67/100,
///   `integrity-critical` → integrity 100).
/// - findings → `threats` (likelihood and impact × 25, STRIDE categories, CWE ids), referenced from
///   their component or dataflow with the finding's status as `state`; rule mitigations → `mitigations`.
///
/// Every Moat attribute is also written under `attributes.moat`, and tracking statements under
/// `project.attributes.moat.tracking`, so `OTMImporter` gives back the same model.
public struct OTMExporter {
    /// The catalogue whose vocabulary resolves the model and whose controls name the exported mitigations.
    public let catalogue: Catalogue

    /// An exporter using `catalogue` (normally the one the findings came from).
    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// The OTM version written as `otmVersion`.
    public static let otmVersion = "0.2.0"

    /// The text form of the exported file.
    public enum Notation: String, Sendable, CaseIterable {
        /// JSON, indented, keys in a fixed order.
        case json
        /// YAML, keys in the same fixed order.
        case yaml
    }

    /// The OTM text of a model; `findings` nil leaves threats out.
    public func export(_ model: Model, findings: [Finding]?, as notation: Notation) throws -> String {
        let value = tree(model, findings: findings)
        switch notation {
        case .json: return value.serialized() + "\n"
        case .yaml: return try Yams.serialize(node: Self.node(value), width: -1, allowUnicode: true, sortKeys: false)
        }
    }

    static let trustRatings: [String: Double] = ["untrusted": 0, "partner": 33, "internal": 67, "restricted": 100]
    static let confidentiality: [String: Double] = ["public": 0, "internal": 33, "confidential": 67, "secret": 100]
    static let strideNames: [Stride: String] = [
        .spoofing: "Spoofing", .tampering: "Tampering", .repudiation: "Repudiation",
        .informationDisclosure: "Information Disclosure", .denialOfService: "Denial of Service",
        .elevationOfPrivilege: "Elevation of Privilege",
    ]

    /// The OTM document as an ordered JSON tree.
    public func tree(_ model: Model, findings: [Finding]?) -> JSONValue {
        let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
        var byElement: [String: [Finding]] = [:]
        for f in findings ?? [] { byElement[f.elementID, default: []].append(f) }

        // Project.
        var projectMoat: [(String, JSONValue)] = []
        for name in ["maturity", "practices", "version"] {
            if let a = model.header.attributes.entry(name) { projectMoat.append((name, Self.json(a.value))) }
        }
        if !model.threats.isEmpty {
            // Written threats are model content: they travel whole, so that importing the file gives them back.
            projectMoat.append(("threats", .array(model.threats.map { t in
                .object([("id", .string(t.id)), ("name", .string(t.title)), ("on", .string(t.subject))] + Self.attributes(t.attributes))
            })))
        }
        if !model.tracking.isEmpty {
            projectMoat.append(("tracking", .array(model.tracking.map { t in
                var pairs: [(String, JSONValue)] = [("status", .string(t.status.rawValue)), ("finding", .string(t.pattern)),
                                                    ("justification", .string(t.justification))]
                if let o = t.owner { pairs.append(("owner", .string(o))) }
                if let u = t.until { pairs.append(("until", .string(u))) }
                return .object(pairs)
            })))
        }
        var project: [(String, JSONValue)] = [
            ("name", .string(model.header.name)),
            ("id", .string(IDAllocator.sanitize(model.header.name).isEmpty ? "moat-model" : IDAllocator.sanitize(model.header.name))),
        ]
        if let d = model.header.attributes.string("description") { project.append(("description", .string(d))) }
        if let o = model.header.owner { project.append(("owner", .string(o))) }
        project.append(("attributes", .object([("moat", .object(projectMoat))])))

        // OTM ids: the one a declaration came with (`origin "otm:<id>"`), else its Moat id.
        func otmID(_ id: String, _ attributes: Attributes) -> String {
            if let o = attributes.string("origin"), o.hasPrefix("otm:"), o.count > 4 { return String(o.dropFirst(4)) }
            return id
        }
        var componentID: [String: String] = [:], zoneID: [String: String] = [:], assetID: [String: String] = [:]
        for e in model.elements { componentID[e.id] = otmID(e.id, e.attributes) }
        for b in model.boundaries { zoneID[b.id] = otmID(b.id, b.attributes) }
        for d in model.data { assetID[d.id] = otmID(d.id, d.attributes) }
        func moatAttributes(_ id: String, _ exported: String, _ attributes: Attributes) -> [(String, JSONValue)] {
            (exported == id ? [] : [("id", .string(id))]) + Self.attributes(attributes)
        }

        // Trust zones, plus zones for what is outside every boundary.
        var zoneIDs = Set(model.boundaries.map { zoneID[$0.id]! })
        func freeID(_ base: String) -> String {
            var id = base, n = 2
            while zoneIDs.contains(id) { id = "\(base)-\(n)"; n += 1 }
            zoneIDs.insert(id)
            return id
        }
        var zones: [JSONValue] = []
        for (i, b) in model.boundaries.enumerated() {
            let trust = graph.trustName(graph.boundaryTrust[i])
            let id = zoneID[b.id]!
            var pairs: [(String, JSONValue)] = [("id", .string(id)), ("name", .string(b.name)), ("type", .string("trust-boundary"))]
            if let d = b.attributes.string("description") { pairs.append(("description", .string(d))) }
            pairs.append(("risk", .object([("trustRating", .number(Self.trustRatings[trust] ?? 67))])))
            if let p = b.parent { pairs.append(("parent", .object([("trustZone", .string(zoneID[p] ?? p))]))) }
            if let layout = Self.layout(b.attributes) { pairs.append(("representations", layout)) }
            pairs.append(("attributes", .object([("moat", .object(moatAttributes(b.id, id, b.attributes)))])))
            zones.append(.object(pairs))
        }
        var outsideUntrusted: String?, outsideInternal: String?
        for e in model.elements where e.boundary == nil {
            if e.kind == .actor, outsideUntrusted == nil { outsideUntrusted = freeID("outside-untrusted") }
            if e.kind != .actor, outsideInternal == nil { outsideInternal = freeID("outside-internal") }
        }
        for (id, name, trust) in [(outsideUntrusted, "Outside every boundary (untrusted)", "untrusted"),
                                  (outsideInternal, "Outside every boundary (internal)", "internal")] {
            guard let id else { continue }
            zones.append(.object([
                ("id", .string(id)), ("name", .string(name)), ("type", .string("outside")),
                ("description", .string("Elements the Moat model places outside every boundary")),
                ("risk", .object([("trustRating", .number(Self.trustRatings[trust]!))])),
                ("attributes", .object([("moat", .object([("outside", .bool(true))]))])),
            ]))
        }

        // Components.
        var components: [JSONValue] = []
        for e in model.elements {
            let id = componentID[e.id]!
            var pairs: [(String, JSONValue)] = [
                ("id", .string(id)), ("name", .string(e.name)),
                ("type", .string(e.attributes.string("type") ?? e.kind.rawValue)),
            ]
            if let d = e.attributes.string("description") { pairs.append(("description", .string(d))) }
            let parent = e.boundary.map { zoneID[$0] ?? $0 } ?? (e.kind == .actor ? outsideUntrusted! : outsideInternal!)
            pairs.append(("parent", .object([("trustZone", .string(parent))])))
            if let tech = e.attributes.string("tech") { pairs.append(("tags", .array([.string(tech)]))) }
            let processed = e.attributes.list("processes"), stored = e.attributes.list("stores")
            if !processed.isEmpty || !stored.isEmpty {
                var assets: [(String, JSONValue)] = []
                if !processed.isEmpty { assets.append(("processed", .array(processed.map { .string(assetID[$0] ?? $0) }))) }
                if !stored.isEmpty { assets.append(("stored", .array(stored.map { .string(assetID[$0] ?? $0) }))) }
                pairs.append(("assets", .object(assets)))
            }
            if let list = byElement[e.id], !list.isEmpty { pairs.append(("threats", .array(list.map { instance($0, model) }))) }
            if let layout = Self.layout(e.attributes) { pairs.append(("representations", layout)) }
            pairs.append(("attributes", .object([("moat", .object([("kind", .string(e.kind.rawValue))] + moatAttributes(e.id, id, e.attributes)))])))
            components.append(.object(pairs))
        }

        // Dataflows.
        var dataflows: [JSONValue] = []
        for f in model.flows {
            let id = otmID(f.id, f.attributes)
            var pairs: [(String, JSONValue)] = [("id", .string(id)), ("name", .string(f.name.isEmpty ? f.id : f.name))]
            if let d = f.attributes.string("description") { pairs.append(("description", .string(d))) }
            pairs.append(("bidirectional", .bool(f.twoWay)))
            pairs.append(("source", .string(componentID[f.source] ?? f.source)))
            pairs.append(("destination", .string(componentID[f.target] ?? f.target)))
            let carried = f.attributes.list("carries")
            if !carried.isEmpty { pairs.append(("assets", .array(carried.map { .string(assetID[$0] ?? $0) }))) }
            if let p = f.attributes.string("protocol") { pairs.append(("tags", .array([.string(p)]))) }
            if let list = byElement[f.id], !list.isEmpty { pairs.append(("threats", .array(list.map { instance($0, model) }))) }
            var moat: [(String, JSONValue)] = []
            if f.hasExplicitID { moat.append(("explicit-id", .bool(true))) }
            if f.name.isEmpty { moat.append(("unnamed", .bool(true))) }
            if id != f.id { moat.append(("id", .string(f.id))) }
            if let layout = Self.layout(f.attributes) { pairs.append(("representations", layout)) }
            pairs.append(("attributes", .object([("moat", .object(moat + Self.attributes(f.attributes)))])))
            dataflows.append(.object(pairs))
        }

        // Data assets.
        let assets: [JSONValue] = model.data.map { d in
            let id = assetID[d.id]!
            var pairs: [(String, JSONValue)] = [("id", .string(id)), ("name", .string(d.name))]
            if let desc = d.attributes.string("description") { pairs.append(("description", .string(desc))) }
            let c = Self.confidentiality[d.attributes.string("classification") ?? "internal"] ?? 33
            pairs.append(("risk", .object([
                ("confidentiality", .number(c)),
                ("integrity", .number(d.attributes.flag("integrity-critical") ? 100 : 50)),
                ("availability", .number(50)),
            ])))
            pairs.append(("attributes", .object([("moat", .object(moatAttributes(d.id, id, d.attributes)))])))
            return .object(pairs)
        }

        var root: [(String, JSONValue)] = [("otmVersion", .string(Self.otmVersion)), ("project", .object(project))]
        if let layout = Self.layout(model.header.attributes) { root.append(("representations", layout)) }
        root += [
            ("assets", .array(assets)), ("trustZones", .array(zones)), ("components", .array(components)),
            ("dataflows", .array(dataflows)),
        ]
        if let findings {
            // One OTM threat per finding; a written threat that came from OTM keeps its id (the same threat written on
            // several components is one OTM threat, referenced from each).
            var threats: [JSONValue] = []
            var seen: Set<String> = []
            var definitions: [(String, JSONValue)] = []
            for f in findings {
                let id = threatID(f, model)
                guard seen.insert(id).inserted else { continue }
                threats.append(threat(f, id: id))
                for (mid, definition) in foreignMitigations(f, model) where !definitions.contains(where: { $0.0 == mid }) {
                    definitions.append((mid, definition))
                }
            }
            root.append(("threats", .array(threats)))
            var controls: [String] = []
            for f in findings where f.rule.origin != .written || foreignMitigations(f, model).isEmpty {
                for m in f.rule.mitigations where !controls.contains(m.control) { controls.append(m.control) }
            }
            root.append(("mitigations", .array(controls.sorted().filter { c in !definitions.contains { $0.0 == c } }.map(mitigation)
                                              + definitions.map(\.1))))
        }
        return .object(root)
    }

    // MARK: - Parts

    static func json(_ value: AttributeValue) -> JSONValue {
        switch value {
        case .flag(let b): return .bool(b)
        case .string(let s), .word(let s): return .string(s)
        case .number(let n): return .number(n)
        case .list(let l): return .array(l.map(JSONValue.string))
        }
    }

    static func attributes(_ attributes: Attributes) -> [(String, JSONValue)] {
        attributes.map { ($0.name, json($0.value)) }
    }

    /// The written threat behind a finding, if it is one.
    func written(_ f: Finding, _ model: Model) -> WrittenThreat? {
        guard f.rule.origin == .written else { return nil }
        return model.threats.first { $0.id == f.rule.id && $0.subject == f.elementID }
    }

    /// A finding's OTM threat id: the id a written threat came with from OTM, else the finding id.
    func threatID(_ f: Finding, _ model: Model) -> String {
        if let t = written(f, model), let o = t.attributes.string("origin"), o.hasPrefix("otm:"), o.count > 4 { return String(o.dropFirst(4)) }
        return f.id
    }

    /// A JSON text kept in an attribute (`mitigated-by`, `layout`), read back (JSON is YAML).
    static func parsed(_ text: String?) -> Node? {
        guard let text, let node = try? Yams.compose(yaml: text) else { return nil }
        return node
    }

    /// The OTM mitigation references a written threat came with (`mitigated-by`): id, state and definition.
    func references(_ f: Finding, _ model: Model) -> [(id: String, state: String?, definition: Node?)] {
        guard let t = written(f, model), let node = Self.parsed(t.attributes.string("mitigated-by")) else { return [] }
        return Fields.items(node).compactMap { n in
            guard let ref = Fields(n), let id = ref.peek("mitigation") else { return nil }
            return (id, ref.peek("state"), ref.look("definition"))
        }
    }

    /// The OTM mitigations a written threat came with, by id, with their definitions.
    func foreignMitigations(_ f: Finding, _ model: Model) -> [(String, JSONValue)] {
        references(f, model).map { ref in
            (ref.id, ref.definition.map { Self.withoutNulls(Fields.json($0)) }
                ?? .object([("id", .string(ref.id)), ("name", .string(ref.id)), ("riskReduction", .number(50))]))
        }
    }

    func instance(_ f: Finding, _ model: Model) -> JSONValue {
        let refs = references(f, model)
        let mitigations: [JSONValue] = refs.isEmpty
            ? f.rule.mitigations.map { m in
                .object([("mitigation", .string(m.control)),
                         ("state", .string(f.presentControls.contains(m.control) ? "implemented" : "recommended"))])
            }
            : refs.map { .object([("mitigation", .string($0.id)), ("state", .string($0.state ?? "recommended"))]) }
        return .object([("threat", .string(threatID(f, model))), ("state", .string(f.status.rawValue)), ("mitigations", .array(mitigations))])
    }

    /// A kept OTM object without its null members (`attributes:` left empty in YAML), which the schema refuses.
    static func withoutNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let pairs): return .object(pairs.filter { if case .null = $0.1 { return false }; return true }.map { ($0.0, withoutNulls($0.1)) })
        case .array(let items): return .array(items.map(withoutNulls))
        default: return value
        }
    }

    /// An element's or the model's `layout` (OTM representations as JSON), back as JSON.
    static func layout(_ attributes: Attributes) -> JSONValue? {
        parsed(attributes.string("layout")).map { withoutNulls(Fields.json($0)) }
    }

    func threat(_ f: Finding, id: String) -> JSONValue {
        .object([
            ("id", .string(id)), ("name", .string(f.rule.title)), ("description", .string(f.rule.description)),
            ("categories", .array(f.rule.stride.map { .string(Self.strideNames[$0] ?? $0.rawValue) })),
            ("cwes", .array(f.rule.cwe.map { .string("CWE-\($0)") })),
            ("risk", .object([("likelihood", .number(Double(f.likelihood * 25))), ("impact", .number(Double(f.impact * 25)))])),
            ("attributes", .object([("moat", .object([
                ("finding", .bool(true)), ("rule", .string(f.rule.id)), ("element", .string(f.elementID)),
                ("severity", .string(f.severity.rawValue)), ("status", .string(f.status.rawValue)),
                ("expected-level", .number(Double(f.expectedLevel))),
                ("capec", .array(f.rule.capec.map { .string("CAPEC-\($0)") })),
            ]))])),
        ])
    }

    func mitigation(_ id: String) -> JSONValue {
        let control = catalogue.controls[id]?.control
        var pairs: [(String, JSONValue)] = [("id", .string(id)), ("name", .string(control?.title ?? id))]
        if let level = control?.level { pairs.append(("description", .string("Moat control of maturity level \(level)"))) }
        pairs.append(("riskReduction", .number(50)))
        pairs.append(("attributes", .object([("moat", .object(control.map { [("level", JSONValue.number(Double($0.level)))] } ?? []))])))
        return .object(pairs)
    }

    /// Whether a plain YAML scalar with this text would be read as something other than a string.
    static func looksTyped(_ s: String) -> Bool {
        if s.isEmpty || Double(s) != nil { return true }
        if ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"].contains(s.lowercased()) { return true }
        let number = "^[-+]?(0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?|[0-9][0-9_]*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?|\\.[0-9_]+([eE][-+]?[0-9]+)?|\\.(inf|Inf|INF|nan|NaN|NAN))$"
        return s.range(of: number, options: .regularExpression) != nil
            || s.range(of: "^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", options: .regularExpression) != nil
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .number(let n): return Node(AttributeValueText.number(n), Tag(n == n.rounded() ? .int : .float))
        case .string(let s): return Node(s, Tag(.str), looksTyped(s) ? .doubleQuoted : .any)
        case .array(let items): return Node(items.map(node), Tag(.seq), .block)
        case .object(let pairs): return Node(pairs.map { (Node($0.0), node($0.1)) }, Tag(.map), .block)
        }
    }
}

// Over 500 lines: one mapper per Threagile section (assets, links, boundaries, runtimes, risks, includes), in file order.
import Foundation
import MoatCore
import Yams

/// Imports a Threagile YAML model (schema: Threagile `support/schema.json`) as a Moat document.
///
/// Technical assets become actors (`external-entity`), datastores (`datastore`) or processes; communication links
/// become flows; trust boundaries become nested boundaries (with a trust level where the model implies one);
/// shared runtimes, machines, tags, CIA ratings and link usage become attributes; individual risk categories become
/// written threats; risk tracking becomes tracking statements. `includes:` are followed. What has no Moat
/// equivalent is reported as a warning at its line (docs/interop.md lists the mapping).
public struct ThreagileImporter {
    /// The vocabulary that maps Threagile technologies and ratings to Moat types and attributes.
    public let vocabulary: Vocabulary
    /// Trust levels chosen for zones (`--trust ZONE=LEVEL`); they replace what the importer inferred.
    public var options: ImportOptions

    /// An importer mapping through `vocabulary`, with the zone trust levels in `options`.
    public init(vocabulary: Vocabulary, options: ImportOptions = ImportOptions()) {
        self.vocabulary = vocabulary
        self.options = options
    }

    /// Reads a Threagile YAML model (following its `includes:`) as a Moat document; never throws: problems are
    /// in the diagnostics.
    public func importModel(_ file: SourceFile) -> ImportResult {
        var mapper = ThreagileMapper(file: file, vocabulary: vocabulary, options: options)
        return mapper.run()
    }
}

struct ThreagileMapper: FormatMapper {
    var source: ForeignSource
    var bag = DiagnosticBag()
    var draft: DocumentDraft
    let options: ImportOptions
    let vocabulary: Vocabulary

    /// The root file and the files it includes; `source` is the one whose content is being mapped.
    var sources: [ForeignSource] = []
    /// Threagile id → Moat id.
    var assetIDs: [String: String] = [:]
    var dataIDs: [String: String] = [:]
    var boundaryIDs: [String: String] = [:]
    /// Threagile link id (`source>title`) with its ends (Threagile ids) and Moat flow index.
    var links: [(id: String, source: String, target: String, flow: Int)] = []
    var outOfScope: Set<String> = []
    /// Threagile asset id → Threagile boundary id.
    var membership: [String: String] = [:]
    /// Threagile ids of actors reached over the internet (`internet: true`).
    var internetActors: Set<String> = []
    /// Individual risk category ids → the written threats made of their risks (Threagile risk id → threat index).
    var individualRisks: [String: Int] = [:]

    init(file: SourceFile, vocabulary: Vocabulary, options: ImportOptions) {
        var bag = DiagnosticBag()
        self.source = ForeignSource(file, diagnostics: &bag)
        self.bag = bag
        self.vocabulary = vocabulary
        self.options = options
        self.draft = DocumentDraft(vocabulary: vocabulary, file: file)
        self.sources = [source]
    }

    /// A section's entries across the root file and its includes, each with the index of its source.
    struct Section { var entries: [(entry: Entry, source: Int)] = [] }

    mutating func run() -> ImportResult {
        guard let root = source.root else { return finish(defaultNotation: .yaml, emptyMessage: "") }
        if refuseAnalysisOutput(root) { return ImportResult(document: draft.document(notation: .yaml), diagnostics: bag) }
        guard let top = Fields(root) else {
            bag.error(.invalidStructure, "a Threagile model is a YAML mapping of sections (title, technical_assets, …)", at: range(root))
            return finish(defaultNotation: .yaml, emptyMessage: "")
        }
        guard top.has("technical_assets") || top.has("threagile_version") else {
            bag.error(.notThreagile, "not a Threagile model: no 'technical_assets' section", at: source.start)
            return finish(defaultNotation: .yaml, emptyMessage: "")
        }
        header(top)
        var tops = [top]
        includes(top, chain: [ModelBuilderPath.canonical(source.file.path)], into: &tops)
        let sectionNames = ["data_assets", "technical_assets", "trust_boundaries", "shared_runtimes",
                            "individual_risk_categories", "risk_tracking"]
        var sections: [String: Section] = [:]
        for (i, fields) in tops.enumerated() {
            for name in sectionNames {
                guard let node = fields.take(name) else { continue }
                guard let mapping = Fields(node) else {
                    if !Fields.isNull(node) {
                        source = sources[i]
                        if name == "technical_assets" {
                            bag.error(.invalidStructure, "'technical_assets' must be a mapping of assets by title", at: range(node))
                        } else {
                            warn(.invalidStructure, "'\(name)' must be a mapping; left out", at: node)
                        }
                    }
                    continue
                }
                for e in mapping.entries { sections[name, default: Section()].entries.append((e, i)) }
            }
        }
        dataAssets(sections["data_assets"] ?? Section())
        let assets = technicalAssets(sections["technical_assets"] ?? Section())
        trustBoundaries(sections["trust_boundaries"] ?? Section())
        for asset in assets { mapAsset(asset) }
        communicationLinks(assets)
        sharedRuntimes(sections["shared_runtimes"] ?? Section())
        boundaryTrust()
        draft.assignFlowIDs()
        individualRiskCategories(sections["individual_risk_categories"] ?? Section())
        riskTracking(sections["risk_tracking"] ?? Section())
        source = sources[0]
        top.skip("threagile_version", "includes")
        let tweaks = top.keys.filter { $0.hasPrefix("diagram_tweak_") }
        top.skip(tweaks)
        if !tweaks.isEmpty {
            warn(.unmapped, "diagram layout tweaks are not imported: \(tweaks.joined(separator: ", "))",
                 at: top.entries.first { $0.key == tweaks[0] }?.keyNode)
        }
        for e in top.leftovers {
            warn(.unmapped, "section '\(e.key)' is not mapped" + (Fields.text(e.value).map { " (\(Fields.clip($0, 40)))" } ?? ""),
                 at: e.keyNode)
        }
        return finish(defaultNotation: .yaml,
                      emptyMessage: "the Threagile model has no technical assets; the imported model is empty")
    }

    /// Threagile's analysis output (`risks.json`, `technical-assets.json`, `stats.json`) is not a model: say so.
    mutating func refuseAnalysisOutput(_ root: Node) -> Bool {
        var what: String?
        switch root {
        case .sequence(let items):
            if let first = items.first.flatMap({ Fields($0) }), first.has("synthetic_id") || first.has("most_relevant_technical_asset") {
                what = "its list of identified risks (risks.json)"
            }
        case .mapping:
            guard let top = Fields(root), !top.has("technical_assets"), !top.has("threagile_version") else { break }
            if let risks = top.object("risks"), risks.has("critical") || risks.has("elevated") {
                what = "its risk statistics (stats.json)"
            } else if let first = top.entries.first.flatMap({ Fields($0.value) }), first.has("technology"), first.has("id"),
                      first.has("communication_links") || first.has("data_assets_processed") {
                what = "its list of technical assets (technical-assets.json)"
            }
        default: break
        }
        guard let what else { return false }
        bag.error(.notThreagile, "this is Threagile's analysis output, \(what), not a Threagile model", at: source.start,
                  notes: ["import the model YAML it was made from (the file with threagile_version and technical_assets)"])
        return true
    }

    // MARK: - Includes

    /// Follows `includes:` (paths relative to the including file), depth-first, with the loader's depth limit; a file
    /// that includes itself, directly or not, is an error at the include.
    mutating func includes(_ top: Fields, chain: [String], into tops: inout [Fields]) {
        guard let node = top.take("includes") else { return }
        let base = (source.file.path as NSString).deletingLastPathComponent
        for (path, n) in Fields.strings(node) {
            let full = path.hasPrefix("/") ? path : (base.isEmpty ? path : base + "/" + path)
            let key = ModelBuilderPath.canonical(full)
            if chain.contains(key) {
                let cycle = (chain + [key]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> ")
                bag.error(.includeCycle, "include cycle: \(cycle)", at: range(n))
                continue
            }
            if sources.contains(where: { ModelBuilderPath.canonical($0.file.path) == key }) {
                warn(.repeatedInclude, "'\(path)' is already included; it is read once", at: n)
                continue
            }
            if chain.count >= ModelLoader.maximumIncludeDepth {
                bag.error(.includeTooDeep, "includes nest deeper than \(ModelLoader.maximumIncludeDepth) files", at: range(n))
                continue
            }
            let file: SourceFile
            switch options.sourceLoader.load(full, from: range(n)) {
            case .failure(var d):
                if d.id == .fileNotFound { d.message = "cannot include '\(path)': no such file" }
                bag.append(d)
                continue
            case .success(let f): file = f
            }
            let included = ForeignSource(file, diagnostics: &bag)
            guard let root = included.root else { continue }
            guard let fields = Fields(root) else {
                bag.error(.invalidStructure, "an included Threagile file is a mapping of sections", at: included.range(root))
                continue
            }
            let saved = source
            sources.append(included)
            tops.append(fields)
            source = included
            for key in ["title", "date", "author", "threagile_version"] { fields.skip(key) }
            includes(fields, chain: chain + [key], into: &tops)
            let unknown = fields.leftovers.filter { !["data_assets", "technical_assets", "trust_boundaries", "shared_runtimes",
                                                      "individual_risk_categories", "risk_tracking"].contains($0.key) }
            for e in unknown { warn(.unmapped, "section '\(e.key)' of an included file is not mapped", at: e.keyNode) }
            source = saved
        }
    }

    // MARK: - Header

    mutating func header(_ top: Fields) {
        draft.modelName = top.string("title").flatMap(Notes.name) ?? source.baseName
        draft.modelRange = range(top.entry("title")?.value ?? top.node)
        if let author = Fields(top.take("author")) {
            if let name = author.string("name") {
                let homepage = author.string("homepage")
                draft.modelAttributes.set("owner", Notes.oneLine(name) + (homepage.map { " (\(Notes.oneLine($0)))" } ?? ""),
                                          at: range(author.node))
            }
            reportLeftovers(author, "author", at: author.node)
        }
        if let date = top.entry("date"), let text = Fields.text(date.value) {
            draft.modelAttributes.set("version", text, at: range(date.value))
        }
        if let overview = Fields(top.take("business_overview")) {
            if let d = overview.string("description") {
                draft.modelAttributes.set("description", Notes.oneLine(Self.stripTags(d)), at: range(overview.node))
            }
            overview.skip("images")
        }
        var notes: [String] = []
        if let summary = top.string("management_summary_comment") { notes.append(Notes.comment("management summary: " + Self.stripTags(summary))) }
        if let tech = Fields(top.take("technical_overview")), let d = tech.string("description") {
            notes.append(Notes.comment("technical overview: " + Self.stripTags(d)))
        }
        if let criticality = top.string("business_criticality") {
            notes.append(Notes.comment("business criticality: " + criticality))
        }
        var keptAsNotes: [(String, Node)] = []
        for (key, label) in [("questions", "question"), ("abuse_cases", "abuse case"), ("security_requirements", "security requirement")] {
            guard let entry = top.entry(key), let section = Fields(entry.value), !section.entries.isEmpty else { continue }
            for e in section.entries {
                let answer = Fields.text(e.value)
                notes.append(Notes.comment("\(label): \(e.key)" + (answer.map { " — \($0)" } ?? "")))
            }
            keptAsNotes.append((key, entry.keyNode))
        }
        top.skip("tags_available")  // only declares the tag names assets may use; the tags themselves are mapped per asset
        draft.modelComments = ["# Imported from Threagile: \(Notes.oneLine(source.fileName))"] + notes
        for (key, node) in keptAsNotes {
            warn(.keptAsComment, "'\(key)' has no Moat equivalent; kept as comments above the model header", at: node)
        }
    }

    // MARK: - Data assets

    static let classification: [String: String] = [
        "public": "public", "internal": "internal", "restricted": "confidential", "confidential": "confidential",
        "strictly-confidential": "secret",
    ]

    mutating func dataAssets(_ section: Section) {
        for (entry, s) in section.entries {
            source = sources[s]
            guard let f = Fields(entry.value) else {
                warn(.invalidStructure, "data asset '\(entry.key)' is not a mapping; skipped", at: entry.keyNode)
                continue
            }
            let r = range(entry.keyNode)
            let threagileID = f.string("id") ?? entry.key
            if dataIDs[threagileID] != nil {
                warn(.duplicateId, "data asset id '\(threagileID)' is used twice; the second is renamed", at: entry.keyNode)
            }
            var d = DataDraft(id: draft.dataIDs.make(threagileID, fallback: "data"), name: Notes.name(entry.key), range: r)
            dataIDs[threagileID] = dataIDs[threagileID] ?? d.id
            if d.id != threagileID { d.attributes.set("origin", "threagile:\(threagileID)", at: r) }
            var extra: [String] = []
            if let c = f.take("confidentiality"), let text = Fields.text(c) {
                if let mapped = Self.classification[text] { d.attributes.set("classification", mapped, at: range(c)) }
                if vocabulary.canonicalValue(text, of: "confidentiality") != nil { d.attributes.set("confidentiality", text, at: range(c)) } else {
                    extra.append("confidentiality (\(text))")
                }
            }
            for key in ["integrity", "availability"] {
                guard let n = f.take(key), let text = Fields.text(n) else { continue }
                if let v = vocabulary.canonicalValue(text, of: key) { d.attributes.set(key, v, at: range(n)) } else { extra.append("\(key) (\(text))") }
                if key == "integrity", ["critical", "mission-critical"].contains(text) { d.attributes.flag("integrity-critical", at: range(n)) }
            }
            if let n = f.take("quantity"), let text = Fields.text(n) {
                if let v = vocabulary.canonicalValue(text, of: "quantity") { d.attributes.set("quantity", v, at: range(n)) } else { extra.append("quantity (\(text))") }
            }
            if let n = f.take("usage"), let text = Fields.text(n) {
                if let v = vocabulary.canonicalValue(text, of: "usage") {
                    if v != "business" { d.attributes.set("usage", v, at: range(n)) }
                } else { extra.append("usage (\(text))") }
            }
            if let origin = f.string("origin") { d.attributes.set("produced-by", Notes.oneLine(origin), at: r) }
            let description = f.string("description")
            if let description { d.attributes.set("description", Notes.oneLine(description), at: r) }
            if let owner = f.string("owner") { d.attributes.set("owner", Notes.oneLine(owner), at: r) }
            for (tag, n) in Fields.strings(f.take("tags")) {
                if vocabulary.dataTags.contains(tag.lowercased()) { d.attributes.flag(tag.lowercased(), at: range(n)) } else { extra.append("tag '\(tag)'") }
            }
            let justification = f.string("justification_cia_rating")
            if let justification { d.comments.append(Notes.comment("CIA rating: " + justification)) }
            let inferred = DataTagInference.tags([entry.key, description ?? "", justification ?? ""]).filter { !d.attributes.has($0) }
            for flag in inferred { d.attributes.flag(flag, at: r) }
            if !inferred.isEmpty { d.comments.append(Notes.comment("flags inferred from the text: " + inferred.joined(separator: ", "))) }
            f.skip("id")
            reportLeftovers(f, "data asset '\(threagileID)'", at: entry.keyNode, extra: extra)
            draft.data.append(d)
        }
    }

    /// Moat data ids for Threagile data ids; unknown ids are reported once each.
    mutating func dataRefs(_ node: Node?, _ what: String) -> [String] {
        var out: [String] = []
        for (id, n) in Fields.strings(node) {
            if let mapped = dataIDs[id] { out.append(mapped) } else {
                warn(.unknownReference, "\(what): unknown data asset '\(id)'; left out", at: n)
            }
        }
        return out
    }

    // MARK: - Technical assets

    /// Threagile technologies the vocabulary's aliases do not name: their Moat type and tech.
    static let technology: [String: (type: String?, tech: String?)] = [
        "client-system": ("device", nil), "desktop": ("device", nil), "application-server": ("web-app", nil),
        "local-file-system": ("file", nil), "web-service-soap": ("api", nil), "ejb": ("api", "java"),
        "search-engine": ("nosql", nil), "ldap-server": ("identity-provider", "ldap"), "container-platform": (nil, "kubernetes"),
        "batch-processing": ("batch", nil), "event-listener": ("worker", nil), "identity-store-ldap": (nil, "ldap"),
        "identity-store-database": ("sql", nil), "task": ("batch", nil), "stream-processing": ("worker", nil),
        "data-lake": ("object-store", nil), "report-engine": ("batch", nil), "mail-server": (nil, "smtp-server"),
        "vault": ("secret-store", "vault"), "hsm": ("secret-store", "hsm"), "waf": ("waf", nil), "block-storage": ("file", nil),
        "tool": ("cli", nil), "cli": ("cli", nil), "monitoring": ("metrics", nil), "code-inspection-platform": ("build", nil),
        "service-mesh": (nil, "istio"),
        // Threagile treats an ERP system as a web application (its web-application risks apply to it).
        "erp": ("web-app", nil),
    ]

    /// A Threagile technology as a Moat type and tech: the table above, else the vocabulary's values and aliases.
    func technology(_ t: String, kind: ElementKind) -> (type: String?, tech: String?)? {
        if let m = Self.technology[t] { return m }
        // The source says what the asset is: its type is taken as said, unless it names a person on a non-actor.
        let type = vocabulary.canonicalValue(t, of: "type").flatMap { kind != .actor && vocabulary.values(of: .human).contains($0) ? nil : $0 }
        let tech = vocabulary.canonicalValue(t, of: "tech")
        return type == nil && tech == nil ? nil : (type, tech)
    }

    struct Asset {
        var threagileID: String
        var title: String
        var fields: Fields
        var keyNode: Node
        var index: Int
        var source: Int
    }

    mutating func technicalAssets(_ section: Section) -> [Asset] {
        // First pass: ids and kinds, so links and boundaries may refer to any asset.
        var assets: [Asset] = []
        for (entry, s) in section.entries {
            source = sources[s]
            guard let f = Fields(entry.value) else {
                warn(.invalidStructure, "technical asset '\(entry.key)' is not a mapping; skipped", at: entry.keyNode)
                continue
            }
            let threagileID = f.string("id") ?? entry.key
            let type = f.string("type") ?? "process"
            let kind: ElementKind
            switch type {
            case "external-entity": kind = .actor
            case "datastore": kind = .datastore
            case "process": kind = .process
            default:
                kind = .process
                warn(.invalidValue, "technical asset '\(threagileID)': unknown type '\(type)'; imported as a process",
                     at: f.look("type"))
            }
            if assetIDs[threagileID] != nil {
                warn(.duplicateId, "technical asset id '\(threagileID)' is used twice; the second is renamed", at: entry.keyNode)
            }
            let id = draft.ids.make(threagileID, fallback: kind.rawValue)
            assetIDs[threagileID] = assetIDs[threagileID] ?? id
            var e = ElementDraft(kind: kind, id: id, name: Notes.name(entry.key), range: range(entry.keyNode))
            if id != threagileID { e.attributes.set("origin", "threagile:\(threagileID)", at: e.range) }
            draft.elements.append(e)
            assets.append(Asset(threagileID: threagileID, title: entry.key, fields: f, keyNode: entry.keyNode,
                                index: draft.elements.count - 1, source: s))
        }
        return assets
    }

    /// A tag's product and cloud: `mysql` → tech mysql; `aws:s3` → cloud aws and tech s3; `aws` → cloud aws.
    func tag(_ tag: String) -> (tech: String?, cloud: String?) {
        let parts = tag.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            let cloud = vocabulary.canonicalValue(parts[0], of: "cloud")
            let product = vocabulary.canonicalValue(parts[1], of: "tech") ?? vocabulary.canonicalValue(parts[0] + "-" + parts[1], of: "tech")
            return (product, cloud)
        }
        return (vocabulary.canonicalValue(tag, of: "tech"), vocabulary.canonicalValue(tag, of: "cloud"))
    }

    /// The provider's service a cloud subtag names (`aws:ec2` → "ec2", `azure:storage-account` → "storage-account").
    func cloudService(_ tag: String) -> String? {
        let parts = tag.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, vocabulary.canonicalValue(parts[0], of: "cloud") != nil else { return nil }
        let service = parts[1].trimmingCharacters(in: .whitespaces)
        return service.isEmpty ? nil : service
    }

    mutating func mapAsset(_ asset: Asset) {
        source = sources[asset.source]
        let f = asset.fields
        var e = draft.elements[asset.index]
        let what = "technical asset '\(asset.threagileID)'"
        var extra: [String] = []
        f.skip("id", "type", "communication_links")
        if let d = f.string("description") { e.attributes.set("description", Notes.oneLine(d), at: e.range) }
        if let owner = f.string("owner") { e.attributes.set("owner", Notes.oneLine(owner), at: e.range) }

        // What it is: technology (or the newer `technologies` list), then tags naming a product.
        let technologies = ([f.string("technology")].compactMap { $0 } + Fields.strings(f.take("technologies")).map(\.0))
        var type: String?, tech: String?
        for t in technologies where t != "unknown-technology" {
            if let m = technology(t, kind: e.kind) {
                if m.type != nil, vocabulary.canonicalValue(t, of: "type") != m.type { e.comments.append(Notes.comment("Threagile technology: \(t)")) }
                type = type ?? m.type
                tech = tech ?? m.tech
                if t == "waf", e.kind == .process { e.attributes.flag("waf", at: e.range) }
            } else {
                e.comments.append(Notes.comment("Threagile technology: \(t)"))
                extra.append("technology (\(t))")
            }
        }
        let human = f.bool("used_as_client_by_human")
        let usage = f.string("usage")
        if let usage {
            if let v = vocabulary.canonicalValue(usage, of: "usage") {
                if v != "business" { e.attributes.set("usage", v, at: e.range) }
            } else { extra.append("usage (\(usage))") }
        }
        if e.kind == .actor {
            if type == "developer" {
                // keep
            } else if human {
                type = usage == "devops" ? "operator" : "user"
            } else if type == nil || !["browser", "device", "mobile-app", "desktop-app", "cli"].contains(type!) {
                type = "service"
            }
        } else if human {
            extra.append("used_as_client_by_human")
        }
        var unmatchedTags: [String] = []
        var tagTech: String?, platform: String?
        for (tagText, n) in Fields.strings(f.take("tags")) {
            let (t, cloud) = tag(tagText)
            if let cloud { e.attributes.set("cloud", cloud, at: range(n)) }
            if cloud != nil, e.kind != .actor, let service = cloudService(tagText) {
                if !e.attributes.has("cloud-service") { e.attributes.set("cloud-service", service, at: range(n)) }
            }
            if let t {
                if inference.isPlatform(t) { platform = platform ?? t } else { tagTech = tagTech ?? t }
            } else if cloud == nil {
                unmatchedTags.append(tagText)
            }
        }
        tech = tagTech ?? tech ?? platform
        if let n = f.take("machine"), let m = Fields.text(n) {
            if let v = vocabulary.canonicalValue(m, of: "machine") {
                e.attributes.set("machine", v, at: range(n))
                if v == "serverless", type == nil, e.kind == .process { type = "function" }
            } else { extra.append("machine (\(m))") }
        }
        if let n = f.take("size"), let s = Fields.text(n) {
            if e.kind == .actor { f.skip("size") } else if let v = vocabulary.canonicalValue(s, of: "size") {
                e.attributes.set("size", v, at: range(n))
            } else { extra.append("size (\(s))") }
        }
        if let n = f.take("custom_developed_parts"), Fields.boolValue(n) == true {
            if e.kind == .actor { extra.append("custom_developed_parts (true)") } else { e.attributes.flag("custom-developed", at: range(n)) }
        }
        if let type { e.attributes.set("type", type, at: e.range) }
        if let tech { e.attributes.set("tech", tech, at: e.range) }
        if !unmatchedTags.isEmpty {
            e.comments.append(Notes.comment("Threagile tags: " + unmatchedTags.joined(separator: ", ")))
            extra.append("tags (\(unmatchedTags.joined(separator: ", ")))")
        }

        // Exposure and scope.
        if let n = f.take("internet"), Fields.boolValue(n) == true {
            if e.kind == .actor { internetActors.insert(asset.threagileID) } else { e.attributes.flag("internet-facing", at: range(n)) }
        }
        if let n = f.take("out_of_scope"), Fields.boolValue(n) == true {
            let reason = f.string("justification_out_of_scope").map(Notes.oneLine) ?? "out of scope in the Threagile model"
            if e.kind == .actor && human {
                // A client used by people: Threagile leaves the device itself unassessed, but still raises the risks
                // of how the system lets those people in (second factor, deployment from their clients). In Moat
                // the actor stands for the people; the rules on it are about their access, so it stays in scope.
                e.comments.append(Notes.comment("Threagile out of scope (the client itself is not assessed): \(reason)"))
            } else {
                e.attributes.set("out-of-scope", reason, at: range(n))
            }
            outOfScope.insert(asset.threagileID)
        }
        f.skip("justification_out_of_scope")
        for (key, attribute) in [("multi_tenant", "multi-tenant"), ("redundant", "redundant")] {
            guard let n = f.take(key), Fields.boolValue(n) == true else { continue }
            if e.kind == .actor { extra.append("\(key) (true)") } else { e.attributes.flag(attribute, at: range(n)) }
        }
        if let n = f.take("encryption"), let text = Fields.text(n), text != "none" {
            if e.kind == .datastore {
                e.attributes.flag("encrypted-at-rest", at: range(n))
                if text != "transparent" { e.comments.append(Notes.comment("Threagile encryption: \(text)")) }
            } else { extra.append("encryption (\(text))") }
        }
        // The asset's own CIA ratings (Threagile's scales are Moat's).
        for key in ["confidentiality", "integrity", "availability"] {
            guard let n = f.take(key), let text = Fields.text(n) else { continue }
            if let v = vocabulary.canonicalValue(text, of: key) { e.attributes.set(key, v, at: range(n)) } else { extra.append("\(key) (\(text))") }
        }

        // Data: Moat has `processes` on processes and `stores` on datastores and actors.
        let processed = dataRefs(f.take("data_assets_processed"), what)
        let stored = dataRefs(f.take("data_assets_stored"), what)
        switch e.kind {
        case .process: e.attributes.add(list: "processes", processed + stored, at: e.range)
        default: e.attributes.add(list: "stores", stored + processed, at: e.range)
        }

        // Input formats.
        var formats: [String] = []
        for (format, n) in Fields.strings(f.take("data_formats_accepted")) {
            if e.kind != .actor, let v = vocabulary.canonicalValue(format, of: "data-formats") {
                e.attributes.add(list: "data-formats", [v], at: range(n))
            } else { formats.append(format) }
            switch (format, e.kind) {
            case ("serialization", .process): e.attributes.flag("deserialises-input", at: range(n))
            case ("file", .process), ("xml", .process): e.attributes.flag("parses-files", at: range(n))
            default: break
            }
        }
        if !formats.isEmpty { extra.append("data_formats_accepted (\(formats.joined(separator: ", ")))") }
        if let j = f.string("justification_cia_rating") { e.comments.append(Notes.comment("CIA rating: " + j)) }
        for key in f.keys where key.hasPrefix("diagram_tweak_") { f.skip(key) }
        draft.elements[asset.index] = e
        reportLeftovers(f, what, at: asset.keyNode, extra: extra)
    }

    // MARK: - Trust boundaries

    /// Threagile boundary types that say the zone is network-segmented.
    static let segmentedTypes: Set<String> = ["network-cloud-security-group", "network-policy-namespace-isolation", "network-virtual-lan"]

    var boundarySources: [String: Fields] = [:]

    mutating func trustBoundaries(_ section: Section) {
        struct Raw { var threagileID: String; var fields: Fields; var keyNode: Node; var title: String; var source: Int }
        var raws: [Raw] = []
        for (entry, s) in section.entries {
            source = sources[s]
            guard let f = Fields(entry.value) else {
                warn(.invalidStructure, "trust boundary '\(entry.key)' is not a mapping; skipped", at: entry.keyNode)
                continue
            }
            raws.append(Raw(threagileID: f.string("id") ?? entry.key, fields: f, keyNode: entry.keyNode, title: entry.key, source: s))
        }
        for raw in raws where boundaryIDs[raw.threagileID] == nil {
            boundaryIDs[raw.threagileID] = draft.ids.make(raw.threagileID, fallback: "boundary")
        }
        // Parents from `trust_boundaries_nested`; a boundary nested twice keeps its first parent. Cycles and depth
        // are checked once for every format by the draft.
        var parent: [String: String] = [:]
        for raw in raws {
            source = sources[raw.source]
            for (child, n) in Fields.strings(raw.fields.take("trust_boundaries_nested")) {
                guard boundaryIDs[child] != nil else {
                    warn(.unknownReference, "trust boundary '\(raw.threagileID)': unknown nested boundary '\(child)'", at: n)
                    continue
                }
                if let first = parent[child] {
                    warn(.ambiguousNesting, "trust boundary '\(child)' is nested in '\(first)' and '\(raw.threagileID)'; kept in '\(first)'", at: n)
                    continue
                }
                parent[child] = raw.threagileID
            }
        }
        for raw in raws {
            source = sources[raw.source]
            let f = raw.fields
            var b = BoundaryDraft(id: boundaryIDs[raw.threagileID]!, name: Notes.name(raw.title), range: range(raw.keyNode),
                                  what: "trust boundary '\(raw.threagileID)'", sourceID: raw.threagileID)
            b.parent = parent[raw.threagileID].flatMap { boundaryIDs[$0] }
            f.skip("id")
            var extra: [String] = []
            if let t = f.entry("type"), let type = Fields.text(t.value) {
                if Self.segmentedTypes.contains(type) { b.attributes.flag("segmented", at: range(t.value)) }
                b.comments.append(Notes.comment("Threagile boundary type: \(type)"))
            }
            if let d = f.string("description") { b.attributes.set("description", Notes.oneLine(d), at: b.range) }
            var unmatched: [String] = []
            for (tagText, n) in Fields.strings(f.take("tags")) {
                if let cloud = tag(tagText).cloud { b.attributes.set("cloud", cloud, at: range(n)) } else { unmatched.append(tagText) }
            }
            if !unmatched.isEmpty {
                b.comments.append(Notes.comment("Threagile tags: " + unmatched.joined(separator: ", ")))
                extra.append("tags (\(unmatched.joined(separator: ", ")))")
            }
            for (assetID, n) in Fields.strings(f.take("technical_assets_inside")) {
                guard let moatID = assetIDs[assetID], let i = draft.elementIndex(moatID) else {
                    warn(.unknownReference, "trust boundary '\(raw.threagileID)': unknown technical asset '\(assetID)'", at: n)
                    continue
                }
                if let first = membership[assetID] {
                    warn(.ambiguousMembership, "technical asset '\(assetID)' is inside '\(first)' and '\(raw.threagileID)'; kept in '\(first)'", at: n)
                    continue
                }
                membership[assetID] = raw.threagileID
                draft.elements[i].boundary = b.id
            }
            if b.id != raw.threagileID { b.attributes.set("origin", "threagile:\(raw.threagileID)", at: b.range) }
            reportLeftovers(f, "trust boundary '\(raw.threagileID)'", at: raw.keyNode, extra: extra)
            draft.boundaries.append(b)
        }
    }

    /// Trust levels: Threagile has none, so they come from what the model implies — a name (DMZ, Internet, Partner…),
    /// or a zone that holds only actors reached over the internet; each with a comment saying why.
    mutating func boundaryTrust() {
        var inside: [String: [ElementDraft]] = [:]
        for e in draft.elements { if let b = e.boundary { inside[b, default: []].append(e) } }
        let internetActorIDs = Set(internetActors.compactMap { assetIDs[$0] })
        for i in draft.boundaries.indices {
            let held = inside[draft.boundaries[i].id] ?? []
            let onlyInternetActors = !held.isEmpty && held.allSatisfy { $0.kind == .actor && internetActorIDs.contains($0.id) }
            let fallback: (String, String)? = onlyInternetActors
                ? ("untrusted", "it holds only actors reached over the internet (internet: true)") : nil
            var b = draft.boundaries[i]
            inferTrust(&b, fallback: fallback)
            if !b.attributes.has("trust") {
                b.comments.append(Notes.comment(
                    "trust: Threagile gives none and nothing here implies one, so it is "
                    + (b.parent == nil ? "internal (the default)" : "its parent's") + "; set it with --trust"))
            }
            draft.boundaries[i] = b
        }
        // Actors reached over the internet but placed inside a boundary that is not untrusted: say so on the actor.
        for (threagileID, b) in membership where internetActors.contains(threagileID) {
            guard let id = assetIDs[threagileID], let i = draft.elementIndex(id),
                  let bi = draft.boundaries.firstIndex(where: { $0.id == boundaryIDs[b] }),
                  draft.boundaries[bi].attributes.value("trust").first != "untrusted" else { continue }
            draft.elements[i].comments.append(Notes.comment("reached over the internet (Threagile internet: true), inside boundary '\(draft.boundaries[bi].id)'"))
        }
    }

    // MARK: - Shared runtimes

    mutating func sharedRuntimes(_ section: Section) {
        for (entry, s) in section.entries {
            source = sources[s]
            guard let f = Fields(entry.value) else { continue }
            let id = f.string("id") ?? entry.key
            let name = Notes.name(entry.key) ?? id
            var clouds: [String] = [], techs: [String] = [], unmatched: [String] = []
            for (tagText, _) in Fields.strings(f.take("tags")) {
                let (t, cloud) = tag(tagText)
                if let cloud { clouds.append(cloud) } else if let t { techs.append(t) } else { unmatched.append(tagText) }
            }
            var running: [String] = []
            for (assetID, n) in Fields.strings(f.take("technical_assets_running")) {
                guard let moatID = assetIDs[assetID], let i = draft.elementIndex(moatID) else {
                    warn(.unknownReference, "shared runtime '\(id)': unknown technical asset '\(assetID)'", at: n)
                    continue
                }
                guard draft.elements[i].kind != .actor else {
                    warn(.unmapped, "shared runtime '\(id)': '\(assetID)' is an external entity; Moat runtimes hold processes and datastores", at: n)
                    continue
                }
                draft.elements[i].attributes.set("shared-runtime", name, at: range(n))
                for c in clouds { draft.elements[i].attributes.set("cloud", c, at: range(n)) }
                running.append(moatID)
            }
            let description = f.string("description")
            draft.modelComments.append(Notes.comment("shared runtime '\(name)' (\(id))" + (description.map { ": \($0)" } ?? "")
                + (techs.isEmpty ? "" : ", on \(techs.joined(separator: ", "))") + " runs: " + running.joined(separator: ", ")))
            f.skip("id")
            reportLeftovers(f, "shared runtime '\(id)'", at: entry.keyNode, extra: unmatched.isEmpty ? [] : ["tags (\(unmatched.joined(separator: ", ")))"])
        }
    }

    // MARK: - Communication links

    /// Threagile protocol → Moat protocol, and whether the Moat flow needs the `encrypted` flag.
    static let protocols: [String: (String, Bool)] = [
        "unknown-protocol": ("unknown", false), "reverse-proxy-web-protocol": ("http", false),
        "reverse-proxy-web-protocol-encrypted": ("https", false), "jdbc-encrypted": ("jdbc", true), "odbc": ("tcp", false),
        "odbc-encrypted": ("tls", false), "sql-access-protocol": ("tcp", false), "sql-access-protocol-encrypted": ("tls", false),
        "nosql-access-protocol": ("tcp", false), "nosql-access-protocol-encrypted": ("tls", false),
        "binary": ("tcp", false), "binary-encrypted": ("tls", false), "text": ("tcp", false), "text-encrypted": ("tls", false),
        "ssh-tunnel": ("ssh", false), "smtp-encrypted": ("smtps", false),
        "pop3": ("tcp", false), "pop3-encrypted": ("tls", false), "imap": ("tcp", false), "imap-encrypted": ("tls", false),
        "scp": ("ssh", false), "jms": ("tcp", false), "jms-encrypted": ("tls", false),
        "smb-encrypted": ("smb", true), "local-file-access": ("file", false),
        "nrpe": ("tcp", false), "xmpp": ("tcp", false), "iiop": ("tcp", false), "iiop-encrypted": ("tls", false),
        "jrmp": ("tcp", false), "jrmp-encrypted": ("tls", false), "in-process-library-call": ("in-process", false),
        "inter-process-communication": ("in-process", false), "container-spawning": ("in-process", false),
        "mqtt": ("mqtt", false), "ws": ("websocket", false),
    ]
    static let authentication: [String: String] = [
        "none": "none", "credentials": "password", "session-id": "session", "token": "token",
        "client-certificate": "mtls", "two-factor": "password", "externalized": "oidc",
    ]
    static let authorization: [String: String] = [
        "none": "none", "technical-user": "acl", "end-user-identity-propagation": "rbac",
    ]

    /// Threagile's id of a link: `source>title` with the title lowercased and non-alphanumerics as `-`.
    static func linkID(source: String, title: String) -> String {
        var slug = ""
        var dash = false
        for s in title.lowercased().unicodeScalars {
            let v = s.value
            if (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) {
                if dash && !slug.isEmpty { slug += "-" }
                dash = false
                slug.unicodeScalars.append(s)
            } else { dash = true }
        }
        return source + ">" + slug
    }

    mutating func communicationLinks(_ assets: [Asset]) {
        for asset in assets {
            source = sources[asset.source]
            guard let section = Fields(asset.fields.look("communication_links")) else { continue }
            let sourceID = draft.elements[asset.index].id
            for entry in section.entries {
                let linkID = Self.linkID(source: asset.threagileID, title: entry.key)
                let what = "communication link '\(linkID)'"
                guard let f = Fields(entry.value) else {
                    warn(.invalidStructure, "\(what) is not a mapping; skipped", at: entry.keyNode)
                    continue
                }
                guard let targetNode = f.take("target"), let target = Fields.text(targetNode) else {
                    warn(.missingKey, "\(what) has no 'target'; skipped", at: entry.keyNode)
                    continue
                }
                guard let targetID = assetIDs[target] else {
                    warn(.unknownReference, "\(what): unknown target '\(target)'; skipped", at: targetNode)
                    continue
                }
                var flow = FlowDraft(source: sourceID, target: targetID, name: Notes.name(entry.key),
                                     preferredID: entry.key, range: range(entry.keyNode))
                var extra: [String] = []
                if let d = f.string("description") { flow.attributes.set("description", Notes.oneLine(d), at: flow.range) }
                if let p = f.take("protocol"), let text = Fields.text(p) {
                    if let (mapped, encrypted) = Self.protocols[text] ?? inference.protocolName(text).map({ ($0.name, false) }) {
                        flow.attributes.set("protocol", mapped, at: range(p))
                        if encrypted { flow.attributes.flag("encrypted", at: range(p)) }
                        if mapped != text, !["ws", "scp", "ssh-tunnel"].contains(text) {
                            flow.comments.append(Notes.comment("Threagile protocol: \(text)"))
                        }
                    } else {
                        flow.comments.append(Notes.comment("Threagile protocol: \(text)"))
                        extra.append("protocol (\(text))")
                    }
                }
                if let a = f.take("authentication"), let text = Fields.text(a) {
                    if let mapped = Self.authentication[text] {
                        if mapped != "none" { flow.attributes.set("authn", mapped, at: range(a)) }
                        if text == "two-factor" {
                            if draft.elements[asset.index].kind != .datastore {
                                draft.elements[asset.index].attributes.flag("mfa", at: range(a))
                            } else { extra.append("authentication (two-factor)") }
                        }
                    } else { extra.append("authentication (\(text))") }
                }
                if let a = f.take("authorization"), let text = Fields.text(a) {
                    if let mapped = Self.authorization[text] {
                        if mapped != "none" { flow.attributes.set("authz", mapped, at: range(a)) }
                        // The target decides as the end user, not as the calling service's technical account.
                        if text == "end-user-identity-propagation" { flow.attributes.flag("propagates-identity", at: range(a)) }
                    } else { extra.append("authorization (\(text))") }
                }
                if let v = f.take("vpn"), Fields.boolValue(v) == true { flow.attributes.flag("vpn", at: range(v)) }
                if let v = f.take("readonly"), Fields.boolValue(v) == true { flow.attributes.flag("readonly", at: range(v)) }
                if let v = f.take("ip_filtered"), Fields.boolValue(v) == true { flow.attributes.flag("ip-filtered", at: range(v)) }
                if let n = f.take("usage"), let text = Fields.text(n) {
                    if let v = vocabulary.canonicalValue(text, of: "usage") {
                        if v != "business" { flow.attributes.set("usage", v, at: range(n)) }
                    } else { extra.append("usage (\(text))") }
                }
                // Moat flows run from the initiator; data sent and data received both travel on it.
                let carried = dataRefs(f.take("data_assets_sent"), what) + dataRefs(f.take("data_assets_received"), what)
                flow.attributes.add(list: "carries", carried, at: flow.range)
                let tags = Fields.strings(f.take("tags")).map(\.0)
                if !tags.isEmpty {
                    flow.comments.append(Notes.comment("Threagile tags: " + tags.joined(separator: ", ")))
                    extra.append("tags (\(tags.joined(separator: ", ")))")
                }
                for key in f.keys where key.hasPrefix("diagram_tweak_") { f.skip(key) }
                reportLeftovers(f, what, at: entry.keyNode, extra: extra)
                draft.flows.append(flow)
                links.append((linkID, asset.threagileID, target, draft.flows.count - 1))
            }
        }
    }

    // MARK: - Individual risk categories → written threats

    static let severities: [String: String] = ["low": "low", "medium": "medium", "elevated": "high", "high": "high", "critical": "critical"]
    static let likelihoods: [String: Int] = ["unlikely": 1, "likely": 2, "very-likely": 3, "frequent": 4]
    static let impacts: [String: Int] = ["low": 1, "medium": 2, "high": 3, "very-high": 4]

    mutating func individualRiskCategories(_ section: Section) {
        for (entry, s) in section.entries {
            source = sources[s]
            guard let f = Fields(entry.value) else {
                warn(.invalidStructure, "individual risk category '\(entry.key)' is not a mapping; skipped", at: entry.keyNode)
                continue
            }
            let categoryID = f.string("id") ?? entry.key
            let title = Notes.name(Self.stripTags(entry.key)) ?? categoryID
            var common = AttributeList()
            let r = range(entry.keyNode)
            var comments: [String] = []
            var extra: [String] = []
            if let stride = f.take("stride"), let text = Fields.text(stride) {
                if let v = inference.stride(fromCategory: text) { common.set("stride", list: [v], at: range(stride)) } else { extra.append("stride (\(text))") }
            }
            if let d = f.string("description") { common.set("description", Notes.oneLine(Self.stripTags(d)), at: r) }
            if let m = f.string("mitigation") { common.set("mitigation", Notes.oneLine(Self.stripTags(m)), at: r) }
            if let n = f.take("cwe"), let cwe = Fields.number(n), cwe > 0 { common.set("cwe", list: [String(Int(cwe))], at: range(n)) }
            let sameAs = RuleLinks.rules(forText: title + " " + (f.peek("description") ?? ""))
            if !sameAs.isEmpty { common.set("same-as", sameAs.joined(separator: ", "), at: r) }
            for key in ["impact", "asvs", "cheat_sheet", "action", "check", "function", "detection_logic", "risk_assessment",
                        "false_positives"] {
                if let t = f.string(key) { comments.append(Notes.comment("\(key.replacingOccurrences(of: "_", with: " ")): \(Self.stripTags(t))")) }
            }
            f.skip("id", "model_failure_possible_reason")
            if !common.has("stride") {
                // A written threat needs its STRIDE categories: from the words, else it stays a comment.
                let words = inference.strides(inText: title + " " + (f.peek("description") ?? ""))
                if !words.isEmpty {
                    common.set("stride", list: words, at: r)
                    comments.append(Notes.comment("stride \(words.joined(separator: ", ")): inferred from the category's words"))
                }
            }
            var placed = 0
            let risks = Fields(f.take("risks_identified"))
            for risk in risks?.entries ?? [] {
                guard let rf = Fields(risk.value) else { continue }
                let riskTitle = Notes.name(Self.stripTags(risk.key)) ?? title
                var t = ThreatDraft(id: draft.threatIDs.make(categoryID, fallback: "threat"), title: riskTitle, subject: .model,
                                    attributes: common, comments: comments, range: range(risk.keyNode))
                t.attributes.set("origin", "threagile:\(categoryID)", at: t.range)
                if let l = rf.string("exploitation_likelihood").flatMap({ Self.likelihoods[$0] }),
                   let i = rf.string("exploitation_impact").flatMap({ Self.impacts[$0] }) {
                    t.attributes.set("likelihood", String(l), at: t.range)
                    t.attributes.set("impact", String(i), at: t.range)
                    if let sev = rf.string("severity") { t.comments.append(Notes.comment("Threagile severity: \(sev)")) }
                } else if let sev = rf.string("severity"), let v = Self.severities[sev] {
                    t.attributes.set("severity", v, at: t.range)
                } else {
                    t.attributes.set("severity", "medium", at: t.range)
                    t.comments.append(Notes.comment("severity medium: the risk gives none"))
                }
                // What the risk is about, most specific first.
                var subject: ThreatDraft.Subject = .model
                if let link = rf.string("most_relevant_communication_link"), let l = links.first(where: { $0.id == link }) {
                    subject = .flow(l.flow)
                } else if let asset = rf.string("most_relevant_technical_asset"), let id = assetIDs[asset] {
                    subject = .element(id)
                } else if let b = rf.string("most_relevant_trust_boundary"), let id = boundaryIDs[b] {
                    subject = .boundary(id)
                }
                t.subject = subject
                let breach = Fields.strings(rf.take("data_breach_technical_assets")).map(\.0)
                if let p = rf.string("data_breach_probability") {
                    t.comments.append(Notes.comment("data breach \(p)" + (breach.isEmpty ? "" : " at " + breach.joined(separator: ", "))))
                }
                rf.skip("most_relevant_data_asset", "most_relevant_shared_runtime", "most_relevant_trust_boundary",
                        "most_relevant_technical_asset", "most_relevant_communication_link", "severity",
                        "exploitation_likelihood", "exploitation_impact")
                reportLeftovers(rf, "risk '\(riskTitle)'", at: risk.keyNode)
                guard t.attributes.has("stride") else {
                    warn(.keptAsComment, "individual risk category '\(categoryID)' names no STRIDE category; its risk '\(riskTitle)' is kept as a comment",
                         at: risk.keyNode)
                    draft.modelComments.append(Notes.comment("Threagile risk '\(categoryID)': \(riskTitle)"))
                    continue
                }
                // Threagile's risk id: the category and the most relevant asset (what risk tracking names).
                let relevant = rf.peek("most_relevant_technical_asset") ?? rf.peek("most_relevant_communication_link") ?? "*"
                draft.threats.append(t)
                individualRisks["\(categoryID)@\(relevant)"] = draft.threats.count - 1
                placed += 1
            }
            if placed == 0, risks?.entries.isEmpty ?? true {
                warn(.keptAsComment, "individual risk category '\(categoryID)' identifies no risk; kept as a comment", at: entry.keyNode)
                draft.modelComments.append(Notes.comment("Threagile risk category '\(categoryID)': \(title) (no risk identified)"))
            }
            reportLeftovers(f, "individual risk category '\(categoryID)'", at: entry.keyNode, extra: extra)
        }
    }

    // MARK: - Risk tracking

    static let statuses: [String: TrackingStatus] = [
        "accepted": .accept, "mitigated": .mitigated, "false-positive": .falsePositive,
    ]

    mutating func riskTracking(_ section: Section) {
        var unmapped: [String] = []
        for (entry, s) in section.entries {
            source = sources[s]
            let riskID = entry.key
            guard let f = Fields(entry.value) else {
                warn(.invalidStructure, "risk tracking '\(riskID)' is not a mapping; skipped", at: entry.keyNode)
                continue
            }
            let statusText = f.string("status") ?? "unchecked"
            let justification = f.string("justification")
            let ticket = f.string("ticket"), date = f.string("date"), checkedBy = f.string("checked_by")
            var note = "Threagile risk tracking '\(riskID)': \(statusText)" + (justification.map { " — \($0)" } ?? "")
            if let ticket { note += " (ticket \(ticket))" }
            var text = justification.map(Notes.oneLine) ?? "imported from Threagile risk tracking"
            var details: [String] = []
            if let ticket { details.append("ticket \(ticket)") }
            if let date { details.append("checked \(date)") }
            details.append("Threagile '\(riskID)'")
            text += " (" + details.joined(separator: ", ") + ")"
            guard let status = Self.statuses[statusText] else {
                warn(.unmappedTracking, "risk tracking '\(riskID)' is not mapped: status '\(statusText)' leaves the risk open in Moat; kept as a comment",
                     at: entry.keyNode)
                unmapped.append(Notes.comment(note))
                continue
            }
            // An individual risk: the written threat made of it.
            let matching = individualRisks.filter { matches(riskID, $0.key) }.map(\.value).sorted()
            if !matching.isEmpty {
                for i in matching {
                    draft.threats[i].status = status
                    draft.threats[i].justification = text
                }
                continue
            }
            let parts = riskID.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
            guard let rule = parts.first, let mapping = RuleLinks.threagile[rule] else {
                warn(.unmappedTracking, "risk tracking '\(riskID)' is not mapped: Moat has no rule for Threagile's '\(parts.first ?? riskID)'; kept as a comment",
                     at: entry.keyNode)
                unmapped.append(Notes.comment(note))
                continue
            }
            let elementParts = Array(parts.dropFirst())
            var elements: [String] = []
            var reason: String?
            if elementParts.allSatisfy({ $0 == "*" }) {
                elements = ["*"]
            } else if mapping.shape == .asset, elementParts.count == 1 {
                if let id = mapAssetPattern(elementParts[0]) { elements = [id] } else { reason = "unknown technical asset '\(elementParts[0])'" }
            } else if mapping.shape == .callerTargetLink, elementParts.count == 3 {
                // The Moat rule fires on the caller: every in-scope caller of a matching link.
                for link in links where matches(elementParts[0], link.source) && matches(elementParts[1], link.target)
                    && matches(elementParts[2], link.id) && !outOfScope.contains(link.source) {
                    let caller = draft.flows[link.flow].source
                    if !elements.contains(caller), draft.elements.first(where: { $0.id == caller })?.kind == .process {
                        elements.append(caller)
                    }
                }
                if elements.isEmpty { reason = "it matches no in-scope link" }
            } else {
                reason = "its parts '\(elementParts.joined(separator: "@"))' cannot be placed on one Moat element"
            }
            if let reason {
                warn(.unmappedTracking, "risk tracking '\(riskID)' is not mapped: \(reason); kept as a comment", at: entry.keyNode)
                unmapped.append(Notes.comment(note))
                continue
            }
            let r = range(entry.keyNode)
            for moatRule in mapping.rules {
                for element in elements {
                    draft.tracking.append(TrackingSyntax(
                        status: Located(status, r), pattern: Located("\(moatRule)@\(element)", r),
                        justification: Located(text, r), owner: checkedBy.map { Located(Notes.oneLine($0), r) },
                        until: nil, range: r))
                }
            }
        }
        if !unmapped.isEmpty {
            draft.trailingComments += ["# Threagile risk tracking without a Moat counterpart:"] + unmapped
        }
    }

    /// A Threagile asset pattern (an id, or `*` wildcards) as a Moat element pattern.
    func mapAssetPattern(_ part: String) -> String? {
        if part.contains("*") {
            return part.split(separator: "*", omittingEmptySubsequences: false).map { IDAllocator.sanitize(String($0)) }
                .joined(separator: "*")
        }
        return assetIDs[part]
    }

    /// Threagile's wildcard match of one `@`-part.
    func matches(_ pattern: String, _ value: String) -> Bool {
        if pattern == "*" { return true }
        guard pattern.contains("*") else { return pattern == value }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(value)
        for (i, piece) in pieces.enumerated() {
            if i == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
            } else if let r = rest.range(of: piece) {
                rest = rest[r.upperBound...]
            } else { return false }
        }
        return pieces.last!.isEmpty || value.hasSuffix(pieces.last!)
    }

    static func stripTags(_ s: String) -> String {
        s.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
    }
}

/// Canonical paths, as the model loader compares included files.
enum ModelBuilderPath {
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

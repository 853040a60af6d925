import Foundation
import MoatCore
import Yams

/// Imports a Threagile YAML model (schema: Threagile `support/schema.json`) as a Moat document.
///
/// Technical assets become actors (`external-entity`), datastores (`datastore`) or processes;
/// communication links become flows; trust boundaries become nested boundaries; data assets keep
/// their classification; risk tracking becomes tracking statements where the Threagile rule has a
/// Moat counterpart. YAML anchors and merge keys (`<<: *base`) are resolved. What has no Moat
/// equivalent is reported as a warning at its line (docs/interop.md lists the mapping).
public struct ThreagileImporter {
    public let vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    public func importModel(_ file: SourceFile) -> ImportResult {
        ThreagileRun(file: file, vocabulary: vocabulary).run()
    }
}

private final class ThreagileRun: ImportRun {
    /// Threagile id → Moat id.
    var assetIDs: [String: String] = [:]
    var dataIDs: [String: String] = [:]
    var boundaryIDs: [String: String] = [:]
    /// Threagile link id (`source>title`) with its ends (Threagile ids) and Moat flow index.
    var links: [(id: String, source: String, target: String, flow: Int)] = []
    var outOfScope: Set<String> = []

    init(file: SourceFile, vocabulary: Vocabulary) { super.init(file: file, defaultNotation: .yaml, vocabulary: vocabulary) }


    /// One warning listing what an object had that Moat does not map.
    func reportLeftovers(_ fields: Fields, _ what: String, at node: Node?, extra: [String] = []) {
        let parts = [fields.leftoverSummary].filter { !$0.isEmpty } + extra
        guard !parts.isEmpty else { return }
        warn(.unmapped, "\(what): not mapped: \(parts.joined(separator: ", "))", at: node)
    }

    func run() -> ImportResult {
        tree = SourceTree(file: file, diagnostics: &bag)
        guard let root = tree.root else { return result() }
        guard let top = Fields(root) else {
            bag.error(.invalidStructure, "a Threagile model is a YAML mapping of sections (title, technical_assets, …)",
                      at: range(root))
            return result()
        }
        guard top.has("technical_assets") || top.has("threagile_version") else {
            bag.error(.notThreagile, "not a Threagile model: no 'technical_assets' section", at: tree.start)
            return result()
        }
        header(top)
        dataAssets(top.take("data_assets"))
        let assets = technicalAssets(top.take("technical_assets"))
        trustBoundaries(top.take("trust_boundaries"))
        for asset in assets { mapAsset(asset) }
        communicationLinks(assets)
        draft.assignFlowIDs()
        riskTracking(top.take("risk_tracking"))
        individualRisks(top.take("individual_risk_categories"))
        sharedRuntimes(top.take("shared_runtimes"))
        if draft.elements.isEmpty && !bag.hasErrors {
            bag.warning(.emptyModel, "the Threagile model has no technical assets; the imported model is empty", at: tree.start)
        }
        top.skip("threagile_version")
        let tweaks = top.entries.map(\.key).filter { $0.hasPrefix("diagram_tweak_") }
        for key in tweaks { top.skip(key) }
        if !tweaks.isEmpty {
            warn(.unmapped, "diagram layout tweaks are not imported: \(tweaks.joined(separator: ", "))",
                 at: top.entries.first { $0.key == tweaks[0] }?.keyNode)
        }
        for e in top.leftovers {
            warn(.unmapped, "section '\(e.key)' is not mapped" + (Fields.text(e.value).map { " (\(Fields.clip($0, 40)))" } ?? ""),
                 at: e.keyNode)
        }
        return result()
    }

    // MARK: - Header

    func header(_ top: Fields) {
        let title = top.string("title").flatMap(Notes.name) ?? ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
        draft.modelName = title
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
                draft.modelAttributes.set("description", Notes.oneLine(d), at: range(overview.node))
            }
            overview.skip("images")
        }
        var notes: [String] = []
        if let summary = top.string("management_summary_comment") { notes.append(Notes.comment("management summary: " + summary)) }
        if let tech = Fields(top.take("technical_overview")), let d = tech.string("description") {
            notes.append(Notes.comment("technical overview: " + d))
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
        top.skip("tags_available")  // only declares the tag names assets may use; the tags themselves are reported per asset
        draft.modelComments = ["# Imported from Threagile: \(Notes.oneLine((file.path as NSString).lastPathComponent))"] + notes
        for (key, node) in keptAsNotes {
            warn(.keptAsComment, "'\(key)' has no Moat equivalent; kept as comments above the model header", at: node)
        }
    }

    // MARK: - Data assets

    static let classification: [String: String] = [
        "public": "public", "internal": "internal", "restricted": "confidential", "confidential": "confidential",
        "strictly-confidential": "secret",
    ]

    func dataAssets(_ node: Node?) {
        guard let section = Fields(node) else { return }
        for entry in section.entries {
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
            var extra: [String] = []
            if let c = f.take("confidentiality"), let text = Fields.text(c) {
                if let mapped = Self.classification[text] { d.attributes.set("classification", mapped, at: range(c)) } else {
                    extra.append("confidentiality (\(text))")
                }
            }
            if let i = f.take("integrity"), let text = Fields.text(i), ["critical", "mission-critical"].contains(text) {
                d.attributes.flag("integrity-critical", at: range(i))
            }
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
            if f.peek("usage") == "business" { f.skip("usage") }
            reportLeftovers(f, "data asset '\(threagileID)'", at: entry.keyNode, extra: extra)
            draft.data.append(d)
        }
    }

    /// Moat data ids for Threagile data ids; unknown ids are reported once each.
    func dataRefs(_ node: Node?, _ what: String) -> [String] {
        Fields.strings(node).compactMap { id, n in
            if let mapped = dataIDs[id] { return mapped }
            warn(.unknownReference, "\(what): unknown data asset '\(id)'; left out", at: n)
            return nil
        }
    }

    // MARK: - Technical assets

    /// Threagile technology → Moat type and tech.
    static let technology: [String: (type: String?, tech: String?)] = [
        "client-system": ("device", nil), "browser": ("browser", nil), "desktop": ("device", nil),
        "mobile-app": ("mobile-app", nil), "devops-client": ("developer", nil), "web-server": ("web-app", nil),
        "web-application": ("web-app", nil), "application-server": ("web-app", nil), "database": ("sql", nil),
        "file-server": ("file", nil), "local-file-system": ("file", nil), "cms": ("web-app", nil),
        "web-service-rest": ("api", nil), "web-service-soap": ("api", nil), "ejb": ("api", "java"),
        "search-index": ("nosql", nil), "search-engine": ("nosql", nil), "reverse-proxy": ("reverse-proxy", nil),
        "load-balancer": ("load-balancer", nil), "build-pipeline": ("build", nil),
        "sourcecode-repository": ("repository", nil), "artifact-registry": ("artifact-registry", nil),
        "ldap-server": ("identity-provider", "ldap"), "container-platform": (nil, "kubernetes"),
        "batch-processing": ("batch", nil), "event-listener": ("worker", nil), "identity-provider": ("identity-provider", nil),
        "identity-store-ldap": (nil, "ldap"), "identity-store-database": ("sql", nil), "task": ("batch", nil),
        "function": ("function", nil), "gateway": ("gateway", nil), "iot-device": ("device", nil),
        "message-queue": ("queue", nil), "stream-processing": ("worker", nil), "data-lake": ("object-store", nil),
        "report-engine": ("batch", nil), "ai": ("llm", nil), "mail-server": (nil, "smtp-server"),
        "vault": ("secret-store", "vault"), "hsm": ("secret-store", "hsm"), "waf": ("reverse-proxy", nil),
        "scheduler": ("scheduler", nil), "block-storage": ("file", nil),
    ]

    struct Asset {
        var threagileID: String
        var title: String
        var fields: Fields
        var keyNode: Node
        var index: Int
    }

    func technicalAssets(_ node: Node?) -> [Asset] {
        guard let section = Fields(node) else {
            bag.error(.invalidStructure, "'technical_assets' must be a mapping of assets by title", at: range(node))
            return []
        }
        // First pass: ids and kinds, so links and boundaries may refer to any asset.
        var assets: [Asset] = []
        for entry in section.entries {
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
                     at: f.entry("type")?.value)
            }
            if assetIDs[threagileID] != nil {
                warn(.duplicateId, "technical asset id '\(threagileID)' is used twice; the second is renamed", at: entry.keyNode)
            }
            let id = draft.ids.make(threagileID, fallback: kind.rawValue)
            assetIDs[threagileID] = assetIDs[threagileID] ?? id
            draft.elements.append(ElementDraft(kind: kind, id: id, name: Notes.name(entry.key), range: range(entry.keyNode)))
            assets.append(Asset(threagileID: threagileID, title: entry.key, fields: f, keyNode: entry.keyNode,
                                index: draft.elements.count - 1))
        }
        return assets
    }

    func mapAsset(_ asset: Asset) {
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
            if let m = Self.technology[t] {
                type = type ?? m.type
                tech = tech ?? m.tech
                if t == "waf", e.kind == .process { e.attributes.flag("waf", at: e.range) }
            } else {
                extra.append("technology (\(t))")
            }
        }
        let human = f.bool("used_as_client_by_human")
        let usage = f.peek("usage")
        if usage == "business" { f.skip("usage") }
        if e.kind == .actor {
            if type == "developer" {
                // keep
            } else if human {
                type = usage == "devops" ? "operator" : "user"
                if usage == "devops" { f.skip("usage") }
            } else if type == nil || !["browser", "device", "mobile-app"].contains(type!) {
                type = "service"
            }
        } else if human {
            extra.append("used_as_client_by_human")
        }
        var unmatchedTags: [String] = []
        var tagTech: String?, platform: String?
        for (tag, _) in Fields.strings(f.take("tags")) {
            if let t = vocabulary.tech(tag) {
                if vocabulary.isPlatform(t) { platform = platform ?? t } else { tagTech = tagTech ?? t }
            } else {
                unmatchedTags.append(tag)
            }
        }
        tech = tagTech ?? tech ?? platform
        if f.peek("machine") == "serverless" {
            f.skip("machine")
            if type == nil, e.kind == .process { type = "function" } else { extra.append("machine (serverless)") }
        }
        if let type { e.attributes.set("type", type, at: e.range) }
        if let tech { e.attributes.set("tech", tech, at: e.range) }
        if !unmatchedTags.isEmpty { extra.append("tags (\(unmatchedTags.joined(separator: ", ")))") }

        // Exposure and scope.
        if let n = f.take("internet"), Fields.boolValue(n) == true {
            if e.kind == .actor {
                // An actor outside every boundary is untrusted already; inside one, say so.
                if boundaryOf(asset.threagileID) != nil { extra.append("internet (true)") }
            } else {
                e.attributes.flag("internet-facing", at: range(n))
            }
        }
        if let n = f.take("out_of_scope"), Fields.boolValue(n) == true {
            let reason = f.string("justification_out_of_scope").map(Notes.oneLine) ?? "out of scope in the Threagile model"
            e.attributes.set("out-of-scope", reason, at: range(n))
            outOfScope.insert(asset.threagileID)
        }
        f.skip("justification_out_of_scope")
        for (key, attribute) in [("multi_tenant", "multi-tenant"), ("redundant", "redundant")] {
            guard let n = f.take(key), Fields.boolValue(n) == true else { continue }
            if e.kind == .actor { extra.append("\(key) (true)") } else { e.attributes.flag(attribute, at: range(n)) }
        }
        if let n = f.take("encryption"), let text = Fields.text(n), text != "none" {
            if e.kind == .datastore { e.attributes.flag("encrypted-at-rest", at: range(n)) } else { extra.append("encryption (\(text))") }
        }

        // Data: Moat has `processes` on processes and `stores` on datastores and actors.
        let processed = dataRefs(f.take("data_assets_processed"), what)
        let stored = dataRefs(f.take("data_assets_stored"), what)
        switch e.kind {
        case .process: e.attributes.add(refs: "processes", processed + stored, at: e.range)
        default: e.attributes.add(refs: "stores", stored + processed, at: e.range)
        }

        // Input formats.
        var formats: [String] = []
        for (format, n) in Fields.strings(f.take("data_formats_accepted")) {
            switch (format, e.kind) {
            case ("serialization", .process): e.attributes.flag("deserialises-input", at: range(n))
            case ("file", .process), ("xml", .process): e.attributes.flag("parses-files", at: range(n))
            default: formats.append(format)
            }
        }
        if !formats.isEmpty { extra.append("data_formats_accepted (\(formats.joined(separator: ", ")))") }
        if let j = f.string("justification_cia_rating") { e.comments.append(Notes.comment("CIA rating: " + j)) }
        draft.elements[asset.index] = e
        reportLeftovers(f, what, at: asset.keyNode, extra: extra)
    }

    // MARK: - Trust boundaries

    var membership: [String: String] = [:]  // Threagile asset id → Threagile boundary id

    func boundaryOf(_ assetID: String) -> String? { membership[assetID] }

    func trustBoundaries(_ node: Node?) {
        guard let section = Fields(node) else { return }
        struct Raw { var threagileID: String; var fields: Fields; var keyNode: Node; var title: String }
        var raws: [Raw] = []
        for entry in section.entries {
            guard let f = Fields(entry.value) else {
                warn(.invalidStructure, "trust boundary '\(entry.key)' is not a mapping; skipped", at: entry.keyNode)
                continue
            }
            raws.append(Raw(threagileID: f.string("id") ?? entry.key, fields: f, keyNode: entry.keyNode, title: entry.key))
        }
        for raw in raws {
            boundaryIDs[raw.threagileID] = boundaryIDs[raw.threagileID] ?? draft.ids.make(raw.threagileID, fallback: "boundary")
        }
        // Parents from `trust_boundaries_nested`; a boundary nested twice keeps its first parent.
        var parent: [String: String] = [:]
        var nestedNodes: [String: [(String, Node)]] = [:]
        for raw in raws {
            nestedNodes[raw.threagileID] = Fields.strings(raw.fields.take("trust_boundaries_nested"))
        }
        for raw in raws {
            for (child, n) in nestedNodes[raw.threagileID] ?? [] {
                guard boundaryIDs[child] != nil else {
                    warn(.unknownReference, "trust boundary '\(raw.threagileID)': unknown nested boundary '\(child)'", at: n)
                    continue
                }
                if let first = parent[child] {
                    warn(.ambiguousNesting, "trust boundary '\(child)' is nested in '\(first)' and '\(raw.threagileID)'; kept in '\(first)'", at: n)
                    continue
                }
                // Refuse cycles: the child must not be an ancestor of this boundary.
                var p: String? = raw.threagileID
                var cycle = false
                while let x = p { if x == child { cycle = true; break }; p = parent[x] }
                if cycle {
                    warn(.nestingCycle, "trust boundary '\(child)' cannot be nested in '\(raw.threagileID)': the nesting would be a cycle", at: n)
                    continue
                }
                parent[child] = raw.threagileID
            }
        }
        for raw in raws {
            let f = raw.fields
            var b = BoundaryDraft(id: boundaryIDs[raw.threagileID]!, name: Notes.name(raw.title), range: range(raw.keyNode))
            b.parent = parent[raw.threagileID].flatMap { boundaryIDs[$0] }
            f.skip("id")
            var extra: [String] = []
            if let t = f.entry("type"), let type = Fields.text(t.value) {
                if ["network-cloud-security-group", "network-policy-namespace-isolation", "network-virtual-lan"].contains(type) {
                    b.attributes.flag("segmented", at: range(t.value))
                }
                b.comments.append(Notes.comment("Threagile boundary type: \(type)"))
            }
            if let d = f.string("description") { b.attributes.set("description", Notes.oneLine(d), at: b.range) }
            let tags = Fields.strings(f.take("tags")).map(\.0)
            if !tags.isEmpty { extra.append("tags (\(tags.joined(separator: ", ")))") }
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
            reportLeftovers(f, "trust boundary '\(raw.threagileID)'", at: raw.keyNode, extra: extra)
            draft.boundaries.append(b)
        }
        // Parents before children, as Moat declares them.
        draft.boundaries = orderedParentsFirst(draft.boundaries)
    }

    func orderedParentsFirst(_ list: [BoundaryDraft]) -> [BoundaryDraft] {
        var out: [BoundaryDraft] = []
        func visit(_ b: BoundaryDraft) {
            out.append(b)
            for c in list where c.parent == b.id { visit(c) }
        }
        for b in list where b.parent == nil { visit(b) }
        return out
    }

    // MARK: - Communication links

    /// Threagile protocol → Moat protocol, and whether the Moat flow needs the `encrypted` flag.
    static let protocols: [String: (String, Bool)] = [
        "unknown-protocol": ("unknown", false), "http": ("http", false), "https": ("https", false),
        "ws": ("websocket", false), "wss": ("wss", false), "reverse-proxy-web-protocol": ("http", false),
        "reverse-proxy-web-protocol-encrypted": ("https", false), "mqtt": ("mqtt", false), "jdbc": ("jdbc", false),
        "jdbc-encrypted": ("jdbc", true), "odbc": ("tcp", false), "odbc-encrypted": ("tls", false),
        "sql-access-protocol": ("tcp", false), "sql-access-protocol-encrypted": ("tls", false),
        "nosql-access-protocol": ("tcp", false), "nosql-access-protocol-encrypted": ("tls", false),
        "binary": ("tcp", false), "binary-encrypted": ("tls", false), "text": ("tcp", false), "text-encrypted": ("tls", false),
        "ssh": ("ssh", false), "ssh-tunnel": ("ssh", false), "smtp": ("smtp", false), "smtp-encrypted": ("smtps", false),
        "pop3": ("tcp", false), "pop3-encrypted": ("tls", false), "imap": ("tcp", false), "imap-encrypted": ("tls", false),
        "ftp": ("ftp", false), "ftps": ("ftps", false), "sftp": ("sftp", false), "scp": ("ssh", false),
        "ldap": ("ldap", false), "ldaps": ("ldaps", false), "jms": ("tcp", false), "jms-encrypted": ("tls", false),
        "nfs": ("nfs", false), "smb": ("smb", false), "smb-encrypted": ("smb", true), "local-file-access": ("file", false),
        "nrpe": ("tcp", false), "xmpp": ("tcp", false), "iiop": ("tcp", false), "iiop-encrypted": ("tls", false),
        "jrmp": ("tcp", false), "jrmp-encrypted": ("tls", false), "in-process-library-call": ("in-process", false),
        "inter-process-communication": ("in-process", false), "container-spawning": ("in-process", false),
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

    func communicationLinks(_ assets: [Asset]) {
        for asset in assets {
            guard let section = Fields(asset.fields.entry("communication_links")?.value) else { continue }
            let sourceID = draft.elements[asset.index].id
            for entry in section.entries {
                let what = "communication link '\(Self.linkID(source: asset.threagileID, title: entry.key))'"
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
                    if let (mapped, encrypted) = Self.protocols[text] {
                        flow.attributes.set("protocol", mapped, at: range(p))
                        if encrypted { flow.attributes.flag("encrypted", at: range(p)) }
                        if mapped != text, !(text == "ws" || text == "scp" || text == "ssh-tunnel") {
                            flow.comments.append(Notes.comment("Threagile protocol: \(text)"))
                        }
                    } else {
                        extra.append("protocol (\(text))")
                    }
                }
                if let a = f.take("authentication"), let text = Fields.text(a) {
                    if let mapped = Self.authentication[text] {
                        if mapped != "none" { flow.attributes.set("authn", mapped, at: range(a)) }
                        if text == "two-factor" {
                            let source = asset.index
                            if draft.elements[source].kind != .datastore {
                                draft.elements[source].attributes.flag("mfa", at: range(a))
                            } else { extra.append("authentication (two-factor)") }
                        }
                    } else { extra.append("authentication (\(text))") }
                }
                if let a = f.take("authorization"), let text = Fields.text(a) {
                    if let mapped = Self.authorization[text] {
                        if mapped != "none" { flow.attributes.set("authz", mapped, at: range(a)) }
                    } else { extra.append("authorization (\(text))") }
                }
                if let v = f.take("vpn"), Fields.boolValue(v) == true { flow.attributes.flag("vpn", at: range(v)) }
                // Moat flows are one-way, from the initiator; data sent and data received both travel on it.
                let carried = dataRefs(f.take("data_assets_sent"), what) + dataRefs(f.take("data_assets_received"), what)
                flow.attributes.add(refs: "carries", carried, at: flow.range)
                if f.peek("usage") == "business" { f.skip("usage") }
                let tags = Fields.strings(f.take("tags")).map(\.0)
                if !tags.isEmpty { extra.append("tags (\(tags.joined(separator: ", ")))") }
                for key in f.entries.map(\.key) where key.hasPrefix("diagram_tweak_") { f.skip(key) }
                reportLeftovers(f, what, at: entry.keyNode, extra: extra)
                draft.flows.append(flow)
                links.append((Self.linkID(source: asset.threagileID, title: entry.key), asset.threagileID, target,
                              draft.flows.count - 1))
            }
        }
    }

    // MARK: - Risk tracking

    /// How a Threagile risk id names its elements (after the rule id).
    enum IDShape { case asset, callerTargetLink, other }

    /// Threagile risk rules with a Moat counterpart: the Moat rules and the shape of the Threagile id.
    static let riskRules: [String: (rules: [String], shape: IDShape)] = [
        "untrusted-deserialization": (["untrusted-deserialisation"], .asset),
        "unencrypted-asset": (["regulated-data-at-rest-unencrypted", "secrets-at-rest-unprotected"], .asset),
        "missing-hardening": (["insecure-default-configuration"], .asset),
        "xml-external-entity": (["xml-external-entities"], .asset),
        "cross-site-scripting": (["cross-site-scripting"], .asset),
        "missing-file-validation": (["unrestricted-file-upload"], .asset),
        "code-backdooring": (["source-repository-tampering"], .asset),
        "ldap-injection": (["ldap-injection"], .callerTargetLink),
        "missing-authentication": (["missing-authentication-entry-point"], .other),
        "missing-authentication-second-factor": (["privileged-account-without-mfa"], .other),
        "sql-nosql-injection": (["sql-injection", "nosql-injection"], .other),
        "server-side-request-forgery": (["server-side-request-forgery"], .other),
        "cross-site-request-forgery": (["cross-site-request-forgery"], .other),
        "path-traversal": (["path-traversal-file-handling"], .other),
        "unencrypted-communication": (["tampering-in-transit"], .other),
        "dos-risky-access-across-trust-boundary": (["exposed-endpoint-not-rate-limited"], .other),
    ]
    static let statuses: [String: TrackingStatus] = [
        "accepted": .accept, "mitigated": .mitigated, "false-positive": .falsePositive,
    ]

    func riskTracking(_ node: Node?) {
        guard let section = Fields(node) else { return }
        var unmapped: [String] = []
        for entry in section.entries {
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
            let fail: (String) -> Void = { reason in
                self.warn(.unmappedTracking, "risk tracking '\(riskID)' is not mapped: \(reason); kept as a comment", at: entry.keyNode)
                unmapped.append(Notes.comment(note))
            }
            guard let status = Self.statuses[statusText] else {
                fail("status '\(statusText)' leaves the risk open in Moat")
                continue
            }
            let parts = riskID.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
            guard let rule = parts.first, let mapping = Self.riskRules[rule] else {
                fail("Moat has no rule for Threagile's '\(parts.first ?? riskID)'")
                continue
            }
            let elementParts = Array(parts.dropFirst())
            var elements: [String] = []
            if elementParts.allSatisfy({ $0 == "*" }) {
                elements = ["*"]
            } else if mapping.shape == .asset, elementParts.count == 1 {
                guard let id = mapAssetPattern(elementParts[0]) else {
                    fail("unknown technical asset '\(elementParts[0])'")
                    continue
                }
                elements = [id]
            } else if mapping.shape == .callerTargetLink, elementParts.count == 3 {
                // The Moat rule fires on the caller: every in-scope caller of a matching link.
                for link in links where matches(elementParts[0], link.source) && matches(elementParts[1], link.target)
                    && matches(elementParts[2], link.id) && !outOfScope.contains(link.source) {
                    let caller = draft.flows[link.flow].source
                    if !elements.contains(caller), draft.elements.first(where: { $0.id == caller })?.kind == .process {
                        elements.append(caller)
                    }
                }
                if elements.isEmpty {
                    fail("it matches no in-scope link")
                    continue
                }
            } else {
                fail("its parts '\(elementParts.joined(separator: "@"))' cannot be placed on one Moat element")
                continue
            }
            var text = justification.map(Notes.oneLine) ?? "imported from Threagile risk tracking"
            var details: [String] = []
            if let ticket { details.append("ticket \(ticket)") }
            if let date { details.append("checked \(date)") }
            details.append("Threagile '\(riskID)'")
            text += " (" + details.joined(separator: ", ") + ")"
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

    // MARK: - Notes without a Moat equivalent

    static func stripTags(_ s: String) -> String {
        s.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
    }

    func individualRisks(_ node: Node?) {
        guard let section = Fields(node) else { return }
        for entry in section.entries {
            guard let f = Fields(entry.value) else { continue }
            let categoryID = f.string("id") ?? entry.key
            let description = f.string("description")
            var placed = 0
            if let risks = Fields(f.take("risks_identified")) {
                for risk in risks.entries {
                    guard let rf = Fields(risk.value) else { continue }
                    let severity = rf.string("severity") ?? "unknown severity"
                    let note = Notes.comment("Threagile risk '\(categoryID)' (\(severity)): \(Self.stripTags(risk.key))"
                                             + (description.map { " — \($0)" } ?? ""))
                    if let asset = rf.string("most_relevant_technical_asset"), let id = assetIDs[asset],
                       let i = draft.elementIndex(id) {
                        draft.elements[i].comments.append(note)
                    } else {
                        draft.modelComments.append(note)
                    }
                    placed += 1
                }
            }
            warn(.keptAsComment,
                 "individual risk category '\(categoryID)' has no Moat rule; its \(placed) risk\(placed == 1 ? "" : "s") kept as comments",
                 at: entry.keyNode)
        }
    }

    func sharedRuntimes(_ node: Node?) {
        guard let section = Fields(node) else { return }
        for entry in section.entries {
            guard let f = Fields(entry.value) else { continue }
            let id = f.string("id") ?? entry.key
            let running = Fields.strings(f.take("technical_assets_running")).map(\.0)
            draft.modelComments.append(Notes.comment("shared runtime '\(entry.key)' runs: " + running.joined(separator: ", ")))
            warn(.keptAsComment, "shared runtime '\(id)' has no Moat equivalent; kept as a comment", at: entry.keyNode)
        }
    }
}

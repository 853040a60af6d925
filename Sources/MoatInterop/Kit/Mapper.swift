import Foundation
import MoatCore
import Yams

/// What every format mapper holds: the source being read, its diagnostics, the document being drafted, the
/// vocabulary's inferences and the person's choices. Mappers are value types; this protocol gives them the shared
/// steps (positions, warnings, the end of an import).
protocol FormatMapper {
    var source: ForeignSource { get }
    var bag: DiagnosticBag { get set }
    var draft: DocumentDraft { get set }
    var options: ImportOptions { get }
    var vocabulary: Vocabulary { get }
}

extension FormatMapper {
    var inference: Inference { Inference(vocabulary: vocabulary) }

    func range(_ node: Node?) -> SourceRange { source.range(node) }

    mutating func warn(_ id: DiagnosticID, _ message: String, at node: Node?, notes: [DiagnosticNote] = []) {
        bag.warning(id, message, at: range(node), notes: notes)
    }

    /// One warning listing what an object had that Moat does not map.
    mutating func reportLeftovers(_ fields: Fields, _ what: String, at node: Node?, extra: [String] = []) {
        let parts = [fields.leftoverSummary].filter { !$0.isEmpty } + extra
        guard !parts.isEmpty else { return }
        warn(.unmapped, "\(what): not mapped: \(parts.joined(separator: ", "))", at: node)
    }

    /// The end of every import: nesting checked and ordered, trust choices applied, an empty model said so, and the
    /// document assembled in the notation of the file (or `defaultNotation` when its extension says neither).
    mutating func finish(defaultNotation: Document.Notation, emptyMessage: String) -> ImportResult {
        draft.assignFlowIDs()
        var diagnostics = bag
        draft.orderBoundaries(diagnostics: &diagnostics)
        bag = diagnostics
        for zone in draft.applyTrust(options.trust) {
            let known = draft.boundaries.map(\.id).prefix(12).joined(separator: ", ")
            bag.error(.unknownReference, "--trust \(zone)=…: the model has no boundary with that id or name",
                      at: nil, notes: [DiagnosticNote(known.isEmpty ? "the imported model has no boundaries" : "boundaries: \(known)")])
        }
        if draft.elements.isEmpty && !bag.hasErrors {
            bag.warning(.emptyModel, emptyMessage, at: source.start, notes: ["the imported model is empty: it has a header and nothing else"])
        }
        let notation = DocumentReader.notation(forPath: source.file.path)
        return ImportResult(document: draft.document(notation: notation == .moat ? defaultNotation : notation), diagnostics: bag)
    }

    // MARK: - Shared mappings

    /// Sets `type` and `tech` from words (names, descriptions, stencil types) where the source says nothing
    /// explicit; each inferred value gets a comment saying from which words.
    func inferKind(_ e: inout ElementDraft, from texts: [(label: String, text: String)]) {
        if !e.attributes.has("tech"), let (t, why) = inference.tech(from: texts) {
            e.infer("tech", t, because: why)
        }
        if !e.attributes.has("type") {
            if let (v, why) = inference.type(from: texts, kind: e.kind) {
                e.infer("type", v, because: why)
            } else if let t = e.attributes.value("tech").first, let v = inference.type(ofTech: t), inference.fits(type: v, e.kind) {
                e.infer("type", v, because: "implied by tech \(t)")
            }
        }
    }

    /// Sets a boundary's `trust` from its name when the source gives no level, with a comment saying why.
    func inferTrust(_ b: inout BoundaryDraft, fallback: (value: String, reason: String)? = nil) {
        guard !b.attributes.has("trust") else { return }
        if let name = b.name, let (v, w) = inference.trust(fromName: name) {
            b.infer("trust", v, because: "inferred from the word '\(w)' in its name")
        } else if let fallback {
            b.infer("trust", fallback.value, because: fallback.reason)
        }
    }
}

/// A threat as another tool records it, before it becomes a written threat.
struct ForeignThreat {
    var title: String
    var description: String?
    /// STRIDE, CIA or LINDDUN category names (`Spoofing`, `Information disclosure`, `Integrity`…).
    var categories: [String] = []
    /// Low / Medium / High / Critical (any case), or nil/TBD.
    var severity: String?
    /// A numeric score (0–10), used when there is no severity.
    var score: Double?
    /// Likelihood and impact already on Moat's 1–4 scale.
    var likelihood: Int?
    var impact: Int?
    /// Open, Mitigated, NA…
    var status: String?
    var mitigation: String?
    var cwe: [Int] = []
    var capec: [Int] = []
    /// The tool and the threat's id there (`threat-dragon:<uuid>`, `otm:t1`).
    var origin: String?
    /// The id to keep when it is a valid, free Moat id (else one is made from the title).
    var preferredID: String?
    var subject: ThreatDraft.Subject
    var range: SourceRange
    /// How the source calls it, for messages.
    var what: String
}

extension FormatMapper {
    /// Turns another tool's threat into a written threat: STRIDE from its category (else from its words), a
    /// severity from its severity or score (else medium, said in a comment), its status as a tracking decision
    /// (Mitigated → mitigated, NA → not-applicable), and `same-as` the Moat rule its words name. A threat with no
    /// STRIDE category at all stays a comment (returned nil) with a warning.
    mutating func writtenThreat(_ t: ForeignThreat, fallbackID: String = "threat") -> ThreatDraft? {
        let id = t.preferredID.map { draft.threatIDs.make(exact: $0, fallback: fallbackID) } ?? draft.threatIDs.make(t.title, fallback: fallbackID)
        var draftThreat = ThreatDraft(id: id, title: t.title, subject: t.subject, range: t.range)
        var stride: [String] = []
        for c in t.categories { if let v = inference.stride(fromCategory: c), !stride.contains(v) { stride.append(v) } }
        if stride.isEmpty {
            stride = inference.strides(inText: t.title + " " + (t.description ?? ""))
            if !stride.isEmpty {
                let said = t.categories.isEmpty ? "the threat names no category" : "its category '\(t.categories.joined(separator: ", "))' is no STRIDE word"
                draftThreat.comments.append(Notes.comment("stride \(stride.joined(separator: ", ")): inferred from its words (\(said))"))
            }
        }
        guard !stride.isEmpty else {
            bag.warning(.keptAsComment, "\(t.what): no STRIDE category could be told from its type or words; kept as a comment",
                        at: t.range, notes: ["a written threat needs 'stride'; add it to the Moat model by hand"])
            return nil
        }
        draftThreat.attributes.set("stride", list: stride, at: t.range)
        let severities = ["low", "medium", "high", "critical"]
        if let l = t.likelihood, let i = t.impact {
            draftThreat.attributes.set("likelihood", String(min(4, max(1, l))), at: t.range)
            draftThreat.attributes.set("impact", String(min(4, max(1, i))), at: t.range)
        } else if let s = t.severity?.lowercased(), severities.contains(s) {
            draftThreat.attributes.set("severity", s, at: t.range)
        } else if let score = t.score, score > 0 {
            let s = score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "medium" : "low"
            draftThreat.attributes.set("severity", s, at: t.range)
            draftThreat.comments.append(Notes.comment("severity \(s): from its score \(AttributeValueText.number(score))"))
        } else {
            draftThreat.attributes.set("severity", "medium", at: t.range)
            draftThreat.comments.append(Notes.comment("severity medium: the source gives " + (t.severity.map { "'\($0)'" } ?? "none")))
        }
        if let d = t.description, !d.isEmpty { draftThreat.attributes.set("description", Notes.oneLine(d), at: t.range) }
        if let m = t.mitigation, !m.isEmpty { draftThreat.attributes.set("mitigation", Notes.oneLine(m), at: t.range) }
        if !t.cwe.isEmpty { draftThreat.attributes.set("cwe", list: t.cwe.map(String.init), at: t.range) }
        if !t.capec.isEmpty { draftThreat.attributes.set("capec", list: t.capec.map(String.init), at: t.range) }
        if let o = t.origin { draftThreat.attributes.set("origin", o, at: t.range) }
        let sameAs = RuleLinks.rules(forText: t.title + " " + (t.description ?? ""))
        if !sameAs.isEmpty { draftThreat.attributes.set("same-as", sameAs.joined(separator: ", "), at: t.range) }
        switch t.status?.lowercased().replacingOccurrences(of: " ", with: "") {
        case "mitigated", "closed", "fixed", "done", "resolved", "implemented":
            draftThreat.status = .mitigated
            draftThreat.justification = t.mitigation.map(Notes.oneLine).flatMap { $0.isEmpty ? nil : $0 } ?? "mitigated in the source model"
        case "na", "n/a", "notapplicable", "not-applicable":
            draftThreat.status = .notApplicable
            draftThreat.justification = "not applicable in the source model"
        case "accepted", "accept":
            draftThreat.status = .accept
            draftThreat.justification = t.mitigation.map(Notes.oneLine).flatMap { $0.isEmpty ? nil : $0 } ?? "accepted in the source model"
        case "falsepositive", "false-positive":
            draftThreat.status = .falsePositive
            draftThreat.justification = "a false positive in the source model"
        default: break
        }
        return draftThreat
    }
}

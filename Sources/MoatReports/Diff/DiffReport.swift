import MoatCore

/// What every `moat diff` output shows, computed once: the model diff, the findings delta sorted into
/// table rows, and the summary counts. Writers only render it, each escaping user text for its format.
public struct DiffReport: Sendable {
    /// One side of the comparison: a label for the reader (a path, `HEAD~1:shop.moat`) and its analysis.
    public struct Side: Sendable {
        /// How the reader knows this side: a path, a git revision and path (`HEAD~1:shop.moat`), ….
        public var label: String
        /// The analysis of this side's model.
        public var analysis: Analysis

        /// A side labelled `label` with its analysis.
        public init(label: String, analysis: Analysis) {
            self.label = label
            self.analysis = analysis
        }
    }

    /// How a finding changed, as one table row shows it.
    public enum RowChange: String, Sendable, CaseIterable {
        /// The id is new.
        case new
        /// Closed before (mitigated, accepted, …), open now.
        case reopened
        /// Severity or status changed, open (or closed) on both sides.
        case changed
        /// Open before, closed now.
        case closed
        /// The id is gone.
        case resolved
    }

    /// One finding's change, for a table.
    public struct Row: Sendable {
        /// How the finding changed: new, reopened, changed, closed or resolved.
        public var change: RowChange
        /// The finding after the change; before it for resolved findings.
        public var finding: Finding
        /// The severity before the change; nil for a new finding.
        public var oldSeverity: Severity?
        /// The severity after the change; nil for a resolved finding.
        public var newSeverity: Severity?
        /// The status before the change; nil for a new finding.
        public var oldStatus: FindingStatus?
        /// The status after the change; nil for a resolved finding.
        public var newStatus: FindingStatus?

        /// The finding id, `rule-id@element-id`.
        public var id: String { finding.id }
        /// The severity that ranks the row: after the change, or before it for resolved findings.
        public var severity: Severity { newSeverity ?? oldSeverity ?? finding.severity }
        /// True when the finding is open (gap or roadmap) on at least one side.
        public var involvesOpenThreat: Bool { oldStatus?.isOpen == true || newStatus?.isOpen == true }
    }

    /// The side compared from (the base).
    public let old: Side
    /// The side compared to (the change under review).
    public let new: Side
    /// What changed in the model itself: elements, flows, boundaries, data, threats, tracking, header.
    public let model: ModelDiff
    /// What changed in the findings: new, resolved, and changed in severity or status.
    public let findings: FindingsDiff
    /// Findings open on at least one side: new and reopened, then changed, then closed and resolved; worst first in each group.
    public let threatRows: [Row]
    /// Findings closed on both sides (for example a new element's mitigated findings), in the same order.
    public let otherRows: [Row]

    /// The report of two sides, computing the model diff and the findings diff.
    public init(old: Side, new: Side) {
        self.init(old: old, new: new, model: ModelDiff(old: old.analysis.model, new: new.analysis.model),
                  findings: FindingsDiff(old: old.analysis, new: new.analysis))
    }

    /// The report of two sides with diffs already computed (`model` and `findings` should be of these sides).
    public init(old: Side, new: Side, model: ModelDiff, findings: FindingsDiff) {
        self.old = old
        self.new = new
        self.model = model
        self.findings = findings
        var rows: [Row] = []
        for f in findings.new {
            rows.append(Row(change: .new, finding: f, newSeverity: f.severity, newStatus: f.status))
        }
        for c in findings.changed {
            rows.append(Row(change: c.reopened ? .reopened : c.closed ? .closed : .changed, finding: c.new,
                            oldSeverity: c.old.severity, newSeverity: c.new.severity,
                            oldStatus: c.old.status, newStatus: c.new.status))
        }
        for f in findings.resolved {
            rows.append(Row(change: .resolved, finding: f, oldSeverity: f.severity, oldStatus: f.status))
        }
        func group(_ c: RowChange) -> Int {
            switch c {
            case .new, .reopened: return 0
            case .changed: return 1
            case .closed, .resolved: return 2
            }
        }
        rows.sort { a, b in
            let ga = group(a.change), gb = group(b.change)
            if ga != gb { return ga < gb }
            if a.severity != b.severity { return a.severity > b.severity }
            return a.id < b.id
        }
        threatRows = rows.filter(\.involvesOpenThreat)
        otherRows = rows.filter { !$0.involvesOpenThreat }
    }

    /// A lower declared maturity level: a finding of its own, because it turns gaps into roadmap items
    /// without fixing anything (`moat check` gates on gaps).
    public struct LoweredLevel: Sendable {
        /// The level the old side declares, 1–5.
        public var old: Int
        /// The lower level the new side declares, 1–5.
        public var new: Int
        /// Findings open on both sides that were gaps and are roadmap items now, worst first.
        public var gapsDeferred: [Finding]

        /// The worst severity among the deferred gaps (nil when none moved).
        public var severity: Severity? { gapsDeferred.map(\.severity).max() }

        /// "declared maturity lowered from 3 to 1: 12 gaps (2 high) become roadmap items; nothing was fixed".
        public var summary: String {
            var text = "declared maturity lowered from \(old) to \(new)"
            if gapsDeferred.isEmpty { return text + "; no open gap changes status" }
            var bySeverity: [Severity: Int] = [:]
            for f in gapsDeferred { bySeverity[f.severity, default: 0] += 1 }
            let counts = Severity.allCases.reversed().compactMap { s in bySeverity[s].map { "\($0) \(s.rawValue)" } }
            text += ": \(gapsDeferred.count) gap\(gapsDeferred.count == 1 ? "" : "s") (\(counts.joined(separator: ", "))) "
            return text + "become roadmap items; nothing was fixed"
        }
    }

    /// Set when the new side declares a lower maturity level than the old one.
    public var loweredLevel: LoweredLevel? {
        let a = old.analysis.maturity.declared, b = new.analysis.maturity.declared
        guard b < a else { return nil }
        let deferred = threatRows.filter { $0.oldStatus == .gap && $0.newStatus == .roadmap }.map(\.finding)
        return LoweredLevel(old: a, new: b, gapsDeferred: deferred)
    }

    // MARK: - Summaries (plain text; no user text inside)

    /// "2 new threats (1 high, 1 medium), 1 resolved, 1 changed", or "no change in open threats".
    public var threatSummary: String {
        let opened = findings.opened
        let closedCount = findings.closed.count
        let changedCount = threatRows.filter { $0.change == .changed }.count
        var parts: [String] = []
        if !opened.isEmpty {
            var bySeverity: [Severity: Int] = [:]
            for f in opened { bySeverity[f.severity, default: 0] += 1 }
            let counts = Severity.allCases.reversed().compactMap { s in bySeverity[s].map { "\($0) \(s.rawValue)" } }
            parts.append("\(opened.count) new threat\(opened.count == 1 ? "" : "s") (\(counts.joined(separator: ", ")))")
        }
        if closedCount > 0 { parts.append("\(closedCount) resolved") }
        if changedCount > 0 { parts.append("\(changedCount) changed") }
        return parts.isEmpty ? "no change in open threats" : parts.joined(separator: ", ")
    }

    /// "evidenced maturity 3 → 2" when the evidenced level changed (or the declared one), else nil.
    public var maturitySummary: String? {
        let a = old.analysis.maturity, b = new.analysis.maturity
        var parts: [String] = []
        if a.declared != b.declared { parts.append("declared maturity \(a.declared) → \(b.declared)") }
        if a.evidenced != b.evidenced { parts.append("evidenced maturity \(a.evidenced) → \(b.evidenced)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// "1 element added, 1 changed; 1 flow removed; header changed", or "no model changes".
    public var modelSummary: String {
        var parts: [String] = []
        let lists: [(KeyPath<ModelDiff, [ModelDiff.EntityChange]>, String, String)] = [
            (\.elements, "element", "elements"), (\.flows, "flow", "flows"), (\.boundaries, "boundary", "boundaries"),
            (\.data, "data asset", "data assets"), (\.tracking, "tracking entry", "tracking entries"),
        ]
        for (list, one, many) in lists {
            let counts = ModelDiff.ChangeKind.allCases.map { ($0, model.count($0, in: list)) }.filter { $0.1 > 0 }
            guard let first = counts.first else { continue }
            var phrase = "\(first.1) \(first.1 == 1 ? one : many) \(first.0.rawValue)"
            for (kind, n) in counts.dropFirst() { phrase += ", \(n) \(kind.rawValue)" }
            parts.append(phrase)
        }
        if !model.header.isEmpty { parts.append("model header changed") }
        return parts.isEmpty ? "no model changes" : parts.joined(separator: "; ")
    }

    // MARK: - Describing model changes

    /// How a format writes user text: `code` for ids and words, `quote` for names and strings.
    /// Each writer passes its format's one escaping helper; nothing here escapes on its own.
    struct Style: Sendable {
        var code: @Sendable (String) -> String
        var quote: @Sendable (String) -> String
    }

    /// One change of an entity as a short phrase: `renamed "A" → "B"`, `+internet-facing`, `protocol http → https`.
    static func describe(_ detail: ModelDiff.Detail, _ s: Style) -> String {
        switch detail {
        case .renamed(let a, let b):
            return "renamed \(s.quote(a)) → \(s.quote(b))"
        case .kind(let a, let b):
            return "kind \(a.rawValue) → \(b.rawValue)"
        case .boundary(let a, let b):
            return "moved \(a.map(s.code) ?? "(top level)") → \(b.map(s.code) ?? "(top level)")"
        case .endpoints(let a, let b):
            return "endpoints \(s.code(a)) → \(s.code(b))"
        case .field(let name, let a, let b):
            let show = { (v: String?) in v.map { name == "status" || name == "until" ? s.code($0) : s.quote($0) } ?? "(none)" }
            return "\(name) \(show(a)) → \(show(b))"
        case .attribute(let c):
            let name = s.code(c.name)
            switch c.kind {
            case .added:
                return "+" + name + (isPlainFlag(c.new) ? "" : " " + value(c.new!, s))
            case .removed:
                return "-" + name + (isPlainFlag(c.old) ? "" : " (was " + value(c.old!, s) + ")")
            case .changed:
                if case .list = c.old!, case .list = c.new! {
                    let items = c.addedItems.map { "+" + s.code($0) } + c.removedItems.map { "-" + s.code($0) }
                    if !items.isEmpty { return name + " " + items.joined(separator: " ") }
                }
                return name + " " + value(c.old!, s) + " → " + value(c.new!, s)
            }
        }
    }

    /// An attribute value: strings quoted, lists as ids, everything else as a word.
    static func value(_ v: AttributeValue, _ s: Style) -> String {
        switch v {
        case .string(let text): return s.quote(text)
        case .list(let items): return items.isEmpty ? "(none)" : items.map(s.code).joined(separator: ", ")
        default: return v.textValues.map(s.code).joined(separator: ", ")
        }
    }

    /// True for a flag set to true, which reads best as the bare attribute name.
    static func isPlainFlag(_ v: AttributeValue?) -> Bool {
        if case .flag(true)? = v { return true }
        return false
    }
}

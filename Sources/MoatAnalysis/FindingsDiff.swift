import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// The delta of two analyses, matched by finding id (`rule@element`): findings new, resolved (gone), and
/// changed in severity or status.
///
/// A change to a model often reopens a finding rather than creating one: removing `encrypted-at-rest`
/// from a datastore turns its `…-at-rest-unencrypted` finding from mitigated into a gap under the same
/// id. `opened` and `closed` therefore look at open status (gap or roadmap) on both sides; they are what
/// a reviewer calls "new threats" and "resolved threats", and what `moat diff --fail-on-new` gates on.
public struct FindingsDiff: Sendable {
    /// A finding present on both sides whose severity or status differs.
    public struct Change: Sendable {
        /// The finding as it was in the old analysis.
        public var old: Finding
        /// The finding as it is in the new analysis (same id as `old`).
        public var new: Finding

        /// A change from `old` to `new`, two findings with the same id.
        public init(old: Finding, new: Finding) {
            self.old = old
            self.new = new
        }

        /// The finding id, `rule-id@element-id`, shared by both sides.
        public var id: String { new.id }
        /// Whether the severity bucket differs between the two sides.
        public var severityChanged: Bool { old.severity != new.severity }
        /// Whether the status differs between the two sides.
        public var statusChanged: Bool { old.status != new.status }
        /// Closed before (mitigated, accepted, …), open now.
        public var reopened: Bool { !old.isOpen && new.isOpen }
        /// Open before, closed now.
        public var closed: Bool { old.isOpen && !new.isOpen }
    }

    /// Findings whose id exists only in the new analysis, in its order (worst first).
    public var new: [Finding]
    /// Findings whose id exists only in the old analysis (as they were), in its order.
    public var resolved: [Finding]
    /// Findings on both sides with another severity or status, in the new analysis's order.
    public var changed: [Change]

    /// A diff made of given lists (for tests and for diffs read back from a report).
    public init(new: [Finding] = [], resolved: [Finding] = [], changed: [Change] = []) {
        self.new = new
        self.resolved = resolved
        self.changed = changed
    }

    /// The diff of the findings of two analyses; see `init(old:new:)` for finding lists.
    public init(old: Analysis, new: Analysis) {
        self.init(old: old.findings, new: new.findings)
    }

    /// Compares two finding lists; the order of each list is kept.
    public init(old: [Finding], new: [Finding]) {
        var before: [String: Finding] = [:]
        for f in old where before[f.id] == nil { before[f.id] = f }
        var after = Set<String>()
        var added: [Finding] = []
        var changed: [Change] = []
        for f in new where after.insert(f.id).inserted {
            if let o = before[f.id] {
                if o.severity != f.severity || o.status != f.status { changed.append(Change(old: o, new: f)) }
            } else {
                added.append(f)
            }
        }
        var seen = Set<String>()
        self.new = added
        self.resolved = old.filter { !after.contains($0.id) && seen.insert($0.id).inserted }
        self.changed = changed
    }

    /// The changes whose severity differs, in the new analysis's order.
    public var severityChanged: [Change] { changed.filter(\.severityChanged) }
    /// The changes whose status differs, in the new analysis's order.
    public var statusChanged: [Change] { changed.filter(\.statusChanged) }

    /// Findings open now that were not open before: new open findings and reopened ones, worst first.
    public var opened: [Finding] {
        Self.worstFirst(new.filter(\.isOpen) + changed.filter(\.reopened).map(\.new))
    }

    /// Findings open before that are gone or closed now, as they were before, worst first.
    public var closed: [Finding] {
        Self.worstFirst(resolved.filter(\.isOpen) + changed.filter(\.closed).map(\.old))
    }

    /// The opened findings at or above a severity (`moat diff --fail-on-new`).
    public func opened(atLeast severity: Severity) -> [Finding] {
        opened.filter { $0.severity >= severity }
    }

    /// True when no finding is new, resolved or changed.
    public var isEmpty: Bool { new.isEmpty && resolved.isEmpty && changed.isEmpty }

    /// Severity descending, then id: the order of the analysis for open findings.
    static func worstFirst(_ findings: [Finding]) -> [Finding] {
        findings.sorted { a, b in
            a.severity != b.severity ? a.severity > b.severity : a.id < b.id
        }
    }
}

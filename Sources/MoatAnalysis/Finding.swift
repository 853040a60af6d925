import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Severity buckets of likelihood × impact (DESIGN §7): low 1–4, medium 5–8, high 9–12, critical 16.
public enum Severity: String, Sendable, CaseIterable, Codable, Comparable {
    /// Likelihood × impact of 1–4: unlikely, or of little consequence.
    case low
    /// Likelihood × impact of 5–8 (in practice 6 or 8).
    case medium
    /// Likelihood × impact of 9–12: likely and damaging.
    case high
    /// Likelihood × impact of 16: both dimensions at their worst.
    case critical

    /// The bucket of a score from 1 to 16: critical only at 16 (both dimensions at their worst).
    public init(score: Int) {
        switch score {
        case 13...: self = .critical
        case 9...: self = .high
        case 5...: self = .medium
        default: self = .low
        }
    }

    /// 0 for low up to 3 for critical.
    public var rank: Int { Severity.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Where a finding stands (DESIGN §6).
public enum FindingStatus: String, Sendable, CaseIterable, Codable {
    /// A mitigating control is present.
    case mitigated
    /// Open, and the declared maturity level says it should already be handled.
    case gap
    /// Open, expected to be handled on reaching a higher level.
    case roadmap
    /// A tracking entry accepts the risk (`accept`), with a justification and usually an owner and expiry date.
    case accepted
    /// A tracking entry marks the finding as not a real threat here (`false-positive`).
    case falsePositive = "false-positive"
    /// A tracking entry marks the threat as not applying to this element (`not-applicable`).
    case notApplicable = "not-applicable"
    /// The element is operated by a provider and only the provider can apply the mitigation (shared
    /// responsibility): listed apart, never gated.
    case provider

    /// Gaps and roadmap items are open; everything else is closed.
    public var isOpen: Bool { self == .gap || self == .roadmap }
}

/// One step of a severity computation, for `moat explain`.
public struct SeverityFactor: Sendable, Hashable {
    /// `likelihood` or `impact`.
    public var dimension: String
    /// How far the step moved the dimension: +1 or −1, or 0 for a factor noted without effect (an exposure
    /// filtered by a WAF or validating gateway).
    public var change: Int
    /// Why, in words: "exposed to untrusted callers directly", "handles secret data", ….
    public var reason: String
}

/// A rule that fired on an element: the threat, its severity in context and its status.
///
/// A class: findings are made once and never changed, and the reports pass tens of thousands of them
/// around; a reference costs one retain where the struct cost one per field.
public final class Finding: Sendable {
    /// `rule-id@element-id`: stable across unrelated edits.
    public let id: String
    /// The rule that fired, or the rule made from a written threat (`rule.isWritten`).
    public let rule: Rule
    /// The id of the entity the finding is on: an element, flow or boundary id, or `model` for model-wide findings.
    public let elementID: String
    /// The kind of the entity the finding is on.
    public let elementKind: ElementKind
    /// The entity's display name, for reports (a flow's id when it has no name; the model's name for `model`).
    public let elementName: String
    /// Likelihood 1–4: the rule's, moved at most one step by exposure (see `factors`).
    public let likelihood: Int
    /// Impact 1–4: the rule's, moved at most one step by what is at stake (see `factors`).
    public let impact: Int
    /// The bucket of `likelihood × impact`.
    public let severity: Severity
    /// The steps that moved likelihood and impact from the rule's values, in order; empty when none did.
    public let factors: [SeverityFactor]
    /// Gap, roadmap, mitigated, provider, or a tracking decision (accepted, false positive, not applicable).
    public let status: FindingStatus
    /// The lowest level among the mitigating controls.
    public let expectedLevel: Int
    /// Controls found present (for mitigated findings).
    public let presentControls: [String]
    /// The tracking entry that decided the status, if any.
    public let tracking: TrackingEntry?
    /// True when a tracking acceptance has expired and no longer applies.
    public let trackingExpired: Bool
    /// Where the element is written.
    public let range: SourceRange?

    init(id: String, rule: Rule, elementID: String, elementKind: ElementKind, elementName: String, likelihood: Int,
         impact: Int, severity: Severity, factors: [SeverityFactor], status: FindingStatus, expectedLevel: Int,
         presentControls: [String], tracking: TrackingEntry?, trackingExpired: Bool, range: SourceRange?) {
        self.id = id
        self.rule = rule
        self.elementID = elementID
        self.elementKind = elementKind
        self.elementName = elementName
        self.likelihood = likelihood
        self.impact = impact
        self.severity = severity
        self.factors = factors
        self.status = status
        self.expectedLevel = expectedLevel
        self.presentControls = presentControls
        self.tracking = tracking
        self.trackingExpired = trackingExpired
        self.range = range
    }

    /// Whether the finding still needs handling: its status is gap or roadmap.
    public var isOpen: Bool { status.isOpen }
}

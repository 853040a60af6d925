/// Severity buckets of likelihood × impact (DESIGN §7): low 1–4, medium 5–8, high 9–12, critical 16.
public enum Severity: String, Sendable, CaseIterable, Codable, Comparable {
    case low, medium, high, critical

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
    case accepted
    case falsePositive = "false-positive"
    case notApplicable = "not-applicable"

    /// Gaps and roadmap items are open; everything else is closed.
    public var isOpen: Bool { self == .gap || self == .roadmap }
}

/// One step of a severity computation, for `moat explain`.
public struct SeverityFactor: Sendable, Hashable {
    /// `likelihood` or `impact`.
    public var dimension: String
    public var change: Int
    public var reason: String
}

/// A rule that fired on an element: the threat, its severity in context and its status.
public struct Finding: Sendable {
    /// `rule-id@element-id`: stable across unrelated edits.
    public var id: String
    public var rule: Rule
    public var elementID: String
    public var elementKind: ElementKind
    public var elementName: String
    public var likelihood: Int
    public var impact: Int
    public var severity: Severity
    public var factors: [SeverityFactor]
    public var status: FindingStatus
    /// The lowest level among the mitigating controls.
    public var expectedLevel: Int
    /// Controls found present (for mitigated findings).
    public var presentControls: [String]
    /// The tracking entry that decided the status, if any.
    public var tracking: TrackingEntry?
    /// True when a tracking acceptance has expired and no longer applies.
    public var trackingExpired: Bool
    /// Where the element is written.
    public var range: SourceRange?

    public var isOpen: Bool { status.isOpen }
}

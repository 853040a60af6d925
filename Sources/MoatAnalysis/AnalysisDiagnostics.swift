import MoatSource

/// The diagnostics of the analysis: tracking entries.
extension DiagnosticID {
    public static let threatNamedLikeARule = DiagnosticID(declared: "threat-named-like-a-rule")
    /// A finding printed as a diagnostic (`moat check` prints each gating finding at its element).
    public static let finding = DiagnosticID(declared: "finding")
    public static let expiredTracking = DiagnosticID(declared: "expired-tracking")
    public static let unmatchedTracking = DiagnosticID(declared: "unmatched-tracking")
}

import MoatSource

/// The diagnostics of rule and control catalogues.
extension DiagnosticID {
    public static let duplicateRule = DiagnosticID(declared: "duplicate-rule")
    public static let invalidCondition = DiagnosticID(declared: "invalid-condition")
    public static let invalidControl = DiagnosticID(declared: "invalid-control")
    public static let invalidRule = DiagnosticID(declared: "invalid-rule")
    public static let invalidRuleFile = DiagnosticID(declared: "invalid-rule-file")
    public static let noRules = DiagnosticID(declared: "no-rules")
}

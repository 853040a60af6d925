import MoatCore

/// The diagnostics of importers of other tools' models.
extension DiagnosticID {
    public static let invalidJson = DiagnosticID(declared: "invalid-json")
    public static let ambiguousMembership = DiagnosticID(declared: "ambiguous-membership")
    public static let ambiguousNesting = DiagnosticID(declared: "ambiguous-nesting")
    public static let boundaryLines = DiagnosticID(declared: "boundary-lines")
    public static let danglingFlow = DiagnosticID(declared: "dangling-flow")
    public static let flattened = DiagnosticID(declared: "flattened")
    public static let invalidOtm = DiagnosticID(declared: "invalid-otm")
    public static let invalidThreatDragon = DiagnosticID(declared: "invalid-threat-dragon")
    public static let keptAsComment = DiagnosticID(declared: "kept-as-comment")
    public static let nestingCycle = DiagnosticID(declared: "nesting-cycle")
    public static let notThreagile = DiagnosticID(declared: "not-threagile")
    public static let otmVersion = DiagnosticID(declared: "otm-version")
    public static let straddlesBoundary = DiagnosticID(declared: "straddles-boundary")
    public static let unknownFormat = DiagnosticID(declared: "unknown-format")
    public static let unknownReference = DiagnosticID(declared: "unknown-reference")
    public static let unmapped = DiagnosticID(declared: "unmapped")
    public static let unmappedTracking = DiagnosticID(declared: "unmapped-tracking")
}

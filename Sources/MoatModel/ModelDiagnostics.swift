import MoatSource

/// The diagnostics of semantics: names, types, includes, lint.
extension DiagnosticID {
    public static let ambiguousFlowId = DiagnosticID(declared: "ambiguous-flow-id")
    public static let attributeNotAllowed = DiagnosticID(declared: "attribute-not-allowed")
    public static let dataNotStored = DiagnosticID(declared: "data-not-stored")
    public static let duplicateAttribute = DiagnosticID(declared: "duplicate-attribute")
    public static let duplicateFlow = DiagnosticID(declared: "duplicate-flow")
    public static let duplicateHeader = DiagnosticID(declared: "duplicate-header")
    public static let duplicateId = DiagnosticID(declared: "duplicate-id")
    public static let emptyBoundary = DiagnosticID(declared: "empty-boundary")
    public static let emptyModel = DiagnosticID(declared: "empty-model")
    public static let expectedNumber = DiagnosticID(declared: "expected-number")
    public static let flowEndpoint = DiagnosticID(declared: "flow-endpoint")
    public static let includeCycle = DiagnosticID(declared: "include-cycle")
    public static let includeTooDeep = DiagnosticID(declared: "include-too-deep")
    public static let isolatedElement = DiagnosticID(declared: "isolated-element")
    public static let misplacedHeader = DiagnosticID(declared: "misplaced-header")
    public static let modelTooLarge = DiagnosticID(declared: "model-too-large")
    public static let outOfRange = DiagnosticID(declared: "out-of-range")
    public static let repeatedInclude = DiagnosticID(declared: "repeated-include")
    public static let selfFlow = DiagnosticID(declared: "self-flow")
    public static let unknownAttribute = DiagnosticID(declared: "unknown-attribute")
    public static let unknownData = DiagnosticID(declared: "unknown-data")
    public static let unknownElement = DiagnosticID(declared: "unknown-element")
    public static let unknownPractice = DiagnosticID(declared: "unknown-practice")
    public static let unusedData = DiagnosticID(declared: "unused-data")
}

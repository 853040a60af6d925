/// The diagnostics of reading files (SourceLoader, DiagnosticBag).
extension DiagnosticID {
    public static let binaryFile = DiagnosticID(declared: "binary-file")
    public static let carriageReturnLineEnds = DiagnosticID(declared: "carriage-return-line-ends")
    public static let fileNotFound = DiagnosticID(declared: "file-not-found")
    public static let invalidUtf8 = DiagnosticID(declared: "invalid-utf8")
    public static let tooManyErrors = DiagnosticID(declared: "too-many-errors")
    public static let unreadableFile = DiagnosticID(declared: "unreadable-file")
}

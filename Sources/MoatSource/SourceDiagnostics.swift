/// The diagnostics of reading files (SourceLoader, DiagnosticBag).
extension DiagnosticID {
    /// A file contains a NUL byte: binary data, not a model (its lines are not quoted).
    public static let binaryFile = DiagnosticID(declared: "binary-file")
    /// A file ends its lines with lone carriage returns (classic Mac OS), which would make it one line.
    public static let carriageReturnLineEnds = DiagnosticID(declared: "carriage-return-line-ends")
    /// A model or included file does not exist.
    public static let fileNotFound = DiagnosticID(declared: "file-not-found")
    /// A file is not valid UTF-8 text; the diagnostic points at the first bad byte.
    public static let invalidUtf8 = DiagnosticID(declared: "invalid-utf8")
    /// More errors than `DiagnosticBag.errorLimit`: how many were not shown, or that reading stopped.
    public static let tooManyErrors = DiagnosticID(declared: "too-many-errors")
    /// A file exists but cannot be read: a directory, too large, no permission, a symbolic link loop.
    public static let unreadableFile = DiagnosticID(declared: "unreadable-file")
}

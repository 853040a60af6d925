import MoatSource
import MoatSyntax

/// Reads a file written in a notation Moat does not know itself (for example another tool's model), or
/// declines with nil so that the next reader, and finally Moat's own YAML/JSON reader, gets it.
///
/// MoatModel knows none: a program that links importers passes them to `ModelLoader(foreignReaders:)`
/// (the `moat` CLI passes MoatInterop's `Interop.readers`).
public typealias ForeignDocumentReader = @Sendable (SourceFile) -> (Document, DiagnosticBag)?

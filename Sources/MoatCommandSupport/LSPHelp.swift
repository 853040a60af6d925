/// Text shared by `moat lsp` (in `moat`'s list of commands) and the `moat-lsp` program that serves it.
public enum LSPHelp {
    /// The one-line description shown in help.
    public static let abstract = "Serve the Language Server Protocol on stdin/stdout for editors."
}

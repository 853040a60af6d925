/// Text shared by `moat watch` (in `moat`'s list of commands) and the `moat-watch` program that serves it.
public enum WatchHelp {
    /// The one-line description shown in help.
    public static let abstract = "Serve a live workbench page that redraws the diagram and threats on every save."
}

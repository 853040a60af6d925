/// The version printed by `moat --version`.
public enum MoatVersion {
    /// Moat's version, semantic-versioning style; also reported by the MCP server, SARIF and HTML reports.
    public static let string = "0.1.0"
}

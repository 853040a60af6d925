import MoatCore

/// `moat lsp`: serves the Language Server Protocol on standard input and output.
public enum MoatLanguageServer {
    /// Serves until the client says `exit` or closes the input; returns the exit status.
    /// - Parameters:
    ///   - catalogue: the vocabulary, maturity model and rules (with any `--rules` added).
    ///   - declaredLevel: analyse as if this maturity level were declared (`--level`).
    ///   - asOf: today for tracking expiry (`--as-of`); the real date when nil.
    ///   - logPath: a file to write each message's method and handling time to.
    public static func serve(catalogue: Catalogue, declaredLevel: Int? = nil, asOf: String? = nil, version: String = "0.1.0",
                             logPath: String? = nil, input: Int32 = 0, output: Int32 = 1) -> Int32 {
        let core = CoreAdapter(catalogue: catalogue, declaredLevel: declaredLevel, asOf: asOf)
        return LanguageServer(core: core, version: version, logPath: logPath).run(input: input, output: output)
    }
}

/// How Moat writes numbers everywhere (models, YAML, JSON, messages): whole numbers without `.0`.
public enum NumberText {
    /// `3` for 3.0, `0.5` for 0.5.
    public static func format(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
    }
}

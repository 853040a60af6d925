/// How Moat writes numbers everywhere (models, YAML, JSON, messages): whole numbers without `.0`.
public enum NumberText {
    /// `3` for 3.0, `0.5` for 0.5.
    public static func format(_ n: Double) -> String {
        whole(n).map { String($0) } ?? String(n)
    }

    /// `n` as an integer when it is written as one (a whole number below 10¹⁵), else nil.
    public static func whole(_ n: Double) -> Int? {
        n == n.rounded() && abs(n) < 1e15 ? Int(n) : nil
    }
}

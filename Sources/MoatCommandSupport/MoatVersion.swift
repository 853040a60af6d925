/// The version printed by `moat --version`.
public enum MoatVersion {
    public static let string = "0.1.0"
}

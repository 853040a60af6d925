/// The version printed by `moat --version`.
enum MoatVersion {
    static let string = "0.1.0"
}

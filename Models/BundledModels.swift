import Foundation

/// Locates the catalogues that ship with Moat (vocabulary, rules, maturity model, schema).
public enum BundledModels {
    /// The folder holding `vocabulary.yaml`, `rules/`, `maturity/` and `moat.schema.json`.
    public static var directory: URL { beside ?? Bundle.module.resourceURL ?? Bundle.module.bundleURL }

    /// The resource folder next to the running executable, where SwiftPM puts it and where `Bundle.module`
    /// looks first; found without Foundation's `Bundle`, whose set-up (`Bundle.main`, CFBundle) costs more
    /// than everything else `moat analyze` does on a small model.
    private static let beside: URL? = {
        #if os(Linux)
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        guard length > 0 else { return nil }
        let executable = URL(fileURLWithPath: String(decoding: path[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        let folder = executable.deletingLastPathComponent().appendingPathComponent("Moat_BundledModels.resources", isDirectory: true)
        return access(folder.appendingPathComponent("vocabulary.yaml").path, R_OK) == 0 ? folder : nil
        #else
        return nil
        #endif
    }()
}

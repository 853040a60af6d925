import Foundation

/// Locates the catalogues that ship with Moat (vocabulary, rules, maturity model, schema).
public enum BundledModels {
    /// The folder holding `vocabulary.yaml`, `rules/`, `maturity/` and `moat.schema.json`.
    public static var directory: URL { Bundle.module.resourceURL ?? Bundle.module.bundleURL }
}

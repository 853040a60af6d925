import Foundation
import Testing
import MoatCore

// Small purpose-built models for the diff tests, and helpers to load and analyse them.

/// The base architecture every diff test edits: a web process, an orders database holding personal
/// data with encryption at rest, and two flows (Tests/Fixtures/diff-shop.moat, shared with the writer
/// and CLI diff tests).
let diffBaseModel = (try? String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/diff-shop.moat"), encoding: .utf8)) ?? ""

/// Loads a model that must be valid.
func diffModel(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Model {
    let result = try loadModel(text)
    let problems = describe(errors(result.diagnostics))
    guard let model = result.model else {
        Issue.record("the model does not load: \(problems)", sourceLocation: sourceLocation)
        throw ModelDoesNotLoad()
    }
    return model
}

/// Loads and analyses a model with a fixed date.
func diffAnalysis(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Analysis {
    let model = try diffModel(text, sourceLocation: sourceLocation)
    return Analyzer(catalogue: try builtInCatalogue()).analyze(model, options: AnalysisOptions(asOf: "2026-01-01"))
}

/// `text` with `old` replaced by `new`, which must occur.
func edit(_ text: String, _ old: String, _ new: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    #expect(text.contains(old), "'\(old)' is not in the model", sourceLocation: sourceLocation)
    return text.replacingOccurrences(of: old, with: new)
}

struct ModelDoesNotLoad: Error {}

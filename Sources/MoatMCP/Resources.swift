import Foundation
import MCP

/// The resources: the vocabulary, the rule catalogue and each rule (as the tools give them), and the
/// model files under the root (read through the root, like everything else).
struct MoatResources: Sendable {
    let engine: MoatEngine

    static let vocabularyURI = "moat://vocabulary"
    static let rulesURI = "moat://rules"
    static let rulePrefix = "moat://rules/"
    static let modelPrefix = "moat://models/"

    static let templates = [
        Resource.Template(uriTemplate: "moat://rules/{id}", name: "rule", title: "A threat rule",
                          description: "One rule as show_rule gives it (JSON).", mimeType: "application/json"),
        Resource.Template(uriTemplate: "moat://models/{path}", name: "model", title: "A model file under the root",
                          description: "The text of a model file, by its path relative to the server's root folder.",
                          mimeType: "text/plain"),
    ]

    /// The URI of a model file (its path relative to the root, percent-encoded).
    static func modelURI(_ relative: String) -> String {
        modelPrefix + (relative.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? relative)
    }

    func list() async -> [Resource] {
        var resources = [
            Resource(name: "vocabulary", uri: Self.vocabularyURI, title: "Model vocabulary",
                     description: "Every attribute a model may write and the value groups (list_vocabulary).", mimeType: "application/json"),
            Resource(name: "rules", uri: Self.rulesURI, title: "Rule catalogue",
                     description: "Every threat rule (list_rules with detail full).", mimeType: "application/json"),
        ]
        let engine = self.engine
        let models = await offload { engine.root.files(withExtensions: ["moat"]) }
        resources += models.map { Resource(name: $0, uri: Self.modelURI($0), title: $0, description: "A model under the root.",
                                           mimeType: "text/plain") }
        resources += engine.ruleTitles.map {
            Resource(name: $0.id, uri: Self.rulePrefix + $0.id, title: $0.title, mimeType: "application/json")
        }
        return resources
    }

    func read(_ uri: String) async throws -> Resource.Content {
        let engine = self.engine
        if uri == Self.vocabularyURI {
            return .text(try await offload { try engine.vocabulary(kind: nil, attribute: nil) }, uri: uri, mimeType: "application/json")
        }
        if uri == Self.rulesURI {
            return .text(try await offload { try engine.listRules(RuleFilter(), full: true) }, uri: uri, mimeType: "application/json")
        }
        if uri.hasPrefix(Self.rulePrefix) {
            let id = String(uri.dropFirst(Self.rulePrefix.count))
            return .text(try engine.showRule(id.removingPercentEncoding ?? id, asText: false), uri: uri, mimeType: "application/json")
        }
        if uri.hasPrefix(Self.modelPrefix) {
            let encoded = String(uri.dropFirst(Self.modelPrefix.count))
            guard let path = encoded.removingPercentEncoding else { throw ToolFailure("'\(Arguments.clip(uri))' is not a valid URI") }
            let bytes: [UInt8]
            do {
                bytes = try await offload { try engine.root.read(path) }
            } catch let refusal as ServerRoot.Refusal {
                throw ToolFailure(refusal.description)
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ToolFailure("'\(Arguments.clip(path))' is not UTF-8 text")
            }
            return .text(text, uri: uri, mimeType: "text/plain")
        }
        throw ToolFailure("unknown resource '\(Arguments.clip(uri))'; resources/list lists them")
    }
}

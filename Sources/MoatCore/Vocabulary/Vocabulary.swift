import Foundation
import Yams

/// The type of an attribute's value.
public enum AttributeType: String, Sendable, Codable {
    case flag, string, number, date
    case `enum`
    /// A list of ids of data assets or practices.
    case refs
}

/// What a `refs` attribute points at.
public enum ReferenceTarget: String, Sendable, Codable {
    case data, practice
}

/// One attribute of the vocabulary: its name, type and where it may appear.
public struct AttributeSpec: Sendable, Codable, Hashable {
    public var name: String
    public var type: AttributeType
    public var on: [ElementKind]
    public var values: [String]?
    public var ordered: Bool?
    public var `default`: String?
    public var min: Double?
    public var max: Double?
    public var target: ReferenceTarget?
    public var doc: String?

    /// Whether the attribute may be written on `kind`.
    public func allowed(on kind: ElementKind) -> Bool { on.contains(kind) }

    /// The rank of an enum value (its position in `values`), for ordered comparisons.
    public func rank(of value: String) -> Int? { values?.firstIndex(of: value) }
}

/// The typed attribute vocabulary shared by the parser and the rule language.
public struct Vocabulary: Sendable {
    public let attributes: [AttributeSpec]
    /// Protocols that encrypt in transit.
    public let encryptedProtocols: Set<String>
    /// Protocols that never cross a network (in-process calls, local files).
    public let localProtocols: Set<String>
    private let index: [String: Int]

    public init(attributes: [AttributeSpec], encryptedProtocols: Set<String>, localProtocols: Set<String> = []) {
        self.attributes = attributes
        self.encryptedProtocols = encryptedProtocols
        self.localProtocols = localProtocols
        var index: [String: Int] = [:]
        for (i, a) in attributes.enumerated() { index[a.name] = i }
        self.index = index
    }

    /// Reads `vocabulary.yaml`.
    init(file: SourceFile) throws {
        let root = try CatalogueYAML.compose(file)
        let reader = CatalogueYAML(path: file.path)
        let file = try reader.mapping(root, "the vocabulary", allowed: ["attributes", "encrypted-protocols", "local-protocols"])
        let items = try reader.list(reader.required(file, "attributes", "the vocabulary", in: root), "attributes")
        let keys: Set<String> = ["name", "type", "on", "values", "ordered", "default", "min", "max", "target", "doc"]
        let attributes = try items.map { item -> AttributeSpec in
            let f = try reader.mapping(item, "an attribute", allowed: keys)
            let name = try reader.string(reader.required(f, "name", "an attribute", in: item), "name")
            let what = "attribute '\(name)'"
            return AttributeSpec(
                name: name,
                type: try reader.value(reader.required(f, "type", what, in: item), "\(what): type", as: AttributeType.self),
                on: try reader.list(reader.required(f, "on", what, in: item), "\(what): on")
                    .map { try reader.value($0, "\(what): on", as: ElementKind.self) },
                values: try f["values"].map { try reader.strings($0, "\(what): values") },
                ordered: try f["ordered"].map { try reader.bool($0, "\(what): ordered") },
                default: try f["default"].map { try reader.string($0, "\(what): default") },
                min: try f["min"].map { try reader.double($0, "\(what): min") },
                max: try f["max"].map { try reader.double($0, "\(what): max") },
                target: try f["target"].map { try reader.value($0, "\(what): target", as: ReferenceTarget.self) },
                doc: try f["doc"].map { try reader.string($0, "\(what): doc") })
        }
        let encrypted = try reader.strings(reader.required(file, "encrypted-protocols", "the vocabulary", in: root),
                                           "encrypted-protocols")
        let local = try file["local-protocols"].map { try reader.strings($0, "local-protocols") } ?? []
        self.init(attributes: attributes, encryptedProtocols: Set(encrypted), localProtocols: Set(local))
    }

    /// The attribute named `name`.
    public func spec(_ name: String) -> AttributeSpec? { index[name].map { attributes[$0] } }

    /// The position of the attribute named `name` in `attributes`.
    public func index(of name: String) -> Int? { index[name] }

    /// Names of the attributes allowed on `kind`.
    public func names(on kind: ElementKind) -> [String] {
        attributes.filter { $0.allowed(on: kind) }.map(\.name)
    }
}

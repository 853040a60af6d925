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

    private struct File: Codable {
        var attributes: [AttributeSpec]
        var encryptedProtocols: [String]
        var localProtocols: [String]?
        enum CodingKeys: String, CodingKey {
            case attributes
            case encryptedProtocols = "encrypted-protocols"
            case localProtocols = "local-protocols"
        }
    }

    public init(attributes: [AttributeSpec], encryptedProtocols: Set<String>, localProtocols: Set<String> = []) {
        self.attributes = attributes
        self.encryptedProtocols = encryptedProtocols
        self.localProtocols = localProtocols
        var index: [String: Int] = [:]
        for (i, a) in attributes.enumerated() { index[a.name] = i }
        self.index = index
    }

    /// Reads `vocabulary.yaml`.
    public init(yaml: String) throws {
        let file = try YAMLDecoder().decode(File.self, from: yaml)
        self.init(attributes: file.attributes, encryptedProtocols: Set(file.encryptedProtocols),
                  localProtocols: Set(file.localProtocols ?? []))
    }

    /// The attribute named `name`.
    public func spec(_ name: String) -> AttributeSpec? { index[name].map { attributes[$0] } }

    /// Names of the attributes allowed on `kind`.
    public func names(on kind: ElementKind) -> [String] {
        attributes.filter { $0.allowed(on: kind) }.map(\.name)
    }
}

import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// The six STRIDE threat categories.
public enum Stride: String, Sendable, CaseIterable, Codable, Hashable {
    case spoofing, tampering, repudiation
    case informationDisclosure = "information-disclosure"
    case denialOfService = "denial-of-service"
    case elevationOfPrivilege = "elevation-of-privilege"

    /// The initial letter, as in "STRIDE".
    public var letter: String {
        switch self {
        case .spoofing: return "S"
        case .tampering: return "T"
        case .repudiation: return "R"
        case .informationDisclosure: return "I"
        case .denialOfService: return "D"
        case .elevationOfPrivilege: return "E"
        }
    }
}

/// A control that mitigates a rule's threat, with advice in the rule's words.
public struct Mitigation: Sendable, Hashable {
    /// A control id of Models/maturity/controls.yaml.
    public var control: String
    public var text: String
}

/// One threat rule: metadata, a compiled condition per element kind, examples.
///
/// A class: every finding refers to its rule, and findings are copied and sorted a lot.
public final class Rule: Sendable {
    public let id: String
    public let title: String
    public let description: String
    public let stride: [Stride]
    public let appliesTo: [ElementKind]
    /// The condition text as written.
    public let when: String
    public let likelihood: Int
    public let impact: Int
    public let cwe: [Int]
    public let capec: [Int]
    public let falsePositive: String
    public let mitigations: [Mitigation]
    public let triggeringExamples: [String]
    public let nonTriggeringExamples: [String]
    /// Where the rule's id is written.
    public let range: SourceRange?
    /// The compiled condition for each kind the rule applies to.
    public let conditions: [ElementKind: CompiledCondition]
    /// True for rules from `--rules DIR` rather than the built-in catalogue.
    public let isUserRule: Bool

    public init(id: String, title: String, description: String, stride: [Stride], appliesTo: [ElementKind], when: String,
                likelihood: Int, impact: Int, cwe: [Int], capec: [Int], falsePositive: String, mitigations: [Mitigation],
                triggeringExamples: [String], nonTriggeringExamples: [String], range: SourceRange?,
                conditions: [ElementKind: CompiledCondition], isUserRule: Bool) {
        self.id = id
        self.title = title
        self.description = description
        self.stride = stride
        self.appliesTo = appliesTo
        self.when = when
        self.likelihood = likelihood
        self.impact = impact
        self.cwe = cwe
        self.capec = capec
        self.falsePositive = falsePositive
        self.mitigations = mitigations
        self.triggeringExamples = triggeringExamples
        self.nonTriggeringExamples = nonTriggeringExamples
        self.range = range
        self.conditions = conditions
        self.isUserRule = isUserRule
    }
}

/// A control with its evidence compiled for each element kind.
public struct CompiledControl: Sendable {
    public var control: Control
    public var evidence: [ElementKind: CompiledCondition]
}

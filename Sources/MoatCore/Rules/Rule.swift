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
public struct Rule: Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var stride: [Stride]
    public var appliesTo: [ElementKind]
    /// The condition text as written.
    public var when: String
    public var likelihood: Int
    public var impact: Int
    public var cwe: [Int]
    public var capec: [Int]
    public var falsePositive: String
    public var mitigations: [Mitigation]
    public var triggeringExamples: [String]
    public var nonTriggeringExamples: [String]
    /// Where the rule's id is written.
    public var range: SourceRange?
    /// The compiled condition for each kind the rule applies to.
    public var conditions: [ElementKind: CompiledCondition]

    /// True for rules from `--rules DIR` rather than the built-in catalogue.
    public var isUserRule = false
}

/// A control with its evidence compiled for each element kind.
public struct CompiledControl: Sendable {
    public var control: Control
    public var evidence: [ElementKind: CompiledCondition]
}

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

    public init(control: String, text: String) {
        self.control = control
        self.text = text
    }
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
    public let triggeringExamples: [RuleExample]
    public let nonTriggeringExamples: [RuleExample]
    /// Where the rule's id is written.
    public let range: SourceRange?
    /// The compiled condition for each kind the rule applies to.
    public let conditions: [ElementKind: CompiledCondition]
    /// Where the rule comes from.
    public let origin: Origin
    /// Advice in the author's words when no control is named (written threats).
    public let advice: String?
    /// On processes and datastores, which side the threat is about: server software (the default), client
    /// software on a user's device (browsers, mobile and desktop apps, SPAs), or either.
    public let runsOn: RunsOn
    /// Rules that describe the same threat less precisely: where this rule fires, their finding on the same
    /// element is not reported (each threat once per element).
    public let supersedes: [String]

    /// Which side of a client–server pair a process or datastore rule is about.
    public enum RunsOn: String, Sendable {
        case server, client, any
    }

    /// Where a rule comes from.
    public enum Origin: String, Sendable {
        /// The catalogue that ships with Moat.
        case builtIn = "built-in"
        /// A rule file of `--rules DIR`.
        case user
        /// A threat a person wrote in the model (`threat …`); it has no condition.
        case written
    }

    /// True for rules from `--rules DIR` rather than the built-in catalogue.
    public var isUserRule: Bool { origin == .user }
    /// True for a threat written in the model.
    public var isWritten: Bool { origin == .written }
    /// What to do about it, in one sentence: the first mitigation's text, or the written advice.
    public var fix: String? { mitigations.first?.text ?? advice }

    public init(id: String, title: String, description: String, stride: [Stride], appliesTo: [ElementKind], when: String,
                likelihood: Int, impact: Int, cwe: [Int], capec: [Int], falsePositive: String, mitigations: [Mitigation],
                triggeringExamples: [RuleExample], nonTriggeringExamples: [RuleExample], range: SourceRange?,
                conditions: [ElementKind: CompiledCondition], origin: Origin, advice: String? = nil,
                runsOn: RunsOn = .server, supersedes: [String] = []) {
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
        self.origin = origin
        self.advice = advice
        self.runsOn = runsOn
        self.supersedes = supersedes
    }
}

/// One example of a rule: a model, and for a triggering example the elements (or flows, boundaries) the
/// rule must fire on — and on nothing else (SwiftLint marks the spot with `↓`; Moat names it).
public struct RuleExample: Sendable, Hashable {
    public var model: String
    /// The element ids the rule fires on; nil for non-triggering examples and for user rules that say nothing.
    public var expect: [String]?
    /// Where the example is written in its rule file.
    public var range: SourceRange?

    public init(model: String, expect: [String]?, range: SourceRange?) {
        self.model = model
        self.expect = expect
        self.range = range
    }
}

/// A control with its evidence compiled for each element kind.
public struct CompiledControl: Sendable {
    public var control: Control
    public var evidence: [ElementKind: CompiledCondition]
}

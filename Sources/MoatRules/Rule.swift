import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// The six STRIDE threat categories.
public enum Stride: String, Sendable, CaseIterable, Codable, Hashable {
    /// Pretending to be someone or something else: a forged identity, a stolen credential (violates authenticity).
    case spoofing
    /// Modifying data or code without authorisation, at rest or in transit (violates integrity).
    case tampering
    /// Denying having performed an action, for want of trustworthy records (violates non-repudiation).
    case repudiation
    /// Exposing information to someone not allowed to see it (violates confidentiality).
    case informationDisclosure = "information-disclosure"
    /// Degrading or denying service to legitimate users (violates availability).
    case denialOfService = "denial-of-service"
    /// Gaining capabilities beyond those granted (violates authorisation).
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
    /// Advice specific to the rule: how to apply the control against this threat.
    public var text: String

    /// A mitigation by `control` (a control id), with advice `text`.
    public init(control: String, text: String) {
        self.control = control
        self.text = text
    }
}

/// One threat rule: metadata, a compiled condition per element kind, examples.
///
/// A class: every finding refers to its rule, and findings are copied and sorted a lot.
public final class Rule: Sendable {
    /// The rule's id, kebab-case (`exposed-endpoint-not-rate-limited`); unique in the catalogue, and the part
    /// before the `@` of its findings' ids.
    public let id: String
    /// The threat in one line, for report headings.
    public let title: String
    /// The threat and why it matters, in a paragraph.
    public let description: String
    /// The STRIDE categories of the threat; the first is the primary one.
    public let stride: [Stride]
    /// The kinds of entity the rule runs on (`applies-to`): actor, process, datastore, flow, boundary or model.
    public let appliesTo: [ElementKind]
    /// The condition text as written.
    public let when: String
    /// What the ids of the rule's findings start with: `rule-id@`, then the element's id.
    public let findingIDPrefix: String
    /// Base likelihood, 1–4, before context moves it.
    public let likelihood: Int
    /// Base impact, 1–4, before context moves it.
    public let impact: Int
    /// CWE weakness numbers (`770` for CWE-770).
    public let cwe: [Int]
    /// CAPEC attack pattern numbers (`125` for CAPEC-125).
    public let capec: [Int]
    /// When a finding of the rule may be a false positive, and what to change in the model then.
    public let falsePositive: String
    /// The controls that mitigate the threat, each with advice; any one present mitigates the finding. Empty for
    /// written threats that name no control.
    public let mitigations: [Mitigation]
    /// Models the rule must fire on (see `RuleExample.expect`).
    public let triggeringExamples: [RuleExample]
    /// Models the rule must not give an open finding on: its condition is false, or a control mitigates it.
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
        /// Server software: the rule skips processes and datastores whose type is in the `client` group.
        case server
        /// Client software on a user's device (browser, mobile or desktop app, SPA): the rule skips servers.
        case client
        /// Either side: the rule runs on every process and datastore it applies to.
        case any
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

    /// A rule from its parts; `RuleLoader` builds the catalogue's rules, and analysis makes rules of written threats.
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
        findingIDPrefix = id + "@"
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
    /// The example model, in the Moat language.
    public var model: String
    /// The element ids the rule fires on; nil for non-triggering examples and for user rules that say nothing.
    public var expect: [String]?
    /// Where the example is written in its rule file.
    public var range: SourceRange?

    /// An example of `model` text; `expect` lists the ids a triggering example must fire on.
    public init(model: String, expect: [String]?, range: SourceRange?) {
        self.model = model
        self.expect = expect
        self.range = range
    }
}

/// A control with its evidence compiled for each element kind.
public struct CompiledControl: Sendable {
    /// The control as declared in controls.yaml.
    public var control: Control
    /// The control's evidence condition, compiled, for each element kind it names; a finding on an entity of that
    /// kind is mitigated when the condition holds there. Empty for organisation-scoped controls.
    public var evidence: [ElementKind: CompiledCondition]
}

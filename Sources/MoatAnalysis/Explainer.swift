import MoatModel
import MoatRules
import MoatSource
import MoatSyntax
import MoatText

/// Why a finding exists (or why a rule did not fire on an element), as a value; `ExplanationTextWriter`
/// (MoatReports) prints it for `moat explain`.
public struct Explanation: Sendable {
    /// What was asked about.
    public var findingID: String
    /// The rule asked about: from the catalogue, or made from a written threat.
    public var rule: Rule
    /// The kind of the element, flow or boundary asked about (`model` for model-wide findings).
    public var elementKind: ElementKind
    /// The id after the `@` of the finding id: an element, flow or boundary id, or `model`.
    public var elementID: String
    /// Where the element (or the model header) is written; nil when it has no source position.
    public var location: SourceRange?
    /// Whether the rule fired here and, when it did not, why.
    public var outcome: Outcome
    /// The condition's terms, depth first, each with its value on the element (empty for written threats and
    /// when the rule could not run).
    public var condition: [Term]
    /// Zone-wide values the element (or flow) takes from its boundaries: what the condition saw that the
    /// element does not say itself.
    public var inherited: [Inherited]
    /// The rule's mitigating controls and whether each is present.
    public var controls: [ControlCheck]
    /// The finding, when the rule fired.
    public var finding: Finding?
    /// The declared maturity level (1–5); statuses were judged against it, or against `floor` when that is higher.
    public var declaredLevel: Int
    /// The policy floor (minimum level), when one is set.
    public var floor: Int?

    /// Whether and why the rule produced a finding here.
    public enum Outcome: Sendable {
        /// The rule fired: `finding` holds the result.
        case fired
        /// A threat a person wrote in the model.
        case written
        /// The element is marked out of scope: no rule runs on it.
        case outOfScope(reason: String)
        /// The rule does not apply to this kind of element.
        case notForKind
        /// A server-side rule on client software, a client-side rule on a server, or a boundary rule on a
        /// zone the owner does not control.
        case wrongSide(reason: String)
        /// The condition is false.
        case conditionFalse
        /// The condition holds but a more precise rule's finding replaces this one.
        case superseded(by: String)
    }

    /// One term of the condition.
    public struct Term: Sendable {
        /// Nesting depth: 1 for the whole condition, one more for each sub-term inside it.
        public var depth: Int
        /// The term's source text, as written in the rule.
        public var text: String
        /// The term's value on the element as text: `true`/`false`, a number, a quoted string, an enum value,
        /// an entity id or a `[…]` list; `unset` or `none` when there is no value.
        public var value: String
    }

    /// A value inherited from a boundary.
    public struct Inherited: Sendable {
        /// The attribute's name.
        public var attribute: String
        /// The inherited value as text (list items joined with `, `).
        public var value: String
        /// The id of the nearest enclosing boundary that sets the attribute (`?` if none could be found).
        public var boundary: String
    }

    /// A mitigating control and whether it is present.
    public struct ControlCheck: Sendable {
        /// The control's id, as the rule's mitigation names it.
        public var id: String
        /// The maturity level (1–5) at which the control is expected; nil when the catalogue has no such control.
        public var level: Int?
        /// Whether the finding lists the control as present (always false when the rule did not fire).
        public var present: Bool
        /// The practice it stands for, for organisation-scoped controls (they never mitigate).
        public var practice: String?
        /// Its evidence for the element's kind, for element-scoped controls.
        public var evidence: String?
        /// Only the provider of a managed element can apply it.
        public var provider: Bool
    }
}

/// Explains a finding (or why a rule did not fire): the condition with each sub-term's value, the
/// inherited zone-wide values, the mitigating controls found or missing, the status decision and the
/// severity computation.
public struct Explainer: Sendable {
    /// The catalogue whose rules and controls explanations refer to; should be the one the analysis used.
    public let catalogue: Catalogue

    /// An explainer looking rules and controls up in `catalogue`.
    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// Why `explain` could not find what was asked.
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// Explains `findingID` (`rule-id@element-id`) in `analysis`, whether or not the rule fired there: the
    /// rule may be a catalogue rule or a written threat, the element an element, flow, boundary or `model`.
    /// Throws `NotFound` for a malformed id or an unknown rule or element (with a suggestion when one is close).
    public func explain(_ findingID: String, in analysis: Analysis) throws -> Explanation {
        let parts = findingID.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw NotFound(description: "'\(findingID)' is not a finding id; finding ids are rule-id@element-id")
        }
        let (ruleID, elementID) = (parts[0], parts[1])
        let finding = analysis.findings.first { $0.id == findingID }
        let written = analysis.model.threats.first { $0.id == ruleID }
        guard let rule = finding?.rule ?? catalogue.rule(ruleID) ?? written.map({ WrittenThreats(catalogue: catalogue, graph: analysis.graph).rule($0, kind: $0.subjectKind) }) else {
            let guess = Suggestion.closest(to: ruleID, in: catalogue.rules.map(\.id) + analysis.model.threats.map(\.id))
            throw NotFound(description: "unknown rule '\(ruleID)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""))
        }
        let graph = analysis.graph
        let model = graph.model
        let ref: EntityRef, kind: ElementKind, location: SourceRange?, scopeNote: String?
        if let i = graph.elementIndex[elementID] {
            (ref, kind, location) = (.element(i), model.elements[i].kind, model.elements[i].range)
            scopeNote = model.elements[i].attributes.string(.outOfScope)
        } else if let i = graph.flowIndex[elementID] {
            (ref, kind, location) = (.flow(i), .flow, model.flows[i].range)
            scopeNote = model.flows[i].attributes.string(.outOfScope)
        } else if let i = graph.boundaryIndex[elementID] {
            (ref, kind, location, scopeNote) = (.boundary(i), .boundary, model.boundaries[i].range, nil)
        } else if elementID == Analyzer.modelComponentID {
            (ref, kind, location, scopeNote) = (.model, .model, model.header.range, nil)
        } else {
            let ids = model.elements.map(\.id) + model.flows.map(\.id) + model.boundaries.map(\.id)
            let guess = Suggestion.closest(to: elementID, in: ids)
            throw NotFound(description: "unknown element '\(elementID)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""))
        }
        let ev = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        var explanation = Explanation(findingID: findingID, rule: rule, elementKind: kind, elementID: elementID, location: location,
                                      outcome: .fired, condition: [], inherited: inherited(ref, graph), controls: [],
                                      finding: finding, declaredLevel: analysis.maturity.declared, floor: analysis.maturity.floor)
        explanation.controls = rule.mitigations.map { m in
            let control = catalogue.controls[m.control]
            return Explanation.ControlCheck(id: m.control, level: control?.control.level,
                                            present: finding?.presentControls.contains(m.control) ?? false,
                                            practice: control?.control.practice, evidence: control?.control.evidence?[kind.rawValue],
                                            provider: control?.control.provider ?? false)
        }
        if rule.isWritten {
            explanation.outcome = .written
            return explanation
        }
        if let scopeNote, finding == nil {
            explanation.outcome = .outOfScope(reason: scopeNote)
            return explanation
        }
        guard let condition = rule.conditions[kind] else {
            explanation.outcome = .notForKind
            return explanation
        }
        terms(condition, ev, ref, depth: 1, into: &explanation.condition)
        guard finding == nil else { return explanation }
        if !Side(ref, ev).fits(rule.runsOn) {
            let reason: String
            switch ref {
            case .boundary: reason = "the zone belongs to others (untrusted or partner trust): boundary rules run on the owner's zones"
            default:
                reason = rule.runsOn == .client ? "the rule is about client software, and this is a server"
                    : "the rule is about server software, and this is client software (its type is in the 'client' group)"
            }
            explanation.outcome = .wrongSide(reason: reason)
        } else if condition.holds(ev, ref), let by = analysis.findings.first(where: {
            $0.elementID == elementID && $0.rule.supersedes.contains(rule.id)
        }) {
            explanation.outcome = .superseded(by: by.id)
        } else {
            explanation.outcome = .conditionFalse
        }
        return explanation
    }

    private func terms(_ c: CompiledCondition, _ ev: Evaluator, _ ref: EntityRef, depth: Int, into out: inout [Explanation.Term]) {
        out.append(Explanation.Term(depth: depth, text: c.text, value: c.describe(ev, ref)))
        for child in c.children where child.text != c.text { terms(child, ev, ref, depth: depth + 1, into: &out) }
    }

    /// The zone-wide values an element, flow or boundary inherits, with the boundary each comes from.
    private func inherited(_ ref: EntityRef, _ graph: ArchitectureGraph) -> [Explanation.Inherited] {
        let model = graph.model
        let (attributes, chain): (Attributes, [Int])
        switch ref {
        case .element(let i): (attributes, chain) = (model.elements[i].inherited, graph.boundaryChain(ofElement: i))
        case .flow(let i):
            let (s, t) = graph.flowEnds[i]
            let a = s >= 0 ? graph.boundaryChain(ofElement: s) : [], b = Set(t >= 0 ? graph.boundaryChain(ofElement: t) : [])
            (attributes, chain) = (model.flows[i].inherited, a.firstIndex { b.contains($0) }.map { Array(a[$0...]) } ?? [])
        case .boundary(let b):
            var up: [Int] = []
            var p = graph.boundaryParent[b]
            while let x = p { up.append(x); p = graph.boundaryParent[x] }
            (attributes, chain) = (model.boundaries[b].inherited, up)
        default: return []
        }
        return attributes.map { a in
            let from = chain.first { model.boundaries[$0].attributes[a.name] != nil }.map { model.boundaries[$0].id } ?? "?"
            return Explanation.Inherited(attribute: a.name, value: a.value.textValues.joined(separator: ", "), boundary: from)
        }
    }
}

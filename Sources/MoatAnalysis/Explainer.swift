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
    public var rule: Rule
    public var elementKind: ElementKind
    public var elementID: String
    public var location: SourceRange?
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
    /// The declared level and the policy floor the status was judged against.
    public var declaredLevel: Int
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
        public var depth: Int
        public var text: String
        public var value: String
    }

    /// A value inherited from a boundary.
    public struct Inherited: Sendable {
        public var attribute: String
        public var value: String
        public var boundary: String
    }

    /// A mitigating control and whether it is present.
    public struct ControlCheck: Sendable {
        public var id: String
        public var level: Int?
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
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// Why `explain` could not find what was asked.
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

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
        if !Side(ref, ev).fits(rule) {
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

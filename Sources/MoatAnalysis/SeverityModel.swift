import MoatModel
import MoatRules
import MoatSource
import MoatSyntax
import MoatText

/// Contextual severity: a rule's likelihood and impact moved by where the finding is (docs/analysis.md,
/// "Severity").
///
/// **Likelihood** comes from exposure: +1 when untrusted callers can open connections to the element,
/// directly or through front doors (a WAF or validating gateway on the way cancels the step, and says so);
/// −1 when no untrusted or partner input reaches it at all and nothing at stake makes it worth an insider's
/// effort. **Impact** comes from what is at stake: +1 for secret or strictly-confidential data, data or
/// elements rated integrity- or availability-critical (for threats to that property), physical
/// consequences (`safety`) and authority over every user, tenant or device (`authority all`); −1 when all
/// the data involved is public and nothing else is at stake. Each dimension moves one step at most and
/// stays within 1…4, so a finding is critical (4 × 4) only when its rule is already severe and the context
/// makes it worse on both counts.
public struct SeverityModel: Sendable {
    /// The vocabulary's positions and ranks the model reads, looked up once rather than for every finding.
    let scales: Scales

    /// The severity model of DESIGN §7 over `vocabulary`'s ratings (classification, integrity, availability,
    /// safety, authority); it has no settings.
    public init(vocabulary: Vocabulary) {
        scales = Scales(vocabulary)
    }

    struct Scales: Sendable {
        let secret: Int
        let integrity: Int, integrityCritical: Int?
        let availability: Int, availabilityCritical: Int?
        let integrityCriticalFlag: Int
        let safety: Int, authority: Int, authorityAll: Int

        init(_ vocabulary: Vocabulary) {
            secret = (vocabulary.spec(.classification).values?.count ?? 1) - 1
            integrity = vocabulary.index(of: .integrity)
            integrityCritical = vocabulary.spec(.integrity).rank(of: "critical")
            availability = vocabulary.index(of: .availability)
            availabilityCritical = vocabulary.spec(.availability).rank(of: "critical")
            integrityCriticalFlag = vocabulary.index(of: .integrityCritical)
            safety = vocabulary.index(of: .safety)
            authority = vocabulary.index(of: .authority)
            authorityAll = vocabulary.spec(.authority).rank(of: "all") ?? Int.max
        }
    }

    /// What the severity of a finding depends on besides its rule: the entity's exposure and, per kind of
    /// threat, what is at stake. An entity has several findings, and these facts are the same for each.
    public struct Context {
        let ref: EntityRef
        let exposure: ExposureStep
        /// What is at stake, by kind of threat (`Threat.slot`), once asked.
        var stakes: [[String]?] = [nil, nil, nil, nil]
        var unreachable: Bool?
        var onlyPublicData: Bool?
    }

    /// The facts about `ref` that `assess(rule:in:evaluator:)` reads; the rest are worked out as they are asked.
    public func context(of ref: EntityRef, evaluator ev: Evaluator) -> Context {
        Context(ref: ref, exposure: Self.exposure(ref, ev))
    }

    /// The likelihood and impact (each 1–4) of `rule` on the entity of `context`, and the factors that moved
    /// them from the rule's values; adds to the context what it works out. `evaluator` must be built on the
    /// graph the entity indexes into.
    public func assess(rule: Rule, in context: inout Context, evaluator ev: Evaluator) -> (likelihood: Int, impact: Int, factors: [SeverityFactor]) {
        var factors: [SeverityFactor] = []
        var likelihood = rule.likelihood, impact = rule.impact
        func move(_ dimension: SeverityFactor.Dimension, _ change: Int, _ reason: String) {
            let current = dimension == .likelihood ? likelihood : impact
            let next = min(4, max(1, current + change))
            guard next != current || change == 0 else { return }
            factors.append(SeverityFactor(dimension: dimension.rawValue, change: next - current, reason: reason))
            if dimension == .likelihood { likelihood = next } else { impact = next }
        }
        let ref = context.ref
        let threat = Threat(rule.stride)
        let stakes: [String]
        if let known = context.stakes[threat.slot] {
            stakes = known
        } else {
            stakes = Self.stakes(threat, ref, ev, scales)
            context.stakes[threat.slot] = stakes
        }
        switch context.exposure {
        case .direct(let reason): move(.likelihood, 1, reason)
        case .filtered(let reason): move(.likelihood, 0, reason)
        case .none where stakes.isEmpty && context.unreachable(ev):
            move(.likelihood, -1, "no input from any untrusted or partner zone reaches it")
        case .none: break
        }
        if let first = stakes.first {
            move(.impact, 1, first)
        } else if context.onlyPublicData(ev) {
            move(.impact, -1, "handles only public data")
        }
        return (likelihood, impact, factors)
    }

    /// Which properties a threat attacks, as far as the stakes are concerned.
    struct Threat {
        /// Spoofing, tampering or elevation of privilege: integrity ratings count.
        let integrity: Bool
        /// Denial of service: availability ratings count.
        let availability: Bool

        init(_ stride: [Stride]) {
            integrity = stride.contains { $0 == .tampering || $0 == .spoofing || $0 == .elevationOfPrivilege }
            availability = stride.contains(.denialOfService)
        }

        /// The threat's position in `Context.stakes`.
        var slot: Int { (integrity ? 1 : 0) | (availability ? 2 : 0) }
    }

    /// How untrusted callers reach an entity (`exposure(_:_:)`).
    enum ExposureStep {
        case none
        case direct(String)
        case filtered(String)
    }

    /// Whether untrusted callers reach the entity, and how.
    static func exposure(_ ref: EntityRef, _ ev: Evaluator) -> ExposureStep {
        let graph = ev.graph
        switch ref {
        case .element(let i):
            guard graph.model.elements[i].kind != .actor, let d = graph.exposure.distance[i], d > 0,
                  graph.exposure.fromUntrusted[i] else { return .none }
            let way = d == 1 ? "directly" : "through \(d - 1) front door\(d == 2 ? "" : "s")"
                + (graph.exposure.via[i].map { " (\(graph.model.elements[$0].id))" } ?? "")
            if graph.exposure.filtered[i] {
                return .filtered("exposed to untrusted callers \(way), behind a WAF or validating gateway: not raised")
            }
            return .direct("exposed to untrusted callers \(way)")
        case .flow(let i):
            let (s, t) = graph.flowEnds[i]
            if s >= 0 && ev.untrusted(element: s) { return .direct("comes from an untrusted zone") }
            if t >= 0 && ev.untrusted(element: t) { return .direct("goes to an untrusted zone") }
            return .none
        case .boundary(let b):
            let entered = ev.crossings(of: b, entering: true).contains { fi in
                let s = graph.flowEnds[fi].source
                return s >= 0 && ev.untrusted(element: s)
            }
            return entered ? .direct("flows from an untrusted zone enter it") : .none
        case .data, .model:
            return .none
        }
    }

    /// Whether no untrusted or partner input reaches the entity at all.
    static func unreachable(_ ref: EntityRef, _ ev: Evaluator) -> Bool {
        let graph = ev.graph
        func reached(_ i: Int) -> Bool {
            i >= 0 && (graph.reachableFromUntrusted[i] || ev.external(element: i) || graph.exposure.distance[i] != nil)
        }
        switch ref {
        case .element(let i): return graph.model.elements[i].kind != .actor && !reached(i)
        case .flow(let i): return !reached(graph.flowEnds[i].source) && !reached(graph.flowEnds[i].target)
        default: return false
        }
    }

    /// What raises the impact of this rule's threat here, strongest first (empty when nothing does).
    static func stakes(_ threat: Threat, _ ref: EntityRef, _ ev: Evaluator, _ scales: Scales) -> [String] {
        let graph = ev.graph
        let integrityThreat = threat.integrity, availabilityThreat = threat.availability
        let actionThreat = integrityThreat || availabilityThreat
        // The elements whose ratings count: the element itself, a flow's target (what its commands act on), a
        // boundary's elements. A single one is kept out of an array: this runs for most entities with findings.
        var element = -1
        var elements: [Int] = []
        let data: [Int]
        switch ref {
        case .element(let i):
            element = i
            data = ev.data(ofElement: i)
        case .flow(let i):
            element = graph.flowEnds[i].target
            data = ev.data(ofFlow: i)
        case .boundary(let b):
            elements = graph.allElements(inBoundary: b)
            data = Array(Set(elements.flatMap { ev.data(ofElement: $0) })).sorted()
        case .data(let d): data = [d]
        case .model: data = []
        }
        func anyElement(_ test: (EntityRef) -> Bool) -> Bool {
            (element >= 0 && test(.element(element))) || elements.contains { test(.element($0)) }
        }
        var out: [String] = []
        let secret = scales.secret
        if !data.isEmpty && ev.classification(ref) >= secret || anyElement({ ev.classification($0) >= secret }) {
            out.append("handles secret data")
        }
        func rated(_ index: Int, atLeast threshold: Int?) -> Bool {
            guard let threshold else { return false }
            return anyElement { (ev.rank($0, index) ?? -1) >= threshold } || data.contains { (ev.rank(.data($0), index) ?? -1) >= threshold }
        }
        if integrityThreat && (rated(scales.integrity, atLeast: scales.integrityCritical)
                               || data.contains { ev.flag(.data($0), scales.integrityCriticalFlag) }) {
            out.append("integrity-critical")
        }
        if availabilityThreat && rated(scales.availability, atLeast: scales.availabilityCritical) { out.append("availability-critical") }
        let safetyIndex = scales.safety, authorityIndex = scales.authority, all = scales.authorityAll
        // The elements, and a flow itself.
        let isFlow = if case .flow = ref { true } else { false }
        func anyRef(_ test: (EntityRef) -> Bool) -> Bool { anyElement(test) || (isFlow && test(ref)) }
        if actionThreat && anyRef({ ev.flag($0, safetyIndex) }) {
            out.append("a wrong action can cause physical harm")
        }
        if anyRef({ (ev.rank($0, authorityIndex) ?? -1) >= all }) {
            out.append("has authority over every user, tenant or device")
        }
        return out
    }

    /// Whether the entity handles data and all of it is public (and nothing rates the element higher).
    static func onlyPublicData(_ ref: EntityRef, _ ev: Evaluator) -> Bool {
        let graph = ev.graph
        switch ref {
        case .element(let i): return !ev.data(ofElement: i).isEmpty && ev.classification(ref) == 0
        case .flow(let i):
            return !graph.model.flows[i].attributes.list(.carries).isEmpty && ev.classification(ref) == 0
        case .boundary(let b):
            return !graph.allElements(inBoundary: b).allSatisfy { ev.data(ofElement: $0).isEmpty } && ev.classification(ref) == 0
        default: return false
        }
    }
}

extension SeverityFactor {
    /// The two dimensions of severity.
    public enum Dimension: String, Sendable, CaseIterable {
        /// How likely the threat is to be realised, 1–4; moved by exposure to untrusted callers.
        case likelihood
        /// How bad the consequences would be, 1–4; moved by what is at stake (data, criticality, safety).
        case impact
    }
}

extension SeverityModel.Context {
    mutating func unreachable(_ ev: Evaluator) -> Bool {
        if let known = unreachable { return known }
        let answer = SeverityModel.unreachable(ref, ev)
        unreachable = answer
        return answer
    }

    mutating func onlyPublicData(_ ev: Evaluator) -> Bool {
        if let known = onlyPublicData { return known }
        let answer = SeverityModel.onlyPublicData(ref, ev)
        onlyPublicData = answer
        return answer
    }
}

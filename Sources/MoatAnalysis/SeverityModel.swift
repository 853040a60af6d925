import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Contextual severity: a rule's likelihood and impact moved by the element's exposure and data.
///
/// Likelihood +1 when the element is exposed (internet-facing, fed by an untrusted element, or a
/// flow from an untrusted zone or crossing inbound); −1 when no path leads to it from any untrusted zone
/// and it handles no secret data. Impact +1 for secret data, −1 when all its data is public. Both stay within 1…4, and context raises
/// a rule by one step at most (the step that raises the score more), so exposure and sensitive data
/// do not stack: a rule reaches critical (4 × 4) only when its own likelihood or impact is already 4.
public struct SeverityModel: Sendable {
    public init() {}

    public func assess(rule: Rule, ref: EntityRef, evaluator ev: Evaluator) -> (Int, Int, [SeverityFactor]) {
        var factors: [SeverityFactor] = []
        let graph = ev.graph
        var exposed = false, unreachable = false
        var hasData = false
        switch ref {
        case .element(let i):
            if graph.model.elements[i].kind != .actor {
                exposed = ev.exposed(element: i)
                unreachable = !exposed && !graph.reachableFromUntrusted[i]
            }
            hasData = !ev.data(ofElement: i).isEmpty
        case .flow(let i):
            let (s, t) = graph.flowEnds[i]
            exposed = ev.untrusted(element: s) || (graph.crossings[i].direction == .inbound && graph.crossings[i].fromTrust == 0)
            unreachable = !exposed && !graph.reachableFromUntrusted[s] && !ev.untrusted(element: s)
                && !graph.reachableFromUntrusted[t]
            hasData = !graph.model.flows[i].attributes.list(.carries).isEmpty
        case .boundary(let b):
            exposed = ev.crossings(of: b, entering: true).contains { fi in
                ev.untrusted(element: graph.flowEnds[fi].source)
            }
            hasData = !graph.allElements(inBoundary: b).allSatisfy { ev.data(ofElement: $0).isEmpty }
        case .data:
            break
        }
        var likelihood = rule.likelihood, impact = rule.impact
        func move(_ dimension: String, _ change: Int, _ reason: String) {
            if dimension == "likelihood" {
                let next = min(4, max(1, likelihood + change))
                if next != likelihood { factors.append(SeverityFactor(dimension: dimension, change: next - likelihood, reason: reason)) }
                likelihood = next
            } else {
                let next = min(4, max(1, impact + change))
                if next != impact { factors.append(SeverityFactor(dimension: dimension, change: next - impact, reason: reason)) }
                impact = next
            }
        }
        let classification = ev.classification(ref)
        let secret = (ev.vocabulary.spec(.classification).values?.count ?? 1) - 1
        let sensitive = hasData && classification >= secret
        // At most one upward step: the one that raises likelihood × impact more (likelihood on a tie).
        let raiseLikelihood = exposed && likelihood < 4
        let raiseImpact = sensitive && impact < 4
        if raiseLikelihood && (!raiseImpact || impact >= likelihood) {
            move("likelihood", 1, "exposed to an untrusted zone")
        } else if raiseImpact {
            move("impact", 1, "handles secret data")
        }
        // Secret data is worth an insider's or a lateral mover's effort: no discount for being internal.
        if unreachable && !sensitive { move("likelihood", -1, "no path from any untrusted zone") }
        if hasData && classification == 0 { move("impact", -1, "handles only public data") }
        return (likelihood, impact, factors)
    }
}

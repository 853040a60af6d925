import MoatModel
import MoatRules
import MoatSource
import MoatSyntax

/// Threats written in the model (`threat …`), turned into rules of their own so that each becomes a finding
/// like any other: listed, tracked, counted, drawn and exported.
struct WrittenThreats {
    /// The level a written threat with no named control is expected to be handled at: a known, open threat
    /// is a gap from the baseline level on.
    static let expectedLevel = 2

    let catalogue: Catalogue
    let graph: ArchitectureGraph

    /// The entity the threat is about, with its kind.
    func subject(_ t: WrittenThreat) -> (EntityRef, ElementKind)? {
        switch t.subjectKind {
        case .flow: return graph.flowIndex[t.subject].map { (.flow($0), .flow) }
        case .boundary: return graph.boundaryIndex[t.subject].map { (.boundary($0), .boundary) }
        case .model: return (.model, .model)
        default: return graph.elementIndex[t.subject].map { (.element($0), t.subjectKind) }
        }
    }

    /// The rule a written threat stands for: its words, no condition, the controls it names.
    func rule(_ t: WrittenThreat, kind: ElementKind) -> Rule {
        let a = t.attributes
        let mitigations = a.list(.controls).map { Mitigation(control: $0, text: a.string(.mitigation) ?? catalogue.controls[$0]?.control.title ?? $0) }
        let (likelihood, impact, _) = severity(t)
        return Rule(id: t.id, title: t.title, description: a.string(.description) ?? "", stride: a.list(.stride).compactMap(Stride.init),
                    appliesTo: [kind], when: "", likelihood: likelihood, impact: impact, cwe: a.list(.cwe).compactMap { Int($0) },
                    capec: a.list(.capec).compactMap { Int($0) }, falsePositive: "", mitigations: mitigations,
                    triggeringExamples: [], nonTriggeringExamples: [], range: t.range, conditions: [:], origin: .written,
                    advice: a.string(.mitigation), runsOn: .any)
    }

    /// The likelihood and impact the author gave, or that their severity stands for (the middle of its band:
    /// low 2×2, medium 2×3, high 3×3, critical 4×4); nothing in the model moves them.
    func severity(_ t: WrittenThreat) -> (likelihood: Int, impact: Int, factors: [SeverityFactor]) {
        if let l = t.attributes.number(.likelihood), let i = t.attributes.number(.impact) { return (Int(l), Int(i), []) }
        switch t.attributes.string(.severity) {
        case "critical": return (4, 4, [])
        case "high": return (3, 3, [])
        case "medium": return (2, 3, [])
        default: return (2, 2, [])
        }
    }
}

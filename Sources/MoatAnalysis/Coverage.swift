import MoatModel
import MoatRules
import MoatSyntax

/// The coverage audit (`moat analyze --coverage`, the review pack's "Coverage" section): for every element
/// and flow in scope, the STRIDE categories that no finding covers (from a rule, at any status, or written
/// by a person), so a reviewer sees what the analysis did not consider.
///
/// Which categories are expected follows STRIDE per element (Microsoft's SDL convention): an actor can be
/// spoofed and can repudiate; a process is open to all six; a datastore to tampering, repudiation,
/// disclosure and denial of service; a flow to tampering, disclosure and denial of service. A category
/// that does not apply to the kind is not a gap.
public struct Coverage: Sendable {
    /// Why nothing covers a category on an entity.
    public enum Reason: Sendable, Hashable {
        /// No rule of the category applies to this kind of entity.
        case noRule
        /// `count` rules of the category apply to this kind, and none of their conditions holds here.
        case conditionsFalse(count: Int)

        /// A sentence for reports, such as "no rule of this category applies to this kind".
        public var text: String {
            switch self {
            case .noRule: return "no rule of this category applies to this kind"
            case .conditionsFalse(let n): return n == 1 ? "1 rule applies; its condition does not hold here"
                : "\(n) rules apply; none of their conditions holds here"
            }
        }
    }

    /// One uncovered category on one entity.
    public struct Gap: Sendable, Hashable {
        /// The STRIDE category no finding covers on the entity.
        public var stride: Stride
        /// Why no finding covers it: no rule exists for the category and kind, or none of the rules' conditions held.
        public var reason: Reason
    }

    /// An element or flow with at least one uncovered category.
    public struct Entry: Sendable {
        /// The id of the element or flow.
        public var id: String
        /// The entity's kind: actor, process, datastore or flow.
        public var kind: ElementKind
        /// The entity's display name (empty for a flow written without one).
        public var name: String
        /// The uncovered categories, in STRIDE order; never empty.
        public var gaps: [Gap]
    }

    /// Entities with gaps, in model order.
    public let entries: [Entry]
    /// The number of elements and flows in scope (not marked `out-of-scope`).
    public let entitiesInScope: Int
    /// The (entity, STRIDE category) pairs STRIDE per element expects of the entities in scope; the
    /// denominator of `coveredShare`.
    public let pairsExpected: Int

    /// The pairs covered by a finding, as a share of those expected (1 when nothing is expected).
    public var coveredShare: Double {
        let open = entries.reduce(0) { $0 + $1.gaps.count }
        return pairsExpected == 0 ? 1 : Double(pairsExpected - open) / Double(pairsExpected)
    }

    /// The categories STRIDE per element expects of a kind.
    public static func expected(of kind: ElementKind) -> [Stride] {
        switch kind {
        case .actor: return [.spoofing, .repudiation]
        case .process: return Stride.allCases
        case .datastore: return [.tampering, .repudiation, .informationDisclosure, .denialOfService]
        case .flow: return [.tampering, .informationDisclosure, .denialOfService]
        default: return []
        }
    }

    /// The audit of `analysis`, against the `rules` it ran (to tell "no rule" from "conditions false").
    public init(_ analysis: Analysis, rules: [Rule]) {
        var covered: [String: Set<Stride>] = [:]
        for f in analysis.findings { covered[f.elementID, default: []].formUnion(f.rule.stride) }
        var rulesPerKind: [ElementKind: [Stride: Int]] = [:]
        for rule in rules {
            for kind in rule.appliesTo { for s in rule.stride { rulesPerKind[kind, default: [:]][s, default: 0] += 1 } }
        }
        var entries: [Entry] = []
        var inScope = 0, expectedPairs = 0
        func audit(id: String, kind: ElementKind, name: String, attributes: Attributes) {
            guard Analyzer.inScope(attributes) else { return }
            inScope += 1
            let expected = Self.expected(of: kind)
            expectedPairs += expected.count
            let have = covered[id] ?? []
            let gaps = expected.filter { !have.contains($0) }.map { s in
                Gap(stride: s, reason: rulesPerKind[kind]?[s].map { .conditionsFalse(count: $0) } ?? .noRule)
            }
            if !gaps.isEmpty { entries.append(Entry(id: id, kind: kind, name: name, gaps: gaps)) }
        }
        for e in analysis.model.elements { audit(id: e.id, kind: e.kind, name: e.name, attributes: e.attributes) }
        for f in analysis.model.flows { audit(id: f.id, kind: .flow, name: f.name, attributes: f.attributes) }
        self.entries = entries
        self.entitiesInScope = inScope
        self.pairsExpected = expectedPairs
    }
}

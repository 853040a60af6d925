import Foundation
import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Settings of one analysis run.
public struct AnalysisOptions: Sendable {
    /// Evaluate as if this maturity level were declared (`--level N`).
    public var declaredLevel: Int?
    /// Today, as `YYYY-MM-DD`, for tracking expiry; passed in so output stays reproducible.
    public var asOf: String

    public init(declaredLevel: Int? = nil, asOf: String) {
        self.declaredLevel = declaredLevel
        self.asOf = asOf
    }
}

/// The declared and evidenced maturity of the system and of each component.
public struct MaturityAssessment: Sendable {
    public var declared: Int
    public var evidenced: Int
    /// Evidenced level of every in-scope element, flow and boundary, by id.
    public var components: [String: Int]
    /// The ids of `components`, sorted.
    public var componentIDs: [String]
    /// Practices of levels up to the next one that the model does not declare.
    public var missingPractices: [Practice]
    /// Open findings that stand between the evidenced level and the next.
    public var blockingFindings: [Finding]

    /// The next level, if any.
    public var nextLevel: Int? { evidenced < 5 ? evidenced + 1 : nil }
}

/// The result of analysing a model.
public struct Analysis: Sendable {
    public var model: Model
    public var graph: ArchitectureGraph
    /// Worst first: severity, then open before closed, then id.
    public var findings: [Finding]
    public var maturity: MaturityAssessment
    /// Tracking entries that matched no finding.
    public var unmatchedTracking: [TrackingEntry]
    /// Warnings about tracking entries (unmatched, expired).
    public var diagnostics: [Diagnostic]
    public var options: AnalysisOptions
}

/// Runs every rule on every element it applies to and decides status, severity and maturity.
public struct Analyzer: Sendable {
    public let catalogue: Catalogue
    public var severityModel = SeverityModel()

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    public func analyze(_ model: Model, options: AnalysisOptions) -> Analysis {
        // Both are needed and neither needs the other: the graph on one core, the sorted ids on the other.
        let (graph, componentIDs) = inParallel({ ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary) },
                                               { Self.sortedComponentIDs(model) })
        return analyze(graph, options: options, componentIDs: componentIDs)
    }

    public func analyze(_ graph: ArchitectureGraph, options: AnalysisOptions) -> Analysis {
        analyze(graph, options: options, componentIDs: Self.sortedComponentIDs(graph.model))
    }

    /// Whether rules run on an element or flow: not marked `out-of-scope`.
    static func inScope(_ attributes: Attributes) -> Bool { attributes[.outOfScope] == nil }

    /// The in-scope elements, flows and boundaries, the components findings are made on, sorted by id.
    static func sortedComponentIDs(_ model: Model) -> [String] {
        (model.elements.filter { inScope($0.attributes) }.map(\.id) + model.flows.filter { inScope($0.attributes) }.map(\.id)
            + model.boundaries.map(\.id)).sorted()
    }

    private func analyze(_ graph: ArchitectureGraph, options: AnalysisOptions, componentIDs: [String]) -> Analysis {
        let model = graph.model
        let declared = min(5, max(1, options.declaredLevel ?? model.header.declaredLevel ?? 1))
        let practices = Set(model.header.practices)
        let tracker = TrackingMatcher(entries: model.tracking, asOf: options.asOf)

        // Entity by entity, every rule of its kind: one element's attributes stay in cache while all
        // its rules run (rule by rule, each rule swept every element of a large model through memory).
        // Each core takes a contiguous share of every kind's entities with an evaluator of its own (the
        // evaluator caches facts as it goes); the sort below makes the order independent of the split.
        let kinds = ElementKind.allCases.filter { kind in catalogue.rules.contains { $0.conditions[kind] != nil } }
        let rulesOfKind = Dictionary(uniqueKeysWithValues: kinds.map { kind in
            (kind, catalogue.rules.compactMap { rule in rule.conditions[kind].map { (rule, $0) } })
        })
        let entitiesOfKind = Dictionary(uniqueKeysWithValues: kinds.map { ($0, entities(of: $0, in: graph)) })
        let total = entitiesOfKind.values.reduce(0) { $0 + $1.count }
        let lanes = total < 64 ? 1 : min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let partial = Array(0..<lanes).parallelMap { lane -> (findings: [Finding], tracked: Set<Int>) in
            let evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
            var found: [Finding] = []
            var tracked = Set<Int>()
            for kind in kinds {
                let refs = entitiesOfKind[kind]!, rules = rulesOfKind[kind]!
                for ref in refs[(refs.count * lane / lanes)..<(refs.count * (lane + 1) / lanes)] {
                    for (rule, condition) in rules where condition.holds(evaluator, ref) {
                        let (f, entry) = finding(rule, ref, kind, evaluator, declared: declared, practices: practices, tracker: tracker)
                        found.append(f)
                        if let entry { tracked.insert(entry) }
                    }
                }
            }
            return (found, tracked)
        }
        var findings = partial.count == 1 ? partial[0].findings : partial.flatMap(\.findings)
        let tracked = partial.reduce(into: Set<Int>()) { $0.formUnion($1.tracked) }
        // Worst first: severity, then open before closed, then id. Ids are `rule@element`, and no rule id
        // contains `@`, so the order of ids is the order of `rule@` prefixes, then of element ids: both are
        // ranked once, and the sort compares numbers instead of strings.
        let ruleRank = Dictionary(uniqueKeysWithValues: catalogue.rules.map { $0.id + "@" }.sorted().enumerated()
            .map { (String($0.element.dropLast()), $0.offset) })
        let elementRank = Dictionary(uniqueKeysWithValues: componentIDs.enumerated().map { ($0.element, $0.offset) })
        let keys = findings.map { f in
            (severity: f.severity.rank, open: f.isOpen, rule: ruleRank[f.rule.id]!, element: elementRank[f.elementID]!)
        }
        let order = keys.indices.sorted { i, j in
            let a = keys[i], b = keys[j]
            if a.severity != b.severity { return a.severity > b.severity }
            if a.open != b.open { return a.open }
            if a.rule != b.rule { return a.rule < b.rule }
            return a.element < b.element
        }
        findings = order.map { findings[$0] }
        var diagnostics: [Diagnostic] = []
        let unmatched = tracker.unmatched(used: tracked)
        for entry in unmatched {
            diagnostics.append(.warning(.unmatchedTracking, "tracking entry '\(entry.pattern)' matches no finding", at: entry.range,
                                        notes: ["finding ids are rule-id@element-id; list them with 'moat analyze --format json'"]))
        }
        for entry in tracker.expired(used: tracked) {
            diagnostics.append(.warning(.expiredTracking, "'\(entry.status.rawValue) \(entry.pattern)' expired on \(entry.until ?? "")",
                                        at: entry.range, notes: ["the findings it covered are open again"]))
        }
        let maturity = assess(findings, components: componentIDs, declared: declared, practices: practices)
        return Analysis(model: model, graph: graph, findings: findings, maturity: maturity, unmatchedTracking: unmatched,
                        diagnostics: diagnostics, options: options)
    }

    /// Every entity of a kind, skipping elements and flows marked out of scope.
    func entities(of kind: ElementKind, in graph: ArchitectureGraph) -> [EntityRef] {
        let model = graph.model
        switch kind {
        case .flow:
            return model.flows.indices.filter { Self.inScope(model.flows[$0].attributes) }.map(EntityRef.flow)
        case .boundary:
            return model.boundaries.indices.map(EntityRef.boundary)
        default:
            return model.elements.indices.filter {
                model.elements[$0].kind == kind && Self.inScope(model.elements[$0].attributes)
            }.map(EntityRef.element)
        }
    }

    private func finding(_ rule: Rule, _ ref: EntityRef, _ kind: ElementKind, _ ev: Evaluator, declared: Int,
                         practices: Set<String>, tracker: TrackingMatcher) -> (Finding, trackingEntry: Int?) {
        let model = ev.graph.model
        let (elementID, name, range): (String, String, SourceRange?)
        switch ref {
        case .element(let i): (elementID, name, range) = (model.elements[i].id, model.elements[i].name, model.elements[i].range)
        case .flow(let i):
            let f = model.flows[i]
            (elementID, name, range) = (f.id, f.name.isEmpty ? f.id : f.name, f.range)
        case .boundary(let i): (elementID, name, range) = (model.boundaries[i].id, model.boundaries[i].name, model.boundaries[i].range)
        case .data(let i): (elementID, name, range) = (model.data[i].id, model.data[i].name, model.data[i].range)
        }
        var present: [String] = []
        var expected = 5
        for m in rule.mitigations {
            guard let control = catalogue.controls[m.control] else { continue }
            expected = min(expected, control.control.level)
            if let practice = control.control.practice {
                if practices.contains(practice) { present.append(m.control) }
            } else if control.evidence[kind]?.holds(ev, ref) == true {
                present.append(m.control)
            }
        }
        var status: FindingStatus = !present.isEmpty ? .mitigated : expected <= declared ? .gap : .roadmap
        let id = "\(rule.id)@\(elementID)"
        let match = tracker.match(id)
        let (entry, expired) = (match?.entry, match?.expired ?? false)
        if let entry, !expired {
            switch entry.status {
            case .accept: status = .accepted
            case .mitigated: status = .mitigated
            case .falsePositive: status = .falsePositive
            case .notApplicable: status = .notApplicable
            }
        }
        let (likelihood, impact, factors) = severityModel.assess(rule: rule, ref: ref, evaluator: ev)
        return (Finding(id: id, rule: rule, elementID: elementID, elementKind: kind, elementName: name,
                        likelihood: likelihood, impact: impact, severity: Severity(score: likelihood * impact), factors: factors,
                        status: status, expectedLevel: expected, presentControls: present, tracking: entry,
                        trackingExpired: expired, range: range), match?.index)
    }

    /// The evidenced level: the highest L whose practices (and those below) are all declared and
    /// for which no open finding expects a level ≤ L (DESIGN §6).
    /// `ids` are the in-scope components, sorted.
    func assess(_ findings: [Finding], components ids: [String], declared: Int, practices: Set<String>) -> MaturityAssessment {
        let levels = catalogue.maturity.levels
        let met = (0...5).map { level in
            levels.filter { $0.level <= level }.allSatisfy { $0.practices.allSatisfy { practices.contains($0.id) } }
        }
        /// The evidenced level given the lowest expected level among open findings (6 when none).
        func evidenced(_ lowest: Int) -> Int {
            var level = 1
            for next in 2...5 {
                guard met[next], lowest > next else { break }
                level = next
            }
            return level
        }
        let open = findings.filter(\.isOpen)
        let system = evidenced(open.map(\.expectedLevel).min() ?? 6)
        var lowestOpen: [String: Int] = Dictionary(minimumCapacity: ids.count)
        for f in open where f.expectedLevel < lowestOpen[f.elementID] ?? 6 { lowestOpen[f.elementID] = f.expectedLevel }
        var components: [String: Int] = Dictionary(minimumCapacity: ids.count)
        for id in ids { components[id] = evidenced(lowestOpen[id] ?? 6) }
        let target = min(5, system + 1)
        let missing = levels.filter { $0.level <= target }.flatMap(\.practices).filter { !practices.contains($0.id) }
        let blocking = system < 5 ? open.filter { $0.expectedLevel <= target } : []
        return MaturityAssessment(declared: declared, evidenced: system, components: components, componentIDs: ids,
                                  missingPractices: missing, blockingFindings: blocking)
    }
}

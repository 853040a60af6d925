import Foundation
import MoatModel
import MoatRules
import MoatSource
import MoatSyntax
import MoatText

/// Settings of one analysis run.
public struct AnalysisOptions: Sendable {
    /// Evaluate as if this maturity level were declared (`--level N`).
    public var declaredLevel: Int?
    /// The lowest level findings are judged against, whatever the model declares (a repository's policy
    /// floor: `moat.yaml` `policy: min-level`, or `--min-level`): lowering the declared level cannot turn gaps
    /// into roadmap items below it.
    public var minimumLevel: Int?
    /// Today, as `YYYY-MM-DD`, for tracking expiry; passed in so output stays reproducible.
    public var asOf: String

    /// Options for one run. `asOf` is today's date as `YYYY-MM-DD`; `declaredLevel` and `minimumLevel` are
    /// maturity levels 1–5, nil to use what the model declares and to set no floor.
    public init(declaredLevel: Int? = nil, minimumLevel: Int? = nil, asOf: String) {
        self.declaredLevel = declaredLevel
        self.minimumLevel = minimumLevel
        self.asOf = asOf
    }

    /// Today's date in UTC as `YYYY-MM-DD`: what `asOf` is when no date is given. Worked out from the clock
    /// with the C library: a `DateFormatter` loads ICU's calendar and time zones (about 2 M instructions and
    /// a fifth of a millisecond or more, on every run of every command that analyses).
    public static func today() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func digits(_ n: Int32, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2)
    }
}

/// The declared and evidenced maturity of the system and of each component.
public struct MaturityAssessment: Sendable {
    /// The level the model declares (or `--level`).
    public var declared: Int
    /// The policy floor, when one is set.
    public var floor: Int?
    /// The level the model evidences, 1–5: the highest level whose practices (and those of every level below)
    /// are all declared and at which no open finding is expected to be handled.
    public var evidenced: Int
    /// Evidenced level of every in-scope element, flow and boundary, by id, from its own findings.
    public var components: ComponentLevels
    /// The ids of `components`, sorted.
    public var componentIDs: [String] { components.ids }
    /// Practices of levels up to the next one that the model does not declare.
    public var missingPractices: [Practice]
    /// Open findings that stand between the evidenced level and the next.
    public var blockingFindings: [Finding]

    /// The level findings are judged against: the declared level, raised to the policy floor.
    public var effective: Int { max(declared, floor ?? 1) }

    /// The next level, if any.
    public var nextLevel: Int? { evidenced < 5 ? evidenced + 1 : nil }
}

/// The evidenced level of each component, by id: the sorted ids and their levels side by side, an id found by
/// binary search. A table keyed by id would hash every id to build it and again to write each level out (tens
/// of thousands at 10,000 elements), on one core after the rules, while the other waits.
public struct ComponentLevels: Sendable {
    /// The component ids, sorted.
    public let ids: [String]
    /// The evidenced level of `ids[i]`, 1–5.
    public let levels: [Int]

    /// Levels for `ids` (sorted, unique), `levels[i]` being that of `ids[i]`.
    public init(ids: [String], levels: [Int]) {
        precondition(ids.count == levels.count, "one level per component")
        self.ids = ids
        self.levels = levels
    }

    /// The evidenced level of the component `id`; nil when it is no in-scope component.
    public subscript(id: String) -> Int? {
        var low = 0, high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? levels[low] : nil
    }

    /// The number of components.
    public var count: Int { ids.count }
}

/// The result of analysing a model.
public struct Analysis: Sendable {
    /// The resolved model that was analysed.
    public var model: Model
    /// The architecture graph of `model` the rules were evaluated on (lookups by id, boundary tree,
    /// crossings, reachability); reports and attack-path ranking reuse it.
    public var graph: ArchitectureGraph
    /// Worst first: severity, then open before closed, then score, then id.
    public var findings: [Finding]
    /// The declared, effective and evidenced maturity levels, per system and per component.
    public var maturity: MaturityAssessment
    /// Tracking entries that matched no finding.
    public var unmatchedTracking: [TrackingEntry]
    /// Warnings about tracking entries (unmatched, expired) and written threats.
    public var diagnostics: [Diagnostic]
    /// The options the analysis ran with (level override, policy floor, date used for tracking expiry).
    public var options: AnalysisOptions
}

/// Runs every rule on every element it applies to, adds the threats written in the model, and decides
/// status, severity and maturity.
public struct Analyzer: Sendable {
    /// The rules, controls, maturity model and vocabulary the analysis applies; loaded with its rules.
    public let catalogue: Catalogue
    /// How each finding's likelihood and impact are moved from the rule's defaults by the element's context.
    public var severityModel: SeverityModel
    /// The number of entities of a kind from which its rules' guards are built (`RuleGuards`); tests move it to
    /// compare the analysis with and without them.
    var guardedFrom = RuleGuards.worthwhile

    /// An analyzer applying `catalogue`, which must have been loaded with its rules (a precondition).
    public init(catalogue: Catalogue) {
        // A catalogue loaded with `rules: false` would analyse to no findings at all, silently.
        precondition(catalogue.includesRules, "analysis needs a catalogue loaded with its rules")
        self.catalogue = catalogue
        severityModel = SeverityModel(vocabulary: catalogue.vocabulary)
    }

    /// Analyses a resolved model: builds its architecture graph, runs every rule on every in-scope entity it
    /// applies to, adds the written threats, applies tracking entries and assesses maturity. Deterministic for a given
    /// model, catalogue and `options.asOf`.
    public func analyze(_ model: Model, options: AnalysisOptions) -> Analysis {
        // Both are needed and neither needs the other: the graph on one core, the sorted ids on the other.
        let (graph, components) = inParallel({ ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary) },
                                             { ComponentOrder(model) })
        return analyze(graph, options: options, components: components)
    }

    /// Analyses a model whose architecture graph is already built (`graph.model`), as `analyze(_:options:)`
    /// does for a model; saves rebuilding the graph when the caller has one.
    public func analyze(_ graph: ArchitectureGraph, options: AnalysisOptions) -> Analysis {
        analyze(graph, options: options, components: ComponentOrder(graph.model))
    }

    /// Whether rules run on an element or flow: not marked `out-of-scope`.
    static func inScope(_ attributes: Attributes) -> Bool { attributes[.outOfScope] == nil }

    /// The id model-wide findings are made on (`missing-secrets-store@model`); a keyword, so never an element's.
    public static let modelComponentID = "model"

    private func analyze(_ graph: ArchitectureGraph, options: AnalysisOptions, components: ComponentOrder) -> Analysis {
        let model = graph.model
        let declared = min(5, max(1, options.declaredLevel ?? model.header.declaredLevel ?? 1))
        let judged = FindingJudge(catalogue: catalogue, level: max(declared, options.minimumLevel ?? 1),
                                  tracker: TrackingMatcher(entries: model.tracking, asOf: options.asOf))

        // Entity by entity, every rule of its kind: one element's attributes stay in cache while all
        // its rules run (rule by rule, each rule swept every element of a large model through memory).
        // Each core takes pieces of a kind's entities with an evaluator of its own (the evaluator caches facts
        // as it goes); the findings are joined in the order of the pieces, whichever core made them, and the sort
        // below makes the order independent of the split.
        let kinds = ElementKind.allCases.filter { kind in catalogue.rules.contains { $0.conditions[kind] != nil } }
        let entitiesOfKind = Dictionary(uniqueKeysWithValues: kinds.map { ($0, entities(of: $0, in: graph, components: components)) })
        let rulesOfKind = Dictionary(uniqueKeysWithValues: kinds.map { kind in
            (kind, KindRules(kind, catalogue.rules, judged, guarded: entitiesOfKind[kind]!.count >= guardedFrom))
        })
        // Worst first: severity, then open before closed, then score, then id. Ids are `rule@element`, and no
        // rule id contains `@`, so the order of ids is the order of `rule@` prefixes, then of element ids:
        // both are ranked once, and the sort compares numbers instead of strings.
        let ruleIDs = catalogue.rules.map(\.id) + model.threats.map(\.id)
        let ruleRank = Dictionary(ruleIDs.map { $0 + "@" }.sorted().enumerated().map { (String($0.element.dropLast()), $0.offset) },
                                  uniquingKeysWith: { a, _ in a })
        // The catalogue's rules ranked by identity too: a pointer hashes faster than an id (written threats' rules are
        // made per threat and looked up by id).
        let catalogueRuleRank = Dictionary(catalogue.rules.map { (ObjectIdentifier($0), ruleRank[$0.id] ?? 0) }, uniquingKeysWith: { a, _ in a })
        /// The place of finding `f`, the `index`-th, on the component at `component` in `components.ids`.
        @Sendable func key(_ f: Finding, component: Int?, index: Int) -> SortKey {
            SortKey(severity: f.severity.rank, open: f.isOpen, score: f.likelihood * f.impact,
                    rule: catalogueRuleRank[ObjectIdentifier(f.rule)] ?? ruleRank[f.rule.id] ?? 0, element: component ?? 0, index: index,
                    expectedLevel: f.expectedLevel)
        }

        let total = entitiesOfKind.values.reduce(0) { $0 + $1.count }
        let lanes = total < 64 ? 1 : min(8, processorsOnline)
        // Each kind's entities in pieces, about four per core: a core takes the next piece when it finishes one, so
        // entities of uneven cost even out (halves, one per core, left one core idle for a tenth of the rules' time).
        let pieceSize = max(64, total / (lanes * 4))
        let pieces = kinds.flatMap { kind in
            let count = entitiesOfKind[kind]!.count
            return Swift.stride(from: 0, to: count, by: pieceSize).map { (kind: kind, range: $0..<min(count, $0 + pieceSize)) }
        }
        let partial = parallelPieces(count: pieces.count, lanes: lanes, releasingStates: true,
                                     setUp: { Evaluator(graph: graph, vocabulary: catalogue.vocabulary) }) { evaluator, piece in
            let (kind, range) = pieces[piece]
            let refs = entitiesOfKind[kind]!, rules = rulesOfKind[kind]!
            var found: [Finding] = []
            // Each finding's component, as its position in `components.ids`, for the sort and the maturity.
            var component: [Int?] = []
            var tracked = Set<Int>()
            var holds = rules.guards.noClauses
            for ref in refs[range] {
                let side = Side(ref, evaluator)
                let first = found.count
                var context: SeverityModel.Context?
                rules.guards.check(ref, evaluator, into: &holds)
                // By position in the columns: a loop over tuples would retain and release each rule, condition
                // and plan for every rule tried, three pairs per try, the most frequent step of the analysis.
                for j in rules.conditions.indices where side.fits(rules.runsOn[j]) && rules.guards.admits(j, holds)
                    && rules.conditions[j]._withUnsafeGuaranteedRef({ $0.holds(evaluator, ref) }) {
                    if context == nil { context = severityModel.context(of: ref, evaluator: evaluator) }
                    let rule = rules.rules[j]
                    let severity = severityModel.assess(rule: rule, in: &context!, evaluator: evaluator)
                    let (f, entry) = judged.finding(rule, ref, kind, evaluator, severity: severity, mitigation: rules.plans[j])
                    found.append(f)
                    if let entry { tracked.insert(entry) }
                }
                // All of an entity's findings are made here, together: drop those another one supersedes.
                Self.dropSuperseded(&found, from: first)
                component.append(contentsOf: repeatElement(components.position(of: ref), count: found.count - first))
            }
            // Each piece's findings sorted where they were made (by their positions in the piece, in the order of the
            // pieces'): the sort below then finds one sorted run per piece and merges them.
            var keys = found.indices.map { key(found[$0], component: component[$0], index: $0) }
            keys.sort()
            return (findings: found, components: component, tracked: tracked, keys: keys)
        }
        var findings = partial.count == 1 ? partial[0].findings : partial.flatMap(\.findings)
        var component = partial.count == 1 ? partial[0].components : partial.flatMap(\.components)
        var keys: [SortKey] = []
        keys.reserveCapacity(findings.count + model.threats.count)
        for piece in partial {
            let offset = keys.count
            keys.append(contentsOf: piece.keys.lazy.map { $0.moved(by: offset) })
        }
        var tracked = partial.reduce(into: Set<Int>()) { $0.formUnion($1.tracked) }
        var diagnostics: [Diagnostic] = []

        // Threats written by hand are findings like any other.
        let written = WrittenThreats(catalogue: catalogue, graph: graph)
        // One evaluator for all of them (none without them): each builds tables as long as the model and caches
        // what it works out.
        let evaluator = model.threats.isEmpty ? nil : Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        for threat in model.threats {
            if catalogue.rule(threat.id) != nil {
                diagnostics.append(.warning(.threatNamedLikeARule, "threat '\(threat.id)' has the id of a rule; its findings would share ids",
                                            at: threat.range, notes: ["give the written threat an id of its own"]))
            }
            guard let (ref, kind) = written.subject(threat), let evaluator else { continue }
            let rule = written.rule(threat, kind: kind)
            let (f, entry) = judged.finding(rule, ref, kind, evaluator, severity: written.severity(threat))
            findings.append(f)
            component.append(components.position(of: ref))
            if let entry { tracked.insert(entry) }
        }

        keys.append(contentsOf: (keys.count..<findings.count).map { key(findings[$0], component: component[$0], index: $0) })
        // The standard library's sort is a merge sort that finds the runs already sorted: it merges the pieces'.
        keys.sort()
        let order = keys.map(\.index)
        findings.permute(by: order)
        component.permute(by: order)
        let unmatched = judged.tracker.unmatched(used: tracked)
        for entry in unmatched {
            let ruleID = String(entry.pattern.prefix { $0 != "@" })
            var hint = ""
            if !ruleID.contains("*") && !ruleIDs.contains(ruleID) {
                hint = Suggestion.closest(to: ruleID, in: ruleIDs).map { "; no rule is called '\(ruleID)': did you mean '\($0)'?" }
                    ?? "; no rule is called '\(ruleID)' (list the rules with 'moat rules list')"
            }
            diagnostics.append(.warning(.unmatchedTracking, "tracking entry '\(entry.pattern)' matches no finding" + hint,
                                        at: entry.range,
                                        notes: ["finding ids are rule-id@element-id; list them with 'moat analyze --format json'"]))
        }
        for entry in judged.tracker.expired(used: tracked) {
            diagnostics.append(.warning(.expiredTracking, "'\(entry.status.rawValue) \(entry.pattern)' expired on \(entry.until ?? "")",
                                        at: entry.range, notes: ["the findings it covered are open again"]))
        }
        var maturity = assess(findings, openLevels: keys.map(\.openLevel), components: components.ids, componentOfFinding: component,
                              declared: declared, practices: Set(model.header.practices))
        maturity.floor = options.minimumLevel
        return Analysis(model: model, graph: graph, findings: findings, maturity: maturity, unmatchedTracking: unmatched,
                        diagnostics: diagnostics, options: options)
    }

    /// Removes from `findings[first...]`, the findings on one entity, those another of them supersedes (each
    /// threat once per element: `public-object-store` says what `public-datastore` would say about a bucket,
    /// better). The order of the rest is kept.
    static func dropSuperseded(_ findings: inout [Finding], from first: Int) {
        guard findings.count - first > 1, findings[first...].contains(where: { !$0.rule.supersedes.isEmpty }) else { return }
        // A copy of the few findings of the entity, so that `findings` stays the only owner of its storage and
        // is changed in place (a slice kept alive while it changes would copy every finding so far).
        let entity = Array(findings[first...])
        let kept = entity.filter { f in !entity.contains { $0.rule.supersedes.contains(f.rule.id) } }
        guard kept.count < entity.count else { return }
        findings.removeSubrange(first...)
        findings.append(contentsOf: kept)
    }

    /// Every entity of a kind, skipping elements and flows marked out of scope: those `components` has no
    /// position for (it has looked for the mark once; each look scans the entity's attributes by name).
    func entities(of kind: ElementKind, in graph: ArchitectureGraph, components: ComponentOrder) -> [EntityRef] {
        let model = graph.model
        switch kind {
        case .flow:
            return model.flows.indices.map(EntityRef.flow).filter { components.position(of: $0) != nil }
        case .boundary:
            return model.boundaries.indices.map(EntityRef.boundary)
        case .model:
            return [.model]
        default:
            return model.elements.indices.filter { model.elements[$0].kind == kind }.map(EntityRef.element)
                .filter { components.position(of: $0) != nil }
        }
    }

    /// The evidenced level: the highest L whose practices (and those below) are all declared and for which
    /// no open finding expects a level ≤ L (DESIGN §6). A component's evidenced level comes from its own
    /// findings only: the organisation's practices are the system's, not each component's.
    /// `ids` are the in-scope components, sorted; `componentOfFinding` is each finding's position in `ids` (nil for
    /// one on something else, such as a data asset); `openLevels` each finding's `SortKey.openLevel`.
    func assess(_ findings: [Finding], openLevels: [Int], components ids: [String], componentOfFinding: [Int?], declared: Int,
                practices: Set<String>) -> MaturityAssessment {
        let levels = catalogue.maturity.levels
        let met = (0...5).map { level in
            levels.filter { $0.level <= level }.allSatisfy { $0.practices.allSatisfy { practices.contains($0.id) } }
        }
        /// The evidenced level given the lowest expected level among open findings (6 when none).
        func evidenced(_ lowest: Int, practicesCount: Bool) -> Int {
            var level = 1
            for next in 2...5 {
                guard !practicesCount || met[next], lowest > next else { break }
                level = next
            }
            return level
        }
        // From the open levels the sort keys carry, not from the findings: the findings are in report order, far
        // from the order they were made (and lie) in memory, and reading each costs a cache miss.
        var lowestOpen = [Int](repeating: 6, count: ids.count), lowest = 6
        for (level, c) in zip(openLevels, componentOfFinding) where level > 0 {
            lowest = min(lowest, level)
            if let c, level < lowestOpen[c] { lowestOpen[c] = level }
        }
        let system = evidenced(lowest, practicesCount: true)
        let components = ComponentLevels(ids: ids, levels: lowestOpen.map { evidenced($0, practicesCount: false) })
        let target = min(5, system + 1)
        let missing = levels.filter { $0.level <= target }.flatMap(\.practices).filter { !practices.contains($0.id) }
        let blocking = system < 5 ? openLevels.indices.filter { openLevels[$0] > 0 && openLevels[$0] <= target }.map { findings[$0] } : []
        return MaturityAssessment(declared: declared, floor: nil, evidenced: system, components: components,
                                  missingPractices: missing, blockingFindings: blocking)
    }
}

/// The components findings are made on — in-scope elements, flows and boundaries, and the model as a whole —
/// sorted by id, and each entity's position among them: a finding's component is found by its entity, not by
/// hashing its element id.
struct ComponentOrder: Sendable {
    /// The ids, sorted.
    let ids: [String]
    /// The position of each element, flow and boundary in `ids` (-1 for one out of scope), and of the model.
    private let element: [Int32], flow: [Int32], boundary: [Int32], model: Int

    init(_ model: Model) {
        // By index: `filter` would copy every element and flow, a retain and a release per field.
        var entries: [(id: String, ref: EntityRef)] = []
        entries.reserveCapacity(model.elements.count + model.flows.count + model.boundaries.count + 1)
        for i in model.elements.indices where Analyzer.inScope(model.elements[i].attributes) { entries.append((model.elements[i].id, .element(i))) }
        for i in model.flows.indices where Analyzer.inScope(model.flows[i].attributes) { entries.append((model.flows[i].id, .flow(i))) }
        for i in model.boundaries.indices { entries.append((model.boundaries[i].id, .boundary(i))) }
        entries.append((Analyzer.modelComponentID, .model))
        // Ids are unique across elements, flows and boundaries, and `model` is a keyword: no ties.
        entries.sort { $0.id < $1.id }
        var element = [Int32](repeating: -1, count: model.elements.count), flow = [Int32](repeating: -1, count: model.flows.count)
        var boundary = [Int32](repeating: -1, count: model.boundaries.count), modelPosition = 0
        for (position, entry) in entries.enumerated() {
            switch entry.ref {
            case .element(let i): element[i] = Int32(position)
            case .flow(let i): flow[i] = Int32(position)
            case .boundary(let i): boundary[i] = Int32(position)
            case .model: modelPosition = position
            case .data: break
            }
        }
        ids = entries.map(\.id)
        self.element = element
        self.flow = flow
        self.boundary = boundary
        self.model = modelPosition
    }

    /// The position of the entity's component in `ids`; nil for a data asset or an entity out of scope.
    func position(of ref: EntityRef) -> Int? {
        let p: Int32
        switch ref {
        case .element(let i): p = element[i]
        case .flow(let i): p = flow[i]
        case .boundary(let i): p = boundary[i]
        case .model: return model
        case .data: return nil
        }
        return p >= 0 ? Int(p) : nil
    }
}

/// A finding's place in the report as two numbers, compared before its position: worst severity first, then
/// open before closed, higher score first, then rule and element rank. Sorting these compares integers, not
/// tuples of five fields through an index.
struct SortKey: Comparable {
    let major: UInt64, minor: UInt64
    /// The position, then in the four low bits `openLevel`. Positions differ, so those bits never decide the order;
    /// kept in the key, the levels come out of the sort in report order, for the maturity assessment.
    private var last: Int

    /// The key of the finding at `index`, whose rule expects `expectedLevel` (1–5) to handle it.
    init(severity: Int, open: Bool, score: Int, rule: Int, element: Int, index: Int, expectedLevel: Int) {
        // Descending fields are stored negated; each fits in 16 bits (severity ranks, scores up to 16).
        major = UInt64(truncatingIfNeeded: 0xFFFF - severity) << 32 | (open ? 0 : 1) << 16 | UInt64(truncatingIfNeeded: 0xFFFF - score)
        minor = UInt64(truncatingIfNeeded: rule) << 32 | UInt64(truncatingIfNeeded: element)
        last = index << 4 | (open ? min(15, max(1, expectedLevel)) : 0)
    }

    /// The finding's position when the key was made.
    var index: Int { last >> 4 }

    /// The expected level of an open finding (at least 1), 0 for a closed one.
    var openLevel: Int { last & 15 }

    /// The same key for the finding `offset` places further on.
    func moved(by offset: Int) -> SortKey {
        var key = self
        key.last += offset << 4
        return key
    }

    static func < (a: SortKey, b: SortKey) -> Bool {
        if a.major != b.major { return a.major < b.major }
        if a.minor != b.minor { return a.minor < b.minor }
        return a.last < b.last
    }
}

/// The rules with a condition on one kind of entity, in catalogue order, as columns.
struct KindRules {
    let rules: [Rule]
    /// Unretained: `rules` keeps each alive. Reading a class reference out of an array retains it and
    /// releases it after the call, two atomic operations for every rule tried (a million at 10,000 elements).
    let conditions: [Unmanaged<CompiledCondition>]
    let runsOn: [Rule.RunsOn]
    let plans: [FindingJudge.MitigationPlan]
    let guards: RuleGuards

    /// The rules of `all` with a condition on `kind`; with their guards when `guarded`, else with guards that
    /// admit every rule.
    init(_ kind: ElementKind, _ all: [Rule], _ judged: FindingJudge, guarded: Bool) {
        rules = all.filter { $0.conditions[kind] != nil }
        conditions = rules.map { Unmanaged.passUnretained($0.conditions[kind]!) }
        guards = RuleGuards(guarded ? rules.map { $0.conditions[kind]! } : [])
        runsOn = rules.map(\.runsOn)
        plans = rules.map { judged.mitigation(of: $0, on: kind) }
    }
}

/// The `guardClauses` of one kind's rules, checked on the facts of an entity, read once per entity: a rule
/// whose guard fails is not evaluated. Clauses are numbered and kept as bit sets, so that checking a rule
/// costs a word or two of bit operations: this runs for every rule on every entity.
struct RuleGuards {
    /// The number of entities of a kind from which its guards are worth building: building them costs about as
    /// much as trying the kind's rules on 20 entities (measured on the bundled catalogue).
    static let worthwhile = 32

    /// The facts the guards test, each once.
    let facts: [EntityFact]
    /// The number of 64-bit words in a set of clauses.
    private let words: Int
    /// For fact number f with code c, the clauses that one of its tests makes hold: the set at row
    /// `firstRow[f] + c`, `words` words a row.
    private let holding: [UInt64]
    private let firstRow: [Int]
    /// Per rule, its clauses: the set at row j.
    private let clausesOfRule: [UInt64]

    init(_ conditions: [CompiledCondition]) {
        let guards = conditions.map(\.guardClauses)
        var facts: [EntityFact] = []
        for test in guards.joined().joined() where !facts.contains(where: { $0.id == test.fact.id }) { facts.append(test.fact) }
        let clauseCount = guards.reduce(0) { $0 + $1.count }
        let words = (clauseCount + 63) / 64
        var firstRow: [Int] = [], rows = 0
        for fact in facts {
            firstRow.append(rows)
            rows += fact.codes
        }
        var holding = [UInt64](repeating: 0, count: rows * words), clausesOfRule = [UInt64](repeating: 0, count: guards.count * words)
        var clause = 0
        for (rule, clauses) in guards.enumerated() {
            for tests in clauses {
                clausesOfRule[rule * words + clause / 64] |= 1 << (clause % 64)
                for test in tests {
                    let f = facts.firstIndex { $0.id == test.fact.id }!
                    for code in 0..<test.fact.codes where test.holds(code) {
                        holding[(firstRow[f] + code) * words + clause / 64] |= 1 << (clause % 64)
                    }
                }
                clause += 1
            }
        }
        (self.facts, self.words, self.holding, self.firstRow, self.clausesOfRule) = (facts, words, holding, firstRow, clausesOfRule)
    }

    /// An empty set of clauses, for `check`.
    var noClauses: [UInt64] { [UInt64](repeating: 0, count: words) }

    /// Sets `holds` to the clauses that hold on `ref`.
    func check(_ ref: EntityRef, _ evaluator: Evaluator, into holds: inout [UInt64]) {
        let words = words
        holds.withUnsafeMutableBufferPointer { holds in
            // Through buffers: indexing the arrays copies each fact out of its array, two retains and two releases.
            facts.withUnsafeBufferPointer { facts in
                holding.withUnsafeBufferPointer { holding in
                    for w in 0..<words { holds[w] = 0 }
                    for f in facts.indices {
                        let code = facts[f].code(evaluator, ref)
                        // A code the fact does not have (a rank outside its vocabulary's values) proves nothing:
                        // every clause holds, and every rule is evaluated.
                        guard code >= 0 && code < facts[f].codes else {
                            for w in 0..<words { holds[w] = ~0 }
                            return
                        }
                        let row = (firstRow[f] + code) * words
                        for w in 0..<words { holds[w] |= holding[row + w] }
                    }
                }
            }
        }
    }

    /// Whether every clause of rule number `rule` is in `holds` (true for every rule when there are no guards).
    /// Inlined: a call costs more than the test, which runs for every rule on every entity.
    @inline(__always)
    func admits(_ rule: Int, _ holds: [UInt64]) -> Bool {
        for w in 0..<words where clausesOfRule[rule * words + w] & ~holds[w] != 0 { return false }
        return true
    }
}

/// Which rules fit an entity: server-side rules skip clients (a browser, a mobile app) and client-side rules
/// skip servers; boundary rules skip zones the owner does not control (the internet, a partner's network).
struct Side {
    let isClient: Bool
    let isExternalZone: Bool
    let isNode: Bool

    init(_ ref: EntityRef, _ ev: Evaluator) {
        switch ref {
        case .element(let i):
            let kind = ev.graph.model.elements[i].kind
            isNode = kind == .process || kind == .datastore
            isClient = isNode && ev.isClient(element: i)
            isExternalZone = false
        case .boundary(let b):
            isNode = false
            isClient = false
            isExternalZone = ev.graph.boundaryTrust[b] <= ev.graph.partnerTrust
        default:
            isNode = false
            isClient = false
            isExternalZone = false
        }
    }

    func fits(_ runsOn: Rule.RunsOn) -> Bool {
        if isExternalZone { return false }
        guard isNode else { return true }
        switch runsOn {
        case .server: return !isClient
        case .client: return isClient
        case .any: return true
        }
    }
}

/// Decides each finding's status and expected level, and applies tracking decisions.
struct FindingJudge: Sendable {
    let catalogue: Catalogue
    /// The level open findings are judged against (declared, raised to the policy floor).
    let level: Int
    let tracker: TrackingMatcher

    /// What a rule's mitigations mean for its findings on entities of one kind, worked out once per rule.
    struct MitigationPlan: Sendable {
        /// The lowest level among the rule's controls (5 when it names none; a written threat's level then).
        var expectedLevel: Int
        /// Whether every control is one the provider runs for a managed service (and there is at least one).
        var providerOnly: Bool
        /// The technical controls, in the rule's order, with their evidence on this kind of entity.
        var evidence: [(control: String, condition: CompiledCondition?)]
    }

    /// The mitigation plan of `rule` on entities of `kind`.
    func mitigation(of rule: Rule, on kind: ElementKind) -> MitigationPlan {
        var plan = MitigationPlan(expectedLevel: rule.isWritten && rule.mitigations.isEmpty ? WrittenThreats.expectedLevel : 5,
                              providerOnly: !rule.mitigations.isEmpty, evidence: [])
        for m in rule.mitigations {
            guard let control = catalogue.controls[m.control] else { continue }
            plan.expectedLevel = min(plan.expectedLevel, control.control.level)
            plan.providerOnly = plan.providerOnly && control.control.provider
            // Organisation practices evidence the organisation's level; they never mitigate a technical finding.
            if control.control.practice == nil { plan.evidence.append((m.control, control.evidence[kind])) }
        }
        return plan
    }

    /// The finding of `rule` on `ref`, with the index of the tracking entry that decided it, if any; `mitigation`
    /// is the rule's plan on `kind` when the caller has it.
    func finding(_ rule: Rule, _ ref: EntityRef, _ kind: ElementKind, _ ev: Evaluator,
                 severity: (likelihood: Int, impact: Int, factors: [SeverityFactor]),
                 mitigation: MitigationPlan? = nil) -> (Finding, trackingEntry: Int?) {
        let model = ev.graph.model
        let (elementID, name, range): (String, String, SourceRange?)
        switch ref {
        case .element(let i): (elementID, name, range) = (model.elements[i].id, model.elements[i].name, model.elements[i].range)
        case .flow(let i):
            // Field by field: a copy of the whole flow costs a retain per field, once per finding.
            let id = model.flows[i].id, written = model.flows[i].name
            (elementID, name, range) = (id, written.isEmpty ? id : written, model.flows[i].range)
        case .boundary(let i): (elementID, name, range) = (model.boundaries[i].id, model.boundaries[i].name, model.boundaries[i].range)
        case .data(let i): (elementID, name, range) = (model.data[i].id, model.data[i].name, model.data[i].range)
        case .model: (elementID, name, range) = (Analyzer.modelComponentID, model.header.name, model.header.range)
        }
        let plan = mitigation ?? self.mitigation(of: rule, on: kind)
        let expected = plan.expectedLevel, providerOnly = plan.providerOnly
        var present: [String] = []
        for (control, evidence) in plan.evidence where evidence?.holds(ev, ref) == true { present.append(control) }
        var status: FindingStatus
        if !present.isEmpty {
            status = .mitigated
        } else if providerOnly && ev.managedBy(ref) != nil {
            status = .provider
        } else {
            status = expected <= level ? .gap : .roadmap
        }
        // One concatenation: an interpolation costs three times as much, once per finding. (A string made in one
        // allocation of the exact size, `String(unsafeUninitializedCapacity:)`, costs as much: it validates the bytes.)
        let id = rule.findingIDPrefix + elementID
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
        return (Finding(id: id, rule: rule, elementID: elementID, elementKind: kind, elementName: name,
                        likelihood: severity.likelihood, impact: severity.impact,
                        severity: Severity(score: severity.likelihood * severity.impact), factors: severity.factors,
                        status: status, expectedLevel: expected, presentControls: present, tracking: entry,
                        trackingExpired: expired, range: range), match?.index)
    }
}

extension Array {
    /// Reorders the elements in place so that element k is the one that was at `order[k]` (`order` a permutation
    /// of the indices), by swapping along the permutation's cycles. Swaps move references without retaining or
    /// releasing them: `order.map { self[$0] }` would retain every element and release the old array's, touching
    /// each object twice in an order unrelated to where it lies in memory.
    mutating func permute(by order: [Int]) {
        precondition(order.count == count, "a permutation of the indices")
        var placed = [Bool](repeating: false, count: count)
        withUnsafeMutableBufferPointer { elements in
            for start in order.indices where !placed[start] {
                var j = start
                while true {
                    placed[j] = true
                    let next = order[j]
                    if next == start { break }
                    elements.swapAt(j, next)
                    j = next
                }
            }
        }
    }
}

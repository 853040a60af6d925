import MoatCore

/// A report format: renders a `ReportModel` and computes nothing itself (every count, grouping,
/// choice of control and link comes from the model, so every format says the same thing).
public protocol ReportWriter: Sendable {
    /// The report in this writer's format, complete and ready to write to a file or the terminal.
    func write(_ report: ReportModel) -> String
}

/// What every report shows, computed once from an analysis: summary counts, maturity and what the
/// next level needs, findings grouped by component, the roadmap by maturity level, references with
/// links, data assets, tracking decisions, attack paths and the rules that fired.
///
/// A new finding field or status is added here (`FindingView`), then shown by each writer.
public struct ReportModel: Sendable {
    /// One component (element, flow or boundary) with its findings, worst first.
    public struct Component: Sendable {
        /// The component's id: an element, flow or boundary id, or `model` for model-wide findings.
        public var id: String
        /// The component's kind.
        public var kind: ElementKind
        /// The component's display name (a flow's id when it has no name).
        public var name: String
        /// The component's findings in analysis order (worst first); mitigated ones only with `includeMitigated`.
        public var findings: [Finding]
        /// The maturity level (1–5) the component evidences from its own findings; nil when it is not assessed.
        public var evidencedLevel: Int?
        /// The name of the innermost boundary an element is in (nil for flows, boundaries and elements outside any).
        public var zone: String?
        /// The worst severity among open findings, nil when none is open.
        public var worstOpen: Severity?
    }

    /// A link to a weakness or attack pattern catalogue.
    public struct Reference: Sendable, Hashable {
        /// The link text: `CWE-770`, `CAPEC-125`.
        public var label: String
        /// The MITRE page of the weakness or attack pattern.
        public var url: String
    }

    /// A control as the reports name it.
    public struct ControlView: Sendable, Hashable {
        /// The control's id (`rate-limiting`).
        public var id: String
        /// The control's title from the catalogue; its id when the catalogue does not know it.
        public var title: String
        /// The control's maturity level (0 when the catalogue does not know the control).
        public var level: Int
    }

    /// One mitigation of a finding's rule.
    public struct MitigationView: Sendable {
        /// The control the mitigation names.
        public var control: ControlView
        /// The rule's advice for applying the control against this threat.
        public var text: String
        /// True when the control was found present on the component.
        public var present: Bool
    }

    /// Everything a writer shows about one finding, derived once here.
    public struct FindingView: Sendable {
        /// The finding shown.
        public var finding: Finding
        /// Links to the rule's CWE and CAPEC entries.
        public var references: [Reference]
        /// Every mitigation of the rule, in the rule's order, each marked present or not.
        public var mitigations: [MitigationView]
        /// The control that closes the finding (nil when it is closed): see `closingControl`.
        public var closingControl: ControlView?
        /// "accept: reason (owner: x) until 2027-01-01", with "expired " in front when it no longer applies.
        public var tracking: String?
        /// "gap L2", "roadmap L4", "mitigated", "accepted"…: the status with the expected level of open findings.
        public var statusText: String
    }

    /// What reaching the next maturity level takes.
    public struct NextLevel: Sendable {
        /// The next maturity level, 2–5 (one above the evidenced level).
        public var level: Int
        /// The next level's name.
        public var name: String
        /// Practices up to the next level that the model does not declare.
        public var missingPractices: [Practice]
        /// Open findings expected to be handled by the next level.
        public var blockingFindings: [Finding]
        /// The controls that close most of the blocking findings, most first (at most five).
        public var mostNeeded: [(control: ControlView, count: Int)]
    }

    /// The system's maturity: declared and evidenced levels with their names, and what the next level takes.
    public struct Maturity: Sendable {
        /// The declared level, 1–5 (the model's, or `--level`).
        public var declared: Int
        /// The declared level's name.
        public var declaredName: String
        /// The evidenced level, 1–5: what the declared practices and open findings support.
        public var evidenced: Int
        /// The evidenced level's name.
        public var evidencedName: String
        /// What reaching the level above the evidenced one takes; nil at level 5.
        public var next: NextLevel?
    }

    /// One level of the mitigation roadmap.
    public struct RoadmapLevel: Sendable {
        /// The maturity level, 1–5.
        public var level: Int
        /// The level's name.
        public var name: String
        /// The level's tagline.
        public var tagline: String
        /// At or below the declared level: "your level says this should be in place".
        public var isGap: Bool
        /// Practices of this level the model does not declare.
        public var practicesToDeclare: [Practice]
        /// Open findings grouped by the control that closes them, most findings first.
        public var controls: [(control: ControlView, findings: [Finding])]
    }

    /// A data asset as the reports list it.
    public struct DataAssetView: Sendable {
        /// The data asset's id.
        public var id: String
        /// The data asset's display name.
        public var name: String
        /// Its `classification` value (`public` … `secret`); `internal` when the model does not say.
        public var classification: String
        /// The data tags (`vocabulary.dataTags`) the asset has.
        public var tags: [String]
    }

    /// A tracking entry with what it decided.
    public struct TrackingView: Sendable {
        /// The tracking entry as written: pattern, status, justification, owner, expiry.
        public var entry: TrackingEntry
        /// Findings whose status this entry decided.
        public var matches: Int
        /// True when the entry's `until` date has passed for a finding it matches: those findings are open again.
        public var expired: Bool
    }

    /// One step of an attack path: the flow taken and the element reached.
    public struct Hop: Sendable {
        /// The flow's display name; empty when the flow has none.
        public var flowName: String
        /// The flow's id.
        public var flowID: String
        /// The flow's `protocol` attribute (`https`, `grpc`, …), nil when unset.
        public var protocolName: String?
        /// Whether the flow is encrypted in transit, by its attributes or its protocol.
        public var encrypted: Bool
        /// The id of the element the flow reaches.
        public var elementID: String
        /// The display name of the element the flow reaches.
        public var elementName: String
    }

    /// An attack path, hop by hop, with its weakest point.
    public struct AttackPathView: Sendable {
        /// The path's position in the ranking, from 1 (most dangerous).
        public var number: Int
        /// The id of the untrusted actor the path starts at.
        public var sourceID: String
        /// The display name of that actor.
        public var sourceName: String
        /// The flows taken and elements reached, in order; the last element holds the sensitive data.
        public var hops: [Hop]
        /// Names of the sensitive data reached.
        public var data: [String]
        /// The worst open finding on the way (the weakest point); nil when every finding on the path is closed.
        public var weakest: Finding?
        /// The control that would close the weakest point.
        public var weakestControl: ControlView?
        /// "Shopper → Storefront → Orders DB".
        public var route: String
    }

    /// A rule that fired, for the appendix.
    public struct RuleView: Sendable {
        /// The rule.
        public var rule: Rule
        /// Links to the rule's CWE and CAPEC entries.
        public var references: [Reference]
        /// The rule's mitigations: each control with the rule's advice.
        public var mitigations: [(control: ControlView, text: String)]
        /// How many findings of the rule the analysis has, at any status.
        public var findings: Int
    }

    /// The rendered diagram, when the caller drew one.
    public struct Diagram: Sendable {
        /// Graphviz's SVG from `<svg` on (XML prologue dropped).
        public var svg: String
        /// The file the SVG was written to, for formats that link it (Markdown).
        public var file: String?

        /// A diagram of `svg` (everything before `<svg` is dropped); `file` is where it was written, if anywhere.
        public init(svg: String, file: String? = nil) {
            let start = svg.range(of: "<svg").map(\.lowerBound) ?? svg.startIndex
            self.svg = String(svg[start...])
            self.file = file
        }
    }

    /// How many attack paths the reports list.
    public static let attackPathLimit = 5

    /// The analysis the report shows.
    public let analysis: Analysis
    /// The catalogue's maturity model, for level names, taglines and practices.
    public let maturityModel: MaturityModel
    /// The catalogue's vocabulary (data tags, classification values).
    public let vocabulary: Vocabulary
    /// Controls with their levels and titles, by id.
    public let controls: [String: CompiledControl]
    /// Components with findings, worst open severity first, then in model order.
    public let components: [Component]
    /// How many findings have each status; statuses with none are absent.
    public let countsByStatus: [FindingStatus: Int]
    /// Open findings by severity.
    public let openBySeverity: [Severity: Int]
    /// Declared and evidenced maturity, and what the next level takes.
    public let maturity: Maturity
    /// The mitigation roadmap: per maturity level, the practices to declare and the open findings grouped by the
    /// control that closes them; levels with nothing to do are left out.
    public let roadmap: [RoadmapLevel]
    /// The model's data assets, in model order.
    public let dataAssets: [DataAssetView]
    /// The model's tracking entries, in model order, with what each matched.
    public let tracking: [TrackingView]
    /// The most dangerous attack paths, at most `attackPathLimit`.
    public let attackPaths: [AttackPathView]
    /// How many attack paths there are in all.
    public let attackPathCount: Int
    /// The rules that fired, by id, with their finding counts (the report's appendix).
    public let rules: [RuleView]
    /// The STRIDE categories no finding covers, per element and flow.
    public let coverage: Coverage
    /// The diagram, set by the caller that rendered it.
    public var diagram: Diagram?

    /// Groups the analysis; `includeMitigated` keeps mitigated findings in the component lists.
    public init(_ analysis: Analysis, catalogue: Catalogue, includeMitigated: Bool = false) {
        self.analysis = analysis
        self.coverage = Coverage(analysis, rules: catalogue.rules)
        self.maturityModel = catalogue.maturity
        self.vocabulary = catalogue.vocabulary
        self.controls = catalogue.controls
        let model = analysis.model
        var order: [String: Int] = [:]
        for (i, e) in model.elements.enumerated() { order[e.id] = i }
        for (i, f) in model.flows.enumerated() { order[f.id] = model.elements.count + i }
        for (i, b) in model.boundaries.enumerated() { order[b.id] = model.elements.count + model.flows.count + i }
        func zone(_ id: String) -> String? {
            guard let i = analysis.graph.elementIndex[id], let b = analysis.graph.elementBoundary[i] else { return nil }
            return model.boundaries[b].name
        }
        var groups: [String: Component] = [:]
        for f in analysis.findings {
            if f.status == .mitigated && !includeMitigated { continue }
            groups[f.elementID, default: Component(id: f.elementID, kind: f.elementKind, name: f.elementName, findings: [],
                                                   evidencedLevel: analysis.maturity.components[f.elementID],
                                                   zone: zone(f.elementID))].findings.append(f)
            if f.isOpen, groups[f.elementID]!.worstOpen.map({ $0 < f.severity }) ?? true { groups[f.elementID]!.worstOpen = f.severity }
        }
        components = groups.values.sorted { a, b in
            let wa = a.worstOpen?.rank ?? -1, wb = b.worstOpen?.rank ?? -1
            if wa != wb { return wa > wb }
            return (order[a.id] ?? .max, a.id) < (order[b.id] ?? .max, b.id)
        }
        let counts = FindingCounts(analysis.findings)
        countsByStatus = counts.byStatus
        openBySeverity = counts.openBySeverity

        let controls = catalogue.controls
        let maturityModel = catalogue.maturity
        let componentLevels = analysis.maturity.components
        func view(_ id: String) -> ControlView {
            ControlView(id: id, title: controls[id]?.control.title ?? id, level: controls[id]?.control.level ?? 0)
        }
        func closing(_ f: Finding) -> ControlView? {
            Self.closingControl(f, evidenced: componentLevels[f.elementID] ?? 0, controls: controls).map(view)
        }
        func levelName(_ n: Int) -> String { maturityModel.level(n)?.name ?? "level \(n)" }

        // Maturity and the next level.
        let m = analysis.maturity
        var next: NextLevel?
        if let level = m.nextLevel {
            var byControl: [String: Int] = [:]
            for f in m.blockingFindings { if let c = closing(f) { byControl[c.id, default: 0] += 1 } }
            let most = byControl.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map { (view($0.key), $0.value) }
            next = NextLevel(level: level, name: levelName(level), missingPractices: m.missingPractices,
                             blockingFindings: m.blockingFindings, mostNeeded: Array(most))
        }
        maturity = Maturity(declared: m.declared, declaredName: levelName(m.declared), evidenced: m.evidenced,
                            evidencedName: levelName(m.evidenced), next: next)

        // Roadmap: open findings at the level of the control that closes them.
        var byLevel: [Int: [String: [Finding]]] = [:]
        for f in analysis.findings where f.isOpen {
            guard let c = closing(f) else { continue }
            byLevel[c.level, default: [:]][c.id, default: []].append(f)
        }
        roadmap = maturityModel.levels.compactMap { level in
            let practices = level.practices.filter { !model.header.practices.contains($0.id) }
            let groups = (byLevel[level.level] ?? [:]).sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
                .map { (view($0.key), $0.value) }
            guard !groups.isEmpty || !practices.isEmpty else { return nil }
            return RoadmapLevel(level: level.level, name: level.name, tagline: level.tagline, isGap: level.level <= m.declared,
                                practicesToDeclare: practices, controls: groups)
        }

        // Data assets with their tags.
        let tags = catalogue.vocabulary.dataTags
        dataAssets = model.data.map { d in
            DataAssetView(id: d.id, name: d.name, classification: d.attributes.string(.classification) ?? "internal",
                          tags: tags.filter { d.attributes.flag($0) })
        }

        // Tracking decisions with what they matched.
        var matches: [TrackingEntry: (Int, Bool)] = [:]
        for f in analysis.findings {
            guard let t = f.tracking else { continue }
            let entry = matches[t] ?? (0, false)
            matches[t] = (entry.0 + 1, entry.1 || f.trackingExpired)
        }
        tracking = model.tracking.map { t in
            TrackingView(entry: t, matches: matches[t]?.0 ?? 0, expired: matches[t]?.1 ?? false)
        }

        // Attack paths, most dangerous first.
        let graph = analysis.graph
        let evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        let ranked = AttackPathFinder(vocabulary: catalogue.vocabulary).ranked(analysis)
        attackPathCount = ranked.count
        attackPaths = ranked.prefix(Self.attackPathLimit).enumerated().map { n, p in
            let source = model.elements[p.path.elements[0]]
            let hops = p.path.flows.enumerated().map { i, fi in
                let flow = model.flows[fi], element = model.elements[p.path.elements[i + 1]]
                return Hop(flowName: flow.name, flowID: flow.id, protocolName: flow.attributes.string(.protocol),
                           encrypted: evaluator.encrypted(flow: fi), elementID: element.id, elementName: element.name)
            }
            return AttackPathView(number: n + 1, sourceID: source.id, sourceName: source.name, hops: hops,
                                  data: p.path.data.map { model.data[$0].name }, weakest: p.weakest,
                                  weakestControl: p.weakest.flatMap(closing),
                                  route: ([source.name] + hops.map(\.elementName)).joined(separator: " → "))
        }

        // Rules that fired.
        var fired: [String: (Rule, Int)] = [:]
        for f in analysis.findings { fired[f.rule.id, default: (f.rule, 0)].1 += 1 }
        rules = fired.keys.sorted().map { id in
            let (rule, count) = fired[id]!
            return RuleView(rule: rule, references: Self.references(rule), mitigations: rule.mitigations.map { (view($0.control), $0.text) },
                            findings: count)
        }
    }

    // MARK: - The one definition of each derived value

    /// The control that closes an open finding, the one rule every report uses: among the controls of
    /// the finding's rule that are not present, the one of the lowest maturity level above the level its
    /// component already evidences (the next step up for that component); between controls of the same
    /// level, the first the rule lists (its authors' preference). When no control is above the evidenced
    /// level, the lowest-level one. Closed findings have none.
    public static func closingControl(_ f: Finding, evidenced: Int, controls: [String: CompiledControl]) -> String? {
        guard f.isOpen else { return nil }
        let candidates = f.rule.mitigations.map(\.control).filter { !f.presentControls.contains($0) }
        func level(_ id: String) -> Int { controls[id]?.control.level ?? Int.max }
        let above = candidates.filter { level($0) > evidenced }
        let pool = above.isEmpty ? candidates : above
        var best: String?
        for c in pool where best == nil || level(c) < level(best!) { best = c }
        return best ?? f.rule.mitigations.first?.control
    }

    /// CWE and CAPEC references of a rule, with links to MITRE's pages.
    public static func references(_ r: Rule) -> [Reference] {
        r.cwe.map { Reference(label: "CWE-\($0)", url: "https://cwe.mitre.org/data/definitions/\($0).html") }
            + r.capec.map { Reference(label: "CAPEC-\($0)", url: "https://capec.mitre.org/data/definitions/\($0).html") }
    }

    /// The view of one finding.
    public func view(_ f: Finding) -> FindingView {
        let controlView = { (id: String) in
            ControlView(id: id, title: self.controls[id]?.control.title ?? id, level: self.controls[id]?.control.level ?? 0)
        }
        var tracking: String?
        if let t = f.tracking {
            tracking = "\(f.trackingExpired ? "expired " : "")\(t.status.rawValue): \(t.justification)"
                + (t.owner.map { " (owner: \($0))" } ?? "") + (t.until.map { " until \($0)" } ?? "")
        }
        let closing = Self.closingControl(f, evidenced: analysis.maturity.components[f.elementID] ?? 0, controls: controls)
        return FindingView(finding: f, references: Self.references(f.rule),
                           mitigations: f.rule.mitigations.map {
                               MitigationView(control: controlView($0.control), text: $0.text, present: f.presentControls.contains($0.control))
                           },
                           closingControl: closing.map(controlView), tracking: tracking,
                           statusText: f.status.rawValue + (f.isOpen ? " L\(f.expectedLevel)" : ""))
    }

    /// "3 critical, 5 high, 2 medium" (omitting zeros), or "none".
    public var openSummary: String {
        let parts = Severity.allCases.reversed().compactMap { s in openBySeverity[s].map { "\($0) \(s.rawValue)" } }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// "4 gap, 7 roadmap, 12 mitigated" in status order, omitting zeros.
    public var statusSummary: String {
        let parts = FindingStatus.allCases.compactMap { s in countsByStatus[s].map { "\($0) \(s.rawValue)" } }
        return parts.isEmpty ? "no findings" : parts.joined(separator: ", ")
    }

    /// The name of maturity level `n` ("Defined Security Controls").
    public func levelName(_ n: Int) -> String { maturityModel.level(n)?.name ?? "level \(n)" }
}

/// How many findings have each status, and how many open ones each severity.
public struct FindingCounts: Sendable {
    /// Finding counts by status; statuses with no finding are absent.
    public let byStatus: [FindingStatus: Int]
    /// Open (gap or roadmap) finding counts by severity; severities with none are absent.
    public let openBySeverity: [Severity: Int]

    /// Counts `findings` in one pass.
    public init(_ findings: [Finding]) {
        // Counted in arrays by case position (hundreds of thousands of findings), then keyed; zeros omitted. A long
        // list is counted in two halves side by side: in report order the findings are far from the order they lie
        // in memory, and reading each is a cache miss, which two cores wait out together.
        let statuses = FindingStatus.allCases, severities = Severity.allCases
        let parts = findings.count < 1 << 16 ? 1 : 2
        let partial = Array(0..<parts).parallelMap { part in
            var status = [Int](repeating: 0, count: statuses.count), severity = [Int](repeating: 0, count: severities.count)
            for i in (findings.count * part / parts)..<(findings.count * (part + 1) / parts) {
                let f = findings[i]
                status[statuses.firstIndex(of: f.status)!] += 1
                if f.isOpen { severity[f.severity.rank] += 1 }
            }
            return (status: status, severity: severity)
        }
        let status = statuses.indices.map { i in partial.reduce(0) { $0 + $1.status[i] } }
        let severity = severities.indices.map { i in partial.reduce(0) { $0 + $1.severity[i] } }
        byStatus = Dictionary(uniqueKeysWithValues: zip(statuses, status).filter { $0.1 > 0 })
        openBySeverity = Dictionary(uniqueKeysWithValues: zip(severities, severity).filter { $0.1 > 0 })
    }
}

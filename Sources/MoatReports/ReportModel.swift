import MoatCore

/// What every report shows, computed once from an analysis: findings grouped by component and counts.
public struct ReportModel: Sendable {
    /// One component (element, flow or boundary) with its findings, worst first.
    public struct Component: Sendable {
        public var id: String
        public var kind: ElementKind
        public var name: String
        public var findings: [Finding]
        public var evidencedLevel: Int?
        /// The worst severity among open findings, nil when none is open.
        public var worstOpen: Severity?
    }

    public let analysis: Analysis
    public let maturity: MaturityModel
    public let vocabulary: Vocabulary
    /// Controls with their levels and titles, by id.
    public let controls: [String: CompiledControl]
    /// Components with findings, worst open severity first, then in model order.
    public let components: [Component]
    public let countsByStatus: [FindingStatus: Int]
    /// Open findings by severity.
    public let openBySeverity: [Severity: Int]

    /// Groups the analysis; `includeMitigated` keeps mitigated findings in the component lists.
    public init(_ analysis: Analysis, catalogue: Catalogue, includeMitigated: Bool = false) {
        self.analysis = analysis
        self.maturity = catalogue.maturity
        self.vocabulary = catalogue.vocabulary
        self.controls = catalogue.controls
        var order: [String: Int] = [:]
        let model = analysis.model
        for (i, e) in model.elements.enumerated() { order[e.id] = i }
        for (i, f) in model.flows.enumerated() { order[f.id] = model.elements.count + i }
        for (i, b) in model.boundaries.enumerated() { order[b.id] = model.elements.count + model.flows.count + i }
        var groups: [String: Component] = [:]
        for f in analysis.findings {
            if f.status == .mitigated && !includeMitigated { continue }
            groups[f.elementID, default: Component(id: f.elementID, kind: f.elementKind, name: f.elementName, findings: [],
                                                   evidencedLevel: analysis.maturity.components[f.elementID])].findings.append(f)
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
    public func levelName(_ n: Int) -> String { maturity.level(n)?.name ?? "level \(n)" }
}

/// How many findings have each status, and how many open ones each severity.
public struct FindingCounts: Sendable {
    public let byStatus: [FindingStatus: Int]
    public let openBySeverity: [Severity: Int]

    public init(_ findings: [Finding]) {
        // Counted in arrays by case position (hundreds of thousands of findings), then keyed; zeros omitted.
        let statuses = FindingStatus.allCases, severities = Severity.allCases
        var status = [Int](repeating: 0, count: statuses.count)
        var severity = [Int](repeating: 0, count: severities.count)
        for f in findings {
            status[statuses.firstIndex(of: f.status)!] += 1
            if f.isOpen { severity[f.severity.rank] += 1 }
        }
        byStatus = Dictionary(uniqueKeysWithValues: zip(statuses, status).filter { $0.1 > 0 })
        openBySeverity = Dictionary(uniqueKeysWithValues: zip(severities, severity).filter { $0.1 > 0 })
    }
}

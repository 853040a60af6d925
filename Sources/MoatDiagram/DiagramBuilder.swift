import MoatCore

/// What to draw.
public struct DiagramOptions: Sendable {
    /// Which picture of the model.
    public enum View: Sendable, Hashable {
        /// Every element; switches to `.overview` above `DiagramOptions.overviewThreshold` elements.
        case automatic
        /// Every element, however large the model.
        case full
        /// One node per boundary and aggregated flows between them.
        case overview
        /// The elements inside one boundary, plus the outside elements they exchange flows with.
        case boundary(String)
        /// One element and its direct neighbours.
        case focus(String)
    }

    /// Models with more elements than this get the overview unless a view is asked for.
    public static let overviewThreshold = 150

    public var view: View = .automatic
    public var showThreats = true
    public var showAttackPaths = false
    /// Prefix of each element's link anchor (`#element-ID` in a standalone SVG; the report passes its own).
    public var linkPrefix = "element-"
    /// The date printed in the title block.
    public var date: String?

    public init() {}
}

/// Why a diagram could not be built.
public struct DiagramError: Error, CustomStringConvertible {
    public var description: String
}

/// Turns an analysis into a data-flow diagram as DOT: DFD shapes, nested dashed boundaries, labelled
/// flows, threat badges and colours, highlighted unencrypted crossings, tooltips, attack paths.
public struct DiagramBuilder: Sendable {
    public let vocabulary: Vocabulary
    public var options: DiagramOptions

    public init(vocabulary: Vocabulary, options: DiagramOptions = DiagramOptions()) {
        self.vocabulary = vocabulary
        self.options = options
    }

    // MARK: - Palette

    struct Palette {
        var fill: String
        var border: String
    }

    static func palette(_ s: Severity?) -> Palette {
        switch s {
        case .critical?: return Palette(fill: "#fde0e0", border: "#b71c1c")
        case .high?: return Palette(fill: "#ffe8d4", border: "#d84315")
        case .medium?: return Palette(fill: "#fff6cc", border: "#a07800")
        case .low?: return Palette(fill: "#e6f0fb", border: "#1565c0")
        case nil: return Palette(fill: "#eaf5ea", border: "#2e7d32")
        }
    }

    static func badgeColour(_ s: Severity) -> String {
        switch s {
        case .critical: return "#b71c1c"
        case .high: return "#d84315"
        case .medium: return "#9a7400"
        case .low: return "#1565c0"
        }
    }

    /// The colour of a trust level (from the vocabulary), grey for zones of mixed trust.
    func trustColour(_ trust: String) -> String { vocabulary.colour(of: trust, .trust) ?? "#546e7a" }

    static let unencryptedColour = "#c62828"
    static let attackPathColour = "#6a1b9a"

    // MARK: - Building

    /// The DOT graph of the analysis in the chosen view.
    public func build(_ analysis: Analysis) throws -> DOTGraph {
        let graph = analysis.graph
        var view = options.view
        if view == .automatic {
            view = graph.model.elements.count > DiagramOptions.overviewThreshold ? .overview : .full
        }
        switch view {
        case .overview: return overview(analysis)
        case .focus(let id):
            guard let i = graph.elementIndex[id] else {
                throw DiagramError(description: "unknown element '\(id)'" + hint(id, graph.model.elements.map(\.id)))
            }
            var keep: Set<Int> = [i]
            for fi in graph.inbound[i] + graph.outbound[i] { keep.insert(graph.otherEnd(ofFlow: fi, from: i)) }
            return detailed(analysis, visible: keep, highlight: i, subtitle: "focus on \(graph.model.elements[i].name)")
        case .boundary(let id):
            guard let b = graph.boundaryIndex[id] else {
                throw DiagramError(description: "unknown boundary '\(id)'" + hint(id, graph.model.boundaries.map(\.id)))
            }
            let inside = Set(graph.allElements(inBoundary: b))
            var keep = inside
            for i in inside { for fi in graph.inbound[i] + graph.outbound[i] { keep.insert(graph.otherEnd(ofFlow: fi, from: i)) } }
            return detailed(analysis, visible: keep, highlight: nil, subtitle: "boundary \(graph.model.boundaries[b].name)")
        default:
            return detailed(analysis, visible: nil, highlight: nil, subtitle: nil)
        }
    }

    private func hint(_ id: String, _ candidates: [String]) -> String {
        Suggestion.closest(to: id, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    private func baseGraph(_ analysis: Analysis, subtitle: String?) -> DOTGraph {
        var g = DOTGraph()
        g.attributes = [
            ("rankdir", .text("LR")), ("newrank", .text("true")), ("compound", .text("true")),
            ("fontname", .text("Helvetica")), ("fontsize", .text("11")), ("nodesep", .text("0.35")),
            ("ranksep", .text("0.8")), ("pad", .text("0.3")), ("splines", .text("spline")),
            ("bgcolor", .text("white")), ("labelloc", .text("t")), ("labeljust", .text("l")),
            ("label", .html(titleBlock(analysis, subtitle: subtitle))),
        ]
        g.nodeDefaults = [("fontname", .text("Helvetica")), ("fontsize", .text("11")), ("margin", .text("0.12,0.06"))]
        g.edgeDefaults = [("fontname", .text("Helvetica")), ("fontsize", .text("9")), ("color", .text("#455a64")),
                          ("fontcolor", .text("#37474f")), ("arrowsize", .text("0.7"))]
        return g
    }

    /// Findings per component id, open ones worst first.
    private func openFindings(_ analysis: Analysis) -> [String: [Finding]] {
        var result: [String: [Finding]] = [:]
        for f in analysis.findings where f.isOpen { result[f.elementID, default: []].append(f) }
        return result
    }

    private func detailed(_ analysis: Analysis, visible: Set<Int>?, highlight: Int?, subtitle: String?) -> DOTGraph {
        let graph = analysis.graph
        let model = graph.model
        var g = baseGraph(analysis, subtitle: subtitle)
        let open = options.showThreats ? openFindings(analysis) : [:]
        let shown = { (i: Int) in visible?.contains(i) ?? true }

        // Nodes, placed into their boundary clusters.
        var clusterNodes = [[DOTNode]](repeating: [], count: model.boundaries.count)
        for (i, e) in model.elements.enumerated() where shown(i) {
            let node = elementNode(i, e, analysis, open[e.id] ?? [], emphasised: highlight == i)
            if let b = graph.elementBoundary[i] { clusterNodes[b].append(node) } else { g.nodes.append(node) }
        }
        func cluster(_ b: Int) -> DOTCluster? {
            let inner = graph.boundaryChildren[b].compactMap(cluster)
            if clusterNodes[b].isEmpty && inner.isEmpty { return nil }
            let boundary = model.boundaries[b]
            let trust = graph.trustName(graph.boundaryTrust[b])
            let colour = trustColour(trust)
            let label = "<B>\(DOTText.html(boundary.name))</B>  <FONT POINT-SIZE=\"9\">\(DOTText.html(trust))</FONT>"
            return DOTCluster(id: "cluster_b\(b)", attributes: [
                ("label", .html(label)), ("style", .text("dashed,rounded")), ("color", .text(colour)),
                ("fontcolor", .text(colour)), ("penwidth", .text("1.4")), ("labeljust", .text("l")),
                ("margin", .text("14")), ("id", .text("boundary-\(b)")),
            ], nodes: clusterNodes[b], clusters: inner)
        }
        g.clusters = graph.boundaryParent.indices.filter { graph.boundaryParent[$0] == nil }.compactMap(cluster)

        // Flows.
        let pathFlows: Set<Int> = options.showAttackPaths
            ? Set(AttackPathFinder(vocabulary: vocabulary).paths(in: graph).flatMap(\.flows)) : []
        // Flows between the same two elements share one edge, so their labels cannot collide.
        let evaluator = Evaluator(graph: graph, vocabulary: vocabulary)
        struct Pair: Hashable { var a: Int; var b: Int }
        var groups: [Pair: [Int]] = [:]
        var order: [Pair] = []
        for (fi, f) in model.flows.enumerated() {
            guard let s = graph.elementIndex[f.source], let t = graph.elementIndex[f.target], shown(s), shown(t) else { continue }
            let pair = Pair(a: min(s, t), b: max(s, t))
            if groups[pair] == nil { order.append(pair) }
            groups[pair, default: []].append(fi)
        }
        for pair in order {
            g.edges.append(flowEdge(groups[pair]!, graph: graph, evaluator: evaluator, open: open, attackFlows: pathFlows))
        }
        return g
    }

    private func elementNode(_ i: Int, _ e: Element, _ analysis: Analysis, _ open: [Finding], emphasised: Bool) -> DOTNode {
        let worst = open.map(\.severity).max()
        let outOfScope = e.attributes[.outOfScope] != nil
        let palette = outOfScope ? Palette(fill: "#f5f5f5", border: "#9e9e9e")
            : options.showThreats ? Self.palette(worst) : Palette(fill: "#f4f6f8", border: "#455a64")
        var rows = "<TR><TD><B>\(DOTText.html(e.name))</B></TD></TR>"
        let detail = [e.attributes.string(.type) ?? e.kind.rawValue, e.attributes.string(.tech), outOfScope ? "out of scope" : nil]
            .compactMap { $0 }.filter { $0 != "unknown" }
        rows += "<TR><TD><FONT POINT-SIZE=\"8\" COLOR=\"#546e7a\">\(DOTText.html(detail.joined(separator: " · ")))</FONT></TD></TR>"
        if options.showThreats {
            var cells = ""
            for s in Severity.allCases.reversed() {
                let n = open.filter { $0.severity == s }.count
                if n > 0 {
                    cells += "<TD BGCOLOR=\"\(Self.badgeColour(s))\"><FONT COLOR=\"white\" POINT-SIZE=\"8\"> \(n) \(s.rawValue) </FONT></TD>"
                }
            }
            if let level = analysis.maturity.components[e.id] {
                cells += "<TD BGCOLOR=\"#37474f\"><FONT COLOR=\"white\" POINT-SIZE=\"8\"> L\(level) </FONT></TD>"
            }
            if !cells.isEmpty {
                rows += "<TR><TD><TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"1\"><TR>\(cells)</TR></TABLE></TD></TR>"
            }
        }
        let label = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">\(rows)</TABLE>"
        var attributes: DOTAttributes = [("label", .html(label))]
        switch e.kind {
        case .actor: attributes += [("shape", .text("box")), ("style", .text(outOfScope ? "filled,dashed" : "filled"))]
        case .datastore: attributes += [("shape", .text("cylinder")), ("style", .text(outOfScope ? "filled,dashed" : "filled"))]
        default: attributes += [("shape", .text("box")), ("style", .text(outOfScope ? "rounded,filled,dashed" : "rounded,filled"))]
        }
        attributes += [("fillcolor", .text(palette.fill)), ("color", .text(palette.border)),
                       ("penwidth", .text(emphasised ? "3" : worst == nil ? "1.2" : "1.8")),
                       ("id", .text("element-\(i)")), ("URL", .text("#" + Anchor.make(options.linkPrefix, e.id))),
                       ("tooltip", .text(tooltip(e, open)))]
        return DOTNode(id: "n\(i)", attributes: attributes)
    }

    private func tooltip(_ e: Element, _ open: [Finding]) -> String {
        var lines = ["\(e.name) (\(e.kind.rawValue) \(e.id))"]
        if open.isEmpty {
            lines.append(options.showThreats ? "no open threats" : "")
        } else {
            lines.append("\(open.count) open threat\(open.count == 1 ? "" : "s"):")
            for f in open.prefix(12) { lines.append("[\(f.severity.rawValue)] \(f.rule.title) (\(f.rule.id))") }
            if open.count > 12 { lines.append("… and \(open.count - 12) more") }
        }
        return lines.joined(separator: "\n")
    }

    private func flowEdge(_ flowIndices: [Int], graph: ArchitectureGraph, evaluator: Evaluator,
                          open: [String: [Finding]], attackFlows: Set<Int>) -> DOTEdge {
        let model = graph.model
        let first = model.flows[flowIndices[0]]
        let tail = graph.elementIndex[first.source]!, head = graph.elementIndex[first.target]!
        var lines: [String] = [], tips: [String] = []
        var anyUnencrypted = false, anyAttack = false, backwards = false, twoWay = false
        for fi in flowIndices {
            let f = model.flows[fi]
            let unencrypted = graph.crossings[fi].crossesBoundary && !evaluator.encrypted(flow: fi)
            let reversed = graph.elementIndex[f.source]! != tail
            anyUnencrypted = anyUnencrypted || unencrypted
            anyAttack = anyAttack || attackFlows.contains(fi)
            backwards = backwards || reversed
            twoWay = twoWay || f.twoWay
            var line = flowIndices.count > 1 ? (f.twoWay ? "↔ " : reversed ? "← " : "→ ") : ""
            line += DOTText.html(f.name)
            if let p = f.attributes.string(.protocol) {
                line += (flowIndices.count > 1 || f.name.isEmpty ? (f.name.isEmpty ? "" : " · ") : "<BR/>")
                    + "<FONT COLOR=\"#607d8b\">\(DOTText.html(p))</FONT>"
            }
            if unencrypted {
                line += "<BR/><FONT COLOR=\"\(Self.unencryptedColour)\"><B>unencrypted crossing</B></FONT>"
            }
            lines.append(line)
            var tip = "\(f.name.isEmpty ? f.id : f.name) (\(f.id))"
            if let p = f.attributes.string(.protocol) { tip += ": \(p)\(unencrypted ? ", unencrypted across a boundary" : "")" }
            for finding in (open[f.id] ?? []).prefix(6) { tip += "\n  [\(finding.severity.rawValue)] \(finding.rule.title)" }
            tips.append(tip)
        }
        let label = lines.joined(separator: "<BR/>")
        var attributes: DOTAttributes = [("label", .html(label.isEmpty ? " " : label)), ("id", .text("flow-\(flowIndices[0])"))]
        if twoWay || backwards { attributes.append(("dir", .text("both"))) }
        if anyAttack {
            attributes += [("color", .text(Self.attackPathColour)), ("penwidth", .text("3.2")),
                           ("fontcolor", .text(Self.attackPathColour))]
        } else if anyUnencrypted {
            attributes += [("color", .text(Self.unencryptedColour)), ("penwidth", .text("2.2"))]
        }
        attributes.append(("tooltip", .text(tips.joined(separator: "\n"))))
        return DOTEdge(from: "n\(tail)", to: "n\(head)", attributes: attributes)
    }

    // MARK: - Overview

    /// Aggregated edges get text labels only up to this many; beyond it, width and colour carry the
    /// volume and tooltips the counts (edge labels dominate Graphviz's layout time on dense overviews).
    static let overviewLabelLimit = 60
    /// Overviews with more top-level zones than this use the force-directed `sfdp` layout.
    static let forceLayoutThreshold = 12

    /// One node per top-level trust zone (nested zones summarised inside it), flows aggregated between
    /// zones with counts; open threats per zone as badges. Legible and fast at any model size.
    private func overview(_ analysis: Analysis) -> DOTGraph {
        let graph = analysis.graph
        let model = graph.model
        var g = baseGraph(analysis, subtitle: "overview of \(model.elements.count) elements in \(model.boundaries.count) boundaries; "
                          + "draw one with --boundary ID")
        g.attributes += [("nslimit", .text("2")), ("mclimit", .text("0.5"))]
        if graph.boundaryParent.filter({ $0 == nil }).count > Self.forceLayoutThreshold {
            // Many zones: a force-directed layout with straight edges lays out hundreds of zones in
            // well under a second, where dot's ranking takes tens of seconds.
            g.layout = "sfdp"
            g.attributes.removeAll { $0.0 == "splines" }
            g.attributes += [("overlap", .text("prism")), ("splines", .text("false")), ("sep", .text("+8"))]
        }
        let open = options.showThreats ? openFindings(analysis) : [:]
        // Group key: top-level boundary index, or -1 for elements outside every boundary.
        var topOf = [Int](repeating: -1, count: model.boundaries.count)
        for b in model.boundaries.indices {
            var x = b
            while let p = graph.boundaryParent[x] { x = p }
            topOf[b] = x
        }
        func group(_ i: Int) -> Int { graph.elementBoundary[i].map { topOf[$0] } ?? -1 }
        var members: [Int: [Int]] = [:]
        for i in model.elements.indices { members[group(i), default: []].append(i) }
        var nested: [Int: [Int]] = [:]
        for b in model.boundaries.indices where topOf[b] != b { nested[topOf[b], default: []].append(b) }

        let keys = graph.boundaryParent.indices.filter { graph.boundaryParent[$0] == nil && members[$0] != nil } + (members[-1] != nil ? [-1] : [])
        for key in keys {
            let list = members[key]!
            var kinds: [ElementKind: Int] = [:]
            var counts: [Severity: Int] = [:]
            var worst: Severity?
            for i in list {
                kinds[model.elements[i].kind, default: 0] += 1
                for f in open[model.elements[i].id] ?? [] {
                    counts[f.severity, default: 0] += 1
                    worst = max(worst ?? f.severity, f.severity)
                }
            }
            let title = key >= 0 ? model.boundaries[key].name : "Outside all boundaries"
            let trust = key >= 0 ? graph.trustName(graph.boundaryTrust[key]) : "mixed"
            let summary = [ElementKind.actor, .process, .datastore].compactMap { k in
                kinds[k].map { "\($0) \(k.rawValue)\($0 == 1 ? "" : k == .process ? "es" : "s")" }
            }.joined(separator: " · ")
            var rows = "<TR><TD><B>\(DOTText.html(title))</B></TD></TR>"
            rows += "<TR><TD><FONT POINT-SIZE=\"8\" COLOR=\"\(trustColour(trust))\">\(DOTText.html(trust))</FONT>"
            rows += "<FONT POINT-SIZE=\"8\" COLOR=\"#546e7a\"> · \(summary)</FONT></TD></TR>"
            if let inner = nested[key], !inner.isEmpty {
                let names = inner.prefix(3).map { DOTText.html(model.boundaries[$0].name) }.joined(separator: ", ")
                rows += "<TR><TD><FONT POINT-SIZE=\"8\" COLOR=\"#546e7a\">nested: \(names)\(inner.count > 3 ? " +\(inner.count - 3)" : "")</FONT></TD></TR>"
            }
            var cells = ""
            for s in Severity.allCases.reversed() where (counts[s] ?? 0) > 0 {
                cells += "<TD BGCOLOR=\"\(Self.badgeColour(s))\"><FONT COLOR=\"white\" POINT-SIZE=\"8\"> \(counts[s]!) \(s.rawValue) </FONT></TD>"
            }
            if !cells.isEmpty { rows += "<TR><TD><TABLE BORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"1\"><TR>\(cells)</TR></TABLE></TD></TR>" }
            let palette = options.showThreats ? Self.palette(worst) : Palette(fill: "#f4f6f8", border: "#455a64")
            var attributes: DOTAttributes = [
                ("label", .html("<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\">\(rows)</TABLE>")),
                ("shape", .text("box3d")), ("style", .text("filled")), ("fillcolor", .text(palette.fill)),
                ("color", .text(key >= 0 ? trustColour(trust) : palette.border)), ("penwidth", .text("1.6")),
                ("tooltip", .text("\(title): \(list.count) elements")),
            ]
            if key >= 0 { attributes.append(("id", .text("boundary-\(key)"))) }
            g.nodes.append(DOTNode(id: key >= 0 ? "g\(key)" : "gout", attributes: attributes))
        }

        // Aggregate flows between zones, both directions on one edge.
        struct Pair: Hashable { var a: Int; var b: Int }
        var flows: [Pair: (forward: Int, backward: Int, unencrypted: Int)] = [:]
        let evaluator = Evaluator(graph: graph, vocabulary: vocabulary)
        for (fi, f) in model.flows.enumerated() {
            guard let s = graph.elementIndex[f.source], let t = graph.elementIndex[f.target] else { continue }
            let (x, y) = (group(s), group(t))
            guard x != y else { continue }
            let pair = Pair(a: min(x, y), b: max(x, y))
            var entry = flows[pair] ?? (0, 0, 0)
            if x == pair.a || f.twoWay { entry.forward += 1 }
            if x != pair.a || f.twoWay { entry.backward += 1 }
            if !evaluator.encrypted(flow: fi) { entry.unencrypted += 1 }
            flows[pair] = entry
        }
        let labelled = flows.count <= Self.overviewLabelLimit
        for (pair, entry) in flows.sorted(by: { ($0.key.a, $0.key.b) < ($1.key.a, $1.key.b) }) {
            let total = max(entry.forward, entry.backward, entry.forward + entry.backward
                - (entry.forward > 0 && entry.backward > 0 ? min(entry.forward, entry.backward) : 0))
            var text = "\(entry.forward) → · \(entry.backward) ←"
            if entry.forward == 0 || entry.backward == 0 { text = "\(entry.forward + entry.backward) flow\(entry.forward + entry.backward == 1 ? "" : "s")" }
            var attributes: DOTAttributes = []
            if labelled {
                var label = DOTText.html(text)
                if entry.unencrypted > 0 { label += "<BR/><FONT COLOR=\"\(Self.unencryptedColour)\">\(entry.unencrypted) unencrypted</FONT>" }
                attributes.append(("label", .html(label)))
            }
            let name = { (k: Int) in k >= 0 ? model.boundaries[k].name : "outside" }
            attributes.append(("tooltip", .text("\(name(pair.a)) → \(name(pair.b)): \(entry.forward); \(name(pair.b)) → \(name(pair.a)): \(entry.backward); \(entry.unencrypted) unencrypted")))
            attributes.append(("penwidth", .text(format1(1 + min(4, Double(total).squareRoot() / 2)))))
            if entry.backward > 0 { attributes.append(("dir", .text(entry.forward > 0 ? "both" : "back"))) }
            if entry.unencrypted > 0 { attributes.append(("color", .text(Self.unencryptedColour))) }
            g.edges.append(DOTEdge(from: pair.a >= 0 ? "g\(pair.a)" : "gout", to: pair.b >= 0 ? "g\(pair.b)" : "gout",
                                   attributes: attributes))
        }
        return g
    }

    private func format1(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    // MARK: - Title and legend

    private func titleBlock(_ analysis: Analysis, subtitle: String?) -> String {
        let m = analysis.maturity
        let model = analysis.model
        var info = "declared maturity level \(m.declared) · evidenced level \(m.evidenced)"
        if let date = options.date { info += " · \(DOTText.html(date))" }
        if let subtitle { info += " · \(DOTText.html(subtitle))" }
        var out = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"2\">"
        out += "<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"16\"><B>\(DOTText.html(model.header.name))</B></FONT></TD></TR>"
        out += "<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"#37474f\">\(info)</FONT></TD></TR>"
        out += "<TR><TD ALIGN=\"LEFT\">\(legend())</TD></TR></TABLE>"
        return out
    }

    private func legend() -> String {
        var cells = "<TD><FONT POINT-SIZE=\"8\" COLOR=\"#37474f\">actor: box · process: rounded box · datastore: cylinder · boundary: dashed</FONT></TD>"
        if options.showThreats {
            for s in Severity.allCases.reversed() {
                let p = Self.palette(s)
                cells += "<TD BGCOLOR=\"\(p.fill)\" COLOR=\"\(p.border)\" BORDER=\"1\"><FONT POINT-SIZE=\"8\"> worst open: \(s.rawValue) </FONT></TD>"
            }
            let none = Self.palette(nil)
            cells += "<TD BGCOLOR=\"\(none.fill)\" COLOR=\"\(none.border)\" BORDER=\"1\"><FONT POINT-SIZE=\"8\"> no open threats </FONT></TD>"
        }
        cells += "<TD><FONT POINT-SIZE=\"8\" COLOR=\"\(Self.unencryptedColour)\"><B>━ unencrypted boundary crossing</B></FONT></TD>"
        if options.showAttackPaths {
            cells += "<TD><FONT POINT-SIZE=\"8\" COLOR=\"\(Self.attackPathColour)\"><B>━ attack path</B></FONT></TD>"
        }
        return "<TABLE BORDER=\"0\" CELLSPACING=\"3\" CELLPADDING=\"2\"><TR>\(cells)</TR></TABLE>"
    }
}

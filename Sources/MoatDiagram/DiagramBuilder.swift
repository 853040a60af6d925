// Over 500 lines: every view (full, focus, boundary, part, overview) and label mode shares one node, flow and legend code.
import MoatCore

/// Turns an analysis into a data-flow diagram as DOT: DFD shapes, nested dashed boundaries, labelled
/// flows, threat badges and colours, highlighted unencrypted crossings, tooltips, attack paths.
///
/// A flow's label is a node of its own on the flow (`tail → label → head`), placed in the innermost
/// boundary that holds both ends. Graphviz never overlaps two nodes and routes edges around nodes,
/// so labels cannot overlap each other, element boxes or boundary titles: no overlap by construction.
/// `DiagramRenderer` decides the automatic options (direction, label detail, aspect ratio) from the
/// laid-out geometry; the builder itself draws exactly what its options say (`auto` reads as LR, full).
public struct DiagramBuilder: Sendable {
    /// The vocabulary used to read element types, protocols and classifications for shapes and labels.
    public let vocabulary: Vocabulary
    /// What to draw (view, threats, attack paths) and how (direction, labels, spacing, engine).
    public var options: DiagramOptions

    /// A builder drawing with `options` (the defaults draw every element with threats, left to right).
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
        case .medium: return "#8a6800"
        case .low: return "#1565c0"
        }
    }

    /// The colour of a trust level (from the vocabulary), grey for zones of mixed trust.
    func trustColour(_ trust: String) -> String { vocabulary.colour(of: trust, .trust) ?? "#546e7a" }

    static let unencryptedColour = "#c62828"
    /// The colour of the first attack path (the one `--paths` draws when it draws one).
    static let attackPathColour = attackPathColours[0]
    /// One colour per drawn attack path, numbered in the legend; none of them is a severity colour.
    static let attackPathColours = ["#6a1b9a", "#00796b", "#283593", "#ad1457", "#4e342e", "#558b2f"]
    static let maturityBadgeColour = "#37474f"
    static let outOfScope = Palette(fill: "#f5f5f5", border: "#9e9e9e")

    // MARK: - Building

    /// The view the options ask for, with `.automatic` resolved by the model's size.
    public func resolvedView(_ analysis: Analysis) -> DiagramOptions.View {
        if options.view == .automatic {
            return analysis.model.elements.count > DiagramOptions.overviewThreshold ? .overview : .full
        }
        return options.view
    }

    /// The DOT graph of the analysis in the chosen view.
    public func build(_ analysis: Analysis) throws -> DOTGraph {
        let graph = analysis.graph
        let view = resolvedView(analysis)
        let hidden = hiddenElements(analysis)
        switch view {
        case .overview:
            var g = overview(analysis)
            if let layout = options.layout, layout != .sfdp || g.layout == "sfdp" { g.layout = layout.rawValue }
            return g
        case .focus(let id):
            guard let i = graph.elementIndex[id] else {
                throw DiagramError(description: "unknown element '\(id)'" + hint(id, graph.model.elements.map(\.id)))
            }
            var keep: Set<Int> = [i]
            for fi in graph.inbound[i] + graph.outbound[i] { keep.insert(graph.otherEnd(ofFlow: fi, from: i)) }
            return try detailed(analysis, visible: keep.subtracting(hidden).union([i]), highlight: i,
                                subtitle: "focus on \(graph.model.elements[i].name)")
        case .boundary(let id):
            guard let b = graph.boundaryIndex[id] else {
                throw DiagramError(description: "unknown boundary '\(id)'" + hint(id, graph.model.boundaries.map(\.id)))
            }
            let inside = Set(graph.allElements(inBoundary: b)).subtracting(hidden)
            return try detailed(analysis, visible: withNeighbours(inside, graph).subtracting(hidden), highlight: nil,
                                subtitle: "boundary \(graph.model.boundaries[b].name)", full: inside)
        case .part(let ids, let title):
            var inside: Set<Int> = []
            for id in ids {
                guard let i = graph.elementIndex[id] else {
                    throw DiagramError(description: "unknown element '\(id)'" + hint(id, graph.model.elements.map(\.id)))
                }
                inside.insert(i)
            }
            inside.subtract(hidden)
            return try detailed(analysis, visible: withNeighbours(inside, graph).subtracting(hidden), highlight: nil,
                                subtitle: title, full: inside)
        default:
            return try detailed(analysis, visible: hidden.isEmpty ? nil : Set(graph.model.elements.indices).subtracting(hidden),
                                highlight: nil, subtitle: nil)
        }
    }

    /// `elements` and every element they exchange a flow with.
    private func withNeighbours(_ elements: Set<Int>, _ graph: ArchitectureGraph) -> Set<Int> {
        var keep = elements
        for i in elements { for fi in graph.inbound[i] + graph.outbound[i] { keep.insert(graph.otherEnd(ofFlow: fi, from: i)) } }
        return keep
    }

    /// Elements left out by `hideOutOfScope`.
    func hiddenElements(_ analysis: Analysis) -> Set<Int> {
        guard options.hideOutOfScope else { return [] }
        return Set(analysis.model.elements.indices.filter { analysis.model.elements[$0].attributes[.outOfScope] != nil })
    }

    private func hint(_ id: String, _ candidates: [String]) -> String {
        Suggestion.closest(to: id, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    var rankdir: String { options.direction == .tb ? "TB" : "LR" }
    var labelMode: DiagramOptions.EdgeLabels { options.edgeLabels == .auto ? .full : options.edgeLabels }

    private func baseGraph(_ analysis: Analysis, subtitle: String?, legendRows: [String]) -> DOTGraph {
        var g = DOTGraph()
        let nodesep = options.nodeSpacing.map(format2) ?? "0.3"
        let ranksep = options.rankSpacing.map(format2) ?? "0.45"
        g.attributes = [
            ("rankdir", .text(rankdir)), ("newrank", .text("true")), ("compound", .text("true")),
            ("fontname", .text("Helvetica")), ("fontsize", .text(format1(DiagramFonts.legend))), ("nodesep", .text(nodesep)),
            ("ranksep", .text(ranksep)), ("pad", .text("0.3")), ("splines", .text("spline")),
            ("bgcolor", .text("white")), ("labelloc", .text("t")), ("labeljust", .text("l")),
            ("label", .html(titleBlock(analysis, subtitle: subtitle, extraRows: legendRows))),
        ]
        g.nodeDefaults = [("fontname", .text("Helvetica")), ("fontsize", .text(format1(DiagramFonts.name))),
                          ("margin", .text("0.14,0.07"))]
        g.edgeDefaults = [("fontname", .text("Helvetica")), ("fontsize", .text(format1(DiagramFonts.edge))),
                          ("color", .text("#455a64")), ("fontcolor", .text("#37474f")), ("arrowsize", .text("0.8"))]
        if let layout = options.layout { g.layout = layout.rawValue }
        // fdp aborts on curved edges routed around clusters (multispline.c assertion in Graphviz 2.43);
        // straight lines keep every cluster.
        if options.layout == .fdp { g.setAttribute("splines", .text("line")) }
        return g
    }

    /// Findings per component id, open ones worst first.
    private func openFindings(_ analysis: Analysis) -> [String: [Finding]] {
        var result: [String: [Finding]] = [:]
        for f in analysis.findings where f.isOpen { result[f.elementID, default: []].append(f) }
        return result
    }

    /// One drawn flow group: the flows between the same two elements share one edge and one label.
    struct FlowGroup {
        var flows: [Int]
        var number: Int
    }

    /// The picture of the `visible` elements (nil: all). With `full`, only those are drawn in full: the other
    /// visible elements are context (name only, no badges, `class="context"`), and only flows with an end in
    /// `full` are drawn.
    private func detailed(_ analysis: Analysis, visible: Set<Int>?, highlight: Int?, subtitle: String?,
                          full: Set<Int>? = nil) throws -> DOTGraph {
        let graph = analysis.graph
        let model = graph.model
        let open = options.showThreats ? openFindings(analysis) : [:]
        let shown = { (i: Int) in visible?.contains(i) ?? true }
        let isContext = { (i: Int) in full.map { !$0.contains(i) } ?? false }

        // Attack paths: the top ones, each with its number and colour; a flow on several keeps the first.
        var pathOfFlow: [Int: [Int]] = [:]
        var drawnPaths: [RankedAttackPath] = []
        if options.showAttackPaths {
            let ranked = AttackPathFinder(vocabulary: vocabulary).ranked(analysis)
                .filter { $0.path.elements.allSatisfy(shown) }
            drawnPaths = Array(ranked.prefix(max(0, options.attackPathCount)))
            for (n, p) in drawnPaths.enumerated() { for fi in p.path.flows { pathOfFlow[fi, default: []].append(n) } }
        }

        // Flows between the same two elements share one edge, so their labels cannot collide.
        struct Pair: Hashable { var a: Int; var b: Int }
        var groups: [Pair: [Int]] = [:]
        var order: [Pair] = []
        for (fi, f) in model.flows.enumerated() {
            guard let s = graph.elementIndex[f.source], let t = graph.elementIndex[f.target], shown(s), shown(t),
                  !(isContext(s) && isContext(t)) else { continue }
            let pair = Pair(a: min(s, t), b: max(s, t))
            if groups[pair] == nil { order.append(pair) }
            groups[pair, default: []].append(fi)
        }
        let flowGroups = order.enumerated().map { FlowGroup(flows: groups[$0.element]!, number: $0.offset + 1) }
        let evaluator = Evaluator(graph: graph, vocabulary: vocabulary)
        let mode = labelMode
        // Edges leave a node on the side facing the next rank and enter on the side facing the previous
        // one, so a curve never runs sideways through the band of a rank, across the elements in it.
        let ports: DOTAttributes = options.layout == .fdp ? []
            : rankdir == "TB" ? [("tailport", .text("s")), ("headport", .text("n"))] : [("tailport", .text("e")), ("headport", .text("w"))]

        var legendRows: [String] = []
        if flowGroups.contains(where: { g in g.flows.allSatisfy { model.flows[$0].initiatedByTarget } }) {
            legendRows.append("<FONT POINT-SIZE=\"\(format1(DiagramFonts.legend))\" COLOR=\"#37474f\">→○ small circle at the arrow head: "
                              + "that end opens the connection (pull, subscribe); data still flows along the arrow</FONT>")
        }
        if model.elements.indices.contains(where: { shown($0) && isContext($0) }) {
            legendRows.append("<FONT POINT-SIZE=\"\(format1(DiagramFonts.legend))\" COLOR=\"#37474f\">boxes with a name only: "
                              + "neighbours this picture's elements exchange flows with, drawn in full in their own picture</FONT>")
        }
        if !drawnPaths.isEmpty { legendRows.append(pathLegend(drawnPaths, graph: graph)) }
        if mode == .numbered && !flowGroups.isEmpty { legendRows.append(flowLegend(flowGroups, graph: graph, evaluator: evaluator)) }
        var g = baseGraph(analysis, subtitle: subtitle, legendRows: legendRows)

        // Nodes, placed into their boundary clusters.
        var clusterNodes = [[DOTNode]](repeating: [], count: model.boundaries.count)
        var rootNodes: [DOTNode] = []
        for (i, e) in model.elements.enumerated() where shown(i) {
            let node = elementNode(i, e, analysis, open[e.id] ?? [], emphasised: highlight == i, context: isContext(i))
            if let b = graph.elementBoundary[i] { clusterNodes[b].append(node) } else { rootNodes.append(node) }
        }

        // Flows: a label node in the innermost boundary holding both ends, and the two halves.
        func ancestors(_ b: Int?) -> [Int] {
            var out: [Int] = [], x = b
            while let y = x { out.append(y); x = graph.boundaryParent[y] }
            return out
        }
        for group in flowGroups {
            let first = model.flows[group.flows[0]]
            let tail = graph.elementIndex[first.source]!, head = graph.elementIndex[first.target]!
            let style = flowStyle(group, graph: graph, evaluator: evaluator, open: open, paths: pathOfFlow)
            if mode == .none {
                var attributes: DOTAttributes = [("id", .text("flow-\(group.number)"))]
                if style.twoWay { attributes.append(("dir", .text("both"))) }
                attributes += style.line + ports
                attributes.append(("tooltip", .text(style.tooltip)))
                g.edges.append(DOTEdge(from: "n\(tail)", to: "n\(head)", attributes: attributes))
                continue
            }
            let labelID = "f\(group.number)"
            var label: DOTAttributes
            if mode == .numbered {
                label = [("label", .html("<B>\(group.number)</B>")), ("shape", .text("circle")), ("style", .text("filled")),
                         ("fillcolor", .text("white")), ("color", .text(style.colour)), ("fontcolor", .text(style.colour)),
                         ("fontsize", .text(format1(DiagramFonts.edge))), ("width", .text("0.34")), ("fixedsize", .text("true")),
                         ("penwidth", .text("1.2"))]
            } else {
                label = [("label", .html(style.label(mode))), ("shape", .text("plaintext")), ("margin", .text("0.04,0.02")),
                         ("fontsize", .text(format1(DiagramFonts.edge))), ("fontcolor", .text(style.pathColour ?? "#37474f"))]
            }
            label += [("id", .text("flow-\(group.number)")), ("class", .text("flow-label")), ("tooltip", .text(style.tooltip))]
            let holder = ancestors(graph.elementBoundary[tail]).first { ancestors(graph.elementBoundary[head]).contains($0) }
            let node = DOTNode(id: labelID, attributes: label)
            if let holder { clusterNodes[holder].append(node) } else { rootNodes.append(node) }
            var into: DOTAttributes = [("dir", .text(style.twoWay ? "back" : "none")), ("id", .text("flow-\(group.number)-from"))]
            var out: DOTAttributes = [("id", .text("flow-\(group.number)-to"))]
            into += style.line + ports + [("tooltip", .text(style.tooltip))]
            out += style.line + ports + [("tooltip", .text(style.tooltip))]
            g.edges.append(DOTEdge(from: "n\(tail)", to: labelID, attributes: into))
            g.edges.append(DOTEdge(from: labelID, to: "n\(head)", attributes: out))
        }

        func cluster(_ b: Int) -> DOTCluster? {
            let inner = graph.boundaryChildren[b].compactMap(cluster)
            if clusterNodes[b].isEmpty && inner.isEmpty { return nil }
            let boundary = model.boundaries[b]
            let trust = graph.trustName(graph.boundaryTrust[b])
            let colour = trustColour(trust)
            let label = "<B>\(DOTText.html(boundary.name))</B>  <FONT POINT-SIZE=\"\(format1(DiagramFonts.clusterTrust))\">\(DOTText.html(trust))</FONT>"
            return DOTCluster(id: "cluster_b\(b)", attributes: [
                ("label", .html(label)), ("style", .text("dashed,rounded")), ("color", .text(colour)),
                ("fontcolor", .text(colour)), ("fontsize", .text(format1(DiagramFonts.cluster))), ("penwidth", .text("1.6")),
                ("labeljust", .text("l")), ("margin", .text("12")), ("id", .text("boundary-\(b)")),
            ], nodes: clusterNodes[b], clusters: inner)
        }
        g.clusters = graph.boundaryParent.indices.filter { graph.boundaryParent[$0] == nil }.compactMap(cluster)
        g.nodes = rootNodes

        // Layout hints: elements on one rank.
        for group in options.rankSame {
            var ids: [String] = []
            for id in group {
                guard let i = graph.elementIndex[id] else {
                    throw DiagramError(description: "--rank-same: unknown element '\(id)'" + hint(id, model.elements.map(\.id)))
                }
                if shown(i) { ids.append("n\(i)") }
            }
            if ids.count > 1 { g.sameRank.append(ids) }
        }
        return g
    }

    /// An element's node: name, type and technology, badges; a context element (drawn in full in another
    /// picture) shows its name only.
    private func elementNode(_ i: Int, _ e: Element, _ analysis: Analysis, _ open: [Finding], emphasised: Bool,
                             context: Bool = false) -> DOTNode {
        let worst = open.map(\.severity).max()
        let outOfScope = e.attributes[.outOfScope] != nil
        let palette = outOfScope ? Self.outOfScope
            : options.showThreats ? Self.palette(worst) : Palette(fill: "#f4f6f8", border: "#455a64")
        var rows = "<TR><TD><B>\(DOTText.html(e.name))</B></TD></TR>"
        let detail = [e.attributes.string(.type) ?? e.kind.rawValue, e.attributes.string(.tech), outOfScope ? "out of scope" : nil]
            .compactMap { $0 }.filter { $0 != "unknown" }
        if !context {
            rows += "<TR><TD><FONT POINT-SIZE=\"\(format1(DiagramFonts.detail))\" COLOR=\"#455a64\">\(DOTText.html(detail.joined(separator: " · ")))</FONT></TD></TR>"
        }
        if options.showThreats && !context {
            let cells = badges(open.map(\.severity), level: analysis.maturity.components[e.id])
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
                       ("penwidth", .text(emphasised ? "3" : worst == nil || context ? "1.2" : "1.8")),
                       ("id", .text("element-\(i)")), ("URL", .text("#" + Anchor.make(options.linkPrefix, e.id))),
                       ("tooltip", .text(tooltip(e, open)))]
        if context { attributes.append(("class", .text("context"))) }
        return DOTNode(id: "n\(i)", attributes: attributes)
    }

    /// Badge cells: open threats per severity, worst first, then the evidenced maturity level.
    private func badges(_ severities: [Severity], level: Int?) -> String {
        var cells = ""
        for s in Severity.allCases.reversed() {
            let n = severities.filter { $0 == s }.count
            if n > 0 {
                cells += "<TD BGCOLOR=\"\(Self.badgeColour(s))\"><FONT COLOR=\"white\" POINT-SIZE=\"\(format1(DiagramFonts.badge))\"> \(n) \(s.rawValue) </FONT></TD>"
            }
        }
        if let level {
            cells += "<TD BGCOLOR=\"\(Self.maturityBadgeColour)\"><FONT COLOR=\"white\" POINT-SIZE=\"\(format1(DiagramFonts.badge))\"> L\(level) </FONT></TD>"
        }
        return cells
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

    /// How one flow group is drawn: line attributes, colour, tooltip and label text in each mode.
    struct FlowStyle {
        var line: DOTAttributes
        var colour: String
        var pathColour: String?
        var twoWay: Bool
        /// The receiving end opens the connection (`initiator target`, `pull`, `subscribe`): a small circle
        /// at the arrow head marks the side that connects.
        var openedByTarget: Bool
        var tooltip: String
        /// Per flow: (arrow, name, protocol, unencrypted).
        var parts: [(String, String, String?, Bool)]
        var pathNumbers: [Int]

        func label(_ mode: DiagramOptions.EdgeLabels) -> String {
            var lines: [String] = []
            let prefix = pathNumbers.isEmpty ? "" : "<B>" + pathNumbers.map { "P\($0 + 1)" }.joined(separator: " ") + "</B> "
            for (i, (arrow, name, proto, unencrypted)) in parts.enumerated() {
                var line = (i == 0 ? prefix : "") + arrow
                if mode == .short {
                    let short = name.count > 26 ? String(name.prefix(25)) + "…" : name
                    line += DOTText.html(short.isEmpty ? (proto ?? "") : short)
                    if unencrypted { line += " <FONT COLOR=\"\(DiagramBuilder.unencryptedColour)\"><B>!</B></FONT>" }
                } else {
                    line += DOTText.html(name)
                    if let proto {
                        line += (parts.count > 1 || name.isEmpty ? (name.isEmpty ? "" : " · ") : "<BR/>")
                            + "<FONT COLOR=\"#546e7a\">\(DOTText.html(proto))</FONT>"
                    }
                    if unencrypted {
                        line += "<BR/><FONT COLOR=\"\(DiagramBuilder.unencryptedColour)\"><B>unencrypted crossing</B></FONT>"
                    }
                }
                lines.append(line)
            }
            let text = lines.joined(separator: "<BR/>")
            return text.isEmpty ? " " : text
        }
    }

    private func flowStyle(_ group: FlowGroup, graph: ArchitectureGraph, evaluator: Evaluator, open: [String: [Finding]],
                           paths: [Int: [Int]]) -> FlowStyle {
        let model = graph.model
        let first = model.flows[group.flows[0]]
        let tail = graph.elementIndex[first.source]!
        var parts: [(String, String, String?, Bool)] = [], tips: [String] = []
        var anyUnencrypted = false, twoWay = false, openedByTarget = true
        var pathNumbers: Set<Int> = []
        for fi in group.flows {
            let f = model.flows[fi]
            let unencrypted = graph.crossings[fi].crossesBoundary && !evaluator.encrypted(flow: fi)
            let reversed = graph.elementIndex[f.source]! != tail
            anyUnencrypted = anyUnencrypted || unencrypted
            twoWay = twoWay || reversed || f.twoWay
            openedByTarget = openedByTarget && f.initiatedByTarget && !reversed
            pathNumbers.formUnion(paths[fi] ?? [])
            let arrow = group.flows.count > 1 ? (f.twoWay ? "↔ " : reversed ? "← " : "→ ") : ""
            parts.append((arrow, f.name, f.attributes.string(.protocol), unencrypted))
            var tip = "\(f.name.isEmpty ? f.id : f.name) (\(f.id))"
            if let p = f.attributes.string(.protocol) { tip += ": \(p)\(unencrypted ? ", unencrypted across a boundary" : "")" }
            if f.initiatedByTarget { tip += " (\(f.target) opens the connection)" }
            for finding in (open[f.id] ?? []).prefix(6) { tip += "\n  [\(finding.severity.rawValue)] \(finding.rule.title)" }
            tips.append(tip)
        }
        var line: DOTAttributes = []
        var colour = "#455a64"
        let numbers = pathNumbers.sorted()
        var pathColour: String?
        if let p = numbers.first {
            pathColour = Self.attackPathColours[p % Self.attackPathColours.count]
            colour = pathColour!
            line += [("color", .text(colour)), ("penwidth", .text("3.2"))]
        } else if anyUnencrypted {
            colour = Self.unencryptedColour
            line += [("color", .text(colour)), ("penwidth", .text("2.2"))]
        }
        if openedByTarget && !twoWay { line.append(("arrowhead", .text("normalodot"))) }
        return FlowStyle(line: line, colour: colour, pathColour: pathColour, twoWay: twoWay,
                         openedByTarget: openedByTarget && !twoWay, tooltip: tips.joined(separator: "\n"),
                         parts: parts, pathNumbers: numbers)
    }

    // MARK: - Overview

    /// Aggregated edges get text labels only up to this many; beyond it, width and colour carry the
    /// volume and tooltips the counts (edge labels dominate Graphviz's layout time on dense overviews).
    static let overviewLabelLimit = 60
    /// Overviews with more top-level zones than this use the force-directed `sfdp` layout.
    static let forceLayoutThreshold = 12

    /// One node per top-level trust zone (nested zones summarised inside it), flows aggregated between
    /// zones with counts; open threats per zone as badges. Legible and fast at any model size.
    func overview(_ analysis: Analysis) -> DOTGraph {
        let graph = analysis.graph
        let model = graph.model
        var g = baseGraph(analysis, subtitle: "overview of \(model.elements.count) elements in \(model.boundaries.count) boundaries; "
                          + "draw one with --boundary ID", legendRows: [])
        g.attributes += [("nslimit", .text("2")), ("mclimit", .text("0.5"))]
        if graph.boundaryParent.filter({ $0 == nil }).count > Self.forceLayoutThreshold {
            // Many zones: a force-directed layout with straight edges lays out hundreds of zones in
            // well under a second, where dot's ranking takes tens of seconds. Zones are nodes here, so
            // no boundary is lost.
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
            var severities: [Severity] = []
            for i in list {
                kinds[model.elements[i].kind, default: 0] += 1
                severities += (open[model.elements[i].id] ?? []).map(\.severity)
            }
            let worst = severities.max()
            let title = key >= 0 ? model.boundaries[key].name : "Outside all boundaries"
            let trust = key >= 0 ? graph.trustName(graph.boundaryTrust[key]) : "mixed"
            let summary = [ElementKind.actor, .process, .datastore].compactMap { k in
                kinds[k].map { "\($0) \(k.rawValue)\($0 == 1 ? "" : k == .process ? "es" : "s")" }
            }.joined(separator: " · ")
            let small = format1(DiagramFonts.detail)
            var rows = "<TR><TD><B>\(DOTText.html(title))</B></TD></TR>"
            rows += "<TR><TD><FONT POINT-SIZE=\"\(small)\" COLOR=\"\(trustColour(trust))\">\(DOTText.html(trust))</FONT>"
            rows += "<FONT POINT-SIZE=\"\(small)\" COLOR=\"#455a64\"> · \(summary)</FONT></TD></TR>"
            if let inner = nested[key], !inner.isEmpty {
                let names = inner.prefix(3).map { DOTText.html(model.boundaries[$0].name) }.joined(separator: ", ")
                rows += "<TR><TD><FONT POINT-SIZE=\"\(small)\" COLOR=\"#455a64\">nested: \(names)\(inner.count > 3 ? " +\(inner.count - 3)" : "")</FONT></TD></TR>"
            }
            let cells = badges(severities, level: nil)
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

    private func format2(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    // MARK: - Title and legend

    private func titleBlock(_ analysis: Analysis, subtitle: String?, extraRows: [String]) -> String {
        let m = analysis.maturity
        let model = analysis.model
        var info = "declared maturity level \(m.declared) · evidenced level \(m.evidenced)"
        if let date = options.date { info += " · \(DOTText.html(date))" }
        if let subtitle { info += " · \(DOTText.html(subtitle))" }
        var out = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"2\">"
        out += "<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"\(format1(DiagramFonts.title))\"><B>\(DOTText.html(model.header.name))</B></FONT></TD></TR>"
        out += "<TR><TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"\(format1(DiagramFonts.info))\" COLOR=\"#37474f\">\(info)</FONT></TD></TR>"
        for row in legend() + extraRows { out += "<TR><TD ALIGN=\"LEFT\">\(row)</TD></TR>" }
        return out + "</TABLE>"
    }

    private func legendCell(_ text: String, colour: String = "#37474f", bold: Bool = false) -> String {
        "<TD ALIGN=\"LEFT\"><FONT POINT-SIZE=\"\(format1(DiagramFonts.legend))\" COLOR=\"\(colour)\">\(bold ? "<B>" : "")\(text)\(bold ? "</B>" : "")</FONT></TD>"
    }

    /// The legend, one table per row: every shape, colour, line and badge used in the picture.
    private func legend() -> [String] {
        // Rows of text only: a row with coloured cells would be stretched to the widest row's width.
        func row(_ cells: String) -> String { "<TABLE BORDER=\"0\" CELLSPACING=\"3\" CELLPADDING=\"2\"><TR>\(cells)</TR></TABLE>" }
        func swatch(_ colour: String, _ text: String) -> String {
            "<FONT COLOR=\"\(colour)\">■</FONT> \(text)"
        }
        var rows = [row(legendCell("actor: box · process: rounded box · datastore: cylinder · trust boundary: dashed frame, coloured by trust · "
                                   + swatch(Self.outOfScope.border, "grey, dashed: out of scope")))]
        if options.showThreats {
            var text = "fill: worst open threat "
            text += Severity.allCases.reversed().map { swatch(Self.palette($0).border, $0.rawValue) }.joined(separator: " ")
            text += " " + swatch(Self.palette(nil).border, "none") + "  ·  badges: "
            text += "<FONT COLOR=\"\(Self.badgeColour(.high))\"><B>2 high</B></FONT> open threats of that severity, "
            text += "<FONT COLOR=\"\(Self.maturityBadgeColour)\"><B>L2</B></FONT> maturity level the component evidences (1–5)"
            rows.append(row(legendCell(text)))
        }
        var lines = "<FONT COLOR=\"\(Self.unencryptedColour)\"><B>━ unencrypted boundary crossing</B></FONT>"
        if labelMode == .short { lines += " (<FONT COLOR=\"\(Self.unencryptedColour)\"><B>!</B></FONT> after a short label)" }
        if labelMode == .numbered { lines += " · numbered flows are listed below" }
        lines += " · ↔ / ← / →: direction of each flow in a shared label"
        rows.append(row(legendCell(lines)))
        return rows
    }

    /// "P1 Shopper → CDN → Orders DB — weakest: critical sql-injection@orders-db", one row per drawn path.
    private func pathLegend(_ paths: [RankedAttackPath], graph: ArchitectureGraph) -> String {
        var rows = ""
        for (n, p) in paths.enumerated() {
            let colour = Self.attackPathColours[n % Self.attackPathColours.count]
            var text = "P\(n + 1) attack path: " + p.path.elements.map { DOTText.html(graph.model.elements[$0].name) }.joined(separator: " → ")
            if let w = p.weakest { text += " — weakest: \(w.severity.rawValue) \(DOTText.html(w.id))" }
            rows += "<TR>\(legendCell("━━", colour: colour, bold: true))\(legendCell(text, colour: colour, bold: true))</TR>"
        }
        return "<TABLE BORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"1\">\(rows)</TABLE>"
    }

    /// The numbered flows, in columns of at most 12 rows.
    private func flowLegend(_ groups: [FlowGroup], graph: ArchitectureGraph, evaluator: Evaluator) -> String {
        let model = graph.model
        var entries: [String] = []
        for group in groups {
            var parts: [String] = []
            for fi in group.flows {
                let f = model.flows[fi]
                let s = graph.elementIndex[f.source]!, t = graph.elementIndex[f.target]!
                var text = "\(DOTText.html(model.elements[s].name)) \(f.twoWay ? "↔" : "→") \(DOTText.html(model.elements[t].name))"
                if !f.name.isEmpty { text += ": \(DOTText.html(f.name))" }
                if let p = f.attributes.string(.protocol) { text += " · \(DOTText.html(p))" }
                if graph.crossings[fi].crossesBoundary && !evaluator.encrypted(flow: fi) {
                    text += " <FONT COLOR=\"\(Self.unencryptedColour)\"><B>unencrypted crossing</B></FONT>"
                }
                parts.append(text)
            }
            entries.append("<TD ALIGN=\"RIGHT\"><FONT POINT-SIZE=\"\(format1(DiagramFonts.legend))\"><B>\(group.number)</B></FONT></TD>"
                           + legendCell(parts.joined(separator: "<BR/>")))
        }
        let perColumn = 12
        let columns = (entries.count + perColumn - 1) / perColumn
        var rows = ""
        for r in 0..<min(perColumn, entries.count) {
            rows += "<TR>"
            for c in 0..<columns {
                let i = c * perColumn + r
                rows += i < entries.count ? entries[i] : "<TD></TD><TD></TD>"
            }
            rows += "</TR>"
        }
        return "<TABLE BORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"1\">\(rows)</TABLE>"
    }
}

import Foundation
import MoatCore

/// The one way to turn an analysis into a picture (`moat diagram`, `moat report`, `moat watch`):
/// builds the DOT, decides the automatic layout options from measured geometry, refuses graphs that
/// Graphviz cannot lay out, and renders through `GraphvizRenderer`.
///
/// Automatic choices, in order: the edge labels (full, else short, else numbered: the first that lays
/// out without a label overlap and with legible text fitted to 1920×1080), the direction (left to
/// right or top to bottom, whichever is more legible), then the aspect ratio (Graphviz `ratio`
/// stretches the layout until it is between 4:3 and 16:9). Pictures of more than
/// `DiagramRenderer.largeThreshold` elements skip the measuring and use Graphviz's fast settings.
public struct DiagramRenderer: Sendable {
    /// The vocabulary the builder reads element types, protocols and classifications with.
    public var vocabulary: Vocabulary
    /// What to draw and how; `.auto` direction and labels are decided when rendering.
    public var options: DiagramOptions

    /// A renderer drawing with `options` and `vocabulary` (the catalogue's).
    public init(vocabulary: Vocabulary, options: DiagramOptions) {
        self.vocabulary = vocabulary
        self.options = options
    }

    /// Above this many drawn elements the layout is not measured, flows are not labelled and edges
    /// are straight lines: dot's crossing minimisation and spline routing grow much faster than the graph.
    public static let largeThreshold = 300
    /// The largest picture handed to Graphviz, in drawn elements plus drawn flows. Graphviz 2.43 runs
    /// out of stack on long chains (a 20,000-element chain crashes both `dot` and libgvc with SIGSEGV;
    /// docs/performance.md has the measurements), so larger pictures are refused before layout.
    public static let graphvizLimit = 12_000
    /// The smallest legible element-name text, in pixels, with the picture fitted to a 1920×1080 screen.
    public static let minimumNamePixels = 12.0
    /// The smallest legible flow-label text, in pixels, fitted to 1920×1080.
    public static let minimumLabelPixels = 10.0
    /// Aspect ratios allowed for the automatic layout (either orientation).
    public static let aspectRange = (4.0 / 3.0)...(16.0 / 9.0)

    /// A rendered picture and what was decided on the way.
    public struct Output: Sendable {
        /// The picture in the requested format (SVG or DOT text as UTF-8, PNG or PDF bytes).
        public var bytes: [UInt8]
        /// The DOT that was laid out.
        public var dot: String
        /// The measured geometry of the final layout (nil for large pictures, which are not measured).
        public var geometry: LayoutGeometry?
        /// The direction used: never `.auto`.
        public var direction: DiagramOptions.Direction
        /// The flow-label detail used: never `.auto`.
        public var edgeLabels: DiagramOptions.EdgeLabels
        /// Elements drawn (element nodes, or boundary nodes in an overview).
        public var elements: Int
        /// Flows drawn: flow-label nodes, or edges when flows are not labelled.
        public var flows: Int
        /// True when names and labels are legible fitted to 1920×1080 (unknown, so false, when not measured).
        public var legible: Bool { (legibility ?? 0) >= 1 }
        /// The smallest name over `minimumNamePixels` or the smallest label over `minimumLabelPixels`,
        /// whichever is less, fitted to 1920×1080: 1 or more is legible (nil when not measured).
        public var legibility: Double? {
            guard let g = geometry else { return nil }
            return min((g.smallestPixels(g.nameTexts) ?? .infinity) / DiagramRenderer.minimumNamePixels,
                       (g.smallestPixels(g.labelTexts) ?? .infinity) / DiagramRenderer.minimumLabelPixels)
        }
    }

    /// A picture too large for Graphviz: `fallback` is what could be drawn instead (the overview).
    public struct TooLarge: Error, CustomStringConvertible {
        /// Elements the refused picture would draw.
        public var elements: Int
        /// Flows the refused picture would draw.
        public var flows: Int
        /// The overview of boundaries, rendered instead; nil when the refused picture was already the overview or
        /// the overview failed too.
        public var fallback: Output?
        public var description: String {
            "the picture has \(elements) elements and \(flows) flows, more than Graphviz can lay out "
                + "(at most \(DiagramRenderer.graphvizLimit) elements and flows together)"
                + (fallback != nil ? "; wrote the overview of boundaries instead (draw one with --boundary ID or --focus ID)" : "")
        }
    }

    /// Renders the picture the options describe. `progress` is called with a message when the layout
    /// takes more than a second (and every five seconds after), for a terminal to show.
    public func render(_ analysis: Analysis, format: DiagramFormat,
                       progress: (@Sendable (String) -> Void)? = nil) async throws -> Output {
        try await render(analysis, format: format, progress: progress, progressDelay: .seconds(1))
    }

    /// `render` with the delay before the first progress message (zero: at once).
    public func render(_ analysis: Analysis, format: DiagramFormat, progress: (@Sendable (String) -> Void)?,
                       progressDelay: Duration) async throws -> Output {
        let builder = DiagramBuilder(vocabulary: vocabulary, options: options)
        let probe = try builder.build(analysis)
        let (elements, flows) = Self.count(probe)
        if elements + flows > Self.graphvizLimit {
            var fallback: Output?
            if builder.resolvedView(analysis) != .overview {
                var overview = self
                overview.options.view = .overview
                fallback = try? await overview.render(analysis, format: format, progress: progress, progressDelay: progressDelay)
            }
            throw TooLarge(elements: elements, flows: flows, fallback: fallback)
        }
        let message = "moat: laying out \(elements) elements and \(flows) flows with Graphviz…\n"
        if let progress, progressDelay <= .zero { progress(message) }
        let watch = progressDelay <= .zero ? nil : progress.map { report in
            Task {
                var waited = progressDelay
                try await Task.sleep(for: progressDelay)
                report(message)
                while true {
                    try await Task.sleep(for: .seconds(5))
                    waited += .seconds(5)
                    report("moat: still laying out (\(waited.components.seconds) s)…\n")
                }
            }
        }
        defer { watch?.cancel() }

        let large = elements > Self.largeThreshold || probe.layout != "dot"
        var chosen: (graph: DOTGraph, geometry: LayoutGeometry?, direction: DiagramOptions.Direction, labels: DiagramOptions.EdgeLabels)
        if large {
            var o = options
            o.direction = options.direction == .auto ? .lr : options.direction
            o.edgeLabels = options.edgeLabels == .auto ? (elements > Self.largeThreshold ? .none : .full) : options.edgeLabels
            var g = try DiagramBuilder(vocabulary: vocabulary, options: o).build(analysis)
            if elements > Self.largeThreshold && g.layout == "dot" { Self.fastSettings(&g) }
            chosen = (g, nil, o.direction, o.edgeLabels)
        } else {
            chosen = try await choose(analysis)
            if options.layout == nil || options.layout == .dot { chosen = fitAspect(chosen) }
        }
        let dot = chosen.graph.write()
        let bytes = try await GraphvizRenderer.shared.render(dot: dot, format: format, layout: LayoutEngine(rawValue: chosen.graph.layout) ?? .dot)
        return Output(bytes: bytes, dot: dot, geometry: chosen.geometry, direction: chosen.direction, edgeLabels: chosen.labels,
                      elements: elements, flows: flows)
    }

    /// Elements and flows drawn in a graph.
    static func count(_ g: DOTGraph) -> (Int, Int) {
        let nodes = g.allNodes
        let labels = nodes.filter { $0.attributes.contains { $0.0 == "class" && $0.1 == .text("flow-label") } }.count
        let elements = nodes.count - labels
        return (elements, labels > 0 ? labels : g.edges.count)
    }

    /// Graphviz settings that lay out thousands of nodes in seconds: fewer crossing-minimisation and
    /// network-simplex passes, straight edges.
    static func fastSettings(_ g: inout DOTGraph) {
        g.setAttribute("splines", .text("false"))
        for (k, v) in [("mclimit", "0.05"), ("nslimit", "0.5"), ("nslimit1", "0.5"), ("searchsize", "10"), ("remincross", "false")] {
            g.setAttribute(k, .text(v))
        }
    }

    /// Lays out `graph` and measures it.
    public static func measure(_ graph: DOTGraph) async throws -> LayoutGeometry {
        let json = try await GraphvizRenderer.shared.render(dot: graph.forLayout.write(), formatName: "json",
                                                            layoutName: graph.layout)
        return try LayoutGeometry(json: json)
    }

    /// Tries the label modes and directions the options leave open and keeps the first label mode
    /// that is legible without overlaps (or the most legible one without overlaps).
    func choose(_ analysis: Analysis) async throws
        -> (graph: DOTGraph, geometry: LayoutGeometry?, direction: DiagramOptions.Direction, labels: DiagramOptions.EdgeLabels) {
        let directions: [DiagramOptions.Direction] = options.direction == .auto ? [.lr, .tb] : [options.direction]
        let modes: [DiagramOptions.EdgeLabels] = options.edgeLabels == .auto ? [.full, .short, .numbered] : [options.edgeLabels]
        struct Candidate {
            var graph: DOTGraph
            var geometry: LayoutGeometry
            var direction: DiagramOptions.Direction
            var labels: DiagramOptions.EdgeLabels
            var clean: Bool
            var legibility: Double
            /// Overlap-free first, then legible.
            func worse(than other: Candidate) -> Bool {
                clean != other.clean ? other.clean : legibility < other.legibility
            }
        }
        // A fixed number of layouts (not a time limit, so the choice is the same on every machine). Every
        // label mode and direction is laid out first; then, while layouts are left, the ones that are not
        // clean again with more space between nodes, then between ranks.
        let (elements, _) = Self.count(try DiagramBuilder(vocabulary: vocabulary, options: options).build(analysis))
        let budget = elements <= 60 ? 18 : elements <= 150 ? 16 : 6
        var layouts = 0
        let spreads: [(Double, Double)] = [(1, 1), (2, 1), (1, 2), (2, 2), (3, 2), (1, 3)]
        struct Pair: Hashable { var mode: DiagramOptions.EdgeLabels; var direction: DiagramOptions.Direction }
        var pairs: [Pair] = []
        for mode in modes { for direction in directions { pairs.append(Pair(mode: mode, direction: direction)) } }
        var bestOf: [Pair: Candidate] = [:]
        func attempt(_ pair: Pair, _ nodeSpread: Double, _ rankSpread: Double) async throws {
            var o = options
            o.direction = pair.direction
            o.edgeLabels = pair.mode
            if nodeSpread > 1 { o.nodeSpacing = (options.nodeSpacing ?? 0.3) * nodeSpread }
            if rankSpread > 1 { o.rankSpacing = (options.rankSpacing ?? 0.45) * rankSpread }
            let g = try DiagramBuilder(vocabulary: vocabulary, options: o).build(analysis)
            let geometry = try await Self.measure(g)
            layouts += 1
            let overlaps = geometry.overlaps()
            let names = (geometry.smallestPixels(geometry.nameTexts) ?? 99) / Self.minimumNamePixels
            let labels = (geometry.smallestPixels(geometry.labelTexts) ?? 99) / Self.minimumLabelPixels
            // The margin that brings the aspect ratio into range costs legibility in proportion.
            let stretch = max(1, geometry.aspectRatio / Self.aspectRange.upperBound)
            let candidate = Candidate(graph: g, geometry: geometry, direction: pair.direction, labels: pair.mode,
                                      clean: overlaps.total == 0, legibility: min(names, labels) / stretch)
            if bestOf[pair].map({ $0.worse(than: candidate) }) ?? true { bestOf[pair] = candidate }
        }
        // Every pair once; then each pair that is not clean, in order of preference, with more space.
        for pair in pairs where layouts < budget { try await attempt(pair, 1, 1) }
        for pair in pairs {
            for (nodeSpread, rankSpread) in spreads.dropFirst() where layouts < budget && !(bestOf[pair]?.clean ?? false) {
                try await attempt(pair, nodeSpread, rankSpread)
            }
        }
        // The most detailed labels that are clean and legible; else the best clean one; else the best.
        var best: Candidate?
        for mode in modes {
            let legible = directions.compactMap { bestOf[Pair(mode: mode, direction: $0)] }.filter { $0.clean && $0.legibility >= 1 }
            if let pick = legible.max(by: { $0.legibility < $1.legibility }) { best = pick; break }
        }
        if best == nil {
            for pair in pairs { if let c = bestOf[pair], best.map({ $0.worse(than: c) }) ?? true { best = c } }
        }
        let b = best!
        return (b.graph, b.geometry, b.direction, b.labels)
    }

    /// Brings the picture's aspect ratio within `aspectRange` by widening the margin on the short side
    /// (Graphviz `pad`, in inches, per axis): the layout itself is not touched, so nothing it measured
    /// clean can come to overlap, and the picture sits centred on a slide-shaped canvas.
    func fitAspect(_ chosen: (graph: DOTGraph, geometry: LayoutGeometry?, direction: DiagramOptions.Direction, labels: DiagramOptions.EdgeLabels))
        -> (graph: DOTGraph, geometry: LayoutGeometry?, direction: DiagramOptions.Direction, labels: DiagramOptions.EdgeLabels) {
        guard var geometry = chosen.geometry else { return chosen }
        var graph = chosen.graph
        let base = 0.3 * 72
        let w = geometry.drawingWidth + 2 * base, h = geometry.drawingHeight + 2 * base
        var padX = base, padY = base
        let (low, high) = (Self.aspectRange.lowerBound + 0.01, Self.aspectRange.upperBound - 0.01)
        if w >= h {
            if w / h > high { padY += (w / high - h) / 2 } else if w / h < low { padX += (h * low - w) / 2 }
        } else {
            if h / w > high { padX += (h / high - w) / 2 } else if h / w < low { padY += (w * low - h) / 2 }
        }
        guard padX != base || padY != base else { return chosen }
        func inches(_ points: Double) -> String { String(format: "%.3f", points / 72) }
        graph.setAttribute("pad", .text("\(inches(padX)),\(inches(padY))"))
        geometry.padX = padX
        geometry.padY = padY
        return (graph, geometry, chosen.direction, chosen.labels)
    }

    // MARK: - Slides

    /// One picture per trust zone and an overview: what `--slides` writes when one picture of the whole
    /// model is not legible. A zone whose picture does not read (legible fitted to 1920×1080 with its flows
    /// labelled in words, not numbered) is split into its nested zones (its own elements outside them get a
    /// picture of their own), and a zone without nested zones, or those own elements, into parts
    /// (`services-1`, `services-2`, titled "(1 of 2)", …): as few as make every part read, as measured.
    /// Every part draws its elements in full and their neighbours small, as context. Elements outside every
    /// boundary get a picture (or parts) named `outside`. Every drawn element is drawn in full on a slide.
    public func slides(_ analysis: Analysis, format: DiagramFormat,
                       progress: (@Sendable (String) -> Void)? = nil) async throws -> [(name: String, output: Output)] {
        let graph = analysis.graph
        let hidden = DiagramBuilder(vocabulary: vocabulary, options: options).hiddenElements(analysis)
        var result: [(name: String, output: Output)] = []
        var overview = self
        overview.options.view = .overview
        result.append(("overview", try await overview.render(analysis, format: format, progress: progress)))
        for b in graph.boundaryParent.indices where graph.boundaryParent[b] == nil {
            result += try await zoneSlides(b, analysis, hidden: hidden, format: format, progress: progress)
        }
        let outside = graph.model.elements.indices.filter { graph.elementBoundary[$0] == nil && !hidden.contains($0) }
        if !outside.isEmpty {
            // Named apart from a boundary whose id is `outside`.
            let name = graph.boundaryIndex["outside"] == nil ? "outside" : "outside-all-boundaries"
            result += try await partSlides(outside, name: name, title: "outside all boundaries", whole: nil, analysis,
                                           format: format, progress: progress)
        }
        return result
    }

    /// The slides of zone `b`: its picture when it reads (`readable`); else its nested zones' slides (after
    /// the pictures of its own elements outside them, when it has any); else, without nested zones, its
    /// elements in parts.
    private func zoneSlides(_ b: Int, _ analysis: Analysis, hidden: Set<Int>, format: DiagramFormat,
                            progress: (@Sendable (String) -> Void)?) async throws -> [(name: String, output: Output)] {
        let graph = analysis.graph
        let boundary = graph.model.boundaries[b]
        var zone = self
        zone.options.view = .boundary(boundary.id)
        let output = try await zone.render(analysis, format: format, progress: progress)
        let own = graph.model.elements.indices.filter { graph.elementBoundary[$0] == b && !hidden.contains($0) }
        let children = graph.boundaryChildren[b]
        if readable(output) { return [(boundary.id, output)] }
        if children.isEmpty {
            if own.count < 2 { return [(boundary.id, output)] }
            return try await partSlides(own, name: boundary.id, title: "boundary \(boundary.name)", whole: output, analysis,
                                        format: format, progress: progress)
        }
        var result: [(name: String, output: Output)] = []
        if !own.isEmpty {
            result += try await partSlides(own, name: boundary.id, title: "boundary \(boundary.name) outside its nested zones",
                                           whole: nil, analysis, format: format, progress: progress)
        }
        for child in children {
            result += try await zoneSlides(child, analysis, hidden: hidden, format: format, progress: progress)
        }
        return result
    }

    /// A slide that needs no legend to read: legible with its flows labelled in words (not numbered), unless
    /// the options ask for a label mode.
    func readable(_ output: Output) -> Bool {
        output.legible && (output.edgeLabels != .numbered || options.edgeLabels != .auto)
    }

    /// `elements` on as few pictures as measured layouts find readable: one (`name`) when it is, else k parts
    /// (`name-1` … `name-k`, titled "title (i of k)"), k growing from the measured legibility of the last try
    /// until every part is readable. When that takes one part per element, a legible picture of them all
    /// (numbered flows) is drawn instead if there is one, else the parts, as legible as they get. `whole`,
    /// when given, is the picture of all of them, already known not to be readable.
    private func partSlides(_ elements: [Int], name: String, title: String, whole: Output?, _ analysis: Analysis,
                            format: DiagramFormat, progress: (@Sendable (String) -> Void)?) async throws
        -> [(name: String, output: Output)] {
        let graph = analysis.graph
        let ids = { (part: [Int]) in part.map { graph.model.elements[$0].id } }
        var one = self
        var last: Output
        if let whole {
            last = whole
        } else {
            one.options.view = .part(ids(elements), title: title)
            last = try await one.render(analysis, format: format, progress: progress)
            if readable(last) || elements.count < 2 { return [(name, last)] }
        }
        let single = last
        let order = Self.partOrder(elements, graph)
        var count = 1
        while true {
            // Pictures shrink about in proportion to their elements: aim at the parts the last try says are needed.
            let legibility = max(last.legibility ?? 0.5, 0.05)
            count = min(order.count, max(count + 1, Int((Double(count) / min(legibility, 1)).rounded(.up))))
            var parts: [(name: String, output: Output)] = []
            var failed: Output?
            for (i, part) in Self.chunks(order, count).enumerated() {
                var slide = self
                slide.options.view = .part(ids(part), title: "\(title) (\(i + 1) of \(count))")
                let output = try await slide.render(analysis, format: format, progress: progress)
                parts.append(("\(name)-\(i + 1)", output))
                if !readable(output) { failed = output; break }
            }
            guard let failed else { return parts }
            if count >= order.count { break }
            last = failed
        }
        // One element per part is not readable either: the legible picture of them all, else every part.
        if single.legible { return [(name, single)] }
        var parts: [(name: String, output: Output)] = []
        for (i, part) in order.enumerated() {
            var slide = self
            slide.options.view = .part(ids([part]), title: "\(title) (\(i + 1) of \(order.count))")
            parts.append(("\(name)-\(i + 1)", try await slide.render(analysis, format: format, progress: progress)))
        }
        return parts
    }

    /// `elements` in an order that keeps together the ones that exchange flows (breadth first along flows
    /// between them, then through a shared neighbour outside them), each group starting at its first
    /// element in model order: cut into consecutive chunks, each part is about one neighbourhood.
    static func partOrder(_ elements: [Int], _ graph: ArchitectureGraph) -> [Int] {
        let members = Set(elements)
        func neighbours(_ i: Int) -> [Int] {
            Array(Set((graph.inbound[i] + graph.outbound[i]).map { graph.otherEnd(ofFlow: $0, from: i) }).subtracting([i])).sorted()
        }
        var order: [Int] = [], seen: Set<Int> = []
        for start in elements.sorted() where !seen.contains(start) {
            var queue = [start]
            seen.insert(start)
            while !queue.isEmpty {
                let i = queue.removeFirst()
                order.append(i)
                let around = neighbours(i)
                let direct = around.filter { members.contains($0) }
                let shared = Set(around.filter { !members.contains($0) }.flatMap(neighbours)).filter { members.contains($0) }.sorted()
                for j in direct + shared where !seen.contains(j) {
                    seen.insert(j)
                    queue.append(j)
                }
            }
        }
        return order
    }

    /// `items` cut into `count` consecutive chunks whose sizes differ by at most one (the larger first).
    static func chunks<T>(_ items: [T], _ count: Int) -> [[T]] {
        let n = max(1, min(count, items.count))
        var out: [[T]] = [], start = 0
        for i in 0..<n {
            let size = items.count / n + (i < items.count % n ? 1 : 0)
            out.append(Array(items[start..<(start + size)]))
            start += size
        }
        return out
    }
}

import Foundation

/// The geometry of a laid-out diagram, read from Graphviz's `json` output (xdot drawing operations):
/// element boxes, flow-label boxes, boundary titles, edge paths and every text with its font size.
/// The renderer measures candidate layouts with it, and the tests count overlaps with it.
public struct LayoutGeometry: Sendable {
    /// A rectangle in Graphviz points (1/72 inch), y growing upwards from the bottom left.
    public struct Box: Sendable, Hashable {
        /// The left edge.
        public var x0: Double
        /// The bottom edge.
        public var y0: Double
        /// The right edge (not less than `x0`).
        public var x1: Double
        /// The top edge (not less than `y0`).
        public var y1: Double
        /// The width in points.
        public var width: Double { x1 - x0 }
        /// The height in points.
        public var height: Double { y1 - y0 }

        /// True when the boxes share more than `margin` points in both directions.
        public func overlaps(_ other: Box, margin: Double = 0.5) -> Bool {
            x0 + margin < other.x1 && other.x0 + margin < x1 && y0 + margin < other.y1 && other.y0 + margin < y1
        }

        func contains(_ x: Double, _ y: Double, inset: Double) -> Bool {
            x0 + inset < x && x < x1 - inset && y0 + inset < y && y < y1 - inset
        }

        func union(_ b: Box) -> Box { Box(x0: min(x0, b.x0), y0: min(y0, b.y0), x1: max(x1, b.x1), y1: max(y1, b.y1)) }
    }

    /// One line of text as drawn, with its font size in points.
    public struct Text: Sendable {
        /// Where the text is drawn, estimated from its position, width and font size.
        public var box: Box
        /// The font size in points.
        public var size: Double
        /// The text as drawn.
        public var string: String
    }

    /// One drawn edge: its ends, its path and its label.
    public struct Edge: Sendable {
        /// The Graphviz id (`_gvid`) of the tail end: an element or a flow-label node (-1 when Graphviz gives none).
        public var tail: Int
        /// The Graphviz id of the head end (-2 when Graphviz gives none).
        public var head: Int
        /// Points along the drawn path.
        public var points: [(Double, Double)]
        /// The label drawn on the edge itself (overviews), if any.
        public var label: Box?
    }

    /// Width of the drawing in points (1/72 inch), without the margin.
    public var drawingWidth: Double
    /// Height of the drawing in points (1/72 inch), without the margin.
    public var drawingHeight: Double
    /// The margin left and right (Graphviz `pad`), in points.
    public var padX: Double
    /// The margin above and below (Graphviz `pad`), in points.
    public var padY: Double
    /// Width of the whole picture in points, margins included.
    public var width: Double { drawingWidth + 2 * padX }
    /// Height of the whole picture in points, margins included.
    public var height: Double { drawingHeight + 2 * padY }
    /// Element boxes by Graphviz id.
    public var elements: [Int: Box] = [:]
    /// Flow labels (label nodes and labels on edges), with the Graphviz id of their label node (or -1).
    public var labels: [(owner: Int, box: Box)] = []
    /// The ink of each flow label: its text, two points around (what an edge must not cross).
    public var labelInk: [(owner: Int, box: Box)] = []
    /// Boundary titles.
    public var clusterTitles: [Box] = []
    /// Every drawn edge (a labelled flow is two edges, into and out of its label node).
    public var edges: [Edge] = []
    /// The first line of every element (its name).
    public var nameTexts: [Text] = []
    /// Every text of flow labels.
    public var labelTexts: [Text] = []
    /// Every text in the picture.
    public var allTexts: [Text] = []

    /// Graphviz output that is not JSON with a bounding box.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads Graphviz's `json` output.
    public init(json bytes: [UInt8]) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let bb = (root["bb"] as? String).map(Self.numbers), bb.count == 4 else {
            throw Invalid(description: "not Graphviz JSON output with a bounding box")
        }
        drawingWidth = bb[2] - bb[0]
        drawingHeight = bb[3] - bb[1]
        // `pad` is "x,y" or one value for both, in inches; Graphviz's default is 4 points.
        let pad = (root["pad"] as? String).map(Self.numbers) ?? []
        padX = pad.first.map { $0 * 72 } ?? 4
        padY = pad.count > 1 ? pad[1] * 72 : padX
        allTexts += Self.texts(root["_ldraw_"])
        for case let object as [String: Any] in root["objects"] as? [Any] ?? [] {
            let gvid = object["_gvid"] as? Int ?? -1
            let texts = Self.texts(object["_ldraw_"])
            allTexts += texts
            if let pos = (object["pos"] as? String).map(Self.numbers), pos.count >= 2,
               let w = (object["width"] as? String).flatMap(Double.init), let h = (object["height"] as? String).flatMap(Double.init) {
                let box = Box(x0: pos[0] - w * 36, y0: pos[1] - h * 36, x1: pos[0] + w * 36, y1: pos[1] + h * 36)
                if (object["class"] as? String) == "flow-label" {
                    labels.append((gvid, box))
                    if let ink = Self.union(texts) {
                        labelInk.append((gvid, Box(x0: ink.x0 - 2, y0: ink.y0 - 2, x1: ink.x1 + 2, y1: ink.y1 + 2)))
                    }
                    labelTexts += texts
                } else {
                    elements[gvid] = box
                    if let first = texts.first { nameTexts.append(first) }
                }
            } else if object["bb"] != nil, let title = Self.union(texts) {
                clusterTitles.append(title)
            }
        }
        for case let edge as [String: Any] in root["edges"] as? [Any] ?? [] {
            var points: [(Double, Double)] = []
            for case let op as [String: Any] in edge["_draw_"] as? [Any] ?? [] {
                guard let kind = op["op"] as? String, let raw = op["points"] as? [[Double]] else { continue }
                let pts = raw.compactMap { $0.count >= 2 ? ($0[0], $0[1]) : nil }
                points += kind == "b" || kind == "B" ? Self.bezier(pts) : pts
            }
            let texts = Self.texts(edge["_ldraw_"])
            allTexts += texts
            labelTexts += texts
            let label = Self.union(texts)
            if let label { labels.append((-1, label)); labelInk.append((-1, label)) }
            edges.append(Edge(tail: edge["tail"] as? Int ?? -1, head: edge["head"] as? Int ?? -2, points: points, label: label))
        }
    }

    // MARK: - Measures

    /// Overlaps in a drawing: what a reader must never have to untangle.
    public struct Overlaps: Sendable, Equatable, CustomStringConvertible {
        /// Two flow labels on each other.
        public var labelLabel = 0
        /// A flow label on an element.
        public var labelNode = 0
        /// A flow label on a boundary's title.
        public var labelClusterTitle = 0
        /// An edge passing through another flow's label.
        public var edgeThroughLabel = 0
        /// An edge passing through an element that is not one of its ends.
        public var edgeThroughNode = 0

        /// The label overlaps (the ones that make text unreadable).
        public var labels: Int { labelLabel + labelNode + labelClusterTitle }
        /// Every overlap: label overlaps plus edges through labels and through elements.
        public var total: Int { labels + edgeThroughLabel + edgeThroughNode }

        public var description: String {
            "label/label \(labelLabel), label/node \(labelNode), label/title \(labelClusterTitle), "
                + "edge/label \(edgeThroughLabel), edge/node \(edgeThroughNode)"
        }
    }

    /// Counts the overlaps in the drawing; a good layout has none.
    public func overlaps() -> Overlaps {
        var o = Overlaps()
        let boxes = labels.map(\.box)
        for i in boxes.indices {
            for k in (i + 1)..<boxes.count where boxes[i].overlaps(boxes[k]) { o.labelLabel += 1 }
            for e in elements.values where boxes[i].overlaps(e) { o.labelNode += 1 }
            for t in clusterTitles where boxes[i].overlaps(t) { o.labelClusterTitle += 1 }
        }
        for edge in edges where !edge.points.isEmpty {
            var extent = Box(x0: .infinity, y0: .infinity, x1: -.infinity, y1: -.infinity)
            for (x, y) in edge.points { extent = extent.union(Box(x0: x, y0: y, x1: x, y1: y)) }
            for (owner, box) in labelInk where owner != edge.tail && owner != edge.head && box != edge.label {
                guard box.overlaps(extent, margin: 0) else { continue }
                if edge.points.contains(where: { box.contains($0.0, $0.1, inset: 1) }) { o.edgeThroughLabel += 1 }
            }
            for (id, box) in elements where id != edge.tail && id != edge.head {
                guard box.overlaps(extent, margin: 0) else { continue }
                if edge.points.contains(where: { box.contains($0.0, $0.1, inset: 3) }) { o.edgeThroughNode += 1 }
            }
        }
        return o
    }

    /// Pixels per point in Graphviz's PNG output (96 dpi).
    public static let pixelsPerPoint = 96.0 / 72.0

    /// The size of the picture in pixels, as PNG.
    public var pixelSize: (width: Double, height: Double) { (width * Self.pixelsPerPoint, height * Self.pixelsPerPoint) }

    /// The longer side over the shorter one.
    public var aspectRatio: Double { max(width, height) / max(1, min(width, height)) }

    /// The scale that fits the picture into a screen of `screen` pixels (above 1 when it is smaller).
    public func fittedScale(screen: (width: Double, height: Double) = (1920, 1080)) -> Double {
        let (w, h) = pixelSize
        return min(screen.width / max(w, 1), screen.height / max(h, 1))
    }

    /// The smallest font, in pixels, of `texts` when the picture is fitted to `screen`.
    public func smallestPixels(_ texts: [Text], screen: (width: Double, height: Double) = (1920, 1080)) -> Double? {
        texts.map(\.size).min().map { $0 * Self.pixelsPerPoint * fittedScale(screen: screen) }
    }

    // MARK: - Reading xdot operations

    static func numbers(_ s: String) -> [Double] {
        s.split(whereSeparator: { $0 == "," || $0 == " " }).compactMap { Double($0) }
    }

    /// Text boxes of a list of xdot operations: `F` sets the font size, `T` draws a line of text at its
    /// baseline with an alignment and a width; the box spans the descent to the ascent of the font.
    static func texts(_ ops: Any?) -> [Text] {
        var size = 14.0
        var out: [Text] = []
        for case let op as [String: Any] in ops as? [Any] ?? [] {
            switch op["op"] as? String {
            case "F": size = op["size"] as? Double ?? size
            case "T":
                guard let pt = op["pt"] as? [Double], pt.count == 2, let w = op["width"] as? Double else { continue }
                let x0: Double
                switch op["align"] as? String {
                case "l": x0 = pt[0]
                case "r": x0 = pt[0] - w
                default: x0 = pt[0] - w / 2
                }
                out.append(Text(box: Box(x0: x0, y0: pt[1] - 0.22 * size, x1: x0 + w, y1: pt[1] + 0.78 * size), size: size,
                                string: op["text"] as? String ?? ""))
            default: continue
            }
        }
        return out
    }

    static func union(_ texts: [Text]) -> Box? {
        guard var box = texts.first?.box else { return nil }
        for t in texts.dropFirst() { box = box.union(t.box) }
        return box
    }

    /// Points along a piecewise cubic Bézier curve, eight per piece.
    static func bezier(_ p: [(Double, Double)]) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        var i = 0
        while i + 3 < p.count {
            for k in 0...8 {
                let t = Double(k) / 8, u = 1 - t
                let a = u * u * u, b = 3 * t * u * u, c = 3 * t * t * u, d = t * t * t
                out.append((a * p[i].0 + b * p[i + 1].0 + c * p[i + 2].0 + d * p[i + 3].0,
                            a * p[i].1 + b * p[i + 1].1 + c * p[i + 2].1 + d * p[i + 3].1))
            }
            i += 3
        }
        return out
    }
}

import MoatCore

/// What to draw, and how to lay it out.
public struct DiagramOptions: Sendable {
    /// Which picture of the model.
    public enum View: Sendable, Hashable {
        /// Every element; switches to `.overview` above `DiagramOptions.overviewThreshold` elements.
        case automatic
        /// Every element, however large the model.
        case full
        /// One node per boundary and aggregated flows between them.
        case overview
        /// The elements inside one boundary, plus the outside elements they exchange flows with, drawn small
        /// (name only) as context.
        case boundary(String)
        /// One element and its direct neighbours.
        case focus(String)
        /// Some elements (by id) drawn in full, with the elements they exchange flows with drawn small, as
        /// context; `title` says in the title block which part of the model this is ("boundary Service mesh
        /// (1 of 2)"). `DiagramRenderer.slides` draws a zone too large for one legible picture in such parts.
        case part([String], title: String)
    }

    /// Which way flows run.
    public enum Direction: String, Sendable, CaseIterable {
        /// The renderer lays the picture out both ways and keeps the one closer to a slide's shape.
        case auto
        /// Top to bottom.
        case tb = "TB"
        /// Left to right.
        case lr = "LR"
    }

    /// What a flow's label shows.
    public enum EdgeLabels: String, Sendable, CaseIterable {
        /// `full` when it lays out without overlaps and legibly, else `short`, else `numbered`
        /// (decided by the renderer from the laid-out geometry); `none` for very large pictures.
        case auto
        /// Name, protocol and an "unencrypted crossing" warning.
        case full
        /// The name only, shortened.
        case short
        /// A number on the flow; the legend lists each number's flows.
        case numbered
        /// No labels (the tooltips still name every flow).
        case none
    }

    /// Models with more elements than this get the overview unless a view is asked for.
    public static let overviewThreshold = 150

    /// Which part of the model to draw; `.automatic` by default.
    public var view: View = .automatic
    /// Colour nodes by their worst open threat and add threat badges and maturity levels (on by default).
    public var showThreats = true
    /// Draw the top attack paths (`attackPathCount` of them), each in its own colour.
    public var showAttackPaths = false
    /// How many attack paths `showAttackPaths` draws.
    public var attackPathCount = 3
    /// Prefix of each element's link anchor (`#element-ID` in a standalone SVG; the report passes its own).
    public var linkPrefix = "element-"
    /// The date printed in the title block.
    public var date: String?
    /// Which way flows run; `.auto` lets the renderer pick the more legible.
    public var direction: Direction = .auto
    /// What flow labels show; `.auto` lets the renderer pick from the laid-out geometry.
    public var edgeLabels: EdgeLabels = .auto
    /// Leave out elements marked `out-of-scope` and their flows.
    public var hideOutOfScope = false
    /// Groups of element ids to put on the same rank (the same column left to right, row top to bottom).
    public var rankSame: [[String]] = []
    /// Space between neighbouring nodes, in inches (Graphviz `nodesep`).
    public var nodeSpacing: Double?
    /// Space between ranks, in inches (Graphviz `ranksep`).
    public var rankSpacing: Double?
    /// The layout engine; nil lets the builder choose (dot, or sfdp for overviews of many zones).
    public var layout: LayoutEngine?

    /// The defaults: automatic view, threats shown, no attack paths, automatic direction and labels.
    public init() {}
}

/// Why a diagram could not be built (a usage error: an unknown id, an impossible combination).
public struct DiagramError: Error, CustomStringConvertible {
    public var description: String
}

/// Font sizes in points; at the default scale a point is 4/3 pixel.
enum DiagramFonts {
    static let title = 22.0
    static let info = 13.0
    static let legend = 12.0
    static let name = 15.0
    static let detail = 12.0
    static let badge = 12.0
    static let edge = 13.0
    static let cluster = 15.0
    static let clusterTrust = 12.0
}

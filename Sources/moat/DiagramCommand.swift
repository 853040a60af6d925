import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatDiagram

/// `moat diagram FILE -o OUT.svg|png|pdf|dot`: the annotated data-flow diagram, rendered in-process.
struct DiagramCommand: AsyncParsableCommand, ColourOutput, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "diagram",
        abstract: "Draw the annotated data-flow diagram (SVG, PNG, PDF or DOT) through libgvc.",
        discussion: """
            Nodes are coloured by their worst open threat and carry badges: open threats per severity \
            ("2 high") and the maturity level the component evidences ("L2"); boundaries are dashed frames \
            coloured by trust; unencrypted boundary crossings are red; out-of-scope elements grey and \
            dashed. The legend in the picture explains each of them. Models above \(DiagramOptions.overviewThreshold) \
            elements are drawn as an overview of boundaries unless --full, --boundary or --focus is given.

            Flow labels never overlap: each is placed as a box of its own on its flow. By default the \
            direction and the label detail are chosen from the laid-out geometry so that the picture is \
            slide-shaped (between 4:3 and 16:9) and, where it can be, legible on a 1920×1080 screen; when \
            one picture cannot be, --slides writes one per trust zone (zones too large for one legible \
            picture in parts), a file per slide.

            Example:
              moat diagram Samples/online-shop.moat -o shop.svg --paths
            """
    )

    @Argument(help: ArgumentHelp("The model ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file ('-' for standard output, with --format); the format comes from its extension. With --slides, the name each slide's file is made from (OUT-01-overview.svg, …).", valueName: "OUT"))
    var output: String

    @Option(help: "Output format (svg, png, pdf, dot) when the extension does not say.")
    var format: DiagramFormat?

    @Option(help: ArgumentHelp("Draw only this element and its neighbours.", valueName: "ID"), completion: Completions.elementIDs)
    var focus: String?

    @Option(help: ArgumentHelp("Draw only this boundary's elements, and by name only the elements they exchange flows with.", valueName: "ID"), completion: Completions.boundaryIDs)
    var boundary: String?

    @Flag(help: "Draw the overview of boundaries, whatever the model's size.")
    var overview = false

    @Flag(help: "Draw every element, whatever the model's size.")
    var full = false

    @Flag(help: "Write one legible picture per trust zone plus an overview, a file per slide. Zones too large for one legible slide are split into their nested zones, then into parts (ZONE-1, ZONE-2, …).")
    var slides = false

    @Flag(help: "Draw the top attack paths (untrusted actors to confidential or secret data), each in its own colour, numbered in the legend.")
    var paths = false

    @Option(name: .customLong("path-count"), help: ArgumentHelp("How many attack paths --paths draws.", valueName: "N"))
    var pathCount = 3

    @Flag(name: .customLong("no-threats"), help: "Leave out threat badges and colours.")
    var noThreats = false

    @Option(help: ArgumentHelp("Which way flows run: LR (left to right), TB (top to bottom), or auto (whichever gives the more legible, slide-shaped picture).", valueName: "TB|LR|auto"))
    var direction: DiagramOptions.Direction = .auto

    @Option(name: .customLong("edge-labels"), help: ArgumentHelp("Flow labels: full (name, protocol, unencrypted warning), short (name only), numbered (a number on the flow, listed in the legend), none, or auto (the most detail that lays out without overlaps and legibly).", valueName: "full|short|numbered|none|auto"))
    var edgeLabels: DiagramOptions.EdgeLabels = .auto

    @Flag(name: .customLong("hide-out-of-scope"), help: "Leave out elements marked out-of-scope, and their flows.")
    var hideOutOfScope = false

    @Option(name: .customLong("rank-same"), help: ArgumentHelp("Put these elements side by side (the same column left to right, the same row top to bottom); repeat for more groups.", valueName: "A,B,…"))
    var rankSame: [String] = []

    @Option(name: .customLong("node-spacing"), help: ArgumentHelp("Space between neighbouring elements, in inches (default 0.3).", valueName: "INCHES"))
    var nodeSpacing: Double?

    @Option(name: .customLong("rank-spacing"), help: ArgumentHelp("Space between ranks of elements, in inches (default 0.45).", valueName: "INCHES"))
    var rankSpacing: Double?

    @Option(help: ArgumentHelp("Layout engine: dot (layered, flows in one direction; the default) or fdp (force-directed, for models without a main direction). Both draw every trust boundary; overviews of many zones use sfdp, where each zone is a node.", valueName: "dot|fdp"))
    var layout: LayoutEngine?

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        let views = [focus != nil, boundary != nil, overview, full, slides].filter { $0 }.count
        if views > 1 { throw ValidationError("choose one of --focus, --boundary, --overview, --full and --slides") }
        if format == nil && DiagramFormat(path: output) == nil {
            throw ValidationError("cannot tell the format of '\(output)'; use an .svg, .png, .pdf or .dot name, or --format")
        }
        if pathCount < 1 { throw ValidationError("--path-count must be at least 1") }
        for spacing in [nodeSpacing, rankSpacing].compactMap({ $0 }) where !(0.02...10).contains(spacing) {
            throw ValidationError("spacing must be between 0.02 and 10 inches")
        }
        if slides && output == "-" { throw ValidationError("--slides writes several files; name them with -o OUT.svg") }
    }

    /// A note when the picture was measured and is too small to read fitted to a 1920×1080 screen: what a
    /// reviewer would see on a projector, and the option that writes legible pictures instead.
    static func legibilityNote(_ picture: DiagramRenderer.Output) -> String? {
        guard let g = picture.geometry, !picture.legible else { return nil }
        let names = g.smallestPixels(g.nameTexts), labels = g.smallestPixels(g.labelTexts)
        var sizes: [String] = []
        if let names { sizes.append("element names \(NumberText.format((names * 10).rounded() / 10)) px") }
        if let labels { sizes.append("flow labels \(NumberText.format((labels * 10).rounded() / 10)) px") }
        return "moat: note: fitted to a 1920×1080 screen, this picture's \(sizes.joined(separator: " and ")) are below "
            + "the legible \(NumberText.format(DiagramRenderer.minimumNamePixels)) and \(NumberText.format(DiagramRenderer.minimumLabelPixels)) px; "
            + "--slides writes one legible picture per trust zone\n"
    }

    func run() async throws {
        let (analysis, catalogue) = try analysisArguments.analyze(file, input: input.reader)
        var options = DiagramOptions()
        if let focus { options.view = .focus(focus) }
        if let boundary { options.view = .boundary(boundary) }
        if overview { options.view = .overview }
        if full { options.view = .full }
        options.showThreats = !noThreats
        options.showAttackPaths = paths
        options.attackPathCount = pathCount
        options.date = analysis.options.asOf
        options.direction = direction
        options.edgeLabels = edgeLabels
        options.hideOutOfScope = hideOutOfScope
        options.rankSame = rankSame.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        options.nodeSpacing = nodeSpacing
        options.rankSpacing = rankSpacing
        options.layout = layout
        let target = format ?? DiagramFormat(path: output)!
        let renderer = DiagramRenderer(vocabulary: catalogue.vocabulary, options: options)
        // Progress only for a person watching a terminal.
        let progress: (@Sendable (String) -> Void)? = isatty(2) != 0 ? { @Sendable (text: String) in Console.err(text) } : nil
        do {
            if slides {
                let pictures = try await renderer.slides(analysis, format: target, progress: progress)
                let base = (output as NSString).deletingPathExtension, ext = (output as NSString).pathExtension
                for (i, slide) in pictures.enumerated() {
                    let number = i + 1 < 10 ? "0\(i + 1)" : "\(i + 1)"
                    let name = "\(base)-\(number)-\(Anchor.make("", slide.name))" + (ext.isEmpty ? ".\(target.rawValue)" : ".\(ext)")
                    try Console.write(slide.output.bytes, to: name, replacing: .regenerable)
                    Console.out("wrote \(name)\n")
                }
                return
            }
            // MOAT_PROGRESS_AFTER_MS changes the one-second delay before the first progress line (tests).
            let delay = ProcessInfo.processInfo.environment["MOAT_PROGRESS_AFTER_MS"].flatMap(Int.init).map(Duration.milliseconds) ?? .seconds(1)
            let picture = try await renderer.render(analysis, format: target, progress: progress, progressDelay: delay)
            try Console.write(picture.bytes, to: output, replacing: .regenerable)
            if !Console.isStandardOutput(output) { Console.out("wrote \(output)\n") }
            if let note = Self.legibilityNote(picture) { Console.err(note) }
        } catch let error as DiagramError {
            throw CommandError.invalidInput(error.description)
        } catch let error as RenderError {
            throw CommandError.environment(error.description)
        } catch let error as DiagramRenderer.TooLarge {
            if let fallback = error.fallback {
                try Console.write(fallback.bytes, to: output, replacing: .regenerable)
            }
            throw CommandError.environment(error.description)
        }
    }
}

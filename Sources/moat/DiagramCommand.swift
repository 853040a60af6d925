import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatDiagram

/// `moat diagram FILE -o OUT.svg|png|pdf|dot`: the annotated data-flow diagram, rendered in-process.
struct DiagramCommand: AsyncParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "diagram",
        abstract: "Draw the annotated data-flow diagram (SVG, PNG, PDF or DOT) through libgvc.",
        discussion: """
            Nodes are coloured by their worst open threat and carry badges with open-threat counts and
            their evidenced maturity level; boundaries are dashed clusters coloured by trust; unencrypted
            boundary crossings are red. Models above \(DiagramOptions.overviewThreshold) elements are drawn as
            an overview of boundaries unless --full, --boundary or --focus is given.

            Example:
              moat diagram Samples/online-shop.moat -o shop.svg --paths
            """
    )

    @Argument(help: ArgumentHelp("The model ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file ('-' for standard output, with --format); the format comes from its extension.", valueName: "OUT"))
    var output: String

    @Option(help: "Output format (svg, png, pdf, dot) when the extension does not say.")
    var format: DiagramFormat?

    @Option(help: ArgumentHelp("Draw only this element and its neighbours.", valueName: "ID"), completion: Completions.elementIDs)
    var focus: String?

    @Option(help: ArgumentHelp("Draw only this boundary's elements and what they talk to.", valueName: "ID"), completion: Completions.boundaryIDs)
    var boundary: String?

    @Flag(help: "Draw the overview of boundaries, whatever the model's size.")
    var overview = false

    @Flag(help: "Draw every element, whatever the model's size.")
    var full = false

    @Flag(help: "Draw attack paths from untrusted actors to confidential or secret data.")
    var paths = false

    @Flag(name: .customLong("no-threats"), help: "Leave out threat badges and colours.")
    var noThreats = false

    @Option(help: "Layout engine: dot or sfdp (default: dot; sfdp for overviews of many zones).")
    var layout: LayoutEngine?

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        let views = [focus != nil, boundary != nil, overview, full].filter { $0 }.count
        if views > 1 { throw ValidationError("choose one of --focus, --boundary, --overview and --full") }
        if format == nil && DiagramFormat(path: output) == nil {
            throw ValidationError("cannot tell the format of '\(output)'; use an .svg, .png, .pdf or .dot name, or --format")
        }
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
        options.date = analysis.options.asOf
        let dot: DOTGraph
        do {
            dot = try DiagramBuilder(vocabulary: catalogue.vocabulary, options: options).build(analysis)
        } catch let error as DiagramError {
            throw CommandError.invalidInput(error.description)
        }
        let target = format ?? DiagramFormat(path: output)!
        let bytes: [UInt8]
        do {
            bytes = try await GraphvizRenderer.shared.render(dot: dot.write(), format: target,
                                                             layout: layout ?? LayoutEngine(rawValue: dot.layout) ?? .dot)
        } catch let error as RenderError {
            throw CommandError.environment(error.description)
        }
        try Console.write(bytes, to: output)
        if !Console.isStandardOutput(output) { Console.out("wrote \(output)\n") }
    }
}

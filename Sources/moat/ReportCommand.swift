import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatDiagram
import MoatReports

/// `moat report FILE -o review.html|review.md`: the design-review pack.
struct ReportCommand: AsyncParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the design-review pack: one self-contained HTML file, or Markdown.",
        discussion: """
            The HTML has the summary (open threats by severity and status, declared and evidenced maturity
            and what the next level needs), the annotated diagram inline (select a component to jump to its
            threats), threat tables per component with CWE/CAPEC links and mitigations, the mitigation
            roadmap by maturity level, the tracking decisions and an appendix of the rules that fired. It
            needs no network and no JavaScript, and prints to PDF from a browser. The Markdown variant suits
            wikis and pull requests.

            Example:
              moat report Samples/online-shop.moat -o review.html
            """
    )

    @Argument(help: ArgumentHelp("The model ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("review.html or review.md (the format comes from the extension).", valueName: "OUT"))
    var output: String

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        let ext = (output as NSString).pathExtension.lowercased()
        guard ["html", "htm", "md", "markdown"].contains(ext) else {
            throw ValidationError("cannot tell the report format of '\(output)'; name it .html or .md")
        }
    }

    func run() async throws {
        let (analysis, catalogue) = try analysisArguments.analyze(file, input: input.reader)
        let report = ReportModel(analysis, catalogue: catalogue, includeMitigated: true)
        if ["md", "markdown"].contains((output as NSString).pathExtension.lowercased()) {
            try Console.write(MarkdownReportWriter(full: true, controls: catalogue.controls).write(report), to: output)
            Console.out("wrote \(output)\n")
            return
        }
        var options = DiagramOptions()
        options.linkPrefix = HTMLReportWriter.componentAnchor
        options.date = analysis.options.asOf
        let svg: String
        do {
            let dot = try DiagramBuilder(vocabulary: catalogue.vocabulary, options: options).build(analysis)
            let bytes = try await GraphvizRenderer.shared.render(dot: dot.write(), format: .svg,
                                                                 layout: LayoutEngine(rawValue: dot.layout) ?? .dot)
            svg = String(decoding: bytes, as: UTF8.self)
        } catch let error as RenderError {
            throw CommandError.environment(error.description)
        }
        let html = HTMLReportWriter(toolVersion: MoatVersion.string).write(report, controls: catalogue.controls, diagramSVG: svg)
        try Console.write(html, to: output)
        Console.out("wrote \(output)\n")
    }
}

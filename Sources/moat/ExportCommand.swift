import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatInterop

/// `moat export FILE --to otm [--format json|yaml] [-o OUT]`: the model and its threats for other tools.
struct ExportCommand: ParsableCommand, ColourOutput, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a model and its threats as an Open Threat Model (OTM) file.",
        discussion: """
            Boundaries become trust zones (with a trust rating), elements \
            components, flows dataflows, data assets assets, and every finding an \
            OTM threat with its mitigations, referenced from its component or \
            dataflow with its status. Moat attributes and tracking statements travel \
            under 'attributes.moat', so 'moat import' gives back the same model. \
            The output validates against the OTM 0.2.0 JSON schema. It is JSON \
            unless --format, or an .yaml/.yml output name, says YAML.

            Example:
              moat export Samples/online-shop.moat --to otm -o shop.otm.json
              moat export threagile.yaml --to otm --format yaml --no-threats
            """
    )

    @Argument(help: ArgumentHelp("The model (Moat, or any format 'moat import' reads; '-' for standard input).", valueName: "FILE"),
              completion: Completions.modelFile)
    var file: String

    @Option(help: ArgumentHelp("The target format: otm.", valueName: "FORMAT"))
    var to: Target

    @Option(help: "Notation of the output: json or yaml.")
    var format: OTMExporter.Notation?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "OUT"))
    var output: String?

    @Flag(name: .customLong("no-threats"), help: "Leave out the findings (threats and mitigations).")
    var noThreats = false

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    enum Target: String, ExpressibleByArgument, CaseIterable { case otm }

    func run() throws {
        let (analysis, catalogue) = try analysisArguments.analyze(file, input: input.reader)
        let notation: OTMExporter.Notation
        if let format {
            notation = format
        } else if let output, ["yaml", "yml"].contains((output as NSString).pathExtension.lowercased()) {
            notation = .yaml
        } else {
            notation = .json
        }
        let text: String
        do {
            text = try OTMExporter(catalogue: catalogue).export(analysis.model, findings: noThreats ? nil : analysis.findings,
                                                                as: notation)
        } catch {
            throw CommandError.environment("cannot write YAML: \(error)")
        }
        try Console.write(text, to: output, replacing: .regenerable)
    }
}

import ArgumentParser
import MoatCommandSupport
import MoatCore
import MoatReports

/// `moat graph FILE --format json`: the resolved component graph for other tools.
struct GraphCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the resolved component graph.",
        discussion: """
            The JSON lists elements (with zone trust, reachability from untrusted zones, inbound and \
            outbound flows), boundaries (tree and effective trust), flows (with the boundaries they \
            exit and enter and the crossing direction), data assets and tracking entries.

            Example:
              moat graph Samples/online-shop.moat --format json
            """
    )

    @Argument(help: ArgumentHelp("The model ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(help: "Output format (json).")
    var format: Format = .json

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "OUT"))
    var output: String?

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json
    }

    func run() throws {
        let catalogue = try catalogueOptions.load(rules: false)
        let result = try catalogueOptions.loadModel(file, catalogue: catalogue, input: input.reader)
        guard let model = result.model else { throw CommandError.alreadyReported }
        let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
        try Console.write(GraphJSON().value(graph).serialized() + "\n", to: output, replacing: .regenerable)
    }
}

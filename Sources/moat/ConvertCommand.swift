import ArgumentParser
import MoatCommandSupport
import MoatCore

/// `moat convert FILE --to moat|yaml|json`: the same model in another notation.
struct ConvertCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model between Moat text, YAML and JSON.",
        discussion: """
            The model is validated first. Include statements are kept, not inlined. Comments are \
            kept when converting to Moat text from Moat text and dropped in YAML and JSON.

            Example:
              moat convert Samples/online-shop.moat --to yaml -o shop.yaml
            """
    )

    @Argument(help: ArgumentHelp("The model to convert ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(help: "Target notation: moat, yaml or json.")
    var to: Document.Notation

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "OUT"))
    var output: String?

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    func run() throws {
        let catalogue = try catalogueOptions.load(rules: false)
        let result = try catalogueOptions.loadModel(file, catalogue: catalogue, input: input.reader)
        let document = result.documents[0]
        let text: String
        switch to {
        case .moat: text = MoatFormatter(vocabulary: catalogue.vocabulary).format(document)
        case .json: text = DocumentTree(vocabulary: catalogue.vocabulary).json(document)
        case .yaml:
            do {
                text = try DocumentTree(vocabulary: catalogue.vocabulary).yaml(document)
            } catch {
                throw CommandError.environment("cannot write YAML: \(error)")
            }
        }
        try Console.write(text, to: output)
    }
}

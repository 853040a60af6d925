import ArgumentParser
import MoatCommandSupport
import MoatCore
import MoatReports

/// `moat schema`: the JSON Schema of the YAML/JSON model form.
struct SchemaCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the YAML and JSON model form.",
        discussion: """
            Generated from the attribute vocabulary; Models/moat.schema.json is its output.

            Example:
              moat schema > moat.schema.json
            """
    )

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var terminal: TerminalOptions

    func run() throws {
        Console.out(ModelSchema(vocabulary: try catalogueOptions.load(rules: false).vocabulary).json())
    }
}

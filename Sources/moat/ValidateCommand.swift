import ArgumentParser
import MoatCommandSupport
import MoatCore

/// `moat validate FILE…`: checks models and reports every problem at once.
struct ValidateCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check models for errors and lint warnings.",
        discussion: """
            Prints every error and warning as file:line:col with the source line and a caret. \
            Exits 0 when the models are valid (warnings allowed) and 2 when any has errors.

            Example:
              moat validate Samples/online-shop.moat
            """
    )

    @Argument(help: ArgumentHelp("Model files (.moat, .yaml, .json; '-' for standard input).", valueName: "FILE"),
              completion: Completions.modelFile)
    var files: [String]

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var input: ModelInputOptions

    @Flag(name: .customLong("quiet"), help: "Print only diagnostics, no summary line.")
    var quiet = false

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input ('-') can be read once") }
    }

    func run() throws {
        let catalogue = try catalogueOptions.load(rules: false)
        var failed = false
        let reader = input.reader
        for argument in files {
            let path = reader.path(argument)
            // A model is checked against its project's vocabulary; a broken project file fails that model.
            let projectCatalogue: Catalogue
            do {
                (projectCatalogue, _) = try catalogueOptions.projectCatalogue(catalogue, forModel: path)
            } catch let error as CommandError {
                Console.report(error)
                failed = true
                continue
            }
            let result = catalogueOptions.modelLoader(projectCatalogue, sourceLoader: reader.sourceLoader()).load(path: path)
            Console.report(result.diagnostics)
            if result.hasErrors {
                failed = true
                let errors = result.errorCount
                if !quiet { Console.err("\(TerminalText.sanitize(path)): \(errors) error\(errors == 1 ? "" : "s")\n") }
            } else if let model = result.model, !quiet {
                let warnings = result.diagnostics.filter { $0.severity == .warning }.count
                func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
                Console.out("\(TerminalText.sanitize(path)): ok — \(count(model.elements.count, "element")), \(count(model.flows.count, "flow")), "
                    + "\(count(model.boundaries.count, "boundary").replacingOccurrences(of: "boundarys", with: "boundaries")), "
                    + "\(count(model.data.count, "data asset"))"
                    + (warnings > 0 ? ", \(count(warnings, "warning"))" : "") + "\n")
            }
        }
        if failed { throw CommandError.alreadyReported }
    }
}

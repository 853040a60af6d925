import ArgumentParser
import MoatCommandSupport
import MoatCore

/// `moat validate FILE…`: checks models and reports every problem at once.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check models for errors and lint warnings.",
        discussion: """
            Prints every error and warning as file:line:col with the source line and a caret.
            Exits 0 when the models are valid (warnings allowed) and 2 when any has errors.

            Example:
              moat validate Samples/online-shop.moat
            """
    )

    @Argument(help: ArgumentHelp("Model files (.moat, .yaml, .json).", valueName: "FILE"))
    var files: [String]

    @OptionGroup var catalogueOptions: CatalogueOptions

    @Flag(name: .customLong("quiet"), help: "Print only diagnostics, no summary line.")
    var quiet = false

    func run() throws {
        let catalogue = try catalogueOptions.load()
        var failed = false
        for path in files {
            // A model is checked against its project's vocabulary; a broken project file fails that model.
            guard let (projectCatalogue, _) = try? catalogueOptions.projectCatalogue(catalogue, forModel: path) else {
                failed = true
                if !quiet { Console.err("\(path): the project file has errors\n") }
                continue
            }
            let result = catalogueOptions.modelLoader(projectCatalogue).load(path: path)
            Console.report(result.diagnostics)
            if result.hasErrors {
                failed = true
                let errors = result.errorCount
                if !quiet { Console.err("\(path): \(errors) error\(errors == 1 ? "" : "s")\n") }
            } else if let model = result.model, !quiet {
                let warnings = result.diagnostics.filter { $0.severity == .warning }.count
                func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
                Console.out("\(path): ok — \(count(model.elements.count, "element")), \(count(model.flows.count, "flow")), "
                    + "\(count(model.boundaries.count, "boundary").replacingOccurrences(of: "boundarys", with: "boundaries")), "
                    + "\(count(model.data.count, "data asset"))"
                    + (warnings > 0 ? ", \(count(warnings, "warning"))" : "") + "\n")
            }
        }
        if failed { throw ExitStatus.invalidInput.exitCode }
    }
}

import ArgumentParser
import Foundation
import MoatCore

/// `--models DIR`: where the vocabulary, maturity model and rules come from.
struct CatalogueOptions: ParsableArguments {
    @Option(name: .customLong("models"), help: ArgumentHelp("Use the catalogues in DIR instead of the built-in ones.", valueName: "DIR"))
    var modelsDirectory: String?

    /// Loads the catalogue or exits with the environment status.
    func load() throws -> Catalogue {
        do {
            if let dir = modelsDirectory { return try Catalogue.load(from: URL(fileURLWithPath: dir)) }
            return try Catalogue.builtIn.get()
        } catch {
            Console.err("moat: error: \(error)\n")
            throw ExitStatus.environment.exitCode
        }
    }

    /// Loads a model, printing its diagnostics; exits with status 2 when it has errors.
    func loadModel(_ path: String, catalogue: Catalogue) throws -> LoadResult {
        let result = ModelLoader(catalogue: catalogue).load(path: path)
        Console.report(result.diagnostics)
        if result.hasErrors { throw ExitStatus.invalidInput.exitCode }
        return result
    }
}

import ArgumentParser
import Foundation
import MoatCore
import MoatInterop

/// `--models DIR`: where the vocabulary, maturity model and rules come from.
public struct CatalogueOptions: ParsableArguments {
    @Option(name: .customLong("models"), help: ArgumentHelp("Use the catalogues in DIR instead of the built-in ones.", valueName: "DIR"))
    public var modelsDirectory: String?

    public init() {}

    /// Loads the catalogue or exits with the environment status.
    public func load() throws -> Catalogue {
        do {
            if let dir = modelsDirectory { return try Catalogue.load(from: URL(fileURLWithPath: dir)) }
            return try Catalogue.builtIn.get()
        } catch {
            Console.err("moat: error: \(error)\n")
            throw ExitStatus.environment.exitCode
        }
    }

    /// The loader every command uses: Moat models, and Threagile, Threat Dragon and OTM files read directly.
    public func modelLoader(_ catalogue: Catalogue, sourceLoader: SourceLoader = SourceLoader()) -> ModelLoader {
        ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary), sourceLoader: sourceLoader)
    }

    /// Loads a model, printing its diagnostics; exits with status 2 when it has errors.
    public func loadModel(_ path: String, catalogue: Catalogue) throws -> LoadResult {
        let result = modelLoader(catalogue).load(path: path)
        Console.report(result.diagnostics)
        if result.hasErrors { throw ExitStatus.invalidInput.exitCode }
        return result
    }
}

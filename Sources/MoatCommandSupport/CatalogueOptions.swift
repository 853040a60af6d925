import ArgumentParser
import Foundation
import MoatCore
import MoatInterop

/// `--models DIR`: where the vocabulary, maturity model and rules come from.
public struct CatalogueOptions: ParsableArguments {
    @Option(name: .customLong("models"), help: ArgumentHelp("Use the catalogues in DIR instead of the built-in ones.", valueName: "DIR"))
    public var modelsDirectory: String?

    @Option(name: .customLong("project"),
            help: ArgumentHelp("The project file (vocabulary additions, policy floor); default: the nearest moat.yaml above the model.",
                               valueName: "FILE"))
    public var projectFile: String?

    @Option(name: .customLong("allow-include"), parsing: .singleValue,
            help: ArgumentHelp("Let models include files from DIR too (by default includes stay in the model's tree).", valueName: "DIR"))
    public var allowedIncludeFolders: [String] = []

    public init() {}

    /// The catalogue for one model: `base` extended by the project file that applies to it. Its
    /// diagnostics are printed; errors exit 2.
    public func projectCatalogue(_ base: Catalogue, forModel path: String) throws -> (Catalogue, ProjectFile?) {
        let (catalogue, project, diagnostics) = base.forModel(at: path, projectFile: projectFile)
        Console.report(diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitStatus.invalidInput.exitCode }
        return (catalogue, project)
    }

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
        var loader = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary),
                                 sourceLoader: sourceLoader)
        loader.allowedIncludeFolders = allowedIncludeFolders
        return loader
    }

    /// Loads a model, printing its diagnostics; exits with status 2 when it has errors.
    public func loadModel(_ path: String, catalogue: Catalogue) throws -> LoadResult {
        let (catalogue, _) = try projectCatalogue(catalogue, forModel: path)
        let result = modelLoader(catalogue).load(path: path)
        Console.report(result.diagnostics)
        if result.hasErrors { throw ExitStatus.invalidInput.exitCode }
        return result
    }
}

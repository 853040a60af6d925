import ArgumentParser
import Foundation
import MoatCore
import MoatInterop

/// `--models DIR`: where the vocabulary, maturity model and rules come from.
public struct CatalogueOptions: ParsableArguments {
    /// `--models DIR`: a folder with `vocabulary.yaml`, `maturity/` and `rules/` replacing the built-in
    /// catalogues; nil for the built-in ones.
    @Option(name: .customLong("models"), help: ArgumentHelp("Use the catalogues in DIR instead of the built-in ones.", valueName: "DIR"))
    public var modelsDirectory: String?

    /// `--project FILE`: the project file to use; nil to find the nearest `moat.yaml` above each model.
    @Option(name: .customLong("project"),
            help: ArgumentHelp("The project file (vocabulary additions, policy floor); default: the nearest moat.yaml above the model.",
                               valueName: "FILE"))
    public var projectFile: String?

    /// `--allow-include DIR` (repeatable): folders outside the model's tree that its includes may read from.
    @Option(name: .customLong("allow-include"), parsing: .singleValue,
            help: ArgumentHelp("Let models include files from DIR too (by default includes stay in the model's tree).", valueName: "DIR"))
    public var allowedIncludeFolders: [String] = []

    public init() {}

    /// The catalogue for one model: `base` extended by the project file that applies to it (printing its
    /// warnings; its errors are thrown, exit 2).
    public func projectCatalogue(_ base: Catalogue, forModel path: String) throws -> (Catalogue, ProjectFile?) {
        let (catalogue, project, diagnostics) = base.forModel(at: path, projectFile: projectFile)
        if diagnostics.contains(where: { $0.severity == .error }) { throw CommandError.invalid(diagnostics) }
        Console.report(diagnostics)
        return (catalogue, project)
    }

    /// Loads the catalogue; a catalogue that does not load is an environment error (exit 3). Commands that
    /// run or list rules pass `rules: true`; the others skip reading and compiling them (most of the start-up).
    public func load(rules: Bool) throws -> Catalogue {
        let source = modelsDirectory.map { "the catalogues in '\($0)'" } ?? "the built-in catalogues"
        do {
            if let dir = modelsDirectory { return try Catalogue.load(from: URL(fileURLWithPath: dir), rules: rules) }
            guard rules else { return try Catalogue.builtInWithoutRules.get() }
            CommandRunner.awaitWarmUp()
            return try Catalogue.builtIn.get()
        } catch let error as Catalogue.LoadError where !error.diagnostics.isEmpty {
            // Problems at places in the files are shown there; a file that cannot be read is the message.
            let placed = error.diagnostics.filter { $0.range != nil }
            let unplaced = error.diagnostics.filter { $0.range == nil }.map(\.message)
            throw CommandError("cannot load \(source)" + (unplaced.first.map { ": \($0)" } ?? ""),
                               notes: Array(unplaced.dropFirst()), status: .environment, diagnostics: placed)
        } catch {
            throw CommandError.environment("cannot load \(source): \(error)")
        }
    }

    /// The loader every command uses: Moat models, and Threagile, Threat Dragon and OTM files read directly.
    public func modelLoader(_ catalogue: Catalogue, sourceLoader: SourceLoader = SourceLoader()) -> ModelLoader {
        var loader = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary),
                                 sourceLoader: sourceLoader)
        loader.allowedIncludeFolders = allowedIncludeFolders
        return loader
    }

    /// Loads a model (`-`: standard input) with its project's vocabulary, printing its warnings; its errors
    /// are thrown, to be printed once by the runner (exit 2).
    public func loadModel(_ path: String, catalogue: Catalogue, input: ModelInput = ModelInput()) throws -> LoadResult {
        let (catalogue, _) = try projectCatalogue(catalogue, forModel: input.path(path))
        let result = modelLoader(catalogue, sourceLoader: input.sourceLoader()).load(path: input.path(path))
        if result.hasErrors { throw CommandError.invalid(result.diagnostics) }
        Console.report(result.diagnostics)
        return result
    }
}

/// `--rules DIR` and `--models DIR`: the rule catalogue, for the commands that list or run rules.
public struct RuleArguments: ParsableArguments {
    /// `--rules DIR`: a folder of rule files added to the catalogue; a rule with a built-in id replaces it.
    @Option(name: .customLong("rules"), help: ArgumentHelp("Add the rule files in DIR; a rule with a built-in id replaces it.", valueName: "DIR"))
    public var rulesDirectory: String?

    /// `--models`, `--project` and `--allow-include`.
    @OptionGroup public var catalogueOptions: CatalogueOptions

    public init() {}

    /// The catalogue with `--rules` applied; rule-file errors are invalid input (exit 2).
    public func catalogue() throws -> Catalogue {
        let base = try catalogueOptions.load(rules: true)
        guard let dir = rulesDirectory else { return base }
        let (catalogue, problems) = base.adding(rulesFrom: URL(fileURLWithPath: dir))
        if problems.contains(where: { $0.severity == .error }) { throw CommandError.invalid(problems) }
        Console.report(problems)
        return catalogue
    }
}

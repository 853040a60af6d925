import ArgumentParser
import Foundation
import MoatCore

/// Options shared by the commands that analyse a model.
public struct AnalysisArguments: ParsableArguments {
    /// `--level N`: analyse as if the model declared maturity level N (1–5); nil to use what it declares.
    @Option(help: ArgumentHelp("Evaluate as if maturity level N (1-5) were declared.", valueName: "N"))
    public var level: Int?

    /// `--as-of DATE`: the date (`YYYY-MM-DD`) tracking expiry is judged on; nil for today (UTC).
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Treat this date (YYYY-MM-DD) as today for tracking expiry.", valueName: "DATE"))
    public var asOf: String?

    /// `--min-level N`: the policy floor (1–5) findings are judged against, whatever the model declares;
    /// a project file's `policy: min-level` can raise it.
    @Option(name: .customLong("min-level"),
            help: ArgumentHelp("Judge findings against at least this maturity level (1-5), whatever the model declares.", valueName: "N"))
    public var minimumLevel: Int?

    /// `--rules DIR` and `--models DIR`: where the catalogue comes from.
    @OptionGroup public var ruleArguments: RuleArguments

    public init() {}

    public func validate() throws {
        if let level, !(1...5).contains(level) { throw ValidationError("--level must be from 1 to 5, not \(level)") }
        if let minimumLevel, !(1...5).contains(minimumLevel) { throw ValidationError("--min-level must be from 1 to 5, not \(minimumLevel)") }
        if let asOf, let problem = DateArgument.problem(asOf, option: "--as-of") { throw problem }
    }

    /// `--models`.
    public var catalogueOptions: CatalogueOptions { ruleArguments.catalogueOptions }

    /// `--rules`.
    public var rulesDirectory: String? { ruleArguments.rulesDirectory }

    /// The catalogue with `--rules` applied; rule-file errors are invalid input (exit 2).
    public func catalogue() throws -> Catalogue { try ruleArguments.catalogue() }

    /// The analysis options these arguments give, without a project file's policy floor (see `options(for:)`).
    public var options: AnalysisOptions {
        AnalysisOptions(declaredLevel: level, minimumLevel: minimumLevel, asOf: asOf ?? AnalysisOptions.today())
    }

    /// The options for a model of `project`: its policy floor counts with `--min-level` (the higher wins).
    public func options(for project: ProjectFile?) -> AnalysisOptions {
        var options = self.options
        if let floor = project?.minimumLevel { options.minimumLevel = max(options.minimumLevel ?? 1, floor) }
        return options
    }

    /// Loads the catalogue and one model (`-`: standard input) and analyses it; warnings go to stderr,
    /// errors are thrown (exit 2).
    public func analyze(_ path: String, input: ModelInput = ModelInput(), reportTracking: Bool = true) throws -> (Analysis, Catalogue) {
        let (catalogue, project) = try catalogueOptions.projectCatalogue(try catalogue(), forModel: input.path(path))
        return (try analyze(path, catalogue: catalogue, project: project, input: input, reportTracking: reportTracking), catalogue)
    }

    /// Loads and analyses one model; warnings go to stderr, errors are thrown (exit 2). Tracking warnings
    /// are printed unless the caller reports them itself.
    public func analyze(_ path: String, catalogue: Catalogue, input: ModelInput = ModelInput(),
                        reportTracking: Bool = true) throws -> Analysis {
        let (catalogue, project) = try catalogueOptions.projectCatalogue(catalogue, forModel: input.path(path))
        return try analyze(path, catalogue: catalogue, project: project, input: input, reportTracking: reportTracking)
    }

    /// Loads and analyses one model with a catalogue already extended by its project.
    private func analyze(_ path: String, catalogue: Catalogue, project: ProjectFile?, input: ModelInput,
                         reportTracking: Bool) throws -> Analysis {
        // Only the model is kept: the syntax trees of the files (a third of the memory the analysis would
        // otherwise hold at its peak) go before the analysis starts. They are freed node by node on another
        // thread while this one builds the graph: 38 M instructions at 10,000 elements, more than the graph.
        let model: Model = try {
            let result = catalogueOptions.modelLoader(catalogue, sourceLoader: input.sourceLoader()).load(path: input.path(path))
            if result.hasErrors { throw CommandError.invalid(result.diagnostics) }
            Console.report(result.diagnostics)
            guard let model = result.model else { throw CommandError.alreadyReported }
            DispatchQueue.global().async { withExtendedLifetime(result) {} }
            return model
        }()
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: options(for: project))
        if reportTracking { Console.report(analysis.diagnostics) }
        return analysis
    }
}

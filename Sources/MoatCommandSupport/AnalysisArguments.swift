import ArgumentParser
import Foundation
import MoatCore

/// Options shared by the commands that analyse a model.
public struct AnalysisArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Evaluate as if maturity level N (1-5) were declared.", valueName: "N"))
    public var level: Int?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Treat this date (YYYY-MM-DD) as today for tracking expiry.", valueName: "DATE"))
    public var asOf: String?

    @OptionGroup public var ruleArguments: RuleArguments

    public init() {}

    public func validate() throws {
        if let level, !(1...5).contains(level) { throw ValidationError("--level must be from 1 to 5, not \(level)") }
        if let asOf, let problem = DateArgument.problem(asOf, option: "--as-of") { throw problem }
    }

    /// `--models`.
    public var catalogueOptions: CatalogueOptions { ruleArguments.catalogueOptions }

    /// `--rules`.
    public var rulesDirectory: String? { ruleArguments.rulesDirectory }

    /// The catalogue with `--rules` applied; rule-file errors are invalid input (exit 2).
    public func catalogue() throws -> Catalogue { try ruleArguments.catalogue() }

    public var options: AnalysisOptions {
        AnalysisOptions(declaredLevel: level, asOf: asOf ?? Self.today())
    }

    public static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }

    /// Loads the catalogue and one model (`-`: standard input) and analyses it; warnings go to stderr,
    /// errors are thrown (exit 2).
    public func analyze(_ path: String, input: ModelInput = ModelInput(), reportTracking: Bool = true) throws -> (Analysis, Catalogue) {
        let catalogue = try catalogue()
        return (try analyze(path, catalogue: catalogue, input: input, reportTracking: reportTracking), catalogue)
    }

    /// Loads and analyses one model; warnings go to stderr, errors are thrown (exit 2). Tracking warnings
    /// are printed unless the caller reports them itself.
    public func analyze(_ path: String, catalogue: Catalogue, input: ModelInput = ModelInput(),
                        reportTracking: Bool = true) throws -> Analysis {
        // Only the model is kept: the syntax trees of the files go before the analysis starts.
        guard let model = try catalogueOptions.loadModel(path, catalogue: catalogue, input: input).model else {
            throw CommandError.alreadyReported
        }
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: options)
        if reportTracking { Console.report(analysis.diagnostics) }
        return analysis
    }
}

import ArgumentParser
import MoatCommandSupport
import MoatCore
import MoatReports

/// `moat analyze FILE` (or `moat analyse`): the threats of every component, worst first, and the maturity summary.
struct AnalyzeCommand: ParsableCommand, ColourOutput, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "List the threats of every component, worst first, with a maturity summary.",
        discussion: """
            Each finding is a rule that fired on an element (id rule@element), with its STRIDE \
            categories, contextual severity, status (gap, roadmap, mitigated, accepted, …), the maturity \
            level that should cover it, CWE/CAPEC ids and mitigations. Mitigated findings are counted but \
            listed only with --all (tables and Markdown; JSON and CSV list every finding). The table names \
            a flow without an id of its own a→b, so that rule@a→b pastes into 'moat explain' unquoted.

            Example:
              moat analyze Samples/online-shop.moat --level 4 --format markdown
            """,
        aliases: ["analyse"]
    )

    @Argument(help: ArgumentHelp("The model ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @Option(help: "Output format: table, markdown, json or csv.")
    var format: Format = .table

    @Flag(help: "Also list mitigated findings.")
    var all = false

    @Flag(help: "Instead of the findings, list per element and flow the STRIDE categories that no finding covers, and why.")
    var coverage = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "OUT"))
    var output: String?

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, markdown, json, csv
    }

    func run() throws {
        let (analysis, catalogue) = try analysisArguments.analyze(file, input: input.reader)
        let out = try OutputFile(output, replacing: .regenerable)
        let report = { ReportModel(analysis, catalogue: catalogue, includeMitigated: all) }
        if coverage {
            let model = report()
            switch format {
            case .table: out.write(Array(TableWriter().writeCoverage(model).utf8))
            case .markdown: out.write(Array(MarkdownReportWriter().coverage(model).utf8))
            case .json: out.write(Array((Self.coverageJSON(model.coverage).serialized() + "\n").utf8))
            case .csv: out.write(Array(CSVReportWriter().writeCoverage(model).utf8))
            }
            try out.close()
            return
        }
        switch format {
        case .table:
            // Severities in colour on a terminal (never in a file).
            let colour = Console.isStandardOutput(output) && Console.colour.standardOutput
            out.write(Array(SeverityColours.table(TableWriter().write(report()), colour: colour).utf8))
        case .markdown: out.write(Array(MarkdownReportWriter().write(report()).utf8))
        case .json: JSONReportWriter().write(analysis, to: out.write)
        case .csv: out.write(Array(CSVReportWriter().write(report()).utf8))
        }
        try out.close()
        CommandRunner.exitWithoutTeardown()
    }

    /// `--coverage --format json`: `{"coveredShare", "pairsExpected", "entitiesInScope", "uncovered": [{id, kind, stride, reason}]}`.
    static func coverageJSON(_ c: Coverage) -> JSONValue {
        var rows: [JSONValue] = []
        for entry in c.entries {
            for gap in entry.gaps {
                rows.append(.object([("id", .string(entry.id)), ("kind", .string(entry.kind.rawValue)),
                                     ("stride", .string(gap.stride.rawValue)), ("reason", .string(gap.reason.text))]))
            }
        }
        return .object([("coveredShare", .number((c.coveredShare * 1000).rounded() / 1000)),
                         ("pairsExpected", .number(Double(c.pairsExpected))),
                         ("entitiesInScope", .number(Double(c.entitiesInScope))), ("uncovered", .array(rows))])
    }
}

import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatReports

/// `moat check FILE… --fail-on SEVERITY`: the CI gate, with SARIF and baselines.
struct CheckCommand: ParsableCommand, ColourOutput, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Gate a pipeline on threat findings; write SARIF for code-scanning dashboards.",
        discussion: """
            Exits 1 when a finding in the gate reaches the --fail-on severity, 0 otherwise, and 2 on invalid \
            input (including tracking entries that match no finding). The gate is 'gaps' (open findings that \
            the declared maturity level should already cover) or 'open' (gaps and roadmap items). Findings \
            whose ids are in --baseline do not gate. Each gating finding is printed as file:line:col. \
            The SARIF file is written even when a model does not load: its run then reports the errors as \
            tool execution notifications, with executionSuccessful false.

            Example:
              moat check Samples/*.moat --fail-on high --sarif moat.sarif
              moat check model.moat --baseline .moat-baseline.json
            """
    )

    @Argument(help: ArgumentHelp("Model files ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var files: [String]

    @Option(name: .customLong("fail-on"), help: "Fail when a gated finding is at least this severe: low, medium, high or critical.")
    var failOn: Severity = .high

    @Option(help: "Which findings gate: gaps (default) or open (gaps and roadmap).")
    var gate: Gate = .gaps

    @Option(help: ArgumentHelp("Write SARIF 2.1.0 here.", valueName: "OUT"))
    var sarif: String?

    @Option(help: ArgumentHelp("Ignore findings whose ids are in this baseline file.", valueName: "FILE"))
    var baseline: String?

    @Option(name: .customLong("write-baseline"), help: ArgumentHelp("Write the ids of all open findings here, to accept them as known.", valueName: "FILE"))
    var writeBaseline: String?

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    enum Gate: String, ExpressibleByArgument, CaseIterable { case gaps, open }

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input ('-') can be read once") }
    }

    func run() throws {
        let catalogue: Catalogue
        let known: Baseline?
        do {
            catalogue = try analysisArguments.catalogue()
            known = try baseline.map(readBaseline)
        } catch let error as CommandError {
            // Nothing was analysed; a SARIF consumer still learns why.
            try writeSARIF([], errors: Self.errors(of: error))
            throw error
        }
        var analyses: [Analysis] = []
        var problems: [Diagnostic] = []
        var invalid = false
        for file in files {
            let analysis: Analysis
            do {
                analysis = try analysisArguments.analyze(file, catalogue: catalogue, input: input.reader, reportTracking: false)
            } catch let error as CommandError {
                Console.report(error)
                problems += Self.errors(of: error)
                invalid = true
                continue
            }
            // Under `check`, a tracking entry that matches nothing is an error: it hides nothing and is
            // probably a typo for an entry that should.
            let tracking = analysis.diagnostics.map { d -> Diagnostic in
                var d = d
                if d.id == .unmatchedTracking { d.severity = .error; problems.append(d); invalid = true }
                return d
            }
            Console.report(tracking)
            analyses.append(analysis)
        }
        var gating: [Finding] = []
        for analysis in analyses {
            for f in analysis.findings where f.isOpen && f.severity >= failOn {
                guard gate == .open || f.status == .gap else { continue }
                if known?.findingIDs.contains(f.id) == true { continue }
                gating.append(f)
            }
        }
        for f in gating {
            Console.report([.error(
                .finding, "[\(f.severity.rawValue)] \(TerminalText.pasteableID(f.id)): \(f.rule.title) (\(f.status.rawValue), expected at level \(f.expectedLevel))",
                at: f.range)])
        }
        try writeSARIF(analyses, errors: problems, baseline: known)
        if let writeBaseline {
            let ids = analyses.flatMap { $0.findings.filter(\.isOpen).map(\.id) }
            try Console.write(Baseline(findingIDs: Set(ids)).json(), to: writeBaseline)
        }
        let open = analyses.reduce(0) { $0 + $1.findings.filter(\.isOpen).count }
        let suppressed = known.map { k in analyses.reduce(0) { $0 + $1.findings.filter { $0.isOpen && k.findingIDs.contains($0.id) }.count } } ?? 0
        Console.out("moat check: \(gating.count) finding\(gating.count == 1 ? "" : "s") at or above \(failOn.rawValue) in the \(gate.rawValue) gate"
            + " (\(open) open in \(analyses.count) model\(analyses.count == 1 ? "" : "s")"
            + (known != nil ? ", \(suppressed) in the baseline" : "") + ")\n")
        if invalid { throw CommandError.alreadyReported }
        if !gating.isEmpty { throw CommandError.findings }
    }

    func readBaseline(_ path: String) throws -> Baseline {
        do {
            return try Baseline.read(try SourceLoader.readFromDisk(path), path: path)
        } catch let error as Baseline.ReadError {
            throw CommandError.invalidInput(error.description)
        } catch {
            throw CommandError.invalidInput("cannot read baseline '\(path)'")
        }
    }

    /// The SARIF log, when asked for; `errors` (what stopped models or the run) become the invocation's
    /// tool execution notifications.
    func writeSARIF(_ analyses: [Analysis], errors: [Diagnostic], baseline: Baseline? = nil) throws {
        guard let sarif else { return }
        try Console.write(SARIFWriter(toolVersion: MoatVersion.string, baseline: baseline).write(analyses, loadErrors: errors), to: sarif,
                          replacing: .regenerable)
    }

    /// The errors of a command error: its error diagnostics, and its message as one without a place.
    static func errors(of error: CommandError) -> [Diagnostic] {
        error.diagnostics.filter { $0.severity == .error }
            + (error.message.map { [.error(.command, $0, at: nil, notes: error.notes.map { DiagnosticNote($0) })] } ?? [])
    }
}

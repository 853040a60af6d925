import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatReports

/// `moat check FILE… --fail-on SEVERITY`: the CI gate, with SARIF and baselines.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Gate a pipeline on threat findings; write SARIF for code-scanning dashboards.",
        discussion: """
            Exits 1 when a finding in the gate reaches the --fail-on severity, 0 otherwise, and 2 on invalid
            input (including tracking entries that match no finding). The gate is 'gaps' (open findings that
            the declared maturity level should already cover) or 'open' (gaps and roadmap items). Findings
            whose ids are in --baseline do not gate. Each gating finding is printed as file:line:col.

            Example:
              moat check Samples/*.moat --fail-on high --sarif moat.sarif --baseline .moat-baseline.json
            """
    )

    @Argument(help: ArgumentHelp("Model files.", valueName: "FILE"))
    var files: [String]

    @Option(name: .customLong("fail-on"), help: "Fail when a gated finding is at least this severe: low, medium, high or critical.")
    var failOn: SeverityArgument = .high

    @Option(help: "Which findings gate: gaps (default) or open (gaps and roadmap).")
    var gate: Gate = .gaps

    @Option(help: ArgumentHelp("Write SARIF 2.1.0 here.", valueName: "OUT"))
    var sarif: String?

    @Option(help: ArgumentHelp("Ignore findings whose ids are in this baseline file.", valueName: "FILE"))
    var baseline: String?

    @Option(name: .customLong("write-baseline"), help: ArgumentHelp("Write the ids of all open findings here, to accept them as known.", valueName: "FILE"))
    var writeBaseline: String?

    @OptionGroup var analysisArguments: AnalysisArguments

    enum Gate: String, ExpressibleByArgument, CaseIterable { case gaps, open }

    func run() throws {
        let catalogue = try analysisArguments.catalogue()
        var known: Baseline?
        if let baseline {
            do {
                known = try Baseline.read(try SourceLoader.readFromDisk(baseline), path: baseline)
            } catch let error as Baseline.ReadError {
                Console.err("moat: error: \(error.description)\n")
                throw ExitStatus.invalidInput.exitCode
            } catch {
                Console.err("moat: error: cannot read baseline '\(baseline)'\n")
                throw ExitStatus.invalidInput.exitCode
            }
        }
        var analyses: [Analysis] = []
        var invalid = false
        for file in files {
            let analysis: Analysis
            do {
                analysis = try analysisArguments.analyze(file, catalogue: catalogue, reportTracking: false)
            } catch {
                invalid = true
                continue
            }
            // Under `check`, a tracking entry that matches nothing is an error: it hides nothing and is
            // probably a typo for an entry that should.
            let unmatched = analysis.diagnostics.map { d -> Diagnostic in
                var d = d
                if d.id == .unmatchedTracking { d.severity = .error; invalid = true }
                return d
            }
            Console.report(unmatched)
            analyses.append(analysis)
        }
        let threshold = Severity(rawValue: failOn.rawValue)!
        var gating: [Finding] = []
        for analysis in analyses {
            for f in analysis.findings where f.isOpen && f.severity >= threshold {
                guard gate == .open || f.status == .gap else { continue }
                if known?.findingIDs.contains(f.id) == true { continue }
                gating.append(f)
            }
        }
        for f in gating {
            Console.err(DiagnosticRenderer().render(.error(
                .finding, "[\(f.severity.rawValue)] \(f.id): \(f.rule.title) (\(f.status.rawValue), expected at level \(f.expectedLevel))",
                at: f.range)))
        }
        if let sarif {
            try Console.write(SARIFWriter(toolVersion: MoatVersion.string, baseline: known).write(analyses), to: sarif)
        }
        if let writeBaseline {
            let ids = analyses.flatMap { $0.findings.filter(\.isOpen).map(\.id) }
            try Console.write(Baseline(findingIDs: Set(ids)).json(), to: writeBaseline)
        }
        let open = analyses.reduce(0) { $0 + $1.findings.filter(\.isOpen).count }
        let suppressed = known.map { k in analyses.reduce(0) { $0 + $1.findings.filter { $0.isOpen && k.findingIDs.contains($0.id) }.count } } ?? 0
        Console.out("moat check: \(gating.count) finding\(gating.count == 1 ? "" : "s") at or above \(threshold.rawValue) in the \(gate.rawValue) gate"
            + " (\(open) open in \(analyses.count) model\(analyses.count == 1 ? "" : "s")"
            + (known != nil ? ", \(suppressed) in the baseline" : "") + ")\n")
        if invalid { throw ExitStatus.invalidInput.exitCode }
        if !gating.isEmpty { throw ExitStatus.findings.exitCode }
    }
}

/// A severity on the command line.
enum SeverityArgument: String, ExpressibleByArgument, CaseIterable {
    case low, medium, high, critical
}

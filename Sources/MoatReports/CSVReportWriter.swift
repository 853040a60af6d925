import MoatCore

/// `moat analyze --format csv`: one row per finding, for spreadsheets.
public struct CSVReportWriter: ReportWriter {
    /// A CSV writer; it has no options.
    public init() {}

    static let header = ["id", "rule", "title", "element", "element_name", "element_kind", "stride", "severity", "likelihood", "impact",
                         "status", "expected_level", "cwe", "capec", "mitigations", "line"]

    /// `moat analyze --coverage --format csv`: one row per uncovered (element, STRIDE category).
    public func writeCoverage(_ report: ReportModel) -> String {
        var out = CSVText.row(["id", "kind", "name", "stride", "reason"])
        for entry in report.coverage.entries {
            for gap in entry.gaps {
                out += CSVText.row([entry.id, entry.kind.rawValue, entry.name, gap.stride.rawValue, gap.reason.text])
            }
        }
        return out
    }

    /// Every finding of the analysis (open and closed, in analysis order) as a CSV row under a header row:
    /// id, rule, title, element, severity, likelihood, impact, status, expected level, CWE, CAPEC, controls, line.
    public func write(_ report: ReportModel) -> String {
        var out = CSVText.row(Self.header)
        for f in report.analysis.findings {
            out += CSVText.row([
                f.id, f.rule.id, f.rule.title, f.elementID, f.elementName, f.elementKind.rawValue,
                f.rule.stride.map(\.rawValue).joined(separator: " "), f.severity.rawValue, String(f.likelihood),
                String(f.impact), f.status.rawValue, String(f.expectedLevel),
                f.rule.cwe.map { "CWE-\($0)" }.joined(separator: " "), f.rule.capec.map { "CAPEC-\($0)" }.joined(separator: " "),
                f.rule.mitigations.map(\.control).joined(separator: " "), f.range.map { String($0.start.line) } ?? "",
            ])
        }
        return out
    }
}

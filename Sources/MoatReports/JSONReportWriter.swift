import MoatCore

/// `moat analyze --format json`: the model, its maturity and every finding (schema: docs/analysis-json.md).
public struct JSONReportWriter: Sendable {
    public init() {}

    public func write(_ report: ReportModel) -> String {
        String(decoding: bytes(report), as: UTF8.self)
    }

    /// The report as UTF-8 bytes, ending in a newline. The findings are streamed one by one into the same
    /// layout that `JSONValue` gives the rest, so that no tree of the whole report is ever built.
    public func bytes(_ report: ReportModel) -> [UInt8] {
        let findings = report.analysis.findings
        var out = JSONOutput(capacity: 4096 + findings.count * 1024)
        out.raw("{")
        for (key, item) in header(report) {
            out.newline(indent: 1)
            out.member(key, item, indent: 1)
            out.raw(",")
        }
        out.newline(indent: 1)
        out.raw("\"findings\": [")
        for (i, f) in findings.enumerated() {
            if i > 0 { out.raw(",") }
            out.newline(indent: 2)
            out.value(Self.finding(f), indent: 2)
        }
        if !findings.isEmpty { out.newline(indent: 1) }
        out.raw("]")
        out.newline(indent: 0)
        out.raw("}\n")
        return out.bytes
    }

    /// One finding as JSON; shared by the report and `moat diff`.
    public static func finding(_ f: Finding) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(f.id)), ("rule", .string(f.rule.id)), ("title", .string(f.rule.title)),
            ("element", .string(f.elementID)), ("elementKind", .string(f.elementKind.rawValue)),
            ("elementName", .string(f.elementName)),
            ("stride", .array(f.rule.stride.map { .string($0.rawValue) })),
            ("severity", .string(f.severity.rawValue)),
            ("likelihood", .number(Double(f.likelihood))), ("impact", .number(Double(f.impact))),
            ("status", .string(f.status.rawValue)), ("expectedLevel", .number(Double(f.expectedLevel))),
            ("cwe", .array(f.rule.cwe.map { .number(Double($0)) })),
            ("capec", .array(f.rule.capec.map { .number(Double($0)) })),
            ("mitigations", .array(f.rule.mitigations.map { m in
                .object([("control", .string(m.control)), ("text", .string(m.text)),
                         ("present", .bool(f.presentControls.contains(m.control)))])
            })),
            ("file", f.range.map { .string($0.file.path) } ?? .null),
            ("line", f.range.map { .number(Double($0.start.line)) } ?? .null),
        ]
        if let t = f.tracking {
            pairs.append(("tracking", .object([
                ("status", .string(t.status.rawValue)), ("pattern", .string(t.pattern)),
                ("justification", .string(t.justification)), ("owner", t.owner.map(JSONValue.string) ?? .null),
                ("until", t.until.map(JSONValue.string) ?? .null), ("expired", .bool(f.trackingExpired)),
            ])))
        }
        return .object(pairs)
    }

    /// The members before `findings`.
    func header(_ report: ReportModel) -> [(String, JSONValue)] {
        let a = report.analysis
        let m = a.maturity
        return [
            ("model", .object([
                ("name", .string(a.model.header.name)),
                ("owner", a.model.header.owner.map(JSONValue.string) ?? .null),
                ("file", a.model.files.first.map { .string($0.path) } ?? .null),
            ])),
            ("maturity", .object([
                ("declared", .number(Double(m.declared))), ("evidenced", .number(Double(m.evidenced))),
                ("nextLevel", m.nextLevel.map { .number(Double($0)) } ?? .null),
                ("missingPractices", .array(m.missingPractices.map { .string($0.id) })),
                ("blockingFindings", .array(m.blockingFindings.map { .string($0.id) })),
                ("components", .object(m.components.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })),
            ])),
            ("summary", .object([
                ("total", .number(Double(a.findings.count))),
                ("byStatus", .object(FindingStatus.allCases.map { ($0.rawValue, .number(Double(report.countsByStatus[$0] ?? 0))) })),
                ("openBySeverity", .object(Severity.allCases.map { ($0.rawValue, .number(Double(report.openBySeverity[$0] ?? 0))) })),
            ])),
        ]
    }
}

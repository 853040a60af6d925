import MoatCore

/// `moat analyze --format json`: the model, its maturity and every finding (schema: docs/analysis-json.md).
public struct JSONReportWriter: Sendable {
    public init() {}

    public func write(_ report: ReportModel) -> String {
        String(decoding: bytes(report.analysis), as: UTF8.self)
    }

    /// The report of an analysis as UTF-8 bytes, ending in a newline.
    public func bytes(_ analysis: Analysis) -> [UInt8] {
        var all: [UInt8] = []
        write(analysis) { all += $0 }
        return all
    }

    /// Writes the report in pieces to `sink`: the summary indented, then one finding per line. The
    /// findings are streamed a block at a time, the two halves of a block written side by side, so
    /// neither a tree nor the text of the whole report is ever held in memory.
    public func write(_ analysis: Analysis, to sink: ([UInt8]) -> Void) {
        let findings = analysis.findings
        var head = JSONOutput()
        head.raw("{")
        for (key, item) in header(analysis) {
            head.newline(indent: 1)
            head.member(key, item, indent: 1)
            head.raw(",")
        }
        head.newline(indent: 1)
        head.raw("\"findings\": [")
        sink(head.bytes)
        let block = 8192
        for start in stride(from: 0, to: findings.count, by: block) {
            let end = min(findings.count, start + block), middle = (start + end + 1) / 2
            for part in [start..<middle, middle..<end].parallelMap({ range -> JSONOutput in
                // One finding per line, compact: easy to grep and diff, and a third smaller.
                var part = JSONOutput(pretty: false, capacity: range.count * 768)
                for i in range {
                    if i > 0 { part.raw(",") }
                    part.newline(indent: 2)
                    part.value(Self.finding(findings[i]))
                }
                return part
            }) {
                sink(part.bytes)
            }
        }
        var tail = JSONOutput()
        if !findings.isEmpty { tail.newline(indent: 1) }
        tail.raw("]")
        tail.newline(indent: 0)
        tail.raw("}\n")
        sink(tail.bytes)
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
    func header(_ a: Analysis) -> [(String, JSONValue)] {
        let m = a.maturity
        let counts = FindingCounts(a.findings)
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
                ("byStatus", .object(FindingStatus.allCases.map { ($0.rawValue, .number(Double(counts.byStatus[$0] ?? 0))) })),
                ("openBySeverity", .object(Severity.allCases.map { ($0.rawValue, .number(Double(counts.openBySeverity[$0] ?? 0))) })),
            ])),
        ]
    }
}

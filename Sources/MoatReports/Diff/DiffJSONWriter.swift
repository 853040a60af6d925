import MoatCore

/// `moat diff --format json`: the findings delta and the model diff, keys in a fixed order.
/// Findings use the same object as `moat analyze --format json` (`JSONReportWriter.write(_:into:)`).
public struct DiffJSONWriter: Sendable {
    /// A JSON diff writer; it has no options.
    public init() {}

    /// The diff as JSON. Findings are written by `JSONReportWriter.write(_:into:)`, the one definition of
    /// a finding in JSON, one per line; everything else is a `JSONValue` tree.
    public func write(_ report: DiffReport) -> String {
        var out = JSONOutput()
        out.raw("{")
        for (key, value) in [("old", side(report.old)), ("new", side(report.new)), ("summary", summary(report))] {
            out.newline(indent: 1)
            out.member(key, value, indent: 1)
            out.raw(",")
        }
        let f = report.findings
        out.newline(indent: 1)
        out.raw("\"findings\": {")
        out.newline(indent: 2)
        out.member("opened", .array(f.opened.map { .string($0.id) }), indent: 2)
        out.raw(",")
        out.newline(indent: 2)
        out.member("closed", .array(f.closed.map { .string($0.id) }), indent: 2)
        for (key, list) in [("new", f.new), ("resolved", f.resolved)] {
            out.raw(",")
            out.newline(indent: 2)
            out.string(key)
            out.raw(": ")
            lines(list.map { finding in { (line: inout JSONOutput) in JSONReportWriter.write(finding, into: &line) } }, into: &out)
        }
        out.raw(",")
        out.newline(indent: 2)
        out.raw("\"changed\": ")
        lines(f.changed.map { c in { (line: inout JSONOutput) in
            line.raw("{\"id\":")
            line.string(c.id)
            line.raw(",\"severity\":")
            line.value(.object([("old", .string(c.old.severity.rawValue)), ("new", .string(c.new.severity.rawValue))]))
            line.raw(",\"status\":")
            line.value(.object([("old", .string(c.old.status.rawValue)), ("new", .string(c.new.status.rawValue))]))
            line.raw(",\"finding\":")
            JSONReportWriter.write(c.new, into: &line)
            line.raw("}")
        } }, into: &out)
        out.newline(indent: 1)
        out.raw("},")
        out.newline(indent: 1)
        out.member("model", model(report.model), indent: 1)
        out.newline(indent: 0)
        out.raw("}\n")
        return out.text
    }

    /// An array at depth 2 with one compact object per line.
    private func lines(_ items: [(inout JSONOutput) -> Void], into out: inout JSONOutput) {
        guard !items.isEmpty else { out.raw("[]"); return }
        out.raw("[")
        for (i, item) in items.enumerated() {
            if i > 0 { out.raw(",") }
            out.newline(indent: 3)
            var line = JSONOutput(pretty: false, capacity: 1024)
            item(&line)
            out.append(line)
        }
        out.newline(indent: 2)
        out.raw("]")
    }

    private func count(_ n: Int) -> JSONValue { .number(Double(n)) }

    private func summary(_ report: DiffReport) -> JSONValue {
        let f = report.findings
        var opened: [Severity: Int] = [:]
        for x in f.opened { opened[x.severity, default: 0] += 1 }
        let bySeverity: [(String, JSONValue)] = Severity.allCases.map { ($0.rawValue, count(opened[$0] ?? 0)) }
        let modelChanges = report.model.entities.count + (report.model.header.isEmpty ? 0 : 1)
        return .object([
            ("opened", count(f.opened.count)),
            ("openedBySeverity", .object(bySeverity)),
            ("closed", count(f.closed.count)),
            ("new", count(f.new.count)),
            ("resolved", count(f.resolved.count)),
            ("severityChanged", count(f.severityChanged.count)),
            ("statusChanged", count(f.statusChanged.count)),
            ("modelChanges", count(modelChanges)),
            ("loweredDeclaredLevel", report.loweredLevel.map { l in
                .object([("old", count(l.old)), ("new", count(l.new)), ("gapsDeferred", .array(l.gapsDeferred.map { .string($0.id) })),
                         ("severity", l.severity.map { .string($0.rawValue) } ?? .null)])
            } ?? .null),
        ])
    }

    private func model(_ m: ModelDiff) -> JSONValue {
        .object([
            ("header", .array(m.header.map(detail))),
            ("elements", .array(m.elements.map(entity))),
            ("flows", .array(m.flows.map(entity))),
            ("boundaries", .array(m.boundaries.map(entity))),
            ("data", .array(m.data.map(entity))),
            ("tracking", .array(m.tracking.map(entity))),
        ])
    }

    private func side(_ s: DiffReport.Side) -> JSONValue {
        let m = s.analysis.maturity
        return .object([
            ("label", .string(s.label)),
            ("model", .string(s.analysis.model.header.name)),
            ("file", s.analysis.model.files.first.map { .string($0.path) } ?? .null),
            ("findings", .number(Double(s.analysis.findings.count))),
            ("open", .number(Double(s.analysis.findings.filter(\.isOpen).count))),
            ("declaredLevel", .number(Double(m.declared))),
            ("evidencedLevel", .number(Double(m.evidenced))),
        ])
    }

    private func entity(_ e: ModelDiff.EntityChange) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(e.id)), ("kind", .string(e.kind.rawValue)),
        ]
        pairs.append(e.kind == .tracking ? ("status", .string(e.name)) : ("name", .string(e.name)))
        pairs.append(("change", .string(e.change.rawValue)))
        if e.change == .changed { pairs.append(("changes", .array(e.details.map(detail)))) }
        return .object(pairs)
    }

    private func detail(_ d: ModelDiff.Detail) -> JSONValue {
        func pair(_ type: String, _ name: String?, _ old: JSONValue, _ new: JSONValue) -> JSONValue {
            var pairs: [(String, JSONValue)] = [("type", .string(type))]
            if let name { pairs.append(("name", .string(name))) }
            return .object(pairs + [("old", old), ("new", new)])
        }
        let text = { (s: String?) in s.map(JSONValue.string) ?? .null }
        switch d {
        case .renamed(let a, let b): return pair("renamed", nil, .string(a), .string(b))
        case .kind(let a, let b): return pair("kind", nil, .string(a.rawValue), .string(b.rawValue))
        case .boundary(let a, let b): return pair("boundary", nil, text(a), text(b))
        case .endpoints(let a, let b): return pair("endpoints", nil, .string(a), .string(b))
        case .field(let name, let a, let b): return pair("field", name, text(a), text(b))
        case .attribute(let c):
            return pair("attribute", c.name, c.old.map(attribute) ?? .null, c.new.map(attribute) ?? .null)
        }
    }

    private func attribute(_ v: AttributeValue) -> JSONValue {
        switch v {
        case .flag(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .string(let s), .word(let s): return .string(s)
        case .list(let l): return .array(l.map(JSONValue.string))
        }
    }
}

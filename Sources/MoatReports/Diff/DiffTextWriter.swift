import MoatCore

/// `moat diff` in a terminal: the summary, the threats that changed, then the model changes.
/// All user text passes through `TableWriter.clean`, so a model cannot drive the terminal.
public struct DiffTextWriter: Sendable {
    /// A terminal diff writer; it has no options.
    public init() {}

    static let style = DiffReport.Style(code: TableWriter.clean,
                                        quote: { "\"" + TableWriter.clean($0) + "\"" })

    /// Model text made safe for a terminal (control characters become spaces), for the CLI's own messages.
    public static func terminalSafe(_ s: String) -> String { TableWriter.clean(s) }

    /// The diff as plain text for a terminal: header line with both labels, summaries (threats, maturity, model),
    /// a warning when the declared level was lowered, then one line per threat change and per model change.
    public func write(_ report: DiffReport) -> String {
        let clean = TableWriter.clean
        var out = "\(clean(report.new.analysis.model.header.name)): \(clean(report.old.label)) → \(clean(report.new.label))\n"
        out += "  threats: \(report.threatSummary)\n"
        if let maturity = report.maturitySummary { out += "  maturity: \(maturity)\n" }
        out += "  model: \(report.modelSummary)\n"
        if let lowered = report.loweredLevel { out += "\n  ! \(lowered.summary)\n" }
        if !report.threatRows.isEmpty {
            out += "\nThreats\n"
            for row in report.threatRows { out += line(row) }
        }
        if !report.otherRows.isEmpty {
            out += "\nOther findings (closed before and after)\n"
            for row in report.otherRows { out += line(row) }
        }
        if !report.model.isEmpty {
            out += "\nModel\n"
            if !report.model.header.isEmpty {
                out += "  ~ model header\n"
                for d in report.model.header { out += "      \(DiffReport.describe(d, Self.style))\n" }
            }
            for e in report.model.entities {
                let mark = e.change == .added ? "+" : e.change == .removed ? "-" : "~"
                out += "  \(mark) \(Self.entity(e))\n"
                for d in e.details { out += "      \(DiffReport.describe(d, Self.style))\n" }
            }
        }
        return out
    }

    /// `process cache "Cache"`, `flow web->db "Persist"`, `accept tampering@db` for a tracking entry.
    static func entity(_ e: ModelDiff.EntityChange) -> String {
        let clean = TableWriter.clean
        if e.kind == .tracking { return "\(clean(e.name)) \(clean(e.id))" }
        return "\(e.kind.rawValue) \(clean(e.id))" + (e.name.isEmpty || e.name == e.id ? "" : " \"\(clean(e.name))\"")
    }

    func line(_ row: DiffReport.Row) -> String {
        let clean = TableWriter.clean
        func label(_ s: Severity) -> String { String(TableWriter.label(s).filter { $0 != " " }) }
        let severity: String
        if let a = row.oldSeverity, let b = row.newSeverity, a != b { severity = "\(label(a))→\(label(b))" }
        else { severity = label(row.severity) }
        let status: String
        switch (row.oldStatus, row.newStatus) {
        case let (a?, b?) where a != b: status = "\(a.rawValue)→\(b.rawValue)"
        case let (a, b): status = (b ?? a)?.rawValue ?? ""
        }
        var out = "  " + pad(row.change.rawValue, 9) + " " + pad(severity, 9) + " " + pad(status, 15) + " " + clean(row.id) + "\n"
        out += String(repeating: " ", count: 12) + clean(row.finding.rule.title)
        if row.finding.elementName != row.finding.elementID { out += " — " + clean(row.finding.elementName) }
        return out + "\n"
    }

    private func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }
}

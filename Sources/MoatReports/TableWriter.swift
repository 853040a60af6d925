import MoatCore

/// `moat analyze` in a terminal: threats grouped by component, worst first, the top attack paths,
/// then a summary.
public struct TableWriter: ReportWriter {
    /// A terminal table writer; it has no options.
    public init() {}

    static func label(_ s: Severity) -> String {
        switch s {
        case .critical: return "CRIT"
        case .high: return "HIGH"
        case .medium: return "MED "
        case .low: return "LOW "
        }
    }

    /// Removes control characters so model text cannot drive the terminal.
    static func clean(_ s: String) -> String { TerminalText.sanitize(s) }

    /// The report for a terminal: a header line, each component with its findings (severity, status, STRIDE
    /// letters, rule, title, references, fix, tracking), the top attack paths, then a summary. Model text is sanitised.
    public func write(_ report: ReportModel) -> String {
        let a = report.analysis
        var out = "\(Self.clean(a.model.header.name)): \(a.findings.count) findings — open: \(report.openSummary)\n"
        for c in report.components {
            // Flow ids as `a→b`: `rule@a→b` pastes into a shell as it is (`moat explain` reads both forms).
            out += "\n\(Self.clean(TerminalText.pasteableID(c.id))) (\(c.kind.rawValue)"
            if c.name != c.id { out += " \"\(Self.clean(c.name))\"" }
            out += ")" + (c.evidencedLevel.map { " — evidenced level \($0)" } ?? "") + "\n"
            for f in c.findings {
                let v = report.view(f)
                let stride = f.rule.stride.map(\.letter).joined()
                out += "  \(Self.label(f.severity))  \(v.statusText.padding(toLength: 11, withPad: " ", startingAt: 0)) "
                out += "\(stride.padding(toLength: 3, withPad: " ", startingAt: 0)) \(f.rule.id)\n"
                out += "        \(Self.clean(f.rule.title))"
                out += "  [" + v.references.map(\.label).joined(separator: " ") + "]\n"
                if let closing = v.closingControl, let m = v.mitigations.first(where: { $0.control.id == closing.id }) {
                    out += "        fix: \(Self.clean(m.text))\n"
                }
                if let t = v.tracking { out += "        \(Self.clean(t))\n" }
            }
        }
        out += attackPaths(report)
        let m = report.maturity
        out += "\nSummary\n"
        out += "  findings: \(report.statusSummary)\n"
        out += "  open by severity: \(report.openSummary)\n"
        out += "  maturity: declared \(m.declared) (\(m.declaredName)), evidenced \(m.evidenced) (\(m.evidencedName))\n"
        if let next = m.next {
            out += "  to evidence level \(next.level) (\(next.name)):\n"
            if !next.missingPractices.isEmpty {
                out += "    declare practices: \(next.missingPractices.map(\.id).joined(separator: ", "))\n"
            }
            if !next.blockingFindings.isEmpty {
                out += "    close \(next.blockingFindings.count) open finding\(next.blockingFindings.count == 1 ? "" : "s"); most need: "
                out += next.mostNeeded.map { "\($0.control.id) (\($0.count))" }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    /// `moat analyze --coverage`: per element and flow, the STRIDE categories no finding covers, and why.
    public func writeCoverage(_ report: ReportModel) -> String {
        let c = report.coverage
        var out = "\(Self.clean(report.analysis.model.header.name)): \(Int((c.coveredShare * 100).rounded(.down))) % of "
        out += "\(c.pairsExpected) (element, STRIDE) pairs covered by a finding, \(c.entitiesInScope) elements and flows in scope\n"
        for entry in c.entries {
            out += "\n\(Self.clean(TerminalText.pasteableID(entry.id))) (\(entry.kind.rawValue) \"\(Self.clean(entry.name))\")\n"
            for gap in entry.gaps {
                out += "  \(gap.stride.letter)  \(gap.stride.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0))\(gap.reason.text)\n"
            }
        }
        return out
    }

    /// The top attack paths, hop by hop.
    private func attackPaths(_ report: ReportModel) -> String {
        guard !report.attackPaths.isEmpty else { return "" }
        var out = "\nAttack paths (\(report.attackPaths.count) of \(report.attackPathCount), most dangerous first)\n"
        for p in report.attackPaths {
            out += "  \(p.number). \(Self.clean(p.route))"
            if !p.data.isEmpty { out += "  (reaches \(Self.clean(p.data.joined(separator: ", "))))" }
            out += "\n"
            var from = p.sourceName
            for hop in p.hops {
                var via = hop.flowName.isEmpty ? TerminalText.pasteableID(hop.flowID) : hop.flowName
                if let proto = hop.protocolName { via += " · \(proto)" }
                if !hop.encrypted { via += " · unencrypted" }
                out += "       \(Self.clean(from)) → \(Self.clean(hop.elementName))  [\(Self.clean(via))]\n"
                from = hop.elementName
            }
            if let w = p.weakest {
                out += "       weakest: \(w.severity.rawValue) \(Self.clean(TerminalText.pasteableID(w.id)))"
                if let c = p.weakestControl { out += "; close with \(c.id) (level \(c.level))" }
                out += "\n"
            }
        }
        return out
    }
}

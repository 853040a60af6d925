/// The analysis shown in the editor: open findings as information diagnostics and code lenses on each
/// element, flow and boundary, and the `moat.showFindings` command.
enum FindingsFeature {
    static let command = "moat.showFindings"

    /// "2 critical, 1 high".
    static func counts(_ findings: [FindingInfo]) -> String {
        var bySeverity: [(String, Int)] = []
        for severity in ["critical", "high", "medium", "low"] {
            let n = findings.filter { $0.severity == severity }.count
            if n > 0 { bySeverity.append((severity, n)) }
        }
        return bySeverity.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
    }

    static func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// The declarations findings are reported on: elements, flows, boundaries.
    static func components(_ p: Project) -> [Declaration] {
        p.index.declarations.filter { $0.kind.isNode || $0.kind == .flow || $0.kind == .boundary }
    }

    /// One information diagnostic per component with open findings, at its id.
    static func diagnostics(_ p: Project, workspace: Workspace) -> [String: [LSPDiagnostic]] {
        guard let analysis = p.analysis else { return [:] }
        var out: [String: [LSPDiagnostic]] = [:]
        for d in components(p) {
            guard let c = analysis.components[d.id] else { continue }
            let open = c.open
            guard !open.isEmpty else { continue }
            let map = workspace.map(d.path, in: p)
            var message = "\(plural(open.count, "open finding")) (\(counts(open)))"
            if let level = c.level { message += "; evidenced level \(level)" }
            if p.isStale { message += " [last valid version]" }
            for f in open.prefix(12) { message += "\n[\(f.severity)] \(f.ruleID): \(f.title)" }
            if open.count > 12 { message += "\n… and \(open.count - 12) more" }
            out[d.path, default: []].append(LSPDiagnostic(range: map.range(d.idStart, d.idEnd, workspace.encoding),
                                                          severity: LSPDiagnostic.information, code: "open-findings",
                                                          source: "moat analyze", message: message))
        }
        return out
    }

    /// A lens above each component of a file: its open findings and evidenced level.
    static func lenses(_ p: Project, path: String, workspace: Workspace) -> [CodeLens] {
        guard let analysis = p.analysis else { return [] }
        let map = workspace.map(path, in: p)
        return components(p).filter { $0.path == path }.compactMap { d in
            guard let c = analysis.components[d.id] else { return nil }
            let open = c.open
            var title = open.isEmpty ? "no open findings" : "\(plural(open.count, "open finding")): \(counts(open))"
            let closed = c.findings.count - open.count
            if closed > 0 { title += " · \(closed) closed" }
            if let level = c.level { title += " · evidenced level \(level)" }
            if p.isStale { title += " (last valid version)" }
            return CodeLens(range: map.range(d.idStart, d.idEnd, workspace.encoding),
                            command: Command(title: title, command: command, arguments: [.string(d.id)]))
        }
    }

    /// The findings of a component as Markdown (hover, command).
    static func markdown(_ c: ComponentFindings?, stale: Bool) -> String {
        guard let c else { return "_not analysed (out of scope, or the model has never been valid)_" }
        var lines: [String] = []
        let open = c.open
        var head = open.isEmpty ? "No open findings" : "**\(plural(open.count, "open finding"))** (\(counts(open)))"
        if let level = c.level { head += " · evidenced level \(level)" }
        let closed = c.findings.count - open.count
        if closed > 0 { head += " · \(closed) mitigated or tracked" }
        if stale { head += " · _from the last valid version_" }
        lines.append(head)
        for f in open.prefix(20) {
            lines.append("- `\(f.severity)` \(f.status) L\(f.expectedLevel) **\(f.ruleID)**: \(f.title)")
        }
        if open.count > 20 { lines.append("- … and \(open.count - 20) more") }
        return lines.joined(separator: "\n")
    }
}

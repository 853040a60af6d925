import MoatCore
import MoatReports

/// Everything the workbench page shows, as sent to the browser (JSON). Model text travels as JSON
/// strings and the page puts it into the document with `textContent` only.
struct Snapshot: Sendable {
    /// Counts rebuilds from 1; the page ignores a snapshot it has already drawn.
    var build: Int
    /// Local wall-clock time of this build, `HH:MM:SS`.
    var builtAt: String
    /// `ok`, or `errors` when the model does not load (the view is then the last good one).
    var status: String
    /// The model file as given on the command line.
    var model: String
    /// Every file the build read or tried to include; a save of any of them rebuilds.
    var files: [String]
    var errorCount: Int
    var warningCount: Int
    /// Errors first, then warnings, each as `file:line:col: severity: message` with its snippet.
    var diagnostics: [DiagnosticView]
    /// The latest analysis that succeeded; nil until one does.
    var view: AnalysisView?
}

struct DiagnosticView: Sendable {
    var severity: String
    var id: String
    /// The first line: `file:line:col: severity: message`.
    var headline: String
    /// The rest: the source line with a caret, and notes.
    var detail: String

    init(_ diagnostic: Diagnostic, renderer: DiagnosticRenderer = DiagnosticRenderer()) {
        let text = renderer.render(diagnostic)
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        severity = diagnostic.severity.rawValue
        id = diagnostic.id.rawValue
        headline = lines.first.map(String.init) ?? ""
        detail = lines.count > 1 ? String(lines[1]).trimmingTrailingNewlines : ""
    }
}

/// One successful analysis, as drawn.
struct AnalysisView: Sendable {
    struct Count: Sendable { var key: String; var count: Int }
    struct Practice: Sendable { var id: String; var title: String }
    struct NextLevel: Sendable {
        var level: Int
        var name: String
        var missingPractices: [Practice]
        var blockingFindings: Int
    }
    struct ElementView: Sendable { var id: String; var name: String; var kind: String; var anchor: String }
    struct FindingView: Sendable {
        var id: String
        var title: String
        var severity: String
        var status: String
        var open: Bool
        var stride: String
        var strideNames: String
        var level: Int
        var cwe: [Int]
        var capec: [Int]
        var fix: String?
        var tracking: String?
    }
    struct ComponentView: Sendable {
        var id: String
        var name: String
        var kind: String
        var anchor: String
        var level: Int?
        var worst: String?
        var mitigated: Int
        var findings: [FindingView]
    }

    var build: Int
    var builtAt: String
    var title: String
    var owner: String?
    /// Graphviz's SVG (from `<svg` on), or nil when it could not be rendered (`diagramError` says why).
    var svg: String?
    var diagramError: String?
    var declared: Int
    var declaredName: String
    var evidenced: Int
    var evidencedName: String
    var next: NextLevel?
    var findings: Int
    /// Open findings by severity, worst first (zeros included, so the page can show all four).
    var openBySeverity: [Count]
    /// Findings by status, in status order, zeros left out.
    var byStatus: [Count]
    /// Every element, so a click on any node of the diagram can be named even when it has no threats.
    var elements: [ElementView]
    /// Components with findings, worst open severity first.
    var components: [ComponentView]

    /// The anchor prefix of diagram links; the page maps a clicked link back to its component.
    static let anchorPrefix = "component-"

    init(analysis: Analysis, catalogue: Catalogue, build: Int, builtAt: String, svg: String?, diagramError: String?) {
        let report = ReportModel(analysis, catalogue: catalogue, includeMitigated: true)
        let m = analysis.maturity
        self.build = build
        self.builtAt = builtAt
        title = analysis.model.header.name
        owner = analysis.model.header.owner
        self.svg = svg
        self.diagramError = diagramError
        declared = m.declared
        declaredName = report.levelName(m.declared)
        evidenced = m.evidenced
        evidencedName = report.levelName(m.evidenced)
        next = m.nextLevel.map { level in
            NextLevel(level: level, name: report.levelName(level),
                      missingPractices: m.missingPractices.map { Practice(id: $0.id, title: $0.title) },
                      blockingFindings: m.blockingFindings.count)
        }
        findings = analysis.findings.count
        openBySeverity = Severity.allCases.reversed().map { Count(key: $0.rawValue, count: report.openBySeverity[$0] ?? 0) }
        byStatus = FindingStatus.allCases.compactMap { s in report.countsByStatus[s].map { Count(key: s.rawValue, count: $0) } }
        elements = analysis.model.elements.map {
            ElementView(id: $0.id, name: $0.name, kind: $0.kind.rawValue, anchor: Anchor.make(Self.anchorPrefix, $0.id))
        }
        components = report.components.map { c in
            let shown = c.findings.filter { $0.status != .mitigated }
            return ComponentView(id: c.id, name: c.name, kind: c.kind.rawValue, anchor: Anchor.make(Self.anchorPrefix, c.id),
                                 level: c.evidencedLevel, worst: c.worstOpen?.rawValue,
                                 mitigated: c.findings.count - shown.count, findings: shown.map(Self.finding))
        }
    }

    static func finding(_ f: Finding) -> FindingView {
        var tracking: String?
        if let t = f.tracking {
            tracking = "\(f.trackingExpired ? "expired " : "")\(t.status.rawValue): \(t.justification)" + (t.owner.map { " (\($0))" } ?? "")
        }
        return FindingView(id: f.id, title: f.rule.title, severity: f.severity.rawValue, status: f.status.rawValue, open: f.isOpen,
                           stride: f.rule.stride.map(\.letter).joined(),
                           strideNames: f.rule.stride.map(\.rawValue).joined(separator: ", "),
                           level: f.expectedLevel, cwe: f.rule.cwe, capec: f.rule.capec,
                           fix: f.rule.mitigations.first?.text, tracking: tracking)
    }
}

extension Snapshot {
    /// The snapshot as JSON that is also safe inside an HTML `<script>` element: `<`, `>` and `&`
    /// (which only occur inside JSON strings) are written as `\u003c`, `\u003e` and `\u0026`, so no
    /// model text can close the element or open a comment; U+2028/U+2029 are escaped for old parsers.
    func json() -> String {
        Self.scriptSafe(value.serialized(pretty: false))
    }

    static func scriptSafe(_ json: String) -> String {
        var out = ""
        out.reserveCapacity(json.utf8.count + 64)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}

// MARK: - JSON (MoatText's JSONValue, the one JSON mechanism of the tool)

/// Members with their keys in sorted order (as the page has always received them); nil values are left out.
private func object(_ members: [(String, JSONValue?)]) -> JSONValue {
    .object(members.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.0 < $1.0 })
}

private func number(_ n: Int) -> JSONValue { .number(Double(n)) }

extension Snapshot {
    var value: JSONValue {
        object([
            ("build", number(build)), ("builtAt", .string(builtAt)), ("status", .string(status)), ("model", .string(model)),
            ("files", .array(files.map(JSONValue.string))), ("errorCount", number(errorCount)), ("warningCount", number(warningCount)),
            ("diagnostics", .array(diagnostics.map(\.value))), ("view", view?.value),
        ])
    }
}

extension DiagnosticView {
    var value: JSONValue {
        object([("severity", .string(severity)), ("id", .string(id)), ("headline", .string(headline)), ("detail", .string(detail))])
    }
}

extension AnalysisView {
    var value: JSONValue {
        func count(_ c: Count) -> JSONValue { object([("key", .string(c.key)), ("count", number(c.count))]) }
        func practice(_ p: Practice) -> JSONValue { object([("id", .string(p.id)), ("title", .string(p.title))]) }
        let nextValue = next.map { n in
            object([("level", number(n.level)), ("name", .string(n.name)), ("missingPractices", .array(n.missingPractices.map(practice))),
                    ("blockingFindings", number(n.blockingFindings))])
        }
        let elementValues: [JSONValue] = elements.map { e in
            object([("id", .string(e.id)), ("name", .string(e.name)), ("kind", .string(e.kind)), ("anchor", .string(e.anchor))])
        }
        let componentValues: [JSONValue] = components.map { c in
            object([("id", .string(c.id)), ("name", .string(c.name)), ("kind", .string(c.kind)), ("anchor", .string(c.anchor)),
                    ("level", c.level.map(number)), ("worst", c.worst.map(JSONValue.string)), ("mitigated", number(c.mitigated)),
                    ("findings", .array(c.findings.map(\.value)))])
        }
        return object([
            ("build", number(build)), ("builtAt", .string(builtAt)), ("title", .string(title)), ("owner", owner.map(JSONValue.string)),
            ("svg", svg.map(JSONValue.string)), ("diagramError", diagramError.map(JSONValue.string)),
            ("declared", number(declared)), ("declaredName", .string(declaredName)), ("evidenced", number(evidenced)),
            ("evidencedName", .string(evidencedName)), ("next", nextValue), ("findings", number(findings)),
            ("openBySeverity", .array(openBySeverity.map(count))), ("byStatus", .array(byStatus.map(count))),
            ("elements", .array(elementValues)), ("components", .array(componentValues)),
        ])
    }
}

extension AnalysisView.FindingView {
    var value: JSONValue {
        object([
            ("id", .string(id)), ("title", .string(title)), ("severity", .string(severity)), ("status", .string(status)),
            ("open", .bool(open)), ("stride", .string(stride)), ("strideNames", .string(strideNames)), ("level", number(level)),
            ("cwe", .array(cwe.map(number))), ("capec", .array(capec.map(number))), ("fix", fix.map(JSONValue.string)),
            ("tracking", tracking.map(JSONValue.string)),
        ])
    }
}

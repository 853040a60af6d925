import Foundation
import MoatCore

/// SARIF 2.1.0 for code-scanning dashboards: one run, one result per finding that is not mitigated,
/// located at the model file and line of its element, with stable fingerprints.
public struct SARIFWriter: ReportWriter {
    /// The Moat version reported as the SARIF tool driver's `version` and `semanticVersion`.
    public let toolVersion: String
    /// Finding ids already known (from `--baseline`); results get `baselineState` when given.
    public let baseline: Baseline?

    /// A writer reporting Moat `toolVersion`; with a `baseline`, each result says whether it is new or unchanged.
    public init(toolVersion: String, baseline: Baseline? = nil) {
        self.toolVersion = toolVersion
        self.baseline = baseline
    }

    /// SARIF levels by severity.
    static func level(_ s: Severity) -> String {
        switch s {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low: return "note"
        }
    }

    /// GitHub's numeric `security-severity` (0–10) by severity.
    static func securitySeverity(_ s: Severity) -> String {
        switch s {
        case .critical: return "9.5"
        case .high: return "7.5"
        case .medium: return "5.0"
        case .low: return "2.5"
        }
    }

    /// One model's SARIF.
    public func write(_ report: ReportModel) -> String { write([report.analysis]) }

    /// The SARIF log of `analyses`. `loadErrors` are the errors of models that did not load: with any, the
    /// run has an invocation that did not succeed, with the errors as tool execution notifications.
    public func write(_ analyses: [Analysis], loadErrors: [Diagnostic] = []) -> String {
        var rules: [Rule] = []
        var ruleIndex: [String: Int] = [:]
        var artifacts: [String] = []
        var artifactIndex: [String: Int] = [:]
        var results: [JSONValue] = []
        for analysis in analyses {
            for f in analysis.findings where f.status != .mitigated {
                if ruleIndex[f.rule.id] == nil {
                    ruleIndex[f.rule.id] = rules.count
                    rules.append(f.rule)
                }
                var location: [(String, JSONValue)] = []
                if let range = f.range {
                    let uri = Self.uri(range.file.path)
                    if artifactIndex[uri] == nil {
                        artifactIndex[uri] = artifacts.count
                        artifacts.append(uri)
                    }
                    let line = range.file.lineText(range.start.line)
                    let column = Self.codePointColumn(line, byteColumn: range.start.column)
                    let endColumn = range.end.line == range.start.line
                        ? Self.codePointColumn(line, byteColumn: range.end.column) : column + 1
                    location.append(("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(uri)), ("index", .number(Double(artifactIndex[uri]!)))])),
                        ("region", .object([("startLine", .number(Double(range.start.line))), ("startColumn", .number(Double(column))),
                                            ("endColumn", .number(Double(max(endColumn, column + 1))))])),
                    ])))
                }
                location.append(("logicalLocations", .array([.object([
                    ("name", .string(f.elementID)), ("kind", .string(f.elementKind.rawValue)),
                ])])))
                var result: [(String, JSONValue)] = [
                    ("ruleId", .string(f.rule.id)), ("ruleIndex", .number(Double(ruleIndex[f.rule.id]!))),
                    ("level", .string(Self.level(f.severity))),
                    ("message", .object([("text", .string(message(f, declared: analysis.maturity.declared)))])),
                    ("locations", .array([.object(location)])),
                    ("partialFingerprints", .object([("moatFindingId/v1", .string(f.id))])),
                    ("properties", .object([
                        ("severity", .string(f.severity.rawValue)), ("status", .string(f.status.rawValue)),
                        ("expectedLevel", .number(Double(f.expectedLevel))), ("likelihood", .number(Double(f.likelihood))),
                        ("impact", .number(Double(f.impact))), ("security-severity", .string(Self.securitySeverity(f.severity))),
                    ])),
                ]
                if let t = f.tracking, !f.isOpen {
                    var suppression: [(String, JSONValue)] = [("kind", .string("external")), ("status", .string("accepted")),
                                                              ("justification", .string("\(t.status.rawValue): \(t.justification)"))]
                    if let owner = t.owner { suppression.append(("properties", .object([("owner", .string(owner))]))) }
                    result.append(("suppressions", .array([.object(suppression)])))
                } else if f.status == .provider {
                    // Shared responsibility: only the provider of the managed element can apply the mitigation.
                    result.append(("suppressions", .array([.object([
                        ("kind", .string("external")), ("status", .string("accepted")),
                        ("justification", .string("provider: only the provider of this managed element can apply the mitigation")),
                    ])])))
                }
                if let baseline {
                    result.append(("baselineState", .string(baseline.findingIDs.contains(f.id) ? "unchanged" : "new")))
                }
                results.append(.object(result))
            }
        }
        let driver: JSONValue = .object([
            ("name", .string("Moat")), ("version", .string(toolVersion)), ("semanticVersion", .string(toolVersion)),
            ("rules", .array(rules.map(ruleDescriptor))),
        ])
        var invocations: [(String, JSONValue)] = []
        if !loadErrors.isEmpty { invocations.append(("invocations", .array([Self.failedInvocation(loadErrors)]))) }
        let run: JSONValue = .object([
            ("tool", .object([("driver", driver)])),
        ] + invocations + [
            ("artifacts", .array(artifacts.map { .object([("location", .object([("uri", .string($0))])), ("sourceLanguage", .string("moat"))]) })),
            ("columnKind", .string("unicodeCodePoints")),
            ("results", .array(results)),
        ])
        return JSONValue.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ]).serialized() + "\n"
    }

    private func message(_ f: Finding, declared: Int) -> String {
        var text = "\(f.rule.title) — \(f.elementKind.rawValue) '\(f.elementName)' (\(f.id)); \(f.severity.rawValue), \(f.status.rawValue)"
        if f.isOpen { text += ", expected at maturity level \(f.expectedLevel) (declared \(declared))" }
        if let m = f.rule.mitigations.first { text += ". Fix: \(m.text)" }
        return text
    }

    private func ruleDescriptor(_ r: Rule) -> JSONValue {
        let base = Severity(score: r.likelihood * r.impact)
        var tags = ["security", "threat-model"] + r.stride.map { "stride/\($0.rawValue)" }
        tags += r.cwe.map { "external/cwe/cwe-\($0)" } + r.capec.map { "external/capec/capec-\($0)" }
        let mitigations = r.mitigations.map { "- \($0.control): \($0.text)" }.joined(separator: "\n")
        let help = "\(r.description)\n\nMitigations:\n\(mitigations)\n\nFalse positive when: \(r.falsePositive)"
        var markdown = "\(MarkdownText.escape(r.description))\n\n**Mitigations**\n\n"
        markdown += r.mitigations.map { "- \(MarkdownText.code($0.control)): \(MarkdownText.escape($0.text))" }.joined(separator: "\n")
        markdown += "\n\n**False positive when:** \(MarkdownText.escape(r.falsePositive))\n\n"
        markdown += ReportModel.references(r).map { "[\($0.label)](\($0.url))" }.joined(separator: " · ")
        return .object([
            ("id", .string(r.id)),
            ("name", .string(r.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())),
            ("shortDescription", .object([("text", .string(r.title))])),
            ("fullDescription", .object([("text", .string(r.description))])),
            ("help", .object([("text", .string(help)), ("markdown", .string(markdown))])),
            ("defaultConfiguration", .object([("level", .string(Self.level(base)))])),
            ("properties", .object([
                ("tags", .array(tags.map(JSONValue.string))), ("precision", .string("medium")),
                ("security-severity", .string(Self.securitySeverity(base))),
                ("cwe", .array(r.cwe.map { .number(Double($0)) })), ("capec", .array(r.capec.map { .number(Double($0)) })),
            ])),
        ])
    }

    /// A relative URI reference for a file path (percent-encoded, forward slashes).
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }
            .joined(separator: "/")
    }

    /// A 1-based column in Unicode code points from a 1-based UTF-8 byte column.
    static func codePointColumn(_ line: String, byteColumn: Int) -> Int {
        let bytes = Array(line.utf8)
        let prefix = bytes.prefix(max(0, byteColumn - 1))
        return String(decoding: prefix, as: UTF8.self).unicodeScalars.count + 1
    }
}

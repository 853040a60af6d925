import MoatCore

/// A rule as `moat rules list|show` and the MCP server's `list_rules`/`show_rule` tools print it: JSON with a
/// fixed member order, or text for a terminal. Rule files are user text: the caller sanitises the text form
/// for a terminal.
public struct RuleWriter: Sendable {
    /// The catalogue the rule's mitigating controls (and their maturity levels) come from.
    public let catalogue: Catalogue

    /// A writer that names each mitigation's control level from `catalogue`.
    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// One rule as JSON: id, title, description, STRIDE, kinds, condition, likelihood, impact, CWE, CAPEC,
    /// false-positive guidance, mitigations with their control's level, origin, and with `examples` its examples.
    public func json(_ r: Rule, examples: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(r.id)), ("title", .string(r.title)), ("description", .string(r.description)),
            ("stride", .array(r.stride.map { .string($0.rawValue) })),
            ("appliesTo", .array(r.appliesTo.map { .string($0.rawValue) })),
            ("when", .string(r.when)), ("likelihood", .number(Double(r.likelihood))), ("impact", .number(Double(r.impact))),
            ("cwe", .array(r.cwe.map { .number(Double($0)) })), ("capec", .array(r.capec.map { .number(Double($0)) })),
            ("falsePositive", .string(r.falsePositive)),
            ("mitigations", .array(r.mitigations.map { m in
                .object([("control", .string(m.control)), ("level", .number(Double(level(of: m.control)))),
                         ("text", .string(m.text))])
            })),
            ("source", r.isUserRule ? .string("user") : .string("built-in")),
        ]
        if examples {
            pairs.append(("examples", .object([
                ("triggering", .array(r.triggeringExamples.map { e in
                    .object([("model", .string(e.model)), ("expect", e.expect.map { .array($0.map(JSONValue.string)) } ?? .null)])
                })),
                ("nonTriggering", .array(r.nonTriggeringExamples.map { .string($0.model) })),
            ])))
        }
        return .object(pairs)
    }

    /// One rule as `moat rules show ID` prints it: every field, the mitigations with their levels and the examples.
    public func text(_ r: Rule) -> String {
        var out = "\(r.id): \(r.title)\n\n\(r.description)\n\n"
        out += "STRIDE:        \(r.stride.map(\.rawValue).joined(separator: ", "))\n"
        out += "applies to:    \(r.appliesTo.map(\.rawValue).joined(separator: ", "))\n"
        out += "when:          \(r.when)\n"
        out += "likelihood:    \(r.likelihood)   impact: \(r.impact)\n"
        out += "CWE:           \(r.cwe.map { "CWE-\($0)" }.joined(separator: ", "))\n"
        out += "CAPEC:         \(r.capec.map { "CAPEC-\($0)" }.joined(separator: ", "))\n"
        out += "false positive: \(r.falsePositive)\n\nmitigations:\n"
        for m in r.mitigations {
            out += "  - \(m.control) (level \(level(of: m.control))): \(m.text)\n"
        }
        for (label, list) in [("triggering", r.triggeringExamples), ("non-triggering", r.nonTriggeringExamples)] {
            for (i, e) in list.enumerated() {
                let expect = e.expect.map { " (fires on \($0.joined(separator: ", ")))" } ?? ""
                out += "\n\(label) example \(i + 1)\(expect):\n"
                    + e.model.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n"
            }
        }
        return out
    }

    /// A control's maturity level; 0 for a control the catalogue does not know.
    private func level(of control: String) -> Int { catalogue.controls[control]?.control.level ?? 0 }
}

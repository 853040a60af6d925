import Foundation
import Yams
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Reads rule files (YAML lists of rules, docs/rules.md) and checks every rule as it loads.
///
/// Every problem is a diagnostic naming the file, line and rule id: unknown keys, missing fields,
/// wrong types, duplicate ids, unknown controls, and condition errors (unknown names, type errors).
public struct RuleLoader: Sendable {
    static let required = ["id", "title", "description", "stride", "applies-to", "when", "likelihood", "impact",
                           "cwe", "capec", "false-positive", "mitigations", "examples"]
    /// Keys a rule may have besides the required ones.
    static let optional = ["runs-on", "supersedes"]
    static let ruleKinds: [ElementKind] = [.actor, .process, .datastore, .flow, .boundary, .model]

    let vocabulary: Vocabulary
    let maturity: MaturityModel
    let compiler: ConditionCompiler

    /// A loader checking rules against `vocabulary` and resolving their controls in `maturity`.
    public init(vocabulary: Vocabulary, maturity: MaturityModel) {
        self.vocabulary = vocabulary
        self.maturity = maturity
        self.compiler = ConditionCompiler(vocabulary: vocabulary)
    }

    /// Compiles the evidence of every control; errors name controls.yaml.
    public func compileControls(file: SourceFile?) -> ([String: CompiledControl], [Diagnostic]) {
        var result: [String: CompiledControl] = [:]
        var diagnostics: [Diagnostic] = []
        for control in maturity.controls {
            var evidence: [ElementKind: CompiledCondition] = [:]
            for (kindName, text) in (control.evidence ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let kind = ElementKind(rawValue: kindName), let type = EntityType.of([kind]) else {
                    diagnostics.append(.error(.invalidControl, "control '\(control.id)': '\(kindName)' is not an element kind", at: nil))
                    continue
                }
                switch compiler.compile(text, context: type) {
                case .success(let c): evidence[kind] = c
                case .failure(let e):
                    diagnostics.append(.error(.invalidControl, "control '\(control.id)', evidence for \(kindName): \(e.message)",
                                              at: file.flatMap { locate(control.id, in: $0) }, notes: e.notes))
                }
            }
            if control.practice != nil, maturity.level(ofPractice: control.practice!) == nil {
                diagnostics.append(.error(.invalidControl, "control '\(control.id)' names unknown practice '\(control.practice!)'",
                                          at: file.flatMap { locate(control.id, in: $0) }))
            }
            result[control.id] = CompiledControl(control: control, evidence: evidence)
        }
        return (result, diagnostics)
    }

    private func locate(_ id: String, in file: SourceFile) -> SourceRange? {
        let needle = Array("id: \(id)".utf8)
        let bytes = file.bytes
        guard needle.count <= bytes.count else { return nil }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] {
            if Array(bytes[i..<(i + needle.count)]) == needle { return file.range(i + 4, i + needle.count) }
        }
        return nil
    }

    /// Loads every `*.yaml` file of a folder, in name order.
    public func load(directory: URL, controls: [String: CompiledControl], userRules: Bool) -> ([Rule], [Diagnostic]) {
        let names = Self.ruleFiles(in: directory)
        // Files are independent until the duplicate check: compose and compile them on every core.
        let loaded = names.map { directory.appendingPathComponent($0).path }.parallelMap { path in
            SourceLoader().load(path).map { load(file: $0, controls: controls, userRules: userRules) }
        }
        var rules: [Rule] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: SourceRange?] = [:]
        for result in loaded {
            switch result {
            case .failure(let d): diagnostics.append(d)
            case .success(let (fileRules, problemsInFile)):
                var problems = problemsInFile
                for rule in fileRules {
                    if let first = seen[rule.id] {
                        problems.append(.error(.duplicateRule, "rule '\(rule.id)' is defined twice", at: rule.range,
                                               notes: first.map { [DiagnosticNote("first defined here", at: $0)] } ?? []))
                    }
                    seen[rule.id] = rule.range
                }
                rules += fileRules
                diagnostics += problems
            }
        }
        if names.isEmpty {
            diagnostics.append(.error(.noRules, "no rule files (*.yaml) in '\(directory.path)'", at: nil))
        }
        return (rules, diagnostics)
    }

    /// The names of the rule files of a folder (`*.yaml`, `*.yml`), in name order: the order rules load in.
    static func ruleFiles(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    /// Loads one rule file.
    public func load(file: SourceFile, controls: [String: CompiledControl], userRules: Bool = false) -> ([Rule], [Diagnostic]) {
        var diagnostics = DiagnosticBag()
        let root: Node?
        do {
            // The basic resolver tags every scalar as a string (no regex per scalar): rule files are read by key.
            root = try Yams.compose(yaml: String(decoding: file.bytes, as: UTF8.self), .basic)
        } catch {
            diagnostics.error(.invalidYaml, "invalid YAML in rule file: \(error)", at: file.range(0, 0))
            return ([], diagnostics.sorted)
        }
        guard case .sequence(let items)? = root else {
            diagnostics.error(.invalidRuleFile, "a rule file is a YAML list of rules", at: file.range(0, 0))
            return ([], diagnostics.sorted)
        }
        var rules: [Rule] = []
        for item in items {
            if let rule = rule(item, file: file, controls: controls, userRules: userRules, into: &diagnostics) { rules.append(rule) }
        }
        return (rules, diagnostics.sorted)
    }

    private func range(_ node: Node?, _ file: SourceFile) -> SourceRange {
        guard let mark = node?.mark else { return file.range(0, 0) }
        return file.range(line: mark.line, column: mark.column, length: node?.string?.utf8.count ?? 1)
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private func rule(_ node: Node, file: SourceFile, controls: [String: CompiledControl], userRules: Bool,
                      into diagnostics: inout DiagnosticBag) -> Rule? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error(.invalidRule, "each rule is a mapping of keys", at: range(node, file))
            return nil
        }
        var fields: [String: Node] = [:]
        var keyNodes: [String: Node] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { continue }
            fields[key] = v
            keyNodes[key] = k
        }
        let id = fields["id"]?.string ?? "?"
        let label = "rule '\(id)'"
        var ok = true
        func fail(_ message: String, at n: Node?, notes: [DiagnosticNote] = []) {
            diagnostics.error(.invalidRule, "\(label): \(message)", at: range(n ?? node, file), notes: notes)
            ok = false
        }
        let known = Set(Self.required + Self.optional)
        for (key, keyNode) in keyNodes where !known.contains(key) {
            let guess = Suggestion.closest(to: key, in: Self.required + Self.optional)
            fail("unknown key '\(key)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: keyNode)
        }
        for key in Self.required where fields[key] == nil {
            fail("missing '\(key)'", at: fields["id"] ?? node)
        }
        guard ok || fields["id"] != nil else { return nil }
        if id != "?" && !id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
            fail("ids are kebab-case (lowercase letters, digits and '-')", at: fields["id"])
        }
        func strings(_ key: String) -> [String] {
            guard let n = fields[key] else { return [] }
            if case .sequence(let s) = n { return s.compactMap(\.string) }
            return n.string.map { [$0] } ?? []
        }
        func integers(_ key: String, _ range: ClosedRange<Int>?) -> [Int] {
            guard let n = fields[key] else { return [] }
            let items: [Node]
            if case .sequence(let s) = n { items = Array(s) } else { items = [n] }
            var result: [Int] = []
            for item in items {
                guard let v = item.string.flatMap({ Int($0) }), range.map({ $0.contains(v) }) ?? (v > 0) else {
                    fail("'\(key)' must be \(range.map { "a whole number from \($0.lowerBound) to \($0.upperBound)" } ?? "a list of positive integer ids")",
                         at: item)
                    continue
                }
                result.append(v)
            }
            return result
        }
        var stride: [Stride] = []
        for s in strings("stride") {
            if let v = Stride(rawValue: s) { stride.append(v) } else {
                let guess = Suggestion.closest(to: s, in: Stride.allCases.map(\.rawValue))
                fail("unknown STRIDE category '\(s)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: fields["stride"])
            }
        }
        if fields["stride"] != nil && stride.isEmpty { fail("'stride' needs at least one category", at: fields["stride"]) }
        var kinds: [ElementKind] = []
        for k in strings("applies-to") {
            if let kind = ElementKind(rawValue: k), Self.ruleKinds.contains(kind) { kinds.append(kind) } else {
                fail("'\(k)' is not an element kind; rules apply to actor, process, datastore, flow, boundary or model", at: fields["applies-to"])
            }
        }
        if fields["applies-to"] != nil && kinds.isEmpty { fail("'applies-to' needs at least one kind", at: fields["applies-to"]) }
        var runsOn = Rule.RunsOn.server
        if let n = fields["runs-on"] {
            if let value = n.string.flatMap(Rule.RunsOn.init(rawValue:)) { runsOn = value } else {
                fail("'runs-on' is server, client or any", at: n)
            }
        }
        let supersedes = strings("supersedes")
        let likelihood = integers("likelihood", 1...4).first ?? 1
        let impact = integers("impact", 1...4).first ?? 1
        let cwe = integers("cwe", nil), capec = integers("capec", nil)
        if fields["cwe"] != nil && cwe.isEmpty { fail("'cwe' needs at least one id", at: fields["cwe"]) }
        if fields["capec"] != nil && capec.isEmpty { fail("'capec' needs at least one id", at: fields["capec"]) }

        var mitigations: [Mitigation] = []
        if let m = fields["mitigations"] {
            guard case .sequence(let list) = m, !list.isEmpty else {
                fail("'mitigations' is a non-empty list of { control, text }", at: m)
                return nil
            }
            for entry in list {
                guard case .mapping(let pairs) = entry,
                      let control = pairs["control"]?.string, let text = pairs["text"]?.string else {
                    fail("each mitigation needs 'control' and 'text'", at: entry)
                    continue
                }
                guard let compiled = controls[control] else {
                    let guess = Suggestion.closest(to: control, in: Array(controls.keys))
                    fail("unknown control '\(control)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: pairs["control"],
                         notes: ["controls are listed in Models/maturity/controls.yaml"])
                    continue
                }
                if compiled.control.practice == nil, !kinds.contains(where: { compiled.evidence[$0] != nil }) {
                    fail("control '\(control)' has no evidence for \(kinds.map(\.rawValue).joined(separator: "/")); it could never mitigate this rule",
                         at: pairs["control"])
                }
                mitigations.append(Mitigation(control: control, text: text))
            }
        }

        var triggering: [RuleExample] = [], nonTriggering: [RuleExample] = []
        if let e = fields["examples"] {
            guard case .mapping(let pairs) = e else {
                fail("'examples' needs 'triggering' and 'non-triggering' lists", at: e)
                return nil
            }
            /// An example is model text, or `{ expect: [element, …], model: text }` naming where the rule fires.
            func examples(_ key: String) -> [RuleExample] {
                guard let n = pairs[key] else { return [] }
                guard case .sequence(let s) = n else {
                    fail("'\(key)' is a list of examples", at: n)
                    return []
                }
                return s.compactMap { item -> RuleExample? in
                    if let text = item.string { return RuleExample(model: text, expect: nil, range: range(item, file)) }
                    guard case .mapping(let m) = item, let text = m["model"]?.string else {
                        fail("an example is model text, or a mapping with 'model' (and 'expect' for a triggering one)", at: item)
                        return nil
                    }
                    let unknown = m.keys.compactMap(\.string).filter { !["model", "expect"].contains($0) }
                    if let bad = unknown.first { fail("unknown key '\(bad)' in an example; it has 'model' and 'expect'", at: item) }
                    var expect: [String]?
                    if let x = m["expect"] {
                        if case .sequence(let ids) = x { expect = ids.compactMap(\.string) } else { expect = x.string.map { [$0] } }
                        // `rule@element` or just `element`: the rule is this one.
                        expect = expect?.map { $0.hasPrefix(id + "@") ? String($0.dropFirst(id.count + 1)) : $0 }
                        if key == "non-triggering" { fail("a non-triggering example expects no finding; drop 'expect'", at: x) }
                    }
                    return RuleExample(model: text, expect: expect, range: range(item, file))
                }
            }
            triggering = examples("triggering")
            nonTriggering = examples("non-triggering")
            if triggering.isEmpty { fail("needs at least one triggering example", at: e) }
            if nonTriggering.isEmpty { fail("needs at least one non-triggering example", at: e) }
        }

        var conditions: [ElementKind: CompiledCondition] = [:]
        let when = fields["when"]?.string ?? ""
        if let whenNode = fields["when"] {
            for group in Self.conditionGroups(kinds) {
                guard let type = EntityType.of(group) else { continue }
                switch compiler.compile(when, context: type) {
                case .success(let c): for k in group { conditions[k] = c }
                case .failure(let e):
                    diagnostics.error(.invalidCondition, "\(label): \(e.message)", at: conditionRange(whenNode, e.span, file),
                                      notes: e.notes)
                    ok = false
                }
            }
        }
        guard ok else { return nil }
        return Rule(id: id, title: fields["title"]?.string ?? "", description: fields["description"]?.string ?? "",
                    stride: stride, appliesTo: kinds, when: Self.oneLine(when), likelihood: likelihood, impact: impact, cwe: cwe, capec: capec,
                    falsePositive: fields["false-positive"]?.string ?? "", mitigations: mitigations,
                    triggeringExamples: triggering, nonTriggeringExamples: nonTriggering,
                    range: range(fields["id"], file), conditions: conditions, origin: userRules ? .user : .builtIn,
                    runsOn: runsOn, supersedes: supersedes)
    }

    /// A condition as one line for display: a folded YAML block keeps the line breaks (and indentation) of
    /// more-indented lines, which `explain` and `rules show` would print as gaps.
    static func oneLine(_ condition: String) -> String {
        guard condition.contains("\n") else { return condition }
        return condition.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    /// Points inside a single-line plain `when:` value; otherwise at its start.
    private func conditionRange(_ node: Node, _ span: ConditionSyntax.Span, _ file: SourceFile) -> SourceRange {
        guard let mark = node.mark, case .scalar(let s) = node, s.style == .plain, !s.string.contains("\n") else {
            return range(node, file)
        }
        return file.range(line: mark.line, column: mark.column + span.start, length: max(1, span.end - span.start))
    }
}

private extension Node.Mapping {
    subscript(key: String) -> Node? {
        for (k, v) in self where k.string == key { return v }
        return nil
    }
}

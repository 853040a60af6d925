import MoatModel
import MoatSource
import MoatSyntax

extension Catalogue {
    /// The catalogue a project's models are analysed with: the vocabulary extended by the project file,
    /// and the rules and controls compiled again against it (so `tech in [queue]` covers a project's `msk`).
    /// Only what the project adds can change; a condition that compiled before compiles again.
    public func extended(with project: ProjectFile) -> Catalogue {
        let vocabulary = self.vocabulary.extended(with: project)
        let loader = RuleLoader(vocabulary: vocabulary, maturity: maturity)
        // Without rules, nothing evaluates the controls' evidence (`controls`): it stays uncompiled.
        let controls = includesRules ? loader.compileControls(file: nil).0 : self.controls
        let rules = self.rules.map { loader.recompiled($0) ?? $0 }
        return Catalogue(vocabulary: vocabulary, maturity: maturity, controls: controls, rules: rules, includesRules: includesRules)
    }

    /// Reads the project file that applies to a model (`path`, or the nearest `moat.yaml` above the
    /// model) and extends the catalogue with it. Returns the project (nil when there is none) and its
    /// diagnostics; with errors, the catalogue is this one.
    public func forModel(at modelPath: String, projectFile path: String? = nil,
                         sourceLoader: SourceLoader = SourceLoader()) -> (Catalogue, ProjectFile?, [Diagnostic]) {
        guard let path = path ?? ProjectFile.find(forModel: modelPath) else { return (self, nil, []) }
        switch sourceLoader.load(path) {
        case .failure(let d): return (self, nil, [d])
        case .success(let file):
            let (project, diagnostics) = ProjectFile.read(file, vocabulary: vocabulary)
            guard let project else { return (self, nil, diagnostics) }
            return (extended(with: project), project, diagnostics)
        }
    }
}

extension RuleLoader {
    /// The kinds a rule's condition is compiled for together: the node kinds (actor, process, datastore) as one
    /// group, each other kind alone.
    static func conditionGroups(_ kinds: [ElementKind]) -> [Set<ElementKind>] {
        var groups: [Set<ElementKind>] = []
        let nodes = Set(kinds.filter(\.isNode))
        if !nodes.isEmpty { groups.append(nodes) }
        for k in kinds where !k.isNode { groups.append([k]) }
        return groups
    }

    /// A condition compiled for each kind of `kinds`; nil when it does not compile.
    func conditions(_ when: String, appliesTo kinds: [ElementKind]) -> [ElementKind: CompiledCondition]? {
        var conditions: [ElementKind: CompiledCondition] = [:]
        for group in Self.conditionGroups(kinds) {
            guard let type = EntityType.of(group), case .success(let c) = compiler.compile(when, context: type) else { return nil }
            for k in group { conditions[k] = c }
        }
        return conditions
    }

    /// The rule with its condition compiled against this loader's vocabulary.
    func recompiled(_ rule: Rule) -> Rule? {
        guard rule.origin != .written else { return rule }
        guard let conditions = conditions(rule.when, appliesTo: rule.appliesTo) else { return nil }
        return rule.with(conditions: conditions)
    }
}

extension Rule {
    /// This rule with other compiled conditions (the same rule against another vocabulary).
    func with(conditions: [ElementKind: CompiledCondition]) -> Rule {
        Rule(id: id, title: title, description: description, stride: stride, appliesTo: appliesTo,
             when: when, likelihood: likelihood, impact: impact, cwe: cwe, capec: capec,
             falsePositive: falsePositive, mitigations: mitigations, triggeringExamples: triggeringExamples,
             nonTriggeringExamples: nonTriggeringExamples, range: range, conditions: conditions, origin: origin,
             advice: advice, runsOn: runsOn, supersedes: supersedes)
    }
}

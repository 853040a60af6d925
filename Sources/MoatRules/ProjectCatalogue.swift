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
        let (controls, _) = loader.compileControls(file: nil)
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
    /// The rule with its condition compiled against this loader's vocabulary.
    func recompiled(_ rule: Rule) -> Rule? {
        guard rule.origin != .written else { return rule }
        var conditions: [ElementKind: CompiledCondition] = [:]
        var groups: [Set<ElementKind>] = []
        let nodes = Set(rule.appliesTo.filter(\.isNode))
        if !nodes.isEmpty { groups.append(nodes) }
        for k in rule.appliesTo where !k.isNode { groups.append([k]) }
        for group in groups {
            guard let type = EntityType.of(group), case .success(let c) = compiler.compile(rule.when, context: type) else { return nil }
            for k in group { conditions[k] = c }
        }
        return Rule(id: rule.id, title: rule.title, description: rule.description, stride: rule.stride, appliesTo: rule.appliesTo,
                    when: rule.when, likelihood: rule.likelihood, impact: rule.impact, cwe: rule.cwe, capec: rule.capec,
                    falsePositive: rule.falsePositive, mitigations: rule.mitigations, triggeringExamples: rule.triggeringExamples,
                    nonTriggeringExamples: rule.nonTriggeringExamples, range: rule.range, conditions: conditions, origin: rule.origin,
                    advice: rule.advice, runsOn: rule.runsOn, supersedes: rule.supersedes)
    }
}

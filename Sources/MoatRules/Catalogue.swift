import BundledModels
import Foundation
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// The data Moat works from: vocabulary, maturity model, controls and rules, loaded from a Models folder.
public struct Catalogue: Sendable {
    /// The attribute vocabulary (Models/vocabulary.yaml, plus a project's extensions): every attribute's type,
    /// allowed values and defaults; conditions and models are checked against it.
    public let vocabulary: Vocabulary
    /// The five maturity levels with their practices, and the controls that mitigate rules' threats.
    public let maturity: MaturityModel
    /// Controls with compiled evidence, by id. Without rules (`includesRules` false) the evidence may be left
    /// uncompiled (empty): only the analysis evaluates it, and it needs the rules.
    public let controls: [String: CompiledControl]
    /// Rules in id order; empty when the catalogue was loaded without them (`includesRules`).
    public private(set) var rules: [Rule]
    /// False for a catalogue loaded with `rules: false`: enough to read, check, format and convert models
    /// (vocabulary, maturity model, controls), not to analyse them.
    public let includesRules: Bool

    init(vocabulary: Vocabulary, maturity: MaturityModel, controls: [String: CompiledControl], rules: [Rule],
         includesRules: Bool = true) {
        self.vocabulary = vocabulary
        self.maturity = maturity
        self.controls = controls
        self.rules = rules
        self.includesRules = includesRules
    }

    /// A catalogue that could not be loaded: a broken installation or a bad `--models`/`--rules` folder.
    public typealias LoadError = CatalogueError

    /// Loads the catalogues from a Models folder (the built-in one by default). With `rules: false` the rule
    /// files are neither read nor compiled: reading and compiling about 130 rules is most of the catalogue's
    /// cost, and the commands that only read models (`fmt`, `validate`, `convert`, `graph`, …) never run one.
    public static func load(from directory: URL = BundledModels.directory, rules withRules: Bool = true) throws -> Catalogue {
        let files = try ["vocabulary.yaml", "maturity/levels.yaml", "maturity/controls.yaml"].map { relative -> SourceFile in
            switch SourceLoader().load(directory.appendingPathComponent(relative).path) {
            case .success(let file): return file
            case .failure(let problem):
                throw LoadError(description: "cannot read catalogue: " + DiagnosticRenderer().render([problem]), diagnostics: [problem])
            }
        }
        // The vocabulary and the maturity model are read side by side; the rules, which need both, follow.
        let (readVocabulary, readMaturity) = inParallel({ Result { try Vocabulary(file: files[0]) } },
                                                        { Result { try MaturityModel(levels: files[1], controls: files[2]) } })
        let vocabulary: Vocabulary
        let maturity: MaturityModel
        let controlsFile = files[2]
        do {
            vocabulary = try readVocabulary.get()
            maturity = try readMaturity.get()
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(description: "invalid catalogue in '\(directory.path)': \(error)")
        }
        let loader = RuleLoader(vocabulary: vocabulary, maturity: maturity)
        let (controls, controlProblems) = loader.compileControls(file: controlsFile)
        guard withRules else {
            if controlProblems.contains(where: { $0.severity == .error }) {
                throw LoadError(description: "invalid rule catalogue:\n" + DiagnosticRenderer().render(controlProblems),
                                diagnostics: controlProblems)
            }
            return Catalogue(vocabulary: vocabulary, maturity: maturity, controls: controls, rules: [], includesRules: false)
        }
        let (rules, ruleProblems) = loader.load(directory: directory.appendingPathComponent("rules"), controls: controls,
                                                userRules: false)
        let problems = controlProblems + ruleProblems + Self.supersessionProblems(rules)
        if problems.contains(where: { $0.severity == .error }) {
            throw LoadError(description: "invalid rule catalogue:\n" + DiagnosticRenderer().render(problems), diagnostics: problems)
        }
        return Catalogue(vocabulary: vocabulary, maturity: maturity, controls: controls,
                         rules: rules.sorted { $0.id < $1.id })
    }

    /// The built-in catalogue, loaded once.
    public static let builtIn: Result<Catalogue, Error> = Result { try loadBuiltIn(rules: true) }

    /// The built-in catalogue without its rules (`load(rules: false)`), loaded once: for commands that only
    /// read models. A process that needs both loads the vocabulary twice; none of the commands does.
    public static let builtInWithoutRules: Result<Catalogue, Error> = Result { try loadBuiltIn(rules: false) }

    /// The built-in catalogue from its snapshot (`CatalogueSnapshot`, read without Yams), or from the YAML when the snapshot is missing or stale — or when the environment
    /// variable `MOAT_CATALOGUE` is `yaml`, which compares the two paths and gives the YAML's diagnostics.
    static func loadBuiltIn(rules: Bool) throws -> Catalogue {
        if getenv("MOAT_CATALOGUE").map({ String(cString: $0) }) != "yaml",
           let catalogue = CatalogueSnapshot.load(from: BundledModels.directory, rules: rules) {
            return catalogue
        }
        return try load(rules: rules)
    }

    /// This catalogue plus the rules in `directory`; a rule with a built-in id replaces the built-in one.
    public func adding(rulesFrom directory: URL) -> (Catalogue, [Diagnostic]) {
        let loader = RuleLoader(vocabulary: vocabulary, maturity: maturity)
        let (extra, problems) = loader.load(directory: directory, controls: controls, userRules: true)
        var byID: [String: Rule] = [:]
        for r in rules { byID[r.id] = r }
        for r in extra { byID[r.id] = r }
        var copy = self
        copy.replaceRules(byID.values.sorted { $0.id < $1.id })
        return (copy, problems + Self.supersessionProblems(extra, known: Set(byID.keys)))
    }

    /// `supersedes` must name rules that exist, and no rule may supersede itself through a cycle.
    static func supersessionProblems(_ rules: [Rule], known: Set<String>? = nil) -> [Diagnostic] {
        let ids = known ?? Set(rules.map(\.id))
        var problems: [Diagnostic] = []
        for r in rules {
            for other in r.supersedes where !ids.contains(other) || other == r.id {
                let guess = Suggestion.closest(to: other, in: Array(ids))
                problems.append(.error(.invalidRule, "rule '\(r.id)': supersedes '\(other)', "
                                       + (other == r.id ? "itself" : "which is no rule" + (guess.map { "; did you mean '\($0)'?" } ?? "")),
                                       at: r.range))
            }
        }
        return problems
    }

    package mutating func replaceRules(_ rules: [Rule]) { self.rules = rules }

    /// The rule with this id.
    public func rule(_ id: String) -> Rule? { rules.first { $0.id == id } }
}

extension ModelLoader {
    /// A loader for models checked against a catalogue's vocabulary and practices.
    public init(catalogue: Catalogue, foreignReaders: [ForeignDocumentReader] = [], sourceLoader: SourceLoader = SourceLoader()) {
        self.init(vocabulary: catalogue.vocabulary, practices: catalogue.maturity.practiceIDs,
                  controls: catalogue.maturity.controls.map(\.id), foreignReaders: foreignReaders, sourceLoader: sourceLoader)
    }
}

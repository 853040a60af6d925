import Foundation
import MoatCore

// The one place where the language server calls into MoatCore: loading, analysing, lexing, formatting,
// the vocabulary, the rules and the maturity model. Everything it hands out is the server's own plain
// values (below), so that a change of the core's initialisers touches this file only. (The syntax-tree
// walk that builds the index reads the core's AST types: CoreSyntaxIndexer.swift.)

/// An attribute of the vocabulary.
struct AttributeInfo: Sendable {
    var name: String
    /// `flag`, `string`, `number`, `date`, `enum` or `refs`.
    var type: String
    var kinds: [DeclKind]
    var values: [String]
    /// `data` or `practice`, for refs.
    var target: String?
    var doc: String?
    var min: Double?
    var max: Double?
    var defaultValue: String?
}

struct PracticeInfo: Sendable {
    var id: String
    var title: String
    var level: Int
}

struct RuleInfo: Sendable {
    var id: String
    var title: String
    var description: String
    var stride: [String]
    var appliesTo: [DeclKind]
    var likelihood: Int
    var impact: Int
    var cwe: [Int]
    var capec: [Int]
    /// Where the rule is written (a YAML file of the catalogue), 1-based line and byte column.
    var path: String?
    var line: Int
    var column: Int
}

/// One token of a `.moat` text.
struct LexToken: Sendable {
    enum Kind: Sendable { case word, string, leftBrace, rightBrace, comma, semicolon, colon, at, arrow, twoWayArrow, other, end }
    var kind: Kind
    var text: String
    var start: Int
    var end: Int
    var newlineBefore: Bool
}

/// A diagnostic of the core, with 1-based lines and byte columns.
struct CoreDiagnostic: Sendable {
    var path: String?
    var startLine: Int
    var startColumn: Int
    var endLine: Int
    var endColumn: Int
    /// `error`, `warning` or `note`.
    var severity: String
    var id: String
    var message: String
    var notes: [CoreNote]
}

/// A note under a diagnostic, with the place it is about when the core gives one ("first declared here").
struct CoreNote: Sendable {
    var message: String
    var path: String?
    var startLine = 1, startColumn = 1, endLine = 1, endColumn = 1
}

struct FindingInfo: Sendable {
    var id: String
    var ruleID: String
    var title: String
    /// `low`, `medium`, `high`, `critical`.
    var severity: String
    var severityRank: Int
    var status: String
    var isOpen: Bool
    var stride: [String]
    var expectedLevel: Int
    var fix: String?
}

/// The findings of one element, flow or boundary, worst first, and its evidenced maturity level.
struct ComponentFindings: Sendable {
    var id: String
    var level: Int?
    var findings: [FindingInfo]
    var open: [FindingInfo] { findings.filter(\.isOpen) }
}

struct AnalysisSummary: Sendable {
    var components: [String: ComponentFindings]
    var declaredLevel: Int
    var evidencedLevel: Int
    var findingCount: Int
    var openCount: Int
    /// Tracking warnings (unmatched, expired).
    var diagnostics: [CoreDiagnostic]
}

/// What one load (and, when the model is valid, one analysis) of a project gave.
struct LoadOutcome: Sendable {
    /// The text of every file read, by canonical path.
    var files: [String: [UInt8]]
    /// Canonical path of the root file.
    var rootPath: String
    var diagnostics: [CoreDiagnostic]
    var index: SyntaxIndex
    /// Nil when the model has errors.
    var analysis: AnalysisSummary?
    var errorCount: Int
}

/// The catalogue and analysis settings, and every call into the core.
struct CoreAdapter: Sendable {
    private let catalogue: Catalogue
    private let declaredLevel: Int?
    private let asOf: String?
    let attributes: [AttributeInfo]
    private let attributeIndex: [String: Int]
    let practices: [PracticeInfo]
    let rules: [RuleInfo]
    private let ruleIndex: [String: Int]

    init(catalogue: Catalogue, declaredLevel: Int? = nil, asOf: String? = nil) {
        self.catalogue = catalogue
        self.declaredLevel = declaredLevel
        self.asOf = asOf
        attributes = catalogue.vocabulary.attributes.map { s in
            AttributeInfo(name: s.name, type: s.type.rawValue, kinds: s.on.compactMap { DeclKind(rawValue: $0.rawValue) },
                          values: s.values ?? [], target: s.target?.rawValue, doc: s.doc, min: s.min, max: s.max,
                          defaultValue: s.default)
        }
        attributeIndex = Dictionary(attributes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        practices = catalogue.maturity.levels.flatMap { level in
            level.practices.map { PracticeInfo(id: $0.id, title: $0.title, level: level.level) }
        }
        rules = catalogue.rules.map { r in
            RuleInfo(id: r.id, title: r.title, description: r.description, stride: r.stride.map(\.rawValue),
                     appliesTo: r.appliesTo.compactMap { DeclKind(rawValue: $0.rawValue) }, likelihood: r.likelihood,
                     impact: r.impact, cwe: r.cwe, capec: r.capec, path: r.range?.file.path,
                     line: r.range?.start.line ?? 1, column: r.range?.start.column ?? 1)
        }
        ruleIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The built-in catalogue (used by tests and when no catalogue is handed over).
    static func builtIn() throws -> CoreAdapter { CoreAdapter(catalogue: try Catalogue.builtIn.get()) }

    // MARK: - Vocabulary, practices, rules, keywords

    func attribute(named name: String) -> AttributeInfo? { attributeIndex[name].map { attributes[$0] } }

    /// The attributes that may be written on a kind, in vocabulary order.
    func attributes(on kind: DeclKind) -> [AttributeInfo] {
        guard let k = ElementKind(rawValue: kind.rawValue) else { return [] }
        let names = Set(catalogue.vocabulary.names(on: k))
        return attributes.filter { names.contains($0.name) }
    }

    func practice(_ id: String) -> PracticeInfo? { practices.first { $0.id == id } }
    func rule(_ id: String) -> RuleInfo? { ruleIndex[id].map { rules[$0] } }
    /// A level's name ("Defined Security Controls").
    func levelName(_ level: Int) -> String? { catalogue.maturity.level(level)?.name }

    /// Words that start a statement and cannot be ids.
    static var keywords: [String] { Identifier.keywords.sorted() }
    static let trackingKeywords = ["accept", "mitigated", "false-positive", "not-applicable"]

    /// The identifier grammar: a letter or `_`, then letters, digits, `_`, `-`, `.`, no `->`, not a keyword.
    func isValidIdentifier(_ s: String) -> Bool { Identifier.isValid(s) }

    func implicitFlowID(source: String, target: String, twoWay: Bool) -> String {
        Flow.implicitID(source: source, target: target, twoWay: twoWay)
    }

    // MARK: - Lexing

    /// The tokens and comment spans of a text (for completion, which must work on half-written text).
    func lex(_ bytes: [UInt8], path: String) -> (tokens: [LexToken], comments: [(start: Int, end: Int)]) {
        let file = SourceFile(path: path, bytes: bytes)
        var lexer = Lexer(file: file)
        let tokens = lexer.tokenize().map { t -> LexToken in
            let kind: LexToken.Kind
            switch t.kind {
            case .word: kind = .word
            case .string: kind = .string
            case .leftBrace: kind = .leftBrace
            case .rightBrace: kind = .rightBrace
            case .comma: kind = .comma
            case .semicolon: kind = .semicolon
            case .colon: kind = .colon
            case .at: kind = .at
            case .arrow: kind = .arrow
            case .twoWayArrow: kind = .twoWayArrow
            case .endOfFile: kind = .end
            default: kind = .other
            }
            return LexToken(kind: kind, text: t.text, start: t.start, end: t.end, newlineBefore: t.newlineBefore)
        }
        // A comment runs to the end of its line (the lexer trims trailing blanks from its text).
        let comments = lexer.comments.map { c -> (start: Int, end: Int) in
            var end = min(bytes.count, c.start + c.text.utf8.count)
            while end < bytes.count && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
            return (c.start, end)
        }
        return (tokens, comments)
    }

    // MARK: - Loading and analysing

    /// Loads the model whose root file is `rootPath`, reading open documents from `overlays` (by canonical
    /// path) and other files from disk, then analyses it when it is valid.
    func load(rootPath: String, overlays: [String: [UInt8]]) -> LoadOutcome {
        let reader = SourceLoader(readBytes: { path in
            if let text = overlays[DocumentURI.canonical(path)] { return text }
            return try SourceLoader.readFromDisk(path)
        })
        let loader = ModelLoader(catalogue: catalogue, sourceLoader: reader)
        let result = loader.load(path: rootPath)
        var canonical: [String: String] = [:]
        func key(_ path: String) -> String {
            if let k = canonical[path] { return k }
            let k = DocumentURI.canonical(path)
            canonical[path] = k
            return k
        }
        var files: [String: [UInt8]] = [:]
        for document in result.documents { files[key(document.file.path)] = document.file.bytes }
        var diagnostics = result.diagnostics.map { convert($0, key) }
        for d in result.diagnostics {
            if let file = d.range?.file, files[key(file.path)] == nil { files[key(file.path)] = file.bytes }
        }
        let index = CoreSyntaxIndexer(vocabulary: catalogue.vocabulary, key: key).index(result.documents)
        var analysis: AnalysisSummary?
        if let model = result.model {
            let options = AnalysisOptions(declaredLevel: declaredLevel, asOf: asOf ?? AnalysisOptions.today())
            let a = Analyzer(catalogue: catalogue).analyze(model, options: options)
            analysis = summary(a, key)
            diagnostics += analysis?.diagnostics ?? []
        }
        return LoadOutcome(files: files, rootPath: key(rootPath), diagnostics: diagnostics, index: index, analysis: analysis,
                           errorCount: result.errorCount)
    }

    private func convert(_ d: Diagnostic, _ key: (String) -> String) -> CoreDiagnostic {
        CoreDiagnostic(path: d.range.map { key($0.file.path) }, startLine: d.range?.start.line ?? 1,
                       startColumn: d.range?.start.column ?? 1, endLine: d.range?.end.line ?? 1,
                       endColumn: d.range?.end.column ?? 1, severity: d.severity.rawValue, id: "\(d.id)", message: d.message,
                       notes: d.notes.map { note(for: $0, key) })
    }

    private func note(for n: DiagnosticNote, _ key: (String) -> String) -> CoreNote {
        guard let r = n.range else { return CoreNote(message: n.message) }
        return CoreNote(message: n.message, path: key(r.file.path), startLine: r.start.line, startColumn: r.start.column,
                        endLine: r.end.line, endColumn: r.end.column)
    }

    private func summary(_ a: Analysis, _ key: (String) -> String) -> AnalysisSummary {
        var components: [String: ComponentFindings] = [:]
        for (id, level) in zip(a.maturity.components.ids, a.maturity.components.levels) {
            components[id] = ComponentFindings(id: id, level: level, findings: [])
        }
        for f in a.findings {
            let info = FindingInfo(id: f.id, ruleID: f.rule.id, title: f.rule.title, severity: f.severity.rawValue,
                                   severityRank: f.severity.rank, status: f.status.rawValue, isOpen: f.isOpen,
                                   stride: f.rule.stride.map(\.rawValue), expectedLevel: f.expectedLevel,
                                   fix: f.rule.fix)
            components[f.elementID, default: ComponentFindings(id: f.elementID, level: a.maturity.components[f.elementID],
                                                              findings: [])].findings.append(info)
        }
        return AnalysisSummary(components: components, declaredLevel: a.maturity.declared, evidencedLevel: a.maturity.evidenced,
                               findingCount: a.findings.count, openCount: a.findings.filter(\.isOpen).count,
                               diagnostics: a.diagnostics.map { convert($0, key) })
    }

    // MARK: - Formatting

    /// The `moat fmt` text of a document, or why it cannot be formatted.
    func format(_ bytes: [UInt8], path: String) -> Result<String, ResponseError> {
        guard DocumentReader.notation(forPath: path) == .moat else {
            return .failure(.requestFailed("moat fmt formats .moat files; this is a \(DocumentReader.notation(forPath: path).rawValue) model"))
        }
        let file = SourceFile(path: path, bytes: bytes)
        let (document, diagnostics) = Parser.parse(file)
        let errors = diagnostics.filter { $0.severity == .error }
        if let first = errors.first {
            let place = first.range.map { "\($0.start.line):\($0.start.column): " } ?? ""
            return .failure(.requestFailed("not formatted: the file has \(errors.count) syntax error\(errors.count == 1 ? "" : "s") (\(place)\(first.message))"))
        }
        let formatted = MoatFormatter(vocabulary: catalogue.vocabulary).format(document)
        // The same safety net as `moat fmt`: the result must read back as the same model with the same comments.
        let reformatted = SourceFile(path: path, text: formatted)
        let (reparsed, problems) = Parser.parse(reformatted)
        let tree = DocumentTree(vocabulary: catalogue.vocabulary)
        var before = Lexer(file: file), after = Lexer(file: reformatted)
        _ = before.tokenize()
        _ = after.tokenize()
        guard !problems.contains(where: { $0.severity == .error }), tree.tree(reparsed) == tree.tree(document),
              before.comments.map(\.text).sorted() == after.comments.map(\.text).sorted() else {
            return .failure(.requestFailed("internal error: formatting would change the model; the file was left unchanged"))
        }
        return .success(formatted)
    }
}

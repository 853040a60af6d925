import Foundation
import MoatCore
import MoatDiagram
import MoatInterop
import MoatReports

// The one place where the MCP server calls into Moat's libraries: loading (through the root's reader),
// analysing, explaining, the rule catalogue, the vocabulary and the diagrams. It hands out text (JSON
// already written, or the CLI's own text) and plain values, so that a change of the core touches this
// file only. What each tool returns is what the matching `moat` command prints:
// - analyze_model: `moat analyze --format json` (MoatReports' JSONReportWriter, docs/analysis.md);
// - explain_finding: `moat explain`;
// - list_rules / show_rule: `moat rules list|show --format json` (the same members: `RuleWriter`);
// - validate_model with format text: `moat validate`'s diagnostics, file:line:col with a caret.

/// A tool that could not do what it was asked; the message goes back as the tool's error text.
struct ToolFailure: Error, Equatable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Which findings `analyze_model` lists.
struct FindingFilter: Sendable {
    var element: String?
    var rule: String?
    var minimumSeverity: String?
    var stride: String?
    var openOnly = false

    var isEmpty: Bool { element == nil && rule == nil && minimumSeverity == nil && stride == nil && !openOnly }

    /// In words, for the line above a filtered report.
    var words: String {
        var parts: [String] = []
        if let element { parts.append("element '\(element)'") }
        if let rule { parts.append("rule '\(rule)'") }
        if let stride { parts.append("STRIDE \(stride)") }
        if let minimumSeverity { parts.append("severity \(minimumSeverity) or worse") }
        if openOnly { parts.append("open only") }
        return parts.joined(separator: ", ")
    }
}

/// Which rules `list_rules` lists.
struct RuleFilter: Sendable {
    var stride: String?
    var appliesTo: String?
    var cwe: Int?
    var capec: Int?
    var text: String?
}

/// What `render_diagram` draws.
struct DiagramRequest: Sendable {
    /// svg, png or dot.
    var format = "svg"
    /// automatic, full or overview (focus and boundary come apart).
    var view = "automatic"
    var focus: String?
    var boundary: String?
    var attackPaths = false
    var threats = true
    /// dot or sfdp; nil: the builder's choice.
    var layout: String?
    var level: Int?
}

/// A rendered diagram: text (SVG, DOT) or image bytes (PNG).
enum DiagramOutput: Sendable {
    case text(String, mimeType: String)
    case image([UInt8], mimeType: String)
}

/// The catalogue, the analysis settings and the root; every call into Moat's libraries.
struct MoatEngine: Sendable {
    private let catalogue: Catalogue
    let root: ServerRoot
    private let declaredLevel: Int?
    private let asOf: String?

    init(catalogue: Catalogue, root: ServerRoot, declaredLevel: Int? = nil, asOf: String? = nil) {
        self.catalogue = catalogue
        self.root = root
        self.declaredLevel = declaredLevel
        self.asOf = asOf
    }

    // MARK: - Names the schemas offer

    static let kinds = ElementKind.allCases.map(\.rawValue)
    static let strideNames = Stride.allCases.map(\.rawValue)
    static let strideLetters = Stride.allCases.map(\.letter)
    static let severities = Severity.allCases.map(\.rawValue)
    static let diagramFormats = ["svg", "png", "dot"]
    static let layouts = LayoutEngine.allCases.map(\.rawValue)
    var ruleIDs: [String] { catalogue.rules.map(\.id) }
    /// Each rule's id and title, in catalogue order.
    var ruleTitles: [(id: String, title: String)] { catalogue.rules.map { ($0.id, $0.title) } }

    /// A STRIDE category from its name or initial ("I", "information-disclosure").
    static func stride(_ word: String) -> String? {
        let w = word.lowercased()
        return Stride.allCases.first { $0.rawValue == w || $0.letter.lowercased() == w }?.rawValue
    }

    // MARK: - Loading

    /// The reader every load uses: files under the root only, includes too. The root file, read already
    /// (so that a path that cannot be read is a tool error, not a diagnostic), is handed over as it is.
    private func sourceLoader(root file: String, bytes: [UInt8]) -> SourceLoader {
        let root = self.root
        return SourceLoader(readBytes: { path in
            if path == file { return bytes }
            do {
                return try root.read(path)
            } catch let refusal as ServerRoot.Refusal {
                // The core's own messages for the usual cases ("cannot include 'x': no such file").
                switch refusal.reason {
                case .notFound: throw SourceLoader.LoadError.notFound
                case .isDirectory: throw SourceLoader.LoadError.isDirectory
                case .tooLarge(let n): throw SourceLoader.LoadError.tooLarge(n)
                default: throw refusal
                }
            }
        })
    }

    private func load(_ path: String) throws -> (LoadResult, String) {
        let relative: String, bytes: [UInt8]
        do {
            relative = try root.normalise(path)
            bytes = try root.read(path)
        } catch {
            throw ToolFailure(error.description)
        }
        var loader = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary),
                                 sourceLoader: sourceLoader(root: relative, bytes: bytes))
        // Paths here are relative to the server's root, and the source loader above refuses every file
        // outside it, so the loader's own confinement (which resolves paths against the working folder)
        // steps aside rather than judge a relative path against the wrong folder.
        loader.allowedIncludeFolders = ["/"]
        return (loader.load(path: relative), relative)
    }

    private func options(level: Int?) -> AnalysisOptions {
        AnalysisOptions(declaredLevel: level ?? declaredLevel, asOf: asOf ?? AnalysisOptions.today())
    }

    /// Loads and analyses a model; a model with errors is a tool failure listing them.
    private func analysed(_ path: String, level: Int?) throws -> (Analysis, [Diagnostic]) {
        let (result, relative) = try load(path)
        guard let model = result.model, !result.hasErrors else {
            let n = result.errorCount
            throw ToolFailure("\(relative) has \(n) error\(n == 1 ? "" : "s"); nothing was analysed. Fix "
                              + "\(n == 1 ? "it" : "them") first (validate_model lists every problem):\n\n"
                              + DiagnosticRenderer().render(result.diagnostics))
        }
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: options(level: level))
        return (analysis, result.diagnostics.filter { $0.severity != .error } + analysis.diagnostics)
    }

    // MARK: - validate_model

    /// Every error and warning of a model: JSON (default) or `moat validate`'s text.
    func validate(_ path: String, asText: Bool) throws -> (text: String, valid: Bool) {
        let (result, relative) = try load(path)
        let errors = result.errorCount
        let warnings = result.diagnostics.filter { $0.severity == .warning }.count
        if asText {
            var out = DiagnosticRenderer().render(result.diagnostics)
            if result.hasErrors {
                out += "\(relative): \(errors) error\(errors == 1 ? "" : "s")\n"
            } else if let model = result.model {
                func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
                out += "\(relative): ok — \(count(model.elements.count, "element", "elements")), "
                    + "\(count(model.flows.count, "flow", "flows")), \(count(model.boundaries.count, "boundary", "boundaries")), "
                    + "\(count(model.data.count, "data asset", "data assets"))"
                    + (warnings > 0 ? ", \(count(warnings, "warning", "warnings"))" : "") + "\n"
            }
            return (out, !result.hasErrors)
        }
        var members: [(String, JSONValue)] = [
            ("file", .string(relative)), ("valid", .bool(!result.hasErrors)),
            ("errors", .number(Double(errors))), ("warnings", .number(Double(warnings))),
        ]
        if let model = result.model, !result.hasErrors {
            members.append(("model", .object([
                ("name", .string(model.header.name)),
                ("elements", .number(Double(model.elements.count))), ("flows", .number(Double(model.flows.count))),
                ("boundaries", .number(Double(model.boundaries.count))), ("data", .number(Double(model.data.count))),
                ("files", .array(model.files.map { .string($0.path) })),
            ])))
        }
        members.append(("diagnostics", .array(result.diagnostics.map(Self.json))))
        return (JSONValue.object(members).serialized() + "\n", !result.hasErrors)
    }

    /// One diagnostic: where (line and column as `moat validate` prints them, the column in characters),
    /// what, its id and severity, and its notes.
    static func json(_ d: Diagnostic) -> JSONValue {
        var members: [(String, JSONValue)] = []
        members += location(d.range)
        members += [("severity", .string(d.severity.rawValue)), ("id", .string(d.id.rawValue)), ("message", .string(d.message))]
        members.append(("notes", .array(d.notes.map { n in .object([("message", .string(n.message))] + location(n.range)) })))
        return .object(members)
    }

    private static func location(_ range: SourceRange?) -> [(String, JSONValue)] {
        guard let range else { return [] }
        return [
            ("file", .string(range.file.path)),
            ("line", .number(Double(range.start.line))), ("column", .number(Double(characterColumn(range.file, range.start)))),
            ("endLine", .number(Double(range.end.line))), ("endColumn", .number(Double(characterColumn(range.file, range.end)))),
        ]
    }

    /// A byte column as a column in characters (Unicode scalars), as the CLI prints it.
    static func characterColumn(_ file: SourceFile, _ at: SourceLocation) -> Int {
        guard at.line >= 1, at.line <= file.lineStarts.count else { return at.column }
        let start = file.lineStarts[at.line - 1]
        let end = min(file.bytes.count, start + max(0, at.column - 1))
        guard end > start else { return at.column }
        return String(decoding: file.bytes[start..<end], as: UTF8.self).unicodeScalars.count + 1
    }

    // MARK: - analyze_model

    /// The JSON report of `moat analyze --format json`, with the findings chosen by `filter`; before it a
    /// line saying what was left out, after it the warnings.
    func analyze(_ path: String, level: Int?, filter: FindingFilter) throws -> [String] {
        var (analysis, warnings) = try analysed(path, level: level)
        var blocks: [String] = []
        if !filter.isEmpty {
            let model = analysis.model
            if let element = filter.element {
                let ids = model.elements.map(\.id) + model.flows.map(\.id) + model.boundaries.map(\.id) + [Analyzer.modelComponentID]
                guard ids.contains(element) else {
                    throw ToolFailure("no element, flow or boundary '\(element)' in the model"
                                      + (Suggestion.closest(to: element, in: ids).map { "; did you mean '\($0)'?" } ?? ""))
                }
            }
            if let rule = filter.rule, catalogue.rule(rule) == nil {
                throw ToolFailure("unknown rule '\(rule)'" + (Suggestion.closest(to: rule, in: ruleIDs).map { "; did you mean '\($0)'?" } ?? ""))
            }
            let minimum = filter.minimumSeverity.flatMap(Severity.init(rawValue:))
            let stride = filter.stride.flatMap(Stride.init(rawValue:))
            let total = analysis.findings.count
            analysis.findings = analysis.findings.filter { f in
                (filter.element == nil || f.elementID == filter.element)
                    && (filter.rule == nil || f.rule.id == filter.rule)
                    && (minimum == nil || f.severity >= minimum!)
                    && (stride == nil || f.rule.stride.contains(stride!))
                    && (!filter.openOnly || f.isOpen)
            }
            blocks.append("\(analysis.findings.count) of \(total) findings match (\(filter.words)). In the report below, "
                          + "\"summary\" counts the findings listed; \"maturity\" is the whole model's.")
        }
        blocks.append(String(decoding: JSONReportWriter().bytes(analysis), as: UTF8.self))
        if !warnings.isEmpty { blocks.append("warnings:\n" + DiagnosticRenderer().render(warnings)) }
        return blocks
    }

    // MARK: - explain_finding

    /// `moat explain FINDING-ID FILE`.
    func explain(_ path: String, finding: String, level: Int?) throws -> String {
        let (analysis, _) = try analysed(path, level: level)
        do {
            return ExplanationTextWriter().write(try Explainer(catalogue: catalogue).explain(finding, in: analysis))
        } catch let error as Explainer.NotFound {
            throw ToolFailure(error.description)
        }
    }

    // MARK: - list_rules and show_rule

    /// The rules that pass `filter`, as `moat rules list --format json` writes them (`full`), or only
    /// their id, title, STRIDE, kinds, CWE and CAPEC.
    func listRules(_ filter: RuleFilter, full: Bool) throws -> String {
        var rules = catalogue.rules
        if let s = filter.stride.flatMap(Stride.init(rawValue:)) { rules = rules.filter { $0.stride.contains(s) } }
        if let k = filter.appliesTo {
            guard let kind = ElementKind(rawValue: k) else { throw ToolFailure("unknown element kind '\(k)'") }
            rules = rules.filter { $0.appliesTo.contains(kind) }
        }
        if let cwe = filter.cwe { rules = rules.filter { $0.cwe.contains(cwe) } }
        if let capec = filter.capec { rules = rules.filter { $0.capec.contains(capec) } }
        if let text = filter.text?.lowercased(), !text.isEmpty {
            rules = rules.filter { r in [r.id, r.title, r.description].contains { $0.lowercased().contains(text) } }
        }
        let items: [JSONValue] = rules.map { r in
            full ? RuleWriter(catalogue: catalogue).json(r, examples: false) : .object([
                ("id", .string(r.id)), ("title", .string(r.title)),
                ("stride", .array(r.stride.map { .string($0.rawValue) })),
                ("appliesTo", .array(r.appliesTo.map { .string($0.rawValue) })),
                ("cwe", .array(r.cwe.map { .number(Double($0)) })), ("capec", .array(r.capec.map { .number(Double($0)) })),
            ])
        }
        return JSONValue.array(items).serialized() + "\n"
    }

    /// `moat rules show ID --format json`, or its text form.
    func showRule(_ id: String, asText: Bool) throws -> String {
        guard let r = catalogue.rule(id) else {
            throw ToolFailure("unknown rule '\(id)'" + (Suggestion.closest(to: id, in: ruleIDs).map { "; did you mean '\($0)'?" } ?? "")
                              + "; list_rules lists them")
        }
        if !asText { return RuleWriter(catalogue: catalogue).json(r, examples: true).serialized() + "\n" }
        return RuleWriter(catalogue: catalogue).text(r)
    }

    // MARK: - list_vocabulary

    /// The attributes (name, type, where they may be written, values, default, bounds, docs) and the value
    /// groups of the vocabulary; only those of one element kind, or one attribute, when asked.
    func vocabulary(kind: String?, attribute: String?) throws -> String {
        let vocabulary = catalogue.vocabulary
        var specs = vocabulary.attributes
        if let kind {
            guard let k = ElementKind(rawValue: kind) else { throw ToolFailure("unknown element kind '\(kind)'") }
            specs = specs.filter { $0.allowed(on: k) }
        }
        if let attribute {
            guard let spec = vocabulary.spec(attribute) else {
                throw ToolFailure("unknown attribute '\(attribute)'"
                                  + (Suggestion.closest(to: attribute, in: vocabulary.attributes.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""))
            }
            specs = specs.filter { $0.name == spec.name }
        }
        let names = Set(specs.map(\.name))
        let attributes: [JSONValue] = specs.map { s in
            var m: [(String, JSONValue)] = [
                ("name", .string(s.name)), ("type", .string(s.type.rawValue)),
                ("on", .array(s.on.map { .string($0.rawValue) })),
            ]
            if let values = s.values { m.append(("values", .array(values.map(JSONValue.string)))) }
            if s.ordered == true { m.append(("ordered", .bool(true))) }
            if let d = s.default { m.append(("default", .string(d))) }
            if let min = s.min { m.append(("min", .number(min))) }
            if let max = s.max { m.append(("max", .number(max))) }
            if let t = s.target { m.append(("target", .string(t.rawValue))) }
            if s.isZoneWide { m.append(("zoneWide", .bool(true))) }
            if let aliases = s.aliases, !aliases.isEmpty {
                m.append(("aliases", .object(aliases.keys.sorted().map { ($0, .string(aliases[$0]!)) })))
            }
            m.append(("doc", s.doc.map(JSONValue.string) ?? .null))
            return .object(m)
        }
        let groups: [JSONValue] = vocabulary.groups.filter { names.contains($0.attribute) }.map { g in
            .object([("name", .string(g.name)), ("attribute", .string(g.attribute)),
                     ("values", .array(g.values.sorted().map(JSONValue.string))), ("doc", g.doc.map(JSONValue.string) ?? .null)])
        }
        return JSONValue.object([("attributes", .array(attributes)), ("groups", .array(groups))]).serialized() + "\n"
    }

    // MARK: - render_diagram

    /// The DOT text of `moat diagram` and the layout engine to lay it out with.
    func diagramSource(_ path: String, _ request: DiagramRequest) throws -> (dot: String, layout: String) {
        let (analysis, _) = try analysed(path, level: request.level)
        var options = DiagramOptions()
        switch request.view {
        case "full": options.view = .full
        case "overview": options.view = .overview
        default: options.view = .automatic
        }
        if let focus = request.focus { options.view = .focus(focus) }
        if let boundary = request.boundary { options.view = .boundary(boundary) }
        options.showThreats = request.threats
        options.showAttackPaths = request.attackPaths
        options.date = analysis.options.asOf
        do {
            let dot = try DiagramBuilder(vocabulary: catalogue.vocabulary, options: options).build(analysis)
            return (dot.write(), request.layout ?? dot.layout)
        } catch let error as DiagramError {
            throw ToolFailure(error.description)
        }
    }

    /// Renders DOT text as `format` (svg, png or dot) through the one Graphviz renderer.
    func render(dot: String, layout: String, format: String) async throws -> DiagramOutput {
        switch format {
        case "dot": return .text(dot, mimeType: "text/vnd.graphviz")
        case "png", "svg":
            let target: DiagramFormat = format == "png" ? .png : .svg
            let bytes: [UInt8]
            do {
                bytes = try await GraphvizRenderer.shared.render(dot: dot, format: target, layout: LayoutEngine(rawValue: layout) ?? .dot)
            } catch let error as RenderError {
                throw ToolFailure(error.description)
            }
            if target == .png { return .image(bytes, mimeType: "image/png") }
            return .text(String(decoding: bytes, as: UTF8.self), mimeType: "image/svg+xml")
        default:
            throw ToolFailure("unknown diagram format '\(format)'")
        }
    }
}

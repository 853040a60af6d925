import Foundation
import MCP

// The tools: their names, descriptions and input schemas, how their arguments are read and checked, and
// what each one calls. Every argument is checked here, with a message that says what was expected,
// before anything is read; a wrong argument is a tool error (`isError`), never a crash.

/// A tool's answer: content blocks, and whether it failed.
struct ToolAnswer: Sendable {
    enum Block: Sendable, Equatable {
        case text(String)
        case image(base64: String, mimeType: String)
    }
    var blocks: [Block]
    var isError = false

    static func text(_ s: String) -> ToolAnswer { ToolAnswer(blocks: [.text(s)]) }
    static func failure(_ message: String) -> ToolAnswer { ToolAnswer(blocks: [.text(message)], isError: true) }

    var result: CallTool.Result {
        CallTool.Result(content: blocks.map { block in
            switch block {
            case .text(let s): return .text(text: s, annotations: nil, _meta: nil)
            case .image(let data, let mime): return .image(data: data, mimeType: mime, annotations: nil, _meta: nil)
            }
        }, isError: isError)
    }
}

/// The JSON Schema pieces the tools' input schemas are made of.
enum Schema {
    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        var schema: [String: Value] = [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
        ]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return .object(schema)
    }

    static func string(_ description: String, oneOf choices: [String]? = nil, default value: String? = nil) -> Value {
        var schema: [String: Value] = ["type": "string", "description": .string(description)]
        if let choices { schema["enum"] = .array(choices.map { .string($0) }) }
        if let value { schema["default"] = .string(value) }
        return .object(schema)
    }

    static func integer(_ description: String, minimum: Int? = nil, maximum: Int? = nil) -> Value {
        var schema: [String: Value] = ["type": "integer", "description": .string(description)]
        if let minimum { schema["minimum"] = .int(minimum) }
        if let maximum { schema["maximum"] = .int(maximum) }
        return .object(schema)
    }

    static func boolean(_ description: String, default value: Bool) -> Value {
        .object(["type": "boolean", "description": .string(description), "default": .bool(value)])
    }
}

/// The arguments of one call, read against the names the tool takes.
struct Arguments {
    let tool: String
    let values: [String: Value]

    /// - Throws: when an argument the tool does not take is given (with the closest name it does take).
    init(_ values: [String: Value]?, tool: String, accepted: [String]) throws {
        self.tool = tool
        self.values = values ?? [:]
        for key in self.values.keys.sorted() where !accepted.contains(key) {
            let guess = accepted.min { Self.distance(key, $0) < Self.distance(key, $1) }.flatMap { Self.distance(key, $0) <= 3 ? $0 : nil }
            throw ToolFailure("\(tool): unknown argument '\(Self.clip(key))'" + (guess.map { "; did you mean '\($0)'?" } ?? "")
                              + (accepted.isEmpty ? "; it takes no arguments" : "; it takes: \(accepted.joined(separator: ", "))"))
        }
    }

    private func present(_ key: String) -> Value? {
        guard let v = values[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String, required: Bool = false) throws -> String? {
        guard let v = present(key) else {
            if required { throw ToolFailure("\(tool): the argument '\(key)' is required") }
            return nil
        }
        guard case .string(let s) = v else { throw wrong(key, "a string", v) }
        if required && s.isEmpty { throw ToolFailure("\(tool): the argument '\(key)' must not be empty") }
        return s
    }

    func choice(_ key: String, from choices: [String], lowercase: Bool = true) throws -> String? {
        guard let s = try string(key) else { return nil }
        let word = lowercase ? s.lowercased() : s
        guard choices.contains(word) else { throw wrong(key, "one of \(choices.joined(separator: ", "))", .string(s)) }
        return word
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = present(key) else { return nil }
        let n: Int?
        switch v {
        case .int(let i): n = i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: n = Int(d)
        default: n = nil
        }
        guard let n, range.contains(n) else {
            throw wrong(key, "an integer from \(range.lowerBound) to \(range.upperBound)", v)
        }
        return n
    }

    func boolean(_ key: String) throws -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw wrong(key, "true or false", v) }
        return b
    }

    private func wrong(_ key: String, _ expected: String, _ got: Value) -> ToolFailure {
        ToolFailure("\(tool): the argument '\(key)' must be \(expected), not \(Self.show(got))")
    }

    /// A value as it should appear in a message: short, one line.
    static func show(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(clip(s))\""
        case .data: return "binary data"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func clip(_ s: String) -> String {
        let clean = String(s.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return s.unicodeScalars.count > 80 ? clean + "…" : clean
    }

    /// Edit distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased().prefix(64)), b = Array(b.lowercased())
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// One tool: what the client sees, and what runs.
struct ToolDefinition: Sendable {
    var tool: Tool
    var accepted: [String]
    var run: @Sendable (MoatEngine, Arguments) async throws -> ToolAnswer
}

enum MoatTools {
    static let pathHelp = "The model file, relative to the server's root folder (for example 'models/shop.moat'); "
        + ".moat, or YAML/JSON (Moat, Threagile, Threat Dragon, OTM). Absolute paths and paths that leave the root are refused."
    static let levelHelp = "Evaluate as if this maturity level (1-5) were declared (as `moat analyze --level`)."

    static let annotations = Tool.Annotations(readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false)

    static func all() -> [ToolDefinition] {
        [validate, analyze, explain, listRules, showRule, vocabulary, diagram, listModels]
    }

    static func tool(_ name: String, _ title: String, _ description: String, _ properties: [String: Value],
                     required: [String] = []) -> Tool {
        Tool(name: name, title: title, description: description, inputSchema: Schema.object(properties, required: required),
             annotations: annotations)
    }

    static let validate = ToolDefinition(
        tool: tool("validate_model", "Validate a Moat model",
                   "Checks a threat model (and every file it includes) and lists every error and lint warning, each with "
                   + "file, line, column (in characters, as `moat validate` prints them), severity, id, message and notes. "
                   + "format 'json' (default) gives {file, valid, errors, warnings, model, diagnostics[]}; 'text' gives "
                   + "`moat validate`'s output: file:line:col with the source line and a caret. A model with errors is a "
                   + "normal answer (valid: false), not a tool error.",
                   ["path": Schema.string(pathHelp), "format": Schema.string("json or text.", oneOf: ["json", "text"], default: "json")],
                   required: ["path"]),
        accepted: ["path", "format"],
        run: { engine, args in
            let path = try args.string("path", required: true)!
            let asText = try args.choice("format", from: ["json", "text"]) == "text"
            return .text(try await offload { try engine.validate(path, asText: asText).text })
        })

    static let analyze = ToolDefinition(
        tool: tool("analyze_model", "Analyse a Moat model",
                   "Applies the STRIDE threat rules to a model and returns `moat analyze --format json`: the model, its "
                   + "maturity (declared and evidenced level, next level, missing practices, blocking findings, level per "
                   + "component), a summary (counts by status, open counts by severity) and every finding with id "
                   + "(rule@element), rule, title, element, STRIDE, severity, likelihood, impact, status (gap, roadmap, "
                   + "mitigated, accepted, …), expected maturity level, CWE, CAPEC, mitigations (and whether present), file "
                   + "and line. The optional filters keep only some findings (a line before the report says how many). "
                   + "Lint and tracking warnings follow the report. A model with errors is a tool error listing them.",
                   ["path": Schema.string(pathHelp),
                    "level": Schema.integer(levelHelp, minimum: 1, maximum: 5),
                    "element": Schema.string("Only findings on this element, flow or boundary id."),
                    "rule": Schema.string("Only findings of this rule id."),
                    "minSeverity": Schema.string("Only findings of this severity or worse.", oneOf: MoatEngine.severities),
                    "stride": Schema.string("Only findings in this STRIDE category (name or initial).",
                                            oneOf: MoatEngine.strideNames + MoatEngine.strideLetters),
                    "openOnly": Schema.boolean("Only open findings (gap and roadmap).", default: false)],
                   required: ["path"]),
        accepted: ["path", "level", "element", "rule", "minSeverity", "stride", "openOnly"],
        run: { engine, args in
            let path = try args.string("path", required: true)!
            let level = try args.integer("level", in: 1...5)
            var filter = FindingFilter()
            filter.element = try args.string("element")
            filter.rule = try args.string("rule")
            filter.minimumSeverity = try args.choice("minSeverity", from: MoatEngine.severities)
            filter.stride = try args.choice("stride", from: MoatEngine.strideNames + MoatEngine.strideLetters.map { $0.lowercased() })
                .flatMap(MoatEngine.stride)
            filter.openOnly = try args.boolean("openOnly") ?? false
            let chosen = filter
            let blocks = try await offload { try engine.analyze(path, level: level, filter: chosen) }
            return ToolAnswer(blocks: blocks.map { .text($0) })
        })

    static let explain = ToolDefinition(
        tool: tool("explain_finding", "Explain a finding",
                   "Why a rule fired on an element, or did not: the rule's condition with the value of each sub-term, the "
                   + "mitigating controls found or missing, the status decision and the likelihood × impact computation of "
                   + "the severity. The same text as `moat explain FINDING-ID FILE`.",
                   ["path": Schema.string(pathHelp),
                    "finding": Schema.string("A finding id, rule-id@element-id (as analyze_model lists them), for example "
                                             + "'sql-injection@orders'. A rule that did not fire on the element may be asked about too."),
                    "level": Schema.integer(levelHelp, minimum: 1, maximum: 5)],
                   required: ["path", "finding"]),
        accepted: ["path", "finding", "level"],
        run: { engine, args in
            let path = try args.string("path", required: true)!
            let finding = try args.string("finding", required: true)!
            let level = try args.integer("level", in: 1...5)
            return .text(try await offload { try engine.explain(path, finding: finding, level: level) })
        })

    static let listRules = ToolDefinition(
        tool: tool("list_rules", "List threat rules",
                   "The rule catalogue (the built-in rules and any --rules the server was started with), optionally "
                   + "filtered. detail 'summary' (default) gives each rule's id, title, STRIDE, the kinds it applies to, CWE "
                   + "and CAPEC; 'full' gives what `moat rules list --format json` gives (description, condition, "
                   + "likelihood, impact, false positives, mitigations with their control and level, source).",
                   ["stride": Schema.string("Only rules in this STRIDE category (name or initial).",
                                            oneOf: MoatEngine.strideNames + MoatEngine.strideLetters),
                    "appliesTo": Schema.string("Only rules that apply to this kind of element.", oneOf: MoatEngine.kinds),
                    "cwe": Schema.integer("Only rules with this CWE id (79 for CWE-79).", minimum: 1),
                    "capec": Schema.integer("Only rules with this CAPEC id.", minimum: 1),
                    "text": Schema.string("Only rules whose id, title or description contains this text (any case)."),
                    "detail": Schema.string("summary or full.", oneOf: ["summary", "full"], default: "summary")]),
        accepted: ["stride", "appliesTo", "cwe", "capec", "text", "detail"],
        run: { engine, args in
            var filter = RuleFilter()
            filter.stride = try args.choice("stride", from: MoatEngine.strideNames + MoatEngine.strideLetters.map { $0.lowercased() })
                .flatMap(MoatEngine.stride)
            filter.appliesTo = try args.choice("appliesTo", from: MoatEngine.kinds)
            filter.cwe = try args.weaknessID("cwe", prefix: "CWE-")
            filter.capec = try args.weaknessID("capec", prefix: "CAPEC-")
            filter.text = try args.string("text")
            let full = try args.choice("detail", from: ["summary", "full"]) == "full"
            return .text(try engine.listRules(filter, full: full))
        })

    static let showRule = ToolDefinition(
        tool: tool("show_rule", "Show one threat rule",
                   "One rule with its description, condition, likelihood, impact, CWE, CAPEC, false positives, mitigations "
                   + "and examples: `moat rules show ID --format json` (format 'json', default) or its text form ('text').",
                   ["id": Schema.string("The rule id, for example 'sql-injection'."),
                    "format": Schema.string("json or text.", oneOf: ["json", "text"], default: "json")],
                   required: ["id"]),
        accepted: ["id", "format"],
        run: { engine, args in
            let id = try args.string("id", required: true)!
            return .text(try engine.showRule(id, asText: try args.choice("format", from: ["json", "text"]) == "text"))
        })

    static let vocabulary = ToolDefinition(
        tool: tool("list_vocabulary", "List the model vocabulary",
                   "The attributes a model may write: for each its name, type (flag, string, number, date, enum, refs), "
                   + "the kinds of element it may be written on, its values (for enums), default, bounds, what it refers "
                   + "to (for refs), whether boundaries pass it on to what they contain (zoneWide), aliases and its "
                   + "documentation; then the named groups of values that rules use (for example type in [client]).",
                   ["kind": Schema.string("Only the attributes that may be written on this kind.", oneOf: MoatEngine.kinds),
                    "attribute": Schema.string("Only this attribute (and its value groups).")]),
        accepted: ["kind", "attribute"],
        run: { engine, args in
            .text(try engine.vocabulary(kind: try args.choice("kind", from: MoatEngine.kinds), attribute: try args.string("attribute")))
        })

    static let diagram = ToolDefinition(
        tool: tool("render_diagram", "Render the data-flow diagram",
                   "The annotated data-flow diagram of `moat diagram`: nodes coloured by their worst open threat, badges "
                   + "with open-threat counts and evidenced maturity level, trust boundaries as dashed clusters, "
                   + "unencrypted boundary crossings in red. format 'svg' (default) returns the SVG text, 'png' an image, "
                   + "'dot' the Graphviz source. Models of more than 150 elements are drawn as an overview of boundaries "
                   + "unless view is 'full' or focus or boundary is given.",
                   ["path": Schema.string(pathHelp),
                    "format": Schema.string("svg, png or dot.", oneOf: MoatEngine.diagramFormats, default: "svg"),
                    "view": Schema.string("automatic, full (every element) or overview (one node per boundary).",
                                          oneOf: ["automatic", "full", "overview"], default: "automatic"),
                    "focus": Schema.string("Draw only this element and its neighbours."),
                    "boundary": Schema.string("Draw only this boundary's elements, and by name only the elements they exchange flows with."),
                    "attackPaths": Schema.boolean("Draw attack paths from untrusted actors to confidential or secret data.", default: false),
                    "threats": Schema.boolean("Draw threat badges and colours.", default: true),
                    "layout": Schema.string("Graphviz layout engine (default: dot; sfdp for overviews of many zones).",
                                            oneOf: MoatEngine.layouts),
                    "level": Schema.integer(levelHelp, minimum: 1, maximum: 5)],
                   required: ["path"]),
        accepted: ["path", "format", "view", "focus", "boundary", "attackPaths", "threats", "layout", "level"],
        run: { engine, args in
            let path = try args.string("path", required: true)!
            var request = DiagramRequest()
            request.format = try args.choice("format", from: MoatEngine.diagramFormats) ?? "svg"
            request.view = try args.choice("view", from: ["automatic", "full", "overview"]) ?? "automatic"
            request.focus = try args.string("focus")
            request.boundary = try args.string("boundary")
            let views = [request.focus != nil, request.boundary != nil, request.view != "automatic"].filter { $0 }.count
            if views > 1 { throw ToolFailure("render_diagram: choose one of focus, boundary and view") }
            request.attackPaths = try args.boolean("attackPaths") ?? false
            request.threats = try args.boolean("threats") ?? true
            request.layout = try args.choice("layout", from: MoatEngine.layouts)
            request.level = try args.integer("level", in: 1...5)
            let asked = request
            let (dot, layout) = try await offload { try engine.diagramSource(path, asked) }
            switch try await engine.render(dot: dot, layout: layout, format: request.format) {
            case .text(let text, _): return .text(text)
            case .image(let bytes, let mime):
                return ToolAnswer(blocks: [.image(base64: Data(bytes).base64EncodedString(), mimeType: mime)])
            }
        })

    static let listModels = ToolDefinition(
        tool: tool("list_models", "List the models under the root",
                   "The model files under the server's root folder, as paths to give the other tools: every .moat file, "
                   + "and with all=true also .yaml, .yml and .json files (Moat's YAML/JSON form, Threagile, Threat Dragon, "
                   + "OTM). Hidden folders are skipped; at most 1000 files.",
                   ["all": Schema.boolean("Also list YAML and JSON files.", default: false)]),
        accepted: ["all"],
        run: { engine, args in
            let all = try args.boolean("all") ?? false
            let files = await offload { engine.root.files(withExtensions: all ? ["moat", "yaml", "yml", "json"] : ["moat"]) }
            return .text(files.isEmpty ? "no model files under \(engine.root.path)\n" : files.joined(separator: "\n") + "\n")
        })
}

extension Arguments {
    /// A CWE or CAPEC id: 79, or "CWE-79".
    func weaknessID(_ key: String, prefix: String) throws -> Int? {
        if case .string(let s)? = values[key] {
            let digits = s.uppercased().hasPrefix(prefix) ? String(s.dropFirst(prefix.count)) : s
            guard let n = Int(digits), n >= 1 else {
                throw ToolFailure("\(tool): the argument '\(key)' must be a positive integer (or \(prefix)N), not \(Self.show(.string(s)))")
            }
            return n
        }
        return try integer(key, in: 1...Int(Int32.max))
    }
}

/// Runs the core's synchronous work on a thread of its own, with the main thread's stack size, so that
/// a long analysis holds neither the protocol's tasks nor a thread of the shared pool.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

func offload<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

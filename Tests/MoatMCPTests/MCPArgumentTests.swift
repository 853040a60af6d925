import Foundation
import MCP
import MoatCore
@testable import MoatMCP
import Testing

/// Wrong arguments are tool errors that say what was expected; the server goes on answering.
@Suite(.timeLimit(.minutes(10)))
struct MCPArgumentTests {
    @Test func malformedArgumentsAreToolErrors() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        let cases: [(String, [String: Value]?, String)] = [
            ("validate_model", nil, "validate_model: the argument 'path' is required"),
            ("validate_model", [:], "validate_model: the argument 'path' is required"),
            ("validate_model", ["path": .null], "validate_model: the argument 'path' is required"),
            ("validate_model", ["path": 42], "validate_model: the argument 'path' must be a string, not 42"),
            ("validate_model", ["path": ["a", "b"]], "validate_model: the argument 'path' must be a string, not an array"),
            ("validate_model", ["path": ["x": 1]], "validate_model: the argument 'path' must be a string, not an object"),
            ("validate_model", ["path": "shop.moat", "format": "xml"],
             "validate_model: the argument 'format' must be one of json, text, not \"xml\""),
            ("validate_model", ["paht": "shop.moat"],
             "validate_model: unknown argument 'paht'; did you mean 'path'?; it takes: path, format"),
            ("analyze_model", ["path": "shop.moat", "level": 9],
             "analyze_model: the argument 'level' must be an integer from 1 to 5, not 9"),
            ("analyze_model", ["path": "shop.moat", "level": "2"],
             "analyze_model: the argument 'level' must be an integer from 1 to 5, not \"2\""),
            ("analyze_model", ["path": "shop.moat", "level": 2.5],
             "analyze_model: the argument 'level' must be an integer from 1 to 5, not 2.5"),
            ("analyze_model", ["path": "shop.moat", "openOnly": "yes"],
             "analyze_model: the argument 'openOnly' must be true or false, not \"yes\""),
            ("analyze_model", ["path": "shop.moat", "minSeverity": "severe"],
             "analyze_model: the argument 'minSeverity' must be one of low, medium, high, critical, not \"severe\""),
            ("analyze_model", ["path": "shop.moat", "rule": "sql-injectio"],
             "unknown rule 'sql-injectio'; did you mean 'sql-injection'?"),
            ("explain_finding", ["path": "shop.moat"], "explain_finding: the argument 'finding' is required"),
            ("list_rules", ["cwe": "CWE-x"], "list_rules: the argument 'cwe' must be a positive integer (or CWE-N), not \"CWE-x\""),
            ("list_rules", ["cwe": -3], "list_rules: the argument 'cwe' must be an integer from 1 to 2147483647, not -3"),
            ("list_rules", ["appliesTo": "server"],
             "list_rules: the argument 'appliesTo' must be one of model, actor, process, datastore, flow, boundary, data, threat, not \"server\""),
            ("list_rules", ["detail": true], "list_rules: the argument 'detail' must be a string, not true"),
            ("show_rule", [:], "show_rule: the argument 'id' is required"),
            ("list_vocabulary", ["kind": "thing"],
             "list_vocabulary: the argument 'kind' must be one of model, actor, process, datastore, flow, boundary, data, threat, not \"thing\""),
            ("render_diagram", ["path": "shop.moat", "format": "gif"],
             "render_diagram: the argument 'format' must be one of svg, png, dot, not \"gif\""),
            ("render_diagram", ["path": "shop.moat", "view": "full", "focus": "shop"], "render_diagram: choose one of focus, boundary and view"),
            ("list_models", ["everything": true], "list_models: unknown argument 'everything'; it takes: all"),
            ("validate", ["path": "shop.moat"],
             "unknown tool 'validate'; did you mean 'validate_model'?; the tools are: analyze_model, explain_finding, list_models, "
             + "list_rules, list_vocabulary, render_diagram, show_rule, validate_model"),
        ]
        try await withSession(root: root.path) { session in
            for (tool, arguments, message) in cases {
                let answer = try await session.call(tool, arguments)
                #expect(answer.isError, "\(tool) \(String(describing: arguments))")
                #expect(answer.text == message, "\(tool) \(String(describing: arguments))")
            }
            // Still serving.
            #expect(!(try await session.call("validate_model", ["path": "shop.moat"])).isError)
        }
    }

    @Test func argumentsOfTheWrongShape() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        try await withSession(root: root.path) { session in
            for (arguments, shown) in [(Value.string("shop.moat"), "\"shop.moat\""), (["shop.moat"], "an array"), (7, "7")] {
                let context: RequestContext<CallTool.Result> = try await session.client.send(
                    RawToolCall.request(["name": "validate_model", "arguments": arguments]))
                let result = try await context.value
                #expect(result.isError == true)
                #expect(result.content == [.text(text: "validate_model: the arguments must be an object (names to values), not \(shown)",
                                                 annotations: nil, _meta: nil)])
            }
            // No name: a protocol error (there is no tool to answer for).
            for params: Value in [["arguments": ["path": "shop.moat"]], ["name": 3], "tools"] {
                let context: RequestContext<CallTool.Result> = try await session.client.send(RawToolCall.request(params))
                await #expect(throws: MCPError.self) { _ = try await context.value }
            }
            #expect(!(try await session.call("validate_model", ["path": "shop.moat"])).isError)
        }
    }

    @Test func hostileTextInArgumentsIsData() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        try await withSession(root: root.path) { session in
            let long = String(repeating: "x", count: 100_000)
            let answer = try await session.call("validate_model", ["path": .string(long)])
            #expect(answer.isError && answer.text.count < 1_000)
            let control = try await session.call("validate_model", ["path": "a\u{1B}[31mred\nline.moat"])
            #expect(control.isError && !control.text.contains("\u{1B}") && !control.text.contains("\n"))
            let key = try await session.call("list_models", [String(repeating: "k", count: 10_000): true])
            #expect(key.isError && key.text.count < 500)
            let finding = try await session.call("explain_finding", ["path": "shop.moat", "finding": "@@@"])
            #expect(finding.isError)
        }
    }

    /// Arguments drawn from a fixed pseudo-random sequence: names the tools take and names they do not, values
    /// of every JSON type, paths in and out of the root. Every call gets an answer and the server stays up.
    @Test func arbitraryArgumentsAlwaysGetAnAnswer() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        try root.write("bad.moat", "process p { type api; protocl https }\n")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let tools = ["validate_model", "analyze_model", "explain_finding", "list_rules", "show_rule", "list_vocabulary",
                     "render_diagram", "list_models"]
        let names = ["path", "format", "level", "element", "rule", "minSeverity", "stride", "openOnly", "finding", "cwe", "capec",
                     "appliesTo", "text", "detail", "id", "kind", "attribute", "view", "focus", "boundary", "attackPaths", "threats",
                     "layout", "all", "bogus"]
        let strings = ["shop.moat", "bad.moat", "../shop.moat", "/etc/passwd", "", "dot", "png", "svg", "json", "text", "full",
                       "S", "high", "shop", "orders", "sql-injection@orders", "sql-injection", "flow", "protocol", "CWE-89",
                       "\u{0}", "é", String(repeating: "a", count: 5_000)]
        func value(_ depth: Int = 0) -> Value {
            switch next(depth > 1 ? 6 : 8) {
            case 0: return .null
            case 1: return .bool(next(2) == 0)
            case 2: return .int(next(12) - 3)
            case 3: return .double(Double(next(100)) / 7)
            case 4, 5: return .string(strings[next(strings.count)])
            case 6: return .array((0..<next(3)).map { _ in value(depth + 1) })
            default: return .object(Dictionary(uniqueKeysWithValues: (0..<next(3)).map { i in ("k\(i)", value(depth + 1)) }))
            }
        }
        try await withSession(root: root.path) { session in
            var errors = 0, answers = 0
            for _ in 0..<300 {
                var arguments: [String: Value] = [:]
                for _ in 0..<next(4) { arguments[names[next(names.count)]] = value() }
                if next(3) > 0 { arguments["path"] = .string(strings[next(4)]) }
                let answer = try await session.call(tools[next(tools.count)], arguments)
                if answer.isError {
                    errors += 1
                    #expect(!answer.text.isEmpty)
                } else {
                    answers += 1
                }
            }
            #expect(errors > 0 && answers > 0)
            #expect(!(try await session.call("validate_model", ["path": "shop.moat"])).isError)
        }
    }

    @Test func manyCallsAtOnce() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        try await withSession(root: root.path) { session in
            let expected = try await session.call("analyze_model", ["path": "shop.moat"]).text
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        try await session.call(i % 2 == 0 ? "analyze_model" : "render_diagram", ["path": "shop.moat", ]).text
                    }
                }
                var all: [String] = []
                for try await text in group { all.append(text) }
                return all
            }
            #expect(answers.filter { $0 == expected }.count == 4)
            #expect(answers.filter { $0.contains("</svg>") }.count == 4)
        }
    }
}

/// `tools/call` with parameters as any JSON, to send what the typed client cannot.
enum RawToolCall: Method {
    static let name = "tools/call"
    typealias Parameters = Value
    typealias Result = CallTool.Result
}

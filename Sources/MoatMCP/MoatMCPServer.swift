import Foundation
import MCP
import MoatCore

/// `tools/call` with its parameters as plain JSON (`CallTool` with lenient decoding).
enum ToolCall: Method {
    static let name = CallTool.name
    typealias Parameters = Value
    typealias Result = CallTool.Result
}

/// `moat mcp`: a Model Context Protocol server (tools and resources) over any transport of the MCP SDK;
/// the program `moat-mcp` serves it on standard input and output.
public enum MoatMCPServer {
    /// What the server is started with.
    public struct Configuration: Sendable {
        /// The vocabulary, maturity model and rules (with any `--rules` added).
        public var catalogue: Catalogue
        /// The only folder the server reads models from.
        public var root: ServerRoot
        /// Analyse as if this maturity level were declared, unless a call says otherwise (`--level`).
        public var declaredLevel: Int?
        /// Today for tracking expiry (`--as-of`); the real date when nil.
        public var asOf: String?
        /// The version the server reports to clients on `initialize` (`serverInfo.version`): Moat's version.
        public var version: String

        /// A configuration serving `root` with `catalogue`; by default the model's own declared level and
        /// today's date are used.
        public init(catalogue: Catalogue, root: ServerRoot, declaredLevel: Int? = nil, asOf: String? = nil, version: String = "0.1.0") {
            self.catalogue = catalogue
            self.root = root
            self.declaredLevel = declaredLevel
            self.asOf = asOf
            self.version = version
        }
    }

    /// The server with every handler registered; start it on a transport.
    public static func make(_ configuration: Configuration) async -> Server {
        let engine = MoatEngine(catalogue: configuration.catalogue, root: configuration.root,
                                declaredLevel: configuration.declaredLevel, asOf: configuration.asOf)
        let server = Server(
            name: "moat", version: configuration.version, title: "Moat threat modelling",
            instructions: instructions(root: configuration.root.path),
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let tools = MoatTools.all()
        let byName = Dictionary(uniqueKeysWithValues: tools.map { ($0.tool.name, $0) })
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.map(\.tool)) }
        // tools/call with its parameters read here rather than by the SDK, so that arguments of the wrong
        // shape get a tool error that says so instead of a bare decoding failure.
        await server.withMethodHandler(ToolCall.self) { params in
            guard let name = params.objectValue?["name"]?.stringValue else {
                throw MCPError.invalidParams("tools/call needs the name of a tool (a string)")
            }
            let arguments = params.objectValue?["arguments"] ?? .null
            if !arguments.isNull && arguments.objectValue == nil {
                return ToolAnswer.failure("\(Arguments.clip(name)): the arguments must be an object (names to values), "
                                          + "not \(Arguments.show(arguments))").result
            }
            return await call(name, arguments.objectValue, byName, engine).result
        }
        let resources = MoatResources(engine: engine)
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: await resources.list()) }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in .init(templates: MoatResources.templates) }
        await server.withMethodHandler(ReadResource.self) { params in
            do {
                return .init(contents: [try await resources.read(params.uri)])
            } catch let failure as ToolFailure {
                throw MCPError.invalidParams(failure.message)
            }
        }
        return server
    }

    /// Runs one tool call; every failure becomes the tool's error text.
    static func call(_ name: String, _ arguments: [String: Value]?, _ tools: [String: ToolDefinition],
                     _ engine: MoatEngine) async -> ToolAnswer {
        guard let tool = tools[name] else {
            let names = tools.keys.sorted()
            let guess = names.first { !name.isEmpty && $0.hasPrefix(name.lowercased()) }
                ?? names.min { Arguments.distance(name, $0) < Arguments.distance(name, $1) }
                    .flatMap { Arguments.distance(name, $0) <= 4 ? $0 : nil }
            return .failure("unknown tool '\(Arguments.clip(name))'" + (guess.map { "; did you mean '\($0)'?" } ?? "")
                            + "; the tools are: \(names.joined(separator: ", "))")
        }
        do {
            return try await tool.run(engine, try Arguments(arguments, tool: name, accepted: tool.accepted))
        } catch let failure as ToolFailure {
            return .failure(failure.message)
        } catch {
            return .failure("\(name): \(error)")
        }
    }

    /// Serves on `transport` until the client goes away.
    public static func serve(_ configuration: Configuration, transport: any Transport) async throws {
        let server = await make(configuration)
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        await server.stop()
    }

    /// What the client is told at initialisation.
    static func instructions(root: String) -> String {
        """
        Moat analyses threat models written in the Moat language (.moat files; docs/language.md) or as \
        Threagile, Threat Dragon or OTM files. Paths are relative to the server's root folder, \(root); \
        list_models lists the models there. Typical use: validate_model to see errors (fix them, then \
        validate again), analyze_model for the findings and the maturity summary (filter by element, \
        severity or STRIDE on large models), explain_finding for why a finding fired and how its severity \
        was computed, show_rule or list_rules for the rule catalogue, list_vocabulary for the attributes \
        a model may use, render_diagram for the annotated data-flow diagram. The server only reads files; \
        it never writes.
        """
    }
}

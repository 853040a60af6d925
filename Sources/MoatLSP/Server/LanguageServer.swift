import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Encodes whatever a handler returns.
struct AnyEncodable: Encodable {
    let value: any Encodable
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

/// `{"params": …}`: how typed parameters are read from a message.
private struct ParamsEnvelope<P: Decodable>: Decodable { let params: P }

private struct ResponseOut: Encodable {
    let id: RequestID?
    let result: AnyEncodable?
    let error: ResponseError?

    enum CodingKeys: String, CodingKey { case jsonrpc, id, result, error }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("2.0", forKey: .jsonrpc)
        if let id { try c.encode(id, forKey: .id) } else { try c.encodeNil(forKey: .id) }
        if let error {
            try c.encode(error, forKey: .error)
        } else if let result {
            try c.encode(result, forKey: .result)
        } else {
            try c.encodeNil(forKey: .result)
        }
    }
}

private struct NotificationOut<P: Encodable>: Encodable {
    var jsonrpc = "2.0"
    let method: String
    let params: P
}

/// The Moat language server: LSP 3.17 over a pair of file descriptors (stdin and stdout for `moat lsp`).
///
/// One reader thread frames the input; this loop handles messages in order. Edits only mark a project
/// dirty; it is loaded and analysed again when a request needs it or when no message is waiting, so a
/// burst of edits costs one analysis.
final class LanguageServer {
    let core: CoreAdapter
    /// The version in the initialize result's serverInfo.
    let version: String
    private var writer: MessageWriter!
    private var workspace: Workspace!
    private var initialized = false
    private var shutdownRequested = false
    private var exitCode: Int32?
    private var log: FileHandle?
    private var prepareRename = false

    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return e
    }()
    private let decoder = JSONDecoder()

    init(core: CoreAdapter, version: String = "0", logPath: String? = nil) {
        self.core = core
        self.version = version
        if let logPath {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            log = FileHandle(forWritingAtPath: logPath)
        }
    }

    /// Serves until `exit` or the end of input; returns the process's exit status (0 after a shutdown request).
    func run(input: Int32, output: Int32) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        writer = MessageWriter(fileDescriptor: output)
        workspace = Workspace(core: core) { [weak self] params in
            self?.notify("textDocument/publishDiagnostics", params)
        }
        if log != nil { workspace.trace = { [weak self] in self?.trace($0) } }
        let queue = FrameQueue()
        let reader = MessageReader(fileDescriptor: input)
        let thread = Thread {
            while true {
                let frame = reader.next()
                queue.push(frame)
                if case .end = frame { return }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
        while true {
            let batch = queue.takeAll()
            var cancelled = Set<RequestID>()
            for case .message(let data) in batch {
                if let any = try? decoder.decode(LSPAny.self, from: data), any["method"]?.stringValue == "$/cancelRequest",
                   let raw = any.at("params", "id"), let id = RequestID(raw) {
                    cancelled.insert(id)
                }
            }
            for frame in batch {
                switch frame {
                case .end:
                    return shutdownRequested ? 0 : 1
                case .malformed(let why):
                    respond(nil, .failure(.parseError(why)))
                case .message(let data):
                    handle(data, cancelled: cancelled)
                }
                if let exitCode { return exitCode }
                if writer.failed { return 1 }
            }
            if queue.isEmpty && initialized && !shutdownRequested { workspace.refreshDirty() }
        }
    }

    // MARK: - Output

    private func send<T: Encodable>(_ value: T) {
        do {
            writer.write(try encoder.encode(value))
        } catch {
            trace("cannot encode a message: \(error)")
        }
    }

    private func respond(_ id: RequestID?, _ result: Result<(any Encodable)?, ResponseError>) {
        switch result {
        case .success(let value): send(ResponseOut(id: id, result: value.map(AnyEncodable.init), error: nil))
        case .failure(let error): send(ResponseOut(id: id, result: nil, error: error))
        }
    }

    func notify<P: Encodable>(_ method: String, _ params: P) {
        send(NotificationOut(method: method, params: params))
    }

    private func trace(_ text: String) {
        log?.write(Data((text + "\n").utf8))
    }

    // MARK: - Input

    private func handle(_ data: Data, cancelled: Set<RequestID>) {
        let message: LSPAny
        do {
            message = try decoder.decode(LSPAny.self, from: data)
        } catch {
            respond(nil, .failure(.parseError("the message is not valid JSON")))
            return
        }
        guard case .object(let fields) = message else {
            respond(nil, .failure(.invalidRequest(message.arrayValue != nil ? "batches are not supported" : "a message is a JSON object")))
            return
        }
        let rawID = fields["id"]
        let id = rawID.flatMap(RequestID.init)
        guard let method = fields["method"]?.stringValue else {
            // A response to a request of ours (this server sends none), or nonsense.
            if fields["result"] != nil || fields["error"] != nil { return }
            respond(id, .failure(.invalidRequest("a request needs a method")))
            return
        }
        if let rawID, rawID != .null, id == nil {
            respond(nil, .failure(.invalidRequest("a request id is a number or a string")))
            return
        }
        let started = DispatchTime.now().uptimeNanoseconds
        if let id {
            if cancelled.contains(id) {
                respond(id, .failure(ResponseError(code: ResponseError.requestCancelledCode, message: "cancelled")))
                return
            }
            respond(id, request(method, data))
        } else {
            notification(method, data)
        }
        trace(String(format: "%@ %.2f ms", method, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6))
    }

    private func params<P: Decodable>(_ type: P.Type, _ data: Data) throws -> P {
        do {
            return try decoder.decode(ParamsEnvelope<P>.self, from: data).params
        } catch {
            throw ResponseError.invalidParams("invalid parameters: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let c):
            return "missing '\((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        default:
            return "\(error)"
        }
    }

    private func notification(_ method: String, _ data: Data) {
        if method == "exit" {
            exitCode = shutdownRequested ? 0 : 1
            return
        }
        guard initialized, !shutdownRequested else { return }
        do {
            switch method {
            case "textDocument/didOpen":
                let p = try params(DidOpenTextDocumentParams.self, data)
                workspace.open(uri: p.textDocument.uri, text: p.textDocument.text, version: p.textDocument.version)
            case "textDocument/didChange":
                let p = try params(DidChangeTextDocumentParams.self, data)
                workspace.change(uri: p.textDocument.uri, version: p.textDocument.version, changes: p.contentChanges)
            case "textDocument/didClose":
                workspace.close(uri: try params(DidCloseTextDocumentParams.self, data).textDocument.uri)
            case "textDocument/didSave":
                workspace.saved(uri: try params(DidSaveTextDocumentParams.self, data).textDocument.uri)
            case "workspace/didChangeWatchedFiles":
                workspace.filesChanged()
            default:
                break  // initialized, $/cancelRequest, $/setTrace, didChangeConfiguration and unknown notifications
            }
        } catch {
            trace("\(method): \(error)")
        }
    }

    private func request(_ method: String, _ data: Data) -> Result<(any Encodable)?, ResponseError> {
        if method == "initialize" {
            if initialized { return .failure(.invalidRequest("the server is already initialised")) }
            return initialize(data)
        }
        guard initialized else {
            return .failure(ResponseError(code: ResponseError.serverNotInitializedCode, message: "the server is not initialised"))
        }
        if shutdownRequested { return .failure(.invalidRequest("the server is shutting down")) }
        do {
            switch method {
            case "shutdown":
                shutdownRequested = true
                return .success(nil)
            case "textDocument/completion":
                return .success(try completion(params(TextDocumentPositionParams.self, data)))
            case "textDocument/hover":
                return .success(try hover(params(TextDocumentPositionParams.self, data)))
            case "textDocument/definition":
                return .success(try definition(params(TextDocumentPositionParams.self, data)))
            case "textDocument/references":
                return .success(try references(params(ReferenceParams.self, data)))
            case "textDocument/documentSymbol":
                return .success(try documentSymbols(params(DocumentParams.self, data)))
            case "textDocument/formatting":
                return try formatting(params(DocumentParams.self, data)).map { $0 }
            case "textDocument/prepareRename":
                return try prepareRename(params(TextDocumentPositionParams.self, data)).map { $0 }
            case "textDocument/rename":
                return try rename(params(RenameParams.self, data)).map { $0 }
            case "textDocument/codeAction":
                return .success(try codeActions(params(CodeActionParams.self, data)))
            case "textDocument/codeLens":
                return .success(try codeLenses(params(DocumentParams.self, data)))
            case "workspace/executeCommand":
                return try executeCommand(params(ExecuteCommandParams.self, data)).map { $0 }
            default:
                return .failure(.methodNotFound(method))
            }
        } catch let error as ResponseError {
            return .failure(error)
        } catch {
            return .failure(ResponseError(code: ResponseError.internalErrorCode, message: "\(error)"))
        }
    }

    // MARK: - Lifecycle

    private struct InitializeParams: Decodable {
        var capabilities: LSPAny?
        var initializationOptions: LSPAny?
    }

    private func initialize(_ data: Data) -> Result<(any Encodable)?, ResponseError> {
        let p: InitializeParams
        do { p = try params(InitializeParams.self, data) } catch { return .failure(error as? ResponseError ?? .invalidParams("\(error)")) }
        let caps = p.capabilities ?? .null
        let offered = (caps.at("general", "positionEncodings")?.arrayValue ?? []).compactMap(\.stringValue)
        let clangdStyle = (caps["offsetEncoding"]?.arrayValue ?? []).compactMap(\.stringValue)
        let encoding: PositionEncoding = offered.contains("utf-8") || clangdStyle.contains("utf-8") ? .utf8 : .utf16
        workspace.encoding = encoding
        if let findings = p.initializationOptions?["findingDiagnostics"]?.boolValue { workspace.findingDiagnostics = findings }
        prepareRename = caps.at("textDocument", "rename", "prepareSupport")?.boolValue == true
        initialized = true
        var capabilities: [String: LSPAny] = [
            "positionEncoding": .string(encoding.rawValue),
            "textDocumentSync": .object(["openClose": .bool(true), "change": .int(1),
                                         "save": .object(["includeText": .bool(false)])]),
            "completionProvider": .object(["triggerCharacters": .array([.string("@"), .string(">"), .string(",")]),
                                           "resolveProvider": .bool(false)]),
            "hoverProvider": .bool(true),
            "definitionProvider": .bool(true),
            "referencesProvider": .bool(true),
            "documentSymbolProvider": .bool(true),
            "documentFormattingProvider": .bool(true),
            "renameProvider": prepareRename ? .object(["prepareProvider": .bool(true)]) : .bool(true),
            "codeActionProvider": .object(["codeActionKinds": .array([.string("quickfix")])]),
            "codeLensProvider": .object(["resolveProvider": .bool(false)]),
            "executeCommandProvider": .object(["commands": .array([.string(FindingsFeature.command)])]),
        ]
        if !offered.contains("utf-8") && clangdStyle.contains("utf-8") { capabilities.removeValue(forKey: "positionEncoding") }
        var result: [String: LSPAny] = [
            "capabilities": .object(capabilities),
            "serverInfo": .object(["name": .string("moat"), "version": .string(version)]),
        ]
        if !clangdStyle.isEmpty { result["offsetEncoding"] = .string(encoding.rawValue) }
        return .success(LSPAny.object(result))
    }

    // MARK: - Requests

    /// The open document, its project (fresh) and the byte offset of a position.
    private func locate(_ uri: String, _ position: Position?) throws -> (OpenDocument, Project, Int)? {
        guard let doc = workspace.document(uri), let project = workspace.project(for: uri) else { return nil }
        let offset = position.map { doc.map.offset(of: $0, workspace.encoding) } ?? 0
        return (doc, project, offset)
    }

    private func completion(_ p: TextDocumentPositionParams) throws -> CompletionList? {
        guard let (doc, project, offset) = try locate(p.textDocument.uri, p.position) else { return nil }
        let bytes = doc.coreBytes
        let start = CompletionFeature.wordStart(bytes, offset)
        let replace = doc.map.range(start, offset, workspace.encoding)
        let items = CompletionFeature(core: core, index: project.index).items(bytes, path: doc.path, cursor: offset, replace: replace)
        return CompletionList(isIncomplete: false, items: items)
    }

    private func hover(_ p: TextDocumentPositionParams) throws -> Hover? {
        guard let (doc, project, offset) = try locate(p.textDocument.uri, p.position),
              let o = project.index.occurrence(at: offset, in: doc.path),
              let text = HoverFeature(core: core, project: project).markdown(for: o) else { return nil }
        return Hover(contents: .markdown(text), range: doc.map.range(o.start, o.end, workspace.encoding))
    }

    private func definition(_ p: TextDocumentPositionParams) throws -> [Location]? {
        guard let (doc, project, offset) = try locate(p.textDocument.uri, p.position),
              let o = project.index.occurrence(at: offset, in: doc.path) else { return nil }
        return NavigationFeature(workspace: workspace, project: project).definition(of: o)
    }

    private func references(_ p: ReferenceParams) throws -> [Location]? {
        guard let (doc, project, offset) = try locate(p.textDocument.uri, p.position),
              let o = project.index.occurrence(at: offset, in: doc.path) else { return nil }
        return NavigationFeature(workspace: workspace, project: project)
            .references(of: o, includeDeclaration: p.context?.includeDeclaration ?? true)
    }

    private func documentSymbols(_ p: DocumentParams) throws -> [DocumentSymbol]? {
        guard let (doc, project, _) = try locate(p.textDocument.uri, nil) else { return nil }
        return SymbolsFeature.symbols(project.index.outlines[doc.path] ?? [], map: workspace.map(doc.path, in: project),
                                      encoding: workspace.encoding)
    }

    private func formatting(_ p: DocumentParams) throws -> Result<[TextEdit], ResponseError> {
        guard let doc = workspace.document(p.textDocument.uri) else {
            return .failure(.requestFailed("the document is not open"))
        }
        return core.format(doc.coreBytes, path: doc.path).map { formatted in
            let current = String(decoding: doc.coreBytes, as: UTF8.self)
            if formatted == current { return [] }
            let whole = doc.map.range(0, doc.coreBytes.count, workspace.encoding)
            return [TextEdit(range: LSPRange(start: Position(line: 0, character: 0), end: whole.end), newText: formatted)]
        }
    }

    private func prepareRename(_ p: TextDocumentPositionParams) throws -> Result<PrepareRenameResult?, ResponseError> {
        guard let (doc, project, offset) = try locate(p.textDocument.uri, p.position) else { return .success(nil) }
        let o = project.index.occurrence(at: offset, in: doc.path)
        if let problem = NavigationFeature(workspace: workspace, project: project).renameProblem(o) {
            return .failure(.requestFailed(problem))
        }
        guard let o else { return .success(nil) }
        return .success(PrepareRenameResult(range: doc.map.range(o.start, o.end, workspace.encoding), placeholder: o.name))
    }

    private func rename(_ p: RenameParams) throws -> Result<WorkspaceEdit?, ResponseError> {
        guard let (doc, project, offset) = try locate(p.textDocument.uri, p.position) else {
            return .failure(.requestFailed("the document is not open"))
        }
        let navigation = NavigationFeature(workspace: workspace, project: project)
        guard let o = project.index.occurrence(at: offset, in: doc.path) else {
            return .failure(.requestFailed(navigation.renameProblem(nil) ?? "nothing to rename"))
        }
        return navigation.rename(o, to: p.newName).map { $0 }
    }

    private func codeActions(_ p: CodeActionParams) throws -> [CodeAction]? {
        if let only = p.context?.only, !only.contains(where: { $0 == "quickfix" || "quickfix".hasPrefix($0 + ".") || $0.isEmpty }) {
            return []
        }
        guard let (doc, project, _) = try locate(p.textDocument.uri, nil) else { return nil }
        // The diagnostics of the current text, with those the client sent (they may be older).
        var diagnostics = project.published[doc.uri] ?? []
        for d in p.context?.diagnostics ?? [] where !diagnostics.contains(d) { diagnostics.append(d) }
        var actions = CodeActionsFeature.actions(uri: doc.uri, diagnostics: diagnostics, in: p.range, map: doc.map,
                                                 encoding: workspace.encoding)
        var seen = Set<String>()
        actions = actions.filter { seen.insert($0.title + "\($0.diagnostics?.first?.range.start.line ?? 0)").inserted }
        return actions
    }

    private func codeLenses(_ p: DocumentParams) throws -> [CodeLens]? {
        guard let (doc, project, _) = try locate(p.textDocument.uri, nil) else { return nil }
        return FindingsFeature.lenses(project, path: doc.path, workspace: workspace)
    }

    private func executeCommand(_ p: ExecuteCommandParams) throws -> Result<String?, ResponseError> {
        guard p.command == FindingsFeature.command else {
            return .failure(.invalidParams("unknown command '\(p.command)'"))
        }
        guard let id = p.arguments?.first?.stringValue else {
            return .failure(.invalidParams("\(FindingsFeature.command) takes the id of an element, flow or boundary"))
        }
        for project in workspace.projects.values.sorted(by: { $0.rootPath < $1.rootPath }) {
            if project.dirty { workspace.refresh(project) }
            guard let c = project.analysis?.components[id] else { continue }
            let text = "\(id): " + FindingsFeature.markdown(c, stale: project.isStale)
            notify("window/showMessage", ShowMessageParams(type: 3, message: text))
            return .success(text)
        }
        return .failure(.requestFailed("no analysed element, flow or boundary has the id '\(id)'"))
    }
}

private struct ShowMessageParams: Encodable {
    var type: Int
    var message: String
}


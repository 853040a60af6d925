// The Language Server Protocol 3.17 structures this server reads and writes, as small Codable values.
// Optional members that are nil are left out of the JSON, as the protocol expects.

/// LSP `Position`: a 0-based line and a 0-based character offset in the negotiated `PositionEncoding`.
struct Position: Codable, Hashable, Sendable, Comparable {
    var line: Int
    var character: Int
    init(line: Int, character: Int) { self.line = line; self.character = character }
    static func < (a: Position, b: Position) -> Bool { (a.line, a.character) < (b.line, b.character) }
}

/// LSP `Range`: from `start` up to (not including) `end`.
struct LSPRange: Codable, Hashable, Sendable {
    var start: Position
    var end: Position
    init(start: Position, end: Position) { self.start = start; self.end = end }
}

/// LSP `Location`: a range in the document at `uri`.
struct Location: Codable, Hashable, Sendable {
    var uri: String
    var range: LSPRange
    init(uri: String, range: LSPRange) { self.uri = uri; self.range = range }
}

/// LSP `TextDocumentIdentifier`: names a document by its URI.
struct TextDocumentIdentifier: Codable, Sendable { var uri: String }

/// LSP `TextDocumentItem`: an opened document with its full text (`textDocument/didOpen`).
struct TextDocumentItem: Codable, Sendable {
    var uri: String
    var languageId: String?
    var version: Int?
    var text: String
}

/// LSP `VersionedTextDocumentIdentifier`: a document and the version an edit brings it to.
struct VersionedTextDocumentIdentifier: Codable, Sendable {
    var uri: String
    var version: Int?
}

/// LSP `DidOpenTextDocumentParams` (`textDocument/didOpen`).
struct DidOpenTextDocumentParams: Codable, Sendable { var textDocument: TextDocumentItem }

/// LSP `TextDocumentContentChangeEvent`: replaces `range` with `text`, or the whole text when `range` is nil.
struct TextDocumentContentChangeEvent: Codable, Sendable {
    var range: LSPRange?
    var text: String
}

/// LSP `DidChangeTextDocumentParams` (`textDocument/didChange`): changes applied in order.
struct DidChangeTextDocumentParams: Codable, Sendable {
    var textDocument: VersionedTextDocumentIdentifier
    var contentChanges: [TextDocumentContentChangeEvent]
}

/// LSP `DidCloseTextDocumentParams` (`textDocument/didClose`).
struct DidCloseTextDocumentParams: Codable, Sendable { var textDocument: TextDocumentIdentifier }
/// LSP `DidSaveTextDocumentParams` (`textDocument/didSave`).
struct DidSaveTextDocumentParams: Codable, Sendable { var textDocument: TextDocumentIdentifier }

/// LSP `TextDocumentPositionParams`: a position in a document (hover, definition, completion).
struct TextDocumentPositionParams: Codable, Sendable {
    var textDocument: TextDocumentIdentifier
    var position: Position
}

/// LSP `ReferenceParams` (`textDocument/references`).
struct ReferenceParams: Codable, Sendable {
    /// LSP `ReferenceContext`: whether the declaration itself is listed.
    struct Context: Codable, Sendable { var includeDeclaration: Bool }
    var textDocument: TextDocumentIdentifier
    var position: Position
    var context: Context?
}

/// LSP `RenameParams` (`textDocument/rename`): the symbol at `position` gets `newName`.
struct RenameParams: Codable, Sendable {
    var textDocument: TextDocumentIdentifier
    var position: Position
    var newName: String
}

/// The params of requests about a whole document (`textDocument/documentSymbol`, `formatting`, `codeLens`).
struct DocumentParams: Codable, Sendable { var textDocument: TextDocumentIdentifier }

/// LSP `CodeActionParams` (`textDocument/codeAction`).
struct CodeActionParams: Codable, Sendable {
    /// LSP `CodeActionContext`: the diagnostics at the range and the kinds of action wanted.
    struct Context: Codable, Sendable {
        var diagnostics: [LSPDiagnostic]?
        var only: [String]?
    }
    var textDocument: TextDocumentIdentifier
    var range: LSPRange
    var context: Context?
}

/// LSP `ExecuteCommandParams` (`workspace/executeCommand`).
struct ExecuteCommandParams: Codable, Sendable {
    var command: String
    var arguments: [LSPAny]?
}

/// LSP `DiagnosticRelatedInformation`: a diagnostic's note about another place.
struct DiagnosticRelatedInformation: Codable, Hashable, Sendable {
    var location: Location
    var message: String
}

/// LSP `Diagnostic`, as published for a Moat diagnostic or finding.
struct LSPDiagnostic: Codable, Hashable, Sendable {
    var range: LSPRange
    /// 1 error, 2 warning, 3 information, 4 hint.
    var severity: Int?
    var code: String?
    var source: String?
    var message: String
    var relatedInformation: [DiagnosticRelatedInformation]?

    static let error = 1, warning = 2, information = 3, hint = 4
}

/// LSP `PublishDiagnosticsParams` (`textDocument/publishDiagnostics`): all of a document's diagnostics.
struct PublishDiagnosticsParams: Codable, Sendable {
    var uri: String
    var version: Int?
    var diagnostics: [LSPDiagnostic]
}

/// LSP `MarkupContent`: text of `kind` `markdown` or `plaintext`.
struct MarkupContent: Codable, Hashable, Sendable {
    var kind: String
    var value: String
    static func markdown(_ text: String) -> MarkupContent { MarkupContent(kind: "markdown", value: text) }
    static func plain(_ text: String) -> MarkupContent { MarkupContent(kind: "plaintext", value: text) }
}

/// LSP `Hover`: the answer to `textDocument/hover`.
struct Hover: Codable, Sendable {
    var contents: MarkupContent
    var range: LSPRange?
}

/// LSP `TextEdit`: replace `range` with `newText`.
struct TextEdit: Codable, Hashable, Sendable {
    var range: LSPRange
    var newText: String
}

/// LSP `WorkspaceEdit` in its `changes` form: edits by document URI.
struct WorkspaceEdit: Codable, Sendable {
    var changes: [String: [TextEdit]]
}

/// LSP `CompletionItem`; the static members are `CompletionItemKind` values.
struct CompletionItem: Codable, Sendable {
    var label: String
    /// CompletionItemKind: 6 variable, 10 property, 12 value, 14 keyword, 18 reference, 20 enum member, 21 constant.
    var kind: Int?
    var detail: String?
    var documentation: MarkupContent?
    var sortText: String?
    var filterText: String?
    var textEdit: TextEdit?

    static let variable = 6, property = 10, value = 12, keyword = 14, reference = 18, enumMember = 20,
                      constant = 21, module = 9, class_ = 7, event = 23
}

/// LSP `CompletionList`: the answer to `textDocument/completion`.
struct CompletionList: Codable, Sendable {
    var isIncomplete: Bool
    var items: [CompletionItem]
}

/// LSP `DocumentSymbol`: one entry of the outline, with nested children.
struct DocumentSymbol: Codable, Sendable {
    var name: String
    var detail: String?
    /// SymbolKind: 1 file, 2 module, 3 namespace, 5 class, 12 function, 13 variable, 14 constant, 19 object,
    /// 23 struct, 24 event, 20 key.
    var kind: Int
    var range: LSPRange
    var selectionRange: LSPRange
    var children: [DocumentSymbol]?
}

/// LSP `Command`: a command a client runs through `workspace/executeCommand`.
struct Command: Codable, Sendable {
    var title: String
    var command: String
    var arguments: [LSPAny]?
}

/// LSP `CodeLens`: a command shown above a line.
struct CodeLens: Codable, Sendable {
    var range: LSPRange
    var command: Command?
}

/// LSP `CodeAction`: a quick fix, applied as `edit`.
struct CodeAction: Codable, Sendable {
    var title: String
    var kind: String?
    var diagnostics: [LSPDiagnostic]?
    var isPreferred: Bool?
    var edit: WorkspaceEdit?
}

/// The `{ range, placeholder }` answer to `textDocument/prepareRename`.
struct PrepareRenameResult: Codable, Sendable {
    var range: LSPRange
    var placeholder: String
}

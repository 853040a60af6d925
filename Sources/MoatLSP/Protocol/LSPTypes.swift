// The Language Server Protocol 3.17 structures this server reads and writes, as small Codable values.
// Optional members that are nil are left out of the JSON, as the protocol expects.

public struct Position: Codable, Hashable, Sendable, Comparable {
    public var line: Int
    public var character: Int
    public init(line: Int, character: Int) { self.line = line; self.character = character }
    public static func < (a: Position, b: Position) -> Bool { (a.line, a.character) < (b.line, b.character) }
}

public struct LSPRange: Codable, Hashable, Sendable {
    public var start: Position
    public var end: Position
    public init(start: Position, end: Position) { self.start = start; self.end = end }
}

public struct Location: Codable, Hashable, Sendable {
    public var uri: String
    public var range: LSPRange
    public init(uri: String, range: LSPRange) { self.uri = uri; self.range = range }
}

public struct TextDocumentIdentifier: Codable, Sendable { public var uri: String }

public struct TextDocumentItem: Codable, Sendable {
    public var uri: String
    public var languageId: String?
    public var version: Int?
    public var text: String
}

public struct VersionedTextDocumentIdentifier: Codable, Sendable {
    public var uri: String
    public var version: Int?
}

public struct DidOpenTextDocumentParams: Codable, Sendable { public var textDocument: TextDocumentItem }

public struct TextDocumentContentChangeEvent: Codable, Sendable {
    public var range: LSPRange?
    public var text: String
}

public struct DidChangeTextDocumentParams: Codable, Sendable {
    public var textDocument: VersionedTextDocumentIdentifier
    public var contentChanges: [TextDocumentContentChangeEvent]
}

public struct DidCloseTextDocumentParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }
public struct DidSaveTextDocumentParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }

public struct TextDocumentPositionParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var position: Position
}

public struct ReferenceParams: Codable, Sendable {
    public struct Context: Codable, Sendable { public var includeDeclaration: Bool }
    public var textDocument: TextDocumentIdentifier
    public var position: Position
    public var context: Context?
}

public struct RenameParams: Codable, Sendable {
    public var textDocument: TextDocumentIdentifier
    public var position: Position
    public var newName: String
}

public struct DocumentParams: Codable, Sendable { public var textDocument: TextDocumentIdentifier }

public struct CodeActionParams: Codable, Sendable {
    public struct Context: Codable, Sendable {
        public var diagnostics: [LSPDiagnostic]?
        public var only: [String]?
    }
    public var textDocument: TextDocumentIdentifier
    public var range: LSPRange
    public var context: Context?
}

public struct ExecuteCommandParams: Codable, Sendable {
    public var command: String
    public var arguments: [LSPAny]?
}

public struct DiagnosticRelatedInformation: Codable, Hashable, Sendable {
    public var location: Location
    public var message: String
}

public struct LSPDiagnostic: Codable, Hashable, Sendable {
    public var range: LSPRange
    /// 1 error, 2 warning, 3 information, 4 hint.
    public var severity: Int?
    public var code: String?
    public var source: String?
    public var message: String
    public var relatedInformation: [DiagnosticRelatedInformation]?

    public static let error = 1, warning = 2, information = 3, hint = 4
}

public struct PublishDiagnosticsParams: Codable, Sendable {
    public var uri: String
    public var version: Int?
    public var diagnostics: [LSPDiagnostic]
}

public struct MarkupContent: Codable, Hashable, Sendable {
    public var kind: String
    public var value: String
    public static func markdown(_ text: String) -> MarkupContent { MarkupContent(kind: "markdown", value: text) }
    public static func plain(_ text: String) -> MarkupContent { MarkupContent(kind: "plaintext", value: text) }
}

public struct Hover: Codable, Sendable {
    public var contents: MarkupContent
    public var range: LSPRange?
}

public struct TextEdit: Codable, Hashable, Sendable {
    public var range: LSPRange
    public var newText: String
}

public struct WorkspaceEdit: Codable, Sendable {
    public var changes: [String: [TextEdit]]
}

public struct CompletionItem: Codable, Sendable {
    public var label: String
    /// CompletionItemKind: 6 variable, 10 property, 12 value, 14 keyword, 18 reference, 20 enum member, 21 constant.
    public var kind: Int?
    public var detail: String?
    public var documentation: MarkupContent?
    public var sortText: String?
    public var filterText: String?
    public var textEdit: TextEdit?

    public static let variable = 6, property = 10, value = 12, keyword = 14, reference = 18, enumMember = 20,
                      constant = 21, module = 9, class_ = 7, event = 23
}

public struct CompletionList: Codable, Sendable {
    public var isIncomplete: Bool
    public var items: [CompletionItem]
}

public struct DocumentSymbol: Codable, Sendable {
    public var name: String
    public var detail: String?
    /// SymbolKind: 1 file, 2 module, 3 namespace, 5 class, 12 function, 13 variable, 14 constant, 19 object, 23 struct, 24 event, 20 key.
    public var kind: Int
    public var range: LSPRange
    public var selectionRange: LSPRange
    public var children: [DocumentSymbol]?
}

public struct Command: Codable, Sendable {
    public var title: String
    public var command: String
    public var arguments: [LSPAny]?
}

public struct CodeLens: Codable, Sendable {
    public var range: LSPRange
    public var command: Command?
}

public struct CodeAction: Codable, Sendable {
    public var title: String
    public var kind: String?
    public var diagnostics: [LSPDiagnostic]?
    public var isPreferred: Bool?
    public var edit: WorkspaceEdit?
}

public struct PrepareRenameResult: Codable, Sendable {
    public var range: LSPRange
    public var placeholder: String
}

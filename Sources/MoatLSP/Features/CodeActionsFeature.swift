import Foundation

/// Quick fixes for every diagnostic that says "did you mean 'x'?": replace the misspelt word with x.
enum CodeActionsFeature {
    /// The suggestion of a message, and the quoted word it replaces (the first quoted word of the message).
    static func suggestion(in message: String) -> (word: String, replacement: String)? {
        guard let marker = message.range(of: "did you mean '", options: .backwards) else { return nil }
        let rest = message[marker.upperBound...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        let replacement = String(rest[..<close])
        guard let open = message.firstIndex(of: "'") else { return nil }
        let afterOpen = message[message.index(after: open)...]
        guard let end = afterOpen.firstIndex(of: "'") else { return nil }
        let word = String(afterOpen[..<end])
        guard !replacement.isEmpty, !word.isEmpty, word != replacement else { return nil }
        return (word, replacement)
    }

    static func actions(uri: String, diagnostics: [LSPDiagnostic], in range: LSPRange, map: LineMap,
                        encoding: PositionEncoding) -> [CodeAction] {
        var actions: [CodeAction] = []
        for d in diagnostics where overlaps(d.range, range) {
            guard let (word, replacement) = suggestion(in: d.message) else { continue }
            // Only when the diagnostic's range is exactly the misspelt word.
            let start = map.offset(of: d.range.start, encoding), end = map.offset(of: d.range.end, encoding)
            guard map.text(start, end) == word else { continue }
            actions.append(CodeAction(title: "Replace '\(word)' with '\(replacement)'", kind: "quickfix", diagnostics: [d],
                                      isPreferred: true,
                                      edit: WorkspaceEdit(changes: [uri: [TextEdit(range: d.range, newText: replacement)]])))
        }
        return actions
    }

    /// Whether two ranges touch (an empty request range at a diagnostic's edge counts).
    static func overlaps(_ a: LSPRange, _ b: LSPRange) -> Bool {
        !(a.end < b.start || b.end < a.start)
    }
}

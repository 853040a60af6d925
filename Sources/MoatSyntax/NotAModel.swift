import MoatSource

/// Tells a file that is clearly not a model (an SVG, an HTML page, JSON in a `.moat` file, a `package.json`,
/// prose) from a model with mistakes, so that it gets one clear error instead of one per character or
/// line. The model loader screens every file it parses in Moat's notations (not other tools' models).
public enum NotAModel {
    /// The parse of a file, or, when the file is clearly not a model, no statements and one error.
    public static func screen(_ parsed: (Document, DiagnosticBag)) -> (Document, DiagnosticBag) {
        let (document, diagnostics) = parsed
        guard diagnostics.hasErrors,
              let problem = diagnose(document.file, moatNotation: document.notation == .moat,
                                     statements: document.statements.count, diagnostics: diagnostics.diagnostics) else {
            return parsed
        }
        var one = DiagnosticBag()
        one.append(problem)
        return (Document(file: document.file, notation: document.notation, statements: []), one)
    }

    /// How many errors a Moat-notation file must have before it is judged by its first lines.
    static let errorThreshold = 10
    /// The first lines looked at (those that hold something): when fewer than half start as a model's
    /// statements do, a file of which nothing parses is not a model with mistakes.
    static let firstLines = 12

    /// The one error that replaces `diagnostics`, or nil when the file may well be a model.
    /// - Parameters:
    ///   - moatNotation: the file was read as Moat text (not YAML or JSON).
    ///   - statements: how many top-level statements the parse produced.
    public static func diagnose(_ file: SourceFile, moatNotation: Bool, statements: Int,
                                diagnostics: [Diagnostic]) -> Diagnostic? {
        let errors = diagnostics.filter { $0.severity == .error }
        guard !errors.isEmpty else { return nil }
        let bytes = file.bytes
        guard let first = bytes.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return nil }
        let place = file.range(first, first + 1)
        let name = displayName(file.path)
        let modelForms = "Moat reads models written in the Moat language (.moat), or in its YAML (.yaml, .yml) or JSON (.json) form"

        // Markup: no model, in any notation, starts with '<'.
        if bytes[first] == UInt8(ascii: "<") {
            return .error(.notAModel, "\(name) is not a model: it looks like \(markupKind(bytes[first...].prefix(1024)))",
                          at: place, notes: [DiagnosticNote(modelForms)])
        }
        // JSON read as Moat text.
        if moatNotation && (bytes[first] == UInt8(ascii: "{") || bytes[first] == UInt8(ascii: "[")) {
            return .error(.notAModel, "\(name) is not in the Moat language: it looks like JSON", at: place,
                          notes: [DiagnosticNote(file.path.hasPrefix("<stdin>") ? "read a model in the JSON form from standard input with --stdin-format json"
                                                                 : "a model in the JSON form is read from a file named .json"), DiagnosticNote(modelForms)])
        }
        // YAML or JSON with none of a model's keys: every error is about the structure or a key.
        if !moatNotation && statements == 0
            && errors.allSatisfy({ [DiagnosticID.unknownKey, .invalidStructure].contains($0.id) }) {
            let keys = errors.filter { $0.id == .unknownKey }.compactMap { quoted($0.message) }
            return .error(.notAModel, "\(name) is not a model: it has none of the top-level keys of one",
                          at: place, notes: (keys.isEmpty ? [] : [DiagnosticNote("its keys: \(keys.prefix(8).joined(separator: ", "))\(keys.count > 8 ? ", …" : "")")])
                            + ["a model's keys are model, includes, data, boundaries, elements, flows, threats and tracking (docs/language.md)"])
        }
        // Moat text of which no statement parses, and whose first lines do not even start as a model's
        // do (with a keyword, or a word close to one, or as a flow): prose, source code, a CSV.
        if moatNotation && statements == 0 && errors.count >= errorThreshold {
            let keywords = Identifier.keywords.sorted()
            var lines = 0, modelLike = 0
            var line = 1
            while lines < firstLines && line <= file.lineStarts.count {
                let text = file.lineText(line).drop { $0 == " " || $0 == "\t" }
                line += 1
                guard !text.isEmpty && !text.hasPrefix("#") else { continue }
                lines += 1
                let word = text.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
                // A keyword, or a misspelt one ('proces'): a model with mistakes, whose errors say what to fix.
                if Identifier.keywords.contains(String(word)) || Suggestion.closest(to: String(word), in: keywords) != nil
                    || text.hasPrefix("}") || text.contains("->") { modelLike += 1 }
            }
            if modelLike * 2 < lines {
                let shown = errors.prefix(3).compactMap { e in e.range.map { "line \($0.start.line): \(e.message)" } }
                return .error(.notAModel, "\(name) does not look like a Moat model: no statement in it parses",
                              at: place, notes: shown.map { DiagnosticNote($0) } + [DiagnosticNote(modelForms)])
            }
        }
        return nil
    }

    /// `'d.svg'`; standard input by its name.
    private static func displayName(_ path: String) -> String {
        path.hasPrefix("<stdin>") ? "standard input" : "'\(path)'"
    }

    /// SVG, HTML or XML, from the first bytes.
    private static func markupKind(_ head: ArraySlice<UInt8>) -> String {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        if text.contains("<svg") { return "an SVG image" }
        if text.contains("<!doctype html") || text.contains("<html") { return "an HTML page" }
        return "XML or HTML markup"
    }

    /// The first '…'-quoted word of a message.
    private static func quoted(_ message: String) -> String? {
        guard let open = message.firstIndex(of: "'") else { return nil }
        let rest = message[message.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<close])
    }
}

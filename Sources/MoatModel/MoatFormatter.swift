import MoatSyntax
import MoatSource
import MoatText

/// Prints a document in canonical Moat layout (`moat fmt`): idempotent, comments kept.
///
/// Two-space indentation; one statement per line; short attribute blocks on one line
/// (`{ a; b c }`), long or commented ones one attribute per line; the model header and boundaries
/// always as blocks; a blank line around multi-line statements and between groups of statements.
public struct MoatFormatter {
    /// Lines longer than this get a multi-line attribute block.
    public static let lineWidth = 120

    let vocabulary: Vocabulary

    /// A formatter that writes values as `vocabulary` types them: a flag set to `true` alone, a YAML scalar
    /// quoted when its attribute takes a string or it is not a bare word.
    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    /// The canonical text of a document.
    public func format(_ document: Document) -> String {
        var out: [String] = []
        emit(document.statements, indent: 0, into: &out)
        if !document.trailingComments.isEmpty {
            if !out.isEmpty { out.append("") }
            out += document.trailingComments
        }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    // MARK: - Statements

    private func group(_ s: Statement) -> Int {
        switch s {
        case .attribute: return 0
        case .include: return 1
        case .declaration(let d): return d.kind == .model ? 2 : d.kind == .data ? 3 : d.kind == .threat ? 7 : 4
        case .boundary: return 5
        case .flow: return 6
        case .tracking: return 8
        }
    }

    private func trivia(_ s: Statement) -> Trivia {
        switch s {
        case .declaration(let d): return d.trivia
        case .boundary(let b): return b.trivia
        case .flow(let f): return f.trivia
        case .tracking(let t): return t.trivia
        case .include(let i): return i.trivia
        case .attribute(let a): return a.trivia
        }
    }

    private func emit(_ statements: [Statement], indent: Int, into out: inout [String]) {
        var previous: (group: Int, multiLine: Bool)?
        for statement in statements {
            var lines = render(statement, indent: indent)
            let t = trivia(statement)
            let pad = String(repeating: "  ", count: indent)
            let multiLine = lines.count > 1
            if let p = previous {
                if t.blankLineBefore || p.multiLine || multiLine || p.group != group(statement) { out.append("") }
            }
            out += t.leading.map { $0.isEmpty ? "" : pad + $0 }
            if let trailing = t.trailing {
                // A trailing comment stays after the statement's last token.
                lines[lines.count - 1] += "  " + trailing
            }
            out += lines
            previous = (group(statement), multiLine)
        }
    }

    private func render(_ statement: Statement, indent: Int) -> [String] {
        let pad = String(repeating: "  ", count: indent)
        switch statement {
        case .include(let i):
            return [pad + "include " + Self.quoted(i.path.value)]
        case .attribute(let a):
            return [pad + attribute(a, on: .boundary)]
        case .declaration(let d):
            var head: String
            if d.kind == .model {
                head = "model " + Self.quoted(d.name?.value ?? "")
                return block(head: pad + head, d.attributes, on: .model, closing: d.closingComments,
                             indent: indent, forceMultiLine: true)
            }
            head = "\(d.kind.rawValue) \(d.id?.value ?? "")"
            if let name = d.name?.value { head += " " + Self.quoted(name) }
            if let subject = d.subject?.value { head += " on " + Self.subject(subject) }
            return block(head: pad + head, d.attributes, on: d.kind, closing: d.closingComments,
                         indent: indent, forceMultiLine: false)
        case .flow(let f):
            var head = ""
            if let id = f.id { head += id.value + ": " }
            head += f.source.value + (f.twoWay ? " <-> " : " -> ") + f.target.value
            if let name = f.name?.value { head += " " + Self.quoted(name) }
            return block(head: pad + head, f.attributes, on: .flow, closing: f.closingComments,
                         indent: indent, forceMultiLine: false)
        case .boundary(let b):
            var head = "boundary \(b.id.value)"
            if let name = b.name?.value { head += " " + Self.quoted(name) }
            if b.items.isEmpty && b.closingComments.isEmpty { return [pad + head] }
            var lines = [pad + head + " {"]
            emit(b.items, indent: indent + 1, into: &lines)
            lines += b.closingComments.map { pad + "  " + $0 }
            lines.append(pad + "}")
            return lines
        case .tracking(let t):
            var line = pad + t.status.value.rawValue + " " + pattern(t.pattern.value) + " " + Self.quoted(t.justification.value)
            if let owner = t.owner { line += " owner " + Self.quoted(owner.value) }
            if let until = t.until { line += " until " + until.value }
            return [line]
        }
    }

    /// `head { a; b }` on one line when it fits and has no comments, else one attribute per line.
    private func block(head: String, _ attributes: [AttributeSyntax], on kind: ElementKind, closing: [String],
                       indent: Int, forceMultiLine: Bool) -> [String] {
        if attributes.isEmpty && closing.isEmpty && !forceMultiLine { return [head] }
        let rendered = attributes.map { attribute($0, on: kind) }
        let commented = attributes.contains { !$0.trivia.leading.isEmpty || $0.trivia.trailing != nil } || !closing.isEmpty
        let oneLine = head + " { " + rendered.joined(separator: "; ") + " }"
        if !forceMultiLine && !commented && oneLine.count <= Self.lineWidth {
            return [oneLine]
        }
        let inner = String(repeating: "  ", count: indent + 1)
        var lines = [head + " {"]
        for (a, text) in zip(attributes, rendered) {
            lines += a.trivia.leading.map { $0.isEmpty ? "" : inner + $0 }
            lines += wrap(inner, text, a)
            if let trailing = a.trivia.trailing { lines[lines.count - 1] += "  " + trailing }
        }
        lines += closing.map { inner + $0 }
        lines.append(String(repeating: "  ", count: indent) + "}")
        return lines
    }

    /// One attribute per line; a long value list breaks after commas, continuation indented.
    private func wrap(_ indent: String, _ text: String, _ a: AttributeSyntax) -> [String] {
        guard indent.count + text.count > Self.lineWidth, a.values.count > 1 else { return [indent + text] }
        let values = a.values.map { value($0.value, vocabulary.spec(a.name.value)) }
        var lines: [String] = []
        var line = indent + a.name.value + " "
        for (i, v) in values.enumerated() {
            let piece = v + (i < values.count - 1 ? "," : "")
            if i > 0 && line.count + piece.count > Self.lineWidth {
                lines.append(String(line.dropLast()))
                line = indent + "  "
            }
            line += piece + " "
        }
        lines.append(String(line.dropLast()))
        return lines
    }

    private func attribute(_ a: AttributeSyntax, on kind: ElementKind) -> String {
        let spec = vocabulary.spec(a.name.value)
        if spec?.type == .flag, a.values.count == 1, ["true", "yes"].contains(a.values[0].value.text) {
            return a.name.value
        }
        guard !a.values.isEmpty else { return a.name.value }
        let values = a.values.map { value($0.value, spec) }
        return a.name.value + " " + values.joined(separator: ", ")
    }

    private func value(_ v: ValueSyntax, _ spec: AttributeSpec?) -> String {
        switch v.form {
        case .string: return Self.quoted(v.text)
        case .word: return v.text
        case .scalar:
            if spec?.type == .string { return Self.quoted(v.text) }
            return Identifier.isBareWord(v.text) ? v.text : Self.quoted(v.text)
        }
    }

    /// A threat's subject as written: an id, or a flow's ends with spaces around the arrow.
    static func subject(_ s: String) -> String {
        for arrow in ["<->", "->"] {
            if let r = s.range(of: arrow) { return s[..<r.lowerBound] + " \(arrow) " + s[r.upperBound...] }
        }
        return s
    }

    /// A finding pattern bare when it reads back as the same tokens, else quoted.
    private func pattern(_ p: String) -> String {
        let parts = p.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, Identifier.isBareWord(String(parts[0])) else { return Self.quoted(p) }
        let element = String(parts[1])
        for arrow in ["<->", "->"] where element.contains(arrow) {
            let ends = element.components(separatedBy: arrow)
            return ends.count == 2 && ends.allSatisfy(Identifier.isBareWord) ? p : Self.quoted(p)
        }
        return Identifier.isBareWord(element) ? p : Self.quoted(p)
    }

    /// Characters a reviewer cannot see, written as `\u{…}` so they stay visible in review (Trojan Source):
    /// controls (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width characters, the
    /// BOM, soft hyphen), line and paragraph separators, and the non-characters U+FFFE/U+FFFF.
    public static func invisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return scalar.value == 0xFFFE || scalar.value == 0xFFFF
        }
    }

    /// A Moat string literal; the only place Moat text is escaped.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if Self.invisible(scalar) {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

import MoatCore

/// Reads the core's syntax trees (one `Document` per file of a model) into the server's `SyntaxIndex`:
/// what each id, attribute and value of the text is, where each declaration is, and the outline.
struct CoreSyntaxIndexer {
    let vocabulary: Vocabulary
    /// The canonical path (the index's key) of a file's path.
    let key: (String) -> String

    func index(_ documents: [Document]) -> SyntaxIndex {
        var index = SyntaxIndex()
        for document in documents {
            var walker = FileWalker(vocabulary: vocabulary, file: document.file, path: key(document.file.path))
            let outline = walker.walk(document.statements, boundary: nil)
            index.occurrences[walker.path, default: []] += walker.occurrences
            index.declarations += walker.declarations
            index.outlines[walker.path] = outline
        }
        return index
    }
}

/// The walk of one file.
private struct FileWalker {
    let vocabulary: Vocabulary
    let file: SourceFile
    let path: String
    var occurrences: [Occurrence] = []
    var declarations: [Declaration] = []

    init(vocabulary: Vocabulary, file: SourceFile, path: String) {
        self.vocabulary = vocabulary
        self.file = file
        self.path = path
    }

    /// The byte offset of a location of this file.
    func offset(_ l: SourceLocation) -> Int {
        let starts = file.lineStarts
        guard l.line >= 1, l.line <= starts.count else { return l.line < 1 ? 0 : file.bytes.count }
        return min(file.bytes.count, max(0, starts[l.line - 1] + l.column - 1))
    }

    func span(_ r: SourceRange) -> (Int, Int) { (offset(r.start), offset(r.end)) }

    mutating func add(_ located: Located<String>, _ kind: OccurrenceKind, declaration: Bool) {
        guard located.range.file === file else { return }
        let (s, e) = span(located.range)
        occurrences.append(Occurrence(path: path, start: s, end: e, name: located.value, kind: kind, isDeclaration: declaration))
    }

    mutating func walk(_ statements: [Statement], boundary: String?) -> [OutlineNode] {
        var outline: [OutlineNode] = []
        for statement in statements {
            switch statement {
            case .declaration(let d): outline.append(declaration(d, boundary: boundary))
            case .boundary(let b): outline.append(self.boundary(b, parent: boundary))
            case .flow(let f): outline.append(flow(f, boundary: boundary))
            case .tracking(let t): outline.append(tracking(t))
            case .include(let i):
                let (s, e) = span(i.range)
                let (ps, pe) = span(i.path.range)
                outline.append(OutlineNode(name: "include \"\(i.path.value)\"", detail: nil, kind: .include, start: s, end: e,
                                           selectionStart: ps, selectionEnd: pe, children: []))
            case .attribute(let a): attribute(a, on: .boundary)
            }
        }
        return outline
    }

    mutating func declaration(_ d: DeclarationSyntax, boundary: String?) -> OutlineNode {
        let kind = DeclKind(rawValue: d.kind.rawValue) ?? .process
        let (s, e) = span(d.range)
        var selection = (s, min(e, s + d.kind.rawValue.utf8.count))
        if let id = d.id {
            add(id, kind == .data ? .data : .element, declaration: true)
            selection = span(id.range)
        } else if let name = d.name {
            selection = span(name.range)
            add(name, .modelName, declaration: true)
        }
        for a in d.attributes { attribute(a, on: kind) }
        declarations.append(Declaration(kind: kind, id: d.id?.value ?? "", displayName: d.name?.value, path: path,
                                        idStart: selection.0, idEnd: selection.1, start: s, end: e,
                                        attributes: d.attributes.map(text), boundary: boundary))
        let name = kind == .model ? (d.name?.value ?? "model") : (d.id?.value ?? "")
        let detail = kind == .model ? "model" : ([kind.rawValue] + (d.name.map { ["\"\($0.value)\""] } ?? [])).joined(separator: " ")
        return OutlineNode(name: name.isEmpty ? kind.rawValue : name, detail: detail, kind: .declaration(kind), start: s, end: e,
                           selectionStart: selection.0, selectionEnd: selection.1, children: [])
    }

    mutating func boundary(_ b: BoundarySyntax, parent: String?) -> OutlineNode {
        add(b.id, .element, declaration: true)
        let (s, e) = span(b.range)
        let (is_, ie) = span(b.id.range)
        let attributes = b.items.compactMap { item -> AttributeSyntax? in
            if case .attribute(let a) = item { return a }
            return nil
        }
        declarations.append(Declaration(kind: .boundary, id: b.id.value, displayName: b.name?.value, path: path,
                                        idStart: is_, idEnd: ie, start: s, end: e, attributes: attributes.map(text),
                                        boundary: parent))
        let children = walk(b.items, boundary: b.id.value)
        return OutlineNode(name: b.id.value, detail: (["boundary"] + (b.name.map { ["\"\($0.value)\""] } ?? [])).joined(separator: " "),
                           kind: .declaration(.boundary), start: s, end: e, selectionStart: is_, selectionEnd: ie,
                           children: children)
    }

    mutating func flow(_ f: FlowSyntax, boundary: String?) -> OutlineNode {
        let id = f.id?.value ?? Flow.implicitID(source: f.source.value, target: f.target.value, twoWay: f.twoWay)
        if let explicit = f.id { add(explicit, .element, declaration: true) }
        add(f.source, .element, declaration: false)
        add(f.target, .element, declaration: false)
        let (s, e) = span(f.range)
        let (ss, _) = span(f.source.range), (ts, te) = span(f.target.range)
        // The arrow lies between the source and the target, on one line.
        let (_, se) = span(f.source.range)
        let arrow = Array((f.twoWay ? "<->" : "->").utf8)
        var i = se
        while i + arrow.count <= ts, i + arrow.count <= file.bytes.count {
            if file.bytes[i..<(i + arrow.count)].elementsEqual(arrow) {
                occurrences.append(Occurrence(path: path, start: i, end: i + arrow.count, name: id, kind: .flowArrow(id: id),
                                              isDeclaration: false))
                break
            }
            i += 1
        }
        let selection = f.id.map { span($0.range) } ?? (ss, te)
        for a in f.attributes { attribute(a, on: .flow) }
        declarations.append(Declaration(kind: .flow, id: id, displayName: f.name?.value, path: path, idStart: selection.0,
                                        idEnd: selection.1, start: s, end: e, attributes: f.attributes.map(text),
                                        boundary: boundary, source: f.source.value, target: f.target.value))
        let detail = ([f.source.value + (f.twoWay ? " <-> " : " -> ") + f.target.value] + (f.name.map { ["\"\($0.value)\""] } ?? []))
            .joined(separator: " ")
        return OutlineNode(name: id, detail: detail, kind: .declaration(.flow), start: s, end: e,
                           selectionStart: selection.0, selectionEnd: selection.1, children: [])
    }

    mutating func tracking(_ t: TrackingSyntax) -> OutlineNode {
        let (s, e) = span(t.range)
        let (ps, pe) = span(t.pattern.range)
        pattern(t.pattern.value, start: ps, end: pe)
        return OutlineNode(name: "\(t.status.value.rawValue) \(t.pattern.value)", detail: t.justification.value, kind: .tracking,
                           start: s, end: e, selectionStart: ps, selectionEnd: pe, children: [])
    }

    /// The rule and element ids inside a finding pattern `rule@element` (`rule@a->b` for a flow), when
    /// the pattern is written bare or as a string without escapes; parts with `*` are globs, not ids.
    mutating func pattern(_ text: String, start: Int, end: Int) {
        let bytes = file.bytes
        guard start >= 0, end <= bytes.count, start <= end else { return }
        let written = Array(bytes[start..<end]), value = Array(text.utf8)
        let base: Int
        if written == value {
            base = start
        } else if written == [0x22] + value + [0x22] {
            base = start + 1
        } else {
            return
        }
        guard let at = value.firstIndex(of: UInt8(ascii: "@")) else { return }
        func emit(_ from: Int, _ to: Int, _ kind: OccurrenceKind) {
            guard from < to, !value[from..<to].contains(UInt8(ascii: "*")) else { return }
            let name = String(decoding: value[from..<to], as: UTF8.self)
            occurrences.append(Occurrence(path: path, start: base + from, end: base + to, name: name, kind: kind,
                                          isDeclaration: false))
        }
        emit(0, at, .rule)
        let elementStart = at + 1
        for arrow in [Array("<->".utf8), Array("->".utf8)] {
            var i = elementStart
            while i + arrow.count <= value.count {
                if value[i..<(i + arrow.count)].elementsEqual(arrow) {
                    emit(elementStart, i, .element)
                    emit(i + arrow.count, value.count, .element)
                    return
                }
                i += 1
            }
        }
        emit(elementStart, value.count, .element)
    }

    mutating func attribute(_ a: AttributeSyntax, on kind: DeclKind) {
        add(a.name, .attribute(owner: kind), declaration: false)
        let spec = vocabulary.spec(a.name.value)
        for v in a.values {
            let located = Located(v.value.text, v.range)
            if spec?.type == .refs && v.value.form != .string {
                add(located, spec?.target == .practice ? .practice : .data, declaration: false)
            } else {
                add(located, .value(attribute: a.name.value), declaration: false)
            }
        }
    }

    func text(_ a: AttributeSyntax) -> String {
        ([a.name.value] + [a.values.map { $0.value.form == .string ? "\"\($0.value.text)\"" : $0.value.text }
            .joined(separator: ", ")].filter { !$0.isEmpty }).joined(separator: " ")
    }
}

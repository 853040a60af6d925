/// Completion from the tokens before the cursor, so that it works on half-written text: keywords,
/// attributes of the element kind the cursor is in, values of the attribute being written, ids for
/// flow ends and references, rule ids and element ids in tracking statements.
struct CompletionFeature {
    let core: CoreAdapter
    let index: SyntaxIndex

    /// What the cursor is in.
    enum Context: Equatable {
        case none
        /// The start of a statement at the top level of a file.
        case topLevel
        /// The start of an item of a boundary block.
        case boundaryItem
        /// An attribute name in a block of this kind.
        case attributeName(DeclKind)
        /// A value of this attribute, after these values.
        case attributeValue(String, written: [String])
        /// A flow's source or target.
        case flowEnd
        /// The rule part of a tracking pattern.
        case trackingRule
        /// The element part of a tracking pattern (after `@`).
        case trackingElement
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
            || b == 0x2E || b == 0x2A
    }

    /// Where the word being typed starts.
    static func wordStart(_ bytes: [UInt8], _ cursor: Int) -> Int {
        var i = min(cursor, bytes.count)
        while i > 0, isWordByte(bytes[i - 1]) {
            // `a->` ends a word before `-`: the `-` of an arrow is not part of the word.
            if bytes[i - 1] == 0x2D, i < bytes.count, bytes[i] == 0x3E { break }
            i -= 1
        }
        return i
    }

    /// The context of a cursor in a text.
    func context(_ bytes: [UInt8], path: String, cursor: Int) -> Context {
        let cursor = max(0, min(cursor, bytes.count))
        let lexed = core.lex(bytes, path: path)
        for c in lexed.comments where c.start < cursor && cursor <= c.end { return .none }
        for t in lexed.tokens where t.kind == .string && t.start < cursor && (cursor < t.end || (cursor == t.end && !closedString(bytes, t))) {
            return .none
        }
        let prefixStart = Self.wordStart(bytes, cursor)
        var stack: [Context] = []  // the block each open brace started: .boundaryItem or .attributeName(kind)
        var statement: [LexToken] = []
        for t in lexed.tokens where t.kind != .end && t.start < prefixStart {
            if t.newlineBefore && statement.last?.kind != .comma { statement = [] }
            switch t.kind {
            case .leftBrace:
                stack.append(blockContext(statement))
                statement = []
            case .rightBrace:
                if !stack.isEmpty { stack.removeLast() }
                statement = []
            case .semicolon:
                statement = []
            default:
                statement.append(t)
            }
        }
        // A line break between the last token and the word ends the statement, unless a list continues.
        if let last = statement.last, last.kind != .comma,
           bytes[min(last.end, prefixStart)..<prefixStart].contains(0x0A) {
            statement = []
        }
        let block = stack.last ?? .topLevel
        guard let first = statement.first else {
            return block
        }
        if first.kind == .word, CoreAdapter.trackingKeywords.contains(first.text), block == .topLevel {
            // status rule@element "why"
            if statement.count == 1 { return .trackingRule }
            if statement.count >= 3, statement[1].kind == .word, statement[2].kind == .at {
                if statement.count == 3 { return .trackingElement }
                if statement.count == 5, statement[4].kind == .arrow || statement[4].kind == .twoWayArrow { return .trackingElement }
            }
            return .none
        }
        let last = statement[statement.count - 1]
        if last.kind == .arrow || last.kind == .twoWayArrow { return .flowEnd }
        if statement.count == 2, last.kind == .colon, first.kind == .word { return .flowEnd }
        if statement.contains(where: { $0.kind == .arrow || $0.kind == .twoWayArrow }) { return .none }
        // An attribute: inside an attribute block, or a boundary block's line that is not an element.
        let attributeBlock: Bool
        switch block {
        case .attributeName: attributeBlock = true
        case .boundaryItem: attributeBlock = !["actor", "process", "datastore", "boundary"].contains(first.text)
        default: attributeBlock = false
        }
        guard attributeBlock, first.kind == .word else { return .none }
        if statement.count == 1 || last.kind == .comma {
            let written = statement.dropFirst().filter { $0.kind == .word || $0.kind == .string }.map(\.text)
            return .attributeValue(first.text, written: written)
        }
        return .none
    }

    private func closedString(_ bytes: [UInt8], _ t: LexToken) -> Bool {
        t.end - t.start >= 2 && t.end <= bytes.count && bytes[t.end - 1] == 0x22
    }

    /// What a `{` opens, from the statement before it.
    private func blockContext(_ statement: [LexToken]) -> Context {
        if let first = statement.first, first.kind == .word {
            switch first.text {
            case "model": return .attributeName(.model)
            case "data": return .attributeName(.data)
            case "actor": return .attributeName(.actor)
            case "process": return .attributeName(.process)
            case "datastore": return .attributeName(.datastore)
            case "boundary": return .boundaryItem
            default: break
            }
        }
        if statement.contains(where: { $0.kind == .arrow || $0.kind == .twoWayArrow }) { return .attributeName(.flow) }
        return .none
    }

    /// The completion items at a cursor; `replace` is the range of the word being typed.
    func items(_ bytes: [UInt8], path: String, cursor: Int, replace: LSPRange) -> [CompletionItem] {
        var items: [CompletionItem] = []
        func add(_ label: String, _ kind: Int, detail: String? = nil, doc: String? = nil, rank: Int = 1) {
            items.append(CompletionItem(label: label, kind: kind, detail: detail, documentation: doc.map(MarkupContent.markdown),
                                        sortText: "\(rank)\(label)", filterText: label,
                                        textEdit: TextEdit(range: replace, newText: label)))
        }
        func nodes() {
            for d in index.ids(where: \.isNode) { add(d.id, CompletionItem.reference, detail: describe(d), rank: 2) }
        }
        func attributeNames(_ kind: DeclKind) {
            for a in core.attributes(on: kind) {
                add(a.name, CompletionItem.property, detail: "\(a.type) attribute", doc: a.doc)
            }
        }
        switch context(bytes, path: path, cursor: cursor) {
        case .none:
            break
        case .topLevel:
            for k in ["model", "include", "data", "actor", "process", "datastore", "boundary"] + CoreAdapter.trackingKeywords {
                add(k, CompletionItem.keyword, detail: "keyword")
            }
            nodes()
        case .boundaryItem:
            for k in ["actor", "process", "datastore", "boundary"] { add(k, CompletionItem.keyword, detail: "keyword") }
            attributeNames(.boundary)
            nodes()
        case .attributeName(let kind):
            attributeNames(kind)
        case .attributeValue(let name, let written):
            guard let a = core.attribute(named: name) else { break }
            let taken = Set(written)
            switch a.type {
            case "enum":
                for v in a.values { add(v, CompletionItem.enumMember, detail: "\(name) value", doc: a.doc) }
            case "flag":
                for v in ["true", "false"] { add(v, CompletionItem.value, detail: "\(name) flag", doc: a.doc) }
            case "refs" where a.target == "practice":
                for p in core.practices where !taken.contains(p.id) {
                    add(p.id, CompletionItem.reference, detail: "practice, level \(p.level)", doc: p.title)
                }
            case "refs":
                for d in index.ids(where: { $0 == .data }) where !taken.contains(d.id) {
                    add(d.id, CompletionItem.reference, detail: describe(d), doc: d.attributes.joined(separator: "; "))
                }
            default:
                break
            }
        case .flowEnd:
            nodes()
        case .trackingRule:
            for r in core.rules {
                add(r.id, CompletionItem.constant, detail: r.title, doc: r.description)
            }
        case .trackingElement:
            var seen = Set<String>()
            for d in index.ids(where: { $0.isNode || $0 == .boundary || $0 == .flow }) where seen.insert(d.id).inserted {
                add(d.id, d.kind == .flow ? CompletionItem.event : CompletionItem.reference, detail: describe(d), rank: d.kind.isNode ? 1 : 2)
            }
        }
        return items
    }

    private func describe(_ d: Declaration) -> String {
        ([d.kind.rawValue] + (d.displayName.map { ["\"\($0)\""] } ?? [])).joined(separator: " ")
    }
}

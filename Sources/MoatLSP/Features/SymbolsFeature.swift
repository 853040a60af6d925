/// The outline of a file: the model header, data, boundaries with their elements and flows nested, tracking.
enum SymbolsFeature {
    static func symbols(_ nodes: [OutlineNode], map: LineMap, encoding: PositionEncoding) -> [DocumentSymbol] {
        nodes.map { n in
            let range = map.range(n.start, n.end, encoding)
            var selection = map.range(n.selectionStart, n.selectionEnd, encoding)
            // The selection must lie inside the range.
            if selection.start < range.start || range.end < selection.end { selection = range }
            return DocumentSymbol(name: n.name.isEmpty ? "?" : n.name, detail: n.detail, kind: kind(n.kind), range: range,
                                  selectionRange: selection,
                                  children: n.children.isEmpty ? nil : symbols(n.children, map: map, encoding: encoding))
        }
    }

    /// SymbolKind numbers of LSP 3.17.
    static func kind(_ k: OutlineNode.Kind) -> Int {
        switch k {
        case .include: return 1  // file
        case .tracking: return 20  // key
        case .declaration(let d):
            switch d {
            case .model: return 2  // module
            case .boundary: return 3  // namespace
            case .actor: return 5  // class
            case .process: return 12  // function
            case .datastore: return 23  // struct
            case .data: return 14  // constant
            case .flow: return 24  // event
            }
        }
    }
}

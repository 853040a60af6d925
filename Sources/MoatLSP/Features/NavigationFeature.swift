/// Go to definition, find references and rename, for the ids of a model across the files it includes.
struct NavigationFeature {
    let workspace: Workspace
    let project: Project

    var index: SyntaxIndex { project.index }

    private func location(_ path: String, _ start: Int, _ end: Int) -> Location {
        Location(uri: workspace.uri(ofPath: path),
                 range: workspace.map(path, in: project).range(start, end, workspace.encoding))
    }

    func definition(of o: Occurrence) -> [Location] {
        switch o.kind {
        case .element, .data:
            return index.declarations(of: o.name, kind: o.kind).map { location($0.path, $0.idStart, $0.idEnd) }
        case .flowArrow(let id):
            return index.declarations.filter { $0.kind == .flow && $0.id == id }.map { location($0.path, $0.idStart, $0.idEnd) }
        case .rule:
            // Rules are declared in the catalogue's YAML files.
            guard let r = workspace.core.rule(o.name), let path = r.path else { return [] }
            let line = max(0, r.line - 1), character = max(0, r.column - 1)
            let position = Position(line: line, character: character)
            return [Location(uri: DocumentURI.uri(ofPath: path), range: LSPRange(start: position, end: position))]
        default:
            return []
        }
    }

    func references(of o: Occurrence, includeDeclaration: Bool) -> [Location] {
        guard o.kind.isModelID else { return [] }
        return index.occurrences(of: o.name, kind: o.kind)
            .filter { includeDeclaration || !$0.isDeclaration }
            .map { location($0.path, $0.start, $0.end) }
    }

    /// Why an occurrence cannot be renamed, if it cannot.
    func renameProblem(_ o: Occurrence?) -> String? {
        guard let o else { return "there is no id here to rename" }
        guard o.kind.isModelID else {
            switch o.kind {
            case .rule: return "'\(o.name)' is a rule id of the catalogue; only ids declared in the model can be renamed"
            case .practice: return "'\(o.name)' is a practice of the maturity model; only ids declared in the model can be renamed"
            default: return "only ids of elements, boundaries, flows and data assets can be renamed"
            }
        }
        if index.declarations(of: o.name, kind: o.kind).isEmpty {
            return "'\(o.name)' is not declared in this model"
        }
        return nil
    }

    /// The edits that rename an id everywhere it is written, or why it cannot be.
    func rename(_ o: Occurrence, to newName: String) -> Result<WorkspaceEdit, ResponseError> {
        if let problem = renameProblem(o) { return .failure(.requestFailed(problem)) }
        guard workspace.core.isValidIdentifier(newName) else {
            let keyword = CoreAdapter.keywords.contains(newName)
            return .failure(.invalidParams(keyword
                ? "'\(newName)' is a keyword and cannot be an id"
                : "'\(newName)' is not a valid id: ids start with a letter or '_' and contain letters, digits, '_', '-' and '.' (no '->')"))
        }
        if newName != o.name, !index.declarations(of: newName, kind: o.kind).isEmpty {
            let what = o.kind == .data ? "a data asset" : "an element, boundary or flow"
            return .failure(.requestFailed("'\(newName)' is already the id of \(what) in this model"))
        }
        var changes: [String: [TextEdit]] = [:]
        for occurrence in index.occurrences(of: o.name, kind: o.kind) {
            let l = location(occurrence.path, occurrence.start, occurrence.end)
            changes[l.uri, default: []].append(TextEdit(range: l.range, newText: newName))
        }
        return .success(WorkspaceEdit(changes: changes))
    }
}

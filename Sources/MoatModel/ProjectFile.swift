import Foundation
import MoatSource
import MoatSyntax
import Yams

/// A project's settings beside its models (`moat.yaml`, found by walking up from a model like
/// `.editorconfig`, or named with `--project`): vocabulary additions and a policy floor.
///
/// ```yaml
/// vocabulary:
///   values:                 # new values of open enums, with the groups they belong to
///     tech:
///       istio: [service-mesh]
///       msk: [queue]
///     protocol:
///       rediss-cluster: [encrypted-protocol]
///   groups:                 # new groups of an attribute's values
///     - { name: payment-providers, of: tech, values: [stripe] }
///   tags: [pci, gdpr]       # words allowed in `tags`
///   attributes:             # attributes of the project's own (the vocabulary's format)
///     - { name: data-residency, type: enum, on: [datastore], values: [eu, us] }
/// policy:
///   min-level: 3            # findings are judged against at least this level, whatever a model declares
/// ```
///
/// A project file adds; it never removes or redefines what the built-in vocabulary declares.
public struct ProjectFile: Sendable {
    /// The file's name, looked for in the model's folder and each folder above it.
    public static let fileName = "moat.yaml"
    /// Attributes whose values a project may extend.
    public static let openEnums: Set<String> = [CoreAttribute.type.name, CoreAttribute.tech.name, CoreAttribute.protocol.name]

    /// The path the project file was read from, for messages.
    public var path: String
    /// New values: attribute → (value, groups), in file order.
    public var values: [(attribute: String, value: String, groups: [String], range: SourceRange)] = []
    /// New groups of an attribute's values (`vocabulary.groups`), each with where it was written, in file order.
    public var groups: [(group: ValueGroup, range: SourceRange)] = []
    /// The words models of the project may write in `tags` (`vocabulary.tags`).
    public var tags: [String] = []
    /// The project's own attributes (`vocabulary.attributes`), each with where it was written, in file order.
    public var attributes: [(spec: AttributeSpec, range: SourceRange)] = []
    /// The policy floor: the lowest maturity level findings are judged against.
    public var minimumLevel: Int?

    /// The project file for a model: the nearest `moat.yaml` in the model's folder or above.
    public static func find(forModel modelPath: String) -> String? {
        var folder = URL(fileURLWithPath: modelPath).standardizedFileURL.deletingLastPathComponent()
        for _ in 0..<64 {
            let candidate = folder.appendingPathComponent(fileName).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
        return nil
    }

    /// Reads and checks a project file against the built-in vocabulary; every problem is a diagnostic at
    /// its line and column, as for a model.
    public static func read(_ file: SourceFile, vocabulary: Vocabulary) -> (ProjectFile?, [Diagnostic]) {
        var reader = ProjectFileReader(file: file, vocabulary: vocabulary)
        let project = reader.read()
        return (reader.diagnostics.hasErrors ? nil : project, reader.diagnostics.sorted)
    }
}

extension Vocabulary {
    /// This vocabulary with a project's additions: new values appended after the built-in ones (so built-in
    /// ranks do not move), new groups and group memberships, tags, and the project's own attributes.
    public func extended(with project: ProjectFile) -> Vocabulary {
        var attributes = self.attributes
        var groups = self.groups
        func index(_ name: String) -> Int? { attributes.firstIndex { $0.name == name } }
        for (attribute, value, memberOf, _) in project.values {
            guard let i = index(attribute) else { continue }
            attributes[i].values = (attributes[i].values ?? []) + [value]
            for g in memberOf {
                if let gi = groups.firstIndex(where: { $0.name == g && $0.attribute == attribute }) {
                    groups[gi].values.insert(value)
                }
            }
        }
        for (group, _) in project.groups { groups.append(group) }
        if !project.tags.isEmpty, let i = index("tags") {
            attributes[i].values = (attributes[i].values ?? []) + project.tags.filter { !(attributes[i].values ?? []).contains($0) }
        }
        attributes += project.attributes.map(\.spec)
        return Vocabulary(attributes: attributes, groups: groups)
    }
}

/// Reads `moat.yaml` with positions.
private struct ProjectFileReader {
    let file: SourceFile
    let vocabulary: Vocabulary
    var diagnostics = DiagnosticBag()

    init(file: SourceFile, vocabulary: Vocabulary) {
        self.file = file
        self.vocabulary = vocabulary
    }

    private func range(_ node: Node?) -> SourceRange {
        guard let mark = node?.mark else { return file.range(0, 0) }
        return file.range(line: max(1, mark.line), column: max(1, mark.column), length: node?.string?.utf8.count ?? 1)
    }

    private mutating func error(_ message: String, at node: Node?, notes: [DiagnosticNote] = []) {
        diagnostics.error(.invalidProjectFile, message, at: range(node), notes: notes)
    }

    private mutating func mapping(_ node: Node, _ what: String, allowed: [String]? = nil) -> [(String, Node, Node)] {
        guard case .mapping(let m) = node else {
            error("\(what) must be a mapping", at: node)
            return []
        }
        var out: [(String, Node, Node)] = []
        for (k, v) in m {
            guard let key = k.string else { error("keys must be strings", at: k); continue }
            if let allowed, !allowed.contains(key) {
                let guess = Suggestion.closest(to: key, in: allowed)
                error("unknown key '\(key)' in \(what)" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: k,
                      notes: ["\(what) has: \(allowed.joined(separator: ", "))"])
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    private mutating func words(_ node: Node, _ what: String) -> [(String, Node)] {
        if let s = node.string { return [(s, node)] }
        guard case .sequence(let items) = node else {
            error("\(what) must be a list of words", at: node)
            return []
        }
        return items.compactMap { item in
            guard let s = item.string else { error("\(what) must be a list of words", at: item); return nil }
            return (s, item)
        }
    }

    mutating func read() -> ProjectFile {
        var project = ProjectFile(path: file.path)
        let text = String(decoding: file.bytes, as: UTF8.self)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .basic)
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                diagnostics.error(.invalidProjectFile, "invalid YAML: \(problem)", at: file.range(line: max(1, mark.line), column: max(1, mark.column)))
            default:
                diagnostics.error(.invalidProjectFile, "invalid YAML: \(e)", at: file.range(0, 0))
            }
            return project
        } catch {
            diagnostics.error(.invalidProjectFile, "invalid YAML: \(error)", at: file.range(0, 0))
            return project
        }
        guard let root else { return project }
        var budget = 50 * file.bytes.count + 1_000
        guard YAMLModelReader.fits(root, budget: &budget) else {
            diagnostics.error(.invalidProjectFile, "YAML aliases expand this file far beyond its size", at: file.range(0, 0))
            return project
        }
        for (key, _, value) in mapping(root, "the project file", allowed: ["vocabulary", "policy"]) {
            if key == "policy" {
                for (k, kn, v) in mapping(value, "'policy'", allowed: ["min-level"]) where k == "min-level" {
                    guard let n = v.string.flatMap({ Int($0) }), (1...5).contains(n) else {
                        error("'min-level' is a maturity level from 1 to 5", at: v)
                        continue
                    }
                    _ = kn
                    project.minimumLevel = n
                }
                continue
            }
            for (k, _, v) in mapping(value, "'vocabulary'", allowed: ["values", "groups", "tags", "attributes"]) {
                switch k {
                case "values": readValues(v, into: &project)
                case "groups": readGroups(v, into: &project)
                case "tags": project.tags = words(v, "'tags'").map(\.0)
                default: readAttributes(v, into: &project)
                }
            }
        }
        return project
    }

    private mutating func readValues(_ node: Node, into project: inout ProjectFile) {
        for (attribute, attributeNode, values) in mapping(node, "'values'") {
            guard let spec = vocabulary.spec(attribute) else {
                let guess = Suggestion.closest(to: attribute, in: Array(ProjectFile.openEnums))
                error("unknown attribute '\(attribute)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: attributeNode)
                continue
            }
            guard ProjectFile.openEnums.contains(attribute) else {
                error("'\(attribute)' is not open to new values; a project may add values to \(ProjectFile.openEnums.sorted().joined(separator: ", "))",
                      at: attributeNode)
                continue
            }
            for (value, valueNode, groups) in mapping(values, "the values of '\(attribute)'") {
                if spec.values?.contains(value) == true {
                    error("'\(value)' is already a value of '\(attribute)'; a project cannot redefine a built-in value", at: valueNode)
                    continue
                }
                guard Identifier.isBareWord(value) else {
                    error("'\(value)' is not a word a model can write", at: valueNode,
                          notes: ["values are letters, digits, '_', '-' and '.'"])
                    continue
                }
                var memberOf: [String] = []
                if !(groups.string == "" || groups.string == "null") {
                    for (g, gn) in words(groups, "the groups of '\(value)'") {
                        guard vocabulary.group(g, of: attribute) != nil || project.groups.contains(where: { $0.group.name == g && $0.group.attribute == attribute }) else {
                            let known = vocabulary.groups(of: attribute).map(\.name)
                            let guess = Suggestion.closest(to: g, in: known)
                            error("'\(g)' is not a group of '\(attribute)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: gn,
                                  notes: ["groups of '\(attribute)': \(known.joined(separator: ", "))"])
                            continue
                        }
                        memberOf.append(g)
                    }
                }
                project.values.append((attribute, value, memberOf, range(valueNode)))
            }
        }
    }

    private mutating func readGroups(_ node: Node, into project: inout ProjectFile) {
        guard case .sequence(let items) = node else { error("'groups' must be a list", at: node); return }
        for item in items {
            var name: String?, of: String?, values: [(String, Node)] = [], doc: String?
            for (k, _, v) in mapping(item, "a group", allowed: ["name", "of", "values", "doc"]) {
                switch k {
                case "name": name = v.string
                case "of": of = v.string
                case "values": values = words(v, "'values'")
                default: doc = v.string
                }
            }
            guard let name, let of else { error("a group needs 'name' and 'of'", at: item); continue }
            guard let spec = vocabulary.spec(of), spec.type == .enum else {
                error("'\(of)' is not an enum attribute", at: item)
                continue
            }
            if vocabulary.group(name, of: of) != nil {
                error("'\(name)' is already a group of '\(of)'; a project cannot redefine it (add values to it under 'values')", at: item)
                continue
            }
            let known = Set((spec.values ?? []) + project.values.filter { $0.attribute == of }.map(\.value))
            for (v, vn) in values where !known.contains(v) {
                error("'\(v)' is not a value of '\(of)'", at: vn)
            }
            project.groups.append((ValueGroup(name: name, attribute: of, values: Set(values.map(\.0)), doc: doc), range(item)))
        }
    }

    private mutating func readAttributes(_ node: Node, into project: inout ProjectFile) {
        guard case .sequence(let items) = node else { error("'attributes' must be a list", at: node); return }
        for item in items {
            var spec = AttributeSpec(name: "", type: .string, on: [])
            for (k, kn, v) in mapping(item, "an attribute", allowed: ["name", "type", "on", "values", "doc"]) {
                switch k {
                case "name": spec.name = v.string ?? ""
                case "type":
                    guard let t = v.string.flatMap(AttributeType.init(rawValue:)), [.flag, .string, .number, .enum, .words].contains(t) else {
                        error("'type' is flag, string, number, enum or words", at: v)
                        continue
                    }
                    spec.type = t
                case "on":
                    for (w, wn) in words(v, "'on'") {
                        if let kind = ElementKind(rawValue: w), kind != .model { spec.on.append(kind) } else {
                            error("'\(w)' is not an element kind", at: wn)
                        }
                    }
                case "values": spec.values = words(v, "'values'").map(\.0)
                default: spec.doc = v.string
                }
                _ = kn
            }
            if vocabulary.spec(spec.name) != nil {
                error("'\(spec.name)' is a built-in attribute; a project cannot redefine it", at: item)
                continue
            }
            guard Identifier.isValid(spec.name), !spec.on.isEmpty else {
                error("an attribute needs a 'name' (a word) and 'on' (the kinds it applies to)", at: item)
                continue
            }
            if (spec.type == .enum || spec.type == .words) && (spec.values ?? []).isEmpty {
                error("attribute '\(spec.name)' of type \(spec.type.rawValue) needs 'values'", at: item)
                continue
            }
            project.attributes.append((spec, range(item)))
        }
    }
}

import Yams
import MoatSource
import MoatText

/// A catalogue (vocabulary, maturity model, rules, project file) that could not be loaded: a broken
/// installation or a bad `--models`/`--rules` folder.
public struct CatalogueError: Error, CustomStringConvertible {
    public var description: String
    /// The problems at places in the catalogue files (a bad rule, a YAML syntax error), which a command prints
    /// with their source lines; empty when `description` says it all (a missing file, one bad key).
    public var diagnostics: [Diagnostic] = []

    /// An error with the message `description` and, when known, the diagnostics behind it.
    public init(description: String, diagnostics: [Diagnostic] = []) {
        self.description = description
        self.diagnostics = diagnostics
    }
}

/// Reads typed values out of a composed catalogue file, with errors that name the file, line and key.
///
/// The catalogue files are read by key from Yams' node tree, not through `Codable`: the decoder's generic
/// machinery cost about 7 ms of every run for two small files.
package struct CatalogueYAML {
    package let path: String

    package init(path: String) { self.path = path }

    /// Composes a catalogue file with the basic resolver (every scalar a string; no regex per scalar).
    package static func compose(_ file: SourceFile) throws -> Node {
        do {
            guard let root = try Yams.compose(yaml: String(decoding: file.bytes, as: UTF8.self), .basic) else {
                throw CatalogueError(description: "\(file.path): the file is empty")
            }
            return root
        } catch let error as CatalogueError {
            throw error
        } catch {
            throw CatalogueError(description: "\(file.path): invalid YAML: \(error)")
        }
    }

    package func fail(_ message: String, at node: Node) -> CatalogueError {
        let place = node.mark.map { "\(path):\($0.line):\($0.column)" } ?? path
        return CatalogueError(description: "\(place): \(message)")
    }

    /// The pairs of a mapping node, by key; unknown keys are errors when `allowed` is given.
    package func mapping(_ node: Node, _ what: String, allowed: Set<String>? = nil) throws -> [String: Node] {
        guard case .mapping(let pairs) = node else { throw fail("\(what) must be a mapping", at: node) }
        var result: [String: Node] = [:]
        for (key, value) in pairs {
            guard let name = key.string else { throw fail("\(what): keys are words", at: key) }
            if let allowed, !allowed.contains(name) {
                let guess = Suggestion.closest(to: name, in: allowed.sorted())
                throw fail("\(what): unknown key '\(name)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""), at: key)
            }
            result[name] = value
        }
        return result
    }

    /// The items of a sequence node.
    package func list(_ node: Node, _ what: String) throws -> [Node] {
        guard case .sequence(let items) = node else { throw fail("\(what) must be a list", at: node) }
        return Array(items)
    }

    package func required(_ fields: [String: Node], _ key: String, _ what: String, in node: Node) throws -> Node {
        guard let value = fields[key] else { throw fail("\(what) needs '\(key)'", at: node) }
        return value
    }

    package func string(_ node: Node, _ what: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw fail("\(what) must be a single value", at: node) }
        return scalar.string
    }

    package func int(_ node: Node, _ what: String) throws -> Int {
        guard let value = Int(try string(node, what)) else { throw fail("\(what) must be a whole number", at: node) }
        return value
    }

    package func double(_ node: Node, _ what: String) throws -> Double {
        guard let value = Double(try string(node, what)) else { throw fail("\(what) must be a number", at: node) }
        return value
    }

    package func bool(_ node: Node, _ what: String) throws -> Bool {
        switch try string(node, what) {
        case "true": return true
        case "false": return false
        default: throw fail("\(what) must be true or false", at: node)
        }
    }

    package func strings(_ node: Node, _ what: String) throws -> [String] {
        try list(node, what).map { try string($0, what) }
    }

    /// A string-valued enum case.
    package func value<T: RawRepresentable>(_ node: Node, _ what: String, as type: T.Type) throws -> T where T.RawValue == String {
        let text = try string(node, what)
        guard let value = T(rawValue: text) else { throw fail("\(what): '\(text)' is not allowed here", at: node) }
        return value
    }
}

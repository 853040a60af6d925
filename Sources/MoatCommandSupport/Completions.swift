import ArgumentParser
import Foundation
import MoatCore
import MoatInterop

/// What the shell completion scripts (`moat --generate-completion-script bash|zsh|fish`) offer: model
/// files by extension, and ids that `moat` lists itself when the shell calls it back — element, flow and
/// boundary ids from the model named on the command line, rule ids and attribute names from the catalogue
/// (`--models DIR` and `--rules DIR` on the line are honoured). Nothing is printed but the candidates.
public enum Completions {
    /// The extensions of the files Moat reads as models.
    public static let modelExtensions = ["moat", "yaml", "yml", "json"]

    /// Model files (and folders, to walk into).
    public static var modelFile: CompletionKind { .file(extensions: modelExtensions) }

    /// Element ids (actors, processes, datastores) of the model on the line.
    public static var elementIDs: CompletionKind {
        .custom { words, index, _ in ids(in: words, except: index, kinds: [.elements]) }
    }

    /// Boundary ids of the model on the line.
    public static var boundaryIDs: CompletionKind {
        .custom { words, index, _ in ids(in: words, except: index, kinds: [.boundaries]) }
    }

    /// Rule ids of the catalogue.
    public static var ruleIDs: CompletionKind {
        .custom { words, _, _ in (try? catalogue(words))?.rules.map(\.id) ?? [] }
    }

    /// Attribute names of the vocabulary.
    public static var attributeNames: CompletionKind {
        .custom { words, _, _ in (try? catalogue(words))?.vocabulary.attributes.map(\.name) ?? [] }
    }

    /// Finding ids: `rule@` for each rule, then, once the word has an `@`, `rule@id` for every element, flow
    /// (in the `a→b` form that needs no quotes) and boundary of the model on the line.
    public static var findingIDs: CompletionKind {
        .custom { words, index, prefix in
            let word = index < words.count ? words[index] : prefix
            guard let at = word.firstIndex(of: "@") else {
                return (try? catalogue(words))?.rules.map { $0.id + "@" } ?? []
            }
            let rule = word[..<at]
            return ids(in: words, except: index, kinds: [.elements, .flows, .boundaries]).map { "\(rule)@\($0)" }
        }
    }

    enum Kind { case elements, flows, boundaries }

    /// The ids of the first model file named on the line (not the word being completed), or none when
    /// there is no such file or it does not load.
    static func ids(in words: [String], except index: Int, kinds: Set<Kind>) -> [String] {
        let candidates = words.enumerated().filter { $0.offset != index && $0.offset > 0 }.map(\.element)
        guard let path = candidates.first(where: { word in
            modelExtensions.contains((word as NSString).pathExtension.lowercased()) && FileManager.default.isReadableFile(atPath: word)
        }), let catalogue = try? catalogue(words) else { return [] }
        let loader = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary))
        guard let model = loader.load(path: path).model else { return [] }
        var ids: [String] = []
        if kinds.contains(.elements) { ids += model.elements.map(\.id) }
        if kinds.contains(.flows) { ids += model.flows.map { TerminalText.pasteableID($0.id) } }
        if kinds.contains(.boundaries) { ids += model.boundaries.map(\.id) }
        return ids
    }

    /// The catalogue the line asks for: `--models DIR`, plus `--rules DIR`; errors are not shown.
    static func catalogue(_ words: [String]) throws -> Catalogue {
        func value(_ option: String) -> String? {
            for (i, word) in words.enumerated() {
                if word == option, i + 1 < words.count { return words[i + 1] }
                if word.hasPrefix(option + "=") { return String(word.dropFirst(option.count + 1)) }
            }
            return nil
        }
        var catalogue = try value("--models").map { try Catalogue.load(from: URL(fileURLWithPath: $0)) } ?? Catalogue.builtIn.get()
        if let rules = value("--rules") {
            catalogue = catalogue.adding(rulesFrom: URL(fileURLWithPath: rules)).0
        }
        return catalogue
    }
}

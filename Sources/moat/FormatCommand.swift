import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore

/// `moat fmt FILE… [--check]`: rewrites models in canonical layout, keeping comments.
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Rewrite .moat files in canonical layout (comments are kept).",
        discussion: """
            Formatting is idempotent. With --check nothing is written: files that would change are
            listed and the exit code is 1. Files with syntax errors are left untouched (exit 2).

            Example:
              moat fmt --check Samples/*.moat
            """
    )

    @Argument(help: ArgumentHelp("Moat files to format.", valueName: "FILE"))
    var files: [String]

    @Flag(help: "Only check: list files whose layout differs and exit 1 if any.")
    var check = false

    @OptionGroup var catalogueOptions: CatalogueOptions

    func run() throws {
        let catalogue = try catalogueOptions.load()
        let formatter = MoatFormatter(vocabulary: catalogue.vocabulary)
        var invalid = false, unformatted = false
        for path in files {
            guard DocumentReader.notation(forPath: path) == .moat else {
                Console.err("moat: error: '\(path)': fmt formats .moat files; use 'moat convert \(path) --to moat'\n")
                invalid = true
                continue
            }
            let file: SourceFile
            switch SourceLoader().load(path) {
            case .failure(let d): Console.report([d]); invalid = true; continue
            case .success(let f): file = f
            }
            let (document, diagnostics) = Parser.parse(file)
            let errors = diagnostics.filter { $0.severity == .error }
            if !errors.isEmpty {
                Console.report(errors)
                invalid = true
                continue
            }
            let formatted = formatter.format(document)
            guard let problem = Self.verify(original: document, formatted: formatted, path: path, catalogue: catalogue) else {
                let current = String(decoding: file.bytes, as: UTF8.self)
                if formatted == current { continue }
                unformatted = true
                if check {
                    Console.out("\(path): needs formatting\n")
                } else {
                    try Console.write(formatted, to: path)
                    Console.out("\(path): formatted\n")
                }
                continue
            }
            Console.err("moat: error: '\(path)': \(problem); the file was left unchanged\n")
            invalid = true
        }
        if invalid { throw ExitStatus.invalidInput.exitCode }
        if check && unformatted { throw ExitStatus.findings.exitCode }
    }

    /// A safety net: the formatted text must parse to the same document and keep every comment.
    static func verify(original: Document, formatted: String, path: String, catalogue: Catalogue) -> String? {
        let (reparsed, diagnostics) = Parser.parse(SourceFile(path: path, text: formatted))
        if diagnostics.contains(where: { $0.severity == .error }) { return "internal error: formatted text does not parse" }
        let tree = DocumentTree(vocabulary: catalogue.vocabulary)
        if tree.tree(reparsed) != tree.tree(original) { return "internal error: formatting would change the model" }
        if comments(reparsed).filter({ !$0.isEmpty }).sorted() != comments(original).filter({ !$0.isEmpty }).sorted() { return "internal error: formatting would move or drop a comment" }
        return nil
    }

    static func comments(_ document: Document) -> [String] {
        func of(_ statements: [Statement]) -> [String] {
            statements.flatMap { s -> [String] in
                switch s {
                case .declaration(let d):
                    return d.trivia.leading + (d.trivia.trailing.map { [$0] } ?? []) + d.closingComments
                        + d.attributes.flatMap { $0.trivia.leading + ($0.trivia.trailing.map { [$0] } ?? []) }
                case .boundary(let b):
                    return b.trivia.leading + (b.trivia.trailing.map { [$0] } ?? []) + b.closingComments + of(b.items)
                case .flow(let f):
                    return f.trivia.leading + (f.trivia.trailing.map { [$0] } ?? []) + f.closingComments
                        + f.attributes.flatMap { $0.trivia.leading + ($0.trivia.trailing.map { [$0] } ?? []) }
                case .tracking(let t): return t.trivia.leading + (t.trivia.trailing.map { [$0] } ?? [])
                case .include(let i): return i.trivia.leading + (i.trivia.trailing.map { [$0] } ?? [])
                case .attribute(let a): return a.trivia.leading + (a.trivia.trailing.map { [$0] } ?? [])
                }
            }
        }
        return of(document.statements) + document.trailingComments
    }
}

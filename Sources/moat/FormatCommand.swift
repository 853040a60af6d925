import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore

/// `moat fmt FILE… [--check]`: rewrites models in canonical layout, keeping comments.
struct FormatCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Rewrite .moat files in canonical layout (comments are kept).",
        discussion: """
            Formatting is idempotent. With --check nothing is written: each file that would change is \
            listed with a unified diff of the changes, and the exit code is 1. Files with syntax errors \
            are left untouched (exit 2). A FILE of '-' reads standard input and writes the formatted \
            model to standard output.

            Example:
              moat fmt --check Samples/*.moat
            """
    )

    @Argument(help: ArgumentHelp("Moat files to format ('-' for standard input).", valueName: "FILE"),
              completion: .file(extensions: ["moat"]))
    var files: [String]

    @Flag(help: "Only check: list files whose layout differs, with a diff, and exit 1 if any.")
    var check = false

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input ('-') can be read once") }
    }

    func run() throws {
        let catalogue = try catalogueOptions.load(rules: false)
        let formatter = MoatFormatter(vocabulary: catalogue.vocabulary)
        let input = ModelInput(stdinNotation: .moat)
        var invalid = false, unformatted = false
        for argument in files {
            let path = input.path(argument)
            do {
                guard DocumentReader.notation(forPath: path) == .moat else {
                    throw CommandError.invalidInput("'\(path)': fmt formats .moat files; use 'moat convert \(path) --to moat'")
                }
                let file: SourceFile
                switch input.file(argument) {
                case .failure(let d): throw CommandError.invalid([d])
                case .success(let f): file = f
                }
                let (document, diagnostics) = NotAModel.screen(Parser.parseCollecting(file))
                if diagnostics.hasErrors { throw CommandError.invalid(diagnostics.sorted.filter { $0.severity == .error }) }
                let formatted = formatter.format(document)
                if let problem = Self.verify(original: document, formatted: formatted, path: path, catalogue: catalogue) {
                    throw CommandError.invalidInput("'\(path)': \(problem); the file was left unchanged")
                }
                let current = String(decoding: file.bytes, as: UTF8.self)
                if argument == "-" && !check {
                    Console.out(formatted)
                    continue
                }
                if formatted == current { continue }
                unformatted = true
                if check {
                    Console.out("\(TerminalText.sanitize(path)): needs formatting\n"
                                + UnifiedDiff.diff(current, formatted, oldName: path, newName: path + " (formatted)",
                                                   colour: Console.colour.standardOutput))
                } else {
                    try Console.write(formatted, to: path)
                    Console.out("\(TerminalText.sanitize(path)): formatted\n")
                }
            } catch let error as CommandError {
                Console.report(error)
                invalid = true
            }
        }
        if invalid { throw CommandError.alreadyReported }
        if check && unformatted { throw CommandError.findings }
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

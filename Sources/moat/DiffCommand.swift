import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatReports

/// `moat diff OLD NEW` and `moat diff FILE --rev A..B`: what a change does to the model and its threats.
struct DiffCommand: ParsableCommand, ColourOutput, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions of a model: the threats a change adds, resolves or changes.",
        discussion: """
            Prints the semantic model diff (elements, flows, boundaries, data assets \
            and tracking entries added, removed or changed, attribute by attribute) \
            and the findings delta by finding id: new, resolved, and changed in \
            severity or status. A new threat is a finding that is open now (gap or \
            roadmap) and was not before: a new finding, or one that was mitigated \
            or accepted and is open again. --fail-on-new exits 1 when a new threat \
            reaches the given severity.

            With --rev, FILE is read from git, and so are the files it includes:
            A..B compares revision A with B, A...B the merge base of A and B with \
            B, and A alone compares A with the working tree. Either file may be \
            '-' (standard input).

            Example:
              moat diff shop.moat --rev origin/main...HEAD --format markdown
              moat diff old.moat new.moat --fail-on-new high
            """
    )

    @Argument(help: ArgumentHelp("OLD and NEW model files; with --rev, one FILE.", valueName: "FILE"), completion: Completions.modelFile)
    var files: [String] = []

    @Option(help: ArgumentHelp("Compare FILE at git revisions: A..B, A...B (from the merge base), or A (against the working tree).",
                               valueName: "A..B"))
    var rev: String?

    @Option(help: "Output format: text, markdown or json.")
    var format: Format = .text

    @Option(name: .customLong("fail-on-new"),
            help: ArgumentHelp("Exit 1 when a new open threat is at least this severe: low, medium, high or critical.",
                               valueName: "SEVERITY"))
    var failOnNew: Severity?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "OUT"))
    var output: String?

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json
    }

    func validate() throws {
        if let rev {
            guard files.count == 1 else {
                throw ValidationError("with --rev, give one FILE (the model's path in the working tree), not \(files.count)")
            }
            if rev.isEmpty || rev.hasPrefix("-") || rev.contains(":") {
                throw ValidationError("--rev takes A..B, A...B or A, where A and B are git revisions; not '\(rev)'")
            }
            if files[0] == "-" { throw ValidationError("with --rev, FILE is read from git; it cannot be standard input ('-')") }
        } else if files.count != 2 {
            throw ValidationError("give OLD and NEW model files, or one FILE with --rev A..B")
        } else if files == ["-", "-"] {
            throw ValidationError("standard input ('-') can be read once")
        }
    }

    func run() throws {
        let catalogue = try analysisArguments.catalogue()
        let (old, new) = try sides()
        let oldAnalysis = try analyze(old, catalogue: catalogue)
        let newAnalysis = try analyze(new, catalogue: catalogue)
        let report = DiffReport(old: .init(label: old.label, analysis: oldAnalysis),
                                new: .init(label: new.label, analysis: newAnalysis))
        let text: String
        switch format {
        case .text: text = DiffTextWriter().write(report)
        case .markdown: text = DiffMarkdownWriter().write(report)
        case .json: text = DiffJSONWriter().write(report)
        }
        try Console.write(text, to: output, replacing: .regenerable)
        if let failOnNew {
            // A lower declared level defers gaps without fixing them: it gates like the worst gap it defers.
            if let lowered = report.loweredLevel, let worst = lowered.severity, worst >= failOnNew {
                Console.err("moat diff: \(lowered.summary)\n")
                throw CommandError.findings
            }
            let gating = report.findings.opened(atLeast: failOnNew)
            if !gating.isEmpty {
                let ids = gating.prefix(10).map { "\(TerminalText.pasteableID($0.id)) (\($0.severity.rawValue))" }.joined(separator: ", ")
                Console.err("moat diff: \(gating.count) new open threat\(gating.count == 1 ? "" : "s") at or above \(failOnNew.rawValue): "
                    + TerminalText.sanitize(ids) + (gating.count > 10 ? ", …" : "") + "\n")
                throw CommandError.findings
            }
        }
    }

    /// One version of the model: where to read it and how to name it.
    struct Side {
        var path: String
        var label: String
        var loader: SourceLoader
    }

    /// The two versions to compare, from two paths or from git revisions.
    func sides() throws -> (Side, Side) {
        guard let rev else {
            let input = self.input.reader
            return (Side(path: input.path(files[0]), label: input.path(files[0]), loader: input.sourceLoader()),
                    Side(path: input.path(files[1]), label: input.path(files[1]), loader: input.sourceLoader()))
        }
        let file = files[0]
        let repo = try GitRepository(containing: file)
        func side(_ revision: String, label: String? = nil) throws -> Side {
            let commit = try repo.commit(revision)
            guard let relative = repo.relativePath(file) else {
                throw CommandError.invalidInput("'\(file)' is outside the git repository at '\(repo.root)'")
            }
            guard try repo.exists(commit: commit, path: relative) else {
                throw CommandError.invalidInput("'\(relative)' does not exist at revision '\(revision)'")
            }
            return Side(path: file, label: "\(file) at \(label ?? revision)",
                        loader: SourceLoader(readBytes: repo.reader(commit: commit, revision: revision)))
        }
        if let range = rev.range(of: "...") {
            let a = String(rev[..<range.lowerBound]), b = String(rev[range.upperBound...])
            let (from, to) = (a.isEmpty ? "HEAD" : a, b.isEmpty ? "HEAD" : b)
            let base = try repo.mergeBase(from, to)
            return (try side(base, label: "merge base of \(from) and \(to)"), try side(to))
        }
        if let range = rev.range(of: "..") {
            let a = String(rev[..<range.lowerBound]), b = String(rev[range.upperBound...])
            return (try side(a.isEmpty ? "HEAD" : a), try side(b.isEmpty ? "HEAD" : b))
        }
        return (try side(rev), Side(path: file, label: "\(file) (working tree)", loader: SourceLoader()))
    }

    /// Loads and analyses one side; its diagnostics are printed only when it does not load (exit 2).
    func analyze(_ side: Side, catalogue: Catalogue) throws -> Analysis {
        let result = analysisArguments.catalogueOptions.modelLoader(catalogue, sourceLoader: side.loader).load(path: side.path)
        guard let model = result.model, !result.hasErrors else {
            throw CommandError("\(side.label) does not load", diagnostics: result.diagnostics)
        }
        return Analyzer(catalogue: catalogue).analyze(model, options: analysisArguments.options)
    }
}

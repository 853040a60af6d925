import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatReports

/// `moat diff OLD NEW` and `moat diff FILE --rev A..B`: what a change does to the model and its threats.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions of a model: the threats a change adds, resolves or changes.",
        discussion: """
            Prints the semantic model diff (elements, flows, boundaries, data assets
            and tracking entries added, removed or changed, attribute by attribute)
            and the findings delta by finding id: new, resolved, and changed in
            severity or status. A new threat is a finding that is open now (gap or
            roadmap) and was not before: a new finding, or one that was mitigated
            or accepted and is open again. --fail-on-new exits 1 when a new threat
            reaches the given severity.

            With --rev, FILE is read from git, and so are the files it includes:
            A..B compares revision A with B, A...B the merge base of A and B with
            B, and A alone compares A with the working tree.

            Example:
              moat diff shop.moat --rev origin/main...HEAD --format markdown
              moat diff old.moat new.moat --fail-on-new high
            """
    )

    @Argument(help: ArgumentHelp("OLD and NEW model files; with --rev, one FILE.", valueName: "FILE"))
    var files: [String] = []

    @Option(help: ArgumentHelp("Compare FILE at git revisions: A..B, A...B (from the merge base), or A (against the working tree).",
                               valueName: "A..B"))
    var rev: String?

    @Option(help: "Output format: text, markdown or json.")
    var format: Format = .text

    @Option(name: .customLong("fail-on-new"),
            help: ArgumentHelp("Exit 1 when a new open threat is at least this severe: low, medium, high or critical.",
                               valueName: "SEVERITY"))
    var failOnNew: Threshold?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of standard output.", valueName: "OUT"))
    var output: String?

    @OptionGroup var analysisArguments: AnalysisArguments

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, json
    }

    enum Threshold: String, ExpressibleByArgument, CaseIterable {
        case low, medium, high, critical
        var severity: Severity { Severity(rawValue: rawValue)! }
    }

    func validate() throws {
        if let rev {
            guard files.count == 1 else {
                throw ValidationError("with --rev, give one FILE (the model's path in the working tree), not \(files.count)")
            }
            if rev.isEmpty || rev.hasPrefix("-") || rev.contains(":") {
                throw ValidationError("--rev takes A..B, A...B or A, where A and B are git revisions; not '\(rev)'")
            }
        } else if files.count != 2 {
            throw ValidationError("give OLD and NEW model files, or one FILE with --rev A..B")
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
        try Console.write(text, to: output)
        if let failOnNew {
            let gating = report.findings.opened(atLeast: failOnNew.severity)
            if !gating.isEmpty {
                let ids = gating.prefix(10).map { "\($0.id) (\($0.severity.rawValue))" }.joined(separator: ", ")
                Console.err("moat diff: \(gating.count) new open threat\(gating.count == 1 ? "" : "s") at or above \(failOnNew.rawValue): "
                    + DiffTextWriter.terminalSafe(ids) + (gating.count > 10 ? ", …" : "") + "\n")
                throw ExitStatus.findings.exitCode
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
            return (Side(path: files[0], label: files[0], loader: SourceLoader()),
                    Side(path: files[1], label: files[1], loader: SourceLoader()))
        }
        let file = files[0]
        let repo = try GitRepository(containing: file)
        func side(_ revision: String, label: String? = nil) throws -> Side {
            let commit = try repo.commit(revision)
            guard let relative = repo.relativePath(file) else {
                Console.err("moat: error: '\(file)' is outside the git repository at '\(repo.root)'\n")
                throw ExitStatus.invalidInput.exitCode
            }
            guard try repo.exists(commit: commit, path: relative) else {
                Console.err("moat: error: '\(relative)' does not exist at revision '\(revision)'\n")
                throw ExitStatus.invalidInput.exitCode
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
            Console.report(result.diagnostics)
            Console.err("moat: error: \(side.label) does not load\n")
            throw ExitStatus.invalidInput.exitCode
        }
        return Analyzer(catalogue: catalogue).analyze(model, options: analysisArguments.options)
    }
}

/// A git work tree, read with the `git` command: revisions, and files as they were at a commit.
struct GitRepository: Sendable {
    /// The top-level folder as reached from the paths the user gave (symbolic links not resolved),
    /// so that a model's include paths map onto repository paths.
    let root: String

    /// Finds the repository holding `file` (which need not exist in the work tree). Exits 2 outside a repository.
    init(containing file: String) throws {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        var probe = (absolute as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        while !(FileManager.default.fileExists(atPath: probe, isDirectory: &isDirectory) && isDirectory.boolValue) && probe != "/" {
            probe = (probe as NSString).deletingLastPathComponent
        }
        let result = try Self.git(["-C", probe, "rev-parse", "--show-prefix"])
        guard result.status == 0 else {
            Console.err("moat: error: '\(file)' is not in a git repository; --rev needs one\n")
            throw ExitStatus.invalidInput.exitCode
        }
        let prefix = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .newlines)
        var root = probe
        for _ in prefix.split(separator: "/") { root = (root as NSString).deletingLastPathComponent }
        self.root = root
    }

    /// The path of `path` (absolute, or relative to the current folder) inside the repository, or nil when outside it.
    func relativePath(_ path: String) -> String? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let top = root.hasSuffix("/") ? root : root + "/"
        guard absolute.hasPrefix(top) else { return nil }
        return String(absolute.dropFirst(top.count))
    }

    /// The commit a revision names; exits 2 when there is none.
    func commit(_ revision: String) throws -> String {
        let result = try Self.git(["-C", root, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"])
        let sha = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !sha.isEmpty else {
            Console.err("moat: error: unknown revision '\(revision)' in the git repository at '\(root)'\n")
            throw ExitStatus.invalidInput.exitCode
        }
        return sha
    }

    func mergeBase(_ a: String, _ b: String) throws -> String {
        let (ca, cb) = (try commit(a), try commit(b))
        let result = try Self.git(["-C", root, "merge-base", ca, cb])
        let sha = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !sha.isEmpty else {
            Console.err("moat: error: revisions '\(a)' and '\(b)' have no common ancestor\n")
            throw ExitStatus.invalidInput.exitCode
        }
        return sha
    }

    /// True when `path` is a file at `commit`.
    func exists(commit: String, path: String) throws -> Bool {
        let result = try Self.git(["-C", root, "cat-file", "-t", "\(commit):\(path)"])
        return result.status == 0 && String(decoding: result.output, as: UTF8.self).hasPrefix("blob")
    }

    /// Why a file could not be read at a revision; the message follows the file's path in a diagnostic.
    struct MissingAtRevision: LocalizedError {
        var revision: String
        var errorDescription: String? { "does not exist at revision '\(revision)'" }
    }

    /// A `SourceLoader` reader that reads every path (the model and its includes) as of `commit`.
    func reader(commit: String, revision: String) -> @Sendable (String) throws -> [UInt8] {
        let repository = self
        return { path in
            guard let relative = repository.relativePath(path) else { throw MissingAtRevision(revision: revision) }
            let spec = "\(commit):\(relative)"
            let size = try Self.git(["-C", repository.root, "cat-file", "-s", spec])
            guard size.status == 0, try repository.exists(commit: commit, path: relative) else {
                throw MissingAtRevision(revision: revision)
            }
            if let n = Int(String(decoding: size.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
               n > SourceLoader.maximumSize {
                throw SourceLoader.LoadError.tooLarge(n)
            }
            let blob = try Self.git(["-C", repository.root, "cat-file", "blob", spec])
            guard blob.status == 0 else { throw SourceLoader.LoadError.unreadable }
            return [UInt8](blob.output)
        }
    }

    /// Runs `git` with arguments; exits 3 when git cannot be started.
    static func git(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            Console.err("moat: error: cannot run git: \(error.localizedDescription)\n")
            throw ExitStatus.environment.exitCode
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            Console.err("moat: error: git is not installed; --rev needs it\n")
            throw ExitStatus.environment.exitCode
        }
        return (process.terminationStatus, data)
    }
}

import Foundation
import TestSupport
import Testing

// These tests run the built `moat` binary (and `moat-fuzz`, FuzzCorpusReplayTests) as a separate
// process. `swift build --build-tests` builds them next to the test bundle (`.build/<config>/moat`);
// `swift test` alone builds them too, because it builds every product of the package.

/// The result of one run of `moat`.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
    /// True when the process ended by a signal (a crash) instead of exiting.
    var crashed: Bool
    /// True when the process overran its time limit and was killed (then `crashed` is true as well).
    var timedOut = false
}

struct MoatBinaryMissing: Error, CustomStringConvertible {
    var name = "moat"
    var description: String { "the \(name) binary was not found next to the test bundle" }
}

/// An executable of this package, found in the build products folder beside the test bundle.
enum BuiltBinary {
    /// Candidate locations of the executable `name`, best first.
    static func candidates(_ name: String) -> [URL] {
        var dirs: [URL] = []
        // The test bundle / runner lives in the build products folder, beside `moat`.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        dirs.append(Bundle.main.bundleURL)
        // Fall back to the package's build folders, found from this file's path.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for scratch in [".build-tests", ".build"] {
            for config in ["debug", "release"] {
                dirs.append(root.appendingPathComponent(scratch).appendingPathComponent(config))
            }
        }
        return dirs.map { $0.appendingPathComponent(name) }
    }

    static func url(_ name: String) -> URL? {
        candidates(name).first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

enum MoatBinary {
    /// Candidate locations of the binary, best first.
    static var candidates: [URL] { BuiltBinary.candidates("moat") }

    static let url: URL? = BuiltBinary.url("moat")
}

/// The package root (for Samples/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs `moat` with arguments in a directory and waits for it (at most 60 s).
func moat(_ arguments: [String], in directory: URL? = nil,
          sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Run {
    try runBuilt("moat", arguments, in: directory, sourceLocation: sourceLocation)
}

/// Runs the package's executable `name` (`moat`, `moat-fuzz`) with arguments in a directory, with extra
/// environment variables, and waits for it. After `timeLimit` seconds it records an issue and kills it
/// (SIGTERM, then SIGKILL 5 s later).
func runBuilt(_ name: String, _ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:],
              timeLimit: Double = 60, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Run {
    guard let binary = BuiltBinary.url(name) else {
        Issue.record("""
            the \(name) binary was not found; build it first (swift build --build-tests). Looked in:
            \(BuiltBinary.candidates(name).map(\.path).joined(separator: "\n"))
            """, sourceLocation: sourceLocation)
        throw MoatBinaryMissing(name: name)
    }
    var environment = extra
    environment["COLUMNS"] = environment["COLUMNS"] ?? "200"
    let outcome = try runProcess(binary, arguments, in: directory, environment: environment, timeLimit: timeLimit)
    if outcome.timedOut {
        Issue.record("\(name) \(arguments.joined(separator: " ")) did not finish within \(Int(timeLimit)) s", sourceLocation: sourceLocation)
    }
    return Run(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr, crashed: outcome.crashed,
               timedOut: outcome.timedOut)
}

/// A fresh temporary directory, removed by `cleanup()`.
struct TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let u = file(name)
        try Data(text.utf8).write(to: u)
        return u.path
    }
    func read(_ name: String) throws -> String { try String(contentsOf: file(name), encoding: .utf8) }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

private let sample = packageRoot.appendingPathComponent("Samples/online-shop.moat").path

private let unformatted = """
    model "Tiny"{owner "me"}
    actor a "A"  # the user
    process   b {tech go;validates-input}
    a->b "Use" {protocol https}
    """

private let formattedTiny = """
    model "Tiny" {
      owner "me"
    }

    actor a "A"  # the user
    process b { tech go; validates-input }

    a -> b "Use" { protocol https }

    """

@Suite("moat CLI", .serialized)
struct CLITests {
    @Test func binaryIsBuilt() {
        #expect(MoatBinary.url != nil, "looked in \(MoatBinary.candidates.map(\.path))")
    }

    // MARK: validate

    @Test func validateCleanSample() throws {
        let run = try moat(["validate", sample])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(sample): ok"))
        #expect(run.stdout.contains("elements"))
        #expect(!run.crashed)
    }

    @Test func validateEverySample() throws {
        let samples = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Samples").path)
            .filter { $0.hasSuffix(".moat") }.sorted()
        #expect(samples.count >= 7)
        let run = try moat(["validate"] + samples.map { "Samples/" + $0 }, in: packageRoot)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.components(separatedBy: ": ok").count - 1 == samples.count, "\(run.stdout)")
    }

    @Test func validateFileWithErrors() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("bad.moat", """
            actor customer
            process web
            proces api
            customer -> web { protocol htttps }
            """)
        let run = try moat(["validate", "bad.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("""
            bad.moat:3:1: error: unknown keyword 'proces'; did you mean 'process'?
             3 | proces api
               | ^~~~~~

            """))
        #expect(run.stderr.contains("""
            bad.moat:4:28: error: 'htttps' is not a value of 'protocol'; did you mean 'https'?
             4 | customer -> web { protocol htttps }
               |                            ^~~~~~

            """))
        #expect(run.stderr.contains("bad.moat: 2 errors"))
        #expect(!run.stdout.contains("ok"))
    }

    @Test func errorColumnsAreCharactersInTheRenderedOutput() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("u.moat", "actor a \"Ünïcødé\" { type usr }\n")
        let run = try moat(["validate", "u.moat"], in: dir.url)
        #expect(run.status == 2)
        // 'usr' is at byte column 30 but character column 26.
        #expect(run.stderr.contains("u.moat:1:26: error: 'usr' is not a value of 'type'; did you mean 'user'?"), "\(run.stderr)")
        #expect(run.stderr.contains("   | " + String(repeating: " ", count: 25) + "^~~\n"), "\(run.stderr)")
    }

    @Test func validateWithWarningsOnly() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("warn.moat", "actor a\nprocess b\nprocess lonely\na -> b\nb -> a\n")
        let run = try moat(["validate", "warn.moat"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warn.moat:3:9: warning: process 'lonely' has no flows"))
        #expect(run.stdout.contains("warn.moat: ok — 3 elements, 2 flows, 0 boundaries, 0 data assets, 1 warning"))
    }

    @Test func validateMissingFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["validate", "nope.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("moat: error: 'nope.moat': no such file"))
    }

    @Test func validateBinaryFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]).write(to: dir.file("a.out.moat"))
        let run = try moat(["validate", "a.out.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("error: file contains a NUL byte"))
        #expect(!run.crashed)
    }

    @Test func unknownFlagIsAUsageError() throws {
        let run = try moat(["validate", "--bogus", sample])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--bogus"))
        #expect(run.stderr.contains("Usage"))
    }

    @Test func missingArgumentIsAUsageError() throws {
        let run = try moat(["convert", sample])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--to"))
    }

    @Test func unknownSubcommandIsAUsageError() throws {
        let run = try moat(["anlyze", sample])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("moat: error: unknown command 'moat anlyze'; did you mean 'analyze'?\n"), "\(run.stderr)")
    }

    // MARK: fmt

    @Test func fmtCheckRewriteAndCheckAgain() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("tiny.moat", unformatted)
        let check = try moat(["fmt", "--check", "tiny.moat"], in: dir.url)
        #expect(check.status == 1)
        #expect(check.stdout.contains("tiny.moat: needs formatting"))
        #expect(try dir.read("tiny.moat") == unformatted, "--check must not write")

        let rewrite = try moat(["fmt", "tiny.moat"], in: dir.url)
        #expect(rewrite.status == 0, "\(rewrite.stderr)")
        #expect(rewrite.stdout.contains("tiny.moat: formatted"))
        #expect(try dir.read("tiny.moat") == formattedTiny)

        let again = try moat(["fmt", "--check", "tiny.moat"], in: dir.url)
        #expect(again.status == 0)
        #expect(again.stdout.isEmpty)
        // Formatting a formatted file changes nothing.
        let noop = try moat(["fmt", "tiny.moat"], in: dir.url)
        #expect(noop.status == 0)
        #expect(try dir.read("tiny.moat") == formattedTiny)
    }

    @Test func fmtCheckOnSamples() throws {
        let samples = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Samples").path)
            .filter { $0.hasSuffix(".moat") }.sorted().map { "Samples/" + $0 }
        let run = try moat(["fmt", "--check"] + samples, in: packageRoot)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    }

    @Test func fmtNeverWritesAFileWithSyntaxErrors() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broken = "actor   a\nproces b\n"
        try dir.write("broken.moat", broken)
        let run = try moat(["fmt", "broken.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("broken.moat:2:1: error: unknown keyword 'proces'"))
        #expect(try dir.read("broken.moat") == broken)
    }

    @Test func fmtFormatsFilesWithSemanticErrors() throws {
        // fmt is about layout: an unknown attribute is not a reason to refuse.
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("sem.moat", "actor a {bogus}\n")
        let run = try moat(["fmt", "sem.moat"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try dir.read("sem.moat") == "actor a { bogus }\n")
    }

    @Test func fmtRefusesYAML() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("m.yaml", "elements: []\n")
        let run = try moat(["fmt", "m.yaml"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("fmt formats .moat files"))
        #expect(try dir.read("m.yaml") == "elements: []\n")
    }

    @Test func fmtContinuesPastABadFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("bad.moat", "proces x\n")
        try dir.write("good.moat", unformatted)
        let run = try moat(["fmt", "bad.moat", "good.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(try dir.read("good.moat") == formattedTiny)
        #expect(try dir.read("bad.moat") == "proces x\n")
    }

    // MARK: convert

    @Test func convertToYAMLAndBack() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let toYAML = try moat(["convert", sample, "--to", "yaml", "-o", dir.file("shop.yaml").path])
        #expect(toYAML.status == 0, "\(toYAML.stderr)")
        let yaml = try dir.read("shop.yaml")
        #expect(yaml.hasPrefix("model:\n  name: Online shop\n"))
        #expect(yaml.contains("boundaries:"))
        let validate = try moat(["validate", "shop.yaml"], in: dir.url)
        #expect(validate.status == 0, "\(validate.stderr)")

        let back = try moat(["convert", "shop.yaml", "--to", "moat"], in: dir.url)
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.hasPrefix("model \"Online shop\" {\n"))
        try dir.write("back.moat", back.stdout)
        let graphs = try ["shop.yaml", "back.moat"].map { try moat(["graph", $0, "--format", "json"], in: dir.url) }
        let original = try moat(["graph", sample, "--format", "json"])
        func strip(_ s: String) -> String {
            // Positions differ between files; compare everything else.
            s.components(separatedBy: "\n").filter { !$0.contains("\"file\":") && !$0.contains("\"line\":") }
                .map { $0.hasSuffix(",") ? String($0.dropLast()) : $0 }.joined(separator: "\n")
        }
        #expect(strip(graphs[0].stdout) == strip(original.stdout))
        #expect(strip(graphs[1].stdout) == strip(original.stdout))
    }

    @Test func convertToJSON() throws {
        let run = try moat(["convert", sample, "--to", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect((object?["model"] as? [String: Any])?["name"] as? String == "Online shop")
        #expect((object?["flows"] as? [Any])?.count == 28)
    }

    @Test func convertToMoatKeepsComments() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("tiny.moat", unformatted)
        let run = try moat(["convert", "tiny.moat", "--to", "moat"], in: dir.url)
        #expect(run.status == 0)
        #expect(run.stdout == formattedTiny)
        #expect(try dir.read("tiny.moat") == unformatted)
    }

    @Test func convertRefusesAnInvalidModel() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("bad.moat", "actor a\na -> b\n")
        let run = try moat(["convert", "bad.moat", "--to", "json", "-o", "out.json"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.moat:2:6: error: unknown element 'b'"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out.json").path))
    }

    @Test func convertRejectsAnUnknownNotation() throws {
        let run = try moat(["convert", sample, "--to", "xml"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("xml"))
    }

    // MARK: graph

    @Test func graphJSONHasTheExpectedCounts() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("g.moat", """
            data card
            boundary internet { trust untrusted; actor user }
            boundary core { trust restricted; process api; datastore db { stores card } }
            user -> api { carries card }
            api <-> db { carries card }
            accept x@api "why"
            """)
        let run = try moat(["graph", "g.moat", "--format", "json"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let elements = try #require(object["elements"] as? [[String: Any]])
        #expect(elements.count == 3)
        #expect((object["boundaries"] as? [Any])?.count == 2)
        #expect((object["flows"] as? [Any])?.count == 2)
        #expect((object["data"] as? [Any])?.count == 1)
        #expect((object["tracking"] as? [Any])?.count == 1)
        let api = try #require(elements.first { $0["id"] as? String == "api" })
        #expect(api["zoneTrust"] as? String == "restricted")
        #expect(api["reachableFromUntrusted"] as? Bool == true)
        #expect(api["inbound"] as? [String] == ["user->api", "api<->db"])
        #expect(api["line"] as? Int == 3)
        let flows = try #require(object["flows"] as? [[String: Any]])
        #expect((flows[0]["crossing"] as? [String: Any])?["direction"] as? String == "inbound")
    }

    @Test func graphToAFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["graph", sample, "-o", dir.file("g.json").path])
        #expect(run.status == 0)
        #expect(run.stdout.isEmpty)
        let data = try Data(contentsOf: dir.file("g.json"))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil)
    }

    @Test func graphIsDeterministic() throws {
        let a = try moat(["graph", sample])
        let b = try moat(["graph", sample])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
    }

    // MARK: init

    @Test func initWritesAValidStarterModel() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["init", "shop"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("wrote shop.moat"))
        let text = try dir.read("shop.moat")
        #expect(text.contains("model \"shop\" {"))
        let validate = try moat(["validate", "shop.moat"], in: dir.url)
        #expect(validate.status == 0)
        #expect(validate.stderr.isEmpty, "the starter model should have no warnings: \(validate.stderr)")
        let fmt = try moat(["fmt", "--check", "shop.moat"], in: dir.url)
        #expect(fmt.status == 0)
    }

    @Test func initRefusesToOverwrite() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("shop.moat", "# mine, do not touch\n")
        let run = try moat(["init", "shop"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("'shop.moat' already exists"))
        #expect(try dir.read("shop.moat") == "# mine, do not touch\n")
    }

    @Test func initWithOutputPath() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["init", "Payments", "-o", dir.file("p.moat").path])
        #expect(run.status == 0)
        #expect(try dir.read("p.moat").contains("model \"Payments\" {"))
    }

    // MARK: version and help

    @Test func version() throws {
        let run = try moat(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test(arguments: [[], ["validate"], ["fmt"], ["convert"], ["graph"], ["init"]])
    func helpContainsAnExample(command: [String]) throws {
        let run = try moat(command + ["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Example"), "\(run.stdout)")
        #expect(run.stdout.contains("USAGE") || run.stdout.contains("Usage"))
    }

    @Test func rootHelpListsTheSubcommands() throws {
        let run = try moat(["--help"])
        for name in ["validate", "fmt", "convert", "graph", "init"] {
            #expect(run.stdout.contains(name))
        }
    }

    // MARK: no crash on hostile input

    @Test func validateTextInAnotherScriptDoesNotCrash() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        // Commas are tokens, so this Cyrillic text is lexed in short runs.
        try dir.write("prose.moat", String(repeating: "Привет мир, это не модель. ", count: 8_000))
        let run = try moat(["validate", "prose.moat"], in: dir.url)
        #expect(!run.crashed, "moat crashed on a Cyrillic text file")
        #expect(run.status == 2)
        // Not a model with mistakes: one error, with the first problem as a note.
        #expect(run.stderr.contains("prose.moat:1:1: error: 'prose.moat' does not look like a Moat model: no statement in it parses"))
        #expect(run.stderr.contains("  note: line 1: unexpected character 'П'"))
    }

    /// A 150 kB Chinese text has no ASCII at all: not one token for the lexer.
    @Test func validateTextWithoutAnyTokenDoesNotCrash() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("notes.moat", String(repeating: "这不是一个威胁模型。", count: 5_000) + "\n")
        let run = try moat(["validate", "notes.moat"], in: dir.url)
        #expect(!run.crashed, "moat crashed (signal \(run.status)) on a Chinese text file")
        #expect(run.status == 2)
        #expect(run.stderr.contains("notes.moat:1:1: error: 'notes.moat' does not look like a Moat model: no statement in it parses"))
        #expect(run.stderr.contains("  note: line 1: unexpected character '这'"))
    }

    @Test func validateOneMegabyteOfPunctuationDoesNotCrash() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("dollars.moat", String(repeating: "$", count: 1 << 20))
        let run = try moat(["validate", "dollars.moat"], in: dir.url)
        #expect(!run.crashed, "moat crashed (signal \(run.status)) on a line of 1 MB of '$'")
        #expect(run.status == 2)
    }

    @Test func validateReportsHowManyErrorsWereNotShown() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("many.moat", (0..<250).map { "actor a\($0) %\n" }.joined())
        let run = try moat(["validate", "many.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("moat: error: too many errors; 150 more not shown"), "\(run.stderr.suffix(300))")
        #expect(run.stderr.hasSuffix("many.moat: 250 errors\n"), "\(run.stderr.suffix(300))")
    }

    @Test func validateDeeplyNestedJSONDoesNotCrash() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("deep.json", "{\"boundaries\": " + String(repeating: "[", count: 100_000)
                        + String(repeating: "]", count: 100_000) + "}")
        let run = try moat(["validate", "deep.json"], in: dir.url)
        #expect(!run.crashed, "moat crashed on deeply nested JSON")
        #expect(run.status == 2)
    }

    @Test func outputReplacesAFileAtomicallyKeepingItsMode() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let out = try dir.write("out.json", "old")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: out)
        let run = try moat(["analyze", sample, "--format", "json", "-o", "out.json"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try dir.read("out.json").hasPrefix("{\n  \"model\""))
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Nothing is left behind: the temporary file was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["out.json"])
    }

    @Test func outputThroughASymbolicLinkWritesItsTargetAndKeepsTheLink() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("target.md", "old")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.md").path, withDestinationPath: "target.md")
        let run = try moat(["analyze", sample, "--format", "markdown", "-o", "link.md"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("link.md").path) == "target.md")
        let printed = try moat(["analyze", sample, "--format", "markdown"], in: dir.url)
        #expect(try dir.read("target.md") == printed.stdout)
    }

    @Test func outputToAFolderThatDoesNotExistIsAnErrorWithExitTwo() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let run = try moat(["analyze", sample, "--format", "json", "-o", "missing/out.json"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.contains("moat: error: cannot write 'missing/out.json': No such file or directory"), "\(run.stderr)")
    }

    @Test(.timeLimit(.minutes(1))) func outputToANamedPipeIsWrittenInPlace() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let pipePath = dir.file("pipe").path
        #expect(mkfifo(pipePath, 0o600) == 0)
        // A reader on the other end, as a shell's `<(…)` would be; opening for reading waits for the writer.
        nonisolated(unsafe) var received = Data()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if let handle = FileHandle(forReadingAtPath: pipePath) { received = readToEnd(handle) }
            done.signal()
        }
        let run = try moat(["analyze", sample, "--format", "csv", "-o", "pipe"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        done.wait()
        #expect(String(decoding: received, as: UTF8.self).hasPrefix("\"id\",\"rule\","), "\(received.count) bytes")
        // Still a pipe: not replaced by a regular file.
        var status = stat()
        #expect(lstat(pipePath, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO)
    }
}

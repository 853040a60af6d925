import Foundation
import MoatCommandSupport
import TestSupport
import Testing

// The command line's conventions (issues 12, 17 and 19): one error format, library values as arguments,
// discoverability (`moat vocabulary`, `rules list` filters, completions), colour, `-` for standard input and
// output, shell-safe finding ids, one error for a file that is not a model, `fmt --check` diffs, terminal
// safety of rule text, SARIF for models that do not load, and the temporaries of killed writers.

private let sample = packageRoot.appendingPathComponent("Samples/online-shop.moat").path

/// Runs `moat` with `input` on its standard input (through `sh`, which redirects a file to it).
private func moat(_ arguments: [String], input: String, in directory: URL,
                  sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Run {
    let inputFile = directory.appendingPathComponent(".stdin-\(UUID().uuidString)")
    try Data(input.utf8).write(to: inputFile)
    defer { try? FileManager.default.removeItem(at: inputFile) }
    guard let binary = MoatBinary.url else { throw MoatBinaryMissing() }
    let outcome = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" \"$@\" < \"$STDIN_FILE\"", binary.path] + arguments,
                                 in: directory, environment: ["STDIN_FILE": inputFile.path, "COLUMNS": "200"])
    return Run(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr, crashed: outcome.crashed)
}

/// Runs `moat` on a pseudo-terminal (util-linux `script`), so that it sees a terminal on both outputs.
private func moatOnTerminal(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
    guard let binary = MoatBinary.url else { throw MoatBinaryMissing() }
    let command = ([binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    var env = environment
    env["TERM"] = env["TERM"] ?? "xterm"
    // `swift test` runs the tests with NO_COLOR set; the terminal run has it only when the test says so.
    let unset = environment["NO_COLOR"] == nil ? ["-u", "NO_COLOR"] : []
    let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), unset + ["script", "-qec", command, "/dev/null"], environment: env)
    return outcome.stdout
}

private func countOf(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite("CLI conventions", .serialized)
struct ConventionsTests {
    // MARK: A. errors are values, in one format

    @Test("usage errors from argument-parser look like Moat's own: moat: error: …, exit 2, help hint kept")
    func usageErrorFormat() throws {
        let missing = try moat(["analyze"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("moat: error: missing expected argument '<FILE>'\n"), "\(missing.stderr)")
        #expect(missing.stderr.contains("  See 'moat analyze --help' for more information.\n"))
        let badValue = try moat(["analyze", sample, "--format", "xml"])
        #expect(badValue.status == 2)
        #expect(badValue.stderr.hasPrefix("moat: error: the value 'xml' is invalid for '--format <format>'."), "\(badValue.stderr)")
        let validation = try moat(["analyze", sample, "--level", "9"])
        #expect(validation.stderr.hasPrefix("moat: error: --level must be from 1 to 5, not 9\nUsage: moat analyze"), "\(validation.stderr)")
        let unknownOption = try moat(["validate", "--bogus", sample])
        #expect(unknownOption.stderr.hasPrefix("moat: error: unknown option '--bogus'\n"), "\(unknownOption.stderr)")
        for run in [missing, badValue, validation, unknownOption] {
            #expect(!run.stderr.contains("Error:"), "argument-parser's own prefix: \(run.stderr)")
        }
    }

    @Test("an unknown command, at any depth, is one error with a did-you-mean hint")
    func unknownCommand() throws {
        let top = try moat(["anlyze", sample])
        #expect(top.status == 2)
        #expect(top.stderr == """
            moat: error: unknown command 'moat anlyze'; did you mean 'analyze'?
              note: the commands are: validate, analyze, explain, diagram, report, check, diff, rules, vocabulary, fmt, convert, graph, init, schema, import, export, watch, lsp, mcp; see 'moat --help'

            """, "\(top.stderr)")
        let nested = try moat(["rules", "lst"])
        #expect(nested.status == 2)
        #expect(nested.stderr.hasPrefix("moat: error: unknown command 'moat rules lst'; did you mean 'list'?\n"), "\(nested.stderr)")
    }

    @Test("a command error is printed once, as moat: error: with its notes, and sets the exit status")
    func commandErrorsPrintOnce() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("shop.moat", "# mine\n")
        let cases: [([String], Int32, String)] = [
            (["init", "shop"], 2, "moat: error: 'shop.moat' already exists; it was left unchanged\n"),
            (["rules", "show", "sql-injektion"], 2,
             "moat: error: unknown rule 'sql-injektion'; did you mean 'sql-injection'?\n  note: 'moat rules list' lists them\n"),
            (["explain", "nope@orders-db", sample], 2, "moat: error: unknown rule 'nope'"),
            (["analyze", sample, "-o", "missing/out.txt"], 2, "moat: error: cannot write 'missing/out.txt': No such file or directory\n"),
            (["analyze", sample, "--models", "no-such-folder"], 3,
             "moat: error: cannot load the catalogues in 'no-such-folder': '\(dir.url.path)/no-such-folder/vocabulary.yaml': no such file\n"),
            (["vocabulary", "protocl"], 2,
             "moat: error: unknown attribute 'protocl'; did you mean 'protocol'?\n  note: 'moat vocabulary' lists them\n"),
        ]
        for (arguments, status, message) in cases {
            let run = try moat(arguments, in: dir.url)
            #expect(run.status == status, "\(arguments): \(run.stderr)")
            #expect(run.stderr.hasPrefix(message), "\(arguments): \(run.stderr)")
            #expect(countOf("moat: error:", in: run.stderr) == 1, "\(arguments): \(run.stderr)")
            #expect(!run.crashed)
        }
    }

    @Test("--as-of takes real dates only: 2026-13-99 and 2023-02-29 are usage errors, 2024-02-29 is a date")
    func asOfDates() throws {
        for bad in ["2026-13-99", "2023-02-29", "2026-1-01", "tomorrow"] {
            let run = try moat(["analyze", sample, "--as-of", bad])
            #expect(run.status == 2, "\(bad)")
            #expect(run.stderr.hasPrefix("moat: error: --as-of must be a date YYYY-MM-DD, not '\(bad)'\n"), "\(run.stderr)")
        }
        #expect(try moat(["analyze", sample, "--as-of", "2024-02-29", "--format", "csv"]).status == 0)
    }

    @Test("library enums are the arguments: their values are what the parser takes and lists")
    func libraryEnumsAsArguments() throws {
        let severity = try moat(["check", sample, "--fail-on", "severe"])
        #expect(severity.status == 2)
        #expect(severity.stderr.contains("Please provide one of 'low', 'medium', 'high' or 'critical'."), "\(severity.stderr)")
        let layout = try moat(["diagram", sample, "-o", "x.svg", "--layout", "neato"])
        #expect(layout.stderr.contains("Please provide one of 'dot' and 'fdp'."), "\(layout.stderr)")
        let from = try moat(["import", "x.json", "--from", "drawio"])
        #expect(from.stderr.contains("Please provide one of 'threagile', 'threat-dragon', 'otm' or 'tm-bom'."), "\(from.stderr)")
        let to = try moat(["convert", sample, "--to", "xml"])
        #expect(to.stderr.contains("Please provide one of 'moat', 'yaml' or 'json'."), "\(to.stderr)")
        let dir = try TempDir()
        defer { dir.cleanup() }
        let dot = try moat(["diagram", sample, "-o", "d.out", "--format", "dot", "--layout", "fdp"], in: dir.url)
        #expect(dot.status == 0, "\(dot.stderr)")
        #expect(try dir.read("d.out").contains("digraph"))
    }

    @Test("the git helper reports what is wrong as one error: outside a repository, unknown revision")
    func gitErrors() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("m.moat", "actor a\nprocess p\na -> p\n")
        let outside = try moat(["diff", "m.moat", "--rev", "HEAD"], in: dir.url)
        #expect(outside.status == 2)
        #expect(outside.stderr == "moat: error: 'm.moat' is not in a git repository; --rev needs one\n", "\(outside.stderr)")
    }

    // MARK: B. discoverability

    @Test("vocabulary lists every attribute with its type and where it applies")
    func vocabularyList() throws {
        let run = try moat(["vocabulary"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let protocolLine = try #require(lines.first { $0.hasPrefix("protocol ") })
        #expect(protocolLine.contains(" enum ") && protocolLine.contains(" flow ") && protocolLine.contains("Transport protocol."))
        #expect(lines.contains { $0.hasPrefix("description ") && $0.contains("everywhere") })
        let json = try moat(["vocabulary", "--format", "json"])
        let all = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(run.stdout.hasSuffix("\n\(all.count) attributes; 'moat vocabulary ATTRIBUTE' shows one with its values\n"))
        #expect(lines.count == all.count + 1)
    }

    @Test("vocabulary ATTRIBUTE: values, default, groups, aliases and doc; --format json too")
    func vocabularyDetail() throws {
        let run = try moat(["vocabulary", "protocol"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("protocol (enum)\n  on:       flow\n  values:   http, https,"), "\(run.stdout)")
        #expect(run.stdout.contains("  groups:\n    encrypted-protocol: https, "))
        #expect(run.stdout.contains("    local-protocol: usb, in-process, file\n"))
        #expect(run.stdout.contains("postgresql → postgres"))
        let trust = try moat(["vocabulary", "trust"])
        #expect(trust.stdout.contains("  ordered:  yes: rules may compare with < <= > >=, in the order above\n  default:  internal\n"))
        let json = try moat(["vocabulary", "tech", "--format", "json"])
        let tech = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(tech["name"] as? String == "tech" && tech["type"] as? String == "enum")
        #expect(tech["on"] as? [String] == ["actor", "process", "datastore"])
        #expect((tech["aliases"] as? [String: String])?["postgresql"] == "postgres")
        let groups = try #require(tech["groups"] as? [[String: Any]])
        #expect(groups.contains { $0["name"] as? String == "platform" && ($0["values"] as? [String]) == ["linux", "windows"] })
        #expect(tech["doc"] is String)
    }

    @Test("vocabulary --help, verbatim")
    func vocabularyHelp() throws {
        let run = try moat(["vocabulary", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout == """
            OVERVIEW: List the attributes a model can write, or show one with its values.

            Without ATTRIBUTE, one line per attribute: its name, type, the kinds of element it applies to and what it means. With ATTRIBUTE, all of it: the values of an enum, its default, the value groups rules
            use ('type in [client]'), other spellings it accepts, and the range of a number. --models DIR shows a vocabulary of your own.

            Example:
              moat vocabulary
              moat vocabulary protocol
              moat vocabulary --format json

            USAGE: moat vocabulary [<ATTRIBUTE>] [--format <format>] [--models <DIR>] [--project <FILE>] [--allow-include <DIR> ...] [--color <WHEN>]

            ARGUMENTS:
              <ATTRIBUTE>             An attribute to show in full.

            OPTIONS:
              --format <format>       Output format: table or json. (values: table, json; default: table)
              --models <DIR>          Use the catalogues in DIR instead of the built-in ones.
              --project <FILE>        The project file (vocabulary additions, policy floor); default: the nearest moat.yaml above the model.
              --allow-include <DIR>   Let models include files from DIR too (by default includes stay in the model's tree).
              --color <WHEN>          Colour severities and error labels: auto (on a terminal, unless NO_COLOR is set), always or never. (values: auto, always, never; default: auto)
              --version               Show the version.
              -h, --help              Show help information.


            """, "\(run.stdout)")
    }

    @Test("init's starter model points at moat vocabulary, not at a file of the source tree")
    func starterPointsAtVocabulary() throws {
        let run = try moat(["init", "-o", "-"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("# A Moat model. Syntax: docs/language.md; attributes: run `moat vocabulary`"), "\(run.stdout)")
        #expect(!run.stdout.contains("Models/vocabulary.yaml"))
    }

    @Test("rules list filters by STRIDE category (name or letter), element kind and CWE")
    func rulesListFilters() throws {
        func ids(_ arguments: [String]) throws -> [[String: Any]] {
            let run = try moat(["rules", "list", "--format", "json"] + arguments)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        }
        let all = try ids([])
        let tamperingOnFlows = try ids(["--stride", "tampering", "--applies-to", "flow"])
        #expect(!tamperingOnFlows.isEmpty && tamperingOnFlows.count < all.count)
        #expect(tamperingOnFlows.allSatisfy { ($0["stride"] as? [String])?.contains("tampering") == true
            && ($0["appliesTo"] as? [String])?.contains("flow") == true })
        #expect(try ids(["--stride", "T", "--applies-to", "flow"]).map { $0["id"] as? String } == tamperingOnFlows.map { $0["id"] as? String })
        let sql = try ids(["--cwe", "CWE-89"])
        #expect(sql.contains { $0["id"] as? String == "sql-injection" })
        #expect(sql.allSatisfy { ($0["cwe"] as? [Int])?.contains(89) == true })
        #expect(try ids(["--cwe", "89"]).count == sql.count)
        let table = try moat(["rules", "list", "--cwe", "89"])
        #expect(table.stdout.contains("\n\(sql.count) of \(all.count) rules; "), "\(table.stdout)")
        // Options that mean nothing for a listing are not accepted.
        for option in [["--level", "3"], ["--as-of", "2026-01-01"]] {
            let run = try moat(["rules", "list"] + option)
            #expect(run.status == 2)
            #expect(run.stderr.hasPrefix("moat: error: unknown option '\(option[0])'"), "\(run.stderr)")
        }
    }

    @Test("rules list --help, verbatim")
    func rulesListHelp() throws {
        let run = try moat(["rules", "list", "--help"])
        #expect(run.stdout == """
            OVERVIEW: List the rules, or those of a STRIDE category, an element kind or a CWE.

            Filters combine: a rule is listed when it matches every one given.

            Example:
              moat rules list --stride tampering --applies-to flow
              moat rules list --cwe 89 --format json

            USAGE: moat rules list [--format <format>] [--stride <CATEGORY>] [--applies-to <KIND>] [--cwe <N>] [--rules <DIR>] [--models <DIR>] [--project <FILE>] [--allow-include <DIR> ...] [--color <WHEN>]

            OPTIONS:
              --format <format>       Output format: table or json. (values: table, json; default: table)
              --stride <CATEGORY>     Only rules of this STRIDE category (spoofing, …, elevation-of-privilege, or its letter S T R I D E). (values: spoofing, tampering, repudiation, information-disclosure,
                                      denial-of-service, elevation-of-privilege)
              --applies-to <KIND>     Only rules that apply to this kind of element: actor, process, datastore, flow or boundary. (values: actor, process, datastore, flow, boundary)
              --cwe <N>               Only rules with this CWE id (79 or CWE-79).
              --rules <DIR>           Add the rule files in DIR; a rule with a built-in id replaces it.
              --models <DIR>          Use the catalogues in DIR instead of the built-in ones.
              --project <FILE>        The project file (vocabulary additions, policy floor); default: the nearest moat.yaml above the model.
              --allow-include <DIR>   Let models include files from DIR too (by default includes stay in the model's tree).
              --color <WHEN>          Colour severities and error labels: auto (on a terminal, unless NO_COLOR is set), always or never. (values: auto, always, never; default: auto)
              --version               Show the version.
              -h, --help              Show help information.


            """, "\(run.stdout)")
    }

    // MARK: C. conventions

    @Test("colour: --color always paints severities and diagnostic labels; never and pipes do not")
    func colourChoice() throws {
        let always = try moat(["analyze", sample, "--color", "always"])
        #expect(always.stdout.contains("\n  \u{1B}[31mHIGH\u{1B}[0m  gap"), "\(always.stdout.prefix(400))")
        #expect(always.stdout.contains("\n  \u{1B}[33mMED\u{1B}[0m   "))
        let piped = try moat(["analyze", sample])
        #expect(!piped.stdout.contains("\u{1B}"))
        #expect(try moat(["analyze", sample, "--color", "never"]).stdout == piped.stdout)
        // Without colour the text is the same, less the escape sequences.
        #expect(always.stdout.replacingOccurrences(of: "\u{1B}[1;31m", with: "").replacingOccurrences(of: "\u{1B}[31m", with: "")
            .replacingOccurrences(of: "\u{1B}[33m", with: "").replacingOccurrences(of: "\u{1B}[36m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "") == piped.stdout)

        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("bad.moat", "actor a\nproces b\nprocess lonely\n")
        let diagnostics = try moat(["validate", "bad.moat", "--color", "always"], in: dir.url)
        #expect(diagnostics.stderr.hasPrefix("bad.moat:2:1: \u{1B}[1;31merror:\u{1B}[0m unknown keyword 'proces'"), "\(diagnostics.stderr)")
        #expect(diagnostics.stderr.contains("  \u{1B}[1;36mnote:\u{1B}[0m "))
        let usage = try moat(["analyze", "--color", "always"])
        #expect(usage.stderr.hasPrefix("moat: \u{1B}[1;31merror:\u{1B}[0m missing expected argument"), "\(usage.stderr)")
        let warning = try moat(["validate", "--color=always", "-"], input: "actor a\nprocess b\nprocess lonely\na -> b\n", in: dir.url)
        #expect(warning.stderr.contains(": \u{1B}[1;35mwarning:\u{1B}[0m process 'lonely' has no flows"), "\(warning.stderr)")
    }

    @Test("colour: auto is on for a terminal and off with NO_COLOR set or TERM=dumb")
    func colourOnATerminal() throws {
        let terminal = try moatOnTerminal(["analyze", sample])
        #expect(terminal.contains("\u{1B}[31mHIGH\u{1B}[0m"), "\(terminal.prefix(300).debugDescription)")
        let noColour = try moatOnTerminal(["analyze", sample], environment: ["NO_COLOR": "1"])
        #expect(noColour.contains("HIGH") && !noColour.contains("\u{1B}["), "\(noColour.prefix(300))")
        let dumb = try moatOnTerminal(["analyze", sample], environment: ["TERM": "dumb"])
        #expect(dumb.contains("HIGH") && !dumb.contains("\u{1B}["), "\(dumb.prefix(300))")
        let forced = try moatOnTerminal(["analyze", sample, "--color", "always"], environment: ["NO_COLOR": "1"])
        #expect(forced.contains("\u{1B}[31mHIGH"))
    }

    @Test("'-' reads a model from standard input (as <stdin>.moat, or YAML/JSON with --stdin-format); -o - is standard output")
    func standardInputAndOutput() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let text = try String(contentsOfFile: sample, encoding: .utf8)
        let validate = try moat(["validate", "-"], input: text, in: dir.url)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout == "<stdin>.moat: ok — 21 elements, 28 flows, 7 boundaries, 11 data assets\n")
        let json = try moat(["convert", sample, "--to", "json"]).stdout
        let fromJSON = try moat(["validate", "-", "--stdin-format", "json"], input: json, in: dir.url)
        #expect(fromJSON.stdout.hasPrefix("<stdin>.json: ok"), "\(fromJSON.stderr)")
        let jsonAsMoat = try moat(["validate", "-"], input: json, in: dir.url)
        #expect(jsonAsMoat.status == 2)
        #expect(jsonAsMoat.stderr.hasPrefix("<stdin>.moat:1:1: error: standard input is not in the Moat language: it looks like JSON\n"))
        #expect(jsonAsMoat.stderr.contains("note: read a model in the JSON form from standard input with --stdin-format json"))
        let errors = try moat(["analyze", "-"], input: "actor a\nproces b\n", in: dir.url)
        #expect(errors.status == 2)
        #expect(errors.stderr.hasPrefix("<stdin>.moat:2:1: error: unknown keyword 'proces'"), "\(errors.stderr)")
        let analysis = try moat(["analyze", "-", "--format", "csv", "-o", "-", "--as-of", "2026-11-29"], input: text, in: dir.url)
        #expect(analysis.stdout == (try moat(["analyze", sample, "--format", "csv", "--as-of", "2026-11-29"])).stdout)
        let formatted = try moat(["fmt", "-"], input: "actor a\nprocess   b\na->b\n", in: dir.url)
        #expect(formatted.status == 0)
        #expect(formatted.stdout == "actor a\nprocess b\n\na -> b\n")
        let svg = try moat(["diagram", sample, "-o", "-", "--format", "svg"], in: dir.url)
        #expect(svg.status == 0, "\(svg.stderr)")
        #expect(svg.stdout.hasPrefix("<?xml") && svg.stdout.contains("</svg>"))
        let starter = try moat(["init", "-"], in: dir.url)
        #expect(starter.stdout.contains("model \"model\" {"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).isEmpty, "nothing named '-' was written")
        let twice = try moat(["validate", "-", "-"], input: text, in: dir.url)
        #expect(twice.status == 2 && twice.stderr.hasPrefix("moat: error: standard input ('-') can be read once"))
    }

    @Test("analyse is analyze")
    func analyseAlias() throws {
        let british = try moat(["analyse", sample, "--as-of", "2026-11-29"])
        #expect(british.status == 0)
        #expect(british.stdout == (try moat(["analyze", sample, "--as-of", "2026-11-29"])).stdout)
    }

    @Test("finding ids paste into a shell: flows print as a→b; explain takes rule@id, rule@a->b and rule@a→b")
    func shellSafeFindingIDs() throws {
        let table = try moat(["analyze", sample, "--as-of", "2026-11-29"])
        #expect(table.stdout.contains("\nalb→storefront (flow \"Forward requests\")"), "\(table.stdout.prefix(200))")
        #expect(!table.stdout.contains("->"), "a -> in the table would need quotes in a shell")
        let arrow = try moat(["explain", "tampering-in-transit@alb→storefront", sample, "--as-of", "2026-11-29"])
        #expect(arrow.status == 0, "\(arrow.stderr)")
        #expect(arrow.stdout.hasPrefix("tampering-in-transit@alb→storefront — "))
        let ascii = try moat(["explain", "tampering-in-transit@alb->storefront", sample, "--as-of", "2026-11-29"])
        #expect(ascii.stdout == arrow.stdout)
        let explicit = try moat(["explain", "tampering-in-transit@card-entry", sample, "--as-of", "2026-11-29"])
        #expect(explicit.status == 0 && explicit.stdout.hasPrefix("tampering-in-transit@card-entry — "))
        // The same id in the sh that runs it, unquoted.
        guard let binary = MoatBinary.url else { throw MoatBinaryMissing() }
        let shell = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                                   ["-c", "\"$0\" explain tampering-in-transit@alb→storefront \"$1\" --as-of 2026-11-29", binary.path, sample])
        #expect(shell.stdout == arrow.stdout)
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("flow.moat", "model \"M\" { maturity 5 }\nboundary i { trust untrusted; actor u }\nprocess p { internet-facing }\nu -> p { protocol http }\n")
        let check = try moat(["check", "flow.moat", "--fail-on", "low", "--gate", "open"], in: dir.url)
        #expect(check.stderr.contains("@u→p: "), "\(check.stderr)")
    }

    @Test("a file that is clearly not a model gets one error, not one per character", arguments: [
        ("d.svg", "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"10\"/><text>a;b{c}</text></svg>\n",
         "'d.svg' is not a model: it looks like an SVG image"),
        ("page.moat", "<!DOCTYPE html>\n<html><body><p>x -> y</p></body></html>\n", "'page.moat' is not a model: it looks like an HTML page"),
        ("data.moat", "{\"elements\": [{\"id\": \"a\"}]}\n", "'data.moat' is not in the Moat language: it looks like JSON"),
        ("package.json", "{\"name\": \"x\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"jest\"}}\n",
         "'package.json' is not a model: it has none of the top-level keys of one"),
        ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
         "'deploy.yaml' is not a model: it has none of the top-level keys of one"),
        ("script.moat", (0..<40).map { "def f\($0)(x): return x * \($0) + 'y'\n" }.joined(),
         "'script.moat' does not look like a Moat model: no statement in it parses"),
    ])
    func notAModel(name: String, text: String, message: String) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write(name, text)
        for command in [["validate"], ["analyze"], ["diagram", "-o", "x.svg"]] {
            let run = try moat(command + [name], in: dir.url)
            #expect(run.status == 2)
            #expect(run.stderr.hasPrefix("\(name):1:1: error: \(message)\n"), "\(command): \(run.stderr)")
            #expect(countOf("error:", in: run.stderr) == 1, "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count <= 8, "\(run.stderr)")
        }
    }

    @Test("a model with many mistakes still gets each of them")
    func modelWithMistakesIsNotScreened() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("m.moat", (0..<20).map { "process p\($0) { tech go; validates-input } %\n" }.joined())
        let run = try moat(["validate", "m.moat"], in: dir.url)
        #expect(run.status == 2)
        #expect(countOf(": error: unexpected character '%'", in: run.stderr) == 20)
        // A keyword misspelt on every line: each line says what to write instead.
        try dir.write("typos.moat", (0..<20).map { "proces p\($0)\n" }.joined())
        let typos = try moat(["validate", "typos.moat"], in: dir.url)
        #expect(countOf(": error: unknown keyword 'proces'; did you mean 'process'?", in: typos.stderr) == 20, "\(typos.stderr)")
    }

    @Test("import of markup is one clear error too")
    func importMarkup() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("d.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>\n")
        let run = try moat(["import", "d.svg"], in: dir.url)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("d.svg:1:1: error: 'd.svg' is not a model: it looks like an SVG image\n"), "\(run.stderr)")
    }

    @Test("fmt --check prints a unified diff of what would change")
    func fmtCheckDiff() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("tiny.moat", "model \"Tiny\"{owner \"me\"}\nactor a \"A\"  # the user\nprocess   b {tech go;validates-input}\na->b \"Use\" {protocol https}\n")
        let run = try moat(["fmt", "--check", "tiny.moat"], in: dir.url)
        #expect(run.status == 1)
        #expect(run.stdout == """
            tiny.moat: needs formatting
            --- tiny.moat
            +++ tiny.moat (formatted)
            @@ -1,4 +1,8 @@
            -model "Tiny"{owner "me"}
            +model "Tiny" {
            +  owner "me"
            +}
            +
             actor a "A"  # the user
            -process   b {tech go;validates-input}
            -a->b "Use" {protocol https}
            +process b { tech go; validates-input }
            +
            +a -> b "Use" { protocol https }

            """, "\(run.stdout)")
        // Far apart changes make separate hunks; a missing last line end is shown.
        let lines = (0..<20).map { "actor a\($0)" }
        var text = lines.joined(separator: "\n")
        text = text.replacingOccurrences(of: "actor a2\n", with: "actor   a2\n")
        try dir.write("long.moat", text)
        let long = try moat(["fmt", "--check", "long.moat"], in: dir.url)
        #expect(long.stdout.contains("@@ -1,6 +1,6 @@\n actor a0\n actor a1\n-actor   a2\n+actor a2\n actor a3\n actor a4\n actor a5\n@@"), "\(long.stdout)")
        #expect(long.stdout.hasSuffix("@@ -17,4 +17,4 @@\n actor a16\n actor a17\n actor a18\n-actor a19\n\\ No newline at end of file\n+actor a19\n"), "\(long.stdout)")
        #expect(try dir.read("long.moat") == text, "--check writes nothing")
    }

    @Test("the unified diff turns the old text into the new one, whatever the texts")
    func unifiedDiffIsCorrect() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let words = ["a\n", "b\n", "c\n", "d\n", "e"]
            let old = (0..<Int.random(in: 0...12, using: &generator)).map { _ in words.randomElement(using: &generator)! }.joined()
            let new = (0..<Int.random(in: 0...12, using: &generator)).map { _ in words.randomElement(using: &generator)! }.joined()
            let diff = UnifiedDiff.diff(old, new, oldName: "a", newName: "b", context: Int.random(in: 0...3, using: &generator))
            #expect((diff.isEmpty) == (old == new))
            guard !diff.isEmpty else { continue }
            #expect(apply(diff, to: old) == new, "\(old.debugDescription) → \(new.debugDescription):\n\(diff)")
        }
    }

    @Test("completion scripts complete model files, element ids, finding ids, rule ids and attribute names")
    func completions() throws {
        let script = try moat(["--generate-completion-script", "bash"])
        #expect(script.status == 0)
        #expect(script.stdout.contains("-fX '!*.@(moat|yaml|yml|json)'"))
        #expect(script.stdout.contains("---completion explain -- positional@0"))
        #expect(script.stdout.contains("---completion diagram -- --focus"))
        for shell in ["zsh", "fish"] {
            #expect(try moat(["--generate-completion-script", shell]).status == 0)
        }
        // What the scripts ask moat for: the words of the line and the index of the one being completed.
        let rules = try moat(["---completion", "rules", "show", "--", "positional@0", "3", "0", "moat", "rules", "show", ""])
        #expect(rules.stdout.split(separator: "\n").contains("sql-injection"), "\(rules.stdout.prefix(200))")
        let elements = try moat(["---completion", "diagram", "--", "--focus", "4", "0", "moat", "diagram", sample, "--focus", ""])
        #expect(elements.stdout.split(separator: "\n").contains("orders-db"), "\(elements.stdout)")
        let boundaries = try moat(["---completion", "diagram", "--", "--boundary", "4", "0", "moat", "diagram", sample, "--boundary", ""])
        #expect(boundaries.stdout.split(separator: "\n").contains("internet"), "\(boundaries.stdout)")
        #expect(!boundaries.stdout.split(separator: "\n").contains("orders-db"))
        let findingRules = try moat(["---completion", "explain", "--", "positional@0", "2", "4", "moat", "explain", "sql-", sample])
        #expect(findingRules.stdout.split(separator: "\n").contains("sql-injection@"))
        let findings = try moat(["---completion", "explain", "--", "positional@0", "2", "14", "moat", "explain", "sql-injection@", sample])
        let candidates = findings.stdout.split(separator: "\n")
        #expect(candidates.contains("sql-injection@orders-db"))
        #expect(candidates.contains("sql-injection@alb→storefront"))
        #expect(candidates.contains("sql-injection@card-entry"))
        let attributes = try moat(["---completion", "vocabulary", "--", "positional@0", "2", "0", "moat", "vocabulary", ""])
        #expect(attributes.stdout.split(separator: "\n").contains("protocol"))
    }

    @Test("moat watch runs moat-watch from moat's folder, and says how to build it when it is missing")
    func watchNeedsItsProgram() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        guard let binary = MoatBinary.url else { throw MoatBinaryMissing() }
        let lonely = dir.file("debug")
        try FileManager.default.createDirectory(at: lonely, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: binary, to: lonely.appendingPathComponent("moat"))
        let run = try runProcess(lonely.appendingPathComponent("moat"), ["watch", sample])
        #expect(run.status == 3)
        #expect(run.stderr.hasPrefix("moat: error: 'moat watch' needs the moat-watch program beside moat, at \(lonely.path)/moat-watch, and it is not there\n"),
                "\(run.stderr)")
        #expect(run.stderr.contains("  note: build it from the Moat source folder with: swift build --product moat-watch\n"), "\(run.stderr)")
        // The set-up builds both programs.
        let demo = try String(contentsOf: packageRoot.appendingPathComponent(".ci/demo"), encoding: .utf8)
        #expect(demo.contains("--product moat-watch"))
        #expect(try moat(["watch", "--help"]).stdout.contains("--port <N>"), "moat watch hands over to moat-watch")
    }

    // MARK: D. terminal safety, SARIF, temporaries

    @Test("rules list, rules show, rules test and explain print no control character from a rule file")
    func ruleTextIsSanitised() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let rules = dir.file("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try """
            - id: team-no-ftp
              title: "FTP \\e[31min use\\a\\e]0;owned\\a"
              description: "Plain FTP \\e[2J sends credentials in clear.\\u009b31m"
              stride: [information-disclosure]
              applies-to: [flow]
              when: protocol == ftp
              likelihood: 3
              impact: 3
              cwe: [319]
              capec: [157]
              false-positive: "Never \\e[5m."
              mitigations:
                - control: transport-encryption
                  text: "Use \\e[1mSFTP\\e[0m or FTPS."
              examples:
                triggering:
                  - |
                    process a
                    process b
                    a -> b { protocol ftp }
                non-triggering:
                  - |
                    process a
                    process b
                    a -> b { protocol sftp }
            """.write(to: rules.appendingPathComponent("team.yaml"), atomically: true, encoding: .utf8)
        try dir.write("m.moat", "process a\nprocess b\na -> b { protocol ftp }\n")
        let runs = [
            try moat(["rules", "list", "--rules", "rules"], in: dir.url),
            try moat(["rules", "show", "team-no-ftp", "--rules", "rules"], in: dir.url),
            try moat(["rules", "test", "rules"], in: dir.url),
            try moat(["explain", "team-no-ftp@a→b", "m.moat", "--rules", "rules"], in: dir.url),
            try moat(["analyze", "m.moat", "--rules", "rules"], in: dir.url),
        ]
        for run in runs {
            #expect(run.status == 0, "\(run.stderr)")
            let controls = (run.stdout + run.stderr).unicodeScalars.filter {
                ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value)
            }
            #expect(controls.isEmpty, "\(run.stdout.debugDescription)")
        }
        #expect(runs[1].stdout.hasPrefix("team-no-ftp: FTP  [31min use  ]0;owned \n"), "\(runs[1].stdout.debugDescription)")
        #expect(runs[3].stdout.hasPrefix("team-no-ftp@a→b — FTP  [31min use"), "\(runs[3].stdout.debugDescription)")
    }

    @Test("check --sarif for a model that does not load: a valid SARIF whose invocation failed, with the errors")
    func sarifForAModelThatDoesNotLoad() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("broken.moat", "actor a\nproces b\n")
        let run = try moat(["check", "broken.moat", "--sarif", "out.sarif"], in: dir.url)
        #expect(run.status == 2)
        #expect(countOf("error:", in: run.stderr) == 1, "\(run.stderr)")
        let schema = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/schemas/sarif-schema-2.1.0.json").path
        let valid = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", "-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
            dir.file("out.sarif").path, schema,
        ])
        #expect(valid.status == 0, "SARIF does not validate: \(valid.stderr.suffix(2000))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("out.sarif"))) as? [String: Any])
        let sarifRun = try #require((object["runs"] as? [[String: Any]])?.first)
        #expect((sarifRun["results"] as? [Any])?.isEmpty == true)
        let invocation = try #require((sarifRun["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == false)
        let notifications = try #require(invocation["toolExecutionNotifications"] as? [[String: Any]])
        #expect(notifications.count == 1)
        #expect((notifications[0]["message"] as? [String: Any])?["text"] as? String == """
            unknown keyword 'proces'; did you mean 'process'?
            a statement starts with model, include, data, actor, process, datastore, boundary, threat, accept, mitigated, false-positive or not-applicable, or is a flow 'a -> b'
            """)
        #expect(notifications[0]["level"] as? String == "error")
        let region = ((notifications[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"] as? [String: Any]
        #expect(region?["startLine"] as? Int == 2 && region?["startColumn"] as? Int == 1)

        // A model that loads beside one that does not: its results, and the failure.
        let mixed = try moat(["check", sample, "broken.moat", "--sarif", "mixed.sarif", "--as-of", "2026-11-29"], in: dir.url)
        #expect(mixed.status == 2)
        let both = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.file("mixed.sarif"))) as? [String: Any])
        let bothRun = try #require((both["runs"] as? [[String: Any]])?.first)
        #expect(((bothRun["results"] as? [Any])?.count ?? 0) > 0)
        #expect((bothRun["invocations"] as? [[String: Any]])?.first?["executionSuccessful"] as? Bool == false)
        // A good model has no invocation object, as before.
        _ = try moat(["check", sample, "--sarif", "good.sarif", "--as-of", "2026-11-29"], in: dir.url)
        let good = try dir.read("good.sarif")
        #expect(!good.contains("invocations"))
    }

    @Test("analyze -o replaces a report in place of the old one: its mode kept, other links to the old file untouched, nothing left beside it")
    func reportReplacement() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("out.json", "the old report\n")
        chmod(dir.file("out.json").path, 0o640)
        try FileManager.default.linkItem(at: dir.file("out.json"), to: dir.file("kept.json"))
        let run = try moat(["analyze", sample, "--format", "json", "-o", "out.json"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try dir.read("out.json").hasPrefix("{"))
        #expect(try dir.read("kept.json") == "the old report\n")
        var status = stat()
        #expect(lstat(dir.file("out.json").path, &status) == 0 && status.st_mode & 0o7777 == 0o640 && status.st_nlink == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted() == ["kept.json", "out.json"])
    }

    @Test("OutputFile: both ways of replacing a file replace it; a target that became a directory is refused and stays")
    func outputFileReplacement() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        for replacement in [OutputFile.Replacement.durable, .regenerable] {
            try dir.write("f.txt", "old")
            let out = try OutputFile(dir.file("f.txt").path, replacing: replacement)
            out.write(Array("new".utf8))
            try out.close()
            #expect(try dir.read("f.txt") == "new", "\(replacement)")

            let out2 = try OutputFile(dir.file("f.txt").path, replacing: replacement)
            out2.write(Array("newer".utf8))
            try FileManager.default.removeItem(at: dir.file("f.txt"))
            try FileManager.default.createDirectory(at: dir.file("f.txt"), withIntermediateDirectories: false)
            try dir.write("f.txt/inside", "kept")
            #expect(throws: (any Error).self) { try out2.close() }
            #expect(try dir.read("f.txt/inside") == "kept", "\(replacement)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["f.txt"], "\(replacement)")
            try FileManager.default.removeItem(at: dir.file("f.txt"))
        }
    }

    @Test("a writer killed outright leaves its temporary file; the next write of the same file removes it")
    func staleTemporariesAreRemoved() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        // A process id above the system's maximum belongs to no process; this test's own process is alive.
        let maximum = Int((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 4_194_304
        let gone = ".out.csv.moat-tmp-\(maximum + 1)-Ab12Cd"
        let running = ".out.csv.moat-tmp-\(getpid())-Ef34Gh"
        let other = ".other.csv.moat-tmp-\(maximum + 1)-Ij56Kl"
        for name in [gone, running, other] { try dir.write(name, "half a report") }
        let run = try moat(["analyze", sample, "--format", "csv", "-o", "out.csv"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        #expect(left == [running, other, "out.csv"].sorted(), "\(left)")

        // A real kill -9 in the middle of a write: the temporary file stays, hidden, with the writer's process
        // id, and the target is untouched; the next write of the same file removes it. The JSON of a model of
        // 2,000 elements takes long enough to write that the temporary file is seen and the writer killed
        // before it is done (tried up to five times).
        let big = dir.file("big.moat")
        try (0..<2000).map { "process p\($0) { internet-facing }\nactor a\($0)\na\($0) -> p\($0) { protocol http }\n" }.joined()
            .write(to: big, atomically: true, encoding: .utf8)
        guard let binary = MoatBinary.url else { throw MoatBinaryMissing() }
        var killedMidWrite = false
        for _ in 0..<5 where !killedMidWrite {
            try? FileManager.default.removeItem(at: dir.file("big.json"))
            let process = Process()
            process.executableURL = binary
            process.arguments = ["analyze", big.path, "--format", "json", "-o", dir.file("big.json").path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let temporary = ".big.json.moat-tmp-\(process.processIdentifier)-"
            while process.isRunning {
                if (try FileManager.default.contentsOfDirectory(atPath: dir.url.path)).contains(where: { $0.hasPrefix(temporary) }) {
                    kill(process.processIdentifier, SIGKILL)
                    break
                }
                usleep(500)
            }
            process.waitUntilExit()
            killedMidWrite = process.terminationReason == .uncaughtSignal
        }
        #expect(killedMidWrite, "the writer always finished before it could be killed")
        let afterKill = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(afterKill.contains { $0.hasPrefix(".big.json.moat-tmp-") }, "\(afterKill)")
        #expect(!afterKill.contains("big.json"))
        let again = try moat(["analyze", sample, "--format", "json", "-o", "big.json"], in: dir.url)
        #expect(again.status == 0, "\(again.stderr)")
        let afterRun = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
        #expect(!afterRun.contains { $0.hasPrefix(".big.json.moat-tmp-") }, "\(afterRun)")
        #expect(afterRun.contains("big.json"))
    }
}

/// Applies a unified diff to `old` (the hunks in order), for checking `UnifiedDiff`.
private func apply(_ diff: String, to old: String) -> String? {
    var oldLines: [String] = []
    var rest = Substring(old)
    while let newline = rest.firstIndex(of: "\n") {
        oldLines.append(String(rest[...newline]))
        rest = rest[rest.index(after: newline)...]
    }
    if !rest.isEmpty { oldLines.append(String(rest)) }
    var result: [String] = []
    var position = 0
    let lines = diff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var i = 2
    while i < lines.count {
        let header = lines[i]
        guard header.hasPrefix("@@ -") else { i += 1; continue }
        let range = header.dropFirst(4).prefix { $0 != " " }
        let parts = range.split(separator: ",")
        let start = Int(parts[0]) ?? 0
        let count = parts.count > 1 ? Int(parts[1]) ?? 0 : 1
        let from = count == 0 ? start : start - 1
        while position < from { result.append(oldLines[position]); position += 1 }
        i += 1
        while i < lines.count, !lines[i].hasPrefix("@@"), !(lines[i].isEmpty && i == lines.count - 1) {
            let line = lines[i]
            let noNewline = i + 1 < lines.count && lines[i + 1] == "\\ No newline at end of file"
            let body = String(line.dropFirst()) + (noNewline ? "" : "\n")
            switch line.first {
            case " ": result.append(body); position += 1
            case "-": position += 1
            case "+": result.append(body)
            default: return nil
            }
            i += noNewline ? 2 : 1
        }
    }
    while position < oldLines.count { result.append(oldLines[position]); position += 1 }
    return result.joined()
}

import Foundation
import TestSupport
import Testing

// The TextMate grammar under editors/ (VS Code, Sublime Text, GitHub): editors/check_grammar.py tokenises
// every sample and the syntax-test fixture editors/tests/syntax.moat with two TextMate engines
// (textmate-grammar-python from PyPI, installed by .ci/setup, and editors/tests/tmengine.py, which follows
// vscode-textmate's algorithm on Oniguruma) and fails on an unscoped character, an `invalid` scope in a
// sample, a token class seen nowhere, a failed fixture assertion, or a parser keyword, vocabulary attribute
// or enum value that is not highlighted as one.

/// Runs `python3 editors/check_grammar.py ARGUMENTS` from the package root.
private func checkGrammar(_ arguments: [String]) throws -> ProcessOutcome {
    try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "editors/check_grammar.py"] + arguments,
                   in: packageRoot, mergeOutput: true, timeLimit: 300)
}

@Suite("Editor grammar")
struct EditorGrammarTests {
    @Test("the grammar scopes every line of every sample and of the fixture, and every token class appears")
    func grammarHighlightsEverything() throws {
        let outcome = try checkGrammar([])
        #expect(outcome.status == 0, "editors/check_grammar.py failed:\n\(outcome.stdout)")
        #expect(outcome.stdout.hasSuffix("grammar OK\n"), "\(outcome.stdout)")
        let samples = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Samples").path)
            .filter { $0.hasSuffix(".moat") }
        #expect(!samples.isEmpty)
        for sample in samples {
            // Both engines report every sample fully scoped: "Samples/x.moat: N/N non-blank lines fully scoped".
            let lines = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("Samples/\(sample): ") }
            #expect(lines.count == 2, "\(sample) was not checked by both engines:\n\(outcome.stdout)")
            for line in lines {
                let counts = line.split(separator: " ")[1].split(separator: "/")
                #expect(counts.count == 2 && counts[0] == counts[1] && Int(counts[0]) ?? 0 > 0, "\(line)")
            }
        }
        #expect(outcome.stdout.components(separatedBy: "token classes: 37/37 seen").count == 3, "\(outcome.stdout)")
    }

    /// Ways to break the grammar, and what the checker must then say.
    static let breakages: [(String, String)] = [
        // Without the fallbacks a word nobody knows is left with only the base scope.
        ("no-fallbacks", "has no scope beyond source.moat"),
        // Without comments, the punctuation of comment text becomes unexpected characters in valid samples.
        ("no-comments", "token class 'comment #' (comment.line.number-sign.moat) appears in no file"),
        // A wrong escape rule fails the fixture's assertions.
        ("bad-escapes", "assertion on line"),
        // An attribute missing from the grammar is reported by name.
        ("no-attribute-protocol", "attribute 'protocol' of Models/vocabulary.yaml is not highlighted"),
        // So is a keyword of the parser that the grammar does not know.
        ("no-keyword-datastore", "parser keyword 'datastore'"),
    ]

    @Test("the checker fails, saying why, when the grammar is broken", arguments: breakages)
    func brokenGrammarFails(_ breakage: (String, String)) throws {
        let url = packageRoot.appendingPathComponent("editors/vscode/syntaxes/moat.tmLanguage.json")
        var grammar = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var repository = try #require(grammar["repository"] as? [String: Any])
        switch breakage.0 {
        case "no-fallbacks":
            repository["invalid"] = ["patterns": [Any]()]
            repository["word"] = ["patterns": [Any]()]
        case "no-comments":
            repository["comment"] = ["patterns": [Any]()]
        case "bad-escapes":
            repository["escape"] = ["patterns": [["match": "\\\\n", "name": "constant.character.escape.moat"]]]
        case "no-attribute-protocol":
            repository["attribute-protocol"] = ["patterns": [Any]()]
        case "no-keyword-datastore":
            var declaration = try #require(repository["declaration"] as? [String: Any])
            let patterns = try #require(declaration["patterns"] as? [[String: Any]])
            declaration["patterns"] = patterns.filter { !($0["match"] as? String ?? "").contains("(datastore)") }
            #expect((declaration["patterns"] as? [Any])?.count == patterns.count - 1)
            repository["declaration"] = declaration
        default:
            Issue.record("unknown breakage \(breakage.0)")
        }
        grammar["repository"] = repository
        let dir = try TempDir()
        defer { dir.cleanup() }
        let broken = dir.file("broken.tmLanguage.json")
        try JSONSerialization.data(withJSONObject: grammar).write(to: broken)

        let outcome = try checkGrammar(["--grammar", broken.path])
        #expect(outcome.status == 1, "the checker accepted a broken grammar (\(breakage.0)):\n\(outcome.stdout)")
        #expect(outcome.stdout.contains(breakage.1), "expected '\(breakage.1)' in:\n\(outcome.stdout)")
        #expect(!outcome.stdout.hasSuffix("grammar OK\n"))
    }

    @Test("the generated editor files are up to date with the generator and the vocabulary")
    func generatedFilesAreCurrent() throws {
        let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "editors/generate_grammar.py", "--check"],
                                     in: packageRoot, mergeOutput: true)
        #expect(outcome.status == 0, "\(outcome.stdout)")
    }
}

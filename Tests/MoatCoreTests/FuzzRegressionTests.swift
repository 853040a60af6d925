import Foundation
import Testing
import MoatCore

// Minimal reproducers of what the moat-fuzz campaigns found (Benchmarks/Fuzz, docs/fuzzing.md).
//
// Each test pins a bug the fuzzer found and that is fixed.

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    private func formatter() throws -> MoatFormatter { MoatFormatter(vocabulary: try builtInCatalogue().vocabulary) }
    private func tree() throws -> DocumentTree { DocumentTree(vocabulary: try builtInCatalogue().vocabulary) }

    /// Found by the first seed of the YAML campaign (Tests/Fuzz/corpus/yaml/small.json); fixed during the
    /// same session (YAMLModelReader now refuses U+0000, "nul-in-string").
    ///
    /// JSON and YAML strings may hold U+0000 (`"\u0000"`, `"\0"`), which SourceLoader's NUL-byte check does
    /// not see. Moat text cannot hold it (the lexer refuses `\u{0}`), yet MoatFormatter.quoted writes U+0000
    /// as `\u{0}`: `moat convert model.json --to moat` wrote a file that did not parse, and the NUL went on
    /// into every report. The string must be refused where it is written.
    @Test(arguments: [
        (#"{"elements": [{"kind": "actor", "id": "a", "name": "A \u0000 B"}, {"kind": "process", "id": "b"}], "flows": [{"from": "a", "to": "b"}]}"#,
         "nul.json", TextLocation(line: 1, column: 52)),
        ("elements:\n  - {kind: actor, id: a, name: \"A \\0 B\"}\n  - {kind: process, id: b}\nflows:\n  - {from: a, to: b}\n",
         "nul.yaml", TextLocation(line: 2, column: 32)),
    ] as [(String, String, TextLocation)])
    func nulInAYAMLOrJSONStringIsRefused(input: String, path: String, at location: TextLocation) throws {
        let result = try loadModel(input, path: path)
        #expect(result.model == nil)
        expectDiagnostic(result.diagnostics, id: .nulInString, message: "strings cannot contain the NUL character (U+0000)",
                         at: location, file: path)
    }

    /// Found by the YAML campaign (artifacts yaml-crash-6630ddfe…, -81c8858f…, -1d8aac36…): ids such as
    /// `"ants:\n 5: ractor\n0tps"`, `"1"`, and an empty id (`id: &x` with no value).
    ///
    /// YAMLModelReader took any string as an id, so `moat convert --to moat` could write `actor a b`, which
    /// does not parse. Ids read from YAML/JSON are now checked against the identifier grammar of
    /// docs/language.md and refused with an error at the id.
    @Test(arguments: ["a b", "ants: 5: ractor 0tps", "1", "", "x->y", "rule@x", "9lives", "\"quoted\"", "model"])
    func idsFromJSONFollowTheIdentifierGrammar(id: String) throws {
        let json = JSONValue.string(id).serialized(pretty: false)
        let input = #"{"elements": [{"kind": "actor", "id": "# + json + #"}, {"kind": "process", "id": "p"}], "flows": [{"from": "# + json + #", "to": "p"}]}"#
        let result = try loadModel(input, path: "ids.json")
        let column = try #require(input.utf8.firstRange(of: Array(json.utf8))).lowerBound
        let idColumn = input.utf8.distance(from: input.utf8.startIndex, to: column) + 1
        #expect(result.model == nil, "id \(json) was accepted")
        #expect(errors(result.diagnostics).contains { $0.range?.start == TextLocation(line: 1, column: idColumn) },
                "\(describe(result.diagnostics))")
    }

    /// Whatever a YAML or JSON model holds, once it loads its Moat text must read back as the same document.
    @Test func loadedJSONModelsConvertToMoatTextThatReadsBack() throws {
        let input = #"{"elements": [{"kind": "actor", "id": "a", "name": "tab\t bell\u0007 del\u007f ls\u2028 \"q\" \\"}, {"kind": "process", "id": "b"}], "flows": [{"from": "a", "to": "b"}]}"#
        let result = try loadModel(input, path: "ctl.json")
        #expect(!result.hasErrors, "\(describe(result.diagnostics))")
        let document = try #require(result.documents.first)
        let text = try formatter().format(document)
        let (reparsed, diagnostics) = parse(text)
        #expect(diagnostics.isEmpty, "\(describe(diagnostics))")
        #expect(try tree().tree(reparsed) == tree().tree(document))
    }
}

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

    /// Found by the first seed of the YAML campaign (Benchmarks/Fuzz/corpus/yaml/small.json).
    ///
    /// JSON and YAML strings could hold U+0000 (`"\u0000"`, `"\0"`), which Moat text cannot: `moat
    /// convert model.json --to moat` wrote a file that did not parse. YAMLModelReader now refuses such
    /// strings with an error at their position, as the text notation does.
    @Test(arguments: [
        #"{"elements": [{"kind": "actor", "id": "a", "name": "A \u0000 B"}, {"kind": "process", "id": "b"}], "flows": [{"from": "a", "to": "b"}]}"#,
        "elements:\n  - {kind: actor, id: a, name: \"A \\0 B\"}\n  - {kind: process, id: b}\nflows:\n  - {from: a, to: b}\n",
    ])
    func nulInAYAMLOrJSONStringCannotBeWrittenAsMoatText(input: String) throws {
        let path = input.hasPrefix("{") ? "nul.json" : "nul.yaml"
        let result = try loadModel(input, path: path)
        do {
            if result.hasErrors {
                // Refusing the string is a fix: the error must point into the file.
                #expect(errors(result.diagnostics).allSatisfy { $0.range != nil })
                return
            }
            let document = try #require(result.documents.first)
            let text = try formatter().format(document)
            let (reparsed, diagnostics) = parse(text)
            #expect(diagnostics.isEmpty, "\(describe(diagnostics))")
            #expect(try tree().tree(reparsed) == tree().tree(document))
        }
    }
}

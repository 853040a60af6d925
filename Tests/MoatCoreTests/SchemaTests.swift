import Foundation
import TestSupport
import Testing
import MoatCore
import MoatReports
@testable import MoatRules
@testable import MoatAnalysis

/// The JSON Schema of the YAML/JSON form is generated from the vocabulary and must stay current.
@Suite("Model JSON Schema")
struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("Models/moat.schema.json is what the vocabulary generates (run `moat schema` to refresh it)")
    func current() throws {
        let generated = ModelSchema(vocabulary: try Catalogue.builtIn.get().vocabulary).json()
        let committed = try String(contentsOf: Self.root.appendingPathComponent("Models/moat.schema.json"), encoding: .utf8)
        #expect(generated == committed)
    }

    @Test("every sample's JSON form validates against the schema")
    func samplesValidate() throws {
        let catalogue = try Catalogue.builtIn.get()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = Self.root.appendingPathComponent("Samples")
        var paths: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: samples.path).sorted() where name.hasSuffix(".moat") {
            let result = ModelLoader(catalogue: catalogue).load(path: samples.appendingPathComponent(name).path)
            let document = try #require(result.documents.first)
            let out = dir.appendingPathComponent(name + ".json")
            try DocumentTree(vocabulary: catalogue.vocabulary).json(document).write(to: out, atomically: true, encoding: .utf8)
            paths.append(out.path)
        }
        #expect(paths.count >= 7)
        let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            for path in sys.argv[2:]:
                jsonschema.validate(json.load(open(path)), schema)
            """, Self.root.appendingPathComponent("Models/moat.schema.json").path] + paths)
        #expect(outcome.status == 0, "\(outcome.stderr.suffix(1500))")
    }
}

import Foundation
import MoatCore
import MoatInterop
import Testing

/// Open Threat Model import (../shared/interop/otm) and export (validated with ../shared/schemas/otm_schema.json).
@Suite struct OTMTests {
    @Test func theSpecificationExample() throws {
        let m = try importShared("otm/EXAMPLE.yaml")
        #expect(m.model.header.name == "Test project")
        #expect(m.model.header.owner == "John Doe (john.doe@example.com)")
        // Trust ratings: Internet 20 → untrusted, Private 100 → restricted.
        #expect(m.boundary("internet")?.attributes.string("trust") == "untrusted")
        #expect(m.boundary("private")?.attributes.string("trust") == "restricted")
        #expect(m.element("web-client")?.kind == .actor)
        #expect(m.element("web-client")?.boundary == "internet")
        #expect(m.element("web-service")?.kind == .process)
        #expect(m.element("web-service")?.attributes.list("processes") == ["cc-data", "public-info"])
        let db = try #require(m.element("customer-database"))
        #expect(db.kind == .datastore)
        #expect(db.boundary == "private")
        #expect(db.attributes.string("tech") == "postgres")
        #expect(m.model.elements.count == 4)
        // Assets: confidentiality 100 → secret, 0 → public; integrity 100 → integrity-critical.
        #expect(m.data("cc-data")?.attributes.string("classification") == "secret")
        #expect(m.data("cc-data")?.attributes.flag("payment") == true)
        #expect(m.data("public-info")?.attributes.string("classification") == "public")
        #expect(m.data("public-info")?.attributes.flag("integrity-critical") == true)
        // Dataflows are bidirectional.
        #expect(m.flow("web-client<->web-service") != nil)
        #expect(m.flow("web-service<->customer-database")?.attributes.list("carries") == ["cc-data"])
        // The threat is a written threat on the component that references it, with its id and mitigations.
        let threat = try #require(m.model.threats.first { $0.title == "Threat 1" })
        #expect(threat.attributes.string("origin") == "otm:22724267-be7e-44c0-8b1f-d7d33e9a34ec")
        #expect(threat.attributes.list("stride") == ["spoofing", "tampering"])
        #expect(threat.attributes.list("cwe") == ["79", "787"])
        #expect(threat.attributes.number("likelihood") == 2 && threat.attributes.number("impact") == 4)
        #expect(threat.attributes.string("mitigation")?.contains("This is the name of mitigation 1 (implemented)") == true)
        #expect(threat.attributes.string("mitigated-by")?.contains("fd6136f4-e2ff-11eb-ba80-0242ac130004") == true)
        // Representations are kept (layout), not reported.
        #expect(m.warning(containing: "representations") == nil)
        #expect(m.model.header.attributes.string("layout")?.contains("Architecture Diagram") == true)
        #expect(m.warning(containing: "tag 'tag1-df'") != nil)
        // A mitigation no threat names has nowhere to go: it is reported, not dropped silently.
        #expect(m.warning(containing: "mitigation '3b837730-e300-11eb-ba80-0242ac130004' (Mitigation 2) is named by no threat") != nil)
        #expect(m.warning(containing: "mitigation 'fd6136f4-e2ff-11eb-ba80-0242ac130004'") == nil)
    }

    @Test func jsonAndYAMLExamplesGiveTheSameModel() throws {
        let yaml = try importShared("otm/EXAMPLE.yaml"), json = try importShared("otm/EXAMPLE.json")
        #expect(signature(yaml.model) == signature(json.model))
    }

    @Test func exampleFindings() throws {
        let analysis = try importShared("otm/EXAMPLE.yaml").analysis()
        #expect(analysis.findings.contains { $0.id == "untrusted-flow-into-restricted-zone@web-client<->web-service" && $0.isOpen })
        #expect(analysis.findings.contains { $0.id == "unsegmented-restricted-zone@private" && $0.isOpen })
    }

    @Test func theMobileCloudModel() throws {
        let m = try importShared("otm/mobile-cloud.otm.json")
        #expect(m.model.elements.map(\.id) == ["mobile-client", "accounting-postgresql", "public-api-v2", "azure-file-storage"])
        #expect(m.element("mobile-client")?.kind == .actor)
        #expect(m.element("mobile-client")?.attributes.string("type") == "mobile-app")
        #expect(m.element("accounting-postgresql")?.kind == .datastore)
        #expect(m.element("accounting-postgresql")?.attributes.string("tech") == "postgres")
        #expect(m.element("azure-file-storage")?.attributes.string("type") == "object-store")
        #expect(m.model.flows.count == 6)
        #expect(m.model.boundaries.map { $0.attributes.string("trust") } == ["untrusted", "untrusted"])  // ratings of 10
        let sqli = try #require(m.model.threats.first { $0.title.hasPrefix("An adversary can gain access to sensitive data by performing SQL injection") })
        #expect(sqli.attributes.string("same-as") == "sql-injection")
        let analysis = m.analysis()
        #expect(analysis.findings.contains { $0.id == "sql-injection@accounting-postgresql" })
    }

    static let samples: [String] = {
        let dir = Shared.packageRoot.appendingPathComponent("Samples")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".moat") }.sorted()
    }()

    func analysis(ofSample name: String) throws -> Analysis {
        let load = ModelLoader(catalogue: catalogue).load(path: Shared.packageRoot.appendingPathComponent("Samples/\(name)").path)
        let model = try #require(load.model)
        return Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: asOf))
    }

    @Test(arguments: samples)
    func exportValidatesAgainstTheOTMSchema(_ sample: String) throws {
        let analysis = try analysis(ofSample: sample)
        let text = try OTMExporter(catalogue: catalogue).export(analysis.model, findings: analysis.findings, as: .json)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("\(sample).otm.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let problem = try validateWithJSONSchema(file, schema: Shared.schemas.appendingPathComponent("otm_schema.json"))
        #expect(problem == nil, "\(problem ?? "")")
    }

    @Test(arguments: samples)
    func exportThenImportGivesBackTheSameModel(_ sample: String) throws {
        let analysis = try analysis(ofSample: sample)
        for notation in OTMExporter.Notation.allCases {
            let text = try OTMExporter(catalogue: catalogue).export(analysis.model, findings: analysis.findings, as: notation)
            let result = OTMImporter(vocabulary: catalogue.vocabulary).importModel(SourceFile(path: "\(sample).otm.\(notation.rawValue)", text: text))
            #expect(!result.hasErrors, "\(result.diagnostics.diagnostics.map(\.message))")
            #expect(result.diagnostics.diagnostics.isEmpty, "\(result.diagnostics.diagnostics.map(\.message))")
            let moat = MoatFormatter(vocabulary: catalogue.vocabulary).format(result.document)
            let back = try #require(ModelLoader(catalogue: catalogue).load(text: moat, path: "back.moat").model)
            #expect(signature(back) == signature(analysis.model), "\(notation)")
        }
    }

    @Test func exportedThreatsReferenceTheirElements() throws {
        let analysis = try importShared("threagile/example.yaml").analysis()
        let text = try OTMExporter(catalogue: catalogue).export(analysis.model, findings: analysis.findings, as: .json)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("threagile.otm.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        #expect(try validateWithJSONSchema(file, schema: Shared.schemas.appendingPathComponent("otm_schema.json")) == nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let threats = try #require(json["threats"] as? [[String: Any]])
        #expect(threats.count == analysis.findings.count)
        let erp = try #require((json["components"] as? [[String: Any]])?.first { $0["id"] as? String == "erp-system" })
        let instances = try #require(erp["threats"] as? [[String: Any]])
        let accepted = try #require(instances.first { $0["threat"] as? String == "untrusted-deserialisation@erp-system" })
        #expect(accepted["state"] as? String == "accepted")
        let zones = try #require(json["trustZones"] as? [[String: Any]])
        #expect(zones.contains { $0["id"] as? String == "outside-untrusted" })  // parent of the outer clients
        let web = try #require(zones.first { $0["id"] as? String == "web-dmz" })
        #expect((web["parent"] as? [String: Any])?["trustZone"] as? String == "application-network")
    }

    @Test func trustRatingsMapBothWays() {
        for (trust, rating) in [("untrusted", 0.0), ("partner", 33), ("internal", 67), ("restricted", 100)] {
            #expect(OTMImporter.trust(rating: rating) == trust)
        }
        #expect(OTMImporter.trust(rating: 20) == "untrusted")
        #expect(OTMImporter.trust(rating: 50) == "internal")
        #expect(OTMImporter.classification(confidentiality: 100) == "secret")
    }

    @Test func notOTMIsAnError() {
        let result = OTMImporter(vocabulary: catalogue.vocabulary).importModel(SourceFile(path: "x.json", text: #"{"project": {"name": "x"}}"#))
        #expect(result.diagnostics.diagnostics.contains { $0.severity == .error && $0.message.contains("otmVersion") })
    }
}

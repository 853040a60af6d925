import Foundation
import MoatCore
@testable import MoatInterop
import Yams
import Testing

/// Issue 15: importers that lose nothing — trust and type inference with provenance, threats as written threats,
/// Threagile in full, empty and newer inputs, OTM round trips that keep identity.
@Suite struct TrustAndTypeInferenceTests {
    @Test func threagileBoundariesGetATrustLevelFromWhatTheModelSays() throws {
        let m = try importShared("threagile/example.yaml")
        #expect(m.boundary("web-dmz")?.attributes.string("trust") == "dmz")
        #expect(m.boundary("erp-dmz")?.attributes.string("trust") == "dmz")
        #expect(m.text.contains("# trust dmz: inferred from the word 'dmz' in its name"))
        // Nothing implies a level: none is invented, and a comment says so.
        #expect(m.boundary("dev-network")?.attributes.string("trust") == nil)
        #expect(m.text.contains("# trust: Threagile gives none and nothing here implies one"))
    }

    @Test func aZoneHoldingOnlyInternetActorsIsUntrusted() throws {
        let m = try importFile(Fixture.file("threagile-includes/main.yaml"))
        #expect(m.errors.isEmpty, "\(m.errors.map(\.message))")
        #expect(m.boundary("courier-devices")?.attributes.string("trust") == "untrusted")
        #expect(m.text.contains("# trust untrusted: it holds only actors reached over the internet (internet: true)"))
    }

    @Test func threatDragonBoxesAreNamedIntoTrust() throws {
        let m = try importShared("threat-dragon/generic-cms.json")
        #expect(m.boundary("internet")?.attributes.string("trust") == "untrusted")
        let pay = try importShared("threat-dragon/payment-online.json")
        #expect(pay.boundary("customer-internet")?.attributes.string("trust") == "untrusted")
    }

    @Test func theCryptoWalletsExchangeSideOfTheInternetLineIsOutside() throws {
        let m = try importFile(Fixture.file("crypto-wallet-lines.json"))
        #expect(m.errors.isEmpty, "\(m.errors.map(\.message))")
        // The exchange, the blockchain and their stores are on the far side of the line named "Internet".
        let outside = try #require(m.element("exchange-web-site")?.boundary)
        #expect(m.boundary(outside)?.attributes.string("trust") == "untrusted")
        for id in ["exchange-backend", "exchange-api", "mongodb", "mysql-user-config", "electrumx", "blockchain-integration"] {
            #expect(m.element(id)?.boundary == outside, "\(id)")
        }
        #expect(m.element("blockchain")?.boundary == nil)  // an actor outside: untrusted by itself
        // The wallet's side: its box, and the user's devices in a zone of their own.
        #expect(m.element("gui")?.boundary == "electrum-wallet")
        let userSide = try #require(m.element("browser")?.boundary)
        #expect(userSide != outside)
        #expect(m.element("actor-actor")?.boundary == userSide)  // `actor` is a keyword, so the id gets a suffix
        #expect(m.text.contains("the side of the lines where the external actors and the line named 'Internet' are"))
    }

    @Test func elementsGetTypeAndTechFromTheirWordsWithAComment() throws {
        let m = try importFile(Fixture.file("crypto-wallet-lines.json"))
        #expect(m.element("mongodb")?.attributes.string("tech") == "mongodb")
        #expect(m.element("mongodb")?.attributes.string("type") == "nosql")
        #expect(m.element("mysql-user-config")?.attributes.string("type") == "sql")
        #expect(m.element("exchange-api")?.attributes.string("type") == "api")
        #expect(m.element("exchange-api")?.attributes.string("tech") == "nodejs")  // "Node.js API"
        #expect(m.element("browser")?.attributes.string("type") == "browser")
        #expect(m.element("daemon")?.attributes.string("type") == "worker")
        #expect(m.text.contains("# type nosql: inferred from the word 'mongodb' in the name 'MongoDB'"))
        #expect(m.text.contains("# type sql: inferred from 'mysql' (mysql) in the name 'MySQL user & config'"))
    }

    @Test func trustChoicesOverrideWhatWasInferred() throws {
        let m = try importFile(Fixture.file("crypto-wallet-lines.json"),
                               options: ImportOptions(trust: ["Trust zone 1": "partner", "electrum-wallet": "restricted"]))
        #expect(m.boundary("zone-1")?.attributes.string("trust") == "partner")
        #expect(m.boundary("electrum-wallet")?.attributes.string("trust") == "restricted")
        #expect(m.text.contains("# trust partner: set on import (--trust Trust zone 1=partner)"))
        let unknown = try importFile(Fixture.file("crypto-wallet-lines.json"), options: ImportOptions(trust: ["nowhere": "dmz"]))
        #expect(unknown.errors.contains { $0.message.hasPrefix("--trust nowhere=…: the model has no boundary") })
    }
}

@Suite struct WrittenThreatImportTests {
    @Test func threagileIndividualRisksAreWrittenThreatsOnTheirAssets() throws {
        let m = try importShared("threagile/example.yaml")
        let database = try #require(m.threat("something-strange"))
        #expect(database.subject == "sql-database")
        #expect(database.title == "Example Individual Risk at Database")
        #expect(database.attributes.list("stride") == ["repudiation"])
        #expect(database.attributes.list("cwe") == ["693"])
        #expect(database.attributes.number("likelihood") == 2 && database.attributes.number("impact") == 2)
        #expect(m.threat("something-strange-2")?.subject == "contract-file-server")
    }

    @Test func threatDragonStatusesBecomeTracking() throws {
        let json = #"""
            {"summary": {"title": "Statuses"}, "detail": {"contributors": [], "diagrams": [{"title": "d", "cells": [
              {"shape": "process", "id": "p1", "position": {"x": 0, "y": 0}, "size": {"width": 80, "height": 80},
               "data": {"type": "tm.Process", "name": "API", "threats": [
                 {"id": "t-open", "title": "Credential stuffing", "status": "Open", "severity": "TBD", "type": "Spoofing"},
                 {"id": "t-done", "title": "SQL injection in search", "status": "Mitigated", "severity": "High", "type": "Tampering",
                  "mitigation": "Parameterised queries"},
                 {"id": "t-na", "title": "Replay of old tokens", "status": "NA", "severity": "Low", "type": "Spoofing"},
                 {"id": "t-none", "title": "Something odd", "status": "Open", "severity": "Low", "type": "Generic"}]}}]}]}}
            """#
        let m = importText(json, path: "statuses.json")
        #expect(m.errors.isEmpty, "\(m.errors.map(\.message))\n\(m.text)")
        let open = try #require(m.model.threats.first { $0.title == "Credential stuffing" })
        #expect(open.attributes.string("severity") == "medium")  // TBD: said in a comment
        #expect(open.attributes.string("same-as") == "credential-stuffing")
        let done = try #require(m.model.threats.first { $0.title == "SQL injection in search" })
        #expect(done.attributes.string("same-as") == "sql-injection")
        #expect(m.model.tracking.contains { $0.status == .mitigated && $0.pattern == "\(done.id)@api" && $0.justification == "Parameterised queries" })
        let na = try #require(m.model.threats.first { $0.title == "Replay of old tokens" })
        #expect(m.model.tracking.contains { $0.status == .notApplicable && $0.pattern == "\(na.id)@api" })
        #expect(!m.model.tracking.contains { $0.pattern.hasPrefix(open.id + "@") })
        // No STRIDE category in its type or words: a comment and a warning, not a guess.
        #expect(!m.model.threats.contains { $0.title == "Something odd" })
        #expect(m.warning(containing: "threat 'Something odd' on process 'api': no STRIDE category") != nil)
        #expect(m.text.contains("# Threat Dragon threat (Open, Low, Generic): Something odd"))
    }

    @Test func otmThreatsKeepTheirIdsAndMitigations() throws {
        let m = try importShared("otm/startleft/manual_threat_model.yaml")
        #expect(m.errors.isEmpty)
        for t in m.model.threats { #expect(t.attributes.string("origin")?.hasPrefix("otm:") == true || !t.id.isEmpty) }
    }
}

@Suite struct ThreagileInFullTests {
    @Test func factsForTheCalibrationCategoriesArrive() throws {
        let m = try importShared("threagile/example.yaml")
        func a(_ id: String) -> Attributes { m.element(id)?.attributes ?? Attributes() }
        // machine, custom-developed parts, data formats, tags → cloud, shared runtime, CIA ratings.
        #expect(a("apache-webserver").string("machine") == "container")
        #expect(a("marketing-cms").string("machine") == "container")
        #expect(a("apache-webserver").flag("custom-developed"))
        #expect(a("erp-system").list("data-formats") == ["xml", "file", "serialization"])
        #expect(a("apache-webserver").string("cloud") == "aws")
        #expect(a("contract-file-server").string("cloud") == "aws")
        #expect(m.boundary("application-network")?.attributes.string("cloud") == "aws")
        #expect(a("erp-system").string("shared-runtime") == "WebApp and Backoffice Virtualization")
        #expect(a("sql-database").string("confidentiality") == "strictly-confidential")
        #expect(a("sql-database").string("availability") == "mission-critical")
        #expect(a("jenkins-build-server").string("usage") == "devops")
        #expect(a("erp-system").string("size") == "system")
        // Links: readonly and devops usage.
        #expect(m.flow("load-balancer->marketing-cms")?.attributes.flag("readonly") == true)
        #expect(m.flow("jenkins-build-server->apache-webserver")?.attributes.string("usage") == "devops")
        // Data: CIA, quantity, usage, origin.
        #expect(m.data("customer-accounts")?.attributes.string("confidentiality") == "strictly-confidential")
        #expect(m.data("customer-accounts")?.attributes.string("quantity") == "many")
        #expect(m.data("db-dumps")?.attributes.string("usage") == "devops")
        #expect(m.data("customer-contracts")?.attributes.string("produced-by") == "Customer")
    }

    @Test func includesAreFollowed() throws {
        let m = try importFile(Fixture.file("threagile-includes/main.yaml"))
        #expect(m.errors.isEmpty, "\(m.errors.map(\.message))")
        #expect(m.model.elements.map(\.id).sorted() == ["courier-app", "tracking-db", "tracking-web"])
        #expect(m.element("tracking-db")?.boundary == "cloud-vpc")
        #expect(m.element("tracking-db")?.attributes.string("tech") == "postgres")
        #expect(m.flow("tracking-web->tracking-db")?.attributes.flag("readonly") == true)
        #expect(m.data("parcel-status")?.attributes.string("availability") == "critical")
        // Warnings about an included file point into that file.
        let load = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary))
            .load(path: Fixture.path("threagile-includes/main.yaml"))
        #expect(!load.hasErrors)
    }

    /// `includes:` are read through `ImportOptions.sourceLoader` (the disk by default): the fuzz target gives an
    /// in-memory file system, so that an input naming `/dev/stdin` or `/etc/passwd` reads nothing on disk.
    @Test func threagileIncludesReadThroughTheGivenSourceLoader() throws {
        let part = Array("""
            technical_assets:
              Memory:
                id: memory
                type: process
            """.utf8)
        let asked = Asked()
        let loader = SourceLoader(readBytes: { path in
            asked.append(path)
            if path == "/mem/part.yaml" { return part }
            throw SourceLoader.LoadError.notFound
        })
        let root = SourceFile(path: "/mem/main.yaml", text: "threagile_version: 1.0.0\ntitle: T\nincludes: [part.yaml, /dev/stdin]\n")
        let m = importFile(root, as: .threagile, options: ImportOptions(sourceLoader: loader))
        #expect(asked.paths == ["/mem/part.yaml", "/dev/stdin"])
        #expect(m.element("memory") != nil, "\(m.text)")
        #expect(m.errors.map(\.message) == ["cannot include '/dev/stdin': no such file"])
    }

    @Test func anIncludeCycleIsAnErrorAtTheInclude() throws {
        let m = try importFile(Fixture.file("threagile-include-cycle/a.yaml"))
        let cycle = try #require(m.errors.first { $0.id == .includeCycle })
        #expect(cycle.message == "include cycle: a.yaml -> b.yaml -> a.yaml")
        #expect(cycle.range?.file.path.hasSuffix("b.yaml") == true)
    }

    @Test func threagilesAnalysisOutputIsRefusedClearly() throws {
        let file = try Fixture.file("threagile-risks.json")
        #expect(FormatDetector.detect(file) == .threagile)
        let m = importFile(file)
        #expect(m.errors.map(\.message) == ["this is Threagile's analysis output, its list of identified risks (risks.json), not a Threagile model"])
    }
}

@Suite struct EmptyAndNewerInputTests {
    @Test(arguments: [
        ("empty.yaml", "threagile_version: 1.0.0\ntitle: Nothing yet\n"),
        ("empty.json", #"{"summary": {"title": "Nothing yet"}, "detail": {"contributors": [], "diagrams": []}}"#),
        ("empty.otm.json", #"{"otmVersion": "0.2.0", "project": {"name": "Nothing yet", "id": "n"}, "trustZones": [], "components": [], "dataflows": []}"#),
        ("empty.tmbom.json", #"{"scope": {"title": "Nothing yet"}, "trust_zones": [], "components": [], "data_flows": []}"#),
    ])
    func anEmptyButValidModelIsAnEmptyModelWithAWarning(_ name: String, _ text: String) throws {
        let m = importText(text, path: name)
        #expect(m.errors.isEmpty, "\(m.errors.map(\.message))")
        #expect(m.result.diagnostics.diagnostics.contains { $0.id == .emptyModel && $0.severity == .warning })
        #expect(m.load.model?.elements.isEmpty == true)
        #expect(m.model.header.name == "Nothing yet")
    }

    @Test func startleftsMinimalContentImportsEmpty() throws {
        let m = try importShared("otm/startleft/minimal_content.yaml")
        #expect(m.errors.isEmpty)
        #expect(m.model.elements.isEmpty)
        #expect(m.warnings.contains { $0.id == .emptyModel })
    }

    @Test func aTMBOMIsRead() throws {
        let file = try Fixture.file("clinic.tmbom.json")
        #expect(FormatDetector.detect(file) == .tmBOM)
        let m = importFile(file)
        #expect(m.errors.isEmpty, "\(m.errors.map(\.message))")
        #expect(m.model.header.name == "Clinic Appointments")
        #expect(m.model.elements.count == 8)
        #expect(m.element("patient")?.kind == .actor)
        #expect(m.element("front-desk")?.attributes.string("type") == "admin")
        #expect(m.element("appointments-db")?.attributes.string("type") == "sql")
        #expect(m.element("appointments-db")?.attributes.string("tech") == "postgres")
        #expect(m.element("appointments-db")?.attributes.flag("encrypted-at-rest") == true)
        #expect(m.element("reminder-queue")?.attributes.string("tech") == "sqs")
        #expect(m.boundary("dmz")?.attributes.string("trust") == "dmz")
        #expect(m.boundary("saas")?.attributes.string("trust") == "partner")
        #expect(m.boundary("clinic-network")?.attributes.string("trust") == "internal")
        #expect(m.data("patient-contacts")?.attributes.flag("pii") == true)
        #expect(m.data("appointment-reasons")?.attributes.flag("health") == true)
        #expect(m.data("appointment-reasons")?.attributes.string("quantity") == "many")
        // Protocols from flow titles, with the port.
        #expect(m.flow("web-api")?.attributes.string("protocol") == "http2")
        #expect(m.flow("api-db")?.attributes.string("protocol") == "tcp")
        #expect(m.flow("api-db")?.attributes.number("port") == 5432)
        // Threats: on the affected component, severity from the risk, status from the active control.
        let idor = try #require(m.threat("appointment-idor"))
        #expect(idor.subject == "calendar-api")
        #expect(idor.attributes.string("severity") == "high")
        #expect(idor.attributes.list("cwe") == ["639"])
        #expect(idor.attributes.list("capec") == ["87"])
        #expect(idor.attributes.list("stride") == ["information-disclosure"])
        #expect(m.model.tracking.contains { $0.status == .mitigated && $0.pattern == "appointment-idor@calendar-api" })
        #expect(m.threat("sql-injection-search")?.attributes.string("same-as") == "sql-injection")
        #expect(m.threat("sms-spoofing")?.subject == "model")
        // What is not there is said, at its place.
        #expect(m.warning(containing: "placed in unknown data store 'lost-archive'") != nil)
        #expect(m.warning(containing: "'billing' is no actor, component or data store") != nil)
    }

    @Test func everyProtocolSpellingMapsOrIsKept() throws {
        let inference = Inference(vocabulary: catalogue.vocabulary)
        #expect(inference.protocolName("HTTP/2")?.name == "http2")
        #expect(inference.protocolName("UPnP")?.name == "upnp")
        #expect(inference.protocolName("CoAPs")?.name == "coaps")
        #expect(inference.protocolName("SNMP")?.name == "snmp")
        let tcp = try #require(inference.protocolName("TCP 1234"))
        #expect(tcp.name == "tcp" && tcp.port == 1234)
        #expect(inference.protocolName("HTTPS (443)")?.port == 443)
        #expect(inference.protocolName("carrier pigeon") == nil)
    }

    @Test func threatDragonV1SizeAndHashKeysMakeNoNoise() throws {
        let json = #"""
            {"summary": {"title": "V1"}, "detail": {"contributors": [], "diagrams": [{"title": "Main", "size": {"height": 590, "width": 790},
             "$$hashKey": "object:14", "diagramJson": {"cells": [
               {"type": "tm.Actor", "id": "a1", "size": {"width": 100, "height": 60}, "position": {"x": 0, "y": 0}, "z": 1,
                "$$hashKey": "object:1", "attrs": {"text": {"text": "User"}}, "threats": []},
               {"type": "tm.Process", "id": "p1", "size": {"width": 100, "height": 100}, "position": {"x": 300, "y": 0},
                "attrs": {"text": {"text": "Hub"}}, "threats": [{"title": "Spoofed hub", "status": "Open", "severity": "High",
                "type": "Spoofing", "$$hashKey": "object:77"}]},
               {"type": "tm.Flow", "id": "f1", "source": {"id": "a1"}, "target": {"id": "p1"}, "size": {"width": 1, "height": 1},
                "labels": [{"position": 0.5, "attrs": {"text": {"text": "Discover"}}}], "protocol": "UPnP", "$$hashKey": "object:9"},
               {"type": "tm.Flow", "id": "f2", "source": {"id": "p1"}, "target": {"id": "a1"},
                "labels": [{"position": 0.5, "attrs": {"text": {"text": "Push"}}}], "protocol": "TCP 1234"}
             ]}}]}}
            """#
        let m = importText(json, path: "v1.json")
        #expect(m.errors.isEmpty)
        #expect(m.warnings.filter { $0.id == .unmapped }.isEmpty, "\(m.warnings.map(\.message))")
        #expect(m.flow("user->hub")?.attributes.string("protocol") == "upnp")
        #expect(m.flow("hub->user")?.attributes.string("protocol") == "tcp")
        #expect(m.flow("hub->user")?.attributes.number("port") == 1234)
    }
}

@Suite struct OTMRoundTripTests {
    static let otmFiles = Shared.allInputs.filter { $0.hasPrefix("otm/") }

    /// OTM → Moat → OTM: every component, dataflow, trust zone and asset id, every threat with its id and its
    /// mitigations, and every representation come back.
    @Test(arguments: otmFiles)
    func otmToMoatToOTMKeepsIdentity(_ relative: String) throws {
        let original = try #require(try Yams.load(yaml: String(contentsOfFile: Shared.path(relative), encoding: .utf8)) as? [String: Any])
        let m = try importShared(relative)
        let analysis = m.analysis()
        let exported = OTMExporter(catalogue: catalogue).tree(analysis.model, findings: analysis.findings).serialized()
        let back = try #require(try JSONSerialization.jsonObject(with: Data(exported.utf8)) as? [String: Any])
        let figures = OTMFigures(original: original, roundTripped: back)
        #expect(figures.missingIDs.isEmpty, "\(relative): ids lost: \(figures.missingIDs)")
        #expect(figures.missingThreats.isEmpty, "\(relative): threats lost: \(figures.missingThreats)")
        #expect(figures.missingMitigations.isEmpty, "\(relative): mitigations lost: \(figures.missingMitigations)")
        #expect(figures.missingRepresentations.isEmpty, "\(relative): representations lost: \(figures.missingRepresentations)")
        // And the export is valid OTM.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("round.otm.json")
        try exported.write(to: file, atomically: true, encoding: .utf8)
        let problem = try validateWithJSONSchema(file, schema: Shared.schemas.appendingPathComponent("otm_schema.json"))
        #expect(problem == nil, "\(problem ?? "")")
    }

    /// Moat → OTM → Moat keeps every written threat and tracking entry.
    @Test func moatToOTMToMoatKeepsWrittenThreatsAndTracking() throws {
        let text = """
            model "Door locks" { owner "iot" }
            actor resident "Resident" { type user }
            process hub "Hub" { type gateway }
            datastore log "Log" { type log }
            resident -> hub "Unlock" { protocol https }
            hub -> log "Append" { protocol tcp }
            threat replay "Replayed unlock command" on resident -> hub { stride spoofing, tampering; severity high; cwe 294 }
            threat wipe "Log wiped" on log { stride repudiation; likelihood 2; impact 3; mitigation "append-only storage" }
            mitigated replay@resident->hub "nonces since v2" owner "firmware"
            accept sql-injection@hub "no SQL here" until 2030-01-01
            """
        let model = try #require(ModelLoader(catalogue: catalogue).load(text: text, path: "locks.moat").model)
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: asOf))
        for notation in OTMExporter.Notation.allCases {
            let otm = try OTMExporter(catalogue: catalogue).export(analysis.model, findings: analysis.findings, as: notation)
            let result = OTMImporter(vocabulary: catalogue.vocabulary).importModel(SourceFile(path: "locks.otm.\(notation.rawValue)", text: otm))
            #expect(!result.hasErrors, "\(result.diagnostics.diagnostics.map(\.message))")
            let moat = MoatFormatter(vocabulary: catalogue.vocabulary).format(result.document)
            let back = try #require(ModelLoader(catalogue: catalogue).load(text: moat, path: "back.moat").model, "\(moat)")
            #expect(back.threats.map(\.id) == ["replay", "wipe"])
            #expect(signature(back) == signature(model), "\(notation)")
        }
    }
}

/// What is kept of an OTM file after a round trip through Moat.
struct OTMFigures {
    var ids: Set<String> = [], threats: Set<String> = [], mitigations: Set<String> = [], representations: Set<String> = []
    var missingIDs: [String] = [], missingThreats: [String] = [], missingMitigations: [String] = [], missingRepresentations: [String] = []

    static func collect(_ otm: [String: Any]) -> (ids: Set<String>, threats: Set<String>, mitigations: Set<String>, representations: Set<String>) {
        var ids = Set<String>(), threats = Set<String>(), mitigations = Set<String>(), reps = Set<String>()
        for key in ["trustZones", "components", "dataflows", "assets"] {
            for item in otm[key] as? [[String: Any]] ?? [] {
                guard let id = item["id"].map({ "\($0)" }) else { continue }
                ids.insert("\(key):\(id)")
                for r in item["representations"] as? [[String: Any]] ?? [] {
                    reps.insert("\(id)@\(r["representation"].map { "\($0)" } ?? "?"):\(describe(r["position"])),\(describe(r["size"]))")
                }
                for t in item["threats"] as? [[String: Any]] ?? [] {
                    guard let tid = t["threat"].map({ "\($0)" }) else { continue }
                    for m in t["mitigations"] as? [[String: Any]] ?? [] { mitigations.insert("\(id)/\(tid)/\(m["mitigation"].map { "\($0)" } ?? "?")") }
                }
            }
        }
        for r in otm["representations"] as? [[String: Any]] ?? [] { reps.insert("model:\(r["id"].map { "\($0)" } ?? "?"):\(describe(r["size"]))") }
        for t in otm["threats"] as? [[String: Any]] ?? [] { if let id = t["id"] { threats.insert("\(id)") } }
        return (ids, threats, mitigations, reps)
    }

    static func describe(_ value: Any?) -> String {
        guard let d = value as? [String: Any] else { return "-" }
        return d.keys.sorted().map { "\($0)=\(d[$0].map { "\($0)" } ?? "")" }.joined(separator: ";")
    }

    init(original: [String: Any], roundTripped: [String: Any]) {
        let a = Self.collect(original), b = Self.collect(roundTripped)
        ids = a.ids; threats = a.threats; mitigations = a.mitigations; representations = a.representations
        missingIDs = a.ids.subtracting(b.ids).sorted()
        missingThreats = a.threats.subtracting(b.threats).sorted()
        missingMitigations = a.mitigations.subtracting(b.mitigations).sorted()
        missingRepresentations = a.representations.subtracting(b.representations).sorted()
    }
}

/// Every fixture of this suite, like every shared input: imported, canonical under `moat fmt`, deterministic,
/// loaded, analysed.
@Suite struct FixtureInputTests {
    static let importable = ["crypto-wallet-lines.json", "clinic.tmbom.json", "threagile-includes/main.yaml"]

    @Test(arguments: importable)
    func importsCanonicallyAndDeterministically(_ name: String) throws {
        let a = try importFile(Fixture.file(name)), b = try importFile(Fixture.file(name))
        #expect(a.errors.isEmpty, "\(a.errors.map(\.message))")
        #expect(a.load.model != nil, "\(a.load.diagnostics.map(\.message))\n\(a.text)")
        #expect(a.text == b.text)
        let (reparsed, diagnostics) = Parser.parse(SourceFile(path: "x.moat", text: a.text))
        #expect(!diagnostics.contains { $0.severity == .error })
        #expect(MoatFormatter(vocabulary: catalogue.vocabulary).format(reparsed) == a.text)
        for w in a.warnings { #expect(w.range?.file.path.hasPrefix(Fixture.folder.path) == true, "\(w.message)") }
        #expect(!a.analysis().findings.isEmpty)
    }

    @Test(arguments: importable)
    func convertsToYAMLAndJSONAndBackWithEveryKeptAttribute(_ name: String) throws {
        // origin, layout, same-as and mitigated-by are attributes of the language: they survive conversion.
        let a = try importFile(Fixture.file(name))
        let tree = DocumentTree(vocabulary: catalogue.vocabulary)
        let (reparsed, _) = Parser.parse(SourceFile(path: "x.moat", text: a.text))
        let json = tree.json(reparsed)
        let back = ModelLoader(catalogue: catalogue).load(text: json, path: "x.json")
        let model = try #require(back.model, "\(back.diagnostics.map(\.message))")
        #expect(signature(model) == signature(a.model))
    }
}

/// The paths a test's SourceLoader was asked for.
private final class Asked: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ path: String) { lock.lock(); list.append(path); lock.unlock() }
    var paths: [String] { lock.lock(); defer { lock.unlock() }; return list }
}

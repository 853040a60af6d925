import Foundation
import MoatCore
import MoatReports
import Testing

/// The constructs real architectures needed (issue 13): written threats, zone-wide attributes, who opens
/// the connection, managed services, CIA ratings, client elements, and the smaller frictions.
@Suite("Language: written threats, zones, initiators, managed services, CIA")
struct LanguageRound2Tests {
    static let mesh = """
        model "Mesh" { maturity 2 }

        data tok "Session token" { classification secret; credentials }

        boundary internet "Internet" {
          trust untrusted
          actor user "User" { type user }
        }

        boundary mesh "Service mesh" {
          authn mtls
          encrypted
          process ingress "Ingress" { type ingress; tech envoy }
          process api "API" { type api; authn oidc }
          process prom "Prometheus" { type metrics; tech prometheus }
          datastore kafka "Kafka" { type queue; tech kafka }
        }

        boundary aws "AWS" {
          managed "AWS"
          datastore db "Orders DB" { type sql; tech postgres; stores tok; integrity critical }
        }

        user -> ingress "Request" { protocol https; carries tok }
        ingress -> api "Forward"
        api -> db "Query" { protocol postgres-tls }
        api -> kafka "Publish"
        kafka -> api "Consume" { subscribe }
        api -> prom "Metrics" { pull }

        threat replay "Replayed session token" on user -> ingress {
          stride spoofing
          severity high
          mitigation "Bind tokens to the client certificate."
          cwe 294
        }

        mitigated replay@user->ingress "Tokens are bound since v2"

        """

    // MARK: Written threats

    @Test func aWrittenThreatParsesAndResolvesItsSubject() throws {
        let result = try loadModel(Self.mesh)
        #expect(!result.hasErrors, "\(describe(result.diagnostics))")
        let threat = try #require(result.model?.threats.first)
        #expect(threat.id == "replay" && threat.title == "Replayed session token")
        #expect(threat.subject == "user->ingress" && threat.subjectKind == .flow)
        #expect(threat.attributes.list(.stride) == ["spoofing"] && threat.attributes.string(.severity) == "high")
        #expect(threat.attributes.list(.cwe) == ["294"])
    }

    @Test func aWrittenThreatIsAFindingThatTrackingDecides() throws {
        let model = try #require(try loadModel(Self.mesh).model)
        let analysis = Analyzer(catalogue: try builtInCatalogue()).analyze(model, options: AnalysisOptions(asOf: "2026-01-01"))
        let f = try #require(analysis.findings.first { $0.id == "replay@user->ingress" })
        #expect(f.rule.isWritten && f.rule.stride == [.spoofing] && f.rule.cwe == [294])
        #expect(f.status == .mitigated && f.tracking?.justification == "Tokens are bound since v2")
        #expect(f.likelihood == 3 && f.impact == 3 && f.severity == .high && f.factors.isEmpty)
        #expect(f.rule.fix == "Bind tokens to the client certificate.")
        // Without the tracking entry it is open, and counts against the maturity summary.
        let open = try #require(try loadModel(Self.mesh.replacingOccurrences(of: "mitigated replay@user->ingress \"Tokens are bound since v2\"", with: "")).model)
        let a2 = Analyzer(catalogue: try builtInCatalogue()).analyze(open, options: AnalysisOptions(asOf: "2026-01-01"))
        let g = try #require(a2.findings.first { $0.id == "replay@user->ingress" })
        #expect(g.isOpen && g.expectedLevel == 2 && g.status == .gap)
        #expect(a2.maturity.components["user->ingress"] == 1)
    }

    @Test func aWrittenThreatMustSayWhatItIsAboutAndHowBad() throws {
        let m = extractMarkers("""
            actor a
            process b
            a -> b
            threat t1 "No subject" on 1️⃣c -> b { stride spoofing; severity low }
            threat 2️⃣t2 "No rating" on b { stride spoofing }
            threat 3️⃣t3 "No STRIDE" on b { severity high }
            threat t4 "Both" on b { stride tampering; 4️⃣severity high; likelihood 2; impact 3 }
            threat t5 "Missing on" 5️⃣{ stride tampering }
            """)
        let result = try loadModel(m.text)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.id.rawValue) == ["unknown-subject", "incomplete-threat", "incomplete-threat", "incomplete-threat", "expected-subject"])
        #expect(errors.map { $0.range?.start } == [m["1"], m["2"], m["3"], m["4"], m["5"]])
        #expect(errors[0].message == "threat 't1' is on 'c->b', which is no element, flow or boundary; did you mean 'a->b'?")
        #expect(errors[1].message == "threat 't2' needs a severity, or a likelihood and an impact")
    }

    @Test func writtenThreatsRoundTripThroughFmtYAMLAndJSON() throws {
        let catalogue = try builtInCatalogue()
        let (document, diagnostics) = parse(Self.mesh)
        #expect(diagnostics.isEmpty)
        let formatted = MoatFormatter(vocabulary: catalogue.vocabulary).format(document)
        #expect(formatted.contains("threat replay \"Replayed session token\" on user -> ingress {"))
        #expect(MoatFormatter(vocabulary: catalogue.vocabulary).format(parse(formatted).0) == formatted)
        let tree = DocumentTree(vocabulary: catalogue.vocabulary)
        for notation in [Document.Notation.json, .yaml] {
            let text = notation == .json ? tree.json(document) : try tree.yaml(document)
            let path = "m.\(notation.rawValue)"
            let reloaded = try #require(try loadModel(text, path: path).model, "\(notation)")
            let original = try #require(try loadModel(Self.mesh).model)
            #expect(reloaded.threats.map(\.id) == original.threats.map(\.id))
            #expect(reloaded.threats.first?.subject == "user->ingress")
            #expect(reloaded.threats.first?.attributes.list(.cwe) == ["294"])
            #expect(reloaded.tracking.map(\.pattern) == ["replay@user->ingress"])
        }
    }

    @Test func theSchemaDescribesThreats() throws {
        let schema = ModelSchema(vocabulary: try builtInCatalogue().vocabulary).json()
        #expect(schema.contains("\"threats\"") && schema.contains("\"threat\"") && schema.contains("\"on\""))
    }

    // MARK: Zone-wide attributes

    @Test func boundaryAttributesApplyInsideUnlessOverridden() throws {
        let model = try #require(try loadModel(Self.mesh).model)
        func element(_ id: String) -> Element { model.elements.first { $0.id == id }! }
        func flow(_ id: String) -> Flow { model.flows.first { $0.id == id }! }
        // Inherited where not written; the element's own value wins.
        #expect(element("ingress").effective("authn") == .word("mtls"))
        #expect(element("api").effective("authn") == .word("oidc") && element("api").inherited["authn"] == nil)
        // Flows take the zone of both ends: inside the mesh, encrypted and mTLS; entering it, not.
        #expect(flow("ingress->api").effective("encrypted") == .flag(true))
        #expect(flow("ingress->api").effective("authn") == .word("mtls"))
        #expect(flow("user->ingress").inherited.entries.isEmpty)
        #expect(element("db").effective("managed") == .string("AWS"))
    }

    @Test func explainSaysWhereAnInheritedValueComesFrom() throws {
        let catalogue = try builtInCatalogue()
        let model = try #require(try loadModel(Self.mesh).model)
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-01-01"))
        let f = try #require(analysis.findings.first { $0.elementID == "ingress" })
        let text = ExplanationTextWriter().write(try Explainer(catalogue: catalogue).explain(f.id, in: analysis))
        #expect(text.contains("inherited: authn mtls (from boundary mesh)"), "\(text)")
    }

    @Test func graphJSONReportsEffectiveValues() throws {
        let catalogue = try builtInCatalogue()
        let model = try #require(try loadModel(Self.mesh).model)
        let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
        let json = GraphJSON(includePositions: false).value(graph).serialized()
        #expect(json.contains("\"inherited\": {\n        \"authn\": {\n          \"value\": \"mtls\",\n          \"from\": \"mesh\""), "\(json)")
    }

    // MARK: Who connects

    @Test func pullAndSubscribeMakeTheTargetConnect() throws {
        let model = try #require(try loadModel(Self.mesh).model)
        let graph = ArchitectureGraph(model: model, vocabulary: try builtInCatalogue().vocabulary)
        let consume = try #require(graph.flowIndex["kafka->api"]), scrape = try #require(graph.flowIndex["api->prom"])
        #expect(graph.model.elements[graph.caller(ofFlow: consume)].id == "api")
        #expect(graph.model.elements[graph.callee(ofFlow: consume)].id == "kafka")
        #expect(graph.model.elements[graph.caller(ofFlow: scrape)].id == "prom")
        // The queue accepts the consumer's connection; the API accepts the ingress's and Prometheus's.
        let kafka = try #require(graph.elementIndex["kafka"]), api = try #require(graph.elementIndex["api"])
        #expect(Set(graph.acceptedConnections[kafka].map { graph.model.flows[$0].id }) == ["api->kafka", "kafka->api"])
        #expect(Set(graph.acceptedConnections[api].map { graph.model.flows[$0].id }) == ["ingress->api", "api->prom"])
    }

    @Test func initiatorSourceContradictsPull() throws {
        let m = extractMarkers("process a\nprocess b\na -> b { initiator source; 1️⃣pull }\n")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .contradictoryInitiator,
                         message: "'pull' says the target connects, but 'initiator source' says the source does", at: m["1"])
    }

    // MARK: Exposure through front doors

    @Test func whatSitsBehindAFrontDoorIsExposed() throws {
        let model = try #require(try loadModel("""
            boundary internet { trust untrusted; actor visitor }
            process cdn { type cdn }
            process lb { type load-balancer }
            process web { type web-app }
            process api { type api }
            datastore db { type sql }
            visitor -> cdn
            cdn -> lb
            lb -> web
            web -> api
            api -> db
            """).model)
        let graph = ArchitectureGraph(model: model, vocabulary: try builtInCatalogue().vocabulary)
        func d(_ id: String) -> Int? { graph.exposure.distance[graph.elementIndex[id]!] }
        #expect(d("cdn") == 1 && d("lb") == 2 && d("web") == 3)
        // A process that does work on the input ends the chain: the API is reachable, not exposed.
        #expect(d("api") == nil && d("db") == nil)
        #expect(graph.reachableFromUntrusted[graph.elementIndex["db"]!])
    }

    @Test func aWAFOnTheWayFiltersButDoesNotHide() throws {
        let model = try #require(try loadModel("""
            boundary internet { trust untrusted; actor visitor }
            process waf { type waf }
            process web { type web-app }
            visitor -> waf
            waf -> web
            """).model)
        let graph = ArchitectureGraph(model: model, vocabulary: try builtInCatalogue().vocabulary)
        let web = graph.elementIndex["web"]!
        #expect(graph.exposure.isExposed(web) && graph.exposure.filtered[web])
    }

    // MARK: Managed elements and CIA ratings

    @Test func ciaRatingsAreTypedOnTheirScales() throws {
        let m = extractMarkers("datastore d { confidentiality strictly-confidential; integrity critical; availability 1️⃣high }\n")
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .invalidValue, at: m["1"])
        #expect(d?.message == "'high' is not a value of 'availability'")
        #expect(d?.notes.first?.message == "'availability' is one of: archive, operational, important, critical, mission-critical")
    }

    // MARK: Smaller frictions

    @Test func aReverseArrowSaysWhatToWrite() throws {
        let m = extractMarkers("actor a\nprocess b\nb 1️⃣<- a\n")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .reverseArrow, message: "reverse arrows are not supported; write 'a -> b'", at: m["1"])
        // A flow with an id of its own too.
        let labelled = extractMarkers("actor a\nprocess b\nsend: b 1️⃣<- a\n")
        expectDiagnostic(try loadModel(labelled.text).diagnostics, id: .reverseArrow,
                         message: "reverse arrows are not supported; write 'a -> b'", at: labelled["1"])
    }

    @Test func anEqualsSignSaysWhatToWrite() throws {
        let m = extractMarkers("process w { type 1️⃣= worker }\n")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .attributeAssignment, message: "attributes take their value without '=': write 'type worker'",
                         at: m["1"])
    }

    @Test func aValueOfAnotherAttributeSaysWhichOne() throws {
        let m = extractMarkers("datastore k { type 1️⃣kafka }\n")
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .invalidValue, message: "'kafka' is not a value of 'type'; it is a 'tech' value: write 'tech kafka'",
                                 at: m["1"])
        // A long list gives the closest five and where the full list is.
        #expect(d?.notes.first?.message.hasPrefix("closest values of 'type': ") == true)
        #expect(d?.notes.first?.message.hasSuffix("moat vocabulary type") == true)
    }

    @Test func encryptedOnADatastoreSuggestsEncryptionAtRest() throws {
        let m = extractMarkers("datastore d { 1️⃣encrypted }\n")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .attributeNotAllowed,
                         message: "attribute 'encrypted' does not apply to a datastore; did you mean 'encrypted-at-rest'?", at: m["1"])
    }

    @Test func tlsAsAnAttributeSuggestsTheProtocol() throws {
        let m = extractMarkers("process a\nprocess b\na -> b { 1️⃣tls }\n")
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .unknownAttribute,
                                 message: "unknown attribute 'tls'; it is a value of 'protocol': write 'protocol tls'", at: m["1"])
        #expect(d?.notes.first?.message.hasPrefix("encrypted protocols: ") == true)
    }

    @Test func integrityOnAnActorIsARating() throws {
        let result = try loadModel("actor a { integrity important }\nprocess b\na -> b\n")
        #expect(!result.hasErrors, "\(describe(result.diagnostics))")
    }

    @Test func aTrackingPatternForNoRuleSuggestsOne() throws {
        let model = try #require(try loadModel("actor a\nprocess b\na -> b\naccept sql-injektion@b \"why\"\naccept spoofing-foo@b \"why\"\n").model)
        let analysis = Analyzer(catalogue: try builtInCatalogue()).analyze(model, options: AnalysisOptions(asOf: "2026-01-01"))
        let messages = analysis.diagnostics.filter { $0.id == .unmatchedTracking }.map(\.message)
        #expect(messages == [
            "tracking entry 'sql-injektion@b' matches no finding; no rule is called 'sql-injektion': did you mean 'sql-injection'?",
            "tracking entry 'spoofing-foo@b' matches no finding; no rule is called 'spoofing-foo' (list the rules with 'moat rules list')",
        ])
    }
}

/// Project vocabulary (`moat.yaml`): additions, never redefinitions, with model diagnostics.
@Suite("Project file")
struct ProjectFileTests {
    func read(_ text: String) throws -> (ProjectFile?, [Diagnostic]) {
        ProjectFile.read(SourceFile(path: "moat.yaml", text: text), vocabulary: try builtInCatalogue().vocabulary)
    }

    @Test func newValuesJoinGroupsAndRulesSeeThem() throws {
        let (project, diagnostics) = try read("""
            vocabulary:
              values:
                tech:
                  msk: [queue]
              tags: [pci]
            policy:
              min-level: 3
            """)
        #expect(diagnostics.isEmpty, "\(describe(diagnostics))")
        let p = try #require(project)
        #expect(p.minimumLevel == 3)
        let catalogue = try builtInCatalogue().extended(with: p)
        #expect(catalogue.vocabulary.group("queue", of: "tech")?.values.contains("msk") == true)
        // A rule written against the group (`tech in [queue]`) covers the project's value.
        let model = try #require(ModelLoader(catalogue: catalogue).load(text: """
            boundary internet { trust untrusted; actor visitor }
            process api { tags pci }
            datastore q { tech msk }
            visitor -> api
            api -> q
            """).model)
        let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
        let compiled = try ConditionCompiler(vocabulary: catalogue.vocabulary).compile("tech in [queue]", context: .node([.datastore])).get()
        #expect(compiled.holds(Evaluator(graph: graph, vocabulary: catalogue.vocabulary), .element(graph.elementIndex["q"]!)))
    }

    @Test func aProjectCannotRedefineBuiltIns() throws {
        let m = extractMarkers("""
            vocabulary:
              values:
                tech:
                  1️⃣postgres: []
                  y: [2️⃣nope]
                3️⃣trust:
                  x: []
              attributes:
                - 4️⃣{ name: owner, type: string, on: [process] }
            """)
        let (project, diagnostics) = try read(m.text)
        #expect(project == nil)
        #expect(diagnostics.map(\.message) == [
            "'postgres' is already a value of 'tech'; a project cannot redefine a built-in value",
            "'nope' is not a group of 'tech'",
            "'trust' is not open to new values; a project may add values to protocol, tech, type",
            "'owner' is a built-in attribute; a project cannot redefine it",
        ], "\(describe(diagnostics))")
        #expect(diagnostics.map { $0.range?.start } == [m["1"], m["2"], m["3"], m["4"]])
    }
}

import Testing
import MoatCore
import MoatReports

/// A model with every kind of boundary relationship; the comments give the expected zone trust.
private let zones = """
    actor user "User"                      # outer zone, actor: untrusted
    process batch "Nightly batch"          # outer zone, process: internal

    boundary internet { trust untrusted
      actor attacker                       # untrusted
    }
    boundary dmz "DMZ" {
      trust partner
      process web                          # partner
    }
    boundary partners { trust partner; process psp }
    boundary core "Core" {
      trust restricted
      process api                          # restricted
      boundary vault-zone {                # inherits restricted
        datastore secrets
      }
      boundary tools { trust internal; process admin-ui }
    }
    boundary office { process desk }       # default: internal

    user -> web                            # 0: enters dmz, untrusted -> partner: inbound
    web -> api                             # 1: exits dmz, enters core: inbound
    api -> secrets                         # 2: enters vault-zone, restricted -> restricted: lateral
    api -> web                             # 3: restricted -> partner: outbound
    web -> psp                             # 4: partner -> partner: lateral
    api <-> batch                          # 5: exits core: outbound
    desk -> api                            # 6: exits office, enters core: inbound
    admin-ui -> secrets                    # 7: exits tools, enters vault-zone: inbound
    secrets -> secrets "Compaction"        # 8: no crossing
    """

private struct Fixture {
    let graph: ArchitectureGraph

    init(_ text: String) throws {
        let result = try loadModel(text)
        #expect(!result.hasErrors, "\(describe(result.diagnostics))")
        let model = try #require(result.model)
        graph = ArchitectureGraph(model: model, vocabulary: try builtInCatalogue().vocabulary)
    }

    func e(_ id: String) -> Int { graph.elementIndex[id]! }
    func b(_ id: String) -> Int { graph.boundaryIndex[id]! }
    func f(_ id: String) -> Int { graph.flowIndex[id]! }
    func flowIDs(_ indices: [Int]) -> [String] { indices.map { graph.model.flows[$0].id } }
    func elementIDs(_ indices: [Int]) -> [String] { indices.map { graph.model.elements[$0].id } }
    func boundaryIDs(_ indices: [Int]) -> [String] { indices.map { graph.model.boundaries[$0].id } }
    func trust(_ rank: Int) -> String { graph.trustName(rank) }
    func crossing(_ flow: String) -> FlowCrossing { graph.crossings[f(flow)] }
}

@Suite("ArchitectureGraph")
struct GraphTests {
    /// Elements are in canonical order (boundary by boundary in declaration order, then those outside
    /// every boundary), so every notation of a model gives the same indices.
    @Test func indexesFollowCanonicalOrder() throws {
        let g = try Fixture(zones)
        #expect(g.graph.model.elements.map(\.id) == ["attacker", "web", "psp", "api", "secrets", "admin-ui", "desk", "user", "batch"])
        #expect(g.graph.model.boundaries.map(\.id) == ["internet", "dmz", "partners", "core", "vault-zone", "tools", "office"])
        #expect(g.e("api") == 3)
        #expect(g.b("vault-zone") == 4)
        #expect(g.f("api<->batch") == 5)
        #expect(g.graph.element("web")?.name == "web")
        #expect(g.graph.element("dmz") == nil)
        #expect(g.graph.trustLevels == ["untrusted", "partner", "dmz", "internal", "restricted"])
    }

    @Test func inboundAndOutboundIncludeBothEndsOfTwoWayFlows() throws {
        let g = try Fixture(zones)
        #expect(g.flowIDs(g.graph.outbound[g.e("web")]) == ["web->api", "web->psp"])
        #expect(g.flowIDs(g.graph.inbound[g.e("web")]) == ["user->web", "api->web"])
        #expect(g.flowIDs(g.graph.outbound[g.e("api")]) == ["api->secrets", "api->web", "api<->batch"])
        #expect(g.flowIDs(g.graph.inbound[g.e("api")]) == ["web->api", "api<->batch", "desk->api"])
        // The two-way flow leaves and arrives at batch too.
        #expect(g.flowIDs(g.graph.outbound[g.e("batch")]) == ["api<->batch"])
        #expect(g.flowIDs(g.graph.inbound[g.e("batch")]) == ["api<->batch"])
        // A self flow is counted once each way.
        #expect(g.flowIDs(g.graph.outbound[g.e("secrets")]) == ["secrets->secrets"])
        #expect(g.flowIDs(g.graph.inbound[g.e("secrets")]) == ["api->secrets", "admin-ui->secrets", "secrets->secrets"])
        #expect(g.graph.outbound[g.e("attacker")].isEmpty && g.graph.inbound[g.e("attacker")].isEmpty)
        #expect(g.graph.otherEnd(ofFlow: g.f("api<->batch"), from: g.e("batch")) == g.e("api"))
        #expect(g.graph.otherEnd(ofFlow: g.f("api<->batch"), from: g.e("api")) == g.e("batch"))
    }

    @Test func boundaryTreeAndInheritedTrust() throws {
        let g = try Fixture(zones)
        #expect(g.graph.boundaryParent[g.b("vault-zone")] == g.b("core"))
        #expect(g.graph.boundaryParent[g.b("tools")] == g.b("core"))
        #expect(g.graph.boundaryParent[g.b("core")] == nil)
        #expect(g.boundaryIDs(g.graph.boundaryChildren[g.b("core")]) == ["vault-zone", "tools"])
        #expect(g.graph.boundaryChildren[g.b("dmz")].isEmpty)
        #expect(g.elementIDs(g.graph.boundaryElements[g.b("core")]) == ["api"])
        #expect(g.elementIDs(g.graph.boundaryElements[g.b("vault-zone")]) == ["secrets"])
        let trust = g.graph.model.boundaries.indices.map { g.trust(g.graph.boundaryTrust[$0]) }
        #expect(trust == ["untrusted", "partner", "partner", "restricted", "restricted", "internal", "internal"])
        #expect(g.graph.elementBoundary[g.e("secrets")] == g.b("vault-zone"))
        #expect(g.graph.elementBoundary[g.e("user")] == nil)
        #expect(g.boundaryIDs(g.graph.boundaryChain(ofElement: g.e("secrets"))) == ["vault-zone", "core"])
        #expect(g.graph.boundaryChain(ofElement: g.e("batch")).isEmpty)
    }

    @Test func zoneTrustOfElements() throws {
        let g = try Fixture(zones)
        let trust = Dictionary(uniqueKeysWithValues: g.graph.model.elements.indices.map {
            (g.graph.model.elements[$0].id, g.trust(g.graph.zoneTrust[$0]))
        })
        #expect(trust == [
            "user": "untrusted", "batch": "internal", "attacker": "untrusted", "web": "partner", "psp": "partner",
            "api": "restricted", "secrets": "restricted", "admin-ui": "internal", "desk": "internal",
        ])
    }

    @Test func topLevelDatastoreIsInternalAndActorInAnInternalBoundaryIsInternal() throws {
        let g = try Fixture("""
            datastore files
            boundary office { actor clerk }
            clerk -> files
            """)
        #expect(g.trust(g.graph.zoneTrust[g.e("files")]) == "internal")
        #expect(g.trust(g.graph.zoneTrust[g.e("clerk")]) == "internal")
        #expect(g.graph.reachableFromUntrusted.allSatisfy { !$0 })
    }

    @Test func crossingsExitsEntersAndDirection() throws {
        let g = try Fixture(zones)
        func summary(_ flow: String) -> String {
            let c = g.crossing(flow)
            return "exits \(g.boundaryIDs(c.exited)) enters \(g.boundaryIDs(c.entered)) \(c.direction.rawValue) "
                + "\(g.trust(c.fromTrust))->\(g.trust(c.toTrust))"
        }
        #expect(summary("user->web") == #"exits [] enters ["dmz"] inbound untrusted->partner"#)
        #expect(summary("web->api") == #"exits ["dmz"] enters ["core"] inbound partner->restricted"#)
        #expect(summary("api->secrets") == #"exits [] enters ["vault-zone"] lateral restricted->restricted"#)
        #expect(summary("api->web") == #"exits ["core"] enters ["dmz"] outbound restricted->partner"#)
        #expect(summary("web->psp") == #"exits ["dmz"] enters ["partners"] lateral partner->partner"#)
        #expect(summary("api<->batch") == #"exits ["core"] enters [] outbound restricted->internal"#)
        #expect(summary("desk->api") == #"exits ["office"] enters ["core"] inbound internal->restricted"#)
        #expect(summary("admin-ui->secrets") == #"exits ["tools"] enters ["vault-zone"] inbound internal->restricted"#)
        #expect(summary("secrets->secrets") == #"exits [] enters [] none restricted->restricted"#)
        #expect(g.crossing("user->web").crossesBoundary)
        #expect(!g.crossing("secrets->secrets").crossesBoundary)
    }

    @Test func deepCrossingListsBoundariesInnermostExitFirstAndOutermostEntryFirst() throws {
        let g = try Fixture("""
            boundary a { boundary a1 { boundary a2 { process x } } }
            boundary b { trust restricted; boundary b1 { boundary b2 { process y } } }
            x -> y
            y -> x
            """)
        let there = g.crossing("x->y"), back = g.crossing("y->x")
        #expect(g.boundaryIDs(there.exited) == ["a2", "a1", "a"])
        #expect(g.boundaryIDs(there.entered) == ["b", "b1", "b2"])
        #expect(there.direction == .inbound)
        #expect(g.boundaryIDs(back.exited) == ["b2", "b1", "b"])
        #expect(g.boundaryIDs(back.entered) == ["a", "a1", "a2"])
        #expect(back.direction == .outbound)
    }

    @Test func flowWithinOneBoundaryDoesNotCross() throws {
        let g = try Fixture("""
            boundary core { trust restricted; process a; process b }
            a -> b
            """)
        #expect(g.crossing("a->b").direction == .none)
        #expect(!g.crossing("a->b").crossesBoundary)
    }

    /// A top-level actor is an external entity (untrusted); a top-level process is internal.
    /// A flow between them goes into a zone of higher trust, so it must not be `none`.
    @Test func flowFromTopLevelActorToTopLevelProcessCrossesInbound() throws {
        let g = try Fixture("""
            actor customer
            process web
            customer -> web
            """)
        let c = g.crossing("customer->web")
        #expect(g.trust(c.fromTrust) == "untrusted")
        #expect(g.trust(c.toTrust) == "internal")
        #expect(c.direction == .inbound)
    }

    @Test func reachableFromUntrusted() throws {
        let g = try Fixture(zones)
        let reached = Set(g.graph.model.elements.indices.filter { g.graph.reachableFromUntrusted[$0] }
            .map { g.graph.model.elements[$0].id })
        // user reaches web -> api -> secrets, web -> psp and, over the two-way flow, batch.
        // desk and admin-ui are only sources; user and attacker are never reached.
        #expect(reached == ["web", "api", "secrets", "psp", "batch"])
    }

    @Test func reachabilityFollowsTwoWayFlowsBackwards() throws {
        let g = try Fixture("""
            boundary internet { trust untrusted; actor attacker }
            process a
            process b
            process c
            a <-> attacker
            a -> b
            c -> a
            """)
        let reached = g.graph.model.elements.indices.filter { g.graph.reachableFromUntrusted[$0] }
        // attacker is reached too: attacker -> a -> attacker over the two-way flow.
        #expect(g.elementIDs(reached) == ["attacker", "a", "b"])
        #expect(g.graph.reachable(from: g.e("attacker")) == [g.e("a"), g.e("b"), g.e("attacker")])
        #expect(g.graph.reachable(from: g.e("c")) == [g.e("a"), g.e("b"), g.e("attacker")])
        #expect(g.graph.reachable(from: g.e("b")).isEmpty)
    }

    @Test func untrustedElementReachedFromAnotherUntrustedElementIsReached() throws {
        let g = try Fixture("""
            actor a
            actor b
            a -> b
            """)
        #expect(g.graph.reachableFromUntrusted == [false, true])
    }

    @Test func allElementsInBoundaryIncludesNestedBoundaries() throws {
        let g = try Fixture(zones)
        #expect(g.elementIDs(g.graph.allElements(inBoundary: g.b("core"))) == ["api", "secrets", "admin-ui"])
        #expect(g.elementIDs(g.graph.allElements(inBoundary: g.b("vault-zone"))) == ["secrets"])
        #expect(g.elementIDs(g.graph.allElements(inBoundary: g.b("dmz"))) == ["web"])
    }

    @Test func allElementsOfDeeplyNestedBoundaries() throws {
        let g = try Fixture("""
            boundary top {
              process t1
              boundary mid {
                process m1
                boundary low { process l1; process l2 }
                process m2
              }
              boundary side { process s1 }
              process t2
            }
            boundary hollow { boundary hollower { trust partner } }
            t1 -> t2; m1 -> m2; l1 -> l2; s1 -> t1
            """)
        #expect(g.elementIDs(g.graph.allElements(inBoundary: g.b("top"))) == ["t1", "t2", "m1", "m2", "l1", "l2", "s1"])
        #expect(g.graph.allElements(inBoundary: g.b("hollow")).isEmpty)
        #expect(g.trust(g.graph.boundaryTrust[g.b("hollower")]) == "partner")
    }

    @Test func graphJSONDescribesTheGraph() throws {
        let g = try Fixture("""
            actor user
            boundary dmz { trust partner; process web { tech nginx } }
            user -> web "Browse" { protocol https }
            """)
        let json = GraphJSON(includePositions: false).value(g.graph).serialized()
        #expect(json.contains(#""zoneTrust": "untrusted""#))
        #expect(json.contains(#""direction": "inbound""#))
        #expect(json.contains(#""enters": ["dmz"]"#))
        #expect(json.contains(#""reachableFromUntrusted": true"#))
        #expect(!json.contains(#""line""#))
        let withPositions = GraphJSON().value(g.graph).serialized()
        #expect(withPositions.contains(#""file": "model.moat""#))
        #expect(withPositions.contains(#""line": 3"#))
    }

    /// Not timed: builds a 20,000-element chain through the whole pipeline and checks the results.
    /// A quadratic step would show up as a very slow test, never as a flaky one.
    @Test func largeChainModel() throws {
        let n = 20_000
        var text = "model \"Chain\"\n"
        text += "boundary internet { trust untrusted; actor e0 }\n"
        text += "boundary inside {\n"
        for i in 1..<n { text += "  process e\(i)\n" }
        text += "}\n"
        for i in 0..<(n - 1) { text += "e\(i) -> e\(i + 1)\n" }
        let result = try loadModel(text)
        #expect(result.diagnostics.isEmpty, "\(describe(Array(result.diagnostics.prefix(5))))")
        let model = try #require(result.model)
        #expect(model.elements.count == n)
        #expect(model.flows.count == n - 1)
        let graph = ArchitectureGraph(model: model, vocabulary: try builtInCatalogue().vocabulary)
        #expect(graph.reachableFromUntrusted.filter { $0 }.count == n - 1)
        #expect(!graph.reachableFromUntrusted[0])
        #expect(graph.outbound.allSatisfy { $0.count <= 1 })
        #expect(graph.outbound[n - 1].isEmpty && graph.inbound[0].isEmpty)
        #expect(graph.inbound[n - 1] == [n - 2])
        #expect(graph.reachable(from: 0).count == n - 1)
        #expect(graph.allElements(inBoundary: graph.boundaryIndex["inside"]!).count == n - 1)
        #expect(graph.crossings[0].direction == .inbound)
        #expect(graph.crossings[1...].allSatisfy { $0.direction == .none })
        let json = GraphJSON(includePositions: false).value(graph).serialized()
        #expect(json.contains("\"e\(n - 1)\""))
    }

    /// Kinds and crossing directions key tables read for every entity, so they hash their case, not their name:
    /// each case must hash apart from the others (a case given another's ordinal would still be correct, only
    /// slower), and a table keyed by them must find every case.
    @Test func kindsAndCrossingsHashTheirCase() {
        #expect(Set(ElementKind.allCases.map(\.hashValue)).count == ElementKind.allCases.count)
        #expect(Set(CrossingDirection.allCases.map(\.hashValue)).count == CrossingDirection.allCases.count)
        let kinds = Dictionary(uniqueKeysWithValues: ElementKind.allCases.map { ($0, $0.rawValue) })
        #expect(ElementKind.allCases.allSatisfy { kinds[$0] == $0.rawValue })
        let crossings = Dictionary(uniqueKeysWithValues: CrossingDirection.allCases.map { ($0, $0.rawValue) })
        #expect(CrossingDirection.allCases.allSatisfy { crossings[$0] == $0.rawValue })
    }
}

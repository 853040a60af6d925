import Testing
import MoatCore
@testable import MoatRules
@testable import MoatAnalysis

/// The typed condition language: parsing, type errors with suggestions, and evaluation on a graph.
@Suite("Condition language")
struct ConditionTests {
    static let model = """
        data card { classification secret; payment }
        data notes { classification public }
        boundary net { trust untrusted; actor u { type user } }
        boundary dmz { trust dmz
          process web { type web-app; internet-facing; authn session; processes card }
        }
        boundary core { trust restricted
          datastore db { type sql; encrypted-at-rest; stores card }
          boundary inner { process batch { processes notes } }
        }
        process api { authn oauth; authz rbac }
        u -> web { protocol https; carries card }
        web -> api { protocol http }
        api -> db { protocol postgres; carries card }
        batch <-> db { protocol postgres-tls }
        """

    struct Fixture {
        let graph: ArchitectureGraph
        let evaluator: Evaluator
        let compiler: ConditionCompiler

        init() throws {
            let catalogue = try Catalogue.builtIn.get()
            let result = ModelLoader(catalogue: catalogue).load(text: ConditionTests.model)
            let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
            graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
            evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
            compiler = ConditionCompiler(vocabulary: catalogue.vocabulary)
        }

        /// Evaluates `text` on the element or flow with this id.
        func holds(_ text: String, on id: String) throws -> Bool {
            let ref: EntityRef, type: EntityType
            if let i = graph.elementIndex[id] {
                ref = .element(i)
                type = .node([graph.model.elements[i].kind])
            } else if let i = graph.flowIndex[id] {
                (ref, type) = (.flow(i), .flow)
            } else {
                let b = try #require(graph.boundaryIndex[id])
                (ref, type) = (.boundary(b), .boundary)
            }
            let compiled = try compiler.compile(text, context: type).get()
            return compiled.holds(evaluator, ref)
        }

        func error(_ text: String, context: EntityType) -> ConditionError? {
            if case .failure(let e) = compiler.compile(text, context: context) { return e }
            return nil
        }
    }

    @Test("attribute tests, defaults, and/or/not, comparisons and in", arguments: [
        ("internet-facing and authn == session", "web", true),
        ("authn == none", "db", true),  // absent enum with a default
        ("authn != none", "api", true),
        ("type == llm", "api", false),  // absent enum without a default is unset
        ("type != llm", "api", true),
        ("not internet-facing or authz == rbac", "api", true),
        ("authn in [oauth, oidc]", "api", true),
        ("authn in [session]", "api", false),
        ("zone-trust >= partner", "web", true),
        ("zone-trust == untrusted", "u", true),
        ("classification == secret", "web", true),
        ("classification == public", "batch", true),
        ("has authn", "api", true),
        ("has authn", "db", false),
        ("has boundary", "api", false),
        ("has boundary", "batch", true),
        ("kind == datastore", "db", true),
        ("client", "web", false),
    ])
    func evaluates(_ text: String, _ id: String, _ expected: Bool) throws {
        #expect(try Fixture().holds(text, on: id) == expected)
    }

    @Test("graph navigation: source/target, inbound/outbound quantifiers, counts, boundaries", arguments: [
        ("source.untrusted and target.internet-facing", "u->web", true),
        ("crosses-boundary and crossing == inbound", "u->web", true),
        ("crossing == inbound", "web->api", true),  // partner zone → internal (api is outside every boundary)
        ("encrypted", "u->web", true),
        ("encrypted", "web->api", false),
        ("encrypted", "batch<->db", true),
        ("two-way", "batch<->db", true),
        ("carries.any(payment and classification >= confidential)", "api->db", true),
        ("data.count == 0", "web->api", true),
        ("inbound.any(source.untrusted)", "web", true),
        ("inbound.all(encrypted)", "db", false),
        ("outbound.none(encrypted)", "web", true),
        ("flows.count == 2", "db", true),
        ("reachable-from-untrusted", "db", true),
        ("reachable-from-untrusted", "batch", true),  // through the two-way flow
        ("exposed", "web", true),
        ("exposed", "db", false),
        ("boundary.trust == restricted", "db", true),
        ("boundary.parent.trust == restricted", "batch", true),
        ("stores.any(payment)", "db", true),
        ("elements.count == 2 and crossing-in.count == 1", "core", true),
        ("trust == restricted and crossing-in.any(source.zone-trust == internal)", "core", true),
    ])
    func navigates(_ text: String, _ id: String, _ expected: Bool) throws {
        #expect(try Fixture().holds(text, on: id) == expected, "\(text) on \(id)")
    }

    @Test("type errors name the problem and suggest a fix", arguments: [
        ("internet-facng", EntityType.node([.process]), "unknown name 'internet-facng' for a process; did you mean 'internet-facing'?"),
        ("authn == sesion", .node([.process]), "'sesion' is not a value or group of 'authn'; did you mean 'session'?"),
        ("authn > none", .node([.process]), "'authn' is not ordered; use == or != (or 'in [...]')"),
        ("authn", .node([.process]), "'authn' is an enum of authn, not a condition"),
        ("encrypted-at-rest", .node([.process]), "attribute 'encrypted-at-rest' does not apply to a process"),
        ("inbound", .node([.process]), "'inbound' is a list of flows, not a condition"),
        ("inbound.exists(encrypted)", .node([.process]), "'exists(…)' is not a quantifier; lists have any(…), all(…) and none(…)"),
        ("inbound.size", .node([.process]), "a list has .count, .empty, .any(…), .all(…) and .none(…), not 'size'"),
        ("source.internet-facing", .node([.process]), "unknown name 'source' for a process"),
        ("port > protocol", .flow, "cannot compare 'port' (a number) with 'protocol' (an enum of protocol)"),
        ("(encrypted", .flow, "expected ')' to close '('"),
        ("encrypted and", .flow, "the condition ends too early"),
    ])
    func typeErrors(_ text: String, _ context: EntityType, _ message: String) throws {
        let error = try #require(try Fixture().error(text, context: context), "\(text) compiled")
        #expect(error.message == message)
    }

    @Test("error spans point at the offending term")
    func spans() throws {
        let error = try #require(try Fixture().error("encrypted and protocl == https", context: .flow))
        #expect(error.span.start == 14 && error.span.end == 21)
    }

    @Test("long conditions are refused, not a stack overflow")
    func limits() throws {
        let text = Array(repeating: "encrypted", count: 400).joined(separator: " and ")
        let error = try #require(try Fixture().error(text, context: .flow))
        #expect(error.message.contains("more than 256"))
    }

    @Test("explain shows every sub-term's value")
    func describe() throws {
        let f = try Fixture()
        let compiled = try f.compiler.compile("source.untrusted and not encrypted", context: .flow).get()
        let ref = EntityRef.flow(f.graph.flowIndex["u->web"]!)
        #expect(compiled.describe(f.evaluator, ref) == "false")
        #expect(compiled.children.map { $0.text } == ["source.untrusted", "not encrypted"])
        #expect(compiled.children.map { $0.describe(f.evaluator, ref) } == ["true", "false"])
    }

    /// A zone of four (a, b, c, d) and an element outside every zone (x): a talks to b and x, c to d.
    static let neighbourModel = """
        boundary lan { trust internal
          process a { type web-app }
          process b { type api }
          datastore c { type sql }
          process d { type web-app }
        }
        process x
        a -> b { protocol https }
        a -> x { protocol https }
        c -> d { protocol https }
        """

    @Test("quantifiers over unconnected neighbours count the zone without listing it, and agree with the list",
          arguments: [
        ("unconnected-neighbours.count == 2", "a", true),  // c, d
        ("unconnected-neighbours.any(type == web-app)", "a", true),  // d
        ("unconnected-neighbours.all(kind == process)", "a", false),  // c is a datastore
        ("unconnected-neighbours.none(type == api)", "a", true),  // b is linked
        ("unconnected-neighbours.any(type == sql)", "c", false),  // c itself is no neighbour
        ("unconnected-neighbours.all(kind == process)", "c", true),  // a, b
        ("unconnected-neighbours.none(type == web-app)", "d", false),  // a
        ("unconnected-neighbours.empty", "x", true),  // outside every zone
        ("not unconnected-neighbours.empty", "b", true),
        ("source.unconnected-neighbours.count == 2", "c->d", true),  // from c: a, b
    ])
    func countsNeighbours(_ text: String, _ id: String, _ expected: Bool) throws {
        let catalogue = try Catalogue.builtIn.get()
        let model = try #require(ModelLoader(catalogue: catalogue).load(text: Self.neighbourModel).model)
        let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
        let compiler = ConditionCompiler(vocabulary: catalogue.vocabulary)
        let ref: EntityRef, type: EntityType
        if let i = graph.elementIndex[id] {
            (ref, type) = (.element(i), .node([model.elements[i].kind]))
        } else {
            (ref, type) = (.flow(try #require(graph.flowIndex[id])), .flow)
        }
        let compiled = try compiler.compile(text, context: type).get()
        // Every element of the zone first, so the answer also holds with the zone's counts already taken.
        let evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        if case .node = type {
            for other in model.elements.indices where model.elements[other].kind == model.elements[ref.index].kind {
                _ = compiled.holds(evaluator, .element(other))
            }
        }
        #expect(compiled.holds(evaluator, ref) == expected, "\(text) on \(id)")
        // The same answer from the list itself.
        let listed = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        let owner = type == .flow ? graph.flowEnds[ref.index].source : ref.index
        let neighbours = listed.unconnectedNeighbours(ofElement: owner).map { model.elements[$0].id }.sorted()
        let expectedNeighbours: [String: [String]] = ["a": ["c", "d"], "b": ["c", "d"], "c": ["a", "b"], "d": ["a", "b"], "x": []]
        #expect(neighbours == expectedNeighbours[model.elements[owner].id])
    }

    @Test("an element's data: what it stores and processes, then what its flows carry by flow position, each once",
          arguments: [3, 40])
    func elementData(assets: Int) throws {
        // 40 assets take the evaluator past the short list it looks through for repeats.
        let names = (0..<assets).map { "d\($0)" }
        let text = names.map { "data \($0) { classification internal }" }.joined(separator: "\n") + """

            process p { processes \(names.reversed().joined(separator: ", ")), d0 }
            datastore s { stores d1 }
            actor a { type user }
            a -> p { carries \(names.joined(separator: ", ")) }
            p -> s { carries d1, \(names.last!) }
            """
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(text: text)
        let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
        let graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary)
        let evaluator = Evaluator(graph: graph, vocabulary: catalogue.vocabulary)
        let ids = { (element: String) in evaluator.data(ofElement: graph.elementIndex[element]!).map { model.data[$0].id } }
        #expect(ids("p") == names.reversed())
        #expect(ids("s") == ["d1", names.last!])
        #expect(ids("a") == names)
        // Asked again: the same list.
        #expect(ids("p") == names.reversed())
    }
}

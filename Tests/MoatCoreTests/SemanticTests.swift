import Testing
import MoatCore

@Suite("Semantics: attributes")
struct AttributeCheckTests {
    @Test func unknownAttributeWithSuggestion() throws {
        let m = extractMarkers("""
            datastore db "Orders" { tech postgres; 1️⃣encrpyted-at-rest }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .unknownAttribute,
                                 message: "unknown attribute 'encrpyted-at-rest'; did you mean 'encrypted-at-rest'?",
                                 at: m["1"], file: "model.moat")
        #expect(d?.range?.end == TextLocation(line: 1, column: m["1"].column + 17))
        #expect(result.model == nil)
    }

    @Test func unknownAttributeWithoutCloseSpelling() throws {
        let m = extractMarkers("process api { 1️⃣blockchain }")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .unknownAttribute, message: "unknown attribute 'blockchain'",
                         at: m["1"])
    }

    @Test func attributeOnTheWrongKind() throws {
        let m = extractMarkers("""
            process api "API" {
              tech go
              1️⃣encrypted-at-rest
            }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .attributeNotAllowed,
                                 message: "attribute 'encrypted-at-rest' does not apply to a process", at: m["1"])
        #expect(d?.notes == ["'encrypted-at-rest' applies to: datastore, boundary"])
    }

    @Test func attributeOnTheWrongKindUsesTheKindsPhrase() throws {
        let m = extractMarkers("""
            actor user { 1️⃣protocol https }
            model "M" { 2️⃣trust untrusted }
            """)
        let result = try loadModel(m.text)
        let notAllowed = result.diagnostics.filter { $0.id == .attributeNotAllowed }
        #expect(notAllowed.map(\.message) == [
            "attribute 'protocol' does not apply to an actor", "attribute 'trust' does not apply to the model header",
        ])
        #expect(notAllowed.map { $0.range?.start } == [m["1"], m["2"]])
    }

    @Test func wrongEnumValueWithSuggestion() throws {
        let m = extractMarkers("""
            actor a
            process b
            a -> b { protocol 1️⃣htttps }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .invalidValue,
                                 message: "'htttps' is not a value of 'protocol'; did you mean 'https'?", at: m["1"])
        // The protocol list is long: the closest five and where the full list is.
        #expect(d?.notes.map(\.message) == ["closest values of 'protocol': https, http, http2, ftps, mqtts; all 56: moat vocabulary protocol"])
    }

    @Test func wrongEnumValueListsShortEnums() throws {
        let m = extractMarkers("boundary dmz { trust 1️⃣internl; process web }")
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .invalidValue,
                                 message: "'internl' is not a value of 'trust'; did you mean 'internal'?", at: m["1"])
        #expect(d?.notes == ["'trust' is one of: untrusted, partner, dmz, internal, restricted"])
    }

    /// A quoted enum value is rejected; the message must not suggest the very word that was written.
    @Test func quotedEnumValueIsRejectedWithoutSuggestingItself() throws {
        let m = extractMarkers(#"datastore db { tech 1️⃣"postgres" }"#)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .invalidValue, at: m["1"])
        #expect(d?.message.contains("did you mean 'postgres'?") == false, "\(d?.message ?? "")")
        #expect(d?.message.hasPrefix("'postgres'") == true)
    }

    @Test func numberAboveItsRange() throws {
        let m = extractMarkers("""
            model "Shop" {
              maturity 1️⃣7
            }
            actor a
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .outOfRange, message: "'maturity' must be at most 5, not 7",
                         at: m["1"])
    }

    @Test func numberBelowItsRange() throws {
        let m = extractMarkers("model \"Shop\" { maturity 1️⃣0 }\nactor a")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .outOfRange, message: "'maturity' must be at least 1, not 0",
                         at: m["1"])
    }

    @Test func maturityMustBeAWholeLevel() throws {
        let m = extractMarkers("model \"Shop\" { 1️⃣maturity 2.5 }\nactor a")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .outOfRange, message: "'maturity' is a whole level from 1 to 5",
                         at: m["1"])
    }

    @Test func portOutOfRangeAndNotANumber() throws {
        let m = extractMarkers("""
            actor a
            process b
            a -> b { port 1️⃣70000 }
            b -> a { port 2️⃣"443" }
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .outOfRange, message: "'port' must be at most 65535, not 70000",
                         at: m["1"])
        expectDiagnostic(result.diagnostics, id: .expectedNumber, message: "'port' takes a number, not '443'",
                         at: m["2"])
    }

    @Test func stringAttributeGivenABareWord() throws {
        let m = extractMarkers("process api { owner 1️⃣payments }")
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .expectedString,
                         message: #"'owner' takes a quoted string; write owner "payments""#, at: m["1"])
    }

    @Test func flagWithAValue() throws {
        let m = extractMarkers("""
            datastore a { encrypted-at-rest true }
            datastore b { encrypted-at-rest 1️⃣maybe }
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .invalidValue,
                         message: "'encrypted-at-rest' is a flag; write it alone, or 'true' or 'false', not 'maybe'",
                         at: m["1"])
    }

    @Test func attributeGivenTwice() throws {
        let m = extractMarkers("""
            process api {
              tech go
              1️⃣tech rust
            }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .duplicateAttribute,
                                 message: "attribute 'tech' is given twice", at: m["1"])
        #expect(d?.notes.map(\.message) == ["first given here"])
        #expect(d?.notes.first?.range.map { [$0.start.line, $0.start.column] } == [2, 3])
    }

    @Test func wrongNumberOfValues() throws {
        let m = extractMarkers("""
            process api { tech go, 1️⃣rust }
            process b { 2️⃣owner }
            """)
        let result = try loadModel(m.text)
        let counts = result.diagnostics.filter { $0.id == .wrongValueCount }
        #expect(counts.map(\.message) == ["attribute 'tech' takes one value, not 2", "attribute 'owner' needs a value"])
        #expect(counts.map { $0.range?.start } == [m["1"], m["2"]])
    }

    @Test func referencesMustBeIDsNotStrings() throws {
        let m = extractMarkers("""
            data card
            datastore db { stores 1️⃣"card" }
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .expectedId,
                         message: "'stores' takes ids, not strings; write stores card", at: m["1"])
    }

    @Test func validAttributesAreTyped() throws {
        let result = try loadModel("""
            model "Shop" { owner "team"; maturity 3; practices secure-coding }
            data card { classification secret; pii }
            datastore db { tech postgres; encrypted-at-rest; backups false; stores card }
            process api { tech go }
            api -> db { protocol postgres-tls; port 5432; carries card }
            """)
        expectClean(result)
        let model = try #require(result.model)
        #expect(model.header.name == "Shop")
        #expect(model.header.owner == "team")
        #expect(model.header.declaredLevel == 3)
        #expect(model.header.practices == ["secure-coding"])
        let db = try #require(model.elements.first { $0.id == "db" })
        #expect(db.attributes["tech"] == .word("postgres"))
        #expect(db.attributes.flag("encrypted-at-rest"))
        #expect(db.attributes["backups"] == .flag(false))
        #expect(db.attributes.list("stores") == ["card"])
        #expect(model.flows.first?.attributes.number("port") == 5432)
        #expect(model.data.first?.attributes.string("classification") == "secret")
    }
}

@Suite("Semantics: names")
struct NameResolutionTests {
    @Test func duplicateIDsAcrossKinds() throws {
        let m = extractMarkers("""
            actor shop "Shop"
            process api
            boundary 1️⃣shop { process web }
            datastore 2️⃣api
            """)
        let result = try loadModel(m.text)
        let duplicates = result.diagnostics.filter { $0.id == .duplicateId }
        #expect(duplicates.map(\.message) == ["'shop' is already declared as an actor", "'api' is already declared as a process"])
        #expect(duplicates.map { $0.range?.start } == [m["1"], m["2"]])
        #expect(duplicates.map { $0.notes.map(\.message) } == [["first declared here"], ["first declared here"]])
        #expect(duplicates.map { $0.notes.first?.range.map { "\($0.file.path):\($0.start.line):\($0.start.column)" } }
                == ["model.moat:1:7", "model.moat:2:9"])
    }

    @Test func explicitFlowIDSharesTheElementNamespace() throws {
        let m = extractMarkers("""
            actor a
            process b
            1️⃣a: a -> b
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .duplicateId, message: "'a' is already declared as an actor",
                         at: m["1"])
    }

    @Test func dataAssetsHaveTheirOwnNamespace() throws {
        let m = extractMarkers("""
            data card
            data 1️⃣card
            datastore card { stores card }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .duplicateId, message: "data asset 'card' is already declared",
                                 at: m["1"])
        #expect(d?.notes.map(\.message) == ["first declared here"])
        #expect(d?.notes.first?.range.map { [$0.start.line, $0.start.column] } == [1, 6])
    }

    @Test func flowToAnUndeclaredElementWithSuggestion() throws {
        let m = extractMarkers("""
            process web
            datastore db
            web -> 1️⃣dbb
            2️⃣nobody -> web
            """)
        let result = try loadModel(m.text)
        let unknown = result.diagnostics.filter { $0.id == .unknownElement }
        #expect(unknown.map(\.message) == ["unknown element 'dbb'; did you mean 'db'?", "unknown element 'nobody'"])
        #expect(unknown.map { $0.range?.start } == [m["1"], m["2"]])
        #expect(result.model == nil)
    }

    @Test func flowToABoundary() throws {
        let m = extractMarkers("""
            boundary dmz { process web }
            web -> 1️⃣dmz
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .flowEndpoint,
                         message: "flows connect actors, processes and datastores; 'dmz' is a boundary", at: m["1"])
    }

    @Test func flowToAFlowID() throws {
        let m = extractMarkers("""
            actor a
            process b
            login: a -> b
            b -> 1️⃣login
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .flowEndpoint,
                         message: "flows connect actors, processes and datastores; 'login' is a flow", at: m["1"])
    }

    @Test func unknownDataInCarriesWithSuggestion() throws {
        let m = extractMarkers("""
            data card "Card"
            actor a { stores card }
            process p { processes card }
            a -> p { carries card, 1️⃣crd }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .unknownData,
                                 message: "unknown data asset 'crd'; did you mean 'card'?", at: m["1"])
        #expect(d?.range?.end == TextLocation(line: 4, column: m["1"].column + 3))
        #expect(d?.notes == [])
    }

    @Test func unknownDataWithoutSuggestionExplainsHowToDeclareIt() throws {
        let m = extractMarkers("""
            datastore db { stores 1️⃣ledger }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .unknownData, message: "unknown data asset 'ledger'",
                                 at: m["1"])
        #expect(d?.notes == [#"declare it: data ledger "…" { classification confidential }"#])
    }

    @Test func unknownDataIsFoundAsAWholeWord() throws {
        // 'car' appears inside 'card' first; the diagnostic must point at the separate word.
        let m = extractMarkers("""
            data card
            datastore db { stores card, 1️⃣car }
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .unknownData, message: "unknown data asset 'car'; did you mean 'card'?",
                         at: m["1"])
    }

    /// A value on a continuation line is reported where it is written, not at the attribute name.
    @Test func unknownDataOnAContinuationLineIsReportedAtTheValue() throws {
        let m = extractMarkers("""
            data card
            datastore db {
              stores card,
                1️⃣crd
            }
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .unknownData, message: "unknown data asset 'crd'; did you mean 'card'?",
                         at: m["1"])
    }

    @Test func unknownPractice() throws {
        let m = extractMarkers("""
            model "Shop" {
              practices security-policies, 1️⃣threat-modeling
            }
            actor a
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .unknownPractice,
                                 message: "unknown practice 'threat-modeling'; did you mean 'threat-modelling'?",
                                 at: m["1"])
        #expect(d?.notes == ["practices are listed in Models/maturity/levels.yaml"])
    }

    @Test func twoDifferentImplicitFlowsBetweenTheSameElementsAreAmbiguous() throws {
        let m = extractMarkers("""
            actor a
            process b
            a -> b "Browse"
            1️⃣a -> b "Buy things"
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .ambiguousFlowId,
                                 message: "another flow 'a->b' is declared at line 3; give this one an explicit id",
                                 at: m["1"])
        #expect(d?.notes == ["write: buy-things: a -> b …", "explicit ids keep finding ids stable when flows change"])
    }

    @Test func twoWayAndOneWayFlowsHaveDifferentIDs() throws {
        let result = try loadModel("""
            actor a
            process b
            a -> b
            a <-> b
            b -> a
            """)
        expectClean(result)
        #expect(result.model?.flows.map(\.id) == ["a->b", "a<->b", "b->a"])
    }

    @Test func explicitIDsDisambiguateFlows() throws {
        let result = try loadModel("""
            actor a
            process b
            browse: a -> b "Browse"
            buy: a -> b "Buy"
            a -> b "Other"
            """)
        expectClean(result)
        let flows = try #require(result.model?.flows)
        #expect(flows.map(\.id) == ["browse", "buy", "a->b"])
        #expect(flows.map(\.hasExplicitID) == [true, true, false])
    }

    @Test func identicalFlowTwiceIsAWarning() throws {
        let m = extractMarkers("""
            actor a
            process b
            a -> b "Browse" { protocol https }
            1️⃣a -> b "Browse" { protocol https }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .duplicateFlow, severity: .warning,
                                 message: "duplicate flow 'a->b'", at: m["1"])
        #expect(d?.notes.map(\.message) == ["the same flow is declared here; remove one"])
        #expect(d?.notes.first?.range?.start.line == 3)
        #expect(!result.hasErrors)
        #expect(result.model?.flows.count == 1)
    }

    /// Two flows with the same name but different attributes are not "the same flow": dropping
    /// the second with a warning would silently lose its attributes (here, its encryption).
    @Test func sameNamedFlowsWithDifferentAttributesAreNotSilentlyMerged() throws {
        let m = extractMarkers("""
            actor a
            process b
            a -> b "Browse" { protocol http }
            1️⃣a -> b "Browse" { protocol https; carries card }
            data card
            """)
        let result = try loadModel(m.text)
        let dropped = result.model.map { model in
            !model.flows.contains { $0.attributes.string("protocol") == "https" }
        } ?? false
        #expect(!(dropped && !result.hasErrors),
                "the second flow's attributes were dropped with only a warning: \(describe(result.diagnostics))")
        #expect(errors(result.diagnostics).first?.range?.start == m["1"], "\(describe(result.diagnostics))")
    }
}

@Suite("Semantics: includes")
struct IncludeTests {
    @Test func includedFilesJoinTheModel() throws {
        let result = try loadModel(files: [
            "/m/root.moat": """
                model "Root"
                include "shared/identity.moat"
                process app
                app -> idp
                """,
            "/m/shared/identity.moat": """
                include "users.moat"
                process idp "Identity provider"
                """,
            "/m/shared/users.moat": """
                actor user
                user -> idp
                """,
        ], root: "/m/root.moat")
        expectClean(result)
        let model = try #require(result.model)
        #expect(model.elements.map(\.id).sorted() == ["app", "idp", "user"])
        #expect(model.flows.map(\.id) == ["user->idp", "app->idp"])
        #expect(result.documents.map(\.file.path) == ["/m/root.moat", "/m/shared/identity.moat", "/m/shared/users.moat"])
        #expect(model.files.count == 3)
        // Positions of included declarations name their own file.
        #expect(model.elements.first { $0.id == "user" }?.range.file.path == "/m/shared/users.moat")
    }

    @Test func includeOfAMissingFile() throws {
        let m = extractMarkers("""
            actor a
            include 1️⃣"missing.moat"
            """)
        let result = try loadModel(files: ["/m/root.moat": m.text], root: "/m/root.moat")
        let d = expectDiagnostic(result.diagnostics, id: .fileNotFound,
                                 message: "cannot include 'missing.moat': no such file", at: m["1"], file: "/m/root.moat")
        #expect(d?.notes == ["paths are relative to the including file's folder"])
        #expect(d?.range?.end == TextLocation(line: 2, column: 23))
        #expect(result.model == nil)
    }

    @Test func missingRootFile() throws {
        let result = try loadModel(files: [:], root: "/m/none.moat")
        expectDiagnostic(result.diagnostics, id: .fileNotFound, message: "'/m/none.moat': no such file")
        #expect(result.diagnostics.first?.range == nil)
    }

    @Test func includeCycle() throws {
        let m = extractMarkers("""
            process b
            include 1️⃣"a.moat"
            """)
        let result = try loadModel(files: [
            "/m/a.moat": "actor a\ninclude \"b.moat\"\na -> b",
            "/m/b.moat": m.text,
        ], root: "/m/a.moat")
        expectDiagnostic(result.diagnostics, id: .includeCycle, message: "include cycle: a.moat -> b.moat -> a.moat",
                         at: m["1"], file: "/m/b.moat")
        #expect(errors(result.diagnostics).count == 1, "\(describe(result.diagnostics))")
    }

    @Test func fileIncludingItself() throws {
        let m = extractMarkers("actor a\ninclude 1️⃣\"./a.moat\"")
        let result = try loadModel(files: ["/m/a.moat": m.text], root: "/m/a.moat")
        expectDiagnostic(result.diagnostics, id: .includeCycle, message: "include cycle: a.moat -> a.moat",
                         at: m["1"], file: "/m/a.moat")
    }

    @Test func sameFileIncludedTwiceIsReadOnce() throws {
        let m = extractMarkers("""
            include "c.moat"
            include 1️⃣"c.moat"
            process p
            p -> c
            """)
        let result = try loadModel(files: ["/m/root.moat": m.text, "/m/c.moat": "datastore c"], root: "/m/root.moat")
        expectDiagnostic(result.diagnostics, id: .repeatedInclude, severity: .warning,
                         message: "'c.moat' is already included; it is read once", at: m["1"])
        #expect(result.model?.elements.map(\.id) == ["c", "p"])
    }

    @Test func modelHeaderInAnIncludedFile() throws {
        let m = extractMarkers("""
            1️⃣model "Sub" { owner "x" }
            process p
            """)
        let result = try loadModel(files: [
            "/m/root.moat": "model \"Root\"\ninclude \"sub.moat\"\nactor a\na -> p",
            "/m/sub.moat": m.text,
        ], root: "/m/root.moat")
        expectDiagnostic(result.diagnostics, id: .misplacedHeader,
                         message: "the model header belongs in the root file, not in an included file",
                         at: m["1"], file: "/m/sub.moat")
    }

    @Test func twoModelHeaders() throws {
        let m = extractMarkers("""
            model "One"
            actor a
            1️⃣model "Two"
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .duplicateHeader, message: "a model has one header", at: m["1"])
        #expect(d?.notes.map(\.message) == ["the first header is here"])
        #expect(d?.notes.first?.range?.start.line == 1)
    }

    @Test func syntaxErrorInAnIncludedFileIsReportedThere() throws {
        let m = extractMarkers("1️⃣proces x")
        let result = try loadModel(files: [
            "/m/root.moat": "include \"bad.moat\"\nactor a",
            "/m/bad.moat": m.text,
        ], root: "/m/root.moat")
        expectDiagnostic(result.diagnostics, id: .unknownKeyword, at: m["1"], file: "/m/bad.moat")
    }

    @Test func includesNestTooDeep() throws {
        var files: [String: String] = [:]
        for i in 0..<30 { files["/m/f\(i).moat"] = "include \"f\(i + 1).moat\"\nprocess p\(i)" }
        files["/m/f30.moat"] = "process p30"
        let result = try loadModel(files: files, root: "/m/f0.moat")
        expectDiagnostic(result.diagnostics, id: .includeTooDeep,
                         message: "includes nest deeper than \(ModelLoader.maximumIncludeDepth) files",
                         file: "/m/f\(ModelLoader.maximumIncludeDepth - 1).moat")
    }
}

@Suite("Semantics: empty models and lint")
struct LintTests {
    @Test func emptyFile() throws {
        let result = try loadModel("")
        let d = expectDiagnostic(result.diagnostics, id: .emptyModel,
                                 message: "file is empty; a model declares at least one actor, process or datastore",
                                 at: TextLocation(line: 1, column: 1))
        #expect(d?.notes == ["start with 'moat init' for a commented starter model"])
        #expect(result.model == nil)
    }

    @Test func modelWithoutElements() throws {
        let result = try loadModel("# only a comment\nmodel \"Empty\"\ndata card\n")
        expectDiagnostic(result.diagnostics, id: .emptyModel, severity: .warning,
                         message: "model declares no actor, process or datastore", at: TextLocation(line: 1, column: 1))
        #expect(result.model?.header.name == "Empty" && result.model?.elements.isEmpty == true)
    }

    @Test func isolatedElement() throws {
        let m = extractMarkers("""
            actor a
            process b
            process 1️⃣lonely "Lonely"
            a -> b
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .isolatedElement, severity: .warning,
                                 message: "process 'lonely' has no flows", at: m["1"])
        #expect(d?.notes == ["connect it with a flow, or remove it"])
        #expect(result.model != nil)
        #expect(errors(result.diagnostics).isEmpty)
    }

    @Test func unusedData() throws {
        let m = extractMarkers("""
            data card
            data 1️⃣spare "Spare"
            actor a { stores card }
            process b
            a -> b
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .unusedData, severity: .warning,
                         message: "data asset 'spare' is never stored, processed or carried", at: m["1"])
    }

    @Test func dataUsedOnlyByAFlowOrAProcessIsUsed() throws {
        let result = try loadModel("""
            data token
            data profile
            actor a
            process b { processes profile }
            a -> b { carries token }
            """)
        expectClean(result)
    }

    @Test func emptyBoundary() throws {
        let m = extractMarkers("""
            boundary 1️⃣void "Void" { trust partner }
            boundary outer {
              boundary inner { process b }
            }
            actor a
            a -> b
            """)
        let result = try loadModel(m.text)
        let empty = result.diagnostics.filter { $0.id == .emptyBoundary }
        // Only 'void': 'outer' holds an element through 'inner'.
        #expect(empty.map(\.message) == ["boundary 'void' contains no elements"])
        #expect(empty.map(\.severity) == [.warning])
        #expect(empty.map { $0.range?.start } == [m["1"]])
    }

    @Test func selfFlow() throws {
        let m = extractMarkers("""
            process worker
            1️⃣worker -> worker "Retry"
            """)
        let result = try loadModel(m.text)
        expectDiagnostic(result.diagnostics, id: .selfFlow, severity: .warning,
                         message: "flow 'worker->worker' goes from 'worker' to itself", at: m["1"])
        #expect(!result.hasErrors)
    }

    @Test func dataCarriedIntoADatastoreThatDoesNotStoreIt() throws {
        let m = extractMarkers("""
            data order
            data card
            process api { processes order, card }
            datastore db { stores order }
            api -> db { protocol postgres-tls; 1️⃣carries order, card }
            """)
        let result = try loadModel(m.text)
        let d = expectDiagnostic(result.diagnostics, id: .dataNotStored, severity: .warning,
                                 message: "flow 'api->db' carries 'card' into datastore 'db', which does not store it",
                                 at: m["1"])
        #expect(d?.notes == ["add 'card' to the datastore's 'stores', or stop carrying it there"])
    }

    @Test func twoWayFlowCarriesIntoBothEnds() throws {
        let m = extractMarkers("""
            data order
            datastore a { stores order }
            datastore b
            datastore c { stores card }
            data card
            1️⃣c <-> a { carries card, order }
            a -> b
            """)
        let result = try loadModel(m.text)
        let notStored = result.diagnostics.filter { $0.id == .dataNotStored }.map(\.message)
        // Into a: 'card' is not stored there; into c: 'order' is not stored there. b stores nothing declared: no warning.
        #expect(notStored.sorted() == [
            "flow 'c<->a' carries 'card' into datastore 'a', which does not store it",
            "flow 'c<->a' carries 'order' into datastore 'c', which does not store it",
        ])
    }

    @Test func lintIsSkippedWhenThereAreErrors() throws {
        let result = try loadModel("process lonely { tech nonsense }")
        #expect(result.hasErrors)
        #expect(warnings(result.diagnostics).isEmpty, "\(describe(result.diagnostics))")
    }

    @Test func diagnosticsAreSortedByPosition() throws {
        // The flow error is found after the attribute errors, but comes first in the file.
        let result = try loadModel("""
            a -> nowhere
            actor a { type xx }
            process z { tech zz }
            """)
        #expect(result.diagnostics.map(\.id.rawValue) == ["unknown-element", "invalid-value", "invalid-value"])
        #expect(result.diagnostics.compactMap { $0.range?.start.line } == [1, 2, 3])
    }
}

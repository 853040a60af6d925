import Testing
import MoatCore

// MARK: - AST accessors

private func declarations(_ statements: [Statement]) -> [DeclarationSyntax] {
    statements.compactMap { if case .declaration(let d) = $0 { return d }; return nil }
}

private func boundaries(_ statements: [Statement]) -> [BoundarySyntax] {
    statements.compactMap { if case .boundary(let b) = $0 { return b }; return nil }
}

private func flows(_ statements: [Statement]) -> [FlowSyntax] {
    statements.compactMap { if case .flow(let f) = $0 { return f }; return nil }
}

private func trackings(_ statements: [Statement]) -> [TrackingSyntax] {
    statements.compactMap { if case .tracking(let t) = $0 { return t }; return nil }
}

private func attributeItems(_ statements: [Statement]) -> [AttributeSyntax] {
    statements.compactMap { if case .attribute(let a) = $0 { return a }; return nil }
}

/// `name v1, v2` with each value's form: "s:" for strings, "w:" for words.
private func render(_ a: AttributeSyntax) -> String {
    let values = a.values.map { ($0.value.form == .string ? "s:" : "w:") + $0.value.text }
    return ([a.name.value] + values).joined(separator: " ")
}

private func render(_ attributes: [AttributeSyntax]) -> [String] { attributes.map(render) }

/// Parses text that must have no diagnostics.
private func parseClean(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Statement] {
    let (document, diagnostics) = parse(text)
    #expect(diagnostics.isEmpty, "\(describe(diagnostics))", sourceLocation: sourceLocation)
    return document.statements
}

@Suite("Parser: constructs")
struct ParserConstructTests {
    @Test func modelHeader() throws {
        let statements = parseClean("""
            model "Online shop" {
              owner "payments team"
              maturity 3
              practices security-policies, threat-modelling
            }
            """)
        let header = try #require(declarations(statements).first)
        #expect(statements.count == 1)
        #expect(header.kind == .model)
        #expect(header.id == nil)
        #expect(header.name?.value == "Online shop")
        #expect(render(header.attributes) == [
            "owner s:payments team", "maturity w:3", "practices w:security-policies w:threat-modelling",
        ])
        #expect(header.range.start == TextLocation(line: 1, column: 1))
        #expect(header.range.end == TextLocation(line: 5, column: 2))
    }

    @Test func modelHeaderWithoutBlock() throws {
        let header = try #require(declarations(parseClean("model \"Bare\"")).first)
        #expect(header.name?.value == "Bare")
        #expect(header.attributes.isEmpty)
    }

    @Test func dataAsset() throws {
        let d = try #require(declarations(parseClean(#"data card "Card data" { classification secret; pii; payment }"#)).first)
        #expect(d.kind == .data)
        #expect(d.id?.value == "card")
        #expect(d.name?.value == "Card data")
        #expect(render(d.attributes) == ["classification w:secret", "pii", "payment"])
    }

    @Test func elementsWithAndWithoutNamesAndBlocks() {
        let statements = parseClean("""
            actor customer
            process web "Storefront"
            datastore db { tech postgres; encrypted-at-rest }
            actor admin "Admin" { type admin; mfa }
            """)
        let d = declarations(statements)
        #expect(d.map(\.kind) == [.actor, .process, .datastore, .actor])
        #expect(d.map { $0.id?.value } == ["customer", "web", "db", "admin"])
        #expect(d.map { $0.name?.value } == [nil, "Storefront", nil, "Admin"])
        #expect(d.map { render($0.attributes) } == [[], [], ["tech w:postgres", "encrypted-at-rest"], ["type w:admin", "mfa"]])
        #expect(d[1].id?.range.start == TextLocation(line: 2, column: 9))
        #expect(d[1].name?.range.start == TextLocation(line: 2, column: 13))
    }

    @Test func nameOnTheNextLineIsNotTheElementsName() {
        // A string on the next line is a new statement, not the name: it is an error.
        let (document, diagnostics) = parse("actor a\n\"Name\"")
        #expect(declarations(document.statements).first?.name == nil)
        expectDiagnostic(diagnostics, id: .expectedStatement, message: "expected a declaration or flow, found string",
                         at: TextLocation(line: 2, column: 1))
    }

    @Test func nestedBoundariesWithAttributes() throws {
        let statements = parseClean("""
            boundary cloud "AWS account" {
              trust internal
              owner "platform"
              boundary vpc "Private VPC" {
                trust restricted
                segmented
                process worker "Settlement worker"
                worker -> ledger
              }
              datastore ledger
            }
            boundary empty
            """)
        let outer = boundaries(statements)
        #expect(outer.map(\.id.value) == ["cloud", "empty"])
        let cloud = outer[0]
        #expect(cloud.name?.value == "AWS account")
        #expect(render(attributeItems(cloud.items)) == ["trust w:internal", "owner s:platform"])
        #expect(declarations(cloud.items).map { $0.id?.value } == ["ledger"])
        let vpc = try #require(boundaries(cloud.items).first)
        #expect(vpc.id.value == "vpc")
        #expect(vpc.name?.value == "Private VPC")
        #expect(render(attributeItems(vpc.items)) == ["trust w:restricted", "segmented"])
        #expect(declarations(vpc.items).map { $0.id?.value } == ["worker"])
        #expect(flows(vpc.items).map { "\($0.source.value)->\($0.target.value)" } == ["worker->ledger"])
        // Items keep their order.
        #expect(cloud.items.count == 4)
        if case .boundary = cloud.items[2] {} else { Issue.record("third item of cloud should be the boundary") }
        #expect(outer[1].items.isEmpty && outer[1].name == nil)
    }

    @Test func flowStatements() {
        let statements = parseClean("""
            customer -> web "Browse" { protocol https; port 443 }
            login: customer -> idp "Sign in" { protocol https; carries password }
            api <-> cache
            a-b->c
            """)
        let f = flows(statements)
        #expect(f.count == 4)
        #expect(f.map { $0.id?.value } == [nil, "login", nil, nil])
        #expect(f.map(\.source.value) == ["customer", "customer", "api", "a-b"])
        #expect(f.map(\.target.value) == ["web", "idp", "cache", "c"])
        #expect(f.map(\.twoWay) == [false, false, true, false])
        #expect(f.map { $0.name?.value } == ["Browse", "Sign in", nil, nil])
        #expect(render(f[0].attributes) == ["protocol w:https", "port w:443"])
        #expect(render(f[1].attributes) == ["protocol w:https", "carries w:password"])
        #expect(f[1].id?.range.start == TextLocation(line: 2, column: 1))
        #expect(f[1].source.range.start == TextLocation(line: 2, column: 8))
        #expect(f[1].range.start == TextLocation(line: 2, column: 1))
    }

    @Test func includeStatement() throws {
        let statements = parseClean(#"include "shared/identity.moat""#)
        guard case .include(let i)? = statements.first else {
            Issue.record("expected an include, got \(statements)")
            return
        }
        #expect(i.path.value == "shared/identity.moat")
        #expect(i.path.range.start == TextLocation(line: 1, column: 9))
    }

    @Test func trackingStatements() {
        let statements = parseClean("""
            accept tampering-in-transit@web->db "internal segment, SEC-123" owner "ops" until 2027-03-01
            mitigated spoofing-*@api "mTLS enforced" owner "platform"
            false-positive sql-injection@search "not SQL" until 2026-12-31 owner "search team"
            not-applicable "dos-*@batch" "runs once a night"
            accept x@a<->b "two-way flow id"
            """)
        let t = trackings(statements)
        #expect(t.map(\.status.value) == [.accept, .mitigated, .falsePositive, .notApplicable, .accept])
        #expect(t.map(\.pattern.value) == [
            "tampering-in-transit@web->db", "spoofing-*@api", "sql-injection@search", "dos-*@batch", "x@a<->b",
        ])
        #expect(t.map(\.justification.value) == [
            "internal segment, SEC-123", "mTLS enforced", "not SQL", "runs once a night", "two-way flow id",
        ])
        #expect(t.map { $0.owner?.value } == ["ops", "platform", "search team", nil, nil])
        #expect(t.map { $0.until?.value } == ["2027-03-01", nil, "2026-12-31", nil, nil])
        #expect(t[0].pattern.range.start == TextLocation(line: 1, column: 8))
        #expect(t[0].pattern.range.end == TextLocation(line: 1, column: 36))
    }

    @Test func trackingOwnerDoesNotSwallowAFlowFromAnElementNamedOwner() {
        let statements = parseClean("""
            accept x@y "why"
            owner -> until
            """)
        #expect(trackings(statements).first?.owner == nil)
        #expect(flows(statements).map { "\($0.source.value)->\($0.target.value)" } == ["owner->until"])
    }

    @Test func semicolonsSeparateStatementsAndAttributes() {
        let statements = parseClean(#"actor a; process b "B"; datastore c { tech redis; backups; }; a -> b; b -> c"#)
        #expect(declarations(statements).map { $0.id?.value } == ["a", "b", "c"])
        #expect(render(declarations(statements)[2].attributes) == ["tech w:redis", "backups"])
        #expect(flows(statements).count == 2)
    }

    @Test func trailingCommaContinuesAValueList() throws {
        let statements = parseClean("""
            model "M" {
              practices security-policies,
                threat-modelling,
                secure-coding
              owner "me"
            }
            """)
        let header = try #require(declarations(statements).first)
        #expect(render(header.attributes) == [
            "practices w:security-policies w:threat-modelling w:secure-coding", "owner s:me",
        ])
        #expect(header.attributes[0].values[2].range.start == TextLocation(line: 4, column: 5))
    }

    @Test func valuesOnTheNextLineWithoutCommaAreANewAttribute() throws {
        let statements = parseClean("""
            datastore db {
              stores a
              b
            }
            """)
        let d = try #require(declarations(statements).first)
        #expect(render(d.attributes) == ["stores w:a", "b"])
    }

    @Test func commentsAndBlankLinesBecomeTrivia() throws {
        let (document, diagnostics) = parse("""
            # about a

            # still about a
            actor a # trailing a

            process b {
              # before tech
              tech go # after tech
              # closing
            }
            # at the end
            """)
        #expect(diagnostics.isEmpty)
        let d = declarations(document.statements)
        #expect(d[0].trivia.leading == ["# about a", "", "# still about a"])
        #expect(d[0].trivia.trailing == "# trailing a")
        #expect(d[0].trivia.blankLineBefore == false)
        #expect(d[1].trivia.blankLineBefore == true)
        #expect(d[1].attributes[0].trivia.leading == ["# before tech"])
        #expect(d[1].attributes[0].trivia.trailing == "# after tech")
        #expect(d[1].closingComments == ["# closing"])
        #expect(document.trailingComments == ["# at the end"])
    }
}

@Suite("Parser: errors")
struct ParserErrorTests {
    @Test func unknownKeywordWithSuggestion() {
        let m = extractMarkers("""
            actor customer
            1️⃣proces web "Storefront"
            customer -> web
            """)
        let (document, diagnostics) = parse(m.text)
        let d = expectDiagnostic(diagnostics, id: .unknownKeyword,
                                 message: "unknown keyword 'proces'; did you mean 'process'?", at: m["1"])
        #expect(d?.range?.end == TextLocation(line: 2, column: 7))
        #expect(errors(diagnostics).count == 1)
        // Recovery: the lines around the bad one are parsed.
        #expect(declarations(document.statements).map { $0.id?.value } == ["customer"])
        #expect(flows(document.statements).count == 1)
    }

    @Test func unknownKeywordWithoutCloseSpelling() {
        let m = extractMarkers("1️⃣service api")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .unknownKeyword, message: "unknown keyword 'service'", at: m["1"])
    }

    /// Inside a boundary, a misspelled element keyword must still be recognised as one.
    @Test func misspelledElementKeywordInsideBoundarySuggestsTheKeyword() throws {
        let m = extractMarkers("""
            boundary dmz {
              1️⃣proces web "Storefront"
            }
            """)
        let result = try loadModel(m.text)
        let suggestion = errors(result.diagnostics).first { $0.range?.start == m["1"] }
        #expect(suggestion?.message.contains("did you mean 'process'?") == true, "\(describe(result.diagnostics))")
    }

    @Test func unterminatedBlock() {
        let m = extractMarkers("""
            datastore db 1️⃣{
              tech postgres
            """)
        let (_, diagnostics) = parse(m.text)
        let d = expectDiagnostic(diagnostics, id: .unterminatedBlock, message: "unterminated block; expected '}'",
                                 at: m["1"])
        #expect(d?.notes == ["the block opened here is never closed"])
        #expect(errors(diagnostics).count == 1)
    }

    @Test func unterminatedBoundary() {
        let m = extractMarkers("""
            boundary core "Core" 1️⃣{
              process api
            """)
        let (document, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .unterminatedBlock, message: "unterminated boundary 'core'; expected '}'",
                         at: m["1"])
        #expect(errors(diagnostics).count == 1)
        // What was read is kept.
        #expect(boundaries(document.statements).first.map { declarations($0.items).count } == 1)
    }

    @Test func missingArrowTarget() {
        let m = extractMarkers("""
            actor a
            a -> 1️⃣"Name"
            """)
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedId, message: "expected the flow's target after '->', found string",
                         at: m["1"])
    }

    @Test func missingTwoWayArrowTargetAtLineEnd() {
        let m = extractMarkers("a <->\n1️⃣actor b")
        let (document, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedId, message: "expected the flow's target after '<->', found 'actor'",
                         at: m["1"])
        #expect(flows(document.statements).isEmpty)
    }

    /// An error found at the first token of the next line must not make recovery skip that line.
    @Test(arguments: ["a ->\nactor b", "accept x@y\nactor b", "actor\nactor b", "include\nactor b",
                      "model\nactor b", "login:\nactor b"])
    func errorAtTheEndOfALineDoesNotSwallowTheNextStatement(source: String) {
        let (document, diagnostics) = parse(source)
        #expect(errors(diagnostics).count == 1, "\(describe(diagnostics))")
        #expect(errors(diagnostics).first?.range?.start == TextLocation(line: 2, column: 1))
        #expect(declarations(document.statements).map { $0.id?.value } == ["b"])
    }

    /// The swallowed line would otherwise cause follow-on errors about names it declares.
    @Test func errorAtTheEndOfALineCausesNoFollowOnErrors() throws {
        let m = extractMarkers("""
            actor a
            a ->
            1️⃣process b
            a -> b
            """)
        let result = try loadModel(m.text)
        #expect(errors(result.diagnostics).map(\.id.rawValue) == ["expected-id"], "\(describe(result.diagnostics))")
        #expect(errors(result.diagnostics).first?.range?.start == m["1"])
    }

    @Test func missingArrowAfterExplicitID() {
        let m = extractMarkers("login: a 1️⃣b")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedArrow, message: "expected '->' or '<->' after 'a', found 'b'",
                         at: m["1"])
    }

    @Test func keywordUsedAsProcessID() {
        let m = extractMarkers("process 1️⃣data \"Data\"")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .keywordAsId,
                         message: "'data' is a keyword and cannot be used as a process id", at: m["1"])
    }

    /// The message uses the right article: "an actor id", as `ElementKind.phrase` spells it.
    @Test func keywordUsedAsActorID() {
        let m = extractMarkers("actor 1️⃣boundary")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .keywordAsId,
                         message: "'boundary' is a keyword and cannot be used as an actor id", at: m["1"])
    }

    @Test func keywordUsedAsFlowEndpoint() {
        let m = extractMarkers("a -> 1️⃣include")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .keywordAsId,
                         message: "'include' is a keyword and cannot be used as a target id", at: m["1"])
    }

    @Test func invalidID() {
        let m = extractMarkers("process 1️⃣9lives")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .invalidId, message: "'9lives' is not a valid id", at: m["1"])
    }

    @Test func missingElementID() {
        let m = extractMarkers("actor 1️⃣\"Customer\"")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedId, message: "expected actor id after 'actor', found string",
                         at: m["1"])
    }

    @Test func modelWithoutName() {
        let m = extractMarkers("model 1️⃣{ owner \"x\" }")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedName,
                         message: "expected the model's name as a string after 'model'", at: m["1"])
    }

    @Test func trackingWithoutJustification() {
        let m = extractMarkers("accept tampering-in-transit@web->db 1️⃣owner \"ops\"")
        let (document, diagnostics) = parse(m.text)
        let d = expectDiagnostic(diagnostics, id: .expectedJustification,
                                 message: "expected a quoted justification after 'tampering-in-transit@web->db', found 'owner'",
                                 at: m["1"])
        #expect(d?.notes == [#"every tracking decision needs a reason: accept tampering-in-transit@web->db "why""#])
        #expect(trackings(document.statements).isEmpty)
    }

    @Test func trackingWithoutJustificationAtLineEnd() {
        let m = extractMarkers("mitigated spoofing@api\n1️⃣actor a")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedJustification,
                         message: "expected a quoted justification after 'spoofing@api', found 'actor'", at: m["1"])
    }

    @Test func trackingWithInvalidDate() {
        let m = extractMarkers("accept x@y \"why\" until 1️⃣2027-02-30")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .invalidDate, message: "'2027-02-30' is not a date; write YYYY-MM-DD",
                         at: m["1"])
    }

    @Test func trackingQuotedPatternWithoutAt() {
        let m = extractMarkers("not-applicable 1️⃣\"dos\" \"why\"")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .invalidPattern, message: "finding pattern 'dos' has no '@'", at: m["1"])
    }

    @Test func trackingWithEmptyQuotedPattern() {
        let m = extractMarkers("accept 1️⃣\"\" ")
        let (_, diagnostics) = parse(m.text)
        // An empty quoted pattern has no '@'.
        expectDiagnostic(diagnostics, id: .invalidPattern, message: "finding pattern '' has no '@'", at: m["1"])
    }

    @Test func missingSeparatorBetweenStatements() {
        let m = extractMarkers("actor a \"A\" 1️⃣process b")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedSeparator, message: "expected a new line or ';' before 'process'",
                         at: m["1"])
    }

    @Test func missingSeparatorBetweenAttributes() {
        let m = extractMarkers("datastore db { tech postgres 1️⃣\"x\" }")
        let (document, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedSeparator, message: "expected ';' or a new line before string",
                         at: m["1"])
        #expect(declarations(document.statements).first.map { render($0.attributes) } == ["tech w:postgres"])
    }

    @Test func trailingCommaWithoutValue() {
        let m = extractMarkers("flowless -> x { carries a, 1️⃣}")
        let (_, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedValue, message: "expected a value after ','", at: m["1"])
    }

    @Test func strayClosingBrace() {
        let m = extractMarkers("actor a\n1️⃣}\nprocess b")
        let (document, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .unexpectedBrace, message: "unexpected '}' with no open block", at: m["1"])
        #expect(declarations(document.statements).count == 2)
    }

    @Test func declarationsThatDoNotBelongInABoundary() {
        let m = extractMarkers("""
            boundary b {
              1️⃣data card
              2️⃣include "x.moat"
              3️⃣accept x@y "why"
              process p
            }
            """)
        let (document, diagnostics) = parse(m.text)
        let misplaced = diagnostics.filter { $0.id == .misplacedDeclaration }
        #expect(misplaced.map(\.message) == [
            "'data' cannot appear inside a boundary", "'include' cannot appear inside a boundary",
            "tracking statements cannot appear inside a boundary",
        ])
        #expect(misplaced.map { $0.range?.start } == [m["1"], m["2"], m["3"]])
        #expect(boundaries(document.statements).first.map { declarations($0.items).map { $0.id?.value } } == ["p"])
    }

    @Test func severalErrorsInOneFileAreAllReported() {
        let m = extractMarkers("""
            model "Shop" { owner "team" }
            1️⃣proces web
            actor 2️⃣model
            boundary dmz {
              process api "API" { tech go }
              login: api 3️⃣db
            }
            accept x@y 4️⃣until 2027-01-01
            datastore db
            web -> 5️⃣"db"
            """)
        let (document, diagnostics) = parse(m.text)
        #expect(errors(diagnostics).count == 5, "\(describe(diagnostics))")
        #expect(diagnostics.map(\.id.rawValue) == ["unknown-keyword", "keyword-as-id", "expected-arrow",
                                          "expected-justification", "expected-id"])
        #expect(diagnostics.map { $0.range?.start } == [m["1"], m["2"], m["3"], m["4"], m["5"]])
        // Every good statement survives: header, actor, boundary (with its process), datastore.
        #expect(declarations(document.statements).map(\.kind) == [.model, .actor, .datastore])
        #expect(boundaries(document.statements).first.map { declarations($0.items).count } == 1)
    }

    @Test func unexpectedCharactersAreSkippedAndParsingContinues() {
        let m = extractMarkers("""
            actor a 1️⃣$ "A"
            process b "B" { tech 2️⃣% go }
            datastore c 3️⃣&
            a -> b
            b -> c
            """)
        let (document, diagnostics) = parse(m.text)
        #expect(diagnostics.map(\.message) == [
            "unexpected character '$'", "unexpected character '%'", "unexpected character '&'",
        ])
        #expect(diagnostics.map { $0.range?.start } == [m["1"], m["2"], m["3"]])
        #expect(declarations(document.statements).map { $0.id?.value } == ["a", "b", "c"])
        #expect(flows(document.statements).count == 2)
    }

    @Test func recoveryInsideABlockKeepsLaterAttributes() {
        let m = extractMarkers("""
            process api {
              1️⃣"oops" here
              tech go
            }
            actor user
            """)
        let (document, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedAttribute, message: "expected an attribute name, found string",
                         at: m["1"])
        let d = declarations(document.statements)
        #expect(d.map { $0.id?.value } == ["api", "user"])
        #expect(render(d[0].attributes) == ["tech w:go"])
    }

    @Test func errorInsideABoundaryDoesNotLoseTheRestOfTheBoundary() {
        let m = extractMarkers("""
            boundary core {
              trust restricted
              1️⃣{ nonsense }
              process api
            }
            process after
            """)
        let (document, diagnostics) = parse(m.text)
        expectDiagnostic(diagnostics, id: .expectedStatement,
                         message: "expected an element, boundary, flow or attribute, found '{'", at: m["1"])
        let core = boundaries(document.statements).first
        #expect(core.map { declarations($0.items).map { $0.id?.value } } == ["api"])
        #expect(declarations(document.statements).map { $0.id?.value } == ["after"])
    }
}

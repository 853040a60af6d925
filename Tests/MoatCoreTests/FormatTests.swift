import Foundation
import Testing
import MoatCore
import MoatReports

private func formatter() throws -> MoatFormatter { MoatFormatter(vocabulary: try builtInCatalogue().vocabulary) }
private func tree() throws -> DocumentTree { DocumentTree(vocabulary: try builtInCatalogue().vocabulary) }

/// Formats text that must parse without errors.
private func format(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
    let (document, diagnostics) = parse(text)
    #expect(errors(diagnostics).isEmpty, "\(describe(diagnostics))", sourceLocation: sourceLocation)
    return try formatter().format(document)
}

/// Every comment of a text, as the lexer collects them, in order.
private func commentTexts(_ text: String) -> [String] {
    var lexer = Lexer(file: SourceFile(path: "c.moat", text: text))
    _ = lexer.tokenize()
    return lexer.comments.map(\.text)
}

/// The resolved model of a file, as comparable text (no positions).
private func graphText(_ result: LoadResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
    #expect(!result.hasErrors, "\(describe(result.diagnostics))", sourceLocation: sourceLocation)
    let model = try #require(result.model, sourceLocation: sourceLocation)
    let graph = ArchitectureGraph(model: model, vocabulary: try builtInCatalogue().vocabulary)
    return GraphJSON(includePositions: false).value(graph).serialized()
}

/// Reports the first differing line of two texts, for readable failures.
private func firstDifference(_ a: String, _ b: String) -> String {
    let x = a.components(separatedBy: "\n"), y = b.components(separatedBy: "\n")
    for i in 0..<max(x.count, y.count) {
        let l = i < x.count ? x[i] : "<end>", r = i < y.count ? y[i] : "<end>"
        if l != r { return "line \(i + 1):\n  expected: \(l)\n  actual:   \(r)" }
    }
    return "identical"
}

private let messy = """
    # File header comment.
    # Second header line.
    model   "Messy shop"{owner "me";maturity 2 # claimed level
      practices security-policies,
          secure-coding
      # closing comment in the header
    }
    // data section
    data card "Card"{classification secret
      pii}   # after the card


    data order {classification confidential} ; data spare
    boundary b "B" {   # after the brace
      trust partner
      # before the actor
      actor a "A"{type user}
      process p

      # a group after a blank line
      datastore db { stores card, order; encrypted-at-rest }
      # closing comment in the boundary
    }
    a->p "go"{protocol https;carries card}  # trailing flow comment
    p -> db {
      # before protocol
      protocol postgres-tls # after protocol
      carries order, card
    }
    login:a->p
    accept  tampering-in-transit@a->p   "tls everywhere"   until 2027-01-31 owner "ops"   # why not
    # last words

    # really last
    """

@Suite("Formatter")
struct FormatTests {
    @Test func formattingIsIdempotent() throws {
        let once = try format(messy)
        let twice = try format(once)
        #expect(once == twice, "\(firstDifference(once, twice))")
        #expect(once != messy)
    }

    @Test func formattingKeepsEveryComment() throws {
        let formatted = try format(messy)
        #expect(commentTexts(formatted) == commentTexts(messy))
        #expect(commentTexts(messy).count == 16)
    }

    @Test func formattingKeepsTheModel() throws {
        let formatted = try format(messy)
        #expect(try tree().tree(parse(formatted).0) == tree().tree(parse(messy).0))
        #expect(try graphText(loadModel(formatted)) == graphText(loadModel(messy)))
    }

    /// A comment at the end of a line belongs to the last statement on that line, not to the
    /// first one: `owner "me"; maturity 2 # c` and `{ a; b }  # c` must not move the comment.
    @Test func formattingKeepsCommentsAttachedToTheirStatements() throws {
        let formatted = try format(messy)
        let lines = formatted.components(separatedBy: "\n")
        #expect(lines.starts(with: ["# File header comment.", "# Second header line.", "model \"Messy shop\" {"]))
        #expect(lines.contains("  maturity 2  # claimed level"))
        #expect(lines.contains("  # closing comment in the header"))
        #expect(lines.contains("data card \"Card\" { classification secret; pii }  # after the card"))
        #expect(lines.contains("a -> p \"go\" { protocol https; carries card }  # trailing flow comment"))
        #expect(lines.contains("  protocol postgres-tls  # after protocol"))
        #expect(lines.contains(#"accept tampering-in-transit@a->p "tls everywhere" owner "ops" until 2027-01-31  # why not"#))
        #expect(Array(lines.suffix(4)) == ["# last words", "", "# really last", ""])
    }

    @Test func canonicalLayoutOfASmallModel() throws {
        let input = """
            model "Shop" { owner "team"; maturity 2 }
            data card "Card" { classification secret; pii }
            data order "Order" {classification confidential}
            boundary dmz "DMZ" { trust partner; process web "Web" { authn session; validates-input } }
            actor customer "Customer"
            customer->web "Browse" {protocol https;carries card,order}
            login: customer <-> web
            accept tampering-in-transit@customer->web "tls" owner "ops" until 2027-01-01
            """
        let expected = """
            model "Shop" {
              owner "team"
              maturity 2
            }

            data card "Card" { classification secret; pii }
            data order "Order" { classification confidential }

            boundary dmz "DMZ" {
              trust partner

              process web "Web" { authn session; validates-input }
            }

            actor customer "Customer"

            customer -> web "Browse" { protocol https; carries card, order }
            login: customer <-> web

            accept tampering-in-transit@customer->web "tls" owner "ops" until 2027-01-01

            """
        let formatted = try format(input)
        #expect(formatted == expected, "\(firstDifference(expected, formatted))")
    }

    @Test func longBlocksAndLongListsAreBrokenOverLines() throws {
        let names = (1...12).map { "data-asset-number-\($0)" }
        let input = "process api { tech go; processes \(names.joined(separator: ", ")) }"
        let formatted = try format(input)
        let lines = formatted.components(separatedBy: "\n")
        #expect(lines.first == "process api {")
        #expect(lines[1] == "  tech go")
        #expect(lines.allSatisfy { $0.count <= MoatFormatter.lineWidth }, "\(formatted)")
        #expect(lines[2].hasPrefix("  processes data-asset-number-1, "))
        #expect(lines[2].hasSuffix(","))
        #expect(lines[3].hasPrefix("    data-asset-number-"))
        #expect(try format(formatted) == formatted)
    }

    @Test func flagsWrittenTrueAreWrittenAloneAndFalseIsKept() throws {
        let formatted = try format("datastore db { encrypted-at-rest true; backups false; immutable yes }")
        #expect(formatted == "datastore db { encrypted-at-rest; backups false; immutable }\n")
    }

    @Test func emptyDocumentFormatsToEmptyText() throws {
        #expect(try format("") == "")
        #expect(try format("\n\n  \n") == "")
        #expect(try format("# just a comment\n") == "# just a comment\n")
    }

    @Test func emptyBoundaryAndEmptyBlocks() throws {
        #expect(try format("boundary b {\n}\nactor a {}") == "boundary b\n\nactor a\n")
    }

    @Test func crlfInputIsWrittenWithLineFeeds() throws {
        let formatted = try format("actor a # note\r\n\r\nprocess b\r\n")
        #expect(formatted == "actor a  # note\n\nprocess b\n")
    }

    // MARK: Strings

    @Test(arguments: [
        "say \"hi\"", #"back\slash"#, "two\nlines", "tab\there", "emoji 🔒🛡️ and flags 🇪🇺",
        "עברית ومرحبا mixed RTL", "\u{7}bell and \u{1B}[31mescape", "line\u{2028}separator", "# not a comment",
        "", " leading and trailing ", #"\u{41}"#,
    ])
    func stringsRoundTripThroughFormat(value: String) throws {
        let q = MoatFormatter.quoted(value)
        let text = "actor a \(q)\nprocess b { description \(q) }\n\na -> b \(q)\n"
        let (document, diagnostics) = parse(text)
        #expect(diagnostics.isEmpty, "\(describe(diagnostics))")
        guard case .declaration(let d)? = document.statements.first else {
            Issue.record("no declaration")
            return
        }
        #expect(d.name?.value == value)
        let formatted = try formatter().format(document)
        // Already canonical: one statement per line, whatever the string holds.
        #expect(formatted == text, "\(firstDifference(text, formatted))")
        let (again, diagnostics2) = parse(formatted)
        #expect(diagnostics2.isEmpty, "\(describe(diagnostics2))")
        let values: [String?] = again.statements.map {
            switch $0 {
            case .declaration(let d) where d.kind == .actor: return d.name?.value
            case .declaration(let d): return d.attributes.first?.values.first?.value.text
            case .flow(let f): return f.name?.value
            default: return nil
            }
        }
        #expect(values == [value, value, value])
    }

    @Test func quotedEscapesOnlyWhatItMust() {
        #expect(MoatFormatter.quoted("a\"b\\c\nd\te") == #""a\"b\\c\nd\te""#)
        #expect(MoatFormatter.quoted("🔒 שלום") == "\"🔒 שלום\"")
        #expect(MoatFormatter.quoted("\u{1}\u{7F}\u{2029}") == #""\u{1}\u{7f}\u{2029}""#)
    }

    @Test func unicodeEscapesInInputAreWrittenAsCharacters() throws {
        #expect(try format(#"actor a "lock \u{1F512}""#) == "actor a \"lock 🔒\"\n")
    }

    // MARK: Samples

    @Test(arguments: sampleNames())
    func sampleIsInFormatterLayout(name: String) throws {
        let url = sampleURL(name)
        let original = try String(contentsOf: url, encoding: .utf8)
        let formatted = try format(original)
        #expect(formatted == original, "\(name) is not in fmt layout; \(firstDifference(original, formatted))")
    }

    @Test func thereAreSamples() {
        #expect(sampleNames().count >= 7, "Samples/ not found from \(packageRoot().path)")
    }

    @Test(arguments: sampleNames())
    func sampleRoundTripsThroughYAML(name: String) throws {
        let path = sampleURL(name).path
        let original = try loadModelFromDisk(path)
        let document = try #require(original.documents.first)
        let yaml = try tree().yaml(document)
        let fromYAML = try loadModel(yaml, path: "round-trip.yaml")
        #expect(try graphText(fromYAML) == graphText(original), "\(name): text -> YAML changed the model")
        // And back to text.
        let text = try formatter().format(try #require(fromYAML.documents.first))
        let fromText = try loadModel(text, path: "round-trip.moat")
        #expect(try graphText(fromText) == graphText(original), "\(name): text -> YAML -> text changed the model")
    }

    @Test(arguments: sampleNames())
    func sampleRoundTripsThroughJSON(name: String) throws {
        let path = sampleURL(name).path
        let original = try loadModelFromDisk(path)
        let document = try #require(original.documents.first)
        let json = try tree().json(document)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil, "\(name): not JSON")
        let fromJSON = try loadModel(json, path: "round-trip.json")
        #expect(try graphText(fromJSON) == graphText(original), "\(name): text -> JSON changed the model")
        let text = try formatter().format(try #require(fromJSON.documents.first))
        let fromText = try loadModel(text, path: "round-trip.moat")
        #expect(try graphText(fromText) == graphText(original), "\(name): text -> JSON -> text changed the model")
    }

    /// YAML and JSON list a boundary's elements before its nested boundaries, and boundaries
    /// before top-level elements; reading them back must still give the elements in the order
    /// the text declared them (the samples happen not to mix the two).
    @Test(arguments: ["yaml", "json"])
    func roundTripKeepsTheDeclarationOrderOfElements(notation: String) throws {
        let text = """
            actor customer
            boundary top {
              boundary inner { process x }
              process y
            }
            customer -> x
            x -> y
            """
        let original = try loadModel(text)
        let document = try #require(original.documents.first)
        let converted = notation == "yaml" ? try tree().yaml(document) : try tree().json(document)
        let back = try loadModel(converted, path: "model.\(notation)")
        #expect(back.model?.elements.map(\.id) == original.model?.elements.map(\.id))
        #expect(try graphText(back) == graphText(original))
    }

    @Test func hostileStringsRoundTripThroughYAMLAndJSON() throws {
        let value = "quote \" backslash \\ newline \n tab \t 🔒 עברית : - [x] {y} # z &a *b !c | > % @ `"
        let text = """
            model \(MoatFormatter.quoted(value)) { description \(MoatFormatter.quoted(value)) }
            actor a \(MoatFormatter.quoted(value))
            process b "yes" { description "true" }
            a -> b \(MoatFormatter.quoted(value)) { port 443 }
            accept x@a->b \(MoatFormatter.quoted(value)) owner "null" until 2027-01-01
            """
        let original = try loadModel(text)
        let document = try #require(original.documents.first)
        let expected = try graphText(original)
        #expect(expected.contains("\"description\": \"true\""))
        let fromYAML = try loadModel(try tree().yaml(document), path: "h.yaml")
        #expect(try graphText(fromYAML) == expected)
        let fromJSON = try loadModel(try tree().json(document), path: "h.json")
        #expect(try graphText(fromJSON) == expected)
    }

    // MARK: YAML reader errors

    @Test func invalidYAMLIsReportedAtItsLine() throws {
        let yaml = """
            model:
              name: Shop
            elements:
              - kind: actor
                id: a: b
            """
        let result = try loadModel(yaml, path: "bad.yaml")
        let d = expectDiagnostic(result.diagnostics, id: .invalidYaml, file: "bad.yaml")
        #expect(d?.range?.start.line == 5)
        #expect(d?.message.hasPrefix("invalid YAML: ") == true)
        #expect(result.model == nil)
    }

    @Test func invalidJSONIsReportedAtItsLine() throws {
        let json = """
            {
              "model": {"name": "Shop"},
              "elements": [
                {"kind": "actor", "id": "a"}
                {"kind": "process", "id": "b"}
              ]
            }
            """
        let result = try loadModel(json, path: "bad.json")
        let d = expectDiagnostic(result.diagnostics, id: .invalidYaml, file: "bad.json")
        #expect(d?.range?.start.line == 5)
    }

    @Test func unknownTopLevelKeyWithSuggestion() throws {
        let m = extractMarkers("""
            model:
              name: Shop
            1️⃣element:
              - kind: actor
                id: a
            """)
        let result = try loadModel(m.text, path: "shop.yaml")
        expectDiagnostic(result.diagnostics, id: .unknownKey, message: "unknown key 'element'; did you mean 'elements'?",
                         at: m["1"])
    }

    @Test func elementWithoutKind() throws {
        let m = extractMarkers("""
            elements:
              - kind: actor
                id: a
              - 2️⃣id: b
                name: B
            """)
        let result = try loadModel(m.text, path: "shop.yaml")
        expectDiagnostic(result.diagnostics, id: .missingKey,
                         message: "an element needs a 'kind': actor, process or datastore", at: m["2"])
    }

    @Test func elementWithAnUnknownKind() throws {
        let m = extractMarkers("""
            elements:
              - kind: 1️⃣procss
                id: a
            """)
        let result = try loadModel(m.text, path: "shop.yaml")
        expectDiagnostic(result.diagnostics, id: .invalidValue,
                         message: "'procss' is not an element kind; did you mean 'process'?", at: m["1"])
    }

    @Test func yamlAttributeErrorsPointIntoTheYAML() throws {
        let m = extractMarkers("""
            elements:
              - kind: datastore
                id: db
                1️⃣encrpyted-at-rest: true
                stores: [card, 2️⃣crd]
            data:
              - id: card
            """)
        let result = try loadModel(m.text, path: "shop.yaml")
        expectDiagnostic(result.diagnostics, id: .unknownAttribute,
                         message: "unknown attribute 'encrpyted-at-rest'; did you mean 'encrypted-at-rest'?", at: m["1"])
        expectDiagnostic(result.diagnostics, id: .unknownData, message: "unknown data asset 'crd'; did you mean 'card'?",
                         at: m["2"])
    }

    @Test func yamlPositionsCountUTF8Bytes() throws {
        let m = extractMarkers("""
            elements:
              - {kind: actor, name: "Ünïcødé 🔒", 1️⃣bogus: 1, id: a}
            """)
        let result = try loadModel(m.text, path: "shop.yaml")
        expectDiagnostic(result.diagnostics, id: .unknownAttribute, at: m["1"])
    }

    @Test func yamlModelLoads() throws {
        let result = try loadModel("""
            model:
              name: Online shop
              owner: payments team
              maturity: 3
            data:
              - id: card
                name: Card data
                classification: secret
                pii: true
            boundaries:
              - id: internet
                name: Internet
                trust: untrusted
                elements:
                  - kind: actor
                    id: customer
                    name: Customer
            elements:
              - kind: process
                id: web
            flows:
              - from: customer
                to: web
                name: Place order
                protocol: https
                carries: [card]
            tracking:
              - status: accept
                finding: tampering-in-transit@customer->web
                justification: internal segment
            """, path: "shop.yaml")
        expectClean(result)
        let model = try #require(result.model)
        #expect(model.header.name == "Online shop")
        #expect(model.header.declaredLevel == 3)
        #expect(model.elements.map(\.id) == ["customer", "web"])
        #expect(model.elements.first?.boundary == "internet")
        #expect(model.flows.first?.attributes.list("carries") == ["card"])
        #expect(model.tracking.first?.status == .accept)
    }

    // MARK: Starter model

    @Test func starterModelValidatesWithoutWarnings() throws {
        let result = try loadModel(StarterModel.text(name: "Shop"), path: "shop.moat")
        expectClean(result)
        #expect(result.model?.header.name == "Shop")
    }

    @Test func starterModelIsInFormatterLayout() throws {
        let text = StarterModel.text(name: "Shop")
        let formatted = try format(text)
        #expect(formatted == text, "\(firstDifference(text, formatted))")
    }

    @Test func starterModelQuotesItsName() throws {
        let text = StarterModel.text(name: "Bob's \"shop\"")
        let result = try loadModel(text, path: "x.moat")
        expectClean(result)
        #expect(result.model?.header.name == "Bob's \"shop\"")
    }
}

/// Loads a file from disk through the real source loader.
func loadModelFromDisk(_ path: String) throws -> LoadResult {
    ModelLoader(catalogue: try builtInCatalogue()).load(path: path)
}

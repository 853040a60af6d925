import Foundation
import MCP
import MoatCore
import MoatReports
@testable import MoatMCP
import Testing

/// Every tool through the SDK's client, in-process.
@Suite(.timeLimit(.minutes(10)))
struct MCPToolTests {
    @Test func initialisationNamesTheServerAndItsCapabilities() async throws {
        let root = try TempRoot()
        let configuration = MoatMCPServer.Configuration(catalogue: try Catalogue.builtIn.get(), root: try ServerRoot(root.path),
                                                        asOf: testDate, version: "9.9.9")
        let server = await MoatMCPServer.make(configuration)
        let (clientTransport, serverTransport) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverTransport)
        let client = Client(name: "moat-tests", version: "1.0")
        let result = try await client.connect(transport: clientTransport)
        #expect(result.serverInfo.name == "moat")
        #expect(result.serverInfo.version == "9.9.9")
        #expect(result.capabilities.tools != nil)
        #expect(result.capabilities.resources != nil)
        #expect(result.instructions?.contains(root.url.resolvingSymlinksInPath().path) == true)
        await client.disconnect()
        await server.stop()
    }

    @Test func listsEveryToolWithAStrictObjectSchema() async throws {
        let root = try TempRoot()
        try await withSession(root: root.path) { session in
            let (tools, _) = try await session.client.listTools()
            #expect(tools.map(\.name) == ["validate_model", "analyze_model", "explain_finding", "list_rules", "show_rule",
                                          "list_vocabulary", "render_diagram", "list_models"])
            let required: [String: [String]] = [
                "validate_model": ["path"], "analyze_model": ["path"], "explain_finding": ["path", "finding"],
                "list_rules": [], "show_rule": ["id"], "list_vocabulary": [], "render_diagram": ["path"], "list_models": [],
            ]
            for tool in tools {
                let schema = try #require(tool.inputSchema.objectValue, "\(tool.name)")
                #expect(schema["type"] == "object", "\(tool.name)")
                #expect(schema["additionalProperties"] == false, "\(tool.name)")
                let properties = try #require(schema["properties"]?.objectValue, "\(tool.name)")
                let names = (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue)
                #expect(names == required[tool.name], "\(tool.name)")
                for name in names { #expect(properties[name] != nil, "\(tool.name).\(name)") }
                for (name, property) in properties {
                    let p = try #require(property.objectValue, "\(tool.name).\(name)")
                    #expect(p["type"]?.stringValue != nil, "\(tool.name).\(name) has a type")
                    #expect(p["description"]?.stringValue?.isEmpty == false, "\(tool.name).\(name) is described")
                }
                #expect(tool.description?.isEmpty == false)
                #expect(tool.annotations.readOnlyHint == true && tool.annotations.destructiveHint == false)
            }
            let analyze = try #require(tools.first { $0.name == "analyze_model" }?.inputSchema.objectValue?["properties"]?.objectValue)
            #expect(analyze["minSeverity"]?.objectValue?["enum"] == ["low", "medium", "high", "critical"])
            #expect(analyze["level"]?.objectValue?["minimum"] == 1 && analyze["level"]?.objectValue?["maximum"] == 5)
        }
    }

    // MARK: - validate_model

    @Test func validateAValidModel() async throws {
        let root = try TempRoot()
        try root.write("models/shop.moat", shopModel)
        try await withSession(root: root.path) { session in
            let answer = try await session.call("validate_model", ["path": "models/shop.moat"])
            #expect(!answer.isError)
            let json = try #require(try answer.json() as? [String: Any])
            #expect(json["file"] as? String == "models/shop.moat")
            #expect(json["valid"] as? Bool == true)
            #expect(json["errors"] as? Int == 0)
            let model = try #require(json["model"] as? [String: Any])
            #expect(model["name"] as? String == "Quick start")
            #expect(model["elements"] as? Int == 3 && model["flows"] as? Int == 2 && model["boundaries"] as? Int == 2)
            #expect(model["data"] as? Int == 1)

            let text = try await session.call("validate_model", ["path": "models/shop.moat", "format": "text"])
            #expect(!text.isError)
            #expect(text.text.hasSuffix("models/shop.moat: ok — 3 elements, 2 flows, 2 boundaries, 1 data asset\n"))
        }
    }

    @Test func validateAModelWithErrors() async throws {
        let root = try TempRoot()
        try root.write("bad.moat", """
            actor u { type user }
            process p { type api; protocl https }
            process p { type api }
            u -> ghost
            """)
        try await withSession(root: root.path) { session in
            let answer = try await session.call("validate_model", ["path": "bad.moat"])
            #expect(!answer.isError, "a model with errors is an answer, not a failure of the tool")
            let json = try #require(try answer.json() as? [String: Any])
            #expect(json["valid"] as? Bool == false)
            #expect(json["model"] == nil)
            let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
            #expect(json["errors"] as? Int == diagnostics.filter { $0["severity"] as? String == "error" }.count)
            let unknown = try #require(diagnostics.first { $0["id"] as? String == "unknown-attribute" })
            #expect(unknown["file"] as? String == "bad.moat")
            #expect(unknown["line"] as? Int == 2)
            #expect(unknown["column"] as? Int == 23)
            #expect(unknown["severity"] as? String == "error")
            #expect(unknown["message"] as? String == "unknown attribute 'protocl'; did you mean 'protocol'?")
            // A duplicate id carries a note pointing at the first declaration.
            let duplicate = try #require(diagnostics.first { $0["id"] as? String == "duplicate-id" })
            #expect(duplicate["line"] as? Int == 3)
            let note = try #require((duplicate["notes"] as? [[String: Any]])?.first)
            #expect(note["message"] as? String == "first declared here")
            #expect(note["file"] as? String == "bad.moat" && note["line"] as? Int == 2 && note["column"] as? Int == 9)
            #expect(diagnostics.contains { ($0["message"] as? String)?.contains("ghost") == true })

            // The text form is `moat validate`'s: file:line:col, the line and a caret.
            let text = try await session.call("validate_model", ["path": "bad.moat", "format": "text"])
            #expect(!text.isError)
            #expect(text.text.contains("bad.moat:2:23: error: unknown attribute 'protocl'; did you mean 'protocol'?\n"
                                       + " 2 | process p { type api; protocl https }\n   |                       ^~~~~~~\n"))
            #expect(text.text.hasSuffix("bad.moat: \(json["errors"] as! Int) errors\n"))
        }
    }

    @Test func columnsCountCharactersAsTheCLIPrintsThem() async throws {
        let root = try TempRoot()
        try root.write("u.moat", "actor u \"Ünïcode\" { type user; colour red }\n")
        try await withSession(root: root.path) { session in
            let json = try #require(try await session.call("validate_model", ["path": "u.moat"]).json() as? [String: Any])
            let d = try #require((json["diagnostics"] as? [[String: Any]])?.first { $0["id"] as? String == "unknown-attribute" })
            // "actor u \"Ünïcode\" { type user; " is 31 characters (33 bytes).
            #expect(d["column"] as? Int == 32)
            let text = try await session.call("validate_model", ["path": "u.moat", "format": "text"])
            #expect(text.text.contains("u.moat:1:32: error: unknown attribute 'colour'"), "\(text.text)")
        }
    }

    // MARK: - analyze_model

    @Test func analyzeGivesTheJSONReportOfMoatAnalyze() async throws {
        let root = try TempRoot()
        let file = try root.write("shop.moat", shopModel)
        try await withSession(root: root.path) { session in
            let answer = try await session.call("analyze_model", ["path": "shop.moat"])
            #expect(!answer.isError)
            // The same bytes as MoatReports' writer gives for the same analysis, file name aside.
            var (analysis, _) = try Reference.analysis(file)
            let expected = String(decoding: JSONReportWriter().bytes(analysis), as: UTF8.self)
                .replacingOccurrences(of: "\"file\": \"\(file)\"", with: "\"file\": \"shop.moat\"")
                .replacingOccurrences(of: "\"file\":\"\(file)\"", with: "\"file\":\"shop.moat\"")
            #expect(answer.content.count == 1)
            #expect(answer.text == expected)
            let json = try #require(try answer.json() as? [String: Any])
            let findings = try #require(json["findings"] as? [[String: Any]])
            #expect(findings.count == analysis.findings.count && !findings.isEmpty)
            let first = try #require(findings.first)
            for key in ["id", "rule", "title", "element", "stride", "severity", "status", "cwe", "capec", "mitigations", "file", "line"] {
                #expect(first[key] != nil, "\(key)")
            }
            let maturity = try #require(json["maturity"] as? [String: Any])
            #expect(maturity["declared"] as? Int == 2)
            #expect(maturity["evidenced"] != nil && maturity["missingPractices"] != nil)

            // A level given to the call is the declared level of the analysis.
            let level4 = try #require(try await session.call("analyze_model", ["path": "shop.moat", "level": 4]).json() as? [String: Any])
            #expect((level4["maturity"] as? [String: Any])?["declared"] as? Int == 4)
            analysis = try Reference.analysis(file, level: 4).0
            #expect(((level4["findings"] as? [[String: Any]])?.map { $0["status"] as? String }) == analysis.findings.map(\.status.rawValue))
        }
    }

    @Test func analyzeFiltersFindings() async throws {
        let root = try TempRoot()
        let file = try root.write("shop.moat", shopModel)
        let (analysis, _) = try Reference.analysis(file)
        try await withSession(root: root.path) { session in
            let answer = try await session.call("analyze_model", ["path": "shop.moat", "element": "shop", "minSeverity": "high",
                                                                  "openOnly": true])
            #expect(!answer.isError)
            let expected = analysis.findings.filter { $0.elementID == "shop" && $0.severity >= .high && $0.isOpen }
            #expect(!expected.isEmpty)
            let findings = try #require((try answer.json() as? [String: Any])?["findings"] as? [[String: Any]])
            #expect(findings.map { $0["id"] as? String } == expected.map(\.id))
            #expect(answer.text.hasPrefix("\(expected.count) of \(analysis.findings.count) findings match "
                                          + "(element 'shop', severity high or worse, open only)."))

            let spoofing = try #require((try await session.call("analyze_model", ["path": "shop.moat", "stride": "S"]).json()
                                         as? [String: Any])?["findings"] as? [[String: Any]])
            #expect(spoofing.map { $0["id"] as? String } == analysis.findings.filter { $0.rule.stride.contains(.spoofing) }.map(\.id))

            let unknown = try await session.call("analyze_model", ["path": "shop.moat", "element": "shp"])
            #expect(unknown.isError)
            #expect(unknown.text == "no element, flow or boundary 'shp' in the model; did you mean 'shop'?")
        }
    }

    @Test func analyzeAModelWithErrorsIsAToolErrorListingThem() async throws {
        let root = try TempRoot()
        try root.write("bad.moat", "actor u { type user }\nprocess p { type api; protocl https }\n")
        try await withSession(root: root.path) { session in
            for tool in ["analyze_model", "render_diagram"] {
                let answer = try await session.call(tool, ["path": "bad.moat"])
                #expect(answer.isError, "\(tool)")
                #expect(answer.text.hasPrefix("bad.moat has 1 error; nothing was analysed."), "\(tool)")
                #expect(answer.text.contains("bad.moat:2:23: error: unknown attribute 'protocl'"), "\(tool)")
            }
            let explain = try await session.call("explain_finding", ["path": "bad.moat", "finding": "a@b"])
            #expect(explain.isError && explain.text.contains("bad.moat:2:23"))
        }
    }

    @Test func analyzeReportsLintWarningsAfterTheReport() async throws {
        let root = try TempRoot()
        try root.write("lonely.moat", shopModel + "process idle \"Idle\" { type api }\n")
        try await withSession(root: root.path) { session in
            let answer = try await session.call("analyze_model", ["path": "lonely.moat"])
            #expect(!answer.isError)
            let validate = try #require(try await session.call("validate_model", ["path": "lonely.moat"]).json() as? [String: Any])
            #expect(validate["valid"] as? Bool == true && validate["warnings"] as? Int == 1)
            let warning = try #require((validate["diagnostics"] as? [[String: Any]])?.first)
            #expect(warning["severity"] as? String == "warning" && warning["id"] as? String == "isolated-element")
            #expect((warning["notes"] as? [[String: Any]])?.first?["message"] as? String == "connect it with a flow, or remove it")
            #expect(answer.content.count == 2)
            guard case .text(let last, _, _)? = answer.content.last else {
                Issue.record("no warnings block")
                return
            }
            #expect(last.hasPrefix("warnings:\nlonely.moat:"))
            #expect(last.contains(": warning: process 'idle' has no flows\n"))
        }
    }

    // MARK: - explain_finding

    @Test func explainGivesTheTextOfMoatExplain() async throws {
        let root = try TempRoot()
        let file = try root.write("shop.moat", shopModel)
        let (analysis, catalogue) = try Reference.analysis(file)
        let finding = try #require(analysis.findings.first { $0.elementID == "orders" })
        try await withSession(root: root.path) { session in
            let answer = try await session.call("explain_finding", ["path": "shop.moat", "finding": .string(finding.id)])
            #expect(!answer.isError)
            let expected = ExplanationTextWriter().write(try Explainer(catalogue: catalogue).explain(finding.id, in: analysis))
            #expect(answer.text == expected.replacingOccurrences(of: file, with: "shop.moat"))
            #expect(answer.text.hasPrefix("\(finding.id) — \(finding.rule.title)\n"))

            let wrongRule = try await session.call("explain_finding", ["path": "shop.moat", "finding": "sql-injectoin@orders"])
            #expect(wrongRule.isError)
            #expect(wrongRule.text.hasPrefix("unknown rule 'sql-injectoin'"))
            let notAnID = try await session.call("explain_finding", ["path": "shop.moat", "finding": "orders"])
            #expect(notAnID.isError)
            #expect(notAnID.text == "'orders' is not a finding id; finding ids are rule-id@element-id")
            let wrongElement = try await session.call("explain_finding", ["path": "shop.moat", "finding": .string(finding.rule.id + "@ordrs")])
            #expect(wrongElement.isError && wrongElement.text == "unknown element 'ordrs'; did you mean 'orders'?")
        }
    }

    // MARK: - list_rules and show_rule

    @Test func listRulesWithFilters() async throws {
        let root = try TempRoot()
        let catalogue = try Catalogue.builtIn.get()
        try await withSession(root: root.path) { session in
            let all = try #require(try await session.call("list_rules").json() as? [[String: Any]])
            #expect(all.map { $0["id"] as? String } == catalogue.rules.map(\.id))
            #expect(Set(all.first?.keys.map { $0 } ?? []) == ["id", "title", "stride", "appliesTo", "cwe", "capec"])

            let spoofing = try #require(try await session.call("list_rules", ["stride": "spoofing"]).json() as? [[String: Any]])
            #expect(spoofing.map { $0["id"] as? String } == catalogue.rules.filter { $0.stride.contains(.spoofing) }.map(\.id))
            #expect(!spoofing.isEmpty && spoofing.count < all.count)
            let byLetter = try #require(try await session.call("list_rules", ["stride": "S"]).json() as? [[String: Any]])
            #expect(byLetter.count == spoofing.count)

            let datastores = try #require(try await session.call("list_rules", ["appliesTo": "datastore"]).json() as? [[String: Any]])
            #expect(datastores.map { $0["id"] as? String } == catalogue.rules.filter { $0.appliesTo.contains(.datastore) }.map(\.id))

            let cwe = try #require(catalogue.rules.first?.cwe.first)
            let withCWE = try #require(try await session.call("list_rules", ["cwe": .int(cwe)]).json() as? [[String: Any]])
            #expect(withCWE.map { $0["id"] as? String } == catalogue.rules.filter { $0.cwe.contains(cwe) }.map(\.id))
            let withCWEText = try #require(try await session.call("list_rules", ["cwe": .string("CWE-\(cwe)")]).json() as? [[String: Any]])
            #expect(withCWEText.count == withCWE.count)

            let combined = try #require(try await session.call("list_rules", ["stride": "tampering", "appliesTo": "flow"]).json()
                                        as? [[String: Any]])
            #expect(combined.map { $0["id"] as? String }
                    == catalogue.rules.filter { $0.stride.contains(.tampering) && $0.appliesTo.contains(.flow) }.map(\.id))

            let none = try await session.call("list_rules", ["cwe": 999_999])
            #expect(!none.isError && none.text == "[]\n")

            let full = try #require(try await session.call("list_rules", ["detail": "full", "text": "sql"]).json() as? [[String: Any]])
            #expect(!full.isEmpty)
            #expect(full.allSatisfy { $0["when"] is String && $0["mitigations"] is [Any] && $0["source"] as? String == "built-in" })
        }
    }

    @Test func showRule() async throws {
        let root = try TempRoot()
        let rule = try #require(try Catalogue.builtIn.get().rules.first { !$0.triggeringExamples.isEmpty })
        try await withSession(root: root.path) { session in
            let json = try #require(try await session.call("show_rule", ["id": .string(rule.id)]).json() as? [String: Any])
            #expect(json["id"] as? String == rule.id)
            #expect(json["title"] as? String == rule.title)
            #expect(json["cwe"] as? [Int] == rule.cwe)
            #expect(((json["examples"] as? [String: Any])?["triggering"] as? [Any])?.count == rule.triggeringExamples.count)

            let text = try await session.call("show_rule", ["id": .string(rule.id), "format": "text"])
            #expect(text.text.hasPrefix("\(rule.id): \(rule.title)\n\n\(rule.description)\n\nSTRIDE:"))

            let unknown = try await session.call("show_rule", ["id": .string(String(rule.id.dropLast()))])
            #expect(unknown.isError)
            #expect(unknown.text.hasPrefix("unknown rule '\(rule.id.dropLast())'; did you mean '\(rule.id)'?"))
        }
    }

    // MARK: - list_vocabulary

    @Test func vocabulary() async throws {
        let root = try TempRoot()
        let vocabulary = try Catalogue.builtIn.get().vocabulary
        try await withSession(root: root.path) { session in
            let all = try #require(try await session.call("list_vocabulary").json() as? [String: Any])
            let attributes = try #require(all["attributes"] as? [[String: Any]])
            #expect(attributes.map { $0["name"] as? String } == vocabulary.attributes.map(\.name))
            let protocolSpec = try #require(attributes.first { $0["name"] as? String == "protocol" })
            #expect(protocolSpec["type"] as? String == "enum")
            #expect((protocolSpec["values"] as? [String])?.contains("https") == true)
            #expect(protocolSpec["on"] as? [String] == vocabulary.spec("protocol")?.on.map(\.rawValue))
            #expect(protocolSpec["doc"] is String)
            let groups = try #require(all["groups"] as? [[String: Any]])
            #expect(groups.count == vocabulary.groups.count && !groups.isEmpty)
            #expect(groups.allSatisfy { $0["name"] is String && $0["attribute"] is String && $0["values"] is [String] })

            let onFlows = try #require(try await session.call("list_vocabulary", ["kind": "flow"]).json() as? [String: Any])
            #expect((onFlows["attributes"] as? [[String: Any]])?.map { $0["name"] as? String }
                    == vocabulary.attributes.filter { $0.allowed(on: .flow) }.map(\.name))

            let type = try #require(try await session.call("list_vocabulary", ["attribute": "type"]).json() as? [String: Any])
            #expect((type["attributes"] as? [[String: Any]])?.count == 1)
            #expect((type["groups"] as? [[String: Any]])?.map { $0["name"] as? String }
                    == vocabulary.groups(of: "type").map(\.name))

            let typo = try await session.call("list_vocabulary", ["attribute": "protocl"])
            #expect(typo.isError && typo.text == "unknown attribute 'protocl'; did you mean 'protocol'?")
        }
    }

    // MARK: - render_diagram

    @Test func renderDiagramAsSVGPNGAndDOT() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        try await withSession(root: root.path) { session in
            let svg = try await session.call("render_diagram", ["path": "shop.moat"])
            #expect(!svg.isError, "\(svg.text.prefix(300))")
            #expect(svg.text.contains("<svg") && svg.text.contains("</svg>"))
            #expect(svg.text.contains("Orders DB"))

            let png = try await session.call("render_diagram", ["path": "shop.moat", "format": "png", "attackPaths": true])
            #expect(!png.isError, "\(png.text.prefix(300))")
            guard case .image(let data, let mimeType, _, _)? = png.content.first else {
                Issue.record("no image block: \(png.content)")
                return
            }
            #expect(mimeType == "image/png")
            let bytes = try #require(Data(base64Encoded: data))
            #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

            let dot = try await session.call("render_diagram", ["path": "shop.moat", "format": "dot", "focus": "orders", "threats": false])
            #expect(!dot.isError)
            #expect(dot.text.hasPrefix("digraph") || dot.text.hasPrefix("strict digraph"))
            #expect(dot.text.contains("orders"))

            let unknown = try await session.call("render_diagram", ["path": "shop.moat", "focus": "nowhere"])
            #expect(unknown.isError && unknown.text.contains("nowhere"))
            let two = try await session.call("render_diagram", ["path": "shop.moat", "focus": "orders", "boundary": "dc"])
            #expect(two.isError && two.text == "render_diagram: choose one of focus, boundary and view")
        }
    }

    // MARK: - list_models and resources

    @Test func listModelsAndResources() async throws {
        let root = try TempRoot()
        try root.write("shop.moat", shopModel)
        try root.write("sub/dir/other model.moat", shopModel)
        try root.write("sub/threagile.yaml", "title: x\n")
        try root.write(".hidden/secret.moat", shopModel)
        try await withSession(root: root.path) { session in
            let moat = try await session.call("list_models")
            #expect(moat.text == "shop.moat\nsub/dir/other model.moat\n")
            let all = try await session.call("list_models", ["all": true])
            #expect(all.text == "shop.moat\nsub/dir/other model.moat\nsub/threagile.yaml\n")

            let (resources, _) = try await session.client.listResources()
            let uris = resources.map(\.uri)
            #expect(uris.contains("moat://vocabulary") && uris.contains("moat://rules"))
            #expect(uris.contains("moat://models/shop.moat") && uris.contains("moat://models/sub/dir/other%20model.moat"))
            #expect(!uris.contains { $0.contains(".hidden") })
            let rule = try #require(try Catalogue.builtIn.get().rules.first)
            #expect(uris.contains("moat://rules/\(rule.id)"))

            let model = try await session.client.readResource(uri: "moat://models/sub/dir/other%20model.moat")
            #expect(model.first?.text == shopModel)
            let ruleText = try #require(try await session.client.readResource(uri: "moat://rules/\(rule.id)").first?.text)
            #expect(ruleText == (try await session.call("show_rule", ["id": .string(rule.id)]).text))
            let vocabulary = try #require(try await session.client.readResource(uri: "moat://vocabulary").first?.text)
            #expect(vocabulary == (try await session.call("list_vocabulary").text))

            let (templates, _) = try await session.client.listResourceTemplates()
            #expect(templates.map(\.uriTemplate) == ["moat://rules/{id}", "moat://models/{path}"])

            await #expect(throws: (any Error).self) { _ = try await session.client.readResource(uri: "moat://nothing") }
        }
    }
}

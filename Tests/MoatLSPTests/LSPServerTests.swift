import Foundation
import MoatCore
import MoatLSP
import Testing

// The language server driven in process through its JSON-RPC framing, method by method, with the results
// checked: positions, texts and edits.

let mainText = """
    model "LSP test" {
      maturity 2
      practices security-policies
    }
    include "parts.moat"

    data card "Card number" { classification secret; payment }

    boundary internet "Internet" {
      trust untrusted
      actor shopper "Shopper" { type user }
    }

    boundary dc "Data centre" {
      process web "Web shop" { type web-app; internet-facing; authn session; processes card }
    }

    shopper -> web "Browse" { protocol https; carries card }
    web -> db "Save" { protocol postgres; carries card }

    accept tampering-in-transit@web->db "internal segment" owner "ops"

    """

let partsText = """
    datastore db "Orders DB" { type sql; stores card }

    """

/// Applies LSP text edits (UTF-16 positions) to a text.
func apply(_ edits: [LSPAny], to text: String) -> String {
    var lines = text.components(separatedBy: "\n").map { Array($0.utf16) }
    func offset(_ p: LSPAny) -> (Int, Int) { (p["line"]?.intValue ?? 0, p["character"]?.intValue ?? 0) }
    let sorted = edits.sorted { a, b in
        let x = offset(a.at("range", "start")!), y = offset(b.at("range", "start")!)
        return x > y
    }
    for e in sorted {
        let (sl, sc) = offset(e.at("range", "start")!), (el, ec) = offset(e.at("range", "end")!)
        let new = Array((e["newText"]?.stringValue ?? "").utf16)
        let merged = Array(lines[sl][0..<sc]) + new + Array(lines[min(el, lines.count - 1)][min(ec, lines[min(el, lines.count - 1)].count)...])
        let replacement = String(decoding: merged, as: UTF16.self).components(separatedBy: "\n").map { Array($0.utf16) }
        lines.replaceSubrange(sl...min(el, lines.count - 1), with: replacement)
    }
    return lines.map { String(decoding: $0, as: UTF16.self) }.joined(separator: "\n")
}

@Suite("moat lsp in process")
struct LSPServerTests {
    // MARK: - Lifecycle and protocol errors

    @Test func lifecycleAndProtocolErrors() throws {
        let client = try LSPTestClient()
        // Before initialize, requests are refused.
        let early = try client.request("textDocument/hover", textPosition("file:///x.moat", 0, 0))
        #expect(early.at("error", "code")?.intValue == -32002)
        let result = try client.initialize()
        #expect(result.at("capabilities", "positionEncoding")?.stringValue == "utf-16")
        #expect(result.at("capabilities", "textDocumentSync", "change")?.intValue == 1)
        #expect(result.at("capabilities", "hoverProvider") == true)
        #expect(result.at("capabilities", "renameProvider") == true)
        #expect(result.at("serverInfo", "name")?.stringValue == "moat")
        // A second initialize is an invalid request.
        #expect(try client.request("initialize", ["capabilities": [:]]).at("error", "code")?.intValue == -32600)
        // Unknown requests: MethodNotFound, with the id.
        let unknown = try client.request("textDocument/semanticTokens/full", ["textDocument": ["uri": "file:///x.moat"]])
        #expect(unknown.at("error", "code")?.intValue == -32601)
        // Unknown notifications are ignored.
        client.notify("$/somethingNew", [:])
        // Invalid parameters: InvalidParams.
        let bad = try client.request("textDocument/hover", ["textDocument": ["uri": "file:///x.moat"]])
        #expect(bad.at("error", "code")?.intValue == -32602)
        #expect(bad.at("error", "message")?.stringValue?.contains("position") == true)

        // Malformed JSON: ParseError with a null id, and the server carries on.
        client.sendBody(Array(#"{"jsonrpc":"2.0","id":7,"method":"#.utf8))
        var m = try client.readMessage()
        #expect(m.at("error", "code")?.intValue == -32700)
        #expect(m["id"] == .null)
        // A header without Content-Length: ParseError, then resynchronisation.
        client.sendRaw(Array("Content-Type: nonsense\r\n\r\n".utf8))
        m = try client.readMessage()
        #expect(m.at("error", "code")?.intValue == -32700)
        // Not an object; a batch; no method; an id that is neither number nor string.
        client.sendBody(Array("42".utf8))
        #expect(try client.readMessage().at("error", "code")?.intValue == -32600)
        client.sendBody(Array("[]".utf8))
        #expect(try client.readMessage().at("error", "code")?.intValue == -32600)
        client.sendBody(Array(#"{"jsonrpc":"2.0","id":99}"#.utf8))
        m = try client.readMessage()
        #expect(m.at("error", "code")?.intValue == -32600)
        #expect(m["id"] == 99)
        client.sendBody(Array(#"{"jsonrpc":"2.0","id":{"x":1},"method":"shutdown"}"#.utf8))
        #expect(try client.readMessage().at("error", "code")?.intValue == -32600)
        // Invalid UTF-8 in a body is a parse error, not a crash.
        client.sendBody([0x7B, 0xFF, 0xFE, 0x7D])
        #expect(try client.readMessage().at("error", "code")?.intValue == -32700)
        // A string id is echoed back.
        client.send(["jsonrpc": "2.0", "id": "abc", "method": "textDocument/documentSymbol",
                     "params": ["textDocument": ["uri": "file:///nowhere.moat"]]])
        m = try client.response(to: "abc")
        #expect(m["error"] == nil)

        // Shutdown: null result; then every request is refused; exit ends with status 0.
        let shutdown = try client.request("shutdown", nil)
        #expect(shutdown["result"] == .null && shutdown["error"] == nil)
        #expect(try client.request("textDocument/hover", textPosition("file:///x.moat", 0, 0)).at("error", "code")?.intValue == -32600)
        client.notify("exit", nil)
        #expect(client.waitForExit() == 0)
    }

    @Test func exitWithoutShutdownAndEndOfInput() throws {
        let a = try LSPTestClient()
        try a.initialize()
        a.notify("exit", nil)
        #expect(a.waitForExit() == 1)

        let b = try LSPTestClient()
        try b.initialize()
        b.closeInput()
        #expect(b.waitForExit() == 1)
    }

    @Test func garbageNeverStopsTheServer() throws {
        let client = try LSPTestClient()
        try client.initialize()
        var generator = SplitMix(seed: 17)
        for i in 0..<200 {
            let length = Int(generator.next() % 64)
            var body = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if i % 3 == 0 { body = Array(#"{"jsonrpc":"2.0","id":\#(1000 + i),"method":"textDocument/completion","params":"#.utf8) + body + [0x7D] }
            client.sendBody(body)
            let reply = try client.readMessage()
            #expect(reply["error"] != nil || reply["result"] != nil)
        }
        // Requests with positions anywhere, on an open document, are answered.
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let uri = folder.uri("main.moat")
        client.open(uri, mainText)
        for method in ["textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/references",
                       "textDocument/prepareRename"] {
            for (line, character) in [(-1, -1), (0, 0), (3, 400), (400, 2), (19, 12), (Int(Int32.max), Int(Int32.max))] {
                let r = try client.request(method, textPosition(uri, line, character))
                #expect(r["error"] == nil || r.at("error", "code")?.intValue == -32803, "\(method) at \(line):\(character)")
            }
        }
        #expect(try client.shutdownAndExit() == 0)
    }

    // MARK: - Diagnostics

    @Test func diagnosticsAsMoatValidateReportsThem() throws {
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Samples/mobile-banking.moat"), encoding: .utf8)
        let broken = sample.replacingOccurrences(of: "protocol https", with: "protocol htps", options: [], range: sample.range(of: "protocol https"))
        let folder = try ModelFolder(["mobile-banking.moat": broken])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize(options: ["findingDiagnostics": false])
        let uri = folder.uri("mobile-banking.moat")
        client.open(uri, broken)
        let diagnostics = try client.diagnostics(uri)
        let at = find("protocol htps", in: broken, offset: 9)
        let errors = diagnostics.filter { $0["severity"] == 1 }
        #expect(errors.count == 1)
        let d = try #require(errors.first)
        #expect(d["code"] == "invalid-value")
        #expect(d["source"] == "moat")
        #expect(d["message"] == "'htps' is not a value of 'protocol'; did you mean 'https'?")
        #expect(d.at("range", "start") == position(at.line, at.character))
        #expect(d.at("range", "end") == position(at.line, at.character + 4))

        // Fixing the text clears the error; the document's version travels with its diagnostics.
        client.change(uri, sample, version: 2)
        let fixed = try client.diagnostics(uri)
        #expect(fixed.allSatisfy { $0["severity"] != 1 })
        let last = client.notifications.last { $0.at("params", "uri")?.stringValue == uri }
        #expect(last?.at("params", "version") == 2)

        // Closing the document clears its diagnostics.
        client.notify("textDocument/didClose", ["textDocument": ["uri": .string(uri)]])
        try client.request("textDocument/hover", textPosition(uri, 0, 0))
        let cleared = client.notifications.last { $0.at("params", "uri")?.stringValue == uri }
        #expect(cleared?.at("params", "diagnostics") == [])
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func positionsCountUTF16UnitsOrBytesWhenNegotiated() throws {
        let text = """
            actor u "Zürich 🔒 user" { type user; protocl https }
            process p { type api }
            u -> p

            """
        let folder = try ModelFolder(["utf.moat": text])
        defer { folder.remove() }
        let uri = folder.uri("utf.moat")
        let line = text.components(separatedBy: "\n")[0]
        let before = String(line[..<line.range(of: "protocl")!.lowerBound])

        // UTF-16 (the default): ü is one unit, 🔒 two.
        let utf16 = try LSPTestClient()
        try utf16.initialize()
        utf16.open(uri, text)
        var d = try #require(try utf16.diagnostics(uri).first { $0["code"] == "unknown-attribute" })
        #expect(d.at("range", "start") == position(0, before.utf16.count))
        #expect(d.at("range", "end") == position(0, before.utf16.count + 7))
        #expect(before.utf16.count == 38 && before.utf8.count == 41)
        // A position after the emoji, in UTF-16 units, finds the attribute.
        var hover = try utf16.result("textDocument/hover", textPosition(uri, 0, before.utf16.count + 2))
        #expect(hover.at("range", "start") == position(0, 38))
        #expect(try utf16.shutdownAndExit() == 0)

        // UTF-8 when the client offers it: columns are bytes.
        let utf8 = try LSPTestClient()
        let result = try utf8.initialize(capabilities: ["general": ["positionEncodings": ["utf-8", "utf-16"]]])
        #expect(result.at("capabilities", "positionEncoding") == "utf-8")
        utf8.open(uri, text)
        d = try #require(try utf8.diagnostics(uri).first { $0["code"] == "unknown-attribute" })
        #expect(d.at("range", "start") == position(0, 41))
        #expect(d.at("range", "end") == position(0, 48))
        hover = try utf8.result("textDocument/hover", textPosition(uri, 0, 43))
        #expect(hover.at("range", "start") == position(0, 41))
        #expect(try utf8.shutdownAndExit() == 0)
    }

    @Test func notesBecomeRelatedInformation() throws {
        let text = """
            actor a "A"
            process p
            actor a "Again"
            a -> p

            """
        let folder = try ModelFolder(["dup.moat": text])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let uri = folder.uri("dup.moat")
        client.open(uri, text)
        let d = try #require(try client.diagnostics(uri).first { $0["code"] == "duplicate-id" })
        #expect(d["message"] == "'a' is already declared as an actor")
        #expect(d.at("range", "start") == position(2, 6))
        let note = try #require(d["relatedInformation"]?[0])
        #expect(note["message"]?.stringValue?.hasPrefix("first declared") == true)
        #expect(note.at("location", "uri")?.stringValue == uri)
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func includedFilesShareTheModel() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText.replacingOccurrences(of: "type sql", with: "type sqll")])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let main = folder.uri("main.moat"), parts = folder.uri("parts.moat")
        client.open(main, mainText)
        // The error of the included file (not open) is published under its own URI.
        let partsDiagnostics = try client.diagnostics(parts, sync: main)
        let d = try #require(partsDiagnostics.first)
        #expect(d["code"] == "invalid-value")
        #expect(d["message"] == "'sqll' is not a value of 'type'; did you mean 'sql'?")
        #expect(d.at("range", "start") == position(0, 32))
        // Opening the included file with a fix: it is analysed as part of main.moat, so `card` resolves.
        client.open(parts, partsText)
        #expect(try client.diagnostics(parts).filter { $0["severity"] == 1 }.isEmpty)
        #expect(try client.diagnostics(main).filter { $0["severity"] == 1 }.isEmpty)
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func openFindingsAsInformationDiagnosticsAndLenses() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let uri = folder.uri("main.moat")
        client.open(uri, mainText)
        let diagnostics = try client.diagnostics(uri)
        #expect(diagnostics.allSatisfy { $0["severity"] != 1 })
        let web = find("web \"Web shop\"", in: mainText)
        let info = try #require(diagnostics.first { $0["code"] == "open-findings" && $0.at("range", "start") == position(web.line, web.character) })
        #expect(info["severity"] == 3)
        let message = try #require(info["message"]?.stringValue)
        #expect(message.contains("open finding"))
        #expect(message.contains("evidenced level"))
        #expect(message.contains("\n["))

        let lenses = try #require(try client.result("textDocument/codeLens", ["textDocument": ["uri": .string(uri)]]).arrayValue)
        let webLens = try #require(lenses.first { $0.at("range", "start") == position(web.line, web.character) })
        let title = try #require(webLens.at("command", "title")?.stringValue)
        #expect(title.contains("open finding") && title.contains("evidenced level"))
        #expect(webLens.at("command", "command") == "moat.showFindings")
        #expect(webLens.at("command", "arguments") == ["web"])
        // One lens per element, boundary and flow written in this file.
        #expect(lenses.count == 6)
        let shown = try client.result("workspace/executeCommand", ["command": "moat.showFindings", "arguments": ["web"]])
        #expect(shown.stringValue?.hasPrefix("web: ") == true)
        // The numbers in the lens are those of the diagnostic.
        let count = message.prefix { $0.isNumber }
        #expect(title.hasPrefix(String(count) + " open finding"))
        #expect(try client.shutdownAndExit() == 0)
    }

    // MARK: - Completion

    /// The labels offered at the `‸` of a text.
    func labels(_ marked: String, client: LSPTestClient, folder: ModelFolder, name: String = "c.moat") throws -> [String] {
        let cursor = find("‸", in: marked)
        let text = marked.replacingOccurrences(of: "‸", with: "")
        let uri = folder.uri(name)
        client.open(uri, text)
        let result = try client.result("textDocument/completion", textPosition(uri, cursor.line, cursor.character))
        client.notify("textDocument/didClose", ["textDocument": ["uri": .string(uri)]])
        return (result["items"]?.arrayValue ?? []).compactMap { $0["label"]?.stringValue }
    }

    @Test func completionKnowsWhereTheCursorIs() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let base = mainText

        // Top level: keywords and element ids (a flow's source).
        var l = try labels(base + "‸", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("boundary") && l.contains("accept") && l.contains("datastore") && l.contains("web") && l.contains("db"))
        // Attributes valid on the kind of the block: a process has authn, not trust or stores.
        l = try labels(base + "process api \"API\" { ‸ }\n", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("authn") && l.contains("internet-facing") && !l.contains("trust") && !l.contains("stores"))
        // A datastore has stores and encrypted-at-rest.
        l = try labels(base + "datastore logs {\n  enc‸\n}\n", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("encrypted-at-rest") && l.contains("stores") && !l.contains("protocol") && !l.contains("trust"))
        // A boundary block: element keywords and boundary attributes.
        l = try labels(base + "boundary z {\n  ‸\n}\n", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("process") && l.contains("trust") && !l.contains("protocol"))
        // Enum values of the attribute being written.
        l = try labels(base + "web -> db \"x\" { protocol ht‸ }\n", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("https") && l.contains("postgres") && !l.contains("true"))
        // Flags: true and false.
        l = try labels(base + "process q { internet-facing ‸ }\n", client: client, folder: folder, name: "main.moat")
        #expect(l == ["true", "false"])
        // Data ids for refs to data, across the list.
        l = try labels(base + "web -> db \"x\" { carries ‸ }\n", client: client, folder: folder, name: "main.moat")
        #expect(l == ["card"])
        // Practice ids in the model header, without those already written.
        l = try labels(base.replacingOccurrences(of: "practices security-policies", with: "practices security-policies, ‸"),
                       client: client, folder: folder, name: "main.moat")
        #expect(l.contains("security-reviews") && !l.contains("security-policies"))
        // Flow ends: actors, processes and datastores, not boundaries or data.
        l = try labels(base + "shopper -> ‸\n", client: client, folder: folder, name: "main.moat")
        #expect(Set(l) == ["shopper", "web", "db"])
        // Rule ids after a tracking keyword; element and flow ids after '@'.
        l = try labels(base + "mitigated sql-inj‸\n", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("sql-injection") && l.contains("tampering-in-transit") && !l.contains("web"))
        l = try labels(base + "mitigated sql-injection@‸\n", client: client, folder: folder, name: "main.moat")
        #expect(l.contains("db") && l.contains("dc") && l.contains("web->db") && !l.contains("card"))
        // Nothing inside strings and comments.
        l = try labels(base + "process z \"Na‸me\"\n", client: client, folder: folder, name: "main.moat")
        #expect(l.isEmpty)
        l = try labels(base + "# a comment ‸\n", client: client, folder: folder, name: "main.moat")
        #expect(l.isEmpty)

        // The text edit replaces the word being typed, hyphens included.
        let text = base + "datastore logs { encrypted-at‸ }\n"
        let cursor = find("‸", in: text)
        let uri = folder.uri("main.moat")
        client.open(uri, text.replacingOccurrences(of: "‸", with: ""))
        let items = try client.result("textDocument/completion", textPosition(uri, cursor.line, cursor.character))["items"]?.arrayValue ?? []
        let item = try #require(items.first { $0["label"] == "encrypted-at-rest" })
        #expect(item.at("textEdit", "range", "start") == position(cursor.line, cursor.character - "encrypted-at".count))
        #expect(item.at("textEdit", "range", "end") == position(cursor.line, cursor.character))
        #expect(item.at("documentation", "value") == "Stored data is encrypted (disk, database or field level).")
        #expect(try client.shutdownAndExit() == 0)
    }

    // MARK: - Hover

    @Test func hoverShowsDocsFindingsAndLevels() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let uri = folder.uri("main.moat")
        client.open(uri, mainText)
        func hover(_ needle: String, _ offset: Int = 1, occurrence: Int = 1) throws -> (String, LSPAny?) {
            let at = find(needle, in: mainText, offset: offset, occurrence: occurrence)
            let r = try client.result("textDocument/hover", textPosition(uri, at.line, at.character))
            return (r.at("contents", "value")?.stringValue ?? "", r["range"])
        }
        // An attribute: its vocabulary doc.
        var (text, range) = try hover("protocol https")
        #expect(text.contains("**protocol** (enum) on flow"))
        let doc = try #require(try Catalogue.builtIn.get().vocabulary.spec("protocol")?.doc)
        #expect(text.contains("\n\n" + doc + "\n\nvalues: `http`, `https`,"))
        let p = find("protocol https", in: mainText)
        #expect(range == ["start": position(p.line, p.character), "end": position(p.line, p.character + 8)])
        // A value: which attribute it belongs to, and that attribute's doc.
        (text, _) = try hover("https", 2)
        #expect(text.hasPrefix("`https`: a value of **protocol**"))
        // An element id: its findings and evidenced level.
        (text, _) = try hover("web \"Web shop\"")
        #expect(text.hasPrefix("process **web** \"Web shop\" in boundary `dc`"))
        #expect(text.contains("open finding") && text.contains("evidenced level"))
        // The same element where a flow names it.
        let (again, _) = try hover("web \"Browse\"", 0)
        #expect(again == text)
        // A data id; a practice; a rule of a tracking line.
        (text, _) = try hover("card }")
        #expect(text.hasPrefix("data **card** \"Card number\""))
        #expect(text.contains("`classification secret`"))
        (text, _) = try hover("security-policies")
        #expect(text.hasPrefix("practice **security-policies**"))
        (text, _) = try hover("tampering-in-transit")
        #expect(text.hasPrefix("rule **tampering-in-transit**: Data in transit can be altered across a trust boundary"))
        // A flow's arrow: the flow's findings.
        (text, _) = try hover("-> db", 0)
        #expect(text.hasPrefix("flow **web->db** \"Save\""))
        // The model's name: the system's levels and findings.
        (text, _) = try hover("LSP test")
        #expect(text.hasPrefix("model **LSP test**\n\ndeclared maturity level 2, evidenced level "))
        #expect(text.contains(" open"))
        // Whitespace: nothing.
        let r = try client.result("textDocument/hover", textPosition(uri, 5, 0))
        #expect(r == .null)
        #expect(try client.shutdownAndExit() == 0)
    }

    // MARK: - Definition, references, rename

    @Test func definitionAndReferencesAcrossIncludes() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let main = folder.uri("main.moat"), parts = folder.uri("parts.moat")
        client.open(main, mainText)
        let flowTarget = find("db \"Save\"", in: mainText)
        let definition = try client.result("textDocument/definition", textPosition(main, flowTarget.line, flowTarget.character + 1))
        #expect(definition == [["uri": .string(parts), "range": ["start": position(0, 10), "end": position(0, 12)]]])
        // From the tracking line's pattern too.
        let inPattern = find("web->db", in: mainText, offset: 5, occurrence: 1)
        let fromPattern = try client.result("textDocument/definition", textPosition(main, inPattern.line, inPattern.character))
        #expect(fromPattern == definition)

        // References: the declaration (parts.moat), the flow and the tracking pattern (main.moat).
        let references = try #require(try client.result("textDocument/references", [
            "textDocument": ["uri": .string(main)], "position": position(flowTarget.line, flowTarget.character),
            "context": ["includeDeclaration": true]]).arrayValue)
        #expect(references.count == 3)
        #expect(references.contains { $0["uri"]?.stringValue == parts })
        #expect(references.filter { $0["uri"]?.stringValue == main }.count == 2)
        let withoutDeclaration = try client.result("textDocument/references", [
            "textDocument": ["uri": .string(main)], "position": position(flowTarget.line, flowTarget.character),
            "context": ["includeDeclaration": false]]).arrayValue
        #expect(withoutDeclaration?.count == 2)
        // Data ids have their own namespace: `card` is declared once and used four times.
        let card = find("card \"Card", in: mainText)
        let cardReferences = try client.result("textDocument/references", [
            "textDocument": ["uri": .string(main)], "position": position(card.line, card.character),
            "context": ["includeDeclaration": true]]).arrayValue
        #expect(cardReferences?.count == 5)
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func renameEverywhereAndRejectBadNames() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize(capabilities: ["textDocument": ["rename": ["prepareSupport": true]]])
        let main = folder.uri("main.moat"), parts = folder.uri("parts.moat")
        client.open(main, mainText)
        let db = find("db \"Save\"", in: mainText)
        let prepared = try client.result("textDocument/prepareRename", textPosition(main, db.line, db.character))
        #expect(prepared == ["range": ["start": position(db.line, db.character), "end": position(db.line, db.character + 2)],
                             "placeholder": "db"])
        var params: LSPAny = ["textDocument": ["uri": .string(main)], "position": position(db.line, db.character), "newName": "orders"]
        let edit = try client.result("textDocument/rename", params)
        let mainEdits = try #require(edit.at("changes", main)?.arrayValue)
        let partsEdits = try #require(edit.at("changes", parts)?.arrayValue)
        #expect(mainEdits.count == 2 && partsEdits.count == 1)
        let renamedMain = apply(mainEdits, to: mainText), renamedParts = apply(partsEdits, to: partsText)
        #expect(renamedMain.contains("web -> orders \"Save\""))
        #expect(renamedMain.contains("accept tampering-in-transit@web->orders \"internal segment\""))
        #expect(renamedParts == "datastore orders \"Orders DB\" { type sql; stores card }\n")
        // The renamed model loads without errors.
        try Data(renamedParts.utf8).write(to: URL(fileURLWithPath: folder.path("parts.moat")))
        client.change(main, renamedMain, version: 2)
        #expect(try client.diagnostics(main).filter { $0["severity"] == 1 }.isEmpty)
        client.change(main, mainText, version: 3)
        try Data(partsText.utf8).write(to: URL(fileURLWithPath: folder.path("parts.moat")))
        client.notify("workspace/didChangeWatchedFiles", ["changes": []])

        // Keywords, invalid ids and ids already taken are refused.
        for bad in ["actor", "1db", "a->b", "with space", "", "web", "shopper"] {
            params = ["textDocument": ["uri": .string(main)], "position": position(db.line, db.character), "newName": .string(bad)]
            let r = try client.request("textDocument/rename", params)
            #expect(r["error"] != nil, "renaming to '\(bad)' must fail")
        }
        let keyword = try client.request("textDocument/rename", ["textDocument": ["uri": .string(main)],
                                                                 "position": position(db.line, db.character), "newName": "boundary"])
        #expect(keyword.at("error", "message") == "'boundary' is a keyword and cannot be an id")
        // A rule id is not the model's to rename.
        let rule = find("tampering-in-transit", in: mainText)
        let ruleRename = try client.request("textDocument/prepareRename", textPosition(main, rule.line, rule.character))
        #expect(ruleRename.at("error", "message")?.stringValue?.contains("rule id of the catalogue") == true)
        // Renaming a data asset changes its declaration and every reference, and nothing in the element namespace.
        let card = find("card \"Card", in: mainText)
        let dataEdit = try client.result("textDocument/rename", ["textDocument": ["uri": .string(main)],
                                                                 "position": position(card.line, card.character), "newName": "pan"])
        let renamed = apply(dataEdit.at("changes", main)?.arrayValue ?? [], to: mainText)
        #expect(renamed.contains("data pan \"Card number\"") && renamed.contains("carries pan }") && !renamed.contains("card"))
        let renamedParts2 = apply(dataEdit.at("changes", parts)?.arrayValue ?? [], to: partsText)
        #expect(renamedParts2.contains("stores pan }"))
        #expect(try client.shutdownAndExit() == 0)
    }

    // MARK: - Symbols, formatting, code actions

    @Test func documentSymbolsNestBoundaries() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let uri = folder.uri("main.moat")
        client.open(uri, mainText)
        let symbols = try #require(try client.result("textDocument/documentSymbol", ["textDocument": ["uri": .string(uri)]]).arrayValue)
        #expect(symbols.compactMap { $0["name"]?.stringValue } == [
            "LSP test", "include \"parts.moat\"", "card", "internet", "dc", "shopper->web", "web->db",
            "accept tampering-in-transit@web->db"])
        let dc = try #require(symbols.first { $0["name"] == "dc" })
        #expect(dc["kind"] == 3)
        #expect(dc["detail"] == "boundary \"Data centre\"")
        let web = try #require(dc["children"]?[0])
        #expect(web["name"] == "web" && web["kind"] == 12 && web["detail"] == "process \"Web shop\"")
        let w = find("web \"Web shop\"", in: mainText)
        #expect(web["selectionRange"] == ["start": position(w.line, w.character), "end": position(w.line, w.character + 3)])
        let b = find("boundary dc", in: mainText)
        #expect(dc.at("range", "start") == position(b.line, 0))
        #expect(dc.at("range", "end") == position(b.line + 2, 1))
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func formattingIsMoatFmt() throws {
        let unformatted = """
            model "Tiny"{owner "me"}
            actor a "A"  # the user
            process   b {tech go;validates-input}
            a->b "Use" {protocol https}
            """
        let formatted = """
            model "Tiny" {
              owner "me"
            }

            actor a "A"  # the user
            process b { tech go; validates-input }

            a -> b "Use" { protocol https }

            """
        let folder = try ModelFolder(["tiny.moat": unformatted])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let uri = folder.uri("tiny.moat")
        client.open(uri, unformatted)
        let options: LSPAny = ["tabSize": 2, "insertSpaces": true]
        let edits = try #require(try client.result("textDocument/formatting", ["textDocument": ["uri": .string(uri)], "options": options]).arrayValue)
        #expect(edits.count == 1)
        #expect(apply(edits, to: unformatted) == formatted)
        // Already formatted: no edits.
        client.change(uri, formatted, version: 2)
        #expect(try client.result("textDocument/formatting", ["textDocument": ["uri": .string(uri)], "options": options]) == [])
        // Syntax errors: refused, with the first error.
        client.change(uri, "process b { tech go\n", version: 3)
        let refused = try client.request("textDocument/formatting", ["textDocument": ["uri": .string(uri)], "options": options])
        #expect(refused.at("error", "code") == -32803)
        #expect(refused.at("error", "message")?.stringValue?.contains("syntax error") == true)
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func quickFixesForEveryDidYouMean() throws {
        let text = """
            model "Typos" { practices security-polices }
            data card "Card" { classification secret }
            boundary b { trust untrustd }
            actor u { type usr }
            proces web { type api }
            process api { tpye api; processes crad }
            u -> apj { protocl https }

            """
        let folder = try ModelFolder(["typos.moat": text])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize(options: ["findingDiagnostics": false])
        let uri = folder.uri("typos.moat")
        client.open(uri, text)
        var current = text
        let diagnostics = try client.diagnostics(uri)
        let suggestions = diagnostics.filter { $0["message"]?.stringValue?.contains("did you mean") == true }
        #expect(suggestions.count == 8)
        // Every did-you-mean diagnostic has its quick fix, with the diagnostic attached.
        var fixes: [LSPAny] = []
        for d in suggestions {
            let actions = try #require(try client.result("textDocument/codeAction", [
                "textDocument": ["uri": .string(uri)], "range": d["range"]!, "context": ["diagnostics": [d]]]).arrayValue)
            let fix = try #require(actions.first { $0["diagnostics"]?[0] == d }, "no fix for \(d)")
            #expect(fix["kind"] == "quickfix" && fix["isPreferred"] == true)
            fixes += fix.at("edit", "changes", uri)?.arrayValue ?? []
        }
        let titles = try #require(try client.result("textDocument/codeAction", [
            "textDocument": ["uri": .string(uri)], "range": ["start": position(0, 0), "end": position(7, 0)],
            "context": ["diagnostics": []]]).arrayValue).compactMap { $0["title"]?.stringValue }
        // One for each kind of misspelling: practice, enum values, keyword, attribute, data id, element id.
        #expect(titles == [
            "Replace 'security-polices' with 'security-policies'", "Replace 'untrustd' with 'untrusted'",
            "Replace 'usr' with 'user'", "Replace 'proces' with 'process'", "Replace 'tpye' with 'type'",
            "Replace 'crad' with 'card'", "Replace 'apj' with 'api'", "Replace 'protocl' with 'protocol'",
        ])
        // Applying them all leaves no misspelling the server could fix.
        current = apply(fixes, to: current)
        client.change(uri, current, version: 2)
        let after = try client.diagnostics(uri)
        #expect(!after.contains { $0["message"]?.stringValue?.contains("did you mean") == true })
        // A request for other kinds of action gets none.
        let only = try client.result("textDocument/codeAction", [
            "textDocument": ["uri": .string(uri)], "range": ["start": position(0, 0), "end": position(7, 0)],
            "context": ["diagnostics": [], "only": ["refactor"]]])
        #expect(only == [])
        #expect(try client.shutdownAndExit() == 0)
    }

    @Test func incrementalChangesAreApplied() throws {
        let folder = try ModelFolder(["main.moat": mainText, "parts.moat": partsText])
        defer { folder.remove() }
        let client = try LSPTestClient()
        try client.initialize()
        let uri = folder.uri("main.moat")
        client.open(uri, mainText)
        let at = find("protocol https", in: mainText, offset: 9)
        // Replace "https" with "htps" by range, as clients with incremental sync do.
        client.notify("textDocument/didChange", ["textDocument": ["uri": .string(uri), "version": 2], "contentChanges": [
            ["range": ["start": position(at.line, at.character), "end": position(at.line, at.character + 5)], "text": "htps"]]])
        let errors = try client.diagnostics(uri).filter { $0["severity"] == 1 }
        #expect(errors.count == 1)
        #expect(errors.first?["message"] == "'htps' is not a value of 'protocol'; did you mean 'https'?")
        #expect(try client.shutdownAndExit() == 0)
    }
}

/// A small deterministic random generator.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

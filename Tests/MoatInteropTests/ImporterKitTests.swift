import Foundation
import MoatCore
@testable import MoatInterop
import Testing

/// The importer kit: one identifier grammar, one parents-first ordering with the language's nesting limit, one table
/// of Moat rule ids, one expansion budget for every YAML read.
@Suite struct ImporterKitTests {
    @Test func everyRuleNamedByAnImporterExistsInTheCatalogue() {
        let known = Set(catalogue.rules.map(\.id))
        let missing = RuleLinks.allRuleIDs.filter { !known.contains($0) }.sorted()
        #expect(missing.isEmpty, "RuleLinks names rules the catalogue does not have: \(missing)")
    }

    @Test func idsFollowTheLanguagesIdentifierGrammar() {
        var ids = IDAllocator()
        // `threat` became a keyword with written threats: an id may not be one.
        #expect(ids.make("threat", fallback: "process") == "threat-process")
        #expect(ids.make("9 lives", fallback: "actor") == "actor-9-lives")
        #expect(ids.make("Orders DB", fallback: "datastore") == "orders-db")
        #expect(ids.make("Orders DB", fallback: "datastore") == "orders-db-2")
        #expect(ids.make(exact: "already.valid_id", fallback: "x") == "already.valid_id")
        for id in ids.taken { #expect(Identifier.isValid(id), "\(id)") }
    }

    @Test func theDraftOrdersParentsFirstReportsCyclesOfAnyLengthAndTheDepthLimit() {
        let file = SourceFile(path: "x.yaml", text: "a: 1\n")
        var draft = DocumentDraft(vocabulary: catalogue.vocabulary, file: file, modelName: "m")
        // A cycle of 1,500 zones (a limit of 1,000 steps used to hide it) and a chain 70 deep.
        for i in 0..<1_500 {
            draft.boundaries.append(BoundaryDraft(id: "c\(i)", parent: "c\((i + 1) % 1_500)", range: file.range(0, 0), what: "zone 'c\(i)'"))
        }
        for i in 0..<70 {
            draft.boundaries.append(BoundaryDraft(id: "d\(i)", parent: i == 0 ? nil : "d\(i - 1)", range: file.range(0, 0), what: "zone 'd\(i)'"))
        }
        var bag = DiagnosticBag()
        draft.orderBoundaries(diagnostics: &bag)
        let cycle = bag.diagnostics.filter { $0.id == .nestingCycle }
        #expect(cycle.count == 1)
        #expect(cycle.first?.message.contains("nesting cycle of 1500 boundaries") == true)
        let deep = bag.diagnostics.filter { $0.id == .nestingTooDeep }
        #expect(deep.contains { $0.message == "zone 'd64' is nested 65 levels deep; Moat boundaries nest at most \(Parser.maximumNesting) levels" })
        // Parents come before their children.
        var seen = Set<String>()
        for b in draft.boundaries {
            if let p = b.parent { #expect(seen.contains(p)) }
            seen.insert(b.id)
        }
    }

    @Test func positionsOfLongLinesCountBytesNotScalars() throws {
        // One-line JSON with accents before the key: the column is in bytes, as SourceLocation counts.
        let text = #"{"summary": {"title": "Café ☕", "owner": 1}, "detail": {"diagrams": []}}"#
        let result = Interop.importDocument(SourceFile(path: "x.json", text: text), vocabulary: catalogue.vocabulary)
        let owner = try #require(result.diagnostics.diagnostics.first { $0.message.contains("'owner'") })
        let range = try #require(owner.range)
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[(range.start.column - 1)...].prefix(1), as: UTF8.self) == "1")
    }
}

/// Issue 19: limits that used to hang, crash or drop parts of a model with misleading errors.
@Suite struct ImportLimitTests {
    /// 607 bytes: ten levels of `<<: [*prev ×10]` merged into the top level, and `threagile_version`.
    static var mergeBomb: String {
        var lines = ["a0: &a0 {x: 1}"]
        for i in 1...10 { lines.append("a\(i): &a\(i) {<<: [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]}") }
        return (lines + ["<<: *a10", "threagile_version: 1"]).joined(separator: "\n") + "\n"
    }

    @Test func aMergeKeyBombIsOneClearErrorAndDetectionExpandsNothing() throws {
        let file = SourceFile(path: "bomb.yaml", text: Self.mergeBomb)
        #expect(file.bytes.count < 700)
        #expect(FormatDetector.detect(file) == .threagile)  // read from the text: nothing expanded
        let load = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary)).load(file: file)
        let errors = load.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.id == .yamlExpansion)
        #expect(errors.first?.message == "YAML aliases and merge keys expand this file far beyond its size")
    }

    @Test func theSameBombInMoatsOwnYAMLIsTheSameBudget() {
        let text = Self.mergeBomb.replacingOccurrences(of: "threagile_version: 1", with: "model: {name: x}")
        let load = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary))
            .load(file: SourceFile(path: "bomb.yaml", text: text))
        #expect(load.diagnostics.filter { $0.severity == .error }.map(\.id) == [.yamlExpansion])
    }

    @Test func fiveThousandNestedThreagileBoundariesAreOneErrorNotACrash() throws {
        var lines = ["threagile_version: 1.0.0", "title: deep", "technical_assets:", "  A:", "    id: a", "    type: process", "trust_boundaries:"]
        for i in 0..<5_000 {
            lines += ["  B\(i):", "    id: b\(i)"]
            if i == 4_999 { lines.append("    technical_assets_inside: [a]") }
            if i < 4_999 { lines.append("    trust_boundaries_nested: [b\(i + 1)]") }
        }
        let imported = importText(lines.joined(separator: "\n"), path: "deep.yaml")
        #expect(imported.errors.map(\.message) == ["trust boundary 'b64' is nested 65 levels deep; Moat boundaries nest at most 64 levels"])
        #expect(sourceLine(imported.errors[0]).contains("B64:"))
    }

    @Test func sixThousandNestedOTMZonesAreOneErrorNotACrash() throws {
        var zones: [String] = []
        for i in 0..<6_000 {
            zones.append(#"{"id": "z\#(i)", "name": "Z\#(i)", "risk": {"trustRating": 50}\#(i > 0 ? #", "parent": {"trustZone": "z\#(i - 1)"}"# : "")}"#)
        }
        let text = #"{"otmVersion": "0.2.0", "project": {"name": "deep", "id": "deep"}, "trustZones": [\#(zones.joined(separator: ","))], "#
            + #""components": [{"id": "c", "name": "C", "type": "service", "parent": {"trustZone": "z5999"}}], "dataflows": []}"#
        let imported = importText(text, path: "deep.otm.json")
        #expect(imported.errors.map(\.message) == ["trust zone 'z64' is nested 65 levels deep; Moat boundaries nest at most 64 levels"])
        // `validate FILE.json` reads the same file through the same reader: the same limit, the same error.
        let load = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary))
            .load(file: SourceFile(path: "deep.otm.json", text: text))
        #expect(load.diagnostics.filter { $0.severity == .error }.map(\.message) == imported.errors.map(\.message))
    }

    @Test func moatsOwnJSONHasTheSameNestingLimit() {
        var boundary = #"{"id": "b64", "name": "innermost"}"#
        for i in (0..<64).reversed() { boundary = #"{"id": "b\#(i)", "boundaries": [\#(boundary)]}"# }
        let text = #"{"model": {"name": "x"}, "boundaries": [\#(boundary)]}"#
        let load = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary))
            .load(file: SourceFile(path: "x.json", text: text))
        #expect(load.diagnostics.contains { $0.id == .nestingTooDeep && $0.message.contains("\(Parser.maximumNesting) levels") })
    }

    @Test func anOTMZoneCycleLongerThanAThousandIsReportedAsACycle() throws {
        var zones: [String] = []
        for i in 0..<1_500 { zones.append(#"{"id": "z\#(i)", "name": "Z\#(i)", "risk": {"trustRating": 50}, "parent": {"trustZone": "z\#((i + 1) % 1_500)"}}"#) }
        let text = #"{"otmVersion": "0.2.0", "project": {"name": "cycle", "id": "cycle"}, "trustZones": [\#(zones.joined(separator: ","))], "components": [], "dataflows": []}"#
        let imported = importText(text, path: "cycle.otm.json")
        let cycle = try #require(imported.result.diagnostics.diagnostics.first { $0.id == .nestingCycle })
        #expect(cycle.message.hasPrefix("trust zone 'z0' is part of a nesting cycle of 1500 boundaries"))
    }

    @Test func threatDragonBoxesNestedBeyondTheLimitSayWhichBoxNotThatThereIsNoActor() throws {
        var cells: [String] = []
        for i in 0..<70 {
            cells.append(#"{"shape": "trust-boundary-box", "id": "b\#(i)", "position": {"x": \#(i * 10), "y": \#(i * 10)}, "size": {"width": \#(2000 - i * 20), "height": \#(2000 - i * 20)}, "data": {"type": "tm.BoundaryBox", "name": "Box \#(i)"}}"#)
        }
        cells.append(#"{"shape": "actor", "id": "a", "position": {"x": 1000, "y": 1000}, "size": {"width": 20, "height": 20}, "data": {"type": "tm.Actor", "name": "User"}}"#)
        let text = #"{"summary": {"title": "deep boxes"}, "detail": {"contributors": [], "diagrams": [{"title": "d", "cells": [\#(cells.joined(separator: ","))]}]}}"#
        let imported = importText(text, path: "deep-boxes.json")
        #expect(imported.errors.map(\.message) == ["trust boundary box 'Box 64' is nested 65 levels deep; Moat boundaries nest at most 64 levels"])
        #expect(!imported.result.diagnostics.diagnostics.contains { $0.id == .emptyModel })
    }
}

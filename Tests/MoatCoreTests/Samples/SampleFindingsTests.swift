import Foundation
import Testing
import MoatCore
@testable import MoatRules
@testable import MoatAnalysis

/// Every sample's findings match the reviewed golden file beside it, and hold the invariants a
/// security architect would insist on (no nonsense, no obvious miss).
@Suite("Sample findings")
struct SampleFindingsTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples")
    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? [])
            .filter { $0.hasSuffix(".moat") }.map { String($0.dropLast(5)) }.sorted()
    }
    /// A fixed date so tracking expiry, and so the golden files, do not depend on the day.
    static let asOf = "2026-11-29"

    static func analyze(_ name: String) throws -> Analysis {
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(path: samples.appendingPathComponent("\(name).moat").path)
        let model = try #require(result.model, "\(name) does not load: \(result.diagnostics.map(\.message))")
        return Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: asOf))
    }

    /// One finding per line: reviewable in a diff.
    static func golden(_ analysis: Analysis) -> String {
        let lines = analysis.findings.sorted { $0.id < $1.id }.map { f in
            JSONValue.object([("id", .string(f.id)), ("severity", .string(f.severity.rawValue)),
                              ("status", .string(f.status.rawValue)), ("expectedLevel", .number(Double(f.expectedLevel)))])
                .serialized(pretty: false)
        }
        return "[\n  " + lines.joined(separator: ",\n  ") + "\n]\n"
    }

    @Test("at least six samples plus Moat's own model")
    func sampleSet() {
        #expect(Self.names.count >= 7)
        #expect(Self.names.contains("moat"))
    }

    @Test("findings match the reviewed golden file", arguments: names)
    func matchesGolden(_ name: String) throws {
        let actual = Self.golden(try Self.analyze(name))
        let url = Self.samples.appendingPathComponent("\(name).findings.json")
        if ProcessInfo.processInfo.environment["MOAT_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if actual != expected {
            let a = Set(actual.split(separator: "\n")), e = Set(expected.split(separator: "\n"))
            Issue.record("""
                \(name): findings differ from \(name).findings.json (review, then MOAT_UPDATE_GOLDEN=1 swift test)
                new: \(a.subtracting(e).sorted().prefix(20).joined(separator: "\n"))
                gone: \(e.subtracting(a).sorted().prefix(20).joined(separator: "\n"))
                """)
        }
    }

    @Test("no nonsense: rules only fire on kinds they apply to; no injection on flows; tracking matches", arguments: names)
    func noNonsense(_ name: String) throws {
        let analysis = try Self.analyze(name)
        for f in analysis.findings {
            #expect(f.rule.appliesTo.contains(f.elementKind), "\(f.id) on a \(f.elementKind)")
            if f.elementKind == .flow { #expect(!f.rule.id.contains("injection"), "\(f.id): injection on a flow") }
            if f.elementKind == .datastore { #expect(!f.rule.stride.allSatisfy { $0 == .spoofing }, "\(f.id): spoofing a datastore") }
        }
        #expect(analysis.unmatchedTracking.isEmpty, "\(name): \(analysis.unmatchedTracking.map(\.pattern))")
        let opened = analysis.findings.filter(\.isOpen).count
        #expect(opened > 0 && opened < analysis.findings.count, "\(name): a realistic sample has open and closed findings")
    }

    @Test("no obvious miss: exposed processes without authentication raise spoofing", arguments: names)
    func exposedWithoutAuthentication(_ name: String) throws {
        let analysis = try Self.analyze(name)
        let model = analysis.model
        let evaluator = Evaluator(graph: analysis.graph, vocabulary: try Catalogue.builtIn.get().vocabulary)
        for (i, e) in model.elements.enumerated()
        where e.kind == .process && evaluator.exposed(element: i) && e.attributes["authn"] == nil
            && e.attributes["out-of-scope"] == nil && !["load-balancer", "cdn", "reverse-proxy"].contains(e.attributes.string("type") ?? "") {
            let spoofing = analysis.findings.filter { $0.elementID == e.id && $0.rule.stride.contains(.spoofing) }
            #expect(!spoofing.isEmpty, "\(name): exposed process '\(e.id)' without authentication raises no spoofing threat")
        }
    }

    @Test("no obvious miss: unencrypted flows carrying secret data across a boundary raise information disclosure", arguments: names)
    func secretDataInClear(_ name: String) throws {
        let analysis = try Self.analyze(name)
        let catalogue = try Catalogue.builtIn.get()
        let evaluator = Evaluator(graph: analysis.graph, vocabulary: catalogue.vocabulary)
        let secret = Set(analysis.model.data.filter { $0.attributes.string("classification") == "secret" }.map(\.id))
        for (i, f) in analysis.model.flows.enumerated()
        where analysis.graph.crossings[i].crossesBoundary && !evaluator.encrypted(flow: i)
            && !secret.isDisjoint(with: f.attributes.list("carries")) && f.attributes["out-of-scope"] == nil {
            let disclosure = analysis.findings.filter { $0.elementID == f.id && $0.rule.stride.contains(.informationDisclosure) }
            #expect(!disclosure.isEmpty, "\(name): '\(f.id)' carries secret data in clear across a boundary unflagged")
        }
    }
}

/// The same properties on purpose-built models, so they are exercised even if no sample has the case.
@Suite("Architect invariants")
struct ArchitectInvariantTests {
    func analyze(_ text: String) throws -> Analysis {
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(text: text)
        let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
        return Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-11-29"))
    }

    @Test("an internet-facing process without authentication raises an open spoofing threat")
    func spoofing() throws {
        let a = try analyze("""
            actor user
            process api { internet-facing }
            user -> api { protocol https }
            """)
        #expect(a.findings.contains { $0.elementID == "api" && $0.isOpen && $0.rule.stride.contains(.spoofing) })
    }

    @Test("an unencrypted flow with secret data across a boundary raises open information disclosure")
    func disclosure() throws {
        let a = try analyze("""
            data key { classification secret; credentials }
            boundary inside { trust restricted; datastore vault { stores key } }
            process app
            app -> vault { protocol http; carries key }
            """)
        let hits = a.findings.filter { $0.elementID == "app->vault" && $0.isOpen && $0.rule.stride.contains(.informationDisclosure) }
        #expect(!hits.isEmpty)
        #expect(hits.contains { $0.severity >= .high })
    }

    @Test("encrypting that flow mitigates the disclosure threats")
    func encryptionMitigates() throws {
        let a = try analyze("""
            data key { classification secret; credentials }
            boundary inside { trust restricted; datastore vault { stores key } }
            process app
            app -> vault { protocol https; carries key }
            """)
        let transit = a.findings.filter { $0.elementID == "app->vault" && $0.rule.mitigations.map(\.control) == ["transport-encryption"] }
        #expect(!transit.isEmpty)
        #expect(transit.allSatisfy { $0.status == .mitigated })
    }
}

import Foundation
import MoatCore
import MoatDiagram
import MoatReports
import Testing

/// The code of the DocC article "Getting started" (Sources/MoatCore/MoatCore.docc/GettingStarted.md), run
/// as written, so the article cannot drift from the API.
@Suite("Getting started article")
struct GettingStartedTests {
    @Test("load, analyse, report and draw a model as the article shows")
    func theArticleRuns() async throws {
        let catalogue = try Catalogue.builtIn.get()
        let source = """
            model "Shop" { maturity 2 }
            boundary internet { trust untrusted; actor shopper "Shopper" { type user } }
            process web "Web shop" { type web-app; internet-facing }
            datastore db "Orders" { type sql; stores order }
            data order "Order" { classification confidential; pii }
            shopper -> web "Browse and buy" { protocol https; carries order }
            web -> db "Store orders" { protocol postgres; carries order }
            """
        let loaded = ModelLoader(catalogue: catalogue).load(text: source, path: "shop.moat")
        let model = try #require(loaded.model, "\(DiagnosticRenderer().render(loaded.diagnostics))")
        let analysis = Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-12-01"))
        let open = analysis.findings.filter(\.isOpen)
        #expect(open.contains { $0.id == "sql-injection@db" })
        #expect(open.first.map { f in open.allSatisfy { $0.severity <= f.severity } } == true, "worst first")

        let report = ReportModel(analysis, catalogue: catalogue)
        #expect(TableWriter().write(report).hasPrefix("Shop: "))
        #expect(MarkdownReportWriter().write(report).contains("sql-injection"))

        let picture = try await DiagramRenderer(vocabulary: catalogue.vocabulary, options: DiagramOptions())
            .render(analysis, format: .svg)
        let svg = String(decoding: picture.bytes, as: UTF8.self)
        #expect(svg.contains("<svg") && svg.contains("Web shop"))
    }
}

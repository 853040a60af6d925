import Foundation
import MoatCore
import MoatDiagram
import MoatInterop
import Testing

/// Every file in ../shared/interop: imported, written as canonical Moat text, loaded, analysed and drawn.
@Suite struct AllInputsTests {
    @Test func theInputFolderHoldsEveryTool() {
        #expect(Shared.allInputs.count >= 17, "inputs: \(Shared.allInputs)")
        #expect(Shared.allInputs.contains { $0.hasPrefix("threagile/") })
        #expect(Shared.allInputs.contains { $0.hasPrefix("threat-dragon/") })
        #expect(Shared.allInputs.contains { $0.hasPrefix("otm/") })
    }

    @Test(arguments: Shared.allInputs)
    func formatIsDetectedFromTheContent(_ relative: String) throws {
        let expected: ForeignFormat = relative.hasPrefix("threagile/") ? .threagile : relative.hasPrefix("otm/") ? .otm : .threatDragon
        #expect(FormatDetector.detect(try readShared(relative)) == expected)
    }

    @Test(arguments: Shared.wellFormedInputs)
    func importsWithoutErrorsAndLoads(_ relative: String) throws {
        let imported = try importShared(relative)
        let errors = imported.result.diagnostics.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.message))")
        let loadErrors = imported.load.diagnostics.filter { $0.severity == .error }
        #expect(loadErrors.isEmpty, "\(loadErrors.map { "\($0.range?.start.line ?? 0): \($0.message)" })\n\(imported.text)")
        #expect(imported.load.model != nil)
    }

    @Test(arguments: Shared.wellFormedInputs)
    func importedTextIsCanonicalAndIdempotentUnderFmt(_ relative: String) throws {
        let imported = try importShared(relative)
        let formatter = MoatFormatter(vocabulary: catalogue.vocabulary)
        let (reparsed, diagnostics) = Parser.parse(SourceFile(path: "imported.moat", text: imported.text))
        #expect(!diagnostics.contains { $0.severity == .error }, "\(diagnostics.map(\.message))")
        let again = formatter.format(reparsed)
        #expect(again == imported.text)
        // The document built by the importer and the one parsed back describe the same model.
        let tree = DocumentTree(vocabulary: catalogue.vocabulary)
        #expect(tree.json(reparsed) == tree.json(imported.result.document))
    }

    @Test(arguments: Shared.wellFormedInputs)
    func loadsDirectlyThroughTheForeignReaders(_ relative: String) throws {
        let direct = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary)).load(path: Shared.path(relative))
        #expect(!direct.hasErrors, "\(direct.diagnostics.filter { $0.severity == .error }.map(\.message))")
        let imported = try importShared(relative)
        #expect(direct.model.map(signature) == imported.load.model.map(signature))
        // Warnings point into the foreign file.
        for d in direct.diagnostics where d.id == .unmapped {
            #expect(d.range?.file.path == Shared.path(relative))
        }
    }

    @Test(arguments: Shared.wellFormedInputs)
    func analysesAndDraws(_ relative: String) throws {
        let imported = try importShared(relative)
        let analysis = imported.analysis()
        #expect(analysis.findings.isEmpty == imported.model.elements.isEmpty)
        let dot = try DiagramBuilder(vocabulary: catalogue.vocabulary).build(analysis).write()
        for e in imported.model.elements { #expect(dot.contains(e.id) || dot.contains(e.name)) }
    }

    @Test(arguments: Shared.wellFormedInputs)
    func importIsDeterministic(_ relative: String) throws {
        let a = try importShared(relative), b = try importShared(relative)
        #expect(a.text == b.text)
        #expect(a.result.diagnostics.sorted.map(\.message) == b.result.diagnostics.sorted.map(\.message))
    }

    @Test(arguments: Shared.wellFormedInputs)
    func everyWarningNamesAPlaceInTheSource(_ relative: String) throws {
        let imported = try importShared(relative)
        for w in imported.warnings {
            let r = try #require(w.range)
            #expect(r.file.path == Shared.path(relative))
            #expect(r.start.line >= 1 && r.start.line <= r.file.lineStarts.count)
        }
    }

    @Test func theMalformedThreatDragonFileIsAClearError() throws {
        let file = try readShared(Shared.malformed)
        #expect(FormatDetector.detect(file) == .threatDragon)
        let result = Interop.importDocument(file, vocabulary: catalogue.vocabulary)
        let errors = result.diagnostics.diagnostics.filter { $0.severity == .error }
        #expect(errors.contains { $0.message == "not a valid Threat Dragon model: no 'detail'; found 'details'" })
        #expect(errors.contains { $0.message == "'summary' has no 'title'; found 'titled'" })
        let description = try #require(errors.first { $0.message.contains("'description'") })
        #expect(description.message == "'description' in 'summary' must be a string, not a number")
        #expect(sourceLine(description).contains("\"description\": 0"))
        let load = ModelLoader(catalogue: catalogue, foreignReaders: Interop.readers(vocabulary: catalogue.vocabulary)).load(path: Shared.path(Shared.malformed))
        #expect(load.hasErrors && load.model == nil)
    }
}

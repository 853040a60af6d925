import Foundation
import MoatCore
import MoatInterop

/// `MOAT_FUZZ_NOTATION=import`: one input is a file given to `moat import`, run through every importer of
/// MoatInterop (Threagile, OWASP Threat Dragon v1 and v2, Open Threat Model, TM-BOM).
///
/// The input is read as `/fuzz/import.json` when its first byte after blanks (and a BOM) is `{` or `[`, and as
/// `/fuzz/import.yaml` otherwise (the importers take the notation of their diagnostics and document from the path),
/// after SourceLoader's checks, as `moat import` reads a file. It then goes through
/// `Interop.importDocument` once with format detection and once per `ForeignFormat`, and each result that reports
/// no error goes on as in `ImportCommand.run`: formatted with MoatFormatter and loaded back with ModelLoader.
///
/// Invariants (a broken one stops the run with `Fatal error: invariant: …`):
/// - an import that reports no error produces Moat text that loads without errors (`moat import` refuses to
///   write it otherwise: "the imported model does not load");
/// - that text is in canonical layout: formatting its parse gives it back;
/// - detection picks the importer it names: the detected import is the explicit import of
///   `FormatDetector.detect`'s format (same text, same diagnostics), and a file of no known format is one
///   `unknown-format` error.
enum ImportTarget {
    static let formats = ForeignFormat.allCases

    static func path(for input: [UInt8]) -> String {
        var i = input.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < input.count, [0x20, 0x09, 0x0A, 0x0D].contains(input[i]) { i += 1 }
        return i < input.count && (input[i] == 0x7B || input[i] == 0x5B) ? "/fuzz/import.json" : "/fuzz/import.yaml"
    }

    static func run(_ input: [UInt8]) {
        let catalogue = FuzzTarget.catalogue
        let vocabulary = catalogue.vocabulary
        let loader = FuzzTarget.sourceLoader(input: input)
        let file: SourceFile
        switch loader.load(path(for: input)) {
        case .failure(let d):
            _ = DiagnosticRenderer().render(d)
            return
        case .success(let f):
            file = f
        }
        let text = String(decoding: file.bytes, as: UTF8.self)
        let formatter = MoatFormatter(vocabulary: vocabulary)
        // Threagile's `includes:` read the in-memory file system too: the input itself (as `import.yaml`, `self.yaml`,
        // …), `part.yaml`, an empty and a binary file, a folder, and nothing else.
        let options = ImportOptions(sourceLoader: loader)

        // Once with detection, as `moat import FILE` does.
        let detected = FormatDetector.detect(file)
        let automatic = Interop.importDocument(file, as: nil, vocabulary: vocabulary, options: options)
        if automatic.hasErrors {
            _ = NotAModel.screen((automatic.document, automatic.diagnostics))
        }
        let automaticText = check(automatic, format: nil, file: file, formatter: formatter, catalogue: catalogue, input: text)
        if detected == nil {
            let errors = automatic.diagnostics.diagnostics.filter { $0.severity == .error }
            if errors.count != 1 || errors[0].id != .unknownFormat {
                FuzzTarget.violated("a file of no known format is one unknown-format error: \(errors.map(\.message))", text)
            }
        }

        // Once per format, as `moat import FILE --from FORMAT` does.
        for format in formats {
            let result = Interop.importDocument(file, as: format, vocabulary: vocabulary, options: options)
            let formatted = check(result, format: format, file: file, formatter: formatter, catalogue: catalogue, input: text)
            if format == detected {
                if formatted != automaticText
                    || result.diagnostics.diagnostics.map(\.message) != automatic.diagnostics.diagnostics.map(\.message) {
                    FuzzTarget.violated("detection imports as --from \(format.rawValue) does", text)
                }
            }
        }
    }

    /// What `moat import` does with one result: render its diagnostics and, when it has no error, format it and load
    /// the text back. Returns the formatted text (nil when the import has errors).
    static func check(_ result: ImportResult, format: ForeignFormat?, file: SourceFile, formatter: MoatFormatter,
                      catalogue: Catalogue, input: String) -> String? {
        _ = DiagnosticRenderer().render(result.diagnostics.sorted)
        guard !result.hasErrors else { return nil }
        let name = format?.rawValue ?? "detected"
        let moatText = formatter.format(result.document)
        // In memory, as every stage of moat-fuzz: an include in the text reads nothing on disk.
        let loaded = ModelLoader(catalogue: catalogue, sourceLoader: FuzzTarget.sourceLoader(input: []))
            .load(text: moatText, path: "/fuzz/imported.moat")
        _ = DiagnosticRenderer().render(loaded.diagnostics)
        if loaded.hasErrors || loaded.model == nil {
            let errors = loaded.diagnostics.filter { $0.severity == .error }
            FuzzTarget.violated("an import (\(name)) without errors loads:\n\(moatText)\n\(DiagnosticRenderer().render(errors))", input)
        }
        let (reparsed, _) = Parser.parse(SourceFile(path: "/fuzz/imported.moat", text: moatText))
        let again = formatter.format(reparsed)
        if again != moatText {
            FuzzTarget.violated("an import (\(name)) is written in canonical layout:\n--- import ---\n\(moatText)\n--- formatted ---\n\(again)", input)
        }
        return moatText
    }
}

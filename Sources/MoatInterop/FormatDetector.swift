import MoatCore
import Yams

/// The foreign model formats Moat imports.
public enum ForeignFormat: String, Sendable, CaseIterable {
    case threagile
    case threatDragon = "threat-dragon"
    case otm

    /// How the format is named in messages.
    public var displayName: String {
        switch self {
        case .threagile: return "Threagile"
        case .threatDragon: return "OWASP Threat Dragon"
        case .otm: return "Open Threat Model"
        }
    }
}

/// Tells a foreign model from a Moat YAML/JSON model by its content, not its file name.
///
/// - Threagile: top-level `technical_assets` or `threagile_version`.
/// - OWASP Threat Dragon: top-level `detail` (with `diagrams`) or `summary`.
/// - Open Threat Model: top-level `otmVersion`.
///
/// Moat's own YAML/JSON form uses none of these keys. A cheap text check comes first, so Moat
/// YAML and JSON models are not parsed twice.
public enum FormatDetector {
    /// The format of a file, or nil when it is not a foreign model this module knows.
    public static func detect(_ file: SourceFile) -> ForeignFormat? {
        let text = String(decoding: file.bytes, as: UTF8.self)
        let hinted = hints(text)
        guard !hinted.isEmpty else { return nil }
        guard let root = try? Yams.compose(yaml: text), let fields = Fields(root) else {
            // Unreadable: let the importer of the one hinted format report the syntax error.
            return hinted.count == 1 ? hinted.first : nil
        }
        let keys = Set(fields.entries.map(\.key))
        if keys.contains("otmVersion") { return .otm }
        if keys.contains("technical_assets") || keys.contains("threagile_version") { return .threagile }
        if keys.contains("detail") || keys.contains("summary") { return .threatDragon }
        return nil
    }

    /// Formats whose key names occur in the text at all.
    static func hints(_ text: String) -> [ForeignFormat] {
        var found: [ForeignFormat] = []
        if text.contains("otmVersion") { found.append(.otm) }
        if text.contains("technical_assets") || text.contains("threagile_version") { found.append(.threagile) }
        if text.contains("\"summary\"") || text.contains("summary:") || text.contains("\"detail\"") || text.contains("detail:") {
            found.append(.threatDragon)
        }
        return found
    }
}

/// The entry points of MoatInterop.
public enum Interop {
    /// Imports a foreign model; with `format` nil the format is detected from the content.
    public static func importDocument(_ file: SourceFile, as format: ForeignFormat? = nil, vocabulary: Vocabulary) -> ImportResult {
        let notation = DocumentReader.notation(forPath: file.path) == .json ? Document.Notation.json : .yaml
        guard let format = format ?? FormatDetector.detect(file) else {
            var bag = DiagnosticBag()
            bag.error(.unknownFormat, "cannot tell the format of '\(file.path)'",
                      at: nil, notes: [DiagnosticNote("expected a Threagile YAML model (technical_assets), an OWASP Threat Dragon JSON model "
                                       + "(summary, detail.diagrams) or an Open Threat Model file (otmVersion); "
                                       + "name the format with --from")])
            return ImportResult(document: Document(file: file, notation: notation, statements: []), diagnostics: bag)
        }
        switch format {
        case .threagile: return ThreagileImporter(vocabulary: vocabulary).importModel(file)
        case .threatDragon: return ThreatDragonImporter(vocabulary: vocabulary).importModel(file)
        case .otm: return OTMImporter(vocabulary: vocabulary).importModel(file)
        }
    }

    /// Reads Threagile, Threat Dragon and OTM files directly: a `ModelLoader` given these readers sniffs
    /// `.yaml`, `.yml` and `.json` files and imports foreign ones on the fly.
    public static func readers(vocabulary: Vocabulary) -> [ForeignDocumentReader] {
        [{ file in
            guard let format = FormatDetector.detect(file) else { return nil }
            let result = importDocument(file, as: format, vocabulary: vocabulary)
            return (result.document, result.diagnostics)
        }]
    }
}

import Foundation
import MoatCore
import Yams

/// The foreign model formats Moat imports.
public enum ForeignFormat: String, Sendable, CaseIterable {
    /// A Threagile YAML model (`threagile_version`, `technical_assets`).
    case threagile
    /// An OWASP Threat Dragon JSON model, v2 (or v1 diagrams).
    case threatDragon = "threat-dragon"
    /// An Open Threat Model (OTM) file, JSON or YAML (`otmVersion`).
    case otm
    /// The Threat Model Bill of Materials (TM-BOM, threat-model.schema.json of the OWASP threat model library), which
    /// Threat Dragon reads and writes.
    case tmBOM = "tm-bom"

    /// How the format is named in messages.
    public var displayName: String {
        switch self {
        case .threagile: return "Threagile"
        case .threatDragon: return "OWASP Threat Dragon"
        case .otm: return "Open Threat Model"
        case .tmBOM: return "Threat Model BOM"
        }
    }
}

/// Tells a foreign model from a Moat YAML/JSON model by its content, not its file name.
///
/// - Threagile: top-level `technical_assets` or `threagile_version` (and Threagile's own analysis output, which the
///   Threagile importer refuses with a clear message: `risks.json`, `technical-assets.json`, `stats.json`).
/// - OWASP Threat Dragon: top-level `detail` (with `diagrams`) or `summary`.
/// - Open Threat Model: top-level `otmVersion`.
/// - TM-BOM: top-level `scope` with `data_flows`, `trust_zones`, `components` or `actors`.
///
/// Detection reads the top-level keys from the text itself, without composing the YAML: nothing is expanded (no
/// alias, no merge key) before the reader of the format checks the expansion budget, so a small file cannot make
/// detection slow.
public enum FormatDetector {
    /// The format of a file, or nil when it is not a foreign model this module knows.
    public static func detect(_ file: SourceFile) -> ForeignFormat? {
        let text = String(decoding: file.bytes, as: UTF8.self)
        let shape = TopLevel.scan(text)
        let keys = shape.keys
        if keys.contains("otmVersion") { return .otm }
        if keys.contains("technical_assets") || keys.contains("threagile_version") { return .threagile }
        if keys.contains("detail") || keys.contains("summary") { return .threatDragon }
        if keys.contains("scope"), !keys.isDisjoint(with: ["data_flows", "trust_zones", "components", "actors", "data_stores"]) {
            return .tmBOM
        }
        // Threagile's analysis output: a list of risks, or statistics, or assets by id.
        if shape.isList, text.contains("\"synthetic_id\"") || text.contains("most_relevant_technical_asset") { return .threagile }
        if keys == ["risks"], text.contains("\"elevated\"") { return .threagile }
        if !keys.isEmpty, text.contains("\"data_assets_processed\""), text.contains("\"communication_links\""), text.contains("\"technology\"") {
            return .threagile
        }
        return nil
    }

    /// The top-level keys of a YAML or JSON text, read without parsing it: keys at column 0 of a block mapping, or keys
    /// at depth one of a flow mapping (`{…}`, which JSON is).
    enum TopLevel {
        struct Shape { var keys: Set<String> = []; var isList = false }

        static func scan(_ text: String) -> Shape {
            let bytes = Array(text.utf8)
            var i = 0
            // Skip a byte-order mark, blank lines, comments and document markers to the first content.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1; continue }
                if b == 0x23 { while i < bytes.count, bytes[i] != 0x0A { i += 1 }; continue }  // comment
                if bytes[i...].starts(with: Array("---".utf8)) { i += 3; continue }
                break
            }
            guard i < bytes.count else { return Shape() }
            switch bytes[i] {
            case 0x7B: return Shape(keys: flowKeys(bytes, from: i), isList: false)  // {
            case 0x5B: return Shape(keys: [], isList: true)  // [
            case 0x2D where i + 1 < bytes.count && (bytes[i + 1] == 0x20 || bytes[i + 1] == 0x0A): return Shape(keys: [], isList: true)
            default: return Shape(keys: blockKeys(text), isList: false)
            }
        }

        /// Keys of a block mapping: lines that start at column 0 with `key:` or `"key":`.
        static func blockKeys(_ text: String) -> Set<String> {
            var keys: Set<String> = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                guard let first = line.first, first != " ", first != "\t", first != "#", first != "-", first != "." else { continue }
                var key = Substring(line)
                if first == "\"" || first == "'" {
                    let rest = line.dropFirst()
                    guard let close = rest.firstIndex(of: first) else { continue }
                    key = rest[..<close]
                    guard rest[rest.index(after: close)...].drop(while: { $0 == " " }).first == ":" else { continue }
                } else {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let after = line.index(after: colon)
                    guard after == line.endIndex || line[after] == " " || line[after] == "\t" || line[after] == "\r" else { continue }
                    key = line[..<colon]
                }
                keys.insert(String(key).trimmingCharacters(in: .whitespaces))
            }
            return keys
        }

        /// Keys at depth one of a flow mapping or JSON object starting at `start`.
        static func flowKeys(_ bytes: [UInt8], from start: Int) -> Set<String> {
            var keys: Set<String> = []
            var depth = 0
            var i = start
            var lastString: String?
            while i < bytes.count {
                let b = bytes[i]
                switch b {
                case 0x7B, 0x5B: depth += 1; lastString = nil
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth <= 0 { return keys }
                case 0x22, 0x27:  // a quoted string
                    var j = i + 1
                    var out: [UInt8] = []
                    while j < bytes.count, bytes[j] != b {
                        if bytes[j] == 0x5C, b == 0x22, j + 1 < bytes.count { out.append(bytes[j + 1]); j += 2; continue }
                        out.append(bytes[j]); j += 1
                    }
                    lastString = String(decoding: out, as: UTF8.self)
                    i = j
                case 0x3A:  // ':'
                    if depth == 1, let s = lastString { keys.insert(s) }
                    lastString = nil
                case 0x2C: lastString = nil
                default:
                    // A plain YAML key in a flow mapping: letters up to ':'.
                    if depth == 1, lastString == nil, (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F {
                        var j = i
                        while j < bytes.count, bytes[j] != 0x3A, bytes[j] != 0x2C, bytes[j] != 0x7D, bytes[j] != 0x0A { j += 1 }
                        if j < bytes.count, bytes[j] == 0x3A {
                            keys.insert(String(decoding: bytes[i..<j], as: UTF8.self).trimmingCharacters(in: .whitespaces))
                            i = j
                            continue
                        }
                        i = j - 1
                    }
                }
                i += 1
            }
            return keys
        }
    }
}

/// The entry points of MoatInterop.
public enum Interop {
    /// Imports a foreign model; with `format` nil the format is detected from the content.
    public static func importDocument(_ file: SourceFile, as format: ForeignFormat? = nil, vocabulary: Vocabulary,
                                      options: ImportOptions = ImportOptions()) -> ImportResult {
        let notation = DocumentReader.notation(forPath: file.path) == .json ? Document.Notation.json : .yaml
        guard let format = format ?? FormatDetector.detect(file) else {
            var bag = DiagnosticBag()
            bag.error(.unknownFormat, "cannot tell the format of '\(file.path)'",
                      at: nil, notes: [DiagnosticNote("expected a Threagile YAML model (technical_assets), an OWASP Threat Dragon JSON model "
                                       + "(summary, detail.diagrams), a Threat Model BOM (scope, data_flows) or an Open Threat Model "
                                       + "file (otmVersion); name the format with --from")])
            return ImportResult(document: Document(file: file, notation: notation, statements: []), diagnostics: bag)
        }
        switch format {
        case .threagile: return ThreagileImporter(vocabulary: vocabulary, options: options).importModel(file)
        case .threatDragon: return ThreatDragonImporter(vocabulary: vocabulary, options: options).importModel(file)
        case .otm: return OTMImporter(vocabulary: vocabulary, options: options).importModel(file)
        case .tmBOM: return TMBOMImporter(vocabulary: vocabulary, options: options).importModel(file)
        }
    }

    /// Reads Threagile, Threat Dragon, TM-BOM and OTM files directly: a `ModelLoader` given these readers sniffs
    /// `.yaml`, `.yml` and `.json` files and imports foreign ones on the fly.
    public static func readers(vocabulary: Vocabulary) -> [ForeignDocumentReader] {
        [{ file in
            guard let format = FormatDetector.detect(file) else { return nil }
            let result = importDocument(file, as: format, vocabulary: vocabulary)
            return (result.document, result.diagnostics)
        }]
    }
}

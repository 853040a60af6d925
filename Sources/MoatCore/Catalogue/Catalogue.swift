import BundledModels
import Foundation

/// The data Moat works from: vocabulary, maturity model and (later) rules, loaded from a Models folder.
public struct Catalogue: Sendable {
    public let vocabulary: Vocabulary
    public let maturity: MaturityModel

    public init(vocabulary: Vocabulary, maturity: MaturityModel) {
        self.vocabulary = vocabulary
        self.maturity = maturity
    }

    /// A catalogue that could not be loaded: a broken installation or a bad `--models` folder.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads the catalogues from a Models folder (the built-in one by default).
    public static func load(from directory: URL = BundledModels.directory) throws -> Catalogue {
        func read(_ relative: String) throws -> String {
            let url = directory.appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw LoadError(description: "cannot read catalogue '\(url.path)'")
            }
            return String(decoding: data, as: UTF8.self)
        }
        do {
            let vocabulary = try Vocabulary(yaml: read("vocabulary.yaml"))
            let maturity = try MaturityModel(levelsYAML: read("maturity/levels.yaml"),
                                             controlsYAML: read("maturity/controls.yaml"))
            return Catalogue(vocabulary: vocabulary, maturity: maturity)
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(description: "invalid catalogue in '\(directory.path)': \(error)")
        }
    }

    /// The built-in catalogue, loaded once.
    public static let builtIn: Result<Catalogue, Error> = Result { try load() }
}

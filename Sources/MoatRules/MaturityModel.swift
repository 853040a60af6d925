import Foundation
import Yams
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// One level of the pervasive-security capability with the practices that evidence it.
public struct MaturityLevel: Sendable, Codable, Hashable {
    /// The level's number, 1 (reactive) to 5 (adaptive).
    public var level: Int
    /// The level's name, such as "Defined Security Controls".
    public var name: String
    /// A phrase under the name, such as "Policies exist, enforcement uneven".
    public var tagline: String
    /// A paragraph describing an organisation at this level.
    public var summary: String
    /// Observable traits of an organisation at this level, one sentence each.
    public var characteristics: [String]
    /// The practices a model must declare to evidence this level.
    public var practices: [Practice]
}

/// An organisation-scoped practice, declared in a model's `practices`.
public struct Practice: Sendable, Codable, Hashable {
    /// The practice's id, as a model lists it in `practices`.
    public var id: String
    /// A one-line description for reports.
    public var title: String
}

/// A control that mitigates threats; it has one maturity level.
public struct Control: Sendable, Codable, Hashable {
    /// The control's id, as rules name it in `mitigations`.
    public var id: String
    /// The maturity level (1–5) at which the control is expected. An open finding's expected level is the
    /// lowest among its controls: a gap once the level judged against reaches it, a roadmap item before.
    public var level: Int
    /// A one-line description for reports.
    public var title: String
    /// Element-scoped evidence: a condition per element kind.
    public var evidence: [String: String]?
    /// Organisation-scoped: the practice that evidences the control.
    public var practice: String?
    /// On an element a provider operates (`managed`), only the provider can apply it (patching the managed
    /// database engine, say): findings that only such controls mitigate get the status `provider`.
    public var provider: Bool = false
}

/// The five levels, their practices and the controls (Models/maturity/).
public struct MaturityModel: Sendable {
    /// The levels, sorted from 1 to 5.
    public let levels: [MaturityLevel]
    /// Every control, in file order.
    public let controls: [Control]
    private let practiceLevels: [String: Int]
    private let controlIndex: [String: Int]

    /// A model of `levels` (sorted by level here) and `controls`; ids are expected to be unique.
    public init(levels: [MaturityLevel], controls: [Control]) {
        self.levels = levels.sorted { $0.level < $1.level }
        self.controls = controls
        var p: [String: Int] = [:]
        for l in levels { for practice in l.practices { p[practice.id] = l.level } }
        practiceLevels = p
        var c: [String: Int] = [:]
        for (i, control) in controls.enumerated() { c[control.id] = i }
        controlIndex = c
    }

    /// Reads levels.yaml and controls.yaml.
    init(levels levelsFile: SourceFile, controls controlsFile: SourceFile) throws {
        let levelsRoot = try CatalogueYAML.compose(levelsFile), controlsRoot = try CatalogueYAML.compose(controlsFile)
        var reader = CatalogueYAML(path: levelsFile.path)
        let levelsMapping = try reader.mapping(levelsRoot, "levels.yaml", allowed: ["levels"])
        let levels = try reader.list(reader.required(levelsMapping, "levels", "levels.yaml", in: levelsRoot), "levels").map { node in
            let f = try reader.mapping(node, "a level",
                                       allowed: ["level", "name", "tagline", "summary", "characteristics", "practices"])
            func text(_ key: String) throws -> String { try reader.string(reader.required(f, key, "a level", in: node), key) }
            let practices = try reader.list(reader.required(f, "practices", "a level", in: node), "practices").map { p in
                let pf = try reader.mapping(p, "a practice", allowed: ["id", "title"])
                return Practice(id: try reader.string(reader.required(pf, "id", "a practice", in: p), "id"),
                                title: try reader.string(reader.required(pf, "title", "a practice", in: p), "title"))
            }
            return MaturityLevel(level: try reader.int(reader.required(f, "level", "a level", in: node), "level"),
                                 name: try text("name"), tagline: try text("tagline"), summary: try text("summary"),
                                 characteristics: try reader.strings(reader.required(f, "characteristics", "a level", in: node),
                                                                     "characteristics"),
                                 practices: practices)
        }
        reader = CatalogueYAML(path: controlsFile.path)
        let controlsMapping = try reader.mapping(controlsRoot, "controls.yaml", allowed: ["controls"])
        let controls = try reader.list(reader.required(controlsMapping, "controls", "controls.yaml", in: controlsRoot), "controls")
            .map { node in
                let f = try reader.mapping(node, "a control", allowed: ["id", "level", "title", "evidence", "practice", "provider"])
                let id = try reader.string(reader.required(f, "id", "a control", in: node), "id")
                let what = "control '\(id)'"
                let evidence = try f["evidence"].map { e in
                    try reader.mapping(e, "\(what): evidence").mapValues { try reader.string($0, "\(what): evidence") }
                }
                return Control(id: id, level: try reader.int(reader.required(f, "level", what, in: node), "\(what): level"),
                               title: try reader.string(reader.required(f, "title", what, in: node), "\(what): title"),
                               evidence: evidence, practice: try f["practice"].map { try reader.string($0, "\(what): practice") },
                               provider: try f["provider"].map { try reader.bool($0, "\(what): provider") } ?? false)
            }
        self.init(levels: levels, controls: controls)
    }

    /// Every practice id, in level order.
    public var practiceIDs: [String] { levels.flatMap { $0.practices.map(\.id) } }

    /// The level a practice belongs to.
    public func level(ofPractice id: String) -> Int? { practiceLevels[id] }

    /// The control with this id, if any.
    public func control(_ id: String) -> Control? { controlIndex[id].map { controls[$0] } }

    /// The level numbered `n` (1–5), if the model has it.
    public func level(_ n: Int) -> MaturityLevel? { levels.first { $0.level == n } }
}

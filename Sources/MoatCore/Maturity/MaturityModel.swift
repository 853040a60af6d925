import Foundation
import Yams

/// One level of the pervasive-security capability with the practices that evidence it.
public struct MaturityLevel: Sendable, Codable, Hashable {
    public var level: Int
    public var name: String
    public var tagline: String
    public var summary: String
    public var characteristics: [String]
    public var practices: [Practice]
}

/// An organisation-scoped practice, declared in a model's `practices`.
public struct Practice: Sendable, Codable, Hashable {
    public var id: String
    public var title: String
}

/// A control that mitigates threats; it has one maturity level.
public struct Control: Sendable, Codable, Hashable {
    public var id: String
    public var level: Int
    public var title: String
    /// Element-scoped evidence: a condition per element kind.
    public var evidence: [String: String]?
    /// Organisation-scoped: the practice that evidences the control.
    public var practice: String?
}

/// The five levels, their practices and the controls (Models/maturity/).
public struct MaturityModel: Sendable {
    public let levels: [MaturityLevel]
    public let controls: [Control]
    private let practiceLevels: [String: Int]
    private let controlIndex: [String: Int]

    private struct LevelsFile: Codable { var levels: [MaturityLevel] }
    private struct ControlsFile: Codable { var controls: [Control] }

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
    public init(levelsYAML: String, controlsYAML: String) throws {
        let levels = try YAMLDecoder().decode(LevelsFile.self, from: levelsYAML).levels
        let controls = try YAMLDecoder().decode(ControlsFile.self, from: controlsYAML).controls
        self.init(levels: levels, controls: controls)
    }

    /// Every practice id, in level order.
    public var practiceIDs: [String] { levels.flatMap { $0.practices.map(\.id) } }

    /// The level a practice belongs to.
    public func level(ofPractice id: String) -> Int? { practiceLevels[id] }

    public func control(_ id: String) -> Control? { controlIndex[id].map { controls[$0] } }

    public func level(_ n: Int) -> MaturityLevel? { levels.first { $0.level == n } }
}

import Foundation
import MoatCore

/// Known findings, by id, that `moat check --baseline` does not gate on.
public struct Baseline: Sendable, Equatable {
    /// The ids (`rule-id@element-id`) of the findings known when the baseline was taken.
    public var findingIDs: Set<String>

    /// A baseline of the given finding ids.
    public init(findingIDs: Set<String>) { self.findingIDs = findingIDs }

    /// Why a baseline file could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The baseline as JSON: `{ "version": 1, "findings": [ids, sorted] }`.
    public func json() -> String {
        JSONValue.object([
            ("version", .number(1)),
            ("findings", .array(findingIDs.sorted().map(JSONValue.string))),
        ]).serialized() + "\n"
    }

    /// Reads a baseline written by `json()`.
    public static func read(_ bytes: [UInt8], path: String) throws -> Baseline {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ReadError(description: "'\(path)' is not a Moat baseline (expected a JSON object)")
        }
        guard (object["version"] as? NSNumber)?.intValue == 1 else {
            throw ReadError(description: "'\(path)': unsupported baseline version (expected 1)")
        }
        guard let ids = object["findings"] as? [String] else {
            throw ReadError(description: "'\(path)': 'findings' must be a list of finding ids")
        }
        return Baseline(findingIDs: Set(ids))
    }
}

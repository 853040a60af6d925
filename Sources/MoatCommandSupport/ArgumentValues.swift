import ArgumentParser
import MoatCore
import MoatDiagram
import MoatInterop

// The library's own enums read from the command line: one list of values, in the library, for the parser,
// the help text and the completion scripts.

extension Severity: ExpressibleByArgument {}
extension DiagramFormat: ExpressibleByArgument {}
extension DiagramOptions.EdgeLabels: ExpressibleByArgument {}

/// `--layout`: the engines a person chooses; `sfdp` is Moat's own choice for overviews (it cannot draw
/// boundaries), so it is not offered.
extension LayoutEngine: ExpressibleByArgument {
    public init?(argument: String) {
        guard let engine = LayoutEngine(rawValue: argument), engine != .sfdp else { return nil }
        self = engine
    }

    public static var allValueStrings: [String] { allCases.filter { $0 != .sfdp }.map(\.rawValue) }
}

/// `--direction TB|LR|auto`, in either case.
extension DiagramOptions.Direction: ExpressibleByArgument {
    public init?(argument: String) {
        guard let direction = Self.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = direction
    }
}
extension ForeignFormat: ExpressibleByArgument {}
extension Document.Notation: ExpressibleByArgument {}
extension OTMExporter.Notation: ExpressibleByArgument {}

/// On the command line an element kind is one that rules apply to (`rules list --applies-to`).
extension ElementKind: ExpressibleByArgument {
    static let ruleTargets: [ElementKind] = [.actor, .process, .datastore, .flow, .boundary]

    public init?(argument: String) {
        guard let kind = ElementKind(rawValue: argument), Self.ruleTargets.contains(kind) else { return nil }
        self = kind
    }

    public static var allValueStrings: [String] { ruleTargets.map(\.rawValue) }
}

extension Stride: ExpressibleByArgument {
    /// A category by name (`spoofing`, `information-disclosure`) or by its letter (`S`, `i`).
    public init?(argument: String) {
        let word = argument.lowercased()
        guard let stride = Stride(rawValue: word) ?? Stride.allCases.first(where: { $0.letter.lowercased() == word }) else {
            return nil
        }
        self = stride
    }
}

/// A CWE id, as `79` or `CWE-79`.
public struct CWEArgument: ExpressibleByArgument, Sendable, Hashable {
    /// The CWE number, positive (`79` for CWE-79).
    public var number: Int

    public init?(argument: String) {
        var text = Substring(argument)
        if text.lowercased().hasPrefix("cwe-") { text = text.dropFirst(4) }
        guard let n = Int(text), n > 0 else { return nil }
        number = n
    }

    public static var defaultCompletionKind: CompletionKind { .default }
}

/// `YYYY-MM-DD` dates on the command line (`--as-of`): a real calendar date, so `2026-13-99` is refused.
public enum DateArgument {
    /// Nil when `text` is a valid date; the usage error otherwise.
    public static func problem(_ text: String, option: String) -> ValidationError? {
        DateText.isValid(text) ? nil : ValidationError("\(option) must be a date YYYY-MM-DD, not '\(text)'")
    }
}

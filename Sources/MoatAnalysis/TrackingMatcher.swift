import MoatRules
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// Matches finding ids against a model's tracking entries (`*` matches any run of characters).
///
/// Pure, so that the analysis can match on several threads; the caller collects which entries matched.
struct TrackingMatcher: Sendable {
    private let entries: [TrackingEntry]
    private let patterns: [[Substring]]
    private let asOf: String

    init(entries: [TrackingEntry], asOf: String) {
        self.entries = entries
        self.patterns = entries.map { $0.pattern.split(separator: "*", omittingEmptySubsequences: false) }
        self.asOf = asOf
    }

    /// The first entry whose pattern matches `id` (its index and whether it has expired).
    func match(_ id: String) -> (index: Int, entry: TrackingEntry, expired: Bool)? {
        for (i, parts) in patterns.enumerated() where Self.matches(id, parts) {
            let entry = entries[i]
            return (i, entry, entry.until.map { $0 < asOf } ?? false)
        }
        return nil
    }

    /// Entries that matched nothing, given the indices of those that matched.
    func unmatched(used: Set<Int>) -> [TrackingEntry] { entries.indices.filter { !used.contains($0) }.map { entries[$0] } }

    /// Entries that matched but whose `until` date has passed.
    func expired(used: Set<Int>) -> [TrackingEntry] {
        entries.indices.filter { used.contains($0) && (entries[$0].until.map { $0 < asOf } ?? false) }.map { entries[$0] }
    }

    /// Glob match of `text` against pattern parts split at `*`.
    static func matches(_ text: String, _ parts: [Substring]) -> Bool {
        if parts.count == 1 { return text == parts[0] }
        var rest = Substring(text)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let r = rest.range(of: part) else { return false }
            rest = rest[r.upperBound...]
        }
        let last = parts.last!
        return rest.count >= last.count && rest.hasSuffix(last)
    }
}

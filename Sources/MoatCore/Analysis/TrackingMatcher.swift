/// Matches finding ids against a model's tracking entries (`*` matches any run of characters).
///
/// A class so one pass over the findings can record which entries matched; used by one analysis.
final class TrackingMatcher: @unchecked Sendable {
    private let entries: [TrackingEntry]
    private let patterns: [[Substring]]
    private let asOf: String
    private var used: [Bool]

    init(entries: [TrackingEntry], asOf: String) {
        self.entries = entries
        self.patterns = entries.map { $0.pattern.split(separator: "*", omittingEmptySubsequences: false) }
        self.asOf = asOf
        self.used = Array(repeating: false, count: entries.count)
    }

    /// The first entry whose pattern matches `id`, and whether it has expired.
    func match(_ id: String) -> (TrackingEntry?, Bool) {
        for (i, parts) in patterns.enumerated() where Self.matches(id, parts) {
            used[i] = true
            let entry = entries[i]
            let expired = entry.until.map { $0 < asOf } ?? false
            return (entry, expired)
        }
        return (nil, false)
    }

    /// Entries that matched nothing.
    var unmatched: [TrackingEntry] { entries.indices.filter { !used[$0] }.map { entries[$0] } }

    /// Entries that matched but whose `until` date has passed.
    var expired: [TrackingEntry] {
        entries.indices.filter { used[$0] && (entries[$0].until.map { $0 < asOf } ?? false) }.map { entries[$0] }
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

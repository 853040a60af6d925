import MoatText

/// Finds the closest known spelling for "did you mean" hints.
public enum Suggestion {
    /// The candidate nearest to `word` by edit distance, if it is close enough to be a typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        guard word.utf8.count <= 128 else { return nil }  // no typo hint for such words, and no quadratic edit distance
        let limit = max(1, min(3, word.count / 3))
        var best: (candidate: String, distance: Int, prefix: Int)?
        for candidate in candidates.sorted() {
            let d = distance(word, candidate, limit: limit)
            guard d <= limit else { continue }
            // Ties go to the candidate that shares the longer prefix: 'htps' → 'https', not 'ftps'.
            let prefix = zip(word.lowercased(), candidate.lowercased()).prefix { $0 == $1 }.count
            if best == nil || d < best!.distance || (d == best!.distance && prefix > best!.prefix) {
                best = (candidate, d, prefix)
            }
        }
        if let best { return best.candidate }
        // A truncated word ('tamper' for 'tampering') is a hint too, when only one candidate starts with it.
        guard word.count >= 3 else { return nil }
        let extensions = candidates.filter { $0.lowercased().hasPrefix(word.lowercased()) && $0.count > word.count }
        return extensions.count == 1 ? extensions[0] : nil
    }

    /// Candidates ordered by closeness to `word`: edit distance, then a shared prefix, then name.
    public static func ranked(_ word: String, in candidates: [String]) -> [String] {
        guard word.utf8.count <= 128 else { return candidates.sorted() }
        let w = word.lowercased()
        return candidates.map { c -> (String, Int, Int) in
            (c, distance(word, c, limit: 64), -zip(w, c.lowercased()).prefix { $0 == $1 }.count)
        }.sorted { ($0.1, $0.2, $0.0) < ($1.1, $1.2, $1.0) }.map(\.0)
    }

    /// Damerau-Levenshtein (optimal string alignment) distance, giving up above `limit`.
    static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.lowercased().unicodeScalars), y = Array(b.lowercased().unicodeScalars)
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var row = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            row[0] = i
            var rowMin = row[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    row[j] = min(row[j], previous2[j - 2] + 1)
                }
                rowMin = min(rowMin, row[j])
            }
            if rowMin > limit { return limit + 1 }
            (previous2, previous, row) = (previous, row, previous2)
        }
        return previous[y.count]
    }
}

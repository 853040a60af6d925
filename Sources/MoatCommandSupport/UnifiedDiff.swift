import MoatCore

/// A unified diff of two texts, line by line (Myers' O((N+M)·D) algorithm), as `diff -u` prints it:
/// `---`/`+++` headers and `@@ -l,n +l,n @@` hunks with three lines of context. What `moat fmt --check`
/// shows of the changes it would make.
public enum UnifiedDiff {
    /// One step of the edit script, with indexes into the old and new lines.
    enum Edit: Equatable {
        case same(Int, Int)
        case delete(Int)
        case insert(Int)
    }

    /// Beyond this many differences the script is not searched for: the diff replaces the differing middle
    /// whole (still a correct diff, only a longer one), so memory stays bounded.
    static let maximumDifferences = 2_000

    /// The diff of `old` and `new`, or "" when they are the same. Lines are shown with their control
    /// characters replaced (tabs stay), so a model cannot drive the terminal.
    public static func diff(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3,
                            colour: Bool = false) -> String {
        let a = lines(old), b = lines(new)
        let script = edits(a, b)
        guard script.contains(where: { if case .same = $0 { return false } else { return true } }) else { return "" }
        func paint(_ text: String, _ style: TerminalText.Style) -> String { TerminalText.paint(text, style, enabled: colour) }
        var out = paint("--- \(TerminalText.sanitize(oldName))", .bold) + "\n" + paint("+++ \(TerminalText.sanitize(newName))", .bold) + "\n"
        for hunk in hunks(script, context: context) {
            let steps = script[hunk]
            var oldStart = 0, newStart = 0, oldCount = 0, newCount = 0
            var first = true
            var body = ""
            for step in steps {
                switch step {
                case .same(let i, let j):
                    if first { (oldStart, newStart) = (i, j) }
                    oldCount += 1; newCount += 1
                    body += " " + show(a[i])
                case .delete(let i):
                    if first { (oldStart, newStart) = (i, position(before: step, in: script, hunkStart: hunk.lowerBound).new) }
                    oldCount += 1
                    body += paint("-" + show(a[i], newline: false), .removed) + lineEnd(a[i])
                case .insert(let j):
                    if first { (oldStart, newStart) = (position(before: step, in: script, hunkStart: hunk.lowerBound).old, j) }
                    newCount += 1
                    body += paint("+" + show(b[j], newline: false), .added) + lineEnd(b[j])
                }
                first = false
            }
            out += paint("@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@", .note) + "\n" + body
        }
        return out
    }

    /// `start,count` with 1-based lines; an empty range names the line before it, and a count of 1 is
    /// left out, as GNU diff writes them.
    static func range(_ start: Int, _ count: Int) -> String {
        if count == 0 { return "\(start),0" }
        return count == 1 ? "\(start + 1)" : "\(start + 1),\(count)"
    }

    /// Where the old and new texts stand at the first step of a hunk that begins with a deletion or an
    /// insertion: the counts of old and new lines before it.
    private static func position(before step: Edit, in script: [Edit], hunkStart: Int) -> (old: Int, new: Int) {
        var old = 0, new = 0
        for s in script[..<hunkStart] {
            switch s {
            case .same: old += 1; new += 1
            case .delete: old += 1
            case .insert: new += 1
            }
        }
        return (old, new)
    }

    /// A line as shown: control characters replaced, and its line end (or the note that it has none).
    private static func show(_ line: Substring, newline: Bool = true) -> String {
        let body = line.hasSuffix("\n") ? line.dropLast() : line
        let text = TerminalText.sanitize(String(body), replacement: "\u{FFFD}", keeping: ["\t"])
        return newline ? text + lineEnd(line) : text
    }

    private static func lineEnd(_ line: Substring) -> String {
        line.hasSuffix("\n") ? "\n" : "\n\\ No newline at end of file\n"
    }

    /// The lines of a text, each with its line feed (the last one may have none).
    static func lines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        while start < text.endIndex {
            if let newline = text[start...].firstIndex(of: "\n") {
                let end = text.index(after: newline)
                result.append(text[start..<end])
                start = end
            } else {
                result.append(text[start...])
                break
            }
        }
        return result
    }

    /// The shortest edit script from `a` to `b` (Myers), after the common head and tail are set aside.
    static func edits(_ a: [Substring], _ b: [Substring]) -> [Edit] {
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        let x0 = a[head..<(a.count - tail)], y0 = b[head..<(b.count - tail)]
        var script: [Edit] = (0..<head).map { .same($0, $0) }
        script += middle(Array(x0), Array(y0)).map { edit in
            switch edit {
            case .same(let i, let j): return .same(i + head, j + head)
            case .delete(let i): return .delete(i + head)
            case .insert(let j): return .insert(j + head)
            }
        }
        script += (0..<tail).map { .same(a.count - tail + $0, b.count - tail + $0) }
        return script
    }

    /// Myers' greedy algorithm, keeping the furthest-reaching x of every diagonal for each D to walk back.
    private static func middle(_ a: [Substring], _ b: [Substring]) -> [Edit] {
        let n = a.count, m = b.count
        if n == 0 { return (0..<m).map { .insert($0) } }
        if m == 0 { return (0..<n).map { .delete($0) } }
        let limit = min(n + m, maximumDifferences)
        // v[k + offset]: the furthest x on diagonal k; trace[d] is v before step d.
        let offset = limit + 1
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        var trace: [[Int]] = []
        var found: Int?
        search: for d in 0...limit {
            trace.append(Array(v[(offset - d - 1)...(offset + d + 1)]))
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m { found = d; break search }
            }
        }
        guard let depth = found else {
            // Too different to search: replace the whole middle.
            return (0..<n).map { .delete($0) } + (0..<m).map { .insert($0) }
        }
        var script: [Edit] = []
        var x = n, y = m
        for d in stride(from: depth, through: 0, by: -1) {
            let saved = trace[d]
            func at(_ k: Int) -> Int { saved[k + d + 1] }
            let k = x - y
            let previousK = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1
            let previousX = d == 0 ? 0 : at(previousK)
            let previousY = previousX - previousK
            while x > previousX && y > previousY {
                script.append(.same(x - 1, y - 1))
                x -= 1; y -= 1
            }
            if d > 0 {
                if x == previousX { script.append(.insert(previousY)) } else { script.append(.delete(previousX)) }
            }
            x = previousX; y = previousY
        }
        return script.reversed()
    }

    /// The ranges of the script shown as hunks: each change with `context` unchanged steps either side,
    /// hunks that touch or overlap merged.
    static func hunks(_ script: [Edit], context: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for (index, step) in script.enumerated() {
            if case .same = step { continue }
            let range = max(0, index - context)..<min(script.count, index + context + 1)
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }
}

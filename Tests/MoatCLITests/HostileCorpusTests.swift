import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

// Every command of the CLI on every file of a hostile-input corpus, as a user would run them: the built
// `moat` binary, a fresh temporary folder per run, a time limit per run (60 s; then it is killed and the
// test fails). For each run:
//
// - the process exits by itself (no signal, no time-out) with a status the command documents: 0, or 2 on
//   invalid input; 1 only for `check` (a finding at the threshold) and `fmt --check` (needs formatting);
// - stderr has no trace of a crash ("Fatal error", "Segmentation", …), and stdout and stderr carry no
//   terminal control character taken from the model (ESC, BEL; and C1 controls, except in JSON, which
//   may hold them as they are);
// - exit 2 comes with at least one `path:line:col: error:` diagnostic (exceptions: a root file that cannot
//   be opened at all, and `fmt` refusing a file that is not .moat, both reported as `moat: error: …`);
// - a valid model must succeed with every command and write its output; an invalid one must give 2;
// - every output written is well formed and escaped: JSON and SARIF parse; the SVG parses as XML, has no
//   script element, no on… attribute, no javascript: link, and shows the labels an input lists literally
//   in its tooltips; the HTML likewise (a tag scanner, since it is not XML); the Markdown has no HTML tag but
//   <br>, no live javascript: link and no table row with a stray column; the CSV is RFC 4180 with the same
//   number of fields on every row and no field starting with = + - @ tab or CR (CSVText's rule); the DOT
//   is one digraph whose strings and HTML labels are all closed and no keyword or brace comes from a label
//   (Graphviz renders the same DOT to SVG in the `diagram -o out.svg` run);
// - the input file is unchanged.
//
// The corpus: the files of Tests/Fixtures/hostile (listed in `HostileInput.committedInHostileFolder`, with
// what each is for), Tests/Fixtures/hostile.moat, and five inputs the test generates in its temporary folder
// so that megabytes and symlinks are not committed (recipes in `HostileInput.generate`).
//
// 21 inputs × 14 commands + the two multi-megabyte generated inputs (the 1 MiB id, the 1 MiB line) × 3
// commands (validate, analyze --format json, diagram -o out.dot) = 300 runs, in parallel. Every command on
// those two would add about 40 s of process time (the HTML report of the 1 MiB id is 11 MB), so the suite
// would pass a minute on 2 cores in a debug build; the 10,000-deep nesting is refused fast and gets them all.

private let hostileFolder = "Tests/Fixtures/hostile"

/// One input of the corpus.
struct HostileInput: Sendable, CustomTestStringConvertible {
    /// The file name (for generated inputs, the name it is written under).
    var name: String
    /// Path relative to the package root for committed files; nil for generated ones.
    var committedPath: String?
    /// A model that loads without errors: every command must then succeed and write its output.
    var valid: Bool
    /// The root file cannot be opened at all (a symlink loop), so no error can have a line and column.
    var unopenable = false
    /// Texts that must appear literally in the SVG diagram's tooltips (xlink:title).
    var tooltipLiterals: [String] = []
    /// Megabytes in, tens of megabytes out: run with `HostileCommand.forBigInputs` only (time).
    var big = false

    var testDescription: String { name }

    static func committed(_ name: String, valid: Bool, tooltips: [String] = []) -> HostileInput {
        HostileInput(name: name, committedPath: "\(hostileFolder)/\(name)", valid: valid, tooltipLiterals: tooltips)
    }

    /// Every file of Tests/Fixtures/hostile (`listedFilesAreExactlyTheFolder` checks that none is missing).
    static let committedInHostileFolder: [HostileInput] = [
        .committed("empty.moat", valid: false),                 // 0 bytes
        .committed("nul-byte.moat", valid: false),              // a NUL byte inside a declaration
        .committed("invalid-utf8.moat", valid: false),          // Latin-1 0xE9 and a stray 0xFF
        .committed("bom-crlf.moat", valid: true),               // UTF-8 byte order mark, CRLF line ends
        .committed("classic-mac-cr.moat", valid: false),        // CR-only line ends: one long comment line
        .committed("include-cycle-a.moat", valid: false),       // a → b → a
        .committed("include-cycle-b.moat", valid: false),       // b → a → b
        .committed("self-include.moat", valid: false),          // includes itself
        // DOT break-outs: `"];\ndigraph{`, `\N \G \l`, `<<b>x</b>>`, `\E \T \H \L` in names and descriptions.
        .committed("labels-dot.moat", valid: true, tooltips: [#"\N \G \l \" \ (datastore s)"#, #"\E \T \H \N \G \L (s->a)"#]),
        // HTML and SVG: <script>, </textarea>, <svg onload=…>, ]]>, attribute break-outs, javascript: URLs.
        .committed("labels-html-svg.moat", valid: true),
        // Markdown: | pipe |, [x](javascript:alert(1)), # heading, backticks, raw HTML.
        .committed("labels-markdown.moat", valid: true),
        // CSV formulas leading names: =HYPERLINK(…), +1, -1, @SUM, tab, CR.
        .committed("labels-csv.moat", valid: true),
        // \u{1B}[31m, OSC title, C1 CSI, raw ESC bytes, U+202E right-to-left override, zero-width characters.
        .committed("labels-terminal.moat", valid: true),
        // Errors whose message and source line hold terminal escapes.
        .committed("terminal-in-error.moat", valid: false),
        // Payloads of every kind in the JSON notation.
        .committed("labels.json", valid: true),
        // A JSON model with a double comma, a truncated \u escape and no closing brackets.
        .committed("malformed.json", valid: false),
        // HostileYAMLTests.aliasBomb(depth: 9): 10^8 boundaries once aliases are expanded.
        .committed("alias-bomb.yaml", valid: false),
    ]

    /// The generated inputs. Their recipes are in `generate(in:)`.
    static let generated: [HostileInput] = [
        HostileInput(name: "nested-boundaries.moat", valid: false),
        HostileInput(name: "id-1mb.moat", valid: true, big: true),
        HostileInput(name: "long-line.moat", valid: true, big: true),
        HostileInput(name: "loop.moat", valid: false, unopenable: true),
        HostileInput(name: "folder-symlink-cycle.moat", valid: false),
    ]

    static let all: [HostileInput] = committedInHostileFolder
        + [HostileInput(name: "hostile.moat", committedPath: "Tests/Fixtures/hostile.moat", valid: true)]  // labels with payloads
        + generated

    /// Writes the input into `folder` and returns the path to give to moat. A committed file is copied
    /// with the files beside it (the include cycle needs both of its files).
    func materialise(in folder: URL) throws -> String {
        let fm = FileManager.default
        let target = folder.appendingPathComponent(name)
        if let committedPath {
            let source = packageRoot.appendingPathComponent(committedPath)
            let siblings = try fm.contentsOfDirectory(at: source.deletingLastPathComponent(), includingPropertiesForKeys: [.isRegularFileKey])
            for sibling in siblings where (try? sibling.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                try fm.copyItem(at: sibling, to: folder.appendingPathComponent(sibling.lastPathComponent))
            }
            return target.path
        }
        try Self.generate(name, at: target)
        return target.path
    }

    /// The recipes of the generated inputs.
    static func generate(_ name: String, at target: URL) throws {
        let fm = FileManager.default
        let folder = target.deletingLastPathComponent()
        switch name {
        case "nested-boundaries.moat":
            // Boundaries nested 10,000 deep around a valid model (the limit is 64): 150 kB.
            let depth = 10_000
            let text = String(repeating: "boundary b {\n", count: depth) + "actor a\nprocess p\na -> p\n"
                + String(repeating: "}\n", count: depth)
            try Data(text.utf8).write(to: target)
        case "id-1mb.moat":
            // A valid model whose actor id is 1 MiB long, used as a flow end too: 2 MB.
            let id = "a" + String(repeating: "x", count: (1 << 20) - 1)
            let text = "actor \(id) \"Long\" { type user }\nprocess p \"P\" { internet-facing }\n"
                + "\(id) -> p \"Use\" { protocol http }\n"
            try Data(text.utf8).write(to: target)
        case "long-line.moat":
            // A valid model whose description is one 1 MiB line of payloads for every output format.
            let piece = #"<script>alert(1)</script> | =1 [x](javascript:y) \"]; digraph{ \\N "#
            let text = "model \"Long line\" { description \"" + String(repeating: piece, count: (1 << 20) / piece.utf8.count)
                + "\" }\nactor a \"A\"\nprocess p \"P\"\na -> p \"Use\"\n"
            try Data(text.utf8).write(to: target)
        case "loop.moat":
            // A symlink to itself: opening it fails with ELOOP.
            try fm.createSymbolicLink(atPath: target.path, withDestinationPath: "loop.moat")
        case "folder-symlink-cycle.moat":
            // `up` links to its own folder (up/up/up/… is the same folder), `ping` and `pong` to each other.
            try fm.createSymbolicLink(atPath: folder.appendingPathComponent("up").path, withDestinationPath: ".")
            try fm.createSymbolicLink(atPath: folder.appendingPathComponent("ping").path, withDestinationPath: "pong")
            try fm.createSymbolicLink(atPath: folder.appendingPathComponent("pong").path, withDestinationPath: "ping")
            let text = "actor a\nprocess p\na -> p\ninclude \"up/up/up/up/\(name)\"\ninclude \"ping/x.moat\"\n"
            try Data(text.utf8).write(to: target)
        default:
            Issue.record("no recipe for \(name)")
        }
    }
}

/// What a command writes, where it is checked.
enum OutputKind: Sendable {
    case none, text, json, sarif, csv, markdown, dot, svg, html
}

/// The commands run on every input.
enum HostileCommand: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case validate = "validate"
    case analyzeTable = "analyze --format table"
    case analyzeMarkdown = "analyze --format markdown"
    case analyzeJSON = "analyze --format json"
    case analyzeCSV = "analyze --format csv"
    case diagramDOT = "diagram -o out.dot"
    case diagramSVG = "diagram -o out.svg"
    case reportHTML = "report -o out.html"
    case reportMarkdown = "report -o out.md"
    case check = "check --fail-on high --sarif out.sarif"
    case fmtCheck = "fmt --check"
    case convertJSON = "convert --to json"
    case graphJSON = "graph --format json"
    case exportOTM = "export --to otm"

    var testDescription: String { rawValue }

    /// The commands run on the big generated inputs: each of the others takes 1 to 8 s on the 1 MiB id in a
    /// debug build (the HTML report is 11 MB), which would take the suite well over a minute on 2 cores.
    static let forBigInputs: [HostileCommand] = [.validate, .analyzeJSON, .diagramDOT]

    func arguments(_ input: String) -> [String] {
        switch self {
        case .validate: return ["validate", input]
        case .analyzeTable: return ["analyze", input, "--format", "table"]
        case .analyzeMarkdown: return ["analyze", input, "--format", "markdown"]
        case .analyzeJSON: return ["analyze", input, "--format", "json"]
        case .analyzeCSV: return ["analyze", input, "--format", "csv"]
        case .diagramDOT: return ["diagram", input, "-o", "out.dot"]
        case .diagramSVG: return ["diagram", input, "-o", "out.svg"]
        case .reportHTML: return ["report", input, "-o", "out.html"]
        case .reportMarkdown: return ["report", input, "-o", "out.md"]
        case .check: return ["check", input, "--fail-on", "high", "--sarif", "out.sarif"]
        case .fmtCheck: return ["fmt", "--check", input]
        case .convertJSON: return ["convert", input, "--to", "json"]
        case .graphJSON: return ["graph", input, "--format", "json"]
        case .exportOTM: return ["export", input, "--to", "otm"]
        }
    }

    /// The file the command writes in its working folder; nil when the output goes to stdout.
    var outputFile: String? {
        switch self {
        case .diagramDOT: return "out.dot"
        case .diagramSVG: return "out.svg"
        case .reportHTML: return "out.html"
        case .reportMarkdown: return "out.md"
        case .check: return "out.sarif"
        default: return nil
        }
    }

    var output: OutputKind {
        switch self {
        case .validate, .fmtCheck: return .none
        case .analyzeTable: return .text
        case .analyzeMarkdown, .reportMarkdown: return .markdown
        case .analyzeJSON, .convertJSON, .graphJSON, .exportOTM: return .json
        case .analyzeCSV: return .csv
        case .diagramDOT: return .dot
        case .diagramSVG: return .svg
        case .reportHTML: return .html
        case .check: return .sarif
        }
    }

    /// The exit statuses allowed for an input (README, `moat help`): 1 only where a command documents it.
    func allowedStatuses(_ input: HostileInput) -> Set<Int32> {
        switch self {
        case .fmtCheck: return [0, 1, 2]      // layout only: an invalid model may be well formatted
        case .check: return input.valid ? [0, 1] : [2]
        default: return input.valid ? [0] : [2]
        }
    }
}

// MARK: - Checks of outputs. Each returns what is wrong, empty when nothing is (`checkersCatchBadOutput`
// shows that each can fail).

enum OutputChecks {
    static let crashMarkers = ["Fatal error", "Segmentation", "Illegal instruction", "stack overflow", "Swift runtime failure"]

    /// Where `pattern` (lowercase ASCII) occurs in `bytes` at `i`, ASCII letters compared without case.
    static func matches(_ bytes: [UInt8], _ pattern: [UInt8], at i: Int) -> Bool {
        guard i >= 0, i + pattern.count <= bytes.count else { return false }
        for k in pattern.indices {
            let c = bytes[i + k]
            if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != pattern[k] { return false }
        }
        return true
    }

    /// The offsets where `pattern` (lowercase ASCII) occurs, ignoring case.
    static func occurrences(of pattern: String, in bytes: [UInt8]) -> [Int] {
        let p = Array(pattern.utf8)
        guard let first = p.first else { return [] }
        var found: [Int] = []
        var i = 0
        while i + p.count <= bytes.count {
            let c = bytes[i]
            if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) == first && matches(bytes, p, at: i) { found.append(i) }
            i += 1
        }
        return found
    }

    /// A few bytes around `index`, for messages.
    static func around(_ bytes: [UInt8], _ index: Int) -> String {
        let lower = max(0, index - 40), upper = min(bytes.count, index + 60)
        return String(decoding: bytes[lower..<upper], as: UTF8.self).debugDescription
    }

    /// Terminal control: ESC and BEL (C0) and, unless `c1` is false, the C1 controls U+0080–U+009F (CSI,
    /// OSC, DCS…). JSON may hold C1 characters as they are (RFC 8259 escapes only U+0000–U+001F).
    static func terminalControls(_ text: String, c1: Bool = true) -> [String] {
        let bytes = Array(text.utf8)
        var problems: [String] = []
        for i in bytes.indices where problems.count < 3 {
            if bytes[i] == 0x1B || bytes[i] == 0x07 || (c1 && bytes[i] == 0xC2 && i + 1 < bytes.count && (0x80...0x9F).contains(bytes[i + 1])) {
                problems.append("terminal control character at byte \(i): \(around(bytes, i))")
            }
        }
        return problems
    }

    /// True when a line of stderr is a positioned error diagnostic: `path:line:col: error: …`.
    static func hasPositionedError(_ stderr: String) -> Bool {
        stderr.split(separator: "\n").contains { line in
            guard let range = line.range(of: ": error: ") else { return false }
            let parts = line[..<range.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3 else { return false }
            let column = parts[parts.count - 1], row = parts[parts.count - 2]
            return !column.isEmpty && column.allSatisfy(\.isASCII) && column.allSatisfy(\.isNumber)
                && !row.isEmpty && row.allSatisfy(\.isASCII) && row.allSatisfy(\.isNumber)
                && !parts[..<(parts.count - 2)].joined(separator: ":").isEmpty
        }
    }

    static func json(_ data: Data) -> [String] {
        do {
            let object = try JSONSerialization.jsonObject(with: data)
            return object is [String: Any] ? [] : ["the JSON is not an object"]
        } catch {
            return ["not valid JSON: \(error)"]
        }
    }

    static func sarif(_ data: Data) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return ["SARIF is not a JSON object"] }
        var problems: [String] = []
        if object["version"] as? String != "2.1.0" { problems.append("SARIF version is not 2.1.0") }
        if (object["runs"] as? [Any]) == nil { problems.append("SARIF has no runs") }
        return problems
    }

    /// RFC 4180, and CSVText's rule: a field starting with = + - @ tab or CR is a formula in a spreadsheet.
    static func csv(_ text: String) -> [String] {
        let b = Array(text.utf8)
        var problems: [String] = []
        var i = 0, row = 0, width: Int? = nil
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let formula: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, cr]
        while i < b.count && problems.count < 5 {
            var fields = 0
            while true {   // one field per turn
                let start = i
                var first: UInt8? = nil
                if i < b.count && b[i] == quote {
                    i += 1
                    while true {
                        guard i < b.count else { problems.append("row \(row + 1): unterminated quoted field from byte \(start)"); return problems }
                        if b[i] == quote {
                            if i + 1 < b.count && b[i + 1] == quote { if first == nil { first = quote }; i += 2; continue }
                            i += 1
                            break
                        }
                        if first == nil { first = b[i] }
                        i += 1
                    }
                } else {
                    while i < b.count && b[i] != comma && b[i] != cr && b[i] != lf {
                        if b[i] == quote { problems.append("row \(row + 1): quote inside an unquoted field: \(around(b, i))") }
                        if first == nil { first = b[i] }
                        i += 1
                    }
                }
                fields += 1
                if let first, formula.contains(first) {
                    problems.append("row \(row + 1), field \(fields) starts with \(Character(Unicode.Scalar(first)).debugDescription): \(around(b, start))")
                }
                if i < b.count && b[i] == comma { i += 1; continue }
                if i < b.count && b[i] == cr && i + 1 < b.count && b[i + 1] == lf { i += 2; break }
                if i < b.count && b[i] == lf { i += 1; break }
                if i >= b.count { break }
                problems.append("row \(row + 1): unexpected byte after field \(fields): \(around(b, i))")
                return problems
            }
            row += 1
            if let width, fields != width { problems.append("row \(row) has \(fields) fields, the header \(width)") }
            if width == nil { width = fields }
        }
        if row < 1 { problems.append("no CSV header") }
        return problems
    }

    /// Markdown: no raw HTML (the only tag Moat writes is <br>), no live javascript: link, and every row of
    /// a table has as many unescaped pipes as the table's first row.
    static func markdown(_ text: String) -> [String] {
        var problems: [String] = []
        let b = Array(text.utf8)
        var i = 0
        while i < b.count && problems.count < 5 {
            defer { i += 1 }
            guard b[i] == UInt8(ascii: "<"), i + 1 < b.count else { continue }
            var j = i + 1
            if b[j] == UInt8(ascii: "/") { j += 1 }
            var name: [UInt8] = []
            while j < b.count, (b[j] >= 0x41 && b[j] <= 0x5A) || (b[j] >= 0x61 && b[j] <= 0x7A) { name.append(b[j] | 0x20); j += 1 }
            guard !name.isEmpty else { continue }
            let tag = String(decoding: name, as: UTF8.self)
            if tag != "br" { problems.append("raw HTML tag <\(tag): \(around(b, i))") }
        }
        if !occurrences(of: "<script", in: b).isEmpty { problems.append("raw <script") }
        // A link `](javascript:` whose `]` is not escaped by a backslash.
        for r in occurrences(of: "](javascript:", in: b) {
            var backslashes = 0
            while r - backslashes - 1 >= 0 && b[r - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { problems.append("live javascript: link: \(around(b, r))") }
        }
        // Tables.
        var tableWidth: Int? = nil
        var lineStart = 0, lineNumber = 1
        while lineStart < b.count && problems.count < 10 {
            var end = lineStart
            while end < b.count && b[end] != UInt8(ascii: "\n") { end += 1 }
            defer { lineStart = end + 1; lineNumber += 1 }
            guard b[lineStart] == UInt8(ascii: "|") else { tableWidth = nil; continue }
            var pipes = 0, escaped = false
            for c in b[lineStart..<end] {
                if escaped { escaped = false; continue }
                if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "|") { pipes += 1 }
            }
            if let tableWidth, pipes != tableWidth {
                problems.append("line \(lineNumber): table row with \(pipes) cell separators, the table has \(tableWidth): \(around(b, lineStart))")
            }
            if tableWidth == nil { tableWidth = pipes }
        }
        return problems
    }

    /// DOT: exactly one `digraph`, first; every quoted string and HTML label closed; braces balanced; nothing
    /// after the graph; no `digraph` or `strict` keyword, `[`/`]` imbalance or stray character elsewhere.
    static func dot(_ text: String) -> [String] {
        let b = Array(text.utf8)
        var problems: [String] = []
        var i = 0, depth = 0, brackets = 0, graphs = 0, tokens = 0, closed = false
        func isWordByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") || c >= 0x80
        }
        while i < b.count && problems.count < 5 {
            let c = b[i]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1; continue }
            if c == UInt8(ascii: "/") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "/") {
                while i < b.count && b[i] != 0x0A { i += 1 }
                continue
            }
            if c == UInt8(ascii: "/") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < b.count && !(b[i] == UInt8(ascii: "*") && b[i + 1] == UInt8(ascii: "/")) { i += 1 }
                if i + 1 >= b.count { problems.append("unterminated comment"); break }
                i += 2
                continue
            }
            if closed { problems.append("text after the end of the graph: \(around(b, i))"); break }
            tokens += 1
            switch c {
            case UInt8(ascii: "\""):
                let start = i
                i += 1
                while i < b.count && b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
                if i >= b.count { problems.append("unterminated string from byte \(start): \(around(b, start))"); return problems }
                i += 1
            case UInt8(ascii: "<"):
                let start = i
                var level = 0
                repeat {
                    if b[i] == UInt8(ascii: "<") { level += 1 } else if b[i] == UInt8(ascii: ">") { level -= 1 }
                    i += 1
                } while i < b.count && level > 0
                if level > 0 { problems.append("unterminated HTML label from byte \(start): \(around(b, start))"); return problems }
            case UInt8(ascii: "{"):
                depth += 1
                i += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth < 0 { problems.append("unbalanced '}': \(around(b, i))"); return problems }
                if depth == 0 { closed = true }
                i += 1
            case UInt8(ascii: "["): brackets += 1; i += 1
            case UInt8(ascii: "]"):
                brackets -= 1
                if brackets < 0 { problems.append("unbalanced ']': \(around(b, i))"); return problems }
                i += 1
            case UInt8(ascii: "="), UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: ":"):
                i += 1
            case UInt8(ascii: "-") where i + 1 < b.count && (b[i + 1] == UInt8(ascii: ">") || b[i + 1] == UInt8(ascii: "-")):
                i += 2
            default:
                guard isWordByte(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") else {
                    problems.append("unexpected character: \(around(b, i))")
                    i += 1
                    continue
                }
                let start = i
                i += 1
                while i < b.count && (isWordByte(b[i]) || b[i] == UInt8(ascii: ".")) { i += 1 }
                let word = String(decoding: b[start..<i], as: UTF8.self).lowercased()
                if word == "digraph" {
                    graphs += 1
                    if graphs > 1 || depth > 0 { problems.append("a second 'digraph' keyword: \(around(b, start))") }
                } else if word == "strict" || (word == "graph" && depth == 0) {
                    if tokens > 1 { problems.append("keyword '\(word)' outside a string: \(around(b, start))") }
                }
            }
        }
        if graphs != 1 { problems.append("\(graphs) 'digraph' keywords") }
        if depth != 0 { problems.append("\(depth) unclosed '{'") }
        if brackets != 0 { problems.append("\(brackets) unclosed '['") }
        if !closed && problems.isEmpty { problems.append("the graph is not closed") }
        return problems
    }

    /// A tag of an HTML or SVG document: its name and attributes.
    struct Tag {
        var name: String
        var attributes: [(name: String, value: String)]
        var offset: Int
    }

    /// The start tags of an HTML document, read like a browser's tokenizer (comments, doctype and CDATA
    /// skipped; quoted and unquoted attribute values).
    static func htmlTags(_ b: [UInt8]) -> [Tag] {
        func starts(_ s: String, at i: Int) -> Bool { matches(b, Array(s.utf8), at: i) }
        func skip(to end: String, from i: Int) -> Int {
            let p = Array(end.utf8)
            var j = i
            while j < b.count && !(b[j] == p[0] && matches(b, p, at: j)) { j += 1 }
            return min(b.count, j + p.count)
        }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C }
        func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        var tags: [Tag] = []
        var i = 0
        while i < b.count {
            guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
            if starts("<!--", at: i) { i = skip(to: "-->", from: i + 4); continue }
            if starts("<![cdata[", at: i) { i = skip(to: "]]>", from: i + 9); continue }
            if starts("<!", at: i) || starts("<?", at: i) || starts("</", at: i) { i = skip(to: ">", from: i + 2); continue }
            guard i + 1 < b.count, isLetter(b[i + 1]) else { i += 1; continue }
            let offset = i
            var j = i + 1
            while j < b.count && !isSpace(b[j]) && b[j] != UInt8(ascii: ">") && b[j] != UInt8(ascii: "/") { j += 1 }
            var tag = Tag(name: String(decoding: b[(i + 1)..<j], as: UTF8.self).lowercased(), attributes: [], offset: offset)
            while j < b.count && b[j] != UInt8(ascii: ">") {
                if isSpace(b[j]) || b[j] == UInt8(ascii: "/") { j += 1; continue }
                let nameStart = j
                while j < b.count && !isSpace(b[j]) && b[j] != UInt8(ascii: "=") && b[j] != UInt8(ascii: ">") && b[j] != UInt8(ascii: "/") { j += 1 }
                let name = String(decoding: b[nameStart..<j], as: UTF8.self).lowercased()
                while j < b.count && isSpace(b[j]) { j += 1 }
                var value = ""
                if j < b.count && b[j] == UInt8(ascii: "=") {
                    j += 1
                    while j < b.count && isSpace(b[j]) { j += 1 }
                    if j < b.count && (b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'")) {
                        let q = b[j]
                        let valueStart = j + 1
                        j = valueStart
                        while j < b.count && b[j] != q { j += 1 }
                        value = String(decoding: b[valueStart..<min(j, b.count)], as: UTF8.self)
                        j += 1
                    } else {
                        let valueStart = j
                        while j < b.count && !isSpace(b[j]) && b[j] != UInt8(ascii: ">") { j += 1 }
                        value = String(decoding: b[valueStart..<j], as: UTF8.self)
                    }
                }
                tag.attributes.append((name, value))
            }
            tags.append(tag)
            i = j + 1
            // Raw text elements: their content is not markup.
            if tag.name == "style" || tag.name == "script" || tag.name == "textarea" || tag.name == "title" {
                i = skip(to: "</\(tag.name)", from: i)
            }
        }
        return tags
    }

    /// What must never come from user text in HTML or SVG: script elements, event-handler attributes,
    /// javascript: URLs.
    static func activeContent(_ tags: [Tag], _ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        let urlAttributes: Set<String> = ["href", "xlink:href", "src", "action", "formaction", "data"]
        for tag in tags where problems.count < 5 {
            let local = tag.name.split(separator: ":").last.map(String.init) ?? tag.name
            if local == "script" || local == "foreignobject" || local == "iframe" || local == "object" || local == "embed" {
                problems.append("<\(tag.name)> element: \(around(bytes, tag.offset))")
            }
            for (name, value) in tag.attributes {
                if name.hasPrefix("on") { problems.append("event handler attribute \(name) on <\(tag.name)>: \(around(bytes, tag.offset))") }
                let url = value.unicodeScalars.filter { $0.value > 0x20 }.map(String.init).joined().lowercased()
                if urlAttributes.contains(name) && (url.hasPrefix("javascript:") || url.hasPrefix("vbscript:") || url.hasPrefix("data:text/html")) {
                    problems.append("\(name)=\"\(value.prefix(40))\" on <\(tag.name)>")
                }
            }
        }
        return problems
    }

    static func html(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var problems = activeContent(htmlTags(bytes), bytes)
        if !occurrences(of: "<script", in: bytes).isEmpty { problems.append("raw <script") }
        return problems
    }

    /// Collects the SVG's tags and tooltips through XMLParser.
    final class SVGReader: NSObject, XMLParserDelegate {
        var tags: [Tag] = []
        var tooltips: [String] = []
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            tags.append(Tag(name: elementName.lowercased(), attributes: attributes.map { ($0.key.lowercased(), $0.value) }, offset: 0))
            if let title = attributes["xlink:title"] { tooltips.append(title) }
        }
    }

    static func svg(_ data: Data, literals: [String]) -> [String] {
        let parser = XMLParser(data: data)
        let reader = SVGReader()
        parser.delegate = reader
        // On Linux parse() can return true for a document that ends early or closes the wrong tag; the
        // error is still set.
        guard parser.parse(), parser.parserError == nil else {
            return ["not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)"]
        }
        var problems = activeContent(reader.tags, [])
        if !occurrences(of: "<script", in: [UInt8](data)).isEmpty { problems.append("raw <script") }
        if reader.tags.first?.name != "svg" { problems.append("the root element is \(reader.tags.first?.name ?? "missing"), not svg") }
        // DOTText puts an invisible word joiner (U+2060) after each backslash so that Graphviz cannot
        // expand \N, \G and the like; what a reader sees is the text without it.
        let shown = reader.tooltips.map { $0.replacingOccurrences(of: "\u{2060}", with: "") }
        for literal in literals where !shown.contains(where: { $0.contains(literal) }) {
            let near = shown.first { $0.contains(String(literal.suffix(12))) } ?? shown.joined(separator: " | ")
            problems.append("no tooltip shows \(literal.debugDescription) literally; nearest: \(near.prefix(160).debugDescription)")
        }
        return problems
    }
}

// MARK: - The matrix

/// One run: an input and a command.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var input: HostileInput
    var command: HostileCommand
    var testDescription: String { "moat \(command.arguments(input.name).joined(separator: " "))" }

    /// Every command on every input; the big generated inputs get `HostileCommand.forBigInputs` only.
    static let all: [HostileCase] = HostileInput.all.flatMap { input in
        (input.big ? HostileCommand.forBigInputs : HostileCommand.allCases).map { HostileCase(input: input, command: $0) }
    }
}

@Suite("Hostile corpus: every command on every file")
struct HostileCorpusTests {
    @Test(arguments: HostileCase.all)
    func runsCleanly(_ testCase: HostileCase) throws {
        let input = testCase.input, command = testCase.command
        let dir = try TempDir()
        defer { dir.cleanup() }
        let inputs = dir.file("in"), outputs = dir.file("out")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        let path = try input.materialise(in: inputs)
        let before = FileManager.default.contents(atPath: path)

        let run = try runBuilt("moat", command.arguments(path), in: outputs, timeLimit: 60)
        let shown = "moat \(command.arguments(input.name).joined(separator: " "))"
        let stderrTail = String(run.stderr.suffix(3000))

        // Exits by itself, with a documented status, without a crash report.
        #expect(!run.timedOut, "\(shown) was killed after 60 s")
        #expect(!run.crashed, "\(shown) died of signal \(run.status):\n\(stderrTail)")
        let allowed = command.allowedStatuses(input)
        #expect(run.crashed || allowed.contains(run.status),
                "\(shown) exited \(run.status); expected \(allowed.sorted()):\n\(stderrTail)")
        for marker in OutputChecks.crashMarkers {
            #expect(!run.stderr.contains(marker), "\(shown): stderr contains \"\(marker)\":\n\(stderrTail)")
        }
        // Nothing from the model reaches the terminal as control sequences.
        for (stream, text) in [("stdout", run.stdout), ("stderr", run.stderr)] {
            let problems = OutputChecks.terminalControls(text, c1: !(stream == "stdout" && command.output == .json))
            #expect(problems.isEmpty, "\(shown): \(stream): \(problems.joined(separator: "\n"))")
        }
        // Exit 2 says where.
        if run.status == 2 && !run.crashed {
            let positioned = OutputChecks.hasPositionedError(run.stderr)
            if input.unopenable {
                #expect(run.stderr.contains("moat: error: '\(path)'"), "\(shown):\n\(stderrTail)")
            } else if command == .fmtCheck && !input.name.hasSuffix(".moat") {
                #expect(run.stderr.contains("fmt formats .moat files"), "\(shown):\n\(stderrTail)")
            } else {
                #expect(positioned, "\(shown) exited 2 without a path:line:col: error: diagnostic:\n\(stderrTail)")
            }
        }
        if command == .validate && input.valid {
            #expect(run.stdout.contains(": ok"), "\(shown): \(run.stdout.prefix(300))")
        }
        // The input is left alone.
        #expect(FileManager.default.contents(atPath: path) == before, "\(shown) changed its input")

        // The output: required when the command succeeded, checked whenever there is one.
        let output: Data?
        if let file = command.outputFile {
            output = FileManager.default.contents(atPath: outputs.appendingPathComponent(file).path)
        } else {
            output = command.output == .none || run.stdout.isEmpty ? nil : Data(run.stdout.utf8)
        }
        let succeeded = !run.crashed && (run.status == 0 || (command == .check && run.status == 1))
        if succeeded && command.output != .none {
            #expect(output?.isEmpty == false, "\(shown) exited \(run.status) but wrote no output")
        }
        guard let output, !output.isEmpty else { return }
        let problems: [String]
        switch command.output {
        case .none, .text: problems = []
        case .json: problems = OutputChecks.json(output)
        case .sarif: problems = OutputChecks.sarif(output)
        case .csv: problems = OutputChecks.csv(String(decoding: output, as: UTF8.self))
        case .markdown: problems = OutputChecks.markdown(String(decoding: output, as: UTF8.self))
        case .dot: problems = OutputChecks.dot(String(decoding: output, as: UTF8.self))
        case .svg: problems = OutputChecks.svg(output, literals: input.tooltipLiterals)
        case .html: problems = OutputChecks.html(output)
        }
        #expect(problems.isEmpty, "\(shown): \(problems.count) problem(s) in the output:\n\(problems.prefix(5).joined(separator: "\n"))")
    }

    /// The list of committed inputs is the folder: a file added to Tests/Fixtures/hostile is run too.
    @Test func listedFilesAreExactlyTheFolder() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(hostileFolder).path)
        #expect(Set(names) == Set(HostileInput.committedInHostileFolder.map(\.name)))
        #expect(HostileInput.all.count == Set(HostileInput.all.map(\.name)).count, "two inputs have the same name")
    }

    /// Each check can fail: it finds the problem in a small bad sample and nothing in a good one.
    @Test func checkersCatchBadOutput() {
        typealias C = OutputChecks
        // Terminal.
        #expect(!C.terminalControls("a \u{1B}[31m b").isEmpty)
        #expect(!C.terminalControls("osc \u{9D}0;x\u{7}").isEmpty)
        #expect(C.terminalControls("plain ⟨🙂⟩ \u{202E}x").isEmpty)
        #expect(C.terminalControls("json \u{9B}31m", c1: false).isEmpty)
        #expect(!C.terminalControls("json \u{1B}[31m", c1: false).isEmpty)
        // Diagnostics.
        #expect(C.hasPositionedError("x\n/tmp/a b.moat:3:14: error: unknown keyword\n"))
        #expect(!C.hasPositionedError("moat: error: 'a.moat': no such file\n"))
        #expect(!C.hasPositionedError("a.moat:3: error: x\n"))
        // JSON and SARIF.
        #expect(!C.json(Data("{\"a\": \"x\"".utf8)).isEmpty)
        #expect(C.json(Data("{\"a\": \"<script>\\u001b\"}".utf8)).isEmpty)
        #expect(!C.sarif(Data("{\"version\": \"2.0.0\", \"runs\": []}".utf8)).isEmpty)
        #expect(C.sarif(Data("{\"version\": \"2.1.0\", \"runs\": []}".utf8)).isEmpty)
        // CSV.
        #expect(C.csv("\"id\",\"name\"\r\n\"a\",\"'=1+1\"\r\n\"b\",\"x \"\"q\"\"\"\r\n").isEmpty)
        for bad in ["\"id\",\"name\"\r\n\"a\",\"=1+1\"\r\n", "\"id\",\"name\"\r\n\"a\",\"\t1\"\r\n", "\"id\",\"name\"\r\n\"a\",@SUM(A1)\r\n",
                    "\"id\",\"name\"\r\n\"a\",\"x\",\"y\"\r\n", "\"id\",\"name\"\r\n\"a\",\"open\r\n", "\"id\"\r\n\"a\"x\r\n",
                    "\"id\",\"name\"\r\n\"a\",\"\r=1\"\r\n", "\"id\",\"name\"\r\n\"a\",-2\r\n", "\"id\",\"name\"\r\n\"a\",\"+1\"\r\n"] {
            #expect(!C.csv(bad).isEmpty, "\(bad.debugDescription)")
        }
        // Markdown.
        #expect(C.markdown("# T \\# h\n\n| a | b \\| c |\n| --- | --- |\n| x<br>y | \\[x\\](javascript:y) |\n").isEmpty)
        for bad in ["a <script>alert(1)</script>", "<img src=x onerror=y>", "see [x](javascript:alert(1))", "see \\\\[x\\\\](javascript:y)",
                    "| a | b |\n| --- | --- |\n| x | y | z |\n", "| a |\n| --- |\n| x \\\\| y |\n"] {
            #expect(!C.markdown(bad).isEmpty, "\(bad.debugDescription)")
        }
        // DOT.
        let goodDOT = #"digraph moat { a [label=<<B>&lt;x&gt;</B>>, tooltip="\"]; digraph{ \\N"]; subgraph cluster_0 { b } a -> b; }"#
        #expect(C.dot(goodDOT).isEmpty, "\(C.dot(goodDOT))")
        for bad in [#"digraph moat { a [label=""]; digraph{ x"]; }"#, #"digraph moat { a [label="x]; }"#, "digraph moat { a [label=<<B>x</B>]; }",
                    "digraph moat { a } }", "digraph moat { a", "digraph moat { a } digraph x { }", "digraph moat { a [label=x; }",
                    "digraph moat { a ( b }"] {
            #expect(!C.dot(bad).isEmpty, "\(bad)")
        }
        // HTML.
        #expect(C.html(Data(##"<!DOCTYPE html><html><style>a > b {}</style><p title="&lt;script&gt; onload=x">&lt;script&gt; javascript:x <a href="#c">c</a></p><svg><a xlink:href="#e" xlink:title="x"><text>y</text></a></svg></html>"##.utf8)).isEmpty)
        for bad in ["<p>x<script>alert(1)</script></p>", "<p onclick=alert(1)>x</p>", #"<a href=" javascript:alert(1)">x</a>"#,
                    #"<svg onload="x"></svg>"#, "<img src=x onerror=alert(1)>", #"<p title="a">x</p><iframe src="y"></iframe>"#] {
            #expect(!C.html(Data(bad.utf8)).isEmpty, "\(bad)")
        }
        // SVG.
        let goodSVG = ##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="#n" xlink:title="\N &lt;svg onload=x&gt;"><text>&lt;script&gt;</text></a></svg>"##
        #expect(C.svg(Data(goodSVG.utf8), literals: [#"\N <svg onload=x>"#]).isEmpty, "\(C.svg(Data(goodSVG.utf8), literals: [#"\N <svg onload=x>"#]))")
        #expect(!C.svg(Data(goodSVG.utf8), literals: [#"\G"#]).isEmpty)
        for bad in [#"<svg xmlns="http://www.w3.org/2000/svg" onload="x"/>"#, #"<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>"#,
                    #"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:x"/></svg>"#,
                    #"<svg><g></svg>"#, #"<svg><g>"#, #"<svg><text>a & b</text></svg>"#, #"<g/>"#] {
            #expect(!C.svg(Data(bad.utf8), literals: []).isEmpty, "\(bad)")
        }
    }
}

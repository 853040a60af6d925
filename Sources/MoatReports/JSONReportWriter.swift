import Dispatch
import MoatCore

/// `moat analyze --format json`: the model, its maturity and every finding (format: docs/analysis.md, "JSON output").
public struct JSONReportWriter: ReportWriter {
    /// A JSON writer; it has no options.
    public init() {}

    /// The analysis as JSON text (see `bytes(_:)`); the report's groupings are not used, only its analysis.
    public func write(_ report: ReportModel) -> String {
        String(decoding: bytes(report.analysis), as: UTF8.self)
    }

    /// The report of an analysis as UTF-8 bytes, ending in a newline.
    public func bytes(_ analysis: Analysis) -> [UInt8] {
        var all: [UInt8] = []
        write(analysis) { all.append(contentsOf: $0) }
        return all
    }

    /// Writes the report in pieces to `sink`: the summary indented, then one finding per line. The findings
    /// are made into text a block at a time, in chunks on every core, and each block goes to `sink` while the
    /// next one is being made (the summary's long parts are made beside the first block), so neither a tree nor
    /// the text of the whole report is ever held in memory. `sink` is called once per piece, in order and never
    /// twice at once, but not always on the caller's thread; each piece is valid only during the call (the bytes
    /// are not copied out).
    public func write(_ analysis: Analysis, to sink: (UnsafeRawBufferPointer) -> Void) {
        let findings = analysis.findings
        let chunks = Swift.stride(from: 0, to: findings.count, by: Self.chunk).map { $0..<min(findings.count, $0 + Self.chunk) }
        let blocks = (chunks.count + Self.chunksPerBlock - 1) / Self.chunksPerBlock
        func chunksOf(block b: Int) -> Range<Int> {
            b < 0 || b >= blocks ? 0..<0 : (b * Self.chunksPerBlock)..<min(chunks.count, (b + 1) * Self.chunksPerBlock)
        }
        // Two sets of lanes, one filled while the other is written out; each lane has one buffer, emptied for every
        // chunk it takes (fresh buffers would each cost a page fault per 4 KiB).
        let lanes = (0..<2).map { _ in
            (0..<min(chunks.count, Self.chunksPerBlock)).map { _ in Lane(capacity: min(findings.count, Self.chunk) * 768) }
        }
        let parts = SummaryParts()
        withoutActuallyEscaping(sink) { sink in
            let sink = SequentialSink(sink)
            // Step s fills block s and meanwhile writes out what step s - 1 made: the kernel copies a block into the
            // file (a second or more of the run at 100,000 elements) while the other core fills the next one. Step 0
            // makes the summary's long parts (passes over every finding and component) beside the first block, and
            // step 1 writes the summary before block 0.
            for step in 0...max(blocks, 1) {
                let filling = chunksOf(block: step), writing = chunksOf(block: step - 1)
                // The first iterations, taken first, make the summary's parts or write; the others fill, so the core
                // that is not writing fills until the writing is done, then both do.
                let first = step == 0 ? SummaryParts.count : 1
                DispatchQueue.concurrentPerform(iterations: first + filling.count) { i in
                    guard i >= first else {
                        if step == 0 { return parts.make(i, of: analysis) }
                        if step == 1 { head(analysis, parts).withUnsafeBytes(sink.call) }
                        for c in writing { lanes[(step - 1) % 2][c - writing.lowerBound].output.withUnsafeBytes(sink.call) }
                        return
                    }
                    let c = filling.lowerBound + i - first
                    lanes[step % 2][i - first].fill { part, fragments in
                        // One finding per line, compact: easy to grep and diff, and a third smaller.
                        for f in chunks[c] {
                            if f > 0 { part.raw(",") }
                            part.newline(indent: 2)
                            Self.write(findings[f], fragments.of(findings[f].rule), into: &part)
                        }
                    }
                }
            }
        }
        var tail = JSONOutput()
        if !findings.isEmpty { tail.newline(indent: 1) }
        tail.raw("]")
        tail.newline(indent: 0)
        tail.raw("}\n")
        tail.withUnsafeBytes(sink)
    }

    /// The report up to the opening of the list of findings, with the long parts `parts` made.
    func head(_ analysis: Analysis, _ parts: SummaryParts) -> JSONOutput {
        var head = JSONOutput()
        head.raw("{")
        for (key, write) in header(analysis, parts) {
            head.newline(indent: 1)
            head.key(key)
            write(&head)
            head.raw(",")
        }
        head.newline(indent: 1)
        head.raw("\"findings\": [")
        return head
    }

    /// Findings per chunk, the unit one core fills at a time, and chunks per block, the unit written out at once.
    static let chunk = 1024, chunksPerBlock = 4

    /// The sink of `write(_:to:)`, handed to the iteration of a concurrent loop that writes: only that one calls
    /// it, and the loops run one after the other, so the sink is never called twice at once.
    private struct SequentialSink: @unchecked Sendable {
        let call: (UnsafeRawBufferPointer) -> Void
        init(_ call: @escaping (UnsafeRawBufferPointer) -> Void) { self.call = call }
    }

    /// The compact output of one chunk of findings, kept from block to block, and the fragments of the rules it
    /// has met.
    private final class Lane: @unchecked Sendable {
        // Only one thread at a time fills a lane, and a lane is read only in the step after the one that filled it.
        private(set) var output: JSONOutput
        private var fragments = FragmentCache()

        init(capacity: Int) { output = JSONOutput(pretty: false, capacity: capacity) }

        /// Empties the output and writes it again with `body`.
        func fill(_ body: (inout JSONOutput, inout FragmentCache) -> Void) {
            output.removeAll()
            body(&output, &fragments)
        }
    }

    /// What findings take from their rules, made at a rule's first finding: a third of a finding's bytes are
    /// written once per rule. Each lane keeps its own (no lock, and no pass over every finding first).
    struct FragmentCache {
        private var byRule: [ObjectIdentifier: RuleFragments] = [:]

        /// The fragments of `rule`.
        mutating func of(_ rule: Rule) -> RuleFragments {
            if let made = byRule[ObjectIdentifier(rule)] { return made }
            let made = RuleFragments(rule)
            byRule[ObjectIdentifier(rule)] = made
            return made
        }
    }

    /// Writes one finding as a compact object: the one definition of a finding in JSON (docs/analysis.md),
    /// used by this report and by `moat diff --format json`.
    public static func write(_ f: Finding, into out: inout JSONOutput) {
        write(f, RuleFragments(f.rule), into: &out)
    }

    /// The members of a finding's object that come from its rule, as compact JSON. A class: a finding takes its
    /// rule's fragments out of a table, and a struct of four buffers would be retained and released four times.
    final class RuleFragments: Sendable {
        /// `,"rule":…,"title":…`
        let ruleAndTitle: JSONOutput
        /// `,"stride":[…]`
        let stride: JSONOutput
        /// `,"cwe":[…],"capec":[…]`
        let weaknesses: JSONOutput
        /// Each mitigation's control and its object up to the value of `present`.
        let mitigations: [(control: String, opening: JSONOutput)]

        init(_ rule: Rule) {
            var ruleAndTitle = JSONOutput(pretty: false, capacity: 128), stride = JSONOutput(pretty: false, capacity: 64)
            var weaknesses = JSONOutput(pretty: false, capacity: 64), mitigations: [(control: String, opening: JSONOutput)] = []
            ruleAndTitle.raw(",\"rule\":")
            ruleAndTitle.string(rule.id)
            ruleAndTitle.raw(",\"title\":")
            ruleAndTitle.string(rule.title)
            stride.raw(",\"stride\":[")
            for (i, s) in rule.stride.enumerated() {
                if i > 0 { stride.raw(",") }
                stride.string(s.rawValue)
            }
            stride.raw("]")
            for (key, ids) in [(",\"cwe\":[" as StaticString, rule.cwe), (",\"capec\":[", rule.capec)] {
                weaknesses.raw(key)
                for (i, id) in ids.enumerated() {
                    if i > 0 { weaknesses.raw(",") }
                    weaknesses.integer(id)
                }
                weaknesses.raw("]")
            }
            for m in rule.mitigations {
                var opening = JSONOutput(pretty: false, capacity: 160)
                opening.raw("{\"control\":")
                opening.string(m.control)
                opening.raw(",\"text\":")
                opening.string(m.text)
                opening.raw(",\"present\":")
                mitigations.append((m.control, opening))
            }
            (self.ruleAndTitle, self.stride, self.weaknesses, self.mitigations) = (ruleAndTitle, stride, weaknesses, mitigations)
        }
    }

    /// A member whose value is one case of an enum of strings (`,"severity":"high"`), written once per case.
    struct EnumMember<Value: CaseIterable & Equatable & RawRepresentable & Sendable>: Sendable where Value.RawValue == String {
        private let cases: [Value]
        private let members: [JSONOutput]

        init(_ key: StaticString) {
            cases = Array(Value.allCases)
            members = cases.map { value in
                var member = JSONOutput(pretty: false, capacity: 32)
                member.raw(key)
                member.string(value.rawValue)
                return member
            }
        }

        /// Writes the member for `value`.
        func write(_ value: Value, into out: inout JSONOutput) {
            out.append(members[cases.firstIndex(of: value)!])
        }
    }

    /// The finding members whose values are enum cases, each case written once per process.
    static let elementKindMember = EnumMember<ElementKind>(",\"elementKind\":")
    static let severityMember = EnumMember<Severity>(",\"severity\":")
    static let statusMember = EnumMember<FindingStatus>(",\"status\":")

    /// Writes one finding, its rule's members taken from `rule`.
    static func write(_ f: Finding, _ rule: RuleFragments, into out: inout JSONOutput) {
        // Each key comes with the comma before it; values are escaped by JSONOutput.
        func text(_ key: StaticString, _ value: String?) {
            out.raw(key)
            if let value { out.string(value) } else { out.raw("null") }
        }
        func number(_ key: StaticString, _ value: Int?) {
            out.raw(key)
            if let value { out.integer(value) } else { out.raw("null") }
        }
        text("{\"id\":", f.id)
        out.append(rule.ruleAndTitle)
        text(",\"element\":", f.elementID)
        elementKindMember.write(f.elementKind, into: &out)
        text(",\"elementName\":", f.elementName)
        out.append(rule.stride)
        severityMember.write(f.severity, into: &out)
        number(",\"likelihood\":", f.likelihood)
        number(",\"impact\":", f.impact)
        statusMember.write(f.status, into: &out)
        number(",\"expectedLevel\":", f.expectedLevel)
        out.append(rule.weaknesses)
        out.raw(",\"mitigations\":[")
        for (i, m) in rule.mitigations.enumerated() {
            if i > 0 { out.raw(",") }
            out.append(m.opening)
            out.bool(f.presentControls.contains(m.control))
            out.raw("}")
        }
        out.raw("]")
        text(",\"file\":", f.range?.file.path)
        number(",\"line\":", f.range?.start.line)
        if let t = f.tracking {
            text(",\"tracking\":{\"status\":", t.status.rawValue)
            text(",\"pattern\":", t.pattern)
            text(",\"justification\":", t.justification)
            text(",\"owner\":", t.owner)
            text(",\"until\":", t.until)
            out.raw(",\"expired\":")
            out.bool(f.trackingExpired)
            out.raw("}")
        }
        out.raw("}")
    }

    /// The members before `findings`, each with what writes its value at depth 1.
    func header(_ a: Analysis, _ parts: SummaryParts) -> [(String, (inout JSONOutput) -> Void)] {
        let m = a.maturity
        let model = JSONValue.object([
            ("name", .string(a.model.header.name)),
            ("owner", a.model.header.owner.map(JSONValue.string) ?? .null),
            ("file", a.model.files.first.map { .string($0.path) } ?? .null),
        ])
        let maturity: [(String, JSONValue)] = [
            ("declared", .number(Double(m.declared))), ("evidenced", .number(Double(m.evidenced))),
            ("nextLevel", m.nextLevel.map { .number(Double($0)) } ?? .null),
            ("missingPractices", .array(m.missingPractices.map { .string($0.id) })),
        ]
        return [
            ("model", { $0.value(model, indent: 1) }),
            ("maturity", { out in
                // The last two are lists as long as the model (tens of thousands of ids at 10,000 elements): written
                // straight from the assessment, not through a tree of values that costs three times the writing.
                out.object(count: maturity.count + 2, indent: 1) { out, i in
                    if i < maturity.count {
                        out.member(maturity[i].0, maturity[i].1, indent: 2)
                    } else if i == maturity.count {
                        out.key("blockingFindings")
                        out.append(parts.blockingFindings)
                    } else {
                        out.key("components")
                        out.append(parts.components)
                    }
                }
            }),
            ("summary", { $0.append(parts.summary) }),
        ]
    }

    /// The parts of the summary that take a pass over every finding or component (tens of thousands at 10,000
    /// elements), made apart and side by side, each as it is laid out in place (indentation is absolute).
    final class SummaryParts: @unchecked Sendable {
        // Each part is written by one iteration of a concurrent loop and read after the loop.
        /// How many parts there are: `make` takes 0..<count.
        static let count = 3
        private(set) var blockingFindings = JSONOutput(), components = JSONOutput(), summary = JSONOutput()

        /// Makes part `part` of `a`'s summary.
        func make(_ part: Int, of a: Analysis) {
            let m = a.maturity
            switch part {
            case 0:
                // Lists as long as the model: written straight from the assessment, not through a tree of values that
                // costs three times the writing.
                blockingFindings.list(count: m.blockingFindings.count) { out, j in out.string(m.blockingFindings[j].id) }
            case 1:
                let levels = m.components
                components.object(count: levels.count, indent: 2) { out, j in
                    out.key(levels.ids[j])
                    out.integer(levels.levels[j])
                }
            default:
                let counts = FindingCounts(a.findings)
                summary.value(.object([
                    ("total", .number(Double(a.findings.count))),
                    ("byStatus", .object(FindingStatus.allCases.map { ($0.rawValue, .number(Double(counts.byStatus[$0] ?? 0))) })),
                    ("openBySeverity", .object(Severity.allCases.map { ($0.rawValue, .number(Double(counts.openBySeverity[$0] ?? 0))) })),
                ]), indent: 1)
            }
        }
    }
}

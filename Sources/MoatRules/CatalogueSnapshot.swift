import Foundation
import MoatModel
import MoatSource
import MoatSyntax

/// The bundled catalogue (vocabulary, maturity model, rules) as it stands after loading, written to
/// `Models/catalogue.snapshot` so that `moat` starts without reading YAML (docs/performance.md, "The
/// catalogue snapshot").
///
/// Why: composing the bundled YAML with Yams and checking it cost about 178 M instructions, two thirds of
/// analysing a small model. The snapshot is *generated* from the YAML by the real loaders
/// (`Catalogue.load(from:)`: `Vocabulary(file:)`, `MaturityModel(levels:controls:)`, `RuleLoader`), so every
/// concept keeps one definition; this file only writes down the values those loaders produce and reads
/// them back. Conditions are closures and cannot be stored: their source text is, and they are compiled
/// again at load (on every core), as `Catalogue.extended(with:)` recompiles them for a project.
///
/// Why not a SwiftPM build-tool plugin: the generator needs the loaders of MoatRules, and MoatRules is
/// where `Catalogue.builtIn` reads the result, so a plugin would need a new module above MoatRules and a
/// second, host build of MoatRules, Yams and everything below for every configuration (release, the
/// fuzzer's sanitised builds, tests) on a two-core machine. A checked-in snapshot costs one command after
/// editing Models/ (`swift run moat-catalogue-snapshot`), which two guards make safe:
/// - the snapshot records a hash of every YAML file it was made from; at load, a file whose hash differs
///   (or a rule file added or removed) makes the snapshot stale and the catalogue loads from YAML as before;
/// - `CatalogueSnapshotTests` regenerates it and fails when the checked-in bytes differ.
///
/// The format is text, so that a change to Models/ shows in `git diff` as the values that changed: a header
/// line, then values one after another, each ending in a newline — a whole number as decimal digits, a
/// string as its length in UTF-8 bytes, a colon and the bytes (so strings need no escaping and are read
/// without scanning them). Optional values and lists are preceded by a count (0 or 1 for an optional).
/// Reading it is a single pass over the bytes with no lookahead (about 5 M instructions with the rules).
public enum CatalogueSnapshot {
    /// The snapshot's file name in a Models folder.
    public static let fileName = "catalogue.snapshot"
    /// Changes whenever the layout below changes; a snapshot of another version is stale.
    static let header = "moat catalogue snapshot 1"

    /// The YAML files a catalogue is read from, relative to its Models folder: the vocabulary and maturity
    /// model, then the rule files in load order.
    static func sources(in directory: URL, rules: Bool) -> [String] {
        ["vocabulary.yaml", "maturity/levels.yaml", "maturity/controls.yaml"]
            + (rules ? RuleLoader.ruleFiles(in: directory.appendingPathComponent("rules")).map { "rules/" + $0 } : [])
    }

    /// Where a source file is, spelt as the YAML loaders spell it (rule files: `RuleLoader.load(directory:)`), so
    /// that the places of rules and examples read from a snapshot name the same paths.
    static func path(_ relative: String, in directory: URL) -> String {
        guard relative.hasPrefix("rules/") else { return directory.appendingPathComponent(relative).path }
        return directory.appendingPathComponent("rules").appendingPathComponent(String(relative.dropFirst(6))).path
    }

    /// A hash of a file's bytes for the staleness check (FNV-1a over 64-bit words, then the tail bytes): not
    /// for security, only to notice an edited file; about a third of a millisecond for all of Models/.
    static func hash(_ bytes: some ContiguousBytes) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for i in 0..<words { h = (h ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) &* prime }
            for i in (words * 8)..<raw.count { h = (h ^ UInt64(raw[i])) &* prime }
            h ^= UInt64(raw.count)
        }
        return h
    }

    // MARK: Writing

    /// The snapshot of a catalogue loaded from `directory` (with its rules, from YAML).
    public static func make(from directory: URL) throws -> [UInt8] {
        let catalogue = try Catalogue.load(from: directory)
        var w = Writer()
        w.line(header)
        let sources = sources(in: directory, rules: true)
        w.int(sources.count)
        for relative in sources {
            guard let bytes = FileManager.default.contents(atPath: path(relative, in: directory)) else {
                throw CatalogueError(description: "cannot read '\(relative)'")
            }
            w.string(relative)
            w.string(String(hash(bytes), radix: 16))
        }
        w.vocabulary(catalogue.vocabulary)
        w.maturity(catalogue.maturity)
        // Rules last: a load without rules stops reading before them.
        let files = Array(sources.dropFirst(3))
        w.int(catalogue.rules.count)
        for rule in catalogue.rules { try w.rule(rule, files: files, directory: directory) }
        return w.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func line(_ s: String) { bytes += s.utf8; bytes.append(0x0A) }
        mutating func int(_ v: Int) { line(String(v)) }
        mutating func bool(_ v: Bool) { int(v ? 1 : 0) }
        mutating func string(_ s: String) {
            bytes += String(s.utf8.count).utf8
            bytes.append(UInt8(ascii: ":"))
            line(s)
        }
        mutating func strings(_ list: [String]) { int(list.count); for s in list { string(s) } }
        mutating func ints(_ list: [Int]) { int(list.count); for v in list { int(v) } }
        mutating func optional<T>(_ value: T?, _ write: (inout Writer, T) -> Void) {
            int(value == nil ? 0 : 1)
            if let value { write(&self, value) }
        }
        /// A dictionary in key order, so that the same catalogue always gives the same bytes.
        mutating func map(_ d: [String: String]) {
            int(d.count)
            for (k, v) in d.sorted(by: { $0.key < $1.key }) { string(k); string(v) }
        }
        /// A double as Swift prints it: the shortest text that reads back as the same value.
        mutating func double(_ v: Double) { string(v.description) }
        mutating func location(_ l: SourceLocation) { int(l.line); int(l.column) }

        mutating func vocabulary(_ v: Vocabulary) {
            int(v.attributes.count)
            for a in v.attributes {
                string(a.name); string(a.type.rawValue); strings(a.on.map(\.rawValue))
                optional(a.values) { $0.strings($1) }
                optional(a.ordered) { $0.bool($1) }
                optional(a.default) { $0.string($1) }
                optional(a.min) { $0.double($1) }
                optional(a.max) { $0.double($1) }
                optional(a.target) { $0.string($1.rawValue) }
                optional(a.doc) { $0.string($1) }
                optional(a.aliases) { $0.map($1) }
                optional(a.colours) { $0.map($1) }
                optional(a.inherit) { $0.bool($1) }
            }
            int(v.groups.count)
            for g in v.groups {
                string(g.name); string(g.attribute); strings(g.values.sorted()); optional(g.doc) { $0.string($1) }
            }
        }

        mutating func maturity(_ m: MaturityModel) {
            int(m.levels.count)
            for l in m.levels {
                int(l.level); string(l.name); string(l.tagline); string(l.summary); strings(l.characteristics)
                int(l.practices.count)
                for p in l.practices { string(p.id); string(p.title) }
            }
            int(m.controls.count)
            for c in m.controls {
                string(c.id); int(c.level); string(c.title)
                optional(c.evidence) { $0.map($1) }
                optional(c.practice) { $0.string($1) }
                bool(c.provider)
            }
        }

        /// A place in a rule file: the file's position in `files`, start and end.
        mutating func range(_ r: SourceRange?, files: [String], directory: URL) throws {
            try optional(r.map { r -> (Int, SourceRange) in
                guard let i = files.firstIndex(where: { CatalogueSnapshot.path($0, in: directory) == r.file.path }) else {
                    throw CatalogueError(description: "a rule's place '\(r.file.path)' is in no rule file")
                }
                return (i, r)
            }) { w, placed in w.int(placed.0); w.location(placed.1.start); w.location(placed.1.end) }
        }

        mutating func examples(_ list: [RuleExample], files: [String], directory: URL) throws {
            int(list.count)
            for e in list {
                string(e.model)
                optional(e.expect) { $0.strings($1) }
                try range(e.range, files: files, directory: directory)
            }
        }

        mutating func rule(_ r: Rule, files: [String], directory: URL) throws {
            string(r.id); string(r.title); string(r.description)
            strings(r.stride.map(\.rawValue)); strings(r.appliesTo.map(\.rawValue))
            string(r.when)
            // The condition as compiled: the text every term's `text` (shown by `moat explain`) is a slice of.
            // It differs from `when` only for a folded block, whose line breaks `when` has joined.
            string(r.appliesTo.first.flatMap { r.conditions[$0]?.text } ?? r.when)
            int(r.likelihood); int(r.impact); ints(r.cwe); ints(r.capec)
            string(r.falsePositive)
            int(r.mitigations.count)
            for m in r.mitigations { string(m.control); string(m.text) }
            try examples(r.triggeringExamples, files: files, directory: directory)
            try examples(r.nonTriggeringExamples, files: files, directory: directory)
            try range(r.range, files: files, directory: directory)
            string(r.origin.rawValue)
            optional(r.advice) { $0.string($1) }
            string(r.runsOn.rawValue)
            strings(r.supersedes)
        }
    }

    // MARK: Reading

    /// The catalogue of the snapshot in `directory`; nil when there is none, it is stale (a YAML file changed
    /// since it was made) or it cannot be read — the caller then loads the YAML.
    public static func load(from directory: URL, rules withRules: Bool) -> Catalogue? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(fileName).path) else { return nil }
        var r = Reader(bytes: [UInt8](data))
        do {
            guard try r.line() == header else { return nil }
            // Staleness: every file this load uses must be the one the snapshot was made from; the rule files
            // are read anyway, for the places (`SourceRange`) of rules and examples.
            let current = sources(in: directory, rules: withRules)
            let count = try r.int()
            var recorded: [(String, String)] = []
            for _ in 0..<count { recorded.append((try r.string(), try r.string())) }
            if withRules ? recorded.map(\.0) != current : Array(recorded.prefix(3).map(\.0)) != current { return nil }
            var ruleFiles: [SourceFile] = []
            for (i, (relative, recordedHash)) in recorded.prefix(current.count).enumerated() {
                // The bytes as they are: they were checked (UTF-8, no NUL) by the loaders that made the snapshot,
                // and only their hash is needed — the rule files also become the `SourceFile`s of places.
                let path = path(relative, in: directory)
                guard let data = FileManager.default.contents(atPath: path),
                      String(hash(data), radix: 16) == recordedHash else { return nil }
                if i >= 3 { ruleFiles.append(SourceFile(path: path, bytes: [UInt8](data))) }
            }
            let vocabulary = try r.vocabulary()
            let maturity = try r.maturity()
            guard withRules else {
                // Without rules, no evidence is compiled: only the analysis evaluates it, and it refuses a
                // catalogue without rules (`fmt` and `validate` save about 4 M instructions).
                return Catalogue(vocabulary: vocabulary, maturity: maturity,
                                 controls: Dictionary(maturity.controls.map { ($0.id, CompiledControl(control: $0, evidence: [:])) },
                                                      uniquingKeysWith: { first, _ in first }),
                                 rules: [], includesRules: false)
            }
            let loader = RuleLoader(vocabulary: vocabulary, maturity: maturity)
            let (controls, controlProblems) = loader.compileControls(file: nil)
            guard controlProblems.isEmpty else { return nil }
            var read: [(Rule, String)] = []
            for _ in 0..<(try r.int()) { read.append(try r.rule(files: ruleFiles)) }
            // Compiling the conditions is most of what is left (about 130 rules): on every core, as the YAML
            // loader does per file.
            let compiled = read.parallelMap { read in
                loader.conditions(read.1, appliesTo: read.0.appliesTo).map { read.0.with(conditions: $0) }
            }
            guard compiled.allSatisfy({ $0 != nil }) else { return nil }
            return Catalogue(vocabulary: vocabulary, maturity: maturity, controls: controls, rules: compiled.map { $0! })
        } catch {
            return nil
        }
    }

    struct Malformed: Error {}

    struct Reader {
        let bytes: [UInt8]
        var position = 0

        /// Digits up to the newline.
        mutating func int() throws -> Int {
            var value = 0, negative = false, digits = 0
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
            while position < bytes.count, bytes[position] != 0x0A {
                let d = Int(bytes[position]) - 48
                guard (0...9).contains(d), digits < 18 else { throw Malformed() }
                value = value * 10 + d
                digits += 1
                position += 1
            }
            guard digits > 0, position < bytes.count else { throw Malformed() }
            position += 1
            return negative ? -value : value
        }

        mutating func line() throws -> String {
            guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw Malformed() }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        mutating func string() throws -> String {
            var length = 0, digits = 0
            while position < bytes.count, bytes[position] != UInt8(ascii: ":") {
                let d = Int(bytes[position]) - 48
                guard (0...9).contains(d), digits < 10 else { throw Malformed() }
                length = length * 10 + d
                digits += 1
                position += 1
            }
            let start = position + 1, end = start + length
            guard digits > 0, end < bytes.count, bytes[end] == 0x0A else { throw Malformed() }
            position = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        mutating func bool() throws -> Bool { try int() != 0 }
        mutating func double() throws -> Double {
            guard let v = Double(try string()) else { throw Malformed() }
            return v
        }
        mutating func strings() throws -> [String] { try (0..<int()).map { _ in try string() } }
        mutating func ints() throws -> [Int] { try (0..<int()).map { _ in try int() } }
        mutating func optional<T>(_ read: (inout Reader) throws -> T) throws -> T? {
            switch try int() {
            case 0: return nil
            case 1: return try read(&self)
            default: throw Malformed()
            }
        }
        mutating func map() throws -> [String: String] {
            var d: [String: String] = [:]
            for _ in 0..<(try int()) { d[try string()] = try string() }
            return d
        }
        mutating func value<T: RawRepresentable>(_: T.Type) throws -> T where T.RawValue == String {
            guard let v = T(rawValue: try string()) else { throw Malformed() }
            return v
        }
        mutating func location() throws -> SourceLocation { SourceLocation(line: try int(), column: try int()) }

        mutating func vocabulary() throws -> Vocabulary {
            let attributes = try (0..<int()).map { _ in
                AttributeSpec(name: try string(), type: try value(AttributeType.self),
                              on: try (0..<int()).map { _ in try value(ElementKind.self) },
                              values: try optional { try $0.strings() }, ordered: try optional { try $0.bool() },
                              default: try optional { try $0.string() }, min: try optional { try $0.double() },
                              max: try optional { try $0.double() }, target: try optional { try $0.value(ReferenceTarget.self) },
                              doc: try optional { try $0.string() }, aliases: try optional { try $0.map() },
                              colours: try optional { try $0.map() }, inherit: try optional { try $0.bool() })
            }
            let groups = try (0..<int()).map { _ in
                ValueGroup(name: try string(), attribute: try string(), values: Set(try strings()),
                           doc: try optional { try $0.string() })
            }
            return Vocabulary(attributes: attributes, groups: groups)
        }

        mutating func maturity() throws -> MaturityModel {
            let levels = try (0..<int()).map { _ in
                MaturityLevel(level: try int(), name: try string(), tagline: try string(), summary: try string(),
                              characteristics: try strings(),
                              practices: try (0..<int()).map { _ in Practice(id: try string(), title: try string()) })
            }
            let controls = try (0..<int()).map { _ in
                Control(id: try string(), level: try int(), title: try string(), evidence: try optional { try $0.map() },
                        practice: try optional { try $0.string() }, provider: try bool())
            }
            return MaturityModel(levels: levels, controls: controls)
        }

        mutating func range(files: [SourceFile]) throws -> SourceRange? {
            try optional { r in
                let i = try r.int()
                guard files.indices.contains(i) else { throw Malformed() }
                return SourceRange(file: files[i], start: try r.location(), end: try r.location())
            }
        }

        mutating func examples(files: [SourceFile]) throws -> [RuleExample] {
            try (0..<int()).map { _ in
                RuleExample(model: try string(), expect: try optional { try $0.strings() }, range: try range(files: files))
            }
        }

        /// A rule without its compiled conditions, and the condition text to compile.
        mutating func rule(files: [SourceFile]) throws -> (Rule, String) {
            let id = try string(), title = try string(), description = try string()
            let stride = try (0..<int()).map { _ in try value(Stride.self) }
            let appliesTo = try (0..<int()).map { _ in try value(ElementKind.self) }
            let when = try string(), source = try string()
            let likelihood = try int(), impact = try int(), cwe = try ints(), capec = try ints()
            let falsePositive = try string()
            let mitigations = try (0..<int()).map { _ in Mitigation(control: try string(), text: try string()) }
            let triggering = try examples(files: files), nonTriggering = try examples(files: files)
            let range = try range(files: files)
            let origin = try value(Rule.Origin.self)
            let advice = try optional { try $0.string() }
            let runsOn = try value(Rule.RunsOn.self)
            let supersedes = try strings()
            return (Rule(id: id, title: title, description: description, stride: stride, appliesTo: appliesTo, when: when,
                         likelihood: likelihood, impact: impact, cwe: cwe, capec: capec, falsePositive: falsePositive,
                         mitigations: mitigations, triggeringExamples: triggering, nonTriggeringExamples: nonTriggering,
                         range: range, conditions: [:], origin: origin, advice: advice, runsOn: runsOn, supersedes: supersedes),
                    source)
        }
    }
}

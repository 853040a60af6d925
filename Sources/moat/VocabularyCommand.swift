import ArgumentParser
import MoatCommandSupport
import MoatCore

/// `moat vocabulary [ATTRIBUTE]`: the attributes a model may write, from the loaded catalogue.
struct VocabularyCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "vocabulary",
        abstract: "List the attributes a model can write, or show one with its values.",
        discussion: """
            Without ATTRIBUTE, one line per attribute: its name, type, the kinds of element it \
            applies to and what it means. With ATTRIBUTE, all of it: the values of an enum, its \
            default, the value groups rules use ('type in [client]'), other spellings it accepts, \
            and the range of a number. --models DIR shows a vocabulary of your own.

            Example:
              moat vocabulary
              moat vocabulary protocol
              moat vocabulary --format json
            """
    )

    @Argument(help: ArgumentHelp("An attribute to show in full.", valueName: "ATTRIBUTE"), completion: Completions.attributeNames)
    var attribute: String?

    @Option(help: "Output format: table or json.")
    var format: Format = .table

    @OptionGroup var catalogueOptions: CatalogueOptions

    @OptionGroup var terminal: TerminalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    func run() throws {
        let vocabulary = try catalogueOptions.load(rules: false).vocabulary
        if let attribute {
            guard let spec = vocabulary.spec(attribute) else {
                throw CommandError.unknown("attribute", attribute, among: vocabulary.attributes.map(\.name),
                                           notes: ["'moat vocabulary' lists them"])
            }
            switch format {
            case .json: Console.out(Self.json(spec, vocabulary).serialized() + "\n")
            case .table: Console.out(TerminalText.sanitize(Self.detail(spec, vocabulary), keeping: ["\n"]))
            }
            return
        }
        switch format {
        case .json:
            Console.out(JSONValue.array(vocabulary.attributes.map { Self.json($0, vocabulary) }).serialized() + "\n")
        case .table:
            var out = ""
            let nameWidth = vocabulary.attributes.map(\.name.count).max() ?? 0
            let kindsWidth = vocabulary.attributes.map { Self.kinds($0).count }.max() ?? 0
            for spec in vocabulary.attributes {
                let line = Self.pad(spec.name, nameWidth) + "  " + Self.pad(spec.type.rawValue, 6) + "  "
                    + Self.pad(Self.kinds(spec), kindsWidth) + "  " + (spec.doc.map(Self.firstSentence) ?? "")
                out += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
            }
            out += "\n\(vocabulary.attributes.count) attributes; 'moat vocabulary ATTRIBUTE' shows one with its values\n"
            Console.out(TerminalText.sanitize(out, keeping: ["\n"]))
        }
    }

    /// `text` padded with spaces to `width` characters (never cut).
    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// Where an attribute applies: `actor, process, datastore`, or `everywhere` for every kind.
    static func kinds(_ spec: AttributeSpec) -> String {
        Set(spec.on) == Set(ElementKind.allCases) ? "everywhere" : spec.on.map(\.rawValue).joined(separator: ", ")
    }

    /// The doc's first sentence, on one line, for the list.
    static func firstSentence(_ doc: String) -> String {
        let line = doc.split(whereSeparator: \.isNewline).joined(separator: " ")
        if let end = line.range(of: ". ") { return String(line[..<end.lowerBound]) + "." }
        return line
    }

    /// The values of a group in the attribute's order.
    static func values(of group: ValueGroup, _ spec: AttributeSpec) -> [String] {
        (spec.values ?? []).filter(group.values.contains) + group.values.subtracting(spec.values ?? []).sorted()
    }

    static func detail(_ spec: AttributeSpec, _ vocabulary: Vocabulary) -> String {
        var out = "\(spec.name) (\(spec.type.rawValue))\n"
        func field(_ label: String, _ value: String) {
            out += "  " + pad(label + ":", 10) + value + "\n"
        }
        field("on", list(spec.on.map(\.rawValue), indent: 12))
        switch spec.type {
        case .flag: field("values", "present or absent (or true, false)")
        case .string: field("values", "a quoted string")
        case .date: field("values", "a date, YYYY-MM-DD")
        case .number:
            let bounds = [spec.min.map { "at least \(NumberText.format($0))" }, spec.max.map { "at most \(NumberText.format($0))" }]
                .compactMap { $0 }
            field("values", "a number" + (bounds.isEmpty ? "" : ", " + bounds.joined(separator: " and ")))
        case .refs:
            let target = spec.target == .practice ? "practices of the maturity model"
                : spec.target == .control ? "controls of the maturity model" : "data assets of the model"
            field("values", "a comma-separated list of ids of \(target)")
        case .numbers:
            field("values", "a comma-separated list of whole numbers")
        case .words:
            field("values", (spec.values ?? []).isEmpty ? "words a project file declares (moat.yaml)" : list(spec.values ?? [], indent: 12))
        case .enum:
            field("values", list(spec.values ?? [], indent: 12))
            if spec.ordered == true { field("ordered", "yes: rules may compare with < <= > >=, in the order above") }
        }
        if let value = spec.default { field("default", value) }
        let groups = vocabulary.groups(of: spec.name)
        if !groups.isEmpty {
            out += "  groups:\n"
            for group in groups {
                out += "    \(group.name): " + list(values(of: group, spec), indent: 6 + group.name.count) + "\n"
                if let doc = group.doc { out += "      " + wrap(doc, indent: 6) + "\n" }
            }
        }
        if let aliases = spec.aliases, !aliases.isEmpty {
            field("aliases", list(aliases.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }, indent: 12))
        }
        if let colours = spec.colours, !colours.isEmpty {
            field("colours", list((spec.values ?? []).compactMap { v in colours[v].map { "\(v) \($0)" } }, indent: 12))
        }
        if let doc = spec.doc { out += "\n  " + wrap(doc, indent: 2) + "\n" }
        return out
    }

    /// Items joined with commas, wrapped at 100 columns between items, continuation lines indented by `indent`.
    static func list(_ items: [String], indent: Int) -> String {
        var lines: [String] = []
        var line = ""
        for (i, item) in items.enumerated() {
            let piece = item + (i < items.count - 1 ? "," : "")
            if !line.isEmpty && indent + line.count + 1 + piece.count > 100 {
                lines.append(line)
                line = piece
            } else {
                line += (line.isEmpty ? "" : " ") + piece
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }

    /// Words wrapped at 100 columns, continuation lines indented by `indent`.
    static func wrap(_ text: String, indent: Int) -> String {
        let words = text.split(whereSeparator: { $0 == " " || $0.isNewline })
        var lines: [String] = []
        var line = ""
        for word in words {
            if !line.isEmpty && indent + line.count + 1 + word.count > 100 {
                lines.append(line)
                line = String(word)
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }

    static func json(_ spec: AttributeSpec, _ vocabulary: Vocabulary) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("name", .string(spec.name)), ("type", .string(spec.type.rawValue)),
            ("on", .array(spec.on.map { .string($0.rawValue) })),
        ]
        if let values = spec.values { pairs.append(("values", .array(values.map(JSONValue.string)))) }
        if let ordered = spec.ordered { pairs.append(("ordered", .bool(ordered))) }
        if let value = spec.default { pairs.append(("default", .string(value))) }
        if let min = spec.min { pairs.append(("min", .number(min))) }
        if let max = spec.max { pairs.append(("max", .number(max))) }
        if let target = spec.target { pairs.append(("target", .string(target.rawValue))) }
        pairs.append(("groups", .array(vocabulary.groups(of: spec.name).map { group in
            .object([("name", .string(group.name)), ("values", .array(values(of: group, spec).map(JSONValue.string))),
                     ("doc", group.doc.map(JSONValue.string) ?? .null)])
        })))
        pairs.append(("aliases", .object((spec.aliases ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        if let colours = spec.colours {
            pairs.append(("colours", .object(colours.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        pairs.append(("doc", spec.doc.map(JSONValue.string) ?? .null))
        return .object(pairs)
    }
}

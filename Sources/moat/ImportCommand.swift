import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore
import MoatInterop

/// `moat import FILE [--from FORMAT] [-o OUT.moat]`: another tool's model as canonical Moat text.
struct ImportCommand: ParsableCommand, ColourOutput {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a Threagile, OWASP Threat Dragon, TM-BOM or Open Threat Model file to a Moat model.",
        discussion: """
            The format is detected from the content (Threagile: technical_assets; \
            Threat Dragon: summary and detail.diagrams; TM-BOM: scope and \
            data_flows; OTM: otmVersion) unless --from names it. The model is \
            written in canonical 'moat fmt' layout; threats recorded in the source \
            become written threats, with their status as tracking statements. \
            Trust levels the source does not give are inferred from names and from \
            where the external actors are, each with a comment saying why; \
            --trust ZONE=LEVEL (repeatable; ZONE is a boundary's id or name) \
            sets them instead. \
            Whatever has no Moat equivalent is reported as a warning with its line \
            in the source file. The result is loaded as a check before it is \
            written; an existing output file is never overwritten without --force. \
            Exits 2 when the file cannot be read as the format.

            'moat analyze', 'diagram' and 'validate' also read these files directly.

            Example:
              moat import threagile.yaml -o shop.moat
              moat import model.json --from threat-dragon
              moat import dragon.json --trust "Zone 1=dmz" --trust internet=untrusted
            """
    )

    @Argument(help: ArgumentHelp("The model to import (.yaml, .yml or .json; '-' for standard input).", valueName: "FILE"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var file: String

    @Option(help: ArgumentHelp("The source format: threagile, threat-dragon, tm-bom or otm (detected when omitted).", valueName: "FORMAT"))
    var from: ForeignFormat?

    @Option(name: .customLong("trust"), help: ArgumentHelp("Set a zone's trust level: a boundary's id or name, '=', and untrusted, partner, dmz, internal or restricted (repeatable).", valueName: "ZONE=LEVEL"))
    var trust: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the Moat model here instead of standard output.", valueName: "OUT"))
    var output: String?

    @Flag(help: "Overwrite the output file if it exists.")
    var force = false

    @OptionGroup var catalogueOptions: CatalogueOptions

    @Option(name: .customLong("stdin-format"),
            help: ArgumentHelp("The notation of a file read from standard input ('-' as FILE): yaml or json.", valueName: "NOTATION"))
    var stdinFormat: Document.Notation = .json

    @OptionGroup var terminal: TerminalOptions

    func validate() throws {
        if file == "-" && stdinFormat == .moat { throw ValidationError("import reads YAML or JSON; --stdin-format is yaml or json") }
        if let output, output != "-", FileManager.default.fileExists(atPath: output), !force {
            throw ValidationError("'\(output)' already exists; use --force to overwrite it")
        }
        for choice in trust where choice.split(separator: "=", omittingEmptySubsequences: false).count != 2
            || choice.hasPrefix("=") || choice.hasSuffix("=") {
            throw ValidationError("--trust takes ZONE=LEVEL, e.g. --trust internet=untrusted; not '\(choice)'")
        }
    }

    /// The --trust choices, checked against the vocabulary's trust levels.
    func trustChoices(_ vocabulary: Vocabulary) throws -> [String: String] {
        var choices: [String: String] = [:]
        let levels = vocabulary.spec(.trust).values ?? []
        for choice in trust {
            let parts = choice.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard let level = vocabulary.canonicalValue(parts[1], of: "trust") else {
                throw ValidationError("--trust \(choice): '\(parts[1])' is not a trust level; use one of \(levels.joined(separator: ", "))")
            }
            choices[parts[0]] = level
        }
        return choices
    }

    func run() throws {
        let catalogue = try catalogueOptions.load(rules: false)
        let source: SourceFile
        switch ModelInput(stdinNotation: stdinFormat).file(file) {
        case .failure(let d): throw CommandError.invalid([d])
        case .success(let f): source = f
        }
        let options = ImportOptions(trust: try trustChoices(catalogue.vocabulary))
        let imported = Interop.importDocument(source, as: from, vocabulary: catalogue.vocabulary, options: options)
        if imported.hasErrors {
            // Markup or a file of no known format: one error, not one per key.
            if from == nil {
                let screened = NotAModel.screen((imported.document, imported.diagnostics))
                if screened.1.diagnostics.count == 1, screened.1.diagnostics[0].id == .notAModel {
                    throw CommandError.invalid(screened.1.diagnostics)
                }
            }
            throw CommandError.invalid(imported.diagnostics.sorted)
        }
        Console.report(imported.diagnostics.sorted)

        let text = MoatFormatter(vocabulary: catalogue.vocabulary).format(imported.document)
        // The written model must load: a safety net against mappings the vocabulary does not accept.
        let target = output.flatMap { $0 == "-" ? nil : $0 } ?? "<imported>.moat"
        let check = ModelLoader(catalogue: catalogue).load(text: text, path: target)
        if check.hasErrors {
            throw CommandError("the imported model does not load; nothing was written",
                               diagnostics: check.diagnostics.filter { $0.severity == .error })
        }
        guard let output, output != "-" else { return Console.out(text) }
        try Console.write(text, to: output)
        if let model = check.model {
            let warnings = imported.diagnostics.diagnostics.filter { $0.severity == .warning }.count
            Console.out("wrote \(output): \(model.elements.count) elements, \(model.flows.count) flows, "
                        + "\(model.boundaries.count) boundaries, \(model.data.count) data assets"
                        + (warnings > 0 ? "; \(warnings) warning\(warnings == 1 ? "" : "s") about what was not mapped" : "") + "\n")
        }
    }
}

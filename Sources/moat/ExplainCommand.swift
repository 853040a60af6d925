import ArgumentParser
import MoatCommandSupport
import MoatCore
import MoatReports

/// `moat explain FINDING-ID FILE`: why a rule fired and how its severity was computed.
struct ExplainCommand: ParsableCommand, ColourOutput, RunsRules {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show why a rule fired on an element and how its severity was computed.",
        discussion: """
            Prints the rule's condition with the value of each sub-term, the mitigating controls found \
            or missing, the status decision and the likelihood × impact computation. For a rule that did \
            not fire, shows which part of the condition was false.

            A finding on a flow is rule@flow-id; a flow without an id of its own is a->b (a<->b both \
            ways), also written a→b (a↔b), the form 'moat analyze' prints, which needs no quotes in a \
            shell: moat explain tampering-in-transit@app→db shop.moat

            Example:
              moat explain missing-authentication-entry-point@web Samples/online-shop.moat
            """
    )

    @Argument(help: ArgumentHelp("A finding id, rule-id@element-id (rule@a->b or rule@a→b for a flow).", valueName: "FINDING-ID"),
              completion: Completions.findingIDs)
    var findingID: String

    @Argument(help: ArgumentHelp("The model ('-' for standard input).", valueName: "FILE"), completion: Completions.modelFile)
    var file: String

    @OptionGroup var analysisArguments: AnalysisArguments

    @OptionGroup var input: ModelInputOptions

    @OptionGroup var terminal: TerminalOptions

    func run() throws {
        let (analysis, catalogue) = try analysisArguments.analyze(file, input: input.reader)
        let id = TerminalText.canonicalID(findingID)
        var text: String
        do {
            text = ExplanationTextWriter().write(try Explainer(catalogue: catalogue).explain(id, in: analysis))
        } catch let error as Explainer.NotFound {
            throw CommandError.invalidInput(error.description)
        }
        // The id as the table prints it, and rule and model text with no control characters.
        if text.hasPrefix(id + " ") { text = TerminalText.pasteableID(id) + text.dropFirst(id.count) }
        Console.out(TerminalText.sanitize(text, keeping: ["\n"]))
    }
}

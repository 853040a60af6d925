import ArgumentParser
import MoatCommandSupport
import MoatCore
import MoatReports

/// `moat explain FINDING-ID FILE`: why a rule fired and how its severity was computed.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show why a rule fired on an element and how its severity was computed.",
        discussion: """
            Prints the rule's condition with the value of each sub-term, the mitigating controls found
            or missing, the status decision and the likelihood × impact computation. For a rule that did
            not fire, shows which part of the condition was false.

            Example:
              moat explain missing-authentication-entry-point@web Samples/online-shop.moat
            """
    )

    @Argument(help: ArgumentHelp("A finding id, rule-id@element-id.", valueName: "FINDING-ID"))
    var findingID: String

    @Argument(help: ArgumentHelp("The model.", valueName: "FILE"))
    var file: String

    @OptionGroup var analysisArguments: AnalysisArguments

    func run() throws {
        let (analysis, catalogue) = try analysisArguments.analyze(file)
        do {
            Console.out(ExplanationTextWriter().write(try Explainer(catalogue: catalogue).explain(findingID, in: analysis)))
        } catch let error as Explainer.NotFound {
            Console.err("moat: error: \(error.description)\n")
            throw ExitStatus.invalidInput.exitCode
        }
    }
}

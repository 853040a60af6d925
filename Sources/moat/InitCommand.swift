import ArgumentParser
import MoatCommandSupport
import Foundation
import MoatCore

/// `moat init [NAME]`: writes a commented starter model.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented starter model to NAME.moat.",
        discussion: """
            Never overwrites an existing file. '-o -' prints the model instead. The attributes a \
            model can use are listed by 'moat vocabulary'.

            Example:
              moat init shop      # writes shop.moat
            """
    )

    @Argument(help: ArgumentHelp("The model's name; the file is NAME.moat ('-': standard output).", valueName: "NAME"))
    var name: String = "model"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this path instead of NAME.moat.", valueName: "OUT"))
    var output: String?

    func run() throws {
        let path = output ?? (name == "-" ? "-" : name.hasSuffix(".moat") ? name : name + ".moat")
        let title = name == "-" ? "model" : ((name as NSString).lastPathComponent as NSString).deletingPathExtension
        if path == "-" { return Console.out(StarterModel.text(name: title)) }
        if FileManager.default.fileExists(atPath: path) {
            throw CommandError.invalidInput("'\(path)' already exists; it was left unchanged")
        }
        try Console.write(StarterModel.text(name: title), to: path)
        Console.out("wrote \(path); next: moat validate \(path)\n")
    }
}

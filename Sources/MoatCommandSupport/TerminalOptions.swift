import ArgumentParser

/// `--color auto|always|never`, on every command that prints diagnostics or severities.
public struct TerminalOptions: ParsableArguments {
    /// `--color`: whether to colour output; `auto` by default.
    @Option(name: .customLong("color"),
            help: ArgumentHelp("Colour severities and error labels: auto (on a terminal, unless NO_COLOR is set), always or never.",
                               valueName: "WHEN"))
    var colour: ColourChoice = .auto

    public init() {}
}

/// A command with `--color`: `CommandRunner` applies the choice before the command runs.
public protocol ColourOutput {
    var terminal: TerminalOptions { get }
}

extension ColourChoice: ExpressibleByArgument {}

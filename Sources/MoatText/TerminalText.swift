/// Text on its way to a terminal: what may not reach it (control characters), the colours Moat uses,
/// and finding ids in the form that pastes into a shell without quotes.
///
/// Every terminal output sanitises user text here: the table writer (and the diff text writer through it),
/// the diagnostic renderer, and the CLI's rule, vocabulary and explain output.
public enum TerminalText {
    /// Whether a scalar could drive a terminal: the C0 controls (ESC, BEL, CR, backspace, …), DEL and
    /// the C1 controls U+0080–U+009F (a lone U+009B is a CSI on some terminals).
    @inlinable
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// `text` with every control character replaced by `replacement`, except those in `keeping`
    /// (a tab in a source line, the line feeds of a multi-line description).
    public static func sanitize(_ text: String, replacement: Unicode.Scalar = " ",
                                keeping: Set<Unicode.Scalar> = []) -> String {
        // Most text has no control character at all: check the bytes before building anything.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        var scalars = String.UnicodeScalarView()
        var changed = false
        for scalar in text.unicodeScalars {
            if isControl(scalar) && !keeping.contains(scalar) {
                scalars.append(replacement)
                changed = true
            } else {
                scalars.append(scalar)
            }
        }
        return changed ? String(scalars) : text
    }

    // MARK: - Colour

    /// What a piece of terminal output is, for its colour.
    public enum Style: Sendable {
        /// A diagnostic's `error:` label: bold red.
        case error
        /// A diagnostic's `warning:` label: bold magenta.
        case warning
        /// A diagnostic's `note:` label, and a unified diff's `@@` hunk headers: bold cyan.
        case note
        /// The `CRIT` label of a critical finding in `moat analyze`'s table: bold red.
        case critical
        /// The `HIGH` label of a high-severity finding: red.
        case high
        /// The `MED` label of a medium-severity finding: yellow.
        case medium
        /// The `LOW` label of a low-severity finding: cyan.
        case low
        /// A removed (`-`) line of a unified diff: red.
        case removed
        /// An added (`+`) line of a unified diff: green.
        case added
        /// Emphasis without colour: a unified diff's `---`/`+++` file headers.
        case bold

        /// The SGR parameters of the style.
        var code: String {
            switch self {
            case .error, .critical: return "1;31"
            case .warning: return "1;35"
            case .note: return "1;36"
            case .high: return "31"
            case .medium: return "33"
            case .low: return "36"
            case .removed: return "31"
            case .added: return "32"
            case .bold: return "1"
            }
        }
    }

    /// `text` in `style` when `enabled`, as an SGR sequence and a reset; `text` itself otherwise.
    public static func paint(_ text: String, _ style: Style, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(style.code)m\(text)\u{1B}[0m" : text
    }

    // MARK: - Finding ids

    /// A finding or element id as printed for people: the arrows of implicit flow ids (`a->b`, `a<->b`)
    /// become `a→b` and `a↔b`, which a shell takes as part of a word, so `rule@a→b` pastes into a command
    /// without quotes (`>` and `<` are redirections). Ids can hold no other character a shell treats
    /// specially: they are letters, digits, `_`, `-` and `.`.
    public static func pasteableID(_ id: String) -> String {
        guard id.utf8.contains(UInt8(ascii: ">")) else { return id }
        return replace(replace(id, "<->", "↔"), "->", "→")
    }

    /// The id as the model and the JSON outputs spell it: `→` and `↔` back to `->` and `<->`.
    public static func canonicalID(_ id: String) -> String {
        guard id.unicodeScalars.contains(where: { $0 == "→" || $0 == "↔" }) else { return id }
        return replace(replace(id, "↔", "<->"), "→", "->")
    }

    /// `text` with every `target` replaced (MoatText does without Foundation).
    private static func replace(_ text: String, _ target: String, _ replacement: String) -> String {
        text.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

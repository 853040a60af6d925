import MoatText

/// How serious a diagnostic is.
public enum DiagnosticSeverity: String, Sendable, Codable {
    /// The input is wrong: the model cannot be used, and the command fails.
    case error
    /// Probably a mistake, but the model is still usable (an element without flows, an unused data asset).
    case warning
    /// Information only; nothing needs fixing.
    case note
}

/// The stable identifier of a kind of problem (`unknown-attribute`), for tests, tools and editors.
///
/// Each stage declares its ids in one place, as static members (`DiagnosticID.unknownAttribute`): a
/// diagnostic can only be made with a declared id.
public struct DiagnosticID: Hashable, Sendable, CustomStringConvertible {
    /// The id as printed and written to JSON (kebab-case).
    public let rawValue: String

    /// Declares an id; used only where a stage lists its ids.
    public init(declared rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}

/// A note under a diagnostic: more explanation, or another place in the source (`first declared here`).
public struct DiagnosticNote: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The note's text, printed after `note:`.
    public var message: String
    /// The place the note is about, when it has one; printed with its own line and caret.
    public var range: SourceRange?

    /// A note with `message`, about the place `range` when given.
    public init(_ message: String, at range: SourceRange? = nil) {
        self.message = message
        self.range = range
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(stringInterpolation: DefaultStringInterpolation) { self.init(String(stringInterpolation: stringInterpolation)) }

    public var description: String { message }
}

/// One message about the input: a plain value with a stable id and a source range.
public struct Diagnostic: Error, Sendable, Hashable {
    /// Stable identifier of the kind of problem (e.g. `unknown-attribute`), for tests and tools.
    public var id: DiagnosticID
    /// Whether the diagnostic is an error (the input cannot be used), a warning or a note.
    public var severity: DiagnosticSeverity
    /// Lowercase message that quotes the offending text.
    public var message: String
    /// Where; nil for problems not tied to a file position.
    public var range: SourceRange?
    /// Extra notes printed after the snippet.
    public var notes: [DiagnosticNote]
    /// Whether the source line may be quoted under the message. Off for files that are not text (binary,
    /// not UTF-8): their "line" may be anything, such as a whole environment block full of secrets.
    public var quotesSource = true

    /// A diagnostic of kind `id` with `message` at `range` (nil when not tied to a file position).
    public init(_ severity: DiagnosticSeverity, _ id: DiagnosticID, _ message: String,
                at range: SourceRange?, notes: [DiagnosticNote] = []) {
        self.id = id
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
    }

    /// An error diagnostic: the input cannot be used as it is.
    public static func error(_ id: DiagnosticID, _ message: String, at range: SourceRange?,
                             notes: [DiagnosticNote] = []) -> Diagnostic {
        Diagnostic(.error, id, message, at: range, notes: notes)
    }

    /// A warning diagnostic: the input is usable but probably not what was meant.
    public static func warning(_ id: DiagnosticID, _ message: String, at range: SourceRange?,
                               notes: [DiagnosticNote] = []) -> Diagnostic {
        Diagnostic(.warning, id, message, at: range, notes: notes)
    }
}

/// Collects diagnostics, stopping errors from flooding past a limit.
public struct DiagnosticBag: Sendable {
    /// Errors beyond this many are counted but not kept.
    public static let errorLimit = 100

    /// The diagnostics kept, in the order they were added: every warning and note, and the first
    /// `errorLimit` errors. `sorted` gives them in printing order with a summary of the dropped errors.
    public private(set) var diagnostics: [Diagnostic] = []
    /// Every error added, including those dropped past `errorLimit`.
    public private(set) var errorCount = 0
    /// The errors added after `errorLimit` was reached, counted but not kept.
    public private(set) var droppedErrors = 0
    /// True when a reader stopped before the end of its input because of the error cap.
    public private(set) var stoppedEarly = false

    /// An empty bag.
    public init() {}

    /// Whether any error was added (kept or dropped): the input cannot be used.
    public var hasErrors: Bool { errorCount > 0 }
    /// Whether the error cap is reached; readers check it to stop early instead of reporting errors that
    /// would be dropped.
    public var isFull: Bool { errorCount >= Self.errorLimit }

    /// Adds a diagnostic; an error past `errorLimit` is only counted in `droppedErrors`.
    public mutating func append(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error {
            errorCount += 1
            if errorCount > Self.errorLimit { droppedErrors += 1; return }
        }
        diagnostics.append(diagnostic)
    }

    /// Adds each diagnostic in order, as `append(_:)` does.
    public mutating func append(contentsOf other: [Diagnostic]) {
        for d in other { append(d) }
    }

    /// Adds another bag's diagnostics and its counts of errors not kept.
    public mutating func merge(_ other: DiagnosticBag) {
        append(contentsOf: other.diagnostics)
        errorCount += other.droppedErrors
        droppedErrors += other.droppedErrors
        stoppedEarly = stoppedEarly || other.stoppedEarly
    }

    /// Records that reading stopped at the error cap.
    public mutating func stopEarly() { stoppedEarly = true }

    /// Adds an error diagnostic (see `Diagnostic.error`).
    public mutating func error(_ id: DiagnosticID, _ message: String, at range: SourceRange?, notes: [DiagnosticNote] = []) {
        append(.error(id, message, at: range, notes: notes))
    }

    /// Adds a warning diagnostic (see `Diagnostic.warning`).
    public mutating func warning(_ id: DiagnosticID, _ message: String, at range: SourceRange?, notes: [DiagnosticNote] = []) {
        append(.warning(id, message, at: range, notes: notes))
    }

    /// Diagnostics sorted by file, position, then severity: a stable order for printing.
    public var sorted: [Diagnostic] {
        var all = diagnostics
        if droppedErrors > 0 {
            all.append(.error(.tooManyErrors, "too many errors; \(droppedErrors) more not shown"
                              + (stoppedEarly ? " and the rest of the file was not read" : ""), at: nil))
        } else if stoppedEarly {
            all.append(.error(.tooManyErrors, "too many errors; stopped reading after the first \(Self.errorLimit)", at: nil))
        }
        return all.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            let kx = (x.range?.file.path ?? "\u{10FFFF}", x.range?.start.line ?? Int.max, x.range?.start.column ?? 0)
            let ky = (y.range?.file.path ?? "\u{10FFFF}", y.range?.start.line ?? Int.max, y.range?.start.column ?? 0)
            if kx != ky { return kx < ky }
            return a.offset < b.offset
        }.map(\.element)
    }
}

import MoatSource
import MoatText

/// The kinds of thing a model declares; the vocabulary says on which kinds an attribute may appear.
public enum ElementKind: String, Sendable, CaseIterable, Codable, Hashable {
    case model, actor, process, datastore, flow, boundary, data
    /// A threat a person wrote down (`threat id "Title" on element { … }`).
    case threat

    /// Kinds that are nodes of the graph.
    public var isNode: Bool { self == .actor || self == .process || self == .datastore }

    /// The kind with its article, for messages: "an actor", "the model header".
    public var phrase: String {
        switch self {
        case .model: return "the model header"
        case .actor: return "an actor"
        case .data: return "a data asset"
        case .threat: return "a written threat"
        default: return "a \(rawValue)"
        }
    }
}

/// A value with the source range it came from.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var range: SourceRange

    public init(_ value: Value, _ range: SourceRange) {
        self.value = value
        self.range = range
    }
}

/// Comments attached to a statement: whole-line comments before it and one at the end of its line.
public struct Trivia: Sendable, Hashable {
    public var leading: [String] = []
    public var trailing: String?
    /// True when a blank line precedes the statement in the source (kept by `moat fmt`).
    public var blankLineBefore = false

    public init(leading: [String] = [], trailing: String? = nil, blankLineBefore: Bool = false) {
        self.leading = leading
        self.trailing = trailing
        self.blankLineBefore = blankLineBefore
    }
}

/// One written attribute value.
public struct ValueSyntax: Sendable, Hashable {
    /// How the value was written.
    public enum Form: Sendable, Hashable {
        /// A bare word: identifier, number or date.
        case word
        /// A double-quoted string.
        case string
        /// A YAML or JSON scalar, which may stand for either.
        case scalar
    }
    public var text: String
    public var form: Form

    public init(_ text: String, _ form: Form) {
        self.text = text
        self.form = form
    }
}

/// `name value, value` inside a block.
public struct AttributeSyntax: Sendable, Hashable {
    public var name: Located<String>
    public var values: [Located<ValueSyntax>]
    public var range: SourceRange
    public var trivia = Trivia()

    public init(name: Located<String>, values: [Located<ValueSyntax>], range: SourceRange, trivia: Trivia = Trivia()) {
        self.name = name
        self.values = values
        self.range = range
        self.trivia = trivia
    }
}

/// `model "Name" {…}`, `data id "Name" {…}`, `actor|process|datastore id "Name" {…}`,
/// `threat id "Title" on subject {…}`.
public struct DeclarationSyntax: Sendable, Hashable {
    public var kind: ElementKind
    /// Absent only for the model header.
    public var id: Located<String>?
    public var name: Located<String>?
    /// What a written threat is about: an element, a flow (`a -> b` or its id) or a boundary.
    public var subject: Located<String>?
    public var attributes: [AttributeSyntax]
    /// Comments just before the closing brace.
    public var closingComments: [String] = []
    public var range: SourceRange
    public var trivia = Trivia()

    public init(kind: ElementKind, id: Located<String>?, name: Located<String>?, subject: Located<String>? = nil,
                attributes: [AttributeSyntax], closingComments: [String] = [], range: SourceRange, trivia: Trivia = Trivia()) {
        self.kind = kind
        self.id = id
        self.name = name
        self.subject = subject
        self.attributes = attributes
        self.closingComments = closingComments
        self.range = range
        self.trivia = trivia
    }
}

/// `boundary id "Name" { attributes, elements, boundaries, flows }`.
public struct BoundarySyntax: Sendable, Hashable {
    public var id: Located<String>
    public var name: Located<String>?
    public var items: [Statement]
    public var closingComments: [String] = []
    public var range: SourceRange
    public var trivia = Trivia()

    public init(id: Located<String>, name: Located<String>?, items: [Statement], closingComments: [String] = [],
                range: SourceRange, trivia: Trivia = Trivia()) {
        self.id = id
        self.name = name
        self.items = items
        self.closingComments = closingComments
        self.range = range
        self.trivia = trivia
    }
}

/// `[id:] source -> target "Name" {…}` or with `<->`.
public struct FlowSyntax: Sendable, Hashable {
    public var id: Located<String>?
    public var source: Located<String>
    public var target: Located<String>
    public var twoWay: Bool
    public var name: Located<String>?
    public var attributes: [AttributeSyntax]
    public var closingComments: [String] = []
    public var range: SourceRange
    public var trivia = Trivia()

    public init(id: Located<String>?, source: Located<String>, target: Located<String>, twoWay: Bool,
                name: Located<String>?, attributes: [AttributeSyntax], closingComments: [String] = [],
                range: SourceRange, trivia: Trivia = Trivia()) {
        self.id = id
        self.source = source
        self.target = target
        self.twoWay = twoWay
        self.name = name
        self.attributes = attributes
        self.closingComments = closingComments
        self.range = range
        self.trivia = trivia
    }
}

/// The decision a tracking statement records about matching findings.
public enum TrackingStatus: String, Sendable, CaseIterable, Codable, Hashable {
    case accept, mitigated
    case falsePositive = "false-positive"
    case notApplicable = "not-applicable"
}

/// `accept rule@element "justification" owner "x" until 2027-01-01`.
public struct TrackingSyntax: Sendable, Hashable {
    public var status: Located<TrackingStatus>
    /// A finding id pattern, `*` matching any run of characters.
    public var pattern: Located<String>
    public var justification: Located<String>
    public var owner: Located<String>?
    public var until: Located<String>?
    public var range: SourceRange
    public var trivia = Trivia()

    public init(status: Located<TrackingStatus>, pattern: Located<String>, justification: Located<String>,
                owner: Located<String>? = nil, until: Located<String>? = nil, range: SourceRange, trivia: Trivia = Trivia()) {
        self.status = status
        self.pattern = pattern
        self.justification = justification
        self.owner = owner
        self.until = until
        self.range = range
        self.trivia = trivia
    }
}

/// `include "path"`.
public struct IncludeSyntax: Sendable, Hashable {
    public var path: Located<String>
    public var range: SourceRange
    public var trivia = Trivia()

    public init(path: Located<String>, range: SourceRange, trivia: Trivia = Trivia()) {
        self.path = path
        self.range = range
        self.trivia = trivia
    }
}

/// One statement of a file, or an item of a boundary block.
public enum Statement: Sendable, Hashable {
    case declaration(DeclarationSyntax)
    case boundary(BoundarySyntax)
    case flow(FlowSyntax)
    case tracking(TrackingSyntax)
    case include(IncludeSyntax)
    /// Only inside a boundary block.
    case attribute(AttributeSyntax)

    public var range: SourceRange {
        switch self {
        case .declaration(let d): return d.range
        case .boundary(let b): return b.range
        case .flow(let f): return f.range
        case .tracking(let t): return t.range
        case .include(let i): return i.range
        case .attribute(let a): return a.range
        }
    }
}

/// One parsed file: its statements in order and the comments left at its end.
public struct Document: Sendable, Hashable {
    /// The notation the document was read from.
    public enum Notation: String, Sendable, CaseIterable { case moat, yaml, json }

    public var file: SourceFile
    public var notation: Notation
    public var statements: [Statement]
    public var trailingComments: [String] = []

    public init(file: SourceFile, notation: Notation, statements: [Statement], trailingComments: [String] = []) {
        self.file = file
        self.notation = notation
        self.statements = statements
        self.trailingComments = trailingComments
    }
}

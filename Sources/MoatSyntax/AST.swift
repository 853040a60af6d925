import MoatSource
import MoatText

/// The kinds of thing a model declares; the vocabulary says on which kinds an attribute may appear.
public enum ElementKind: String, Sendable, CaseIterable, Codable, Hashable {
    /// The model header (`model "Name" { owner …; maturity … }`): one per model, in the root file.
    case model
    /// An external entity: a person or system outside the owner's control that uses the system
    /// (`actor customer "Customer"`); outside every boundary it counts as untrusted.
    case actor
    /// A running component that handles data: a service, API, job or function (`process api "API"`).
    case process
    /// A place where data rests: a database, bucket, queue or file store (`datastore db "Orders DB"`).
    case datastore
    /// A data flow between two nodes (`web -> db`, `a <-> b`); threats against data in transit apply to it.
    case flow
    /// A trust boundary: a zone of elements with one trust level (`boundary dmz "DMZ" { trust dmz … }`).
    case boundary
    /// A data asset, with its classification and tags (`data card "Card data" { classification secret }`);
    /// elements store and process it and flows carry it.
    case data
    /// A threat a person wrote down (`threat id "Title" on element { … }`).
    case threat

    /// Kinds that are nodes of the graph.
    public var isNode: Bool { self == .actor || self == .process || self == .datastore }

    /// Hashes the case, not its name: `RawRepresentable`'s default hashes the raw string (300 instructions),
    /// and kinds key tables that conditions and the analysis read for every entity.
    public func hash(into hasher: inout Hasher) {
        let ordinal: UInt8 = switch self {
        case .model: 0
        case .actor: 1
        case .process: 2
        case .datastore: 3
        case .flow: 4
        case .boundary: 5
        case .data: 6
        case .threat: 7
        }
        hasher.combine(ordinal)
    }

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
    /// The value as read (an id, a decoded string, a status).
    public var value: Value
    /// The source text the value was read from: for a string, the literal with its quotes.
    public var range: SourceRange

    /// `value`, read from `range`.
    public init(_ value: Value, _ range: SourceRange) {
        self.value = value
        self.range = range
    }
}

// The syntax nodes' stored properties have no default values, and optional ones are declared `Optional<T>`
// (`T?` gives them an implicit nil): their initialisers set them all, and with a default as well a node was
// set up twice and copied whole (a retain of every string and array in it) when a parse function made it.

/// Comments attached to a statement: whole-line comments before it and one at the end of its line.
public struct Trivia: Sendable, Hashable {
    /// The whole-line comments just before the statement, in order, each with its `#` or `//` marker.
    public var leading: [String]
    /// The comment after the statement on its last line, with its marker; nil when there is none.
    public var trailing: Optional<String>
    /// True when a blank line precedes the statement in the source (kept by `moat fmt`).
    public var blankLineBefore: Bool

    /// Trivia with the given comments; no comments and no blank line by default.
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
    /// The value's text: the word as written, or a string's decoded contents without quotes.
    public var text: String
    /// Whether the value was a bare word, a quoted string or a YAML/JSON scalar; the attribute checker uses
    /// it to tell an identifier from free text.
    public var form: Form

    /// A value of `text` written in `form`.
    public init(_ text: String, _ form: Form) {
        self.text = text
        self.form = form
    }
}

/// `name value, value` inside a block.
public struct AttributeSyntax: Sendable, Hashable {
    /// The attribute's name (`protocol`, `encrypted`), as written; checked against the vocabulary later.
    public var name: Located<String>
    /// The values after the name, in order; empty for a flag (`encrypted`).
    public var values: [Located<ValueSyntax>]
    /// The whole attribute, from its name to its last value.
    public var range: SourceRange
    /// The comments around the attribute, kept by `moat fmt`.
    public var trivia: Trivia

    /// An attribute `name` with `values`, read from `range`.
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
    /// What is declared: `.model`, `.data`, `.actor`, `.process`, `.datastore` or `.threat`.
    public var kind: ElementKind
    /// Absent only for the model header.
    public var id: Optional<Located<String>>
    /// The quoted display name after the id (`process web "Web server"`), the model's name or a threat's
    /// title; nil when none was written (the id is then shown).
    public var name: Optional<Located<String>>
    /// What a written threat is about: an element, a flow (`a -> b` or its id) or a boundary.
    public var subject: Optional<Located<String>>
    /// The attributes of the block, in order; empty when there is no block.
    public var attributes: [AttributeSyntax]
    /// Comments just before the closing brace.
    public var closingComments: [String]
    /// The whole declaration, from its keyword to its closing brace (or its last token).
    public var range: SourceRange
    /// The comments around the declaration, kept by `moat fmt`.
    public var trivia: Trivia

    /// A declaration as the parser or a YAML/JSON reader builds it.
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
    /// The boundary's id, unique among boundaries of the model.
    public var id: Located<String>
    /// The quoted display name after the id (`boundary dmz "DMZ"`); nil when none was written.
    public var name: Optional<Located<String>>
    /// The block's contents in order: the boundary's own attributes (`.attribute`, such as `trust dmz`) and
    /// the elements, nested boundaries, flows and threats inside it.
    public var items: [Statement]
    /// Comments just before the closing brace.
    public var closingComments: [String]
    /// The whole boundary, from `boundary` to its closing brace.
    public var range: SourceRange
    /// The comments around the boundary, kept by `moat fmt`.
    public var trivia: Trivia

    /// A boundary as the parser or a YAML/JSON reader builds it.
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
    /// The explicit id written before a colon (`login: user -> web`); nil when the flow takes the implicit id
    /// `source->target` (`source<->target` for a two-way flow).
    public var id: Optional<Located<String>>
    /// The id of the element the data leaves; also the end that opens the connection, unless the flow says
    /// `initiator target` (or `pull`, `subscribe`).
    public var source: Located<String>
    /// The id of the element the data goes to.
    public var target: Located<String>
    /// True for `<->`: data moves both ways between the two elements.
    public var twoWay: Bool
    /// The quoted display name after the target (`web -> db "Persist"`); nil when none was written.
    public var name: Optional<Located<String>>
    /// The attributes of the block (`protocol https; carries card`); empty when there is no block.
    public var attributes: [AttributeSyntax]
    /// Comments just before the closing brace.
    public var closingComments: [String]
    /// The whole flow, from its id or source to its closing brace (or its last token).
    public var range: SourceRange
    /// The comments around the flow, kept by `moat fmt`.
    public var trivia: Trivia

    /// A flow as the parser or a YAML/JSON reader builds it.
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
    /// `accept`: the risk is known and accepted, until the optional `until` date.
    case accept
    /// `mitigated`: a control the model does not show handles the threat (the justification says which).
    case mitigated
    /// `false-positive`: the rule is wrong about this element; the threat does not exist.
    case falsePositive = "false-positive"
    /// `not-applicable`: the threat exists in general but cannot matter here.
    case notApplicable = "not-applicable"
}

/// `accept rule@element "justification" owner "x" until 2027-01-01`.
public struct TrackingSyntax: Sendable, Hashable {
    /// The decision: the statement's keyword.
    public var status: Located<TrackingStatus>
    /// A finding id pattern, `*` matching any run of characters.
    public var pattern: Located<String>
    /// Why the decision was made (the quoted string after the pattern); required.
    public var justification: Located<String>
    /// Who answers for the decision (`owner "ops"`); nil when not given.
    public var owner: Optional<Located<String>>
    /// The date the decision lapses, as written (`until 2027-03-01`, `YYYY-MM-DD`); nil for no expiry.
    public var until: Optional<Located<String>>
    /// The whole statement.
    public var range: SourceRange
    /// The comments around the statement, kept by `moat fmt`.
    public var trivia: Trivia

    /// A tracking statement as the parser or a YAML/JSON reader builds it.
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
    /// The path of the included file as written, relative to the including file's folder.
    public var path: Located<String>
    /// The whole statement, `include` and its path.
    public var range: SourceRange
    /// The comments around the statement, kept by `moat fmt`.
    public var trivia: Trivia

    /// An include of `path`, read from `range`.
    public init(path: Located<String>, range: SourceRange, trivia: Trivia = Trivia()) {
        self.path = path
        self.range = range
        self.trivia = trivia
    }
}

/// One statement of a file, or an item of a boundary block.
public enum Statement: Sendable, Hashable {
    /// The model header, a data asset, an actor, process or datastore, or a written threat.
    case declaration(DeclarationSyntax)
    /// A trust boundary with its contents.
    case boundary(BoundarySyntax)
    /// A data flow between two elements.
    case flow(FlowSyntax)
    /// A decision about matching findings (`accept`, `mitigated`, `false-positive`, `not-applicable`).
    case tracking(TrackingSyntax)
    /// `include "path"`: another file read into the same model.
    case include(IncludeSyntax)
    /// Only inside a boundary block.
    case attribute(AttributeSyntax)

    /// The statement's whole source range.
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
    public enum Notation: String, Sendable, CaseIterable {
        /// The Moat language (`.moat`).
        case moat
        /// The YAML form of a model (`.yaml`, `.yml`).
        case yaml
        /// The JSON form of a model (`.json`), read like YAML.
        case json
    }

    /// The file the document was read from; every range in the document points into it.
    public var file: SourceFile
    /// The notation the file is written in, which `moat fmt` and converters keep.
    public var notation: Notation
    /// The file's top-level statements, in source order.
    public var statements: [Statement]
    /// Comments after the last statement, each with its marker; kept by `moat fmt`.
    public var trailingComments: [String]

    /// A document of `file` in `notation` holding `statements`.
    public init(file: SourceFile, notation: Notation, statements: [Statement], trailingComments: [String] = []) {
        self.file = file
        self.notation = notation
        self.statements = statements
        self.trailingComments = trailingComments
    }
}

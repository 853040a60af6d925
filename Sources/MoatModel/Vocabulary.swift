import Foundation
import MoatSource
import MoatSyntax
import MoatText
import Yams

/// The type of an attribute's value.
public enum AttributeType: String, Sendable, Codable {
    /// Present or absent (`encrypted-at-rest`), optionally written `true` or `false`.
    case flag
    /// One quoted string of free text.
    case string
    /// One number, within `min` and `max` when the spec gives them.
    case number
    /// One date, `YYYY-MM-DD`.
    case date
    /// One of the spec's `values`, written as a bare word; `ordered` specs allow `<`, `>` in rules.
    case `enum`
    /// A list of ids of data assets, practices or controls.
    case refs
    /// A list of bare words from `values`.
    case words
    /// A list of whole numbers.
    case numbers
}

/// What a `refs` attribute points at.
public enum ReferenceTarget: String, Sendable, Codable {
    /// Data assets of the model (`carries`, `stores`, `processes`).
    case data
    /// Practices of the maturity model, `Models/maturity` (`practices` in the model header).
    case practice
    /// Controls of the maturity model, `Models/maturity/controls.yaml` (`controls` of a written threat).
    case control
}

/// One attribute of the vocabulary: its name, type and where it may appear.
public struct AttributeSpec: Sendable, Codable, Hashable {
    /// The attribute's name as models and rules write it (`internet-facing`), unique in the vocabulary.
    public var name: String
    /// The type its values are checked against.
    public var type: AttributeType
    /// The kinds of declaration the attribute may be written on.
    public var on: [ElementKind]
    /// The allowed values of an `enum` or `words` attribute, lowest first for an ordered one; nil for other types.
    public var values: [String]?
    /// Whether an enum's `values` are ranked, so that rules may compare them (`trust < internal`); nil means no.
    public var ordered: Bool?
    /// The value rules see when an enum attribute is absent (`trust` defaults to `internal`); nil for none.
    public var `default`: String?
    /// The smallest value a `number` attribute accepts; nil for no lower bound.
    public var min: Double?
    /// The largest value a `number` attribute accepts; nil for no upper bound.
    public var max: Double?
    /// What the ids of a `refs` attribute name; nil for other types.
    public var target: ReferenceTarget?
    /// One or two sentences for people, printed by `moat vocabulary` and shown on hover in editors.
    public var doc: String?
    /// Other spellings of values (`postgresql` for `postgres`), for suggestions and importers.
    public var aliases: [String: String]?
    /// A colour per value, for diagrams and reports (the `trust` levels).
    public var colours: [String: String]?
    /// Zone-wide: set on a boundary, it applies to the elements and flows inside (`EffectiveAttributes`).
    public var inherit: Bool?

    /// A spec with the given fields; every optional field is absent unless given.
    public init(name: String, type: AttributeType, on: [ElementKind], values: [String]? = nil, ordered: Bool? = nil,
                default: String? = nil, min: Double? = nil, max: Double? = nil, target: ReferenceTarget? = nil,
                doc: String? = nil, aliases: [String: String]? = nil, colours: [String: String]? = nil,
                inherit: Bool? = nil) {
        self.name = name
        self.type = type
        self.on = on
        self.values = values
        self.ordered = ordered
        self.default = `default`
        self.min = min
        self.max = max
        self.target = target
        self.doc = doc
        self.aliases = aliases
        self.colours = colours
        self.inherit = inherit
    }

    /// Whether a boundary's value applies to what is inside it.
    public var isZoneWide: Bool { inherit == true }

    /// Whether the attribute may be written on `kind`.
    public func allowed(on kind: ElementKind) -> Bool { on.contains(kind) }

    /// The rank of an enum value (its position in `values`), for ordered comparisons.
    public func rank(of value: String) -> Int? { values?.firstIndex(of: value) }
}

/// A named set of values of one enum attribute (`client` types, `encrypted` protocols): what the engine,
/// the rules (`type in [client]`), the diagrams and the importers mean by a kind of value.
public struct ValueGroup: Sendable, Hashable {
    /// The group's name (`client`, `encrypted-protocol`), unique among the groups of its attribute.
    public var name: String
    /// The attribute whose values these are.
    public var attribute: String
    /// The attribute values in the group; each is one of the attribute's `values`.
    public var values: Set<String>
    /// What the group stands for, for people (`moat vocabulary`); nil when not given.
    public var doc: String?

    /// A group `name` of `values` of `attribute`.
    public init(name: String, attribute: String, values: Set<String>, doc: String? = nil) {
        self.name = name
        self.attribute = attribute
        self.values = values
        self.doc = doc
    }
}

/// Attributes the engine itself reads (not only rules): a vocabulary must declare each, with this type.
public enum CoreAttribute: String, Sendable, CaseIterable {
    /// Free text shown in reports and tooltips (string).
    case description
    /// The team or person accountable for the model or element (string).
    case owner
    /// The model's declared maturity level of the pervasive-security capability, 1 to 5 (number).
    case maturity
    /// The organisation-scoped practices in place, ids of maturity-model practices (refs, model header).
    case practices
    /// Why an element or flow is out of scope; rules do not fire on it (string).
    case outOfScope = "out-of-scope"
    /// What kind of actor, process or datastore this is (`user`, `api`, `sql`, …; enum).
    case type
    /// The main technology (`nginx`, `postgres`, …), for reports and technology-specific rules (enum).
    case tech
    /// Reachable from the public internet (flag).
    case internetFacing = "internet-facing"
    /// A flow's transport protocol (`https`, `grpc`, …); the `encrypted-protocol` group says which encrypt (enum).
    case `protocol`
    /// The data assets a flow sends (refs).
    case carries
    /// The flow's transport is encrypted even if its protocol alone does not say so (flag).
    case encrypted
    /// The flow runs inside a VPN or private link (flag).
    case vpn
    /// A boundary's trust level, lowest first: `untrusted`, `partner`, `dmz`, `internal`, `restricted` (enum).
    case trust
    /// How sensitive a data asset is: `public`, `internal`, `confidential`, `secret` (enum).
    case classification
    /// The data assets kept in a datastore, or on an actor's device (refs).
    case stores
    /// The data assets a process handles in memory (refs).
    case processes
    /// Which end of a flow opens the connection, `source` or `target` (enum).
    case initiator
    /// The flow's target fetches the data (a scrape, a download), so the target connects (flag).
    case pull
    /// The flow's target consumes the source's messages (a queue subscriber), so the target connects (flag).
    case subscribe
    /// The provider that operates the element (`"AWS RDS"`): findings only it can mitigate get the status
    /// `provider` (string).
    case managed
    /// How confidential an element or data is, on Threagile's five-step scale (enum).
    case confidentiality
    /// How much harm an unauthorised change would do, on Threagile's scale (enum).
    case integrity
    /// Data whose unauthorised change would cause serious harm even if its disclosure would not (flag).
    case integrityCritical = "integrity-critical"
    /// How much harm an outage would do, on Threagile's scale (enum).
    case availability
    /// What an element can act on: its own data, one tenant or all (`own`, `tenant`, `all`; enum).
    case authority
    /// A wrong or forged action can cause physical harm (flag).
    case safety
    /// The STRIDE categories of a written threat: spoofing, tampering, repudiation, information disclosure,
    /// denial of service, elevation of privilege (words).
    case stride
    /// The severity a person gave a written threat, `low` to `critical` (enum).
    case severity
    /// How likely a written threat is, 1 (rare) to 4 (expected) (number).
    case likelihood
    /// How much harm a written threat would do, 1 (minor) to 4 (severe) (number).
    case impact
    /// What should be done about a written threat (string).
    case mitigation
    /// The maturity-model controls that mitigate a written threat (refs).
    case controls
    /// The CWE ids of a written threat's weakness (numbers).
    case cwe
    /// The CAPEC ids of a written threat's attack pattern (numbers).
    case capec

    /// The attribute's name in models and rules.
    public var name: String { rawValue }

    /// The type the engine expects.
    public var expectedType: AttributeType {
        switch self {
        case .description, .owner, .outOfScope, .managed, .mitigation: return .string
        case .maturity, .likelihood, .impact: return .number
        case .practices, .carries, .stores, .processes, .controls: return .refs
        case .type, .tech, .protocol, .trust, .classification, .initiator, .confidentiality, .integrity, .availability,
             .authority, .severity: return .enum
        case .internetFacing, .encrypted, .vpn, .pull, .subscribe, .safety, .integrityCritical: return .flag
        case .stride: return .words
        case .cwe, .capec: return .numbers
        }
    }
}

/// Value groups the engine itself reads: a vocabulary must declare each, on this attribute.
public enum CoreGroup: String, Sendable, CaseIterable {
    /// Actor types that are people.
    case human
    /// Types of software that runs on a user's device (browsers, mobile and desktop apps).
    case client
    /// Protocols that encrypt in transit.
    case encryptedProtocol = "encrypted-protocol"
    /// Protocols that never cross a network (calls inside one process, files on one host).
    case localProtocol = "local-protocol"

    /// The group's name in the vocabulary and in rules.
    public var name: String { rawValue }

    /// The attribute whose values the group holds.
    public var attribute: CoreAttribute {
        switch self {
        case .human, .client: return .type
        case .encryptedProtocol, .localProtocol: return .protocol
        }
    }
}

/// The typed attribute vocabulary shared by the parser, the rule language, the writers and the importers:
/// every attribute, every value and every group of values is declared once, in `Models/vocabulary.yaml`.
public struct Vocabulary: Sendable {
    /// Every attribute, in declaration order; an attribute's position here is its vocabulary index
    /// (`Attributes.value(vocabularyIndex:)`).
    public let attributes: [AttributeSpec]
    /// Value groups, in declaration order.
    public let groups: [ValueGroup]
    private let index: [String: Int]
    private let groupIndex: [GroupKey: Int]
    /// The positions in `groups` of the core groups, found once: the analysis asks `contains(_:_:)` of every
    /// element and flow.
    private let coreGroups: CoreGroupPositions

    /// A group's attribute and name, the key of `groupIndex` (two strings hashed, not one joined for each lookup).
    private struct GroupKey: Hashable {
        var attribute: String
        var name: String
    }

    private struct CoreGroupPositions {
        var human, client, encryptedProtocol, localProtocol: Int?

        subscript(group: CoreGroup) -> Int? {
            switch group {
            case .human: return human
            case .client: return client
            case .encryptedProtocol: return encryptedProtocol
            case .localProtocol: return localProtocol
            }
        }
    }

    /// A vocabulary from parts; `validate()` says whether the engine can run on it.
    public init(attributes: [AttributeSpec], groups: [ValueGroup]) {
        self.attributes = attributes
        self.groups = groups
        var index: [String: Int] = [:]
        for (i, a) in attributes.enumerated() { index[a.name] = i }
        self.index = index
        var groupIndex: [GroupKey: Int] = [:]
        for (i, g) in groups.enumerated() { groupIndex[GroupKey(attribute: g.attribute, name: g.name)] = i }
        self.groupIndex = groupIndex
        func position(_ core: CoreGroup) -> Int? { groupIndex[GroupKey(attribute: core.attribute.name, name: core.name)] }
        coreGroups = CoreGroupPositions(human: position(.human), client: position(.client),
                                        encryptedProtocol: position(.encryptedProtocol), localProtocol: position(.localProtocol))
    }

    /// What is wrong with this vocabulary for the engine: a missing or mistyped core attribute or group,
    /// a group of an unknown attribute or with unknown values. Empty when it is usable.
    public func problems() -> [String] {
        var problems: [String] = []
        for core in CoreAttribute.allCases {
            guard let spec = spec(core.name) else {
                problems.append("the vocabulary lacks the attribute '\(core.name)', which Moat needs")
                continue
            }
            if spec.type != core.expectedType {
                problems.append("attribute '\(core.name)' must be of type \(core.expectedType.rawValue), not \(spec.type.rawValue)")
            }
        }
        for name in [CoreAttribute.trust, .classification] {
            if let spec = spec(name.name), spec.type == .enum, spec.ordered != true || spec.default == nil {
                problems.append("attribute '\(name.name)' must be an ordered enum with a default")
            }
        }
        for core in CoreGroup.allCases where group(core.name, of: core.attribute.name) == nil {
            problems.append("the vocabulary lacks the group '\(core.name)' of '\(core.attribute.name)', which Moat needs")
        }
        for g in groups {
            guard let spec = spec(g.attribute), spec.type == .enum else {
                problems.append("group '\(g.name)' is of '\(g.attribute)', which is not an enum attribute")
                continue
            }
            let values = Set(spec.values ?? [])
            for v in g.values.sorted() where !values.contains(v) {
                problems.append("group '\(g.name)' names '\(v)', which is not a value of '\(g.attribute)'")
            }
            if values.contains(g.name) {
                problems.append("group '\(g.name)' has the name of a value of '\(g.attribute)'")
            }
        }
        for spec in attributes {
            if spec.isZoneWide && !spec.allowed(on: .boundary) {
                problems.append("attribute '\(spec.name)' is zone-wide (inherit) but may not be written on a boundary")
            }
            let values = Set(spec.values ?? [])
            for (alias, value) in (spec.aliases ?? [:]).sorted(by: { $0.key < $1.key }) where !values.contains(value) {
                problems.append("alias '\(alias)' of '\(spec.name)' names '\(value)', which is not a value")
            }
            for value in (spec.colours ?? [:]).keys.sorted() where !values.contains(value) {
                problems.append("a colour is given for '\(value)', which is not a value of '\(spec.name)'")
            }
        }
        return problems
    }

    /// Reads `vocabulary.yaml` and checks that the engine can run on it.
    package init(file: SourceFile) throws {
        let root = try CatalogueYAML.compose(file)
        let reader = CatalogueYAML(path: file.path)
        let top = try reader.mapping(root, "the vocabulary", allowed: ["attributes", "groups"])
        let items = try reader.list(reader.required(top, "attributes", "the vocabulary", in: root), "attributes")
        let keys: Set<String> = ["name", "type", "on", "values", "ordered", "default", "min", "max", "target", "doc",
                                 "aliases", "colours", "inherit"]
        let attributes = try items.map { item -> AttributeSpec in
            let f = try reader.mapping(item, "an attribute", allowed: keys)
            let name = try reader.string(reader.required(f, "name", "an attribute", in: item), "name")
            let what = "attribute '\(name)'"
            return AttributeSpec(
                name: name,
                type: try reader.value(reader.required(f, "type", what, in: item), "\(what): type", as: AttributeType.self),
                on: try reader.list(reader.required(f, "on", what, in: item), "\(what): on")
                    .map { try reader.value($0, "\(what): on", as: ElementKind.self) },
                values: try f["values"].map { try reader.strings($0, "\(what): values") },
                ordered: try f["ordered"].map { try reader.bool($0, "\(what): ordered") },
                default: try f["default"].map { try reader.string($0, "\(what): default") },
                min: try f["min"].map { try reader.double($0, "\(what): min") },
                max: try f["max"].map { try reader.double($0, "\(what): max") },
                target: try f["target"].map { try reader.value($0, "\(what): target", as: ReferenceTarget.self) },
                doc: try f["doc"].map { try reader.string($0, "\(what): doc") },
                aliases: try f["aliases"].map { try reader.mapping($0, "\(what): aliases").mapValues { try reader.string($0, "\(what): aliases") } },
                colours: try f["colours"].map { try reader.mapping($0, "\(what): colours").mapValues { try reader.string($0, "\(what): colours") } },
                inherit: try f["inherit"].map { try reader.bool($0, "\(what): inherit") })
        }
        let groupItems = try top["groups"].map { try reader.list($0, "groups") } ?? []
        let groups = try groupItems.map { item -> ValueGroup in
            let f = try reader.mapping(item, "a group", allowed: ["name", "of", "values", "doc"])
            let name = try reader.string(reader.required(f, "name", "a group", in: item), "name")
            let what = "group '\(name)'"
            return ValueGroup(name: name, attribute: try reader.string(reader.required(f, "of", what, in: item), "\(what): of"),
                              values: Set(try reader.strings(reader.required(f, "values", what, in: item), "\(what): values")),
                              doc: try f["doc"].map { try reader.string($0, "\(what): doc") })
        }
        self.init(attributes: attributes, groups: groups)
        let problems = problems()
        if !problems.isEmpty {
            throw CatalogueError(description: "\(file.path): " + problems.joined(separator: "\n\(file.path): "))
        }
    }

    /// The attribute named `name`.
    public func spec(_ name: String) -> AttributeSpec? { index[name].map { attributes[$0] } }

    /// A core attribute; every loaded vocabulary declares it (`problems()` is empty).
    public func spec(_ core: CoreAttribute) -> AttributeSpec { spec(core.name)! }

    /// The position of the attribute named `name` in `attributes`.
    public func index(of name: String) -> Int? { index[name] }

    /// The position of a core attribute in `attributes`.
    public func index(of core: CoreAttribute) -> Int { index[core.name]! }

    /// Names of the attributes allowed on `kind`, in vocabulary order.
    public func names(on kind: ElementKind) -> [String] {
        attributes.filter { $0.allowed(on: kind) }.map(\.name)
    }

    /// The group called `name` of the attribute `attribute`.
    public func group(_ name: String, of attribute: String) -> ValueGroup? {
        groupIndex[GroupKey(attribute: attribute, name: name)].map { groups[$0] }
    }

    /// The groups of one attribute.
    public func groups(of attribute: String) -> [ValueGroup] { groups.filter { $0.attribute == attribute } }

    /// Whether `value` belongs to a core group.
    public func contains(_ group: CoreGroup, _ value: String?) -> Bool {
        guard let value, let i = coreGroups[group] else { return false }
        return groups[i].values.contains(value)
    }

    /// The values of a core group.
    public func values(of group: CoreGroup) -> Set<String> {
        coreGroups[group].map { groups[$0].values } ?? []
    }

    /// Flags that describe data assets (`pii`, `credentials`, …): flag attributes that apply only to data.
    public var dataTags: [String] {
        attributes.filter { $0.type == .flag && $0.on == [.data] }.map(\.name)
    }

    /// The colour the vocabulary gives a value of an attribute (the trust levels), if any.
    public func colour(of value: String, _ attribute: CoreAttribute) -> String? {
        spec(attribute).colours?[value]
    }

    /// The value an alias or a value stands for (`postgresql` → `postgres`), compared without case.
    public func canonicalValue(_ word: String, of attribute: String) -> String? {
        guard let spec = spec(attribute) else { return nil }
        let w = word.lowercased()
        if spec.values?.contains(w) == true { return w }
        return spec.aliases?[w]
    }
}

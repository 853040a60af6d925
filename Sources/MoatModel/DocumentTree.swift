import Yams
import MoatSyntax
import MoatSource
import MoatText

/// Turns a document into the YAML/JSON form of a model (schema: Models/moat.schema.json).
///
/// Comments do not survive into YAML or JSON; everything else does. Flows and threats written inside
/// boundary blocks move to the top-level `flows` and `threats` lists, which does not change the model.
public struct DocumentTree {
    let vocabulary: Vocabulary

    /// A converter that types attribute values as `vocabulary` declares them: flags as booleans, numbers as
    /// numbers, lists as arrays (an attribute it does not know stays text).
    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    /// The document as an ordered tree.
    public func tree(_ document: Document) -> JSONValue {
        var model: JSONValue?
        var includes: [JSONValue] = [], data: [JSONValue] = [], boundaries: [JSONValue] = []
        var elements: [JSONValue] = [], flows: [JSONValue] = [], threats: [JSONValue] = [], tracking: [JSONValue] = []
        for statement in document.statements {
            switch statement {
            case .declaration(let d) where d.kind == .model: model = declaration(d)
            case .declaration(let d) where d.kind == .data: data.append(declaration(d))
            case .declaration(let d) where d.kind == .threat: threats.append(declaration(d))
            case .declaration(let d): elements.append(declaration(d))
            case .boundary(let b): boundaries.append(boundary(b, flows: &flows, threats: &threats))
            case .flow(let f): flows.append(flow(f))
            case .tracking(let t): tracking.append(trackingEntry(t))
            case .include(let i): includes.append(.string(i.path.value))
            case .attribute: break
            }
        }
        var pairs: [(String, JSONValue)] = []
        if let model { pairs.append(("model", model)) }
        if !includes.isEmpty { pairs.append(("includes", .array(includes))) }
        pairs.append(("data", .array(data)))
        pairs.append(("boundaries", .array(boundaries)))
        pairs.append(("elements", .array(elements)))
        pairs.append(("flows", .array(flows)))
        if !threats.isEmpty { pairs.append(("threats", .array(threats))) }
        if !tracking.isEmpty { pairs.append(("tracking", .array(tracking))) }
        return .object(pairs)
    }

    /// The document as JSON text.
    public func json(_ document: Document) -> String { tree(document).serialized() + "\n" }

    /// The document as YAML text.
    public func yaml(_ document: Document) throws -> String {
        try Yams.serialize(node: node(tree(document)), width: -1, allowUnicode: true, sortKeys: false)
    }

    private func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .number(let n): return Node(NumberText.format(n), Tag(n == n.rounded() ? .int : .float))
        case .string(let s): return Node(s, Tag(.str), .any)
        case .array(let items):
            let flow = items.allSatisfy { if case .string = $0 { return true }; return false } && !items.isEmpty
            return Node(items.map(node), Tag(.seq), flow ? .flow : .block)
        case .object(let pairs): return Node(pairs.map { (Node($0.0), node($0.1)) }, Tag(.map), .block)
        }
    }

    private func attributes(_ list: [AttributeSyntax]) -> [(String, JSONValue)] {
        list.map { a in
            let spec = vocabulary.spec(a.name.value)
            let texts = a.values.map(\.value.text)
            switch spec?.type {
            case .flag?: return (a.name.value, .bool(texts.first.map { $0 == "true" || $0 == "yes" } ?? true))
            case .number?: return (a.name.value, texts.first.flatMap(Double.init).map(JSONValue.number) ?? .string(texts.first ?? ""))
            case .refs?, .words?: return (a.name.value, .array(texts.map(JSONValue.string)))
            case .numbers?: return (a.name.value, .array(texts.map { Double($0).map(JSONValue.number) ?? .string($0) }))
            default: return (a.name.value, texts.count == 1 ? .string(texts[0]) : .array(texts.map(JSONValue.string)))
            }
        }
    }

    private func declaration(_ d: DeclarationSyntax) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if d.kind.isNode { pairs.append(("kind", .string(d.kind.rawValue))) }
        if let id = d.id { pairs.append(("id", .string(id.value))) }
        if let name = d.name { pairs.append(("name", .string(name.value))) }
        if let subject = d.subject { pairs.append(("on", .string(subject.value))) }
        return .object(pairs + attributes(d.attributes))
    }

    private func boundary(_ b: BoundarySyntax, flows: inout [JSONValue], threats: inout [JSONValue]) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("id", .string(b.id.value))]
        if let name = b.name { pairs.append(("name", .string(name.value))) }
        var elements: [JSONValue] = [], nested: [JSONValue] = [], own: [AttributeSyntax] = []
        for item in b.items {
            switch item {
            case .attribute(let a): own.append(a)
            case .declaration(let d) where d.kind == .threat: threats.append(declaration(d))
            case .declaration(let d): elements.append(declaration(d))
            case .boundary(let inner): nested.append(boundary(inner, flows: &flows, threats: &threats))
            case .flow(let f): flows.append(flow(f))
            case .tracking, .include: break
            }
        }
        pairs += attributes(own)
        if !elements.isEmpty { pairs.append(("elements", .array(elements))) }
        if !nested.isEmpty { pairs.append(("boundaries", .array(nested))) }
        return .object(pairs)
    }

    private func flow(_ f: FlowSyntax) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if let id = f.id { pairs.append(("id", .string(id.value))) }
        pairs.append(("from", .string(f.source.value)))
        pairs.append(("to", .string(f.target.value)))
        if f.twoWay { pairs.append(("two-way", .bool(true))) }
        if let name = f.name { pairs.append(("name", .string(name.value))) }
        return .object(pairs + attributes(f.attributes))
    }

    private func trackingEntry(_ t: TrackingSyntax) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("status", .string(t.status.value.rawValue)),
            ("finding", .string(t.pattern.value)),
            ("justification", .string(t.justification.value)),
        ]
        if let owner = t.owner { pairs.append(("owner", .string(owner.value))) }
        if let until = t.until { pairs.append(("until", .string(until.value))) }
        return .object(pairs)
    }
}

import MoatCore

/// Generates the JSON Schema of the YAML/JSON model form from the vocabulary, so the two never drift.
///
/// `Models/moat.schema.json` is this output; a test checks the committed file is current.
public struct ModelSchema {
    let vocabulary: Vocabulary

    /// A generator for the attributes and enum values of `vocabulary`.
    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    /// The JSON Schema (draft 2020-12) as pretty-printed JSON text ending in a newline.
    public func json() -> String { schema().serialized() + "\n" }

    func schema() -> JSONValue {
        let idSchema: JSONValue = .object([("$ref", .string("#/$defs/id"))])
        func list(_ ref: String) -> JSONValue {
            .object([("type", .string("array")), ("items", .object([("$ref", .string("#/$defs/\(ref)"))]))])
        }
        func attributes(_ kind: ElementKind) -> [(String, JSONValue)] {
            vocabulary.attributes.filter { $0.allowed(on: kind) }.map { spec in
                var pairs: [(String, JSONValue)] = []
                if let doc = spec.doc { pairs.append(("description", .string(doc))) }
                switch spec.type {
                case .flag: pairs.append(("type", .string("boolean")))
                case .string: pairs.append(("type", .string("string")))
                case .number:
                    pairs.append(("type", .string("number")))
                    if let min = spec.min { pairs.append(("minimum", .number(min))) }
                    if let max = spec.max { pairs.append(("maximum", .number(max))) }
                case .date: pairs.append(("$ref", .string("#/$defs/date")))
                case .enum: pairs.append(("enum", .array((spec.values ?? []).map(JSONValue.string))))
                case .refs:
                    pairs += [("type", .string("array")), ("minItems", .number(1)), ("items", idSchema)]
                case .words:
                    pairs += [("type", .string("array")), ("minItems", .number(1)),
                              ("items", .object([("enum", .array((spec.values ?? []).map(JSONValue.string)))]))]
                case .numbers:
                    pairs += [("type", .string("array")), ("minItems", .number(1)),
                              ("items", .object([("type", .string("integer")), ("minimum", .number(1))]))]
                }
                return (spec.name, .object(pairs))
            }
        }
        func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
            .object([("type", .string("object")), ("additionalProperties", .bool(false)),
                     ("required", .array(required.map(JSONValue.string))), ("properties", .object(properties))])
        }
        func node(_ kind: ElementKind) -> JSONValue {
            object([("kind", .object([("const", .string(kind.rawValue))])), ("id", idSchema),
                    ("name", .object([("type", .string("string"))]))] + attributes(kind), required: ["kind", "id"])
        }
        let name: (String, JSONValue) = ("name", .object([("type", .string("string"))]))
        let defs: [(String, JSONValue)] = [
            ("id", .object([("type", .string("string")), ("pattern", .string("^[A-Za-z_][A-Za-z0-9_.-]*$"))])),
            ("date", .object([("type", .string("string")), ("pattern", .string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))])),
            ("model", object([name] + attributes(.model), required: ["name"])),
            ("data", object([("id", idSchema), name] + attributes(.data), required: ["id"])),
            ("actor", node(.actor)), ("process", node(.process)), ("datastore", node(.datastore)),
            ("element", .object([("oneOf", .array(["actor", "process", "datastore"].map { .object([("$ref", .string("#/$defs/\($0)"))]) }))])),
            ("boundary", object([("id", idSchema), name] + attributes(.boundary)
                                + [("elements", list("element")), ("boundaries", list("boundary"))], required: ["id"])),
            ("flow", object([("id", idSchema), ("from", idSchema), ("to", idSchema),
                             ("two-way", .object([("type", .string("boolean"))])), name] + attributes(.flow),
                            required: ["from", "to"])),
            ("threat", object([("id", idSchema), name,
                               ("on", .object([("type", .string("string")),
                                               ("description", .string("The element, flow (its id or 'source->target') or boundary the threat is about."))]))]
                              + attributes(.threat), required: ["id", "on"])),
            ("tracking", object([
                ("status", .object([("enum", .array(TrackingStatus.allCases.map { .string($0.rawValue) }))])),
                ("finding", .object([("type", .string("string")), ("pattern", .string("@"))])),
                ("justification", .object([("type", .string("string"))])),
                ("owner", .object([("type", .string("string"))])),
                ("until", .object([("$ref", .string("#/$defs/date"))])),
            ], required: ["status", "finding", "justification"])),
        ]
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string("Moat model")),
            ("description", .string("The YAML/JSON form of a Moat model; generated from Models/vocabulary.yaml.")),
            ("type", .string("object")), ("additionalProperties", .bool(false)),
            ("properties", .object([
                ("model", .object([("$ref", .string("#/$defs/model"))])),
                ("includes", .object([("type", .string("array")), ("items", .object([("type", .string("string"))]))])),
                ("data", list("data")), ("boundaries", list("boundary")), ("elements", list("element")),
                ("flows", list("flow")), ("threats", list("threat")), ("tracking", list("tracking")),
            ])),
            ("$defs", .object(defs)),
        ])
    }
}

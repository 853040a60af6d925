// Over 500 lines: one case per computed name of the condition language (docs/rules.md lists them).
import MoatModel
import MoatSyntax
import MoatSource
import MoatText

/// A set of named values of an enum: a vocabulary enum or a computed one (`crossing`).
public struct EnumDomain: Sendable, Hashable {
    /// The enum's name: the vocabulary attribute (`trust`, `classification`) or a computed one (`crossing`, `kind`).
    public var name: String
    /// The allowed values; for an ordered enum, from lowest to highest rank.
    public var values: [String]
    /// Whether the values are ranked, so that `<`, `<=`, `>` and `>=` compare them (as `trust` and
    /// `classification` are); unordered enums only support `==`, `!=` and `in`.
    public var ordered: Bool
    /// The rank of each value (its position in `values`).
    let ranks: [String: Int]

    /// A domain with `values` in rank order (the order matters only when `ordered`).
    public init(name: String, values: [String], ordered: Bool) {
        self.name = name
        self.values = values
        self.ordered = ordered
        var ranks: [String: Int] = [:]
        for (i, v) in values.enumerated() { ranks[v] = i }
        self.ranks = ranks
    }
}

/// What a condition path can point at.
public enum EntityType: Sendable, Hashable, CustomStringConvertible {
    /// An actor, process or datastore of one of the given kinds (`.node([.process])` for a process rule).
    case node(Set<ElementKind>)
    /// A data flow between two elements.
    case flow
    /// A trust boundary (zone).
    case boundary
    /// A data asset.
    case data
    /// The model as a whole.
    case model

    public var description: String {
        switch self {
        case .node(let kinds):
            let names = ElementKind.allCases.filter(kinds.contains).map(\.rawValue)
            return names.count == 1 ? names[0] : "element (\(names.joined(separator: ", ")))"
        case .flow: return "flow"
        case .boundary: return "boundary"
        case .data: return "data asset"
        case .model: return "model"
        }
    }

    static let anyNode = EntityType.node([.actor, .process, .datastore])

    /// The entity type of elements of `kinds` (rule `applies-to`).
    public static func of(_ kinds: Set<ElementKind>) -> EntityType? {
        if kinds == [.flow] { return .flow }
        if kinds == [.boundary] { return .boundary }
        if kinds == [.model] { return .model }
        if !kinds.isEmpty && kinds.allSatisfy(\.isNode) { return .node(kinds) }
        return nil
    }
}

typealias Accessor<T> = @Sendable (Evaluator, EntityRef) -> T

/// A compiled, typed sub-expression.
enum CompiledValue: @unchecked Sendable {
    case bool(Accessor<Bool>)
    case number(Accessor<Double?>)
    case string(Accessor<String?>)
    /// Rank in the domain; nil when unset.
    case enumeration(Accessor<Int?>, EnumDomain)
    case entity(Accessor<EntityRef?>, EntityType)
    case list(Accessor<EntityList>, EntityType)

    var typeName: String {
        switch self {
        case .bool: return "a flag"
        case .number: return "a number"
        case .string: return "a string"
        case .enumeration(_, let d): return "an enum of \(d.name)"
        case .entity(_, let t): return "a \(t)"
        case .list(_, let t): return "a list of \(t)s"
        }
    }
}

/// A compiled condition: a closure per sub-term, kept as a tree so `moat explain` can show each value.
public final class CompiledCondition: @unchecked Sendable {
    /// The source text of this term.
    public let text: String
    /// The sub-terms (operands, quantified conditions) in source order; empty for a leaf such as an attribute
    /// name or literal.
    public let children: [CompiledCondition]
    let value: CompiledValue
    /// The test of a boolean term (always false for other terms), kept apart from `value` so that evaluating
    /// it neither matches nor copies the enum: a retain and a release per call, millions of calls.
    let test: Accessor<Bool>

    /// How the term's truth follows from its children or from a fact, for `guardClauses`.
    let logic: Logic

    /// How a boolean term is made, as far as `guardClauses` can see into it.
    enum Logic {
        case and, or, not
        /// A test of a fact of the entity.
        case test(FactTest)
        /// Anything else: its value is known only by evaluating it.
        case opaque
    }

    init(text: String, value: CompiledValue, children: [CompiledCondition] = [], logic: Logic = .opaque) {
        self.text = text
        self.value = value
        self.children = children
        self.logic = logic
        if case .bool(let f) = value { test = f } else { test = { _, _ in false } }
    }

    /// Evaluates a boolean condition on an entity.
    public func holds(_ evaluator: Evaluator, _ ref: EntityRef) -> Bool { test(evaluator, ref) }

    /// This term's value on an entity, as text.
    public func describe(_ evaluator: Evaluator, _ ref: EntityRef) -> String {
        switch value {
        case .bool(let f): return f(evaluator, ref) ? "true" : "false"
        case .number(let f): return f(evaluator, ref).map(NumberText.format) ?? "unset"
        case .string(let f): return f(evaluator, ref).map { "\"\($0)\"" } ?? "unset"
        case .enumeration(let f, let d): return f(evaluator, ref).map { d.values[$0] } ?? "unset"
        case .entity(let f, _): return f(evaluator, ref).map { evaluator.name(of: $0) } ?? "none"
        case .list(let f, _): return "[" + f(evaluator, ref).map { evaluator.name(of: $0) }.joined(separator: ", ") + "]"
        }
    }

    /// Tests of the entity's facts the condition cannot hold without, read off its top-level `and`s (and
    /// `not … or …`): every clause must hold, and a clause holds when one of its tests does. `not external and
    /// (type == sql or tech in [sql]) and accepts.any(caller.untrusted)` has two clauses, `[not external]` and
    /// `[type == sql, tech in [sql]]`; the quantifier is left to the evaluation. The analysis checks the clauses on
    /// codes it reads once per entity and evaluates the condition only when they all hold: most rules name the
    /// types they are about, and most entities are of none of them.
    public var guardClauses: [[FactTest]] {
        var clauses: [[FactTest]] = []
        collectClauses(holding: true, into: &clauses)
        return clauses
    }

    /// Adds the clauses of this term to `clauses` (of its negation when `holding` is false).
    private func collectClauses(holding: Bool, into clauses: inout [[FactTest]]) {
        switch logic {
        // `a and b` holds only when both do; `not (a or b)` only when neither does.
        case .and where holding, .or where !holding:
            children[0].collectClauses(holding: holding, into: &clauses)
            children[1].collectClauses(holding: holding, into: &clauses)
        case .not:
            children[0].collectClauses(holding: !holding, into: &clauses)
        default:
            if let clause = clause(holding: holding) { clauses.append(clause) }
        }
    }

    /// The tests of which one holds whenever this term does (its negation when `holding` is false), or nil
    /// when the term depends on more than facts.
    private func clause(holding: Bool) -> [FactTest]? {
        switch logic {
        case .test(let t): return [holding ? t : t.negated]
        // `a or b` holds only when one does; `not (a and b)` only when one of them does not.
        case .or where holding, .and where !holding:
            guard let l = children[0].clause(holding: holding), let r = children[1].clause(holding: holding) else { return nil }
            return l + r
        case .not: return children[0].clause(holding: !holding)
        default: return nil
        }
    }
}

/// A test of a fact against constants.
public struct FactTest: Sendable {
    /// The fact tested.
    public let fact: EntityFact
    /// Whether the test holds on an entity whose fact has this code (`EntityFact.code`). A function rather than
    /// a table: most conditions are compiled for runs that never build guards.
    public let holds: @Sendable (Int) -> Bool

    /// The opposite test.
    var negated: FactTest {
        let holds = self.holds
        return FactTest(fact: fact, holds: { !holds($0) })
    }
}

/// A value of the entity a condition is about that the condition compares with constants: an enum such as
/// `type` or `tech`, or a flag such as `external`: the analysis reads an entity's facts once, as small codes, to
/// check the conditions' `guardClauses`.
public struct EntityFact: Sendable {
    /// The name the condition reads (`type`, `external`). On one kind of entity a name always reads the same value.
    public let name: String
    /// A small number for `name`, the same in every condition a compiler compiles, so that finding a fact
    /// among others compares numbers, not names.
    public let id: Int
    /// The number of codes: the enum's values plus one, or 2 for a flag.
    public let codes: Int
    let read: Accessor<Int>

    /// The fact's code on an entity: 0 when unset (or false), the enum value's rank plus one (1 when a flag is set).
    public func code(_ evaluator: Evaluator, _ ref: EntityRef) -> Int { read(evaluator, ref) }

    /// The fact of an enum term, when it has fewer than 255 values: guards keep a set of clauses per code.
    static func enumeration(_ name: String, id: Int, _ f: @escaping Accessor<Int?>, _ d: EnumDomain) -> EntityFact? {
        guard d.values.count < 255 else { return nil }
        return EntityFact(name: name, id: id, codes: d.values.count + 1, read: { ev, ref in f(ev, ref).map { $0 + 1 } ?? 0 })
    }

    /// The fact of a flag term.
    static func flag(_ name: String, id: Int, _ f: @escaping Accessor<Bool>) -> EntityFact {
        EntityFact(name: name, id: id, codes: 2, read: { ev, ref in f(ev, ref) ? 1 : 0 })
    }
}

extension Evaluator {
    /// The id of an entity, for explanations.
    func name(of ref: EntityRef) -> String {
        switch ref {
        case .element(let i): return graph.model.elements[i].id
        case .flow(let i): return graph.model.flows[i].id
        case .boundary(let i): return graph.model.boundaries[i].id
        case .data(let i): return graph.model.data[i].id
        case .model: return "model"
        }
    }
}

/// Type-checks a parsed condition against the vocabulary and compiles it into closures.
public struct ConditionCompiler: Sendable {
    let vocabulary: Vocabulary
    let crossingDomain = EnumDomain(name: "crossing", values: CrossingDirection.allCases.map(\.rawValue), ordered: false)
    let kindDomain = EnumDomain(name: "kind", values: ["actor", "process", "datastore"], ordered: false)
    /// The ranks of `crossing` and `kind` by case, so evaluating them hashes no strings.
    let crossingRanks: [CrossingDirection: Int], kindRanks: [ElementKind: Int]
    /// The domain of each enum attribute of the vocabulary, built once: building one hashes every value, and
    /// the catalogue looks up enum attributes (trust, classification above all) a few thousand times as it
    /// compiles — before this cache, a third of the time spent compiling conditions.
    let domains: [String: EnumDomain]
    /// The domains of `trust` and `classification`, which computed names (`zone-trust`, `classification`) use.
    let trustDomain: EnumDomain, classificationDomain: EnumDomain

    /// A compiler that type-checks names and enum values against `vocabulary`.
    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        var domains: [String: EnumDomain] = [:]
        for spec in vocabulary.attributes where spec.type == .enum {
            domains[spec.name] = EnumDomain(name: spec.name, values: spec.values ?? [], ordered: spec.ordered ?? false)
        }
        self.domains = domains
        let crossing = crossingDomain.ranks, kind = kindDomain.ranks
        crossingRanks = Dictionary(uniqueKeysWithValues: CrossingDirection.allCases.compactMap { c in crossing[c.rawValue].map { (c, $0) } })
        kindRanks = Dictionary(uniqueKeysWithValues: ElementKind.allCases.compactMap { k in kind[k.rawValue].map { (k, $0) } })
        let trust = vocabulary.spec(.trust), classification = vocabulary.spec(.classification)
        trustDomain = domains[trust.name] ?? EnumDomain(name: trust.name, values: trust.values ?? [], ordered: trust.ordered ?? false)
        classificationDomain = domains[classification.name]
            ?? EnumDomain(name: classification.name, values: classification.values ?? [], ordered: classification.ordered ?? false)
    }

    /// Parses and compiles `text` as a boolean condition on entities of `context`.
    public func compile(_ text: String, context: EntityType) -> Result<CompiledCondition, ConditionError> {
        switch ConditionParser.parse(text) {
        case .failure(let e): return .failure(e)
        case .success(let syntax):
            do {
                let compiled = try compileBool(syntax, text: text, context: context)
                return .success(compiled)
            } catch let e as ConditionError {
                return .failure(e)
            } catch {
                return .failure(ConditionError(message: "\(error)", span: .init(start: 0, end: 0)))
            }
        }
    }

    private func slice(_ text: String, _ span: ConditionSyntax.Span) -> String {
        // Offsets into the UTF-8 view, without copying the whole condition into an array for every term.
        let utf8 = text.utf8
        let s = min(max(0, span.start), utf8.count), e = min(max(s, span.end), utf8.count)
        return String(decoding: utf8[utf8.index(utf8.startIndex, offsetBy: s)..<utf8.index(utf8.startIndex, offsetBy: e)], as: UTF8.self)
    }

    private func domain(_ spec: AttributeSpec) -> EnumDomain {
        domains[spec.name] ?? EnumDomain(name: spec.name, values: spec.values ?? [], ordered: spec.ordered ?? false)
    }

    private func compileBool(_ syntax: ConditionSyntax, text: String, context: EntityType) throws -> CompiledCondition {
        let node = try compileTerm(syntax, text: text, context: context)
        guard case .bool = node.value else {
            var notes: [DiagnosticNote] = []
            if case .enumeration(_, let d) = node.value, let v = d.values.first {
                notes.append("compare it: \(node.text) == \(v)")
            }
            if case .list = node.value { notes.append("use \(node.text).any(…), .all(…) or .count") }
            throw ConditionError(message: "'\(node.text)' is \(node.value.typeName), not a condition", span: syntax.span, notes: notes)
        }
        return node
    }

    private func compileTerm(_ syntax: ConditionSyntax, text: String, context: EntityType) throws -> CompiledCondition {
        let source = slice(text, syntax.span)
        switch syntax {
        case .and(let a, let b, _):
            let l = try compileBool(a, text: text, context: context), r = try compileBool(b, text: text, context: context)
            let lt = l.test, rt = r.test
            return CompiledCondition(text: source, value: .bool { ev, ref in lt(ev, ref) && rt(ev, ref) }, children: [l, r], logic: .and)
        case .or(let a, let b, _):
            let l = try compileBool(a, text: text, context: context), r = try compileBool(b, text: text, context: context)
            let lt = l.test, rt = r.test
            return CompiledCondition(text: source, value: .bool { ev, ref in lt(ev, ref) || rt(ev, ref) }, children: [l, r], logic: .or)
        case .not(let a, _):
            let inner = try compileBool(a, text: text, context: context)
            let t = inner.test
            return CompiledCondition(text: source, value: .bool { ev, ref in !t(ev, ref) }, children: [inner], logic: .not)
        case .group(let inner, _):
            let compiled = try compileTerm(inner, text: text, context: context)
            return CompiledCondition(text: source, value: compiled.value, children: compiled.children, logic: compiled.logic)
        case .literalBool(let b, _):
            return CompiledCondition(text: source, value: .bool { _, _ in b })
        case .number(let n, _):
            return CompiledCondition(text: source, value: .number { _, _ in n })
        case .word(let w, let span):
            throw ConditionError(message: "unexpected value '\(w)'", span: span)
        case .has(let path, _):
            return CompiledCondition(text: source, value: try compileHas(path, text: text, context: context))
        case .path(let path):
            let value = try compilePath(path, text: text, context: context)
            if case .bool(let f) = value, let (name, id) = fact(path, flag: true) {
                return CompiledCondition(text: source, value: value, logic: .test(FactTest(fact: .flag(name, id: id, f), holds: { $0 == 1 })))
            }
            return CompiledCondition(text: source, value: value)
        case .membership(let subject, let words, _):
            let s = try compileTerm(subject, text: text, context: context)
            guard case .enumeration(let f, let d) = s.value else {
                throw ConditionError(message: "'in' needs an enum on its left; '\(s.text)' is \(s.value.typeName)", span: subject.span)
            }
            let ranks = d.ranks
            var allowed: [Int] = []
            for w in words {
                if let r = ranks[w.value] {
                    allowed.append(r)
                } else if let group = vocabulary.group(w.value, of: d.name) {
                    // A group of the attribute's values (`type in [client]`) stands for its members.
                    allowed += group.values.compactMap { ranks[$0] }
                } else {
                    throw unknownValue(w.value, d, span: .init(start: w.range.start.column - 1, end: w.range.end.column - 1))
                }
            }
            // A table by rank rather than a set: no hashing per evaluation (nor in building it: an enum such as
            // `tech` has 81 values).
            var isAllowed = [Bool](repeating: false, count: max(d.values.count, (allowed.max() ?? -1) + 1))
            for r in allowed { isAllowed[r] = true }
            let table = isAllowed
            var logic = CompiledCondition.Logic.opaque
            if case .path(let p) = subject, let (name, id) = fact(p, flag: false), let fact = EntityFact.enumeration(name, id: id, f, d) {
                logic = .test(FactTest(fact: fact, holds: { $0 > 0 && $0 <= table.count && table[$0 - 1] }))
            }
            return CompiledCondition(text: source, value: .bool { ev, ref in
                guard let r = f(ev, ref), r >= 0, r < table.count else { return false }
                return table[r]
            }, children: [s], logic: logic)
        case .comparison(let a, let op, let b, let span):
            return try compileComparison(a, op, b, span: span, source: source, text: text, context: context)
        }
    }

    private func unknownValue(_ word: String, _ d: EnumDomain, span: ConditionSyntax.Span) -> ConditionError {
        let guess = Suggestion.closest(to: word, in: d.values + vocabulary.groups(of: d.name).map(\.name))
        return ConditionError(message: "'\(word)' is not a value or group of '\(d.name)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                              span: span, notes: d.values.count <= 12 ? ["'\(d.name)' is one of: \(d.values.joined(separator: ", "))"] : [])
    }

    private func compileComparison(_ a: ConditionSyntax, _ op: String, _ b: ConditionSyntax, span: ConditionSyntax.Span,
                                   source: String, text: String, context: EntityType) throws -> CompiledCondition {
        let left = try compileTerm(a, text: text, context: context)
        switch left.value {
        case .enumeration(let f, let d):
            let rhs: CompiledCondition
            let g: Accessor<Int?>
            var constant: Int?
            if case .path(let p) = b, p.steps.count == 1, case .name(let word, let wspan) = p.steps[0] {
                if let r = d.ranks[word] {
                    rhs = CompiledCondition(text: word, value: .enumeration({ _, _ in r }, d))
                    g = { _, _ in r }
                    constant = r
                } else if let compiled = try? compileTerm(b, text: text, context: context),
                          case .enumeration(let h, let d2) = compiled.value, d2.name == d.name {
                    rhs = compiled
                    g = h
                } else {
                    throw unknownValue(word, d, span: wspan)
                }
            } else {
                let compiled = try compileTerm(b, text: text, context: context)
                guard case .enumeration(let h, let d2) = compiled.value, d2.name == d.name else {
                    throw ConditionError(message: "cannot compare '\(left.text)' (\(left.value.typeName)) with '\(compiled.text)' (\(compiled.value.typeName))", span: span)
                }
                rhs = compiled
                g = h
            }
            if !["==", "!="].contains(op) && !d.ordered {
                throw ConditionError(message: "'\(d.name)' is not ordered; use == or != (or 'in [...]')", span: span)
            }
            // One closure per operator, and the common `type == web-app` against a constant rank: the choice is
            // made once here, not on every evaluation.
            let value: CompiledValue
            switch (op, constant) {
            case ("==", let r?): value = .bool { ev, ref in f(ev, ref) == r }
            case ("!=", let r?): value = .bool { ev, ref in f(ev, ref) != r }
            case ("==", nil): value = .bool { ev, ref in f(ev, ref) == g(ev, ref) }
            case ("!=", nil): value = .bool { ev, ref in f(ev, ref) != g(ev, ref) }
            default:
                let test: @Sendable (Int, Int) -> Bool = Self.ordering(op)
                value = .bool { ev, ref in
                    guard let x = f(ev, ref), let y = g(ev, ref) else { return false }
                    return test(x, y)
                }
            }
            // Against a constant, the term is a fact's test: the same operator applied to every code.
            var logic = CompiledCondition.Logic.opaque
            if let r = constant, case .path(let p) = a, let (name, id) = fact(p, flag: false), let fact = EntityFact.enumeration(name, id: id, f, d) {
                // Code 0 is unset: equal to nothing, different from everything, and not ordered.
                let holds: @Sendable (Int) -> Bool
                switch op {
                case "==": holds = { $0 == r + 1 }
                case "!=": holds = { $0 != r + 1 }
                default:
                    let test: @Sendable (Int, Int) -> Bool = Self.ordering(op)
                    holds = { $0 > 0 && test($0 - 1, r) }
                }
                logic = .test(FactTest(fact: fact, holds: holds))
            }
            return CompiledCondition(text: source, value: value, children: [left, rhs], logic: logic)
        case .number(let f):
            let right = try compileTerm(b, text: text, context: context)
            guard case .number(let g) = right.value else {
                throw ConditionError(message: "cannot compare '\(left.text)' (a number) with '\(right.text)' (\(right.value.typeName))", span: span)
            }
            let test: @Sendable (Double, Double) -> Bool = Self.ordering(op)
            return CompiledCondition(text: source, value: .bool { ev, ref in
                guard let x = f(ev, ref), let y = g(ev, ref) else { return false }
                return test(x, y)
            }, children: [left, right])
        case .bool(let f):
            let right = try compileTerm(b, text: text, context: context)
            guard case .bool(let g) = right.value, op == "==" || op == "!=" else {
                throw ConditionError(message: "flags compare only with == or != against true, false or another flag", span: span)
            }
            let equal = op == "=="
            return CompiledCondition(text: source, value: .bool { ev, ref in (f(ev, ref) == g(ev, ref)) == equal },
                                     children: [left, right])
        default:
            throw ConditionError(message: "cannot compare '\(left.text)': it is \(left.value.typeName)", span: span,
                                 notes: ["lists use .count, .any(…), .all(…); strings use 'has'"])
        }
    }

    static func ordering<T: Comparable & SendableMetatype>(_ op: String) -> @Sendable (T, T) -> Bool {
        switch op {
        case "<": return { $0 < $1 }
        case "<=": return { $0 <= $1 }
        case ">": return { $0 > $1 }
        case ">=": return { $0 >= $1 }
        case "!=": return { $0 != $1 }
        default: return { $0 == $1 }
        }
    }

    /// Computed names that read a table the graph already holds, as cheap to read as an attribute. Others
    /// (`classification`, `client`, `encrypted`, …) are worked out from the graph when first asked, and
    /// reading them for every entity would cost more than the rules they would set aside.
    static let tabulatedNames = ["connection-crossing", "crosses-boundary", "crossing", "exposed", "external", "kind",
                                 "reachable-from-untrusted", "trust", "two-way", "untrusted", "zone-trust"]

    /// Each name of `tabulatedNames` with its position.
    static let tabulatedIDs = [String: Int](uniqueKeysWithValues: tabulatedNames.enumerated().map { ($1, $0) })

    /// The computed names of every entity type: a written attribute of the same name is not a fact, as some
    /// entity type reads the computed value instead.
    static let computedAnywhere = Set([EntityType.anyNode, .flow, .boundary, .data, .model].flatMap(computedNames))

    /// The name and fact id of a one-step path (`type`, not `caller.type`) when its tests are facts of the entity
    /// (`EntityFact`): a name from `tabulatedNames`, or (unless the path is a `flag`) a written enum attribute no
    /// entity type computes. Written flags are not facts: a guard would read one for every entity, where the
    /// condition, which usually tests it first, reads it as cheaply and only for the rules the guards leave
    /// (measured). Ids: the position in `tabulatedNames`, else their count plus the attribute's position in the
    /// vocabulary.
    func fact(_ path: PathSyntax, flag: Bool) -> (name: String, id: Int)? {
        guard path.steps.count == 1, case .name(let name, _) = path.steps[0] else { return nil }
        if let i = Self.tabulatedIDs[name] { return (name, i) }
        guard !flag, let i = vocabulary.index(of: name), vocabulary.attributes[i].type == .enum,
              !Self.computedAnywhere.contains(name) else { return nil }
        return (name, Self.tabulatedNames.count + i)
    }

    // MARK: - Paths

    private func compileHas(_ path: PathSyntax, text: String, context: EntityType) throws -> CompiledValue {
        // `has x.y.attr`: presence of the written attribute on the entity the prefix reaches.
        if case .name(let last, let span) = path.steps.last!, vocabulary.spec(last) != nil {
            let prefix = PathSyntax(steps: Array(path.steps.dropLast()), span: path.span)
            let (reach, type) = try entityAccessor(prefix, text: text, context: context)
            try checkAttribute(last, on: type, span: span)
            let index = vocabulary.index(of: last) ?? -1
            guard let reach else { return .bool { ev, ref in ev.value(ref, index) != nil } }
            return .bool { ev, ref in reach(ev, ref).map { ev.value($0, index) != nil } ?? false }
        }
        switch try compilePath(path, text: text, context: context) {
        case .entity(let f, _): return .bool { ev, ref in f(ev, ref) != nil }
        case .string(let f): return .bool { ev, ref in f(ev, ref) != nil }
        case .number(let f): return .bool { ev, ref in f(ev, ref) != nil }
        case .enumeration(let f, _): return .bool { ev, ref in f(ev, ref) != nil }
        default:
            throw ConditionError(message: "'has' tests an attribute or a navigation such as 'boundary'", span: path.span)
        }
    }

    /// Compiles all of `path` but the last step into an entity accessor (nil for the context itself, when empty).
    private func entityAccessor(_ path: PathSyntax, text: String, context: EntityType) throws -> (Accessor<EntityRef?>?, EntityType) {
        if path.steps.isEmpty { return (nil, context) }
        switch try compilePath(path, text: text, context: context) {
        case .entity(let f, let t): return (f, t)
        case let other:
            throw ConditionError(message: "'\(slice(text, path.span))' is \(other.typeName); it has no attributes", span: path.span)
        }
    }

    private func compilePath(_ path: PathSyntax, text: String, context: EntityType) throws -> CompiledValue {
        var current: CompiledValue = .entity({ _, ref in ref }, context)
        // The element whose `unconnected-neighbours` the current list is (nil: not such a list), for the steps
        // that count it rather than list it (`neighbourCounts`).
        var neighboursOf: Accessor<EntityRef?>?
        for (position, step) in path.steps.enumerated() {
            let owner = neighboursOf
            neighboursOf = nil
            switch step {
            case .name(let name, let span):
                switch current {
                case .entity(let reach, let type):
                    // The first step reads the entity itself: no accessor in between.
                    current = try member(name, of: type, span: span, through: position == 0 ? nil : reach)
                    if name == "unconnected-neighbours", case .node = type { neighboursOf = position == 0 ? { _, ref in ref } : reach }
                case .list(_, _) where owner != nil && (name == "count" || name == "empty"):
                    let neighbours: Accessor<Int> = Self.neighbourCount(of: owner!, where: nil)
                    if name == "count" {
                        current = .number { ev, ref in Double(neighbours(ev, ref)) }
                    } else {
                        current = .bool { ev, ref in neighbours(ev, ref) == 0 }
                    }
                case .list(let items, _) where name == "count":
                    current = .number { ev, ref in Double(items(ev, ref).count) }
                case .list(let items, _) where name == "empty":
                    current = .bool { ev, ref in items(ev, ref).isEmpty }
                case .list:
                    throw ConditionError(message: "a list has .count, .empty, .any(…), .all(…) and .none(…), not '\(name)'", span: span)
                default:
                    throw ConditionError(message: "cannot look up '\(name)' in \(current.typeName)", span: span)
                }
            case .quantifier(let q, let body, let span):
                guard case .list(let items, let itemType) = current else {
                    throw ConditionError(message: "'\(q)(…)' applies to lists; this is \(current.typeName)", span: span)
                }
                let inner = try compileBool(body, text: text, context: itemType).test
                if let owner {
                    // all(P) holds when no neighbour fails P.
                    var test = inner
                    if q == "all" { test = { ev, ref in !inner(ev, ref) } }
                    let passing: Accessor<Int> = Self.neighbourCount(of: owner, where: ZoneTest(test))
                    if q == "any" {
                        current = .bool { ev, ref in passing(ev, ref) > 0 }
                    } else {
                        current = .bool { ev, ref in passing(ev, ref) == 0 }
                    }
                    continue
                }
                switch q {
                case "any": current = .bool { ev, ref in items(ev, ref).contains { inner(ev, $0) } }
                case "all": current = .bool { ev, ref in items(ev, ref).allSatisfy { inner(ev, $0) } }
                default: current = .bool { ev, ref in !items(ev, ref).contains { inner(ev, $0) } }
                }
            }
        }
        return current
    }

    /// The number of unconnected neighbours of the element `owner` reaches that pass `test` (all when nil),
    /// found without listing them (`Evaluator.unconnectedNeighbourCount`): a zone of n elements would
    /// otherwise cost n² as every member lists the others.
    private static func neighbourCount(of owner: @escaping Accessor<EntityRef?>, where test: ZoneTest?) -> Accessor<Int> {
        { ev, ref in
            guard case .element(let i)? = owner(ev, ref) else { return 0 }
            return ev.unconnectedNeighbourCount(ofElement: i, passing: test)
        }
    }

    private func checkAttribute(_ name: String, on type: EntityType, span: ConditionSyntax.Span) throws {
        guard let spec = vocabulary.spec(name) else { return }
        let kinds: Set<ElementKind>
        switch type {
        case .node(let k): kinds = k
        case .flow: kinds = [.flow]
        case .boundary: kinds = [.boundary]
        case .data: kinds = [.data]
        case .model: kinds = [.model]
        }
        if !kinds.contains(where: spec.allowed(on:)) {
            throw ConditionError(message: "attribute '\(name)' does not apply to \(type == .data ? "a data asset" : "a \(type)")",
                                 span: span, notes: ["'\(name)' applies to: \(spec.on.map(\.rawValue).joined(separator: ", "))"])
        }
    }

    /// Names computed from the graph, by entity type.
    static func computedNames(_ type: EntityType) -> [String] {
        switch type {
        case .node: return ["inbound", "outbound", "flows", "boundary", "parent", "zone-trust", "data", "classification",
                            "exposed", "exposure", "reachable-from-untrusted", "untrusted", "external", "kind", "client",
                            "accepts", "opens", "unconnected-neighbours"]
        case .flow: return ["source", "target", "caller", "callee", "encrypted", "crosses-boundary", "crossing",
                            "connection-crossing", "two-way", "data", "classification", "ui-interaction", "exposed"]
        case .boundary: return ["elements", "members", "crossing-in", "crossing-out", "parent", "classification", "trust", "external"]
        case .data: return ["classification"]
        case .model: return ["elements", "flows", "boundaries", "data", "classification"]
        }
    }

    /// Reads a member on the entity itself, or through `reach` on the entity it leads to (`fallback` when it
    /// leads nowhere). One overload per type of member rather than one generic function: a closure made in a
    /// generic function is called through two reabstraction thunks, and member reads are most of the work of
    /// evaluating rules.
    private struct Lift {
        let reach: Accessor<EntityRef?>?

        func callAsFunction(_ f: @escaping Accessor<Bool>, _ fallback: Bool) -> Accessor<Bool> {
            guard let reach else { return f }
            return { ev, ref in reach(ev, ref).map { f(ev, $0) } ?? fallback }
        }

        func callAsFunction(_ f: @escaping Accessor<Int?>, _ fallback: Int?) -> Accessor<Int?> {
            guard let reach else { return f }
            return { ev, ref in reach(ev, ref).map { f(ev, $0) } ?? fallback }
        }

        func callAsFunction(_ f: @escaping Accessor<Double?>, _ fallback: Double?) -> Accessor<Double?> {
            guard let reach else { return f }
            return { ev, ref in reach(ev, ref).map { f(ev, $0) } ?? fallback }
        }

        func callAsFunction(_ f: @escaping Accessor<String?>, _ fallback: String?) -> Accessor<String?> {
            guard let reach else { return f }
            return { ev, ref in reach(ev, ref).map { f(ev, $0) } ?? fallback }
        }

        func callAsFunction(_ f: @escaping Accessor<EntityRef?>, _ fallback: EntityRef?) -> Accessor<EntityRef?> {
            guard let reach else { return f }
            return { ev, ref in reach(ev, ref).map { f(ev, $0) } ?? fallback }
        }

        func callAsFunction(_ f: @escaping Accessor<EntityList>, _ fallback: EntityList) -> Accessor<EntityList> {
            guard let reach else { return f }
            return { ev, ref in reach(ev, ref).map { f(ev, $0) } ?? fallback }
        }
    }

    /// Resolves `name` on an entity of `type` reached through `reach` (the entity itself when nil).
    private func member(_ name: String, of type: EntityType, span: ConditionSyntax.Span,
                        through reach: Accessor<EntityRef?>?) throws -> CompiledValue {
        let lift = Lift(reach: reach)

        // Computed names first: they take precedence over written attributes of the same name.
        switch (type, name) {
        case (.node, "inbound"): return .list(lift({ ev, r in EntityList(.flow, ev.graph.inbound[r.index]) }, .empty), .flow)
        case (.node, "outbound"): return .list(lift({ ev, r in EntityList(.flow, ev.graph.outbound[r.index]) }, .empty), .flow)
        case (.node, "flows"):
            return .list(lift({ ev, r in
                EntityList(.flow, ev.flows(ofElement: r.index))
            }, .empty), .flow)
        case (.node, "boundary"), (.node, "parent"):
            // `parent` is the enclosing boundary of elements and boundaries alike, so one condition can serve both.
            return .entity(lift({ ev, r in ev.graph.elementBoundary[r.index].map(EntityRef.boundary) }, nil), .boundary)
        case (.node, "zone-trust"): return .enumeration(lift({ ev, r in ev.graph.zoneTrust[r.index] }, nil), trustDomain)
        case (.node, "data"): return .list(lift({ ev, r in EntityList(.data, ev.data(ofElement: r.index)) }, .empty), .data)
        case (.node, "exposed"): return .bool(lift({ ev, r in ev.exposed(element: r.index) }, false))
        case (.node, "reachable-from-untrusted"): return .bool(lift({ ev, r in ev.graph.reachableFromUntrusted[r.index] }, false))
        case (.node, "untrusted"): return .bool(lift({ ev, r in ev.untrusted(element: r.index) }, false))
        case (.node, "external"): return .bool(lift({ ev, r in ev.external(element: r.index) }, false))
        case (.node, "exposure"):
            return .number(lift({ ev, r in ev.graph.exposure.distance[r.index].flatMap { $0 > 0 ? Double($0) : nil } }, nil))
        case (.node, "accepts"):
            return .list(lift({ ev, r in EntityList(.flow, ev.graph.acceptedConnections[r.index]) }, .empty), .flow)
        case (.node, "opens"):
            return .list(lift({ ev, r in
                let i = r.index
                let opened = (ev.graph.inbound[i] + ev.graph.outbound[i]).sorted().reduce(into: [Int]()) { out, fi in
                    if out.last != fi, !ev.graph.acceptedConnections[i].contains(fi) || ev.graph.model.flows[fi].twoWay { out.append(fi) }
                }
                return EntityList(.flow, opened)
            }, .empty), .flow)
        case (.node, "unconnected-neighbours"):
            return .list(lift({ ev, r in EntityList(.element, ev.unconnectedNeighbours(ofElement: r.index)) }, .empty), EntityType.anyNode)
        case (.flow, "caller"):
            return .entity(lift({ ev, r in
                let c = ev.graph.caller(ofFlow: r.index)
                return c >= 0 ? EntityRef.element(c) : nil
            }, nil), EntityType.anyNode)
        case (.flow, "callee"):
            return .entity(lift({ ev, r in
                let c = ev.graph.callee(ofFlow: r.index)
                return c >= 0 ? EntityRef.element(c) : nil
            }, nil), EntityType.anyNode)
        case (.flow, "connection-crossing"):
            let ranks = crossingRanks
            return .enumeration(lift({ ev, r in
                let c = ev.graph.crossings[r.index].direction
                guard ev.graph.openedByTarget[r.index] else { return ranks[c] }
                // The connection goes the other way: inbound data is an outbound connection.
                let reversed: CrossingDirection = c == .inbound ? .outbound : c == .outbound ? .inbound : c
                return ranks[reversed]
            }, nil), crossingDomain)
        case (.flow, "exposed"):
            return .bool(lift({ ev, r in
                let (s, t) = ev.graph.flowEnds[r.index]
                return (s >= 0 && ev.untrusted(element: s)) || (t >= 0 && ev.untrusted(element: t))
            }, false))
        case (.boundary, "external"): return .bool(lift({ ev, r in ev.graph.boundaryTrust[r.index] <= ev.graph.partnerTrust }, false))
        case (.model, "elements"):
            return .list(lift({ ev, _ in EntityList(.element, Array(ev.graph.model.elements.indices)) }, .empty), EntityType.anyNode)
        case (.model, "flows"): return .list(lift({ ev, _ in EntityList(.flow, Array(ev.graph.model.flows.indices)) }, .empty), .flow)
        case (.model, "boundaries"):
            return .list(lift({ ev, _ in EntityList(.boundary, Array(ev.graph.model.boundaries.indices)) }, .empty), .boundary)
        case (.model, "data"): return .list(lift({ ev, _ in EntityList(.data, Array(ev.graph.model.data.indices)) }, .empty), .data)
        case (.model, "classification"): return .enumeration(lift({ ev, r in ev.classification(r) }, nil), classificationDomain)
        case (.node, "client"):
            return .bool(lift({ ev, r in ev.isClient(element: r.index) }, false))
        case (.flow, "ui-interaction"):
            return .bool(lift({ ev, r in
                let (s, t) = ev.graph.flowEnds[r.index]
                guard s >= 0, t >= 0 else { return false }
                return (ev.isHuman(element: s) && ev.isClient(element: t)) || (ev.isClient(element: s) && ev.isHuman(element: t))
            }, false))
        case (.node, "kind"):
            let ranks = kindRanks
            return .enumeration(lift({ ev, r in ranks[ev.graph.model.elements[r.index].kind] }, nil), kindDomain)
        case (.node, "classification"), (.flow, "classification"), (.boundary, "classification"):
            return .enumeration(lift({ ev, r in ev.classification(r) }, nil), classificationDomain)
        case (.flow, "source"):
            return .entity(lift({ ev, r in ev.graph.flowEnds[r.index].source >= 0 ? EntityRef.element(ev.graph.flowEnds[r.index].source) : nil }, nil), EntityType.anyNode)
        case (.flow, "target"):
            return .entity(lift({ ev, r in ev.graph.flowEnds[r.index].target >= 0 ? EntityRef.element(ev.graph.flowEnds[r.index].target) : nil }, nil), EntityType.anyNode)
        case (.flow, "encrypted"): return .bool(lift({ ev, r in ev.encrypted(flow: r.index) }, false))
        case (.flow, "crosses-boundary"): return .bool(lift({ ev, r in ev.graph.crossings[r.index].crossesBoundary }, false))
        case (.flow, "crossing"):
            let ranks = crossingRanks
            return .enumeration(lift({ ev, r in ranks[ev.graph.crossings[r.index].direction] }, nil), crossingDomain)
        case (.flow, "two-way"): return .bool(lift({ ev, r in ev.graph.model.flows[r.index].twoWay }, false))
        case (.flow, "data"):
            return .list(lift({ ev, r in EntityList(.data, ev.data(ofFlow: r.index)) }, .empty), .data)
        case (.boundary, "elements"):
            return .list(lift({ ev, r in EntityList(.element, ev.graph.allElements(inBoundary: r.index)) }, .empty), EntityType.anyNode)
        case (.boundary, "members"):
            // The elements whose innermost boundary this is (not those of nested boundaries).
            return .list(lift({ ev, r in EntityList(.element, ev.graph.boundaryElements[r.index]) }, .empty), EntityType.anyNode)
        case (.boundary, "crossing-in"): return .list(lift({ ev, r in EntityList(.flow, ev.crossings(of: r.index, entering: true)) }, .empty), .flow)
        case (.boundary, "crossing-out"): return .list(lift({ ev, r in EntityList(.flow, ev.crossings(of: r.index, entering: false)) }, .empty), .flow)
        case (.boundary, "parent"): return .entity(lift({ ev, r in ev.graph.boundaryParent[r.index].map(EntityRef.boundary) }, nil), .boundary)
        case (.boundary, "trust"): return .enumeration(lift({ ev, r in ev.graph.boundaryTrust[r.index] }, nil), trustDomain)
        default: break
        }

        guard let spec = vocabulary.spec(name) else {
            let candidates = Self.computedNames(type) + vocabulary.attributes.filter { spec in
                switch type {
                case .node(let k): return k.contains(where: spec.allowed(on:))
                case .flow: return spec.allowed(on: .flow)
                case .boundary: return spec.allowed(on: .boundary)
                case .data: return spec.allowed(on: .data)
                case .model: return spec.allowed(on: .model)
                }
            }.map(\.name)
            let guess = Suggestion.closest(to: name, in: candidates)
            throw ConditionError(message: "unknown name '\(name)' for \(type == .data ? "a data asset" : "a \(type)")"
                                 + (guess.map { "; did you mean '\($0)'?" } ?? ""), span: span)
        }
        try checkAttribute(name, on: type, span: span)
        // Values are looked up by the attribute's position in the vocabulary, and enum values by their
        // rank, both numbers the semantic pass stored: no names compared or hashed while rules run.
        let index = vocabulary.index(of: name) ?? -1
        switch spec.type {
        case .flag: return .bool(lift({ ev, r in ev.flag(r, index) }, false))
        case .string, .date:
            return .string(lift({ ev, r in
                switch ev.value(r, index) {
                case .string(let s)?, .word(let s)?: s
                default: nil
                }
            }, nil))
        case .number: return .number(lift({ ev, r in if case .number(let n)? = ev.value(r, index) { n } else { nil } }, nil))
        case .enum:
            let d = domain(spec)
            let fallback = spec.default.flatMap { d.ranks[$0] }
            return .enumeration(lift({ ev, r in ev.rank(r, index) ?? fallback }, nil), d)
        case .words, .numbers:
            throw ConditionError(message: "'\(name)' cannot be used in conditions", span: span)
        case .refs:
            guard spec.target == .data else {
                throw ConditionError(message: "'\(name)' cannot be used in conditions", span: span)
            }
            return .list(lift({ ev, r in
                EntityList(.data, ev.dataRefs(r, index))
            }, .empty), .data)
        }
    }
}

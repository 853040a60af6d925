import MoatSyntax
import MoatSource
import MoatText

/// Types written attributes against the vocabulary: unknown names, wrong kinds, wrong values.
struct AttributeChecker {
    let vocabulary: Vocabulary

    /// Checks the attributes of one declaration of `kind`; references are resolved later.
    func check(_ syntax: [AttributeSyntax], on kind: ElementKind, into diagnostics: inout DiagnosticBag) -> Attributes {
        var result = Attributes()
        result.reserveCapacity(syntax.count)
        // Attributes by position and specs by vocabulary index, their fields read in place: a copy of an
        // attribute's syntax or of its spec (a dozen reference-counted fields each) cost more than the checks.
        for position in syntax.indices {
            let name = syntax[position].name.value
            guard let vocabularyIndex = vocabulary.index(of: name) else {
                diagnostics.append(unknownAttribute(syntax[position], on: kind))
                continue
            }
            // `allowed(on:)` of the spec in place: called on `attributes[vocabularyIndex]`, it copied the spec.
            guard vocabulary.attributes[vocabularyIndex].on.contains(kind) else {
                // `encrypted` on a datastore means `encrypted-at-rest`: point at the attribute that applies here.
                let here = Suggestion.closest(to: name, in: vocabulary.names(on: kind))
                diagnostics.error(.attributeNotAllowed, "attribute '\(name)' does not apply to \(kind.phrase)"
                                  + (here.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: syntax[position].name.range,
                                  notes: ["'\(name)' applies to: \(vocabulary.attributes[vocabularyIndex].on.map(\.rawValue).joined(separator: ", "))"])
                continue
            }
            // An earlier attribute of the same name passed the checks above too, so the first of them is the
            // one first given (elements have a handful of attributes: a scan, and no list of names seen).
            if let first = syntax[..<position].firstIndex(where: { $0.name.value == name }) {
                diagnostics.error(.duplicateAttribute, "attribute '\(name)' is given twice", at: syntax[position].name.range,
                                  notes: [DiagnosticNote("first given here", at: syntax[first].name.range)])
                continue
            }
            var rank = -1
            if let value = typedValue(syntax[position].values, at: syntax[position].range, vocabularyIndex, on: kind, rank: &rank,
                                      &diagnostics) {
                // Only lists of ids need the place of each value (for "unknown data asset" errors).
                let valueRanges = vocabulary.attributes[vocabularyIndex].type == .refs ? syntax[position].values.map(\.range) : []
                result.append(Attribute(name: name, value: value, range: syntax[position].range, valueRanges: valueRanges),
                              vocabularyIndex: vocabularyIndex, rank: rank)
            }
        }
        return result
    }

    /// The typed value of an attribute written with `values` at `range`, of the vocabulary's attribute number
    /// `index`; nil after an error. An enum value's position in the attribute's values goes to `rank`.
    private func typedValue(_ values: [Located<ValueSyntax>], at range: SourceRange, _ index: Int, on kind: ElementKind,
                            rank: inout Int, _ diagnostics: inout DiagnosticBag) -> AttributeValue? {
        // The spec's fields are read where needed: a copy of the whole spec is made only to report an error.
        var spec: AttributeSpec { vocabulary.attributes[index] }
        let name = vocabulary.attributes[index].name
        /// Whether there is exactly one value (`values[0]`); reports the count when not.
        func single() -> Bool {
            guard values.count == 1 else {
                let message = values.isEmpty ? "attribute '\(name)' needs a value"
                    : "attribute '\(name)' takes one value, not \(values.count)"
                diagnostics.error(.wrongValueCount, message,
                                  at: values.isEmpty ? range : values[1].range,
                                  notes: example(spec).map { ["e.g. \($0)"] } ?? [])
                return false
            }
            return true
        }
        // The one value's text and form, read in place by the cases that take one value.
        var text: String { values[0].value.text }
        var form: ValueSyntax.Form { values[0].value.form }
        switch vocabulary.attributes[index].type {
        case .flag:
            if values.isEmpty { return .flag(true) }
            guard single() else { return nil }
            switch text {
            case "true", "yes": return .flag(true)
            case "false", "no": return .flag(false)
            default:
                diagnostics.error(.invalidValue, "'\(name)' is a flag; write it alone, or 'true' or 'false', not '\(text)'",
                                  at: values[0].range)
                return nil
            }
        case .string:
            guard single() else { return nil }
            if form == .word {
                diagnostics.error(.expectedString, "'\(name)' takes a quoted string; write \(name) \"\(text)\"", at: values[0].range)
                return nil
            }
            return .string(text)
        case .number:
            guard single() else { return nil }
            guard form != .string, let n = Double(text), n.isFinite else {
                diagnostics.error(.expectedNumber, "'\(name)' takes a number, not '\(text)'", at: values[0].range)
                return nil
            }
            if let lo = vocabulary.attributes[index].min, n < lo {
                diagnostics.error(.outOfRange, "'\(name)' must be at least \(NumberText.format(lo)), not \(text)", at: values[0].range)
                return nil
            }
            if let hi = vocabulary.attributes[index].max, n > hi {
                diagnostics.error(.outOfRange, "'\(name)' must be at most \(NumberText.format(hi)), not \(text)", at: values[0].range)
                return nil
            }
            return .number(n)
        case .date:
            guard single() else { return nil }
            guard DateText.isValid(text) else {
                diagnostics.error(.invalidDate, "'\(text)' is not a date; write YYYY-MM-DD", at: values[0].range)
                return nil
            }
            return .word(text)
        case .enum:
            guard single() else { return nil }
            let word = text
            let allowed = vocabulary.attributes[index].values
            if form == .string, allowed?.contains(word) == true {
                diagnostics.error(.invalidValue, "'\(word)' is written without quotes: \(name) \(word)", at: values[0].range)
                return nil
            }
            guard form != .string, let position = allowed?.firstIndex(of: word) else {
                diagnostics.append(unknownValue(values[0], of: spec, on: kind))
                return nil
            }
            rank = position
            return .word(word)
        case .words:
            guard !values.isEmpty else {
                diagnostics.error(.wrongValueCount, "attribute '\(name)' needs at least one value", at: range,
                                  notes: example(spec).map { ["e.g. \($0)"] } ?? [])
                return nil
            }
            let allowed = vocabulary.attributes[index].values
            var words: [String] = []
            for v in values.indices {
                guard values[v].value.form != .string, allowed?.contains(values[v].value.text) == true else {
                    diagnostics.append(unknownValue(values[v], of: spec, on: kind))
                    continue
                }
                if !words.contains(values[v].value.text) { words.append(values[v].value.text) }
            }
            return .list(words)
        case .numbers:
            guard !values.isEmpty else {
                diagnostics.error(.wrongValueCount, "attribute '\(name)' needs at least one number", at: range)
                return nil
            }
            var numbers: [String] = []
            for v in values.indices {
                guard values[v].value.form != .string, let n = Int(values[v].value.text), n > 0 else {
                    diagnostics.error(.expectedNumber, "'\(name)' takes whole numbers, not '\(values[v].value.text)'", at: values[v].range,
                                      notes: ["e.g. \(name) 79, 80"])
                    continue
                }
                numbers.append(String(n))
            }
            return .list(numbers)
        case .refs:
            guard !values.isEmpty else {
                diagnostics.error(.wrongValueCount, "attribute '\(name)' needs at least one id", at: range)
                return nil
            }
            var ids: [String] = []
            ids.reserveCapacity(values.count)
            for v in values.indices {
                if values[v].value.form == .string {
                    diagnostics.error(.expectedId, "'\(name)' takes ids, not strings; write \(name) \(values[v].value.text)", at: values[v].range)
                    continue
                }
                ids.append(values[v].value.text)
            }
            return .list(ids)
        }
    }

    /// `unknown attribute 'x'` with the best hint: a misspelling of an attribute of this kind, a value
    /// written without its attribute (`tls` → `protocol tls`), or an attribute written with `=`.
    private func unknownAttribute(_ attribute: AttributeSyntax, on kind: ElementKind) -> Diagnostic {
        let name = attribute.name.value
        if let (owner, value) = attributeOwning(value: name, preferring: kind) {
            let fits = owner.allowed(on: kind)
            return .error(.unknownAttribute,
                          "unknown attribute '\(name)'; it is a value of '\(owner.name)': write '\(owner.name) \(value)'"
                          + (fits ? "" : " on \(owner.on.map { $0 == .data ? "data assets" : $0.rawValue + "s" }.joined(separator: " or "))"),
                          at: attribute.name.range,
                          notes: owner.name == CoreAttribute.protocol.name
                              ? ["encrypted protocols: \(vocabulary.values(of: .encryptedProtocol).sorted().joined(separator: ", "))"] : [])
        }
        let guess = Suggestion.closest(to: name, in: vocabulary.names(on: kind))
            ?? Suggestion.closest(to: name, in: vocabulary.attributes.map(\.name))
        return .error(.unknownAttribute, "unknown attribute '\(name)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                      at: attribute.name.range, notes: ["list the attributes with 'moat vocabulary'"])
    }

    /// The enum attribute that has `value` among its values (or aliases), preferring one allowed on `kind`.
    private func attributeOwning(value: String, preferring kind: ElementKind) -> (AttributeSpec, String)? {
        var found: (AttributeSpec, String)?
        for spec in vocabulary.attributes where spec.type == .enum || spec.type == .words {
            guard let canonical = vocabulary.canonicalValue(value, of: spec.name), canonical == value.lowercased() || spec.aliases?[value.lowercased()] != nil else { continue }
            if spec.allowed(on: kind) { return (spec, canonical) }
            if found == nil { found = (spec, canonical) }
        }
        return found
    }

    /// `'x' is not a value of 'type'` with the best hint: the value of another attribute it is
    /// (`it is a 'tech' value: write 'tech kafka'`), an alias, a misspelling, and the valid values (or the
    /// closest five and where the full list is).
    private func unknownValue(_ v: Located<ValueSyntax>, of spec: AttributeSpec, on kind: ElementKind) -> Diagnostic {
        let word = v.value.text
        let allowed = spec.values ?? []
        var message = "'\(word)' is not a value of '\(spec.name)'"
        if let alias = spec.aliases?[word.lowercased()] {
            message += "; did you mean '\(alias)'?"
        } else if let (other, value) = attributeOwning(value: word, preferring: kind), other.name != spec.name,
                  other.allowed(on: kind) {
            message += "; it is a '\(other.name)' value: write '\(other.name) \(value)'"
        } else if let guess = Suggestion.closest(to: word, in: allowed) {
            message += "; did you mean '\(guess)'?"
        }
        let notes: [DiagnosticNote]
        if allowed.isEmpty {
            notes = ["'\(spec.name)' takes the words a project file declares (moat.yaml: vocabulary: \(spec.name))"]
        } else if allowed.count <= 12 {
            notes = ["'\(spec.name)' is one of: \(allowed.joined(separator: ", "))"]
        } else {
            let closest = Suggestion.ranked(word, in: allowed).prefix(5)
            notes = ["closest values of '\(spec.name)': \(closest.joined(separator: ", ")); all \(allowed.count): moat vocabulary \(spec.name)"]
        }
        return .error(.invalidValue, message, at: v.range, notes: notes)
    }

    private func example(_ spec: AttributeSpec) -> String? {
        switch spec.type {
        case .enum, .words: return spec.values?.first.map { "\(spec.name) \($0)" }
        case .number: return "\(spec.name) \(NumberText.format(spec.min ?? 1))"
        case .string: return "\(spec.name) \"…\""
        default: return nil
        }
    }
}

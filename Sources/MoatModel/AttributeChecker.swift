import MoatSyntax
import MoatSource
import MoatText

/// Types written attributes against the vocabulary: unknown names, wrong kinds, wrong values.
struct AttributeChecker {
    let vocabulary: Vocabulary

    /// Checks the attributes of one declaration of `kind`; references are resolved later.
    func check(_ syntax: [AttributeSyntax], on kind: ElementKind, into diagnostics: inout DiagnosticBag) -> Attributes {
        var result = Attributes()
        // Elements have a handful of attributes: a list beats a dictionary per element.
        var seen: [(name: String, range: SourceRange)] = []
        for attribute in syntax {
            let name = attribute.name.value
            guard let vocabularyIndex = vocabulary.index(of: name) else {
                let allowed = vocabulary.names(on: kind)
                let guess = Suggestion.closest(to: name, in: allowed)
                    ?? Suggestion.closest(to: name, in: vocabulary.attributes.map(\.name))
                diagnostics.error(.unknownAttribute,
                                  "unknown attribute '\(name)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: attribute.name.range)
                continue
            }
            let spec = vocabulary.attributes[vocabularyIndex]
            guard spec.allowed(on: kind) else {
                diagnostics.error(.attributeNotAllowed, "attribute '\(name)' does not apply to \(kind.phrase)",
                                  at: attribute.name.range,
                                  notes: ["'\(name)' applies to: \(spec.on.map(\.rawValue).joined(separator: ", "))"])
                continue
            }
            if let first = seen.first(where: { $0.name == name })?.range {
                diagnostics.error(.duplicateAttribute, "attribute '\(name)' is given twice", at: attribute.name.range,
                                  notes: [DiagnosticNote("first given here", at: first)])
                continue
            }
            seen.append((name, attribute.name.range))
            if let value = typedValue(attribute, spec, &diagnostics) {
                var rank = -1
                if spec.type == .enum, case .word(let word) = value { rank = spec.rank(of: word) ?? -1 }
                // Only lists of ids need the place of each value (for "unknown data asset" errors).
                let valueRanges = spec.type == .refs ? attribute.values.map(\.range) : []
                result.set(Attribute(name: name, value: value, range: attribute.range, valueRanges: valueRanges),
                           vocabularyIndex: vocabularyIndex, rank: rank)
            }
        }
        return result
    }

    private func typedValue(_ attribute: AttributeSyntax, _ spec: AttributeSpec,
                            _ diagnostics: inout DiagnosticBag) -> AttributeValue? {
        let name = spec.name
        let values = attribute.values
        func single() -> Located<ValueSyntax>? {
            guard values.count == 1 else {
                let message = values.isEmpty ? "attribute '\(name)' needs a value"
                    : "attribute '\(name)' takes one value, not \(values.count)"
                diagnostics.error(.wrongValueCount, message,
                                  at: values.isEmpty ? attribute.range : values[1].range,
                                  notes: example(spec).map { ["e.g. \($0)"] } ?? [])
                return nil
            }
            return values[0]
        }
        switch spec.type {
        case .flag:
            if values.isEmpty { return .flag(true) }
            guard let v = single() else { return nil }
            switch v.value.text {
            case "true", "yes": return .flag(true)
            case "false", "no": return .flag(false)
            default:
                diagnostics.error(.invalidValue, "'\(name)' is a flag; write it alone, or 'true' or 'false', not '\(v.value.text)'",
                                  at: v.range)
                return nil
            }
        case .string:
            guard let v = single() else { return nil }
            if v.value.form == .word {
                diagnostics.error(.expectedString, "'\(name)' takes a quoted string; write \(name) \"\(v.value.text)\"", at: v.range)
                return nil
            }
            return .string(v.value.text)
        case .number:
            guard let v = single() else { return nil }
            guard v.value.form != .string, let n = Double(v.value.text), n.isFinite else {
                diagnostics.error(.expectedNumber, "'\(name)' takes a number, not '\(v.value.text)'", at: v.range)
                return nil
            }
            if let lo = spec.min, n < lo {
                diagnostics.error(.outOfRange, "'\(name)' must be at least \(NumberText.format(lo)), not \(v.value.text)", at: v.range)
                return nil
            }
            if let hi = spec.max, n > hi {
                diagnostics.error(.outOfRange, "'\(name)' must be at most \(NumberText.format(hi)), not \(v.value.text)", at: v.range)
                return nil
            }
            return .number(n)
        case .date:
            guard let v = single() else { return nil }
            guard DateText.isValid(v.value.text) else {
                diagnostics.error(.invalidDate, "'\(v.value.text)' is not a date; write YYYY-MM-DD", at: v.range)
                return nil
            }
            return .word(v.value.text)
        case .enum:
            guard let v = single() else { return nil }
            let allowed = spec.values ?? []
            if v.value.form == .string, allowed.contains(v.value.text) {
                diagnostics.error(.invalidValue, "'\(v.value.text)' is written without quotes: \(name) \(v.value.text)", at: v.range)
                return nil
            }
            guard v.value.form != .string, allowed.contains(v.value.text) else {
                let guess = Suggestion.closest(to: v.value.text, in: allowed)
                diagnostics.error(.invalidValue,
                                  "'\(v.value.text)' is not a value of '\(name)'" + (guess.map { "; did you mean '\($0)'?" } ?? ""),
                                  at: v.range,
                                  notes: allowed.count <= 12 ? ["'\(name)' is one of: \(allowed.joined(separator: ", "))"] : [])
                return nil
            }
            return .word(v.value.text)
        case .refs:
            guard !values.isEmpty else {
                diagnostics.error(.wrongValueCount, "attribute '\(name)' needs at least one id", at: attribute.range)
                return nil
            }
            var ids: [String] = []
            for v in values {
                if v.value.form == .string {
                    diagnostics.error(.expectedId, "'\(name)' takes ids, not strings; write \(name) \(v.value.text)", at: v.range)
                    continue
                }
                ids.append(v.value.text)
            }
            return .list(ids)
        }
    }

    private func example(_ spec: AttributeSpec) -> String? {
        switch spec.type {
        case .enum: return spec.values?.first.map { "\(spec.name) \($0)" }
        case .number: return "\(spec.name) \(NumberText.format(spec.min ?? 1))"
        case .string: return "\(spec.name) \"…\""
        default: return nil
        }
    }
}

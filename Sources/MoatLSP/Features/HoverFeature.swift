/// Hover text: the vocabulary's doc of an attribute or value; for an element, flow or boundary id its open
/// findings and evidenced level; for a data id its declaration; for a practice or rule id its catalogue entry.
struct HoverFeature {
    let core: CoreAdapter
    let project: Project

    func markdown(for o: Occurrence) -> String? {
        let index = project.index
        switch o.kind {
        case .attribute(let owner):
            guard let a = core.attribute(named: o.name) else { return "unknown attribute `\(o.name)`" }
            return attributeDoc(a, on: owner)
        case .value(let attribute):
            guard let a = core.attribute(named: attribute) else { return nil }
            var text = "`\(o.name)`: "
            switch a.type {
            case "enum": text += "a value of **\(a.name)**" + (a.values.contains(o.name) ? "" : " (not one of its values)")
            case "flag": text += "flag **\(a.name)**"
            default: text += "\(a.type) value of **\(a.name)**"
            }
            return text + (a.doc.map { "\n\n" + $0 } ?? "")
        case .practice:
            guard let p = core.practice(o.name) else { return "unknown practice `\(o.name)`" }
            return "practice **\(p.id)**: \(p.title)\n\nevidences maturity level \(p.level)"
                + (core.levelName(p.level).map { " (\($0))" } ?? "")
        case .rule:
            guard let r = core.rule(o.name) else { return "unknown rule `\(o.name)`" }
            var text = "rule **\(r.id)**: \(r.title)\n\n"
            text += "STRIDE: \(r.stride.joined(separator: ", ")) · applies to \(r.appliesTo.map(\.rawValue).joined(separator: ", "))"
            text += " · likelihood \(r.likelihood), impact \(r.impact)"
            let tags = r.cwe.map { "CWE-\($0)" } + r.capec.map { "CAPEC-\($0)" }
            if !tags.isEmpty { text += "\n\n" + tags.joined(separator: " ") }
            if !r.description.isEmpty { text += "\n\n" + r.description }
            return text
        case .data:
            guard let d = index.declarations(of: o.name, kind: .data).first else { return "unknown data asset `\(o.name)`" }
            return heading(d) + (d.attributes.isEmpty ? "" : "\n\n" + d.attributes.map { "`\($0)`" }.joined(separator: " · "))
        case .element:
            guard let d = index.declarations(of: o.name, kind: .element).first else { return "unknown element `\(o.name)`" }
            return component(d)
        case .flowArrow(let id):
            guard let d = index.declarations.first(where: { $0.kind == .flow && $0.id == id }) else { return nil }
            return component(d)
        case .modelName:
            var text = "model **\(o.name)**"
            guard let a = project.analysis else { return text + "\n\n_no analysis yet: the model has errors_" }
            text += "\n\ndeclared maturity level \(a.declaredLevel), evidenced level \(a.evidencedLevel)"
                + (core.levelName(a.evidencedLevel).map { " (\($0))" } ?? "")
            text += "\n\n\(FindingsFeature.plural(a.findingCount, "finding")), \(a.openCount) open"
            if project.isStale { text += " · _from the last valid version_" }
            return text
        }
    }

    private func heading(_ d: Declaration) -> String {
        "\(d.kind.rawValue) **\(d.id)**" + (d.displayName.map { " \"\($0)\"" } ?? "")
            + (d.boundary.map { " in boundary `\($0)`" } ?? "")
    }

    private func component(_ d: Declaration) -> String {
        var text = heading(d)
        if let s = d.source, let t = d.target { text += "\n\n`\(s)` → `\(t)`" }
        if !d.attributes.isEmpty { text += "\n\n" + d.attributes.map { "`\($0)`" }.joined(separator: " · ") }
        if let analysis = project.analysis {
            text += "\n\n" + FindingsFeature.markdown(analysis.components[d.id], stale: project.isStale)
        } else {
            text += "\n\n_no analysis yet: the model has errors_"
        }
        return text
    }

    private func attributeDoc(_ a: AttributeInfo, on owner: DeclKind) -> String {
        var text = "**\(a.name)** (\(a.type)"
        if let target = a.target { text += " of \(target) ids" }
        text += ") on \(a.kinds.map(\.rawValue).joined(separator: ", "))"
        if !a.kinds.contains(owner) { text += "\n\n_not allowed on \(owner.rawValue)_" }
        if let doc = a.doc { text += "\n\n" + doc }
        if !a.values.isEmpty {
            text += "\n\nvalues: " + a.values.map { "`\($0)`" }.joined(separator: ", ")
            if let d = a.defaultValue { text += " (default `\(d)`)" }
        }
        if a.min != nil || a.max != nil {
            func f(_ x: Double?) -> String { x.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "…" }
            text += "\n\nrange: \(f(a.min)) to \(f(a.max))"
        }
        return text
    }
}

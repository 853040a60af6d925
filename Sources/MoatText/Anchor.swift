/// Fragment identifiers for components, shared by the diagram's links and the report's sections.
public enum Anchor {
    /// `prefix` + the id with every character outside `[A-Za-z0-9_-]` replaced by `_`.
    public static func make(_ prefix: String, _ id: String) -> String {
        prefix + String(String.UnicodeScalarView(id.unicodeScalars.map { scalar in
            (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
                ? scalar : "_"
        }))
    }
}

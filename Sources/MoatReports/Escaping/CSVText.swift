/// Escapes CSV fields (RFC 4180) and defuses spreadsheet formulas: the one place CSV is made safe.
public enum CSVText {
    /// A quoted field; a value starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`
    /// so spreadsheets show it as text instead of evaluating it. Control characters other than tab and
    /// line feed (escape sequences, bells, C1 controls) become spaces, as in the table output, so a CSV
    /// printed to a terminal cannot drive it.
    public static func field(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 3)
        if let first = s.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            out.append("'")
        }
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out.append("\"\"")
            case 0x09, 0x0A: out.unicodeScalars.append(scalar)
            case 0x00..<0x20, 0x7F..<0xA0: out.append(" ")
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
        return out
    }

    /// One CSV line of fields, ending in CRLF as RFC 4180 says.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}

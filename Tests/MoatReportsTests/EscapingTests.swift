import Testing
@testable import MoatReports

@Suite("Escaping user text per format")
struct EscapingTests {
    @Test("Markdown: markup characters and HTML come out literally",
          arguments: ["<script>alert(1)</script>", "**bold** _it_ [link](http://x)", "a | b", "# heading", "`code`", "line\nbreak"])
    func markdownEscapes(_ hostile: String) {
        let escaped = MarkdownText.escape(hostile)
        #expect(!escaped.contains("<"))
        #expect(!escaped.contains("\n"))
        for special in ["*", "_", "[", "]", "|", "#", "`"] where hostile.contains(special) {
            // Every special character is preceded by a backslash.
            let bare = escaped.replacingOccurrences(of: "\\" + special, with: "")
            #expect(!bare.contains(special), "unescaped \(special) in \(escaped)")
        }
    }

    @Test("Markdown: plain words are unchanged")
    func markdownPlain() {
        #expect(MarkdownText.escape("Orders DB") == "Orders DB")
    }

    @Test("CSV: formulas are defused and quotes doubled",
          arguments: [("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""), ("+1", "\"'+1\""), ("-2", "\"'-2\""),
                      ("@SUM(A1)", "\"'@SUM(A1)\""), ("plain", "\"plain\""), ("a,b", "\"a,b\"")])
    func csvField(_ input: String, _ expected: String) {
        #expect(CSVText.field(input) == expected)
    }
}

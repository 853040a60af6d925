import Foundation
import Testing
import MoatCore

/// `JSONOutput.string` skips plain text eight bytes at a time; every character that needs escaping must
/// still be escaped wherever it falls in a word, and the text must read back unchanged.
@Suite("JSON output")
struct JSONOutputTests {
    static let specials: [String] = ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1B}", "\u{1F}", "\u{7F}", "é", "\u{2028}",
                                     "\u{2029}", "😀", "\u{80}"]

    @Test(arguments: specials)
    func everySpecialCharacterIsEscapedAtEveryOffset(special: String) throws {
        for offset in 0..<20 {
            let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset)
            var out = JSONOutput(pretty: false)
            out.string(text)
            let json = out.text
            // Only printable ASCII (and non-ASCII text) is left raw.
            #expect(!json.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{2028}" || $0 == "\u{2029}" },
                    "offset \(offset): \(json.debugDescription)")
            let back = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
            #expect(back == text, "offset \(offset): \(json.debugDescription)")
        }
    }

    @Test func plainTextIsCopiedAsIs() {
        let text = String(repeating: "Plain text, numbers 0123456789 and {braces} / slashes. ", count: 40)
        var out = JSONOutput(pretty: false)
        out.string(text)
        #expect(out.text == "\"" + text + "\"")
    }

    @Test func escapesUseTheShortFormsAndLowercaseHex() {
        var out = JSONOutput(pretty: false)
        out.string("a\"b\\c\nd\u{1}e\u{7F}f\u{2028}")
        #expect(out.text == #""a\"b\\c\nd\u0001e\u007ff\u2028""#)
    }
}

import Foundation
import Testing
import MoatCore

/// `JSONOutput.string` skips plain text eight bytes at a time; every character that needs escaping must
/// still be escaped wherever it falls in a word, and the text must read back unchanged.
@Suite("JSON output")
struct JSONOutputTests {
    static let specials: [String] = ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1B}", "\u{1F}", "\u{7F}", "é", "\u{2028}",
                                     "\u{2029}", "😀", "\u{80}", "\u{85}", "\u{9F}", "\u{A0}", "\u{FFFE}", "\u{FFFF}", "\u{FFFD}"]

    @Test(arguments: specials)
    func everySpecialCharacterIsEscapedAtEveryOffset(special: String) throws {
        // Every length up to three words, and every place in it: plain text is checked a word at a time, the
        // last word overlapping the one before, and text shorter than a word byte by byte.
        for (offset, after) in (0..<24).flatMap({ length in (0...length).map { ($0, length - $0) } }) {
            let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: after)
            var out = JSONOutput(pretty: false)
            out.string(text)
            let json = out.text
            // Only printable ASCII (and non-ASCII text) is left raw.
            #expect(!json.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}"
                        || $0 == "\u{2029}" || $0.value == 0xFFFE || $0.value == 0xFFFF },
                    "offset \(offset), \(after) after: \(json.debugDescription)")
            let back = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
            #expect(back == text, "offset \(offset), \(after) after: \(json.debugDescription)")
        }
    }

    @Test("C1 controls and U+FFFE/U+FFFF are escaped, so JSON Moat writes reads back through YAML (issue 19.10)")
    func c1ControlsAndNonCharacters() {
        var out = JSONOutput(pretty: false)
        out.string("x\u{85}y\u{9F}z\u{FFFE}w\u{FFFF}\u{A0}")
        #expect(out.text == #""x\u0085y\u009fz\ufffew\uffff"# + "\u{A0}\"")
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

    @Test("outputs are values: a copy written to leaves the original as it was; growing past the reserved room keeps every byte")
    func outputsAreValues() {
        var original = JSONOutput(pretty: false, capacity: 16)
        original.raw("[")
        var copy = original
        copy.string("written to the copy only, and longer than the sixteen bytes reserved")
        original.raw("]")
        #expect(original.text == "[]")
        #expect(copy.text == "[\"written to the copy only, and longer than the sixteen bytes reserved\"")
        // Appending an output to itself reads what it had before the append.
        copy.append(copy)
        #expect(copy.bytes.count == 2 * 71)
        #expect(copy.text.hasSuffix("reserved\"[\"written to the copy only, and longer than the sixteen bytes reserved\""))
    }

    @Test("lists and objects written item by item are laid out as the same values written whole", arguments: [true, false])
    func streamedValuesMatchTrees(pretty: Bool) {
        let ids = ["a@x", "b \"quoted\"", "c"], levels = [("x", 1), ("y\n", 5)]
        for n in 0...ids.count {
            var whole = JSONOutput(pretty: pretty), streamed = JSONOutput(pretty: pretty)
            let tree = JSONValue.object([
                ("ids", .array(ids.prefix(n).map { .string($0) })),
                ("levels", .object(levels.prefix(n).map { ($0.0, .number(Double($0.1))) })),
            ])
            whole.value(tree, indent: 1)
            streamed.object(count: 2, indent: 1) { out, i in
                if i == 0 {
                    out.key("ids")
                    out.list(count: n) { out, j in out.string(ids[j]) }
                } else {
                    out.key("levels")
                    out.object(count: min(n, levels.count), indent: 2) { out, j in
                        out.key(levels[j].0)
                        out.integer(levels[j].1)
                    }
                }
            }
            #expect(streamed.text == whole.text, "\(n) items")
        }
        var empty = JSONOutput(pretty: pretty)
        empty.object(count: 0, indent: 0) { _, _ in }
        empty.list(count: 0) { _, _ in }
        #expect(empty.text == "{}[]")
    }
}

/// Joins single-page PDFs (Graphviz's, through cairo) into one document of several pages: what
/// `moat diagram --slides -o deck.pdf` writes. Each input's objects are renumbered into one sequence and
/// its pages are hung under one page tree; stream data is copied byte for byte. Only PDFs with a classic
/// cross-reference table are read (cairo 1.16 writes them); anything else is refused.
public enum PDFPages {
    /// A PDF this joiner cannot read (no cross-reference table, no page tree).
    public struct Unreadable: Error, CustomStringConvertible {
        /// What was missing.
        public var description: String
    }

    /// One PDF whose pages are the pages of `documents`, in order. The creation date is the first document's.
    public static func merge(_ documents: [[UInt8]]) throws -> [UInt8] {
        var objects: [[UInt8]] = []  // the new objects, numbered from 1, without "N 0 obj" and "endobj"
        var kids: [Int] = []
        var info: [UInt8]?
        let pagesNumber = 1, catalogNumber = 2
        objects.append([])  // the page tree, written last
        objects.append([])  // the catalogue
        for document in documents {
            let read = try objectsOf(document)
            var renumber: [Int: Int] = [:]
            var pagesRoot: Int?
            for (number, body) in read.objects.sorted(by: { $0.key < $1.key }) {
                let dictionary = dictionaryPart(body)
                if contains(dictionary, "/Type /Catalog") { continue }
                if number == read.info {
                    if info == nil { info = body }
                    continue
                }
                if contains(dictionary, "/Type /Pages") {
                    // The document's page tree: its pages hang under the new one.
                    pagesRoot = number
                    renumber[number] = pagesNumber
                    continue
                }
                objects.append(body)
                renumber[number] = objects.count
            }
            guard pagesRoot != nil else { throw Unreadable(description: "a PDF without a page tree") }
            let first = objects.count - renumber.values.filter { $0 != pagesNumber }.count
            for index in first..<objects.count {
                objects[index] = renumbered(objects[index], renumber)
                if contains(dictionaryPart(objects[index]), "/Type /Page") && !contains(dictionaryPart(objects[index]), "/Type /Pages") {
                    kids.append(index + 1)
                }
            }
        }
        objects[pagesNumber - 1] = Array("<< /Type /Pages\n   /Kids [ \(kids.map { "\($0) 0 R" }.joined(separator: " ")) ]\n   /Count \(kids.count)\n>>\n".utf8)
        objects[catalogNumber - 1] = Array("<< /Type /Catalog\n   /Pages \(pagesNumber) 0 R\n>>\n".utf8)
        var infoNumber: Int?
        if let info {
            objects.append(info)
            infoNumber = objects.count
        }
        var out = Array("%PDF-1.5\n%\u{b5}\u{ed}\u{ae}\u{fb}\n".utf8)
        var offsets: [Int] = []
        for (i, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(i + 1) 0 obj\n".utf8) + body
            if out.last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
            out += Array("endobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(repeating: "0", count: max(0, 10 - String(offset).count)) + "\(offset) 00000 n \n" }
        table += "trailer\n<< /Size \(objects.count + 1)\n   /Root \(catalogNumber) 0 R\n"
        if let infoNumber { table += "   /Info \(infoNumber) 0 R\n" }
        table += ">>\nstartxref\n\(xref)\n%%EOF\n"
        return out + Array(table.utf8)
    }

    /// The objects of a PDF by number (each body between "N 0 obj" and "endobj") and the number of its info dictionary.
    static func objectsOf(_ pdf: [UInt8]) throws -> (objects: [Int: [UInt8]], info: Int?) {
        guard let startxref = lastIndex(of: "startxref", in: pdf) else { throw Unreadable(description: "a PDF without startxref") }
        let tail = String(decoding: pdf[(startxref + 9)...], as: UTF8.self)
        guard let xref = tail.split(whereSeparator: \.isWhitespace).first.flatMap({ Int($0) }), xref < pdf.count,
              String(decoding: pdf[xref..<min(pdf.count, xref + 4)], as: UTF8.self) == "xref" else {
            throw Unreadable(description: "a PDF without a classic cross-reference table")
        }
        let lines = String(decoding: pdf[xref...], as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        var offsets: [(number: Int, offset: Int)] = []
        var index = 1
        var trailer = ""
        while index < lines.count {
            let fields = lines[index].split(separator: " ")
            if lines[index].hasPrefix("trailer") {
                trailer = lines[index...].prefix(8).joined(separator: "\n")
                break
            }
            guard fields.count == 2, let start = Int(fields[0]), let count = Int(fields[1]) else {
                throw Unreadable(description: "a cross-reference section that cannot be read")
            }
            for k in 0..<count where index + 1 + k < lines.count {
                let entry = lines[index + 1 + k].split(separator: " ")
                if entry.count >= 3, entry[2] == "n", let offset = Int(entry[0]) { offsets.append((start + k, offset)) }
            }
            index += 1 + count
        }
        // cairo 1.16 lists objects it never wrote (the structure tree's) at the offset of another object:
        // only entries whose offset starts "N 0 obj" with their own number are objects.
        offsets = offsets.filter { entry in
            let header = Array("\(entry.number) 0 obj".utf8)
            return entry.offset + header.count <= pdf.count && Array(pdf[entry.offset..<(entry.offset + header.count)]) == header
                && (entry.offset == 0 || !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(pdf[entry.offset - 1]))
        }
        var objects: [Int: [UInt8]] = [:]
        let sorted = offsets.sorted { $0.offset < $1.offset }
        for (i, entry) in sorted.enumerated() {
            let end = i + 1 < sorted.count ? sorted[i + 1].offset : xref
            guard entry.offset < end, end <= pdf.count else { throw Unreadable(description: "an object outside the file") }
            var body = Array(pdf[entry.offset..<end])
            // Drop "N 0 obj" and the last "endobj".
            guard let header = firstIndex(of: "obj", in: body), let footer = lastIndex(of: "endobj", in: body) else {
                throw Unreadable(description: "object \(entry.number) cannot be read")
            }
            body = Array(body[(header + 3)..<footer])
            while let first = body.first, first == UInt8(ascii: "\n") || first == UInt8(ascii: "\r") || first == UInt8(ascii: " ") {
                body.removeFirst()
            }
            objects[entry.number] = body
        }
        var info: Int?
        if let range = trailer.range(of: "/Info ") {
            info = trailer[range.upperBound...].split(separator: " ").first.flatMap { Int($0) }
        }
        return (objects, info)
    }

    /// The part of an object before its stream data (all of it when it has none): what may hold references.
    static func dictionaryPart(_ body: [UInt8]) -> ArraySlice<UInt8> {
        if let stream = firstIndex(of: "stream", in: body) { return body[..<stream] }
        return body[...]
    }

    /// `body` with every reference "N 0 R" before its stream data renumbered; a reference to an object that
    /// is not in `numbers` (never written, or dropped) becomes `null`.
    static func renumbered(_ body: [UInt8], _ numbers: [Int: Int]) -> [UInt8] {
        let head = dictionaryPart(body)
        let text = String(decoding: head, as: UTF8.self)
        var out = ""
        var rest = Substring(text)
        while let r = rest.range(of: " 0 R") {
            // The digits just before " 0 R".
            var start = r.lowerBound
            while start > rest.startIndex, rest[rest.index(before: start)].isNumber { start = rest.index(before: start) }
            if start < r.lowerBound, let old = Int(rest[start..<r.lowerBound]) {
                out += rest[..<start] + (numbers[old].map { "\($0) 0 R" } ?? "null")
            } else {
                out += rest[..<r.upperBound]
            }
            rest = rest[r.upperBound...]
        }
        out += rest
        return Array(out.utf8) + Array(body[head.endIndex...])
    }

    static func contains(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
        firstIndex(of: text, in: Array(bytes)) != nil
    }

    static func firstIndex(of text: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(text.utf8)
        guard needle.count <= bytes.count else { return nil }
        for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    static func lastIndex(of text: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(text.utf8)
        guard needle.count <= bytes.count else { return nil }
        for i in stride(from: bytes.count - needle.count, through: 0, by: -1)
        where bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

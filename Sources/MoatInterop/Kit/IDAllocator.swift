import Foundation
import MoatCore

/// Makes valid, unique, deterministic Moat ids from foreign ids and names, with the one identifier grammar of the
/// language (`Identifier`).
///
/// Ids keep ASCII letters, digits, `_` and `-` (lowercased); any other run of characters becomes one `-`; accents are
/// folded. An id must start with a letter, so one starting with a digit gets the kind as prefix. Keywords and taken
/// ids get a suffix. The same input in the same order always gives the same ids.
struct IDAllocator {
    private(set) var taken: Set<String> = []
    static let maximumLength = 48

    init(reserved: Set<String> = []) { taken = reserved }

    /// The id for `preferred` (a foreign id or a name), or `fallback-N` when nothing usable is left.
    mutating func make(_ preferred: String?, fallback: String) -> String {
        var base = preferred.map(Self.sanitize) ?? ""
        if base.isEmpty {
            var n = 1
            while taken.contains("\(fallback)-\(n)") { n += 1 }
            return claim("\(fallback)-\(n)")
        }
        if let first = base.unicodeScalars.first, !CharacterSet.lowercaseLetters.contains(first), first != "_" {
            base = fallback + "-" + base
        }
        if Identifier.keywords.contains(base) { base += "-\(fallback)" }
        var id = base
        var n = 2
        while taken.contains(id) || !Identifier.isValid(id) {
            id = "\(base)-\(n)"
            n += 1
        }
        return claim(id)
    }

    /// `id` itself when it is already a valid, free Moat id (files written by Moat keep their ids), else `make`.
    mutating func make(exact id: String, fallback: String) -> String {
        if Identifier.isValid(id), id.utf8.count <= 200, !taken.contains(id) { return claim(id) }
        return make(id, fallback: fallback)
    }

    private mutating func claim(_ id: String) -> String {
        taken.insert(id)
        return id
    }

    /// The id form of a text, possibly empty.
    static func sanitize(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var out = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            let v = scalar.value
            let isAlnum = (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A)
            if isAlnum || v == 0x5F {
                if pendingDash && !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(Unicode.Scalar(v >= 0x41 && v <= 0x5A ? v + 32 : v)!)
            } else {
                pendingDash = true
            }
        }
        if out.count > maximumLength {
            let cut = String(out.prefix(maximumLength))
            if let dash = cut.lastIndex(of: "-"), cut.distance(from: cut.startIndex, to: dash) >= maximumLength / 2 {
                out = String(cut[..<dash])
            } else {
                out = cut
            }
        }
        return out
    }
}

import Foundation

/// File paths and `file:` URIs. Paths are the keys of everything the server holds; a canonical path has
/// `.`/`..` removed and symbolic links resolved, as the model loader compares include paths.
enum DocumentURI {
    /// The path of a `file:` URI (percent-decoded), or nil for other schemes.
    static func path(of uri: String) -> String? {
        guard let url = URL(string: uri), url.isFileURL else {
            // Some clients do not escape spaces; accept `file://` followed by a raw absolute path.
            if uri.hasPrefix("file://") {
                let rest = String(uri.dropFirst(7))
                if rest.hasPrefix("/") { return rest.removingPercentEncoding ?? rest }
            }
            return nil
        }
        let path = url.path
        return path.isEmpty ? nil : path
    }

    /// The `file:` URI of an absolute path.
    static func uri(ofPath path: String) -> String {
        URL(fileURLWithPath: path).absoluteString
    }

    /// The path with `.`/`..` removed and links resolved.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// A stand-in path for a document that has no file (an `untitled:` buffer), unique per URI.
    static func virtualPath(for uri: String) -> String {
        let safe = uri.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
        return "/nonexistent-moat-buffer/" + String(safe.suffix(120)) + ".moat"
    }
}

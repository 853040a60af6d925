internal import CGraphviz
import Foundation

/// Output formats Moat renders through Graphviz.
public enum DiagramFormat: String, Sendable, CaseIterable {
    /// Scalable vector graphics: for browsers, the HTML review pack and `moat watch`.
    case svg
    /// A raster image (96 dpi).
    case png
    /// A PDF document, for printing.
    case pdf
    /// The DOT source with the layout attributes Moat chose, not laid out: for editing or running Graphviz yourself.
    case dot

    /// The format from a file name's extension.
    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }
}

/// Layout engines Moat uses.
public enum LayoutEngine: String, Sendable, CaseIterable {
    /// Layered: flows run one way, boundaries are nested clusters (the default).
    case dot
    /// Force-directed with clusters: keeps every boundary, for models without a main direction.
    case fdp
    /// Force-directed for very large graphs; it cannot draw clusters, so Moat uses it only for
    /// overviews, where each boundary is a node.
    case sfdp
}

/// Why Graphviz could not render.
public enum RenderError: Error, CustomStringConvertible, Equatable {
    /// Graphviz rejected the DOT text (a bug in Moat's builder, or a hostile `--format dot` round trip).
    case invalidGraph(String)
    /// The layout engine failed.
    case layoutFailed(String)
    /// This Graphviz installation cannot produce the format (an environment problem: exit 3).
    case formatUnavailable(String)

    public var description: String {
        switch self {
        case .invalidGraph(let m): return "Graphviz could not read the graph: \(m)"
        case .layoutFailed(let m): return "Graphviz layout failed: \(m)"
        case .formatUnavailable(let f): return "this Graphviz installation cannot render '\(f)' (is the plugin installed?)"
        }
    }
}

/// Graphviz's error callback writes here; only the renderer actor touches it, one job at a time.
nonisolated(unsafe) private var graphvizMessages: [String] = []

private func collectGraphvizMessage(_ message: UnsafeMutablePointer<CChar>?) -> Int32 {
    if let message { graphvizMessages.append(String(cString: message)) }
    return 0
}

/// The only code that calls Graphviz. Graphviz is not thread-safe, so every call goes through this actor;
/// each job resets Graphviz's error state, captures its messages and frees every buffer and graph.
public actor GraphvizRenderer {
    /// One shared renderer per process.
    public static let shared = GraphvizRenderer()

    private init() {
        agseterrf(collectGraphvizMessage)
        _ = agseterr(AGERR)
    }

    /// Lays out `dot` with `layout` and renders it as `format` (SVG, PNG or PDF bytes).
    public func render(dot: String, format: DiagramFormat, layout: LayoutEngine) throws -> [UInt8] {
        if format == .dot { return Array(dot.utf8) }
        return try render(dot: dot, formatName: format.rawValue, layoutName: layout.rawValue)
    }

    /// Renders with Graphviz format and layout names as given (tests use it for unavailable formats).
    /// Graphviz recurses as deep as the longest path of the graph, so the work runs on a thread of its own
    /// with a 512 MiB stack (address space: only the pages used are touched) instead of a 512 KiB–8 MiB
    /// thread of the concurrency pool, where long chains overflowed it (SIGSEGV).
    func render(dot: String, formatName: String, layoutName: String) throws -> [UInt8] {
        try LargeStack.run { try self.renderNow(dot: dot, formatName: formatName, layoutName: layoutName) }
    }

    private nonisolated func renderNow(dot: String, formatName: String, layoutName: String) throws -> [UInt8] {
        // A fresh context per job: Graphviz keeps counters (SVG cluster ids) in the context, so reusing
        // one would make the same graph render differently the second time.
        let context = gvContext()
        defer { gvFreeContext(context) }
        graphvizMessages.removeAll()
        _ = agreseterrors()
        // Read with canonical subgraph ids (shim.h): cgraph's default ids are heap addresses, which
        // made the order of clusters, and so the layout, vary from one render to the next.
        guard let graph = dot.withCString({ moat_agmemread_canonical($0) }) else {
            throw RenderError.invalidGraph(messages(or: "unreadable DOT"))
        }
        defer { agclose(graph) }
        guard gvLayout(context, graph, layoutName) == 0 else {
            throw RenderError.layoutFailed(messages(or: "layout '\(layoutName)' failed"))
        }
        defer { gvFreeLayout(context, graph) }
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        let status = moat_gv_render_data(context, graph, formatName, &buffer, &length)
        defer { if let buffer { gvFreeRenderData(buffer) } }
        guard status == 0, let buffer else {
            let detail = messages(or: "")
            if detail.contains("not recognized") || detail.contains("unavailable") || detail.contains("Format") || detail.isEmpty {
                throw RenderError.formatUnavailable(formatName)
            }
            throw RenderError.layoutFailed(detail)
        }
        let bytes = buffer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        return formatName == "pdf" ? PDFDate.fix(bytes) : bytes
    }

    private nonisolated func messages(or fallback: String) -> String {
        let text = graphvizMessages.joined().trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? fallback : text
    }
}

/// PDF creation dates: cairo 1.16 stamps every PDF with the time of rendering, so two renders of the
/// same diagram differed. The date becomes `SOURCE_DATE_EPOCH` (reproducible-builds.org) when set, and a
/// fixed date otherwise; the replacement has the same length, so the cross-reference offsets stay right.
public enum PDFDate {
    /// The date written when `SOURCE_DATE_EPOCH` is not set: 2000-01-01 00:00:00 UTC.
    public static let defaultEpoch = 946_684_800

    /// `D:YYYYMMDDHHmmSSZ` for seconds since 1970 (UTC).
    public static func text(epoch: Int) -> String {
        let days = epoch >= 0 ? epoch / 86_400 : (epoch - 86_399) / 86_400
        let seconds = epoch - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = String(year)
        return "D:" + String(repeating: "0", count: max(0, 4 - y.count)) + y + two(month) + two(day)
            + two(seconds / 3600) + two(seconds / 60 % 60) + two(seconds % 60) + "Z"
    }

    /// The epoch to stamp: `SOURCE_DATE_EPOCH` when it is a whole number of seconds from 0 to 9999-12-31.
    public static func epoch(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let value = environment["SOURCE_DATE_EPOCH"], let n = Int(value.trimmingCharacters(in: .whitespaces)),
           n >= 0, n < 253_402_300_800 {
            return n
        }
        return defaultEpoch
    }

    /// `pdf` with every `/CreationDate (D:…Z)` and `/ModDate (D:…Z)` of cairo's form set to `epoch`.
    public static func fix(_ pdf: [UInt8], epoch: Int = PDFDate.epoch()) -> [UInt8] {
        let stamp = Array(text(epoch: epoch).utf8)  // 17 bytes, as cairo writes them
        var out = pdf
        for key in ["/CreationDate (", "/ModDate ("] {
            let pattern = Array(key.utf8)
            var i = 0
            while let found = find(pattern, in: out, from: i) {
                let start = found + pattern.count
                let end = start + stamp.count
                if end < out.count, out[start] == UInt8(ascii: "D"), out[start + 1] == UInt8(ascii: ":"),
                   out[end - 1] == UInt8(ascii: "Z"), out[end] == UInt8(ascii: ")") {
                    out.replaceSubrange(start..<end, with: stamp)
                }
                i = start
            }
        }
        return out
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard pattern.count <= bytes.count else { return nil }
        var i = from
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0] && bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
            i += 1
        }
        return nil
    }
}

/// Runs work on a new thread with a large stack and waits for it.
enum LargeStack {
    static let size = 512 << 20

    private final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func run<T>(_ body: () throws -> T) throws -> T {
        nonisolated(unsafe) var result: Result<T, Error>?
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            let job = Unmanaged.passRetained(Job { result = Result { try work() } })
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, size)
            var thread = pthread_t()
            let status = pthread_create(&thread, &attributes, { context in
                Unmanaged<Job>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, job.toOpaque())
            if status != 0 {
                // No thread to be had: run here, as before.
                job.release()
                result = Result { try body() }
                return
            }
            pthread_join(thread, nil)
        }
        return try result!.get()
    }
}

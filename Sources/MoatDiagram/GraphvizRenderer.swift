internal import CGraphviz
import Foundation

/// Output formats Moat renders through Graphviz.
public enum DiagramFormat: String, Sendable, CaseIterable {
    case svg, png, pdf, dot

    /// The format from a file name's extension.
    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }
}

/// Layout engines Moat uses.
public enum LayoutEngine: String, Sendable, CaseIterable {
    case dot, sfdp
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
    func render(dot: String, formatName: String, layoutName: String) throws -> [UInt8] {
        // A fresh context per job: Graphviz keeps counters (SVG cluster ids) in the context, so reusing
        // one would make the same graph render differently the second time.
        let context = gvContext()
        defer { gvFreeContext(context) }
        graphvizMessages.removeAll()
        _ = agreseterrors()
        guard let graph = dot.withCString({ agmemread($0) }) else {
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
        return buffer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    private func messages(or fallback: String) -> String {
        let text = graphvizMessages.joined().trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? fallback : text
    }
}

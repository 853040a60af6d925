import Foundation
import MCP
import MoatCore
@testable import MoatMCP
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The server reads only files under its root: paths given to tools and resources, and includes.
@Suite(.timeLimit(.minutes(10)))
struct MCPRootTests {
    /// A root folder `project` inside a parent that also holds a file outside it.
    struct Layout {
        let parent: TempRoot
        let root: String
        let outside: String

        init() throws {
            parent = try TempRoot()
            root = try parent.subfolder("project")
            outside = try parent.write("outside.moat", shopModel)
            try parent.write("project/shop.moat", shopModel)
        }

        func write(_ name: String, _ text: String) throws { try parent.write("project/" + name, text) }
        func link(_ name: String, to target: String) throws { try parent.link("project/" + name, to: target) }
        var realRoot: String { URL(fileURLWithPath: root).resolvingSymlinksInPath().path }
    }

    static let pathTools = ["validate_model", "analyze_model", "render_diagram"]

    @Test func climbingOutWithDotDotIsRefused() async throws {
        let layout = try Layout()
        try await withSession(root: layout.root) { session in
            for tool in Self.pathTools {
                for path in ["../outside.moat", "sub/../../outside.moat", "./../outside.moat", "..", "../project/../outside.moat"] {
                    let answer = try await session.call(tool, ["path": .string(path)])
                    #expect(answer.isError, "\(tool) \(path)")
                    #expect(answer.text == "'\(path)' leaves the server's root folder \(layout.realRoot) (through '..'); "
                            + "only files under it can be read", "\(tool) \(path)")
                }
            }
            // `..` that stays inside the root is fine.
            try layout.write("models/a.moat", shopModel)
            let inside = try await session.call("validate_model", ["path": "models/../models/a.moat"])
            #expect(!inside.isError)
            #expect((try inside.json() as? [String: Any])?["file"] as? String == "models/a.moat")
        }
    }

    @Test func absolutePathsAreRefused() async throws {
        let layout = try Layout()
        try await withSession(root: layout.root) { session in
            for path in [layout.outside, "/etc/passwd", layout.root + "/shop.moat", "/"] {
                for tool in Self.pathTools {
                    let answer = try await session.call(tool, ["path": .string(path)])
                    #expect(answer.isError, "\(tool) \(path)")
                    #expect(answer.text == "'\(path)' is an absolute path; paths are relative to the server's root folder \(layout.realRoot)")
                }
            }
            let explain = try await session.call("explain_finding", ["path": "/etc/passwd", "finding": "a@b"])
            #expect(explain.isError && explain.text.contains("is an absolute path"))
        }
    }

    @Test func symbolicLinksThatLeaveTheRootAreRefused() async throws {
        let layout = try Layout()
        try layout.link("escape.moat", to: layout.outside)
        try layout.link("relative-escape.moat", to: "../outside.moat")
        try layout.link("outdir", to: layout.parent.path)
        try layout.link("inside.moat", to: "shop.moat")
        try layout.link("loop.moat", to: "loop.moat")
        try await withSession(root: layout.root) { session in
            for path in ["escape.moat", "relative-escape.moat", "outdir/outside.moat", "outdir/project/../outside.moat"] {
                let answer = try await session.call("validate_model", ["path": .string(path)])
                #expect(answer.isError, "\(path)")
                #expect(answer.text == "'\(path)' leads outside the server's root folder \(layout.realRoot) (through a symbolic link); "
                        + "only files under it can be read", "\(path)")
            }
            // `outdir/project/shop.moat` is the root's own file reached through the link: inside, so allowed.
            #expect(!(try await session.call("validate_model", ["path": "outdir/project/shop.moat"])).isError)
            let inside = try await session.call("analyze_model", ["path": "inside.moat"])
            #expect(!inside.isError)
            let loop = try await session.call("validate_model", ["path": "loop.moat"])
            #expect(loop.isError && loop.text.contains("loop of symbolic links"))
        }
    }

    @Test func includesThatLeaveTheRootAreRefusedAtTheInclude() async throws {
        let layout = try Layout()
        try layout.link("escape.moat", to: layout.outside)
        try layout.write("models/dotdot.moat", "include \"../../outside.moat\"\n")
        try layout.write("models/absolute.moat", "include \"\(layout.outside)\"\n")
        try layout.write("models/linked.moat", "include \"../escape.moat\"\n")
        try layout.write("common/parts.moat", "actor visitor \"Visitor\" { type user }\n")
        try layout.write("models/fine.moat", "include \"../common/parts.moat\"\nprocess web { type web-app }\nvisitor -> web { protocol https }\n")
        try layout.write("models/missing.moat", "include \"nothing.moat\"\n")
        try await withSession(root: layout.root) { session in
            func diagnostic(_ path: String) async throws -> [String: Any] {
                let answer = try await session.call("validate_model", ["path": .string(path)])
                #expect(!answer.isError, "\(path)")
                let json = try #require(try answer.json() as? [String: Any])
                #expect(json["valid"] as? Bool == false, "\(path)")
                return try #require((json["diagnostics"] as? [[String: Any]])?.first, "\(path)")
            }
            let dotdot = try await diagnostic("models/dotdot.moat")
            #expect(dotdot["file"] as? String == "models/dotdot.moat" && dotdot["line"] as? Int == 1 && dotdot["column"] as? Int == 9)
            #expect(dotdot["message"] as? String == "'models/../../outside.moat': leaves the server's root folder "
                    + "\(layout.realRoot) (through '..'); only files under it can be read")
            let absolute = try await diagnostic("models/absolute.moat")
            #expect(absolute["message"] as? String == "'\(layout.outside)': is an absolute path; paths are relative to the "
                    + "server's root folder \(layout.realRoot)")
            let linked = try await diagnostic("models/linked.moat")
            #expect(linked["message"] as? String == "'models/../escape.moat': leads outside the server's root folder "
                    + "\(layout.realRoot) (through a symbolic link); only files under it can be read")
            let missing = try await diagnostic("models/missing.moat")
            #expect(missing["message"] as? String == "cannot include 'nothing.moat': no such file")

            // An include inside the root is read, and the analysis sees what it declares.
            let fine = try #require(try await session.call("validate_model", ["path": "models/fine.moat"]).json() as? [String: Any])
            #expect(fine["valid"] as? Bool == true, "\(fine)")
            #expect((fine["model"] as? [String: Any])?["files"] as? [String] == ["models/fine.moat", "models/../common/parts.moat"])
            #expect((fine["model"] as? [String: Any])?["elements"] as? Int == 2)

            // The tools that analyse say so as an error, with the include's place.
            let analyze = try await session.call("analyze_model", ["path": "models/linked.moat"])
            #expect(analyze.isError)
            #expect(analyze.text.contains("models/linked.moat:1:9: error: 'models/../escape.moat': leads outside"))
        }
    }

    @Test func missingFilesDirectoriesAndSpecialFiles() async throws {
        let layout = try Layout()
        try layout.write("models/a.moat", shopModel)
        let fifo = layout.root + "/pipe.moat"
        #expect(mkfifo(fifo, 0o600) == 0)
        try await withSession(root: layout.root) { session in
            let missing = try await session.call("validate_model", ["path": "nothing.moat"])
            #expect(missing.isError && missing.text == "'nothing.moat' does not exist under the server's root folder \(layout.realRoot)")
            let directory = try await session.call("validate_model", ["path": "models"])
            #expect(directory.isError && directory.text == "'models' is a directory, not a model file")
            let dot = try await session.call("validate_model", ["path": "."])
            #expect(dot.isError && dot.text == "'.' is a directory, not a model file")
            // A FIFO would block a plain open; it is refused at once.
            let pipe = try await session.call("validate_model", ["path": "pipe.moat"])
            #expect(pipe.isError && pipe.text == "'pipe.moat' is not a regular file")
            let empty = try await session.call("validate_model", ["path": ""])
            #expect(empty.isError && empty.text == "validate_model: the argument 'path' must not be empty")
            let nul = try await session.call("validate_model", ["path": "shop.moat\u{0}.txt"])
            #expect(nul.isError)
        }
    }

    @Test func resourcesAreConfinedToo() async throws {
        let layout = try Layout()
        try layout.link("escape.moat", to: layout.outside)
        try await withSession(root: layout.root) { session in
            for uri in ["moat://models/..%2Foutside.moat", "moat://models/../outside.moat", "moat://models/%2Fetc%2Fpasswd",
                        "moat://models/escape.moat"] {
                do {
                    _ = try await session.client.readResource(uri: uri)
                    Issue.record("\(uri) was read")
                } catch let error as MCPError {
                    #expect(error.code == -32602, "\(uri)")
                    let message = "\(error)"
                    #expect(message.contains("leaves the server's root folder") || message.contains("is an absolute path")
                            || message.contains("leads outside"), "\(uri): \(message)")
                }
            }
            let (resources, _) = try await session.client.listResources()
            #expect(!resources.contains { $0.uri.contains("escape") })
        }
    }

    @Test func theRootItselfMayBeReachedThroughALink() async throws {
        let layout = try Layout()
        try layout.parent.link("alias", to: layout.root)
        try await withSession(root: layout.parent.path + "/alias") { session in
            let answer = try await session.call("validate_model", ["path": "shop.moat"])
            #expect(!answer.isError)
            let escape = try await session.call("validate_model", ["path": "../outside.moat"])
            #expect(escape.isError)
        }
    }

    @Test func theReaderChecksWhatWasOpened() throws {
        let layout = try Layout()
        let root = try ServerRoot(layout.root)
        #expect(try root.read("shop.moat") == Array(shopModel.utf8))
        #expect(throws: ServerRoot.Refusal.self) { try root.read("../outside.moat") }
        #expect(try root.normalise("a/./b//c/../d.moat") == "a/b/d.moat")
        #expect(throws: ServerRoot.Refusal.self) { try root.normalise("a/../../b") }
        #expect(throws: (any Error).self) { try ServerRoot(layout.root + "/shop.moat") }
        #expect(throws: (any Error).self) { try ServerRoot(layout.root + "/none") }
    }
}

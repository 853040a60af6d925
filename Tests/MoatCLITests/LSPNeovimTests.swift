import Foundation
import TestSupport
import Testing

// `moat lsp` in a real editor: Neovim (Debian's package, installed by .ci/setup) runs headless with no
// configuration, starts the built `moat lsp` for a copy of a sample with an error in it, waits for the
// diagnostics, asks for a completion and a hover, jumps to a definition, writes what it saw and quits.

/// The Lua script Neovim runs (`-c 'luafile …'`); it reads its inputs from the environment.
private let neovimScript = #"""
-- Drives `moat lsp` from Neovim as a user's editor would, and writes what it saw to $MOAT_LSP_OUT.
local out_path = os.getenv('MOAT_LSP_OUT')
local results = { steps = {} }
local function step(name) table.insert(results.steps, name) end

local ok, err = pcall(function()
  local file = os.getenv('MOAT_LSP_FILE')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local config = {
    name = 'moat',
    cmd = { os.getenv('MOAT_BIN'), 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
  }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config)
  else
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, client_id)
  end
  results.client_id = client_id
  step('started')

  -- Diagnostics as the server publishes them.
  local got = vim.wait(60000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.severity == vim.diagnostic.severity.ERROR then return true end
    end
    return false
  end, 50)
  step(got and 'diagnostics' or 'no diagnostics')
  results.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    table.insert(results.diagnostics, { lnum = d.lnum, col = d.col, end_col = d.end_col, severity = d.severity,
                                        message = d.message, code = code, source = d.source })
  end

  local function at(line, needle, offset)
    local text = vim.api.nvim_buf_get_lines(buf, line - 1, line, false)[1]
    local col = string.find(text, needle, 1, true)
    vim.api.nvim_win_set_cursor(0, { line, col - 1 + (offset or 0) })
  end
  local target = tonumber(os.getenv('MOAT_LSP_LINE'))

  -- Completion after `protocol ` (the cursor at the end of the misspelt value).
  at(target, 'protocol ', string.len('protocol htps'))
  local params = vim.lsp.util.make_position_params()
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 30000) or {}
  results.completion = {}
  for _, r in pairs(responses) do
    local items = r.result and (r.result.items or r.result) or {}
    for _, item in ipairs(items) do table.insert(results.completion, item.label) end
  end
  step('completion')

  -- Hover on the attribute name.
  at(target, 'protocol ', 1)
  responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', vim.lsp.util.make_position_params(), 30000) or {}
  for _, r in pairs(responses) do
    if r.result and r.result.contents then results.hover = r.result.contents.value end
  end
  step('hover')

  -- Go to definition of the flow's target: the cursor moves to its declaration.
  at(target, '-> ', 3)
  local before = vim.api.nvim_win_get_cursor(0)
  vim.lsp.buf.definition()
  vim.wait(30000, function()
    local now = vim.api.nvim_win_get_cursor(0)
    return now[1] ~= before[1]
  end, 50)
  local after = vim.api.nvim_win_get_cursor(0)
  results.definition = { line = after[1], col = after[2], word = vim.fn.expand('<cword>') }
  step('definition')
end)

results.ok = ok
if not ok then results.error = tostring(err) end
vim.fn.writefile({ vim.fn.json_encode(results) }, out_path)
vim.cmd('qa!')
"""#

/// The first executable called `name` on the PATH.
private func onPath(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

@Suite("moat lsp: the built program, in Neovim and over stdio")
struct LSPNeovimTests {
    @Test(.timeLimit(.minutes(5)))
    func neovimShowsDiagnosticsCompletesAndJumps() throws {
        let nvim = try #require(onPath("nvim"), "Neovim is not installed; .ci/setup installs it (apt-get install neovim)")
        let moatBinary = try #require(BuiltBinary.url("moat"), "build moat first (swift build --build-tests)")
        let dir = try TempDir()
        defer { dir.cleanup() }
        // mobile-banking.moat with one misspelt protocol on the line of the flow ios-app -> idp.
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Samples/mobile-banking.moat"), encoding: .utf8)
        var lines = sample.components(separatedBy: "\n")
        let flowLine = try #require(lines.firstIndex { $0.hasPrefix("ios-app -> idp ") && $0.contains("protocol https") })
        lines[flowLine] = lines[flowLine].replacingOccurrences(of: "protocol https", with: "protocol htps")
        let model = try dir.write("mobile-banking.moat", lines.joined(separator: "\n"))
        let script = try dir.write("lsp.lua", neovimScript)
        let results = dir.file("results.json").path

        let outcome = try runProcess(nvim, ["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", "luafile " + script],
                                     in: dir.url,
                                     environment: ["MOAT_BIN": moatBinary.path, "MOAT_LSP_FILE": model, "MOAT_LSP_OUT": results,
                                                   "MOAT_LSP_LINE": String(flowLine + 1)],
                                     timeLimit: 180)
        #expect(!outcome.timedOut && !outcome.crashed, "nvim: \(outcome.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: results))
        let seen = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(seen["ok"] as? Bool == true, "the script failed: \(seen["error"] ?? "?")")
        #expect(seen["steps"] as? [String] == ["started", "diagnostics", "completion", "hover", "definition"])

        // The error Neovim shows is the one `moat validate` prints: same line, column, message; code = id.
        let validate = try moat(["validate", model])
        #expect(validate.status == 2)
        let expected = try #require(validate.stderr.components(separatedBy: "\n").first { $0.contains(": error: ") })
        let diagnostics = seen["diagnostics"] as? [[String: Any]] ?? []
        let errors = diagnostics.filter { $0["severity"] as? Int == 1 }
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        let line = (error["lnum"] as? Int ?? -1) + 1, column = (error["col"] as? Int ?? -1) + 1
        #expect(expected == "\(model):\(line):\(column): error: \(error["message"] as? String ?? "")")
        #expect(error["message"] as? String == "'htps' is not a value of 'protocol'; did you mean 'https'?")
        #expect(error["code"] as? String == "invalid-value")
        #expect((error["end_col"] as? Int ?? 0) - (error["col"] as? Int ?? 0) == 4)
        // The open findings come as information diagnostics only for a valid model: none here.
        #expect(!diagnostics.contains { $0["code"] as? String == "open-findings" })

        // Completion of the protocol value offers the protocols.
        let completion = seen["completion"] as? [String] ?? []
        #expect(completion.contains("https") && completion.contains("grpcs"))
        // Hover on `protocol`: the vocabulary's doc.
        #expect((seen["hover"] as? String)?.contains("Transport protocol.") == true)
        // The jump from the flow's target lands on the declaration of idp.
        let definition = seen["definition"] as? [String: Any] ?? [:]
        let declaration = try #require(lines.firstIndex { $0.contains("process idp ") })
        #expect(definition["line"] as? Int == declaration + 1)
        #expect(definition["word"] as? String == "idp")
        #expect(definition["col"] as? Int == lines[declaration].utf8.count - lines[declaration].drop { $0 == " " }.utf8.count
                + "process ".utf8.count)
    }

    @Test func helpListsLSPAndItsOptions() throws {
        #expect(try moat(["--help"]).stdout.contains("lsp"))
        let run = try moat(["lsp", "--help"])
        #expect(run.status == 0)
        for text in ["Example", "--models", "--rules", "--log", "vim.lsp.start"] {
            #expect(run.stdout.contains(text), "\(text)")
        }
    }

    /// A whole session through the built binary's standard input and output: `moat lsp` hands over to
    /// `moat-lsp`, which answers, writes nothing but frames, and exits 0 after shutdown and exit.
    @Test func aSessionOverStdio() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let model = try dir.write("m.moat", "actor u { type user }\nprocess p { type api; protocl https }\nu -> p\n")
        let uri = URL(fileURLWithPath: model).absoluteString
        func frame(_ json: String) -> String { "Content-Length: \(json.utf8.count)\r\n\r\n" + json }
        let text = try String(contentsOfFile: model, encoding: .utf8)
        let quoted = String(decoding: try JSONSerialization.data(withJSONObject: [text], options: []), as: UTF8.self).dropFirst().dropLast()
        let input = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
            #"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"\#(uri)","languageId":"moat","version":1,"text":\#(quoted)}}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"\#(uri)"},"position":{"line":1,"character":24}}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"nonsense/method","params":{}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#,
            #"{"jsonrpc":"2.0","method":"exit"}"#,
        ].map(frame).joined()
        try dir.write("in.txt", input)
        let moatBinary = try #require(BuiltBinary.url("moat"))
        let run = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" lsp < in.txt", moatBinary.path],
                                 in: dir.url, timeLimit: 60)
        #expect(run.status == 0, "\(run.stderr)")
        // Split the output into frames and read them.
        var messages: [[String: Any]] = []
        var rest = Substring(run.stdout)
        while let header = rest.range(of: "\r\n\r\n") {
            let length = Int(rest[..<header.lowerBound].replacingOccurrences(of: "Content-Length: ", with: "")) ?? 0
            let body = rest[header.upperBound...].utf8.prefix(length)
            messages.append(try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]))
            rest = Substring(String(decoding: rest[header.upperBound...].utf8.dropFirst(length), as: UTF8.self))
        }
        #expect(rest.isEmpty, "output that is not a frame: \(rest.prefix(200))")
        let byID = Dictionary(messages.compactMap { m in (m["id"] as? Int).map { ($0, m) } }, uniquingKeysWith: { a, _ in a })
        #expect((byID[1]?["result"] as? [String: Any])?["capabilities"] != nil)
        let hover = ((byID[2]?["result"] as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String
        #expect(hover?.hasPrefix("unknown attribute `protocl`") == true)
        #expect((byID[3]?["error"] as? [String: Any])?["code"] as? Int == -32601)
        #expect(byID[4]?.keys.contains("result") == true)
        let published = messages.first { $0["method"] as? String == "textDocument/publishDiagnostics" }
        let diagnostics = (published?["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.contains { $0["code"] as? String == "unknown-attribute"
            && $0["message"] as? String == "unknown attribute 'protocl'; did you mean 'protocol'?" })
    }

    @Test func noInputEndsTheServerWithStatus1() throws {
        let run = try moat(["lsp"])
        #expect(run.status == 1 && !run.crashed)
        #expect(run.stdout.isEmpty)
    }
}

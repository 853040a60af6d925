#!/usr/bin/env python3
"""Latency of each `moat lsp` method on a model, measured from the client's side of the pipe.

    python3 Benchmarks/LSP/lsp-latency.py [--moat .build/release/moat] [--runs 50] [MODEL]

Starts `moat lsp` as an editor does, opens MODEL (default Samples/mobile-banking.moat) and times each
request from the moment it is written to the moment its response is read (JSON encoding, the pipe and
the server's work), RUNS times; edits are timed until the diagnostics of the new version arrive. "after
edit" rows send a change and the request together: the request waits for the new load and analysis.
Prints the median, 90th percentile and maximum in milliseconds, and, from the server's own log
(`moat lsp --log`), the median time the server spent on each method and on each load and analysis.
"""
import argparse, collections, json, os, statistics, subprocess, sys, tempfile, time

class Client:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.id = 0
        self.notes = []

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            c = self.p.stdout.read(1)
            if not c:
                raise EOFError("the server closed its output")
            header += c
        length = int([l for l in header.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.id and "method" not in m:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result")
            self.notes.append(m)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri, version):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri \
                    and m["params"].get("version") == version:
                return m["params"]["diagnostics"]


def where(text, needle, offset=0):
    for i, line in enumerate(text.split("\n")):
        k = line.find(needle)
        if k >= 0:
            return {"line": i, "character": len(line[:k].encode("utf-16-le")) // 2 + offset}
    raise SystemExit(f"'{needle}' not in the model")


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--moat", default=os.path.join(root, ".build/release/moat"))
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("model", nargs="?", default=os.path.join(root, "Samples/mobile-banking.moat"))
    args = ap.parse_args()
    path = os.path.abspath(args.model)
    text = open(path, encoding="utf-8").read()
    uri = "file://" + path
    doc = {"uri": uri}

    log = tempfile.NamedTemporaryFile(prefix="moat-lsp-", suffix=".log", delete=False).name
    c = Client([args.moat, "lsp", "--log", log])
    rows = []

    def timed(name, fn, runs=args.runs):
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        rows.append((name, statistics.median(samples), samples[int(len(samples) * 0.9) - 1 if len(samples) > 1 else 0],
                     samples[-1]))

    t = time.perf_counter()
    c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {
        "textDocument": {"rename": {"prepareSupport": True}}}})
    rows.append(("initialize (catalogue loaded at start)", (time.perf_counter() - t) * 1000, 0, 0))
    c.notify("initialized", {})
    version = [1]

    def open_doc():
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "moat", "version": 1, "text": text}})
        c.wait_diagnostics(uri, 1)
    timed("didOpen -> publishDiagnostics (load + analysis)", open_doc, runs=1)

    edited = text.replace('"Identity provider"', '"Identity provider (edited)"', 1)
    broken = text.replace("protocol https", "protocol htps", 1)

    def edit(new_text):
        def run():
            version[0] += 1
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version[0]},
                                                "contentChanges": [{"text": new_text if version[0] % 2 else text}]})
            c.wait_diagnostics(uri, version[0])
        return run
    timed("didChange -> publishDiagnostics (valid: load + analysis)", edit(edited))
    timed("didChange -> publishDiagnostics (with an error: load only)", edit(broken))
    version[0] += 1
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version[0]}, "contentChanges": [{"text": text}]})
    c.wait_diagnostics(uri, version[0])

    pos = lambda needle, offset=0: {"textDocument": doc, "position": where(text, needle, offset)}
    flow = "ios-app -> idp "
    requests = [
        ("textDocument/completion (attribute value)", "textDocument/completion", pos("protocol https", 9)),
        ("textDocument/completion (attribute name)", "textDocument/completion", pos("type mobile-app", 0)),
        ("textDocument/completion (flow end)", "textDocument/completion", pos(flow, 11)),
        ("textDocument/hover (attribute)", "textDocument/hover", pos("protocol https", 1)),
        ("textDocument/hover (element: findings)", "textDocument/hover", pos(flow, 1)),
        ("textDocument/definition", "textDocument/definition", pos(flow, 12)),
        ("textDocument/references", "textDocument/references", dict(pos(flow, 12), context={"includeDeclaration": True})),
        ("textDocument/documentSymbol", "textDocument/documentSymbol", {"textDocument": doc}),
        ("textDocument/formatting", "textDocument/formatting", {"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": True}}),
        ("textDocument/prepareRename", "textDocument/prepareRename", pos(flow, 12)),
        ("textDocument/rename", "textDocument/rename", dict(pos(flow, 12), newName="identity")),
        ("textDocument/codeAction", "textDocument/codeAction", {"textDocument": doc, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 300, "character": 0}}, "context": {"diagnostics": []}}),
        ("textDocument/codeLens", "textDocument/codeLens", {"textDocument": doc}),
        ("workspace/executeCommand (moat.showFindings)", "workspace/executeCommand", {"command": "moat.showFindings", "arguments": ["api-gw"]}),
    ]
    for name, method, params in requests:
        timed(name, lambda: c.request(method, params))
    # A request right behind an edit waits for the new load and analysis.
    for name, method, params in requests[:1] + requests[4:5] + requests[5:6]:
        def after_edit():
            version[0] += 1
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version[0]},
                                                "contentChanges": [{"text": edited if version[0] % 2 else text}]})
            c.request(method, params)
        timed(name + " right after an edit", after_edit)
    timed("shutdown", lambda: c.request("shutdown", None), runs=1)
    c.notify("exit", None)
    c.p.wait(timeout=10)

    width = max(len(r[0]) for r in rows)
    print(f"{os.path.basename(path)}, {args.runs} runs each, {os.cpu_count()} cores; milliseconds")
    print(f"{'method'.ljust(width)}  median     p90     max")
    for name, median, p90, worst in rows:
        print(f"{name.ljust(width)}  {median:6.2f}  {p90:6.2f}  {worst:6.2f}")
    server = collections.defaultdict(list)
    for line in open(log, encoding="utf-8"):
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "ms":
            server[parts[0]].append(float(parts[1]))
    os.unlink(log)
    print()
    print("server side (moat lsp --log): median ms per message")
    for method, times in sorted(server.items()):
        print(f"  {method.ljust(34)} {statistics.median(times):6.2f}  ({len(times)} messages)")


if __name__ == "__main__":
    main()

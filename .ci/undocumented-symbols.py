"""Public symbols without a documentation comment, per module, from the symbol graphs SwiftPM writes.

Usage: undocumented-symbols.py [--list N]. Exits 1 when any public symbol of a library module is undocumented.
Symbols the compiler synthesises (no source location) and members that come from a documented protocol
requirement (an implementation of `description`, `init(from:)`, …) are not counted.
"""
import glob, json, os, sys

MODULES = ["MoatText", "MoatSource", "MoatSyntax", "MoatModel", "MoatRules", "MoatAnalysis", "MoatCore",
           "MoatReports", "MoatDiagram", "MoatInterop", "MoatWatch", "MoatWatchHTTP", "MoatLSP", "MoatMCP",
           "MoatCommandSupport"]

def main():
    show = int(sys.argv[sys.argv.index("--list") + 1]) if "--list" in sys.argv else 0
    root = glob.glob(".build/*/symbolgraph")
    if not root:
        sys.exit("no symbol graphs: run swift package dump-symbol-graph first")
    total, missing = 0, {}
    absent = [m for m in MODULES if not os.path.exists(os.path.join(root[0], m + ".symbols.json"))]
    if absent:
        sys.exit("no symbol graph for " + ", ".join(absent) + ": swift package dump-symbol-graph failed")
    for path in sorted(glob.glob(os.path.join(root[0], "*.symbols.json"))):
        base = os.path.basename(path)
        module = base.split(".")[0]
        if module not in MODULES or "@" in base:
            continue
        graph = json.load(open(path))
        # Members that implement a protocol requirement inherit its documentation.
        implements = {r["source"] for r in graph.get("relationships", [])
                      if r["kind"] in ("requirementOf", "defaultImplementationOf", "overrides")}
        for s in graph["symbols"]:
            if s.get("accessLevel") not in ("public", "open") or "location" not in s:
                continue
            total += 1
            if s.get("docComment") or s["identifier"]["precise"] in implements:
                continue
            where = s["location"]["uri"].split("/Sources/")[-1]
            line = s["location"]["position"]["line"] + 1
            missing.setdefault(module, []).append(f"Sources/{where}:{line}: {'.'.join(s['pathComponents'])}")
    count = sum(len(v) for v in missing.values())
    print(f"{count} of {total} public symbols undocumented")
    for module, items in sorted(missing.items()):
        print(f"  {module}: {len(items)}")
        for item in items[:show]:
            print(f"    {item}")
    sys.exit(1 if count else 0)

main()

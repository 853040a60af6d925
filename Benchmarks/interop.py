#!/usr/bin/env python3
"""Import benchmarks: generated foreign models that stress the importers, timed through `moat import`.

    python3 Benchmarks/interop.py [--moat .build/release/moat] [--lines 200,800,3200] [--keep DIR]

Cases (docs/performance.md, "Importers"):
  threat-dragon-lines  an OWASP Threat Dragon diagram with N trust-boundary lines (curves) side by side and one
                       process between each pair of lines, plus flows between neighbours: zone assignment used to be
                       cubic in the number of lines (3,200 lines: 72 s); it is now one pass over elements and lines.
Prints one row per size: lines, elements, wall time, peak memory (from /usr/bin/time when present) and exit code.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def threat_dragon_lines(n: int) -> dict:
    """N vertical boundary lines at x = 100·i, a process in every strip, flows between neighbours."""
    cells = []
    for i in range(n):
        cells.append({
            "shape": "trust-boundary-curve", "id": f"line-{i}",
            "source": {"x": 100 * i + 50, "y": -50}, "target": {"x": 100 * i + 50, "y": 250},
            "vertices": [{"x": 100 * i + 55, "y": 100}],
            "data": {"type": "tm.Boundary", "name": f"Line {i}", "isTrustBoundary": True},
        })
    for i in range(n + 1):
        shape, kind = ("actor", "tm.Actor") if i == 0 else ("process", "tm.Process")
        cells.append({
            "shape": shape, "id": f"p{i}", "position": {"x": 100 * i - 20, "y": 80}, "size": {"width": 40, "height": 40},
            "data": {"type": kind, "name": f"Element {i}", "threats": []},
        })
    for i in range(n):
        cells.append({
            "shape": "flow", "id": f"f{i}", "source": {"cell": f"p{i}"}, "target": {"cell": f"p{i + 1}"},
            "data": {"type": "tm.Flow", "name": f"Call {i}", "protocol": "HTTPS"},
        })
    return {"version": "2.3.0", "summary": {"title": f"{n} boundary lines", "owner": "bench"},
            "detail": {"contributors": [], "diagrams": [{"title": "Lines", "diagramType": "STRIDE", "cells": cells}]}}


def run(moat: str, path: Path) -> tuple[float, float | None, int]:
    timer = ["/usr/bin/time", "-f", "%M"] if os.path.exists("/usr/bin/time") else []
    start = time.monotonic()
    p = subprocess.run(timer + [moat, "import", str(path), "-o", str(path.with_suffix(".moat")), "--force"],
                       capture_output=True, text=True)
    wall = time.monotonic() - start
    peak = None
    if timer:
        try:
            peak = int(p.stderr.strip().splitlines()[-1]) / 1024
        except (ValueError, IndexError):
            pass
    return wall, peak, p.returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moat", default=".build/release/moat")
    parser.add_argument("--lines", default="200,800,3200")
    parser.add_argument("--keep")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="moat-interop-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print("| case | lines | elements | wall | peak | exit |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for n in [int(x) for x in args.lines.split(",")]:
        path = folder / f"td-lines-{n}.json"
        path.write_text(json.dumps(threat_dragon_lines(n)))
        wall, peak, code = run(args.moat, path)
        print(f"| threat-dragon-lines | {n} | {n + 1} | {wall:.2f} s | {f'{peak:.0f} MiB' if peak else '?'} | {code} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

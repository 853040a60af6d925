"""A small TextMate tokenizer that follows vscode-textmate's algorithm, on Oniguruma (onigurumacffi).

check_grammar.py runs every check with two engines: textmate-grammar-python (PyPI), and this one,
which does what VS Code does, rule for rule:
  - a line is searched with the line's text plus "\\n"; each step, every regular expression of the
    current rule (the end pattern first, or last with applyEndPatternLast, then the patterns with
    their includes flattened) is searched from the current position; the earliest match wins and
    among matches at the same place the first in that list;
  - a `match` rule scopes its match and its captures; a `begin`/`end` rule pushes a state that lasts
    across lines until its `end` matches (back-references to the begin captures substituted);
  - captures nest by group order; a capture with `patterns` is tokenised with them;
  - a rule that neither advances nor pushes (or pushes and pops) ends the line, as vscode-textmate's
    loop guard does.
Not supported, and refused: `\\G` anchors, `while` rules, injections (the Moat grammar uses none).
"""
from __future__ import annotations

import re

from onigurumacffi import compile as onig_compile

_cache: dict[str, object] = {}


def _regex(pattern: str):
    compiled = _cache.get(pattern)
    if compiled is None:
        compiled = _cache[pattern] = onig_compile(pattern)
    return compiled


def _span(match, n: int) -> tuple[int, int] | None:
    if n >= len(match._begs) or match._begs[n] < 0:
        return None
    return match.start(n), match.end(n)


class Engine:
    def __init__(self, grammar: dict):
        text = repr(grammar)
        if "\\\\G" in text or "'while'" in text or "injections" in grammar:
            raise ValueError("tmengine supports neither \\G, while rules nor injections")
        self.grammar = grammar
        self.base = grammar["scopeName"]
        self._flat: dict[int, tuple[dict, list[dict]]] = {}  # id of a rule → (rule, its patterns flattened)

    # ── Rules ────────────────────────────────────────────────────────────────────────────────────
    def _resolve(self, rule: dict, seen: frozenset = frozenset()) -> list[dict]:
        """The match/begin rules that `rule` stands for, includes flattened, in order."""
        if "include" in rule:
            name = rule["include"]
            if name in ("$self", "$base"):
                target = {"patterns": self.grammar["patterns"]}
            elif name.startswith("#"):
                target = self.grammar["repository"][name[1:]]
            else:
                raise ValueError(f"external include {name} is not supported")
            if name in seen:
                return []
            return self._resolve(target, seen | {name})
        if "match" in rule or "begin" in rule:
            return [rule]
        result: list[dict] = []
        for p in rule.get("patterns", []):
            result += self._resolve(p, seen)
        return result

    # ── Tokenizing ───────────────────────────────────────────────────────────────────────────────
    def tokenize(self, text: str) -> list[list[list[str]]]:
        """Per line, the scopes of every character."""
        root = {"patterns": self.grammar["patterns"]}
        # A stack frame: (rule, scopes inside it, end pattern with back-references filled in, line, pos).
        stack: list[tuple[dict, list[str], str | None, int, int]] = [(root, [self.base], None, -1, -1)]
        result = []
        for number, line in enumerate(text.replace("\r\n", "\n").split("\n")):
            scopes: list[list[str]] = [[] for _ in range(len(line) + 1)]
            self._line(line + "\n", number, stack, scopes)
            result.append(scopes[:len(line)])
        return result

    def _line(self, line: str, number: int, stack: list, out: list[list[str]]) -> None:
        pos = 0
        while pos < len(line):
            rule, inner, end, _, _ = stack[-1]
            cached = self._flat.get(id(rule))
            if cached is None:  # the rule is kept in the cache, so its id cannot be reused
                cached = self._flat[id(rule)] = (rule, self._resolve({"patterns": rule.get("patterns", [])}))
            candidates = cached[1]
            regexes: list[tuple[str, dict | None]] = [(c.get("match") or c["begin"], c) for c in candidates]
            if end is not None:
                if rule.get("applyEndPatternLast"):
                    regexes.append((end, None))
                else:
                    regexes.insert(0, (end, None))
            best = None
            for index, (pattern, candidate) in enumerate(regexes):
                m = _regex(pattern).search(line, pos)
                if m is not None and (best is None or m.start() < best[0].start()):
                    best = (m, candidate)
            if best is None:
                self._fill(out, pos, len(line), inner)
                return
            m, candidate = best
            start, stop = m.span()
            self._fill(out, pos, start, inner)
            if candidate is None:  # the end of the current begin/end rule
                frame = stack.pop()
                outer = stack[-1][1]
                scopes = outer + self._names(frame[0].get("name"))
                self._captures(line, m, frame[0].get("endCaptures") or frame[0].get("captures") or {}, scopes, out)
                if stop == pos and frame[3] == number and frame[4] == pos:
                    self._fill(out, stop, len(line), stack[-1][1])  # pushed and popped without advancing
                    return
            elif "begin" in candidate:
                if stop == pos and stack[-1][0] is candidate and stack[-1][3] == number and stack[-1][4] == pos:
                    self._fill(out, pos, len(line), inner)  # would push the same rule forever
                    return
                scopes = inner + self._names(candidate.get("name"))
                self._captures(line, m, candidate.get("beginCaptures") or candidate.get("captures") or {}, scopes, out)
                end_pattern = re.sub(r"\\(\d+)", lambda b: re.escape(m.group(int(b.group(1)))
                                                                     if _span(m, int(b.group(1))) else ""),
                                     candidate["end"])
                # Like vscode-textmate, a frame remembers where the scan that pushed it started.
                stack.append((candidate, scopes + self._names(candidate.get("contentName")), end_pattern, number, pos))
            else:
                scopes = inner + self._names(candidate.get("name"))
                self._captures(line, m, candidate.get("captures") or {}, scopes, out)
                if stop == pos:  # neither advances nor pushes: vscode-textmate pops and ends the line
                    if len(stack) > 1:
                        stack.pop()
                    self._fill(out, pos, len(line), inner)
                    return
            pos = stop

    def _captures(self, line: str, m, captures: dict, scopes: list[str], out: list[list[str]]) -> None:
        start, stop = m.span()
        self._fill(out, start, stop, scopes)
        for key in sorted(captures, key=int):
            span = _span(m, int(key))
            if span is None or span[0] == span[1]:
                continue
            capture = captures[key]
            for i in range(*span):
                out[i] = out[i] + self._names(capture.get("name"))
            if capture.get("patterns"):
                # Tokenise the captured text alone with the capture's patterns.
                sub = Engine({"scopeName": "", "patterns": capture["patterns"],
                              "repository": self.grammar["repository"]})
                piece = line[span[0]:span[1]]
                local: list[list[str]] = [[] for _ in range(len(piece) + 1)]
                sub._line(piece, 0, [({"patterns": capture["patterns"]}, [], None, -1, -1)], local)
                for i in range(len(piece)):
                    out[span[0] + i] = out[span[0] + i] + local[i]

    @staticmethod
    def _names(name: str | None) -> list[str]:
        return name.split() if name else []

    @staticmethod
    def _fill(out: list[list[str]], start: int, stop: int, scopes: list[str]) -> None:
        for i in range(start, min(stop, len(out))):
            out[i] = list(scopes)

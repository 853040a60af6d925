#!/usr/bin/env python3
"""Tokenises Moat files with the TextMate grammar and checks the result.

    python3 editors/check_grammar.py                  # every sample and the syntax fixture
    python3 editors/check_grammar.py --grammar G.json # check another grammar (skips the up-to-date check)
    python3 editors/check_grammar.py --html out.html  # also render the files coloured by scope
    python3 editors/check_grammar.py --dump FILE      # print every token of FILE with its scopes

The tokenizer is textmate-grammar-python (PyPI; .ci/setup installs it), a Python port of the TextMate
engine that VS Code uses, running the grammar's regular expressions with Oniguruma (onigurumacffi),
the regex library of VS Code, TextMate, Sublime Text and GitHub.

It fails (exit 1, one readable message per problem) when:
  - a generated editor file is out of date with editors/generate_grammar.py and Models/vocabulary.yaml;
  - a non-blank character of a file has no scope beyond `source.moat` (and meta.* scopes);
  - a sample (a valid model) has a character scoped `invalid.*`;
  - a token class (comment, keyword, string, escape, arrow, …) appears in no file;
  - an assertion line of the fixture (`#  ^^^ scope`, `# <-- scope`, as in vscode-tmgrammar-test) fails;
  - a keyword of the parser (read from Sources/**/*.swift), an attribute of the vocabulary or one of
    its enum values is not highlighted as such;
  - the VS Code extension's manifest does not point at the grammar and a valid language configuration.
"""
from __future__ import annotations

import argparse
import functools
import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import generate_grammar as gen  # noqa: E402

GRAMMAR = HERE / "vscode" / "syntaxes" / "moat.tmLanguage.json"
FIXTURE = HERE / "tests" / "syntax.moat"
SAMPLES = sorted((ROOT / "Samples").glob("*.moat"))

# Token classes: a name and the scope that marks it (a token has the class when one of its scopes
# equals the scope or starts with it followed by a dot). Every class must appear in some file.
CLASSES: list[tuple[str, str]] = [
    ("comment #", "comment.line.number-sign.moat"),
    ("comment //", "comment.line.double-slash.moat"),
    ("keyword model", "keyword.other.model.moat"),
    ("keyword include", "keyword.control.import.include.moat"),
    ("keyword data", "storage.type.data.moat"),
    ("keyword actor", "storage.type.actor.moat"),
    ("keyword process", "storage.type.process.moat"),
    ("keyword datastore", "storage.type.datastore.moat"),
    ("keyword boundary", "storage.type.boundary.moat"),
    ("declared id", "entity.name.type"),
    ("tracking status", "keyword.control.tracking.moat"),
    ("tracking owner/until", "keyword.other.tracking.moat"),
    ("finding pattern rule", "entity.name.function.rule.moat"),
    ("finding pattern @", "keyword.operator.at.moat"),
    ("finding pattern wildcard *", "keyword.operator.wildcard.moat"),
    ("flow id", "entity.name.label.flow.moat"),
    ("flow id colon", "punctuation.separator.flow-id.moat"),
    ("element reference", "variable.other.element.moat"),
    ("arrow ->", "keyword.operator.arrow.moat"),
    ("arrow <->", "keyword.operator.arrow.two-way.moat"),
    ("string", "string.quoted.double.moat"),
    ("string escape", "constant.character.escape.moat"),
    ("unicode escape", "constant.character.escape.unicode.moat"),
    ("number", "constant.numeric.moat"),
    ("date", "constant.numeric.date.moat"),
    ("attribute name", "entity.other.attribute-name.moat"),
    ("enum value", "constant.language.enum.moat"),
    ("boolean", "constant.language.boolean.moat"),
    ("data/practice reference", "variable.other.reference.moat"),
    ("other word", "variable.other.moat"),
    ("block braces", "punctuation.section.block"),
    ("semicolon", "punctuation.terminator.statement.moat"),
    ("comma", "punctuation.separator.comma.moat"),
    ("invalid escape", "invalid.illegal.escape.moat"),
    ("unterminated string", "invalid.illegal.unterminated-string.moat"),
    ("unexpected character", "invalid.illegal.character.moat"),
    ("stray brace", "invalid.illegal.stray-brace.moat"),
]


def has_scope(scopes: list[str], scope: str) -> bool:
    return any(s == scope or s.startswith(scope + ".") for s in scopes)


@functools.lru_cache(maxsize=None)
def classes_of(scopes: tuple[str, ...]) -> list[str]:
    """The class scopes that a character with these scopes has."""
    return [scope for _, scope in CLASSES if has_scope(list(scopes), scope)]


# ── Tokenizing ───────────────────────────────────────────────────────────────────────────────────

class Tokenizer:
    """textmate-grammar-python behind a small interface: text → per line, the scopes of every character."""

    name = "textmate-grammar-python"

    def __init__(self, grammar: dict):
        # The package creates a `.textmate_cache` folder in the working directory when imported:
        # import it from a temporary one.
        cwd, scratch = os.getcwd(), tempfile.mkdtemp(prefix="moat-tm-")
        os.chdir(scratch)
        try:
            from textmate_grammar.parsers.base import LanguageParser
            from textmate_grammar.utils.logger import LOGGER
        except ImportError as error:
            sys.exit(f"check_grammar: textmate-grammar-python is missing ({error}); run: bash .ci/setup")
        finally:
            os.chdir(cwd)
            shutil.rmtree(scratch, ignore_errors=True)
        LOGGER.logger.setLevel(logging.ERROR)  # it warns about every stretch of text no pattern matched
        self.parser = LanguageParser(grammar)

    def scopes(self, text: str) -> list[list[list[str]]]:
        lines = text.replace("\r\n", "\n").split("\n")
        result = [[[] for _ in line] for line in lines]
        element = self.parser.parse_string(text)
        if element is None:
            return result
        for (line, column), content, scopes in element.flatten():
            for piece in content.split("\n"):
                for i in range(len(piece)):
                    if line < len(result) and column + i < len(result[line]):
                        result[line][column + i] = list(scopes)
                line, column = line + 1, 0
        return result


class ReferenceTokenizer:
    """editors/tests/tmengine.py: vscode-textmate's algorithm on Oniguruma."""

    name = "tmengine (vscode-textmate algorithm)"

    def __init__(self, grammar: dict):
        sys.path.insert(0, str(HERE / "tests"))
        from tmengine import Engine
        self.engine = Engine(grammar)

    def scopes(self, text: str) -> list[list[list[str]]]:
        return self.engine.tokenize(text)


# ── Checks ───────────────────────────────────────────────────────────────────────────────────────

def significant(scopes: list[str]) -> list[str]:
    """The scopes that say what a character is: neither the base scope nor a meta.* region."""
    return [s for s in scopes if s != gen.SCOPE and not s.startswith("meta.")]


def show(path: Path, line: int, column: int, text: str, message: str) -> str:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{name}:{line + 1}:{column + 1}: {message}\n    {text}\n    {' ' * column}^"


ASSERTION = re.compile(r"^(#|//)(\s*)(\^+|<-+)\s*(.*)$")


def check_file(path: Path, text: str, scopes, *, sample: bool, problems: list[str], seen: dict[str, int]) -> dict:
    lines = text.replace("\r\n", "\n").split("\n")
    stats = {"lines": len(lines), "non_blank": 0, "scoped": 0, "assertions": 0}
    last_source = None
    for n, line in enumerate(lines):
        if line.strip():
            stats["non_blank"] += 1
        line_ok = True
        for c, ch in enumerate(line):
            if ch.isspace():
                continue
            found = scopes[n][c]
            for scope in classes_of(tuple(found)):
                seen[scope] = seen.get(scope, 0) + 1
            if not significant(found):
                line_ok = False
                problems.append(show(path, n, c, line, f"'{ch}' has no scope beyond {gen.SCOPE} ({' '.join(found) or 'none'})"))
                break
            bad = [s for s in found if s.startswith("invalid.")]
            if sample and bad:
                line_ok = False
                problems.append(show(path, n, c, line, f"valid sample scoped {bad[0]}"))
                break
        if line.strip() and line_ok:
            stats["scoped"] += 1
        # vscode-tmgrammar-test assertions: `#   ^^^ scope another.scope - excluded.scope`
        m = ASSERTION.match(line) if not sample else None
        if m and last_source is not None:
            marker_column = len(m.group(1)) + len(m.group(2))
            if m.group(3).startswith("^"):
                columns = range(marker_column, marker_column + len(m.group(3)))
            else:
                columns = range(0, len(m.group(3)) - 1)
            wanted, _, unwanted = m.group(4).partition(" - ")
            if m.group(4).startswith("- "):
                wanted, unwanted = "", m.group(4)[2:]
            source_line, source_text = last_source
            stats["assertions"] += 1
            for column in columns:
                if column >= len(source_text):
                    problems.append(show(path, n, column, line, f"assertion points past the end of line {source_line + 1}"))
                    break
                actual = scopes[source_line][column]
                missing = [s for s in wanted.split() if s not in actual]
                present = [s for s in unwanted.split() if s in actual]
                if missing or present:
                    what = (f"missing {' '.join(missing)}" if missing else "") + \
                           (f"{'; ' if missing else ''}unexpected {' '.join(present)}" if present else "")
                    problems.append(show(path, source_line, column, source_text,
                                         f"assertion on line {n + 1} failed: {what}; scopes are {' '.join(actual) or 'none'}"))
                    break
        elif not m:
            last_source = (n, line)
    return stats


def parser_keywords() -> tuple[list[str], list[str]]:
    """The keywords of the language (`enum Identifier`) and the parser's tracking statuses (`struct Parser`),
    read from their sources wherever they move."""
    keywords: list[str] = []
    where: list[str] = []
    for swift in sorted((ROOT / "Sources").rglob("*.swift")):
        source = swift.read_text(encoding="utf-8")
        if not re.search(r"\b(struct Parser|enum Identifier)\b", source):
            continue
        for m in re.finditer(r"static let (?:keywords|statusKeywords)\s*:[^=]*=\s*\[(.*?)\]", source, re.S):
            keywords += re.findall(r'"([^"]+)"', m.group(1))
            where.append(str(swift.relative_to(ROOT)))
    return sorted(set(keywords)), sorted(set(where))


def check_words(tokenizer: Tokenizer, vocabulary: list[dict], problems: list[str]) -> dict:
    """Every parser keyword, vocabulary attribute and enum value gets its scope in its place."""
    keywords, where = parser_keywords()
    if not keywords:
        problems.append("cannot find the parser's keyword list (static let keywords … in Sources/**/*.swift)")
    cases: list[tuple[str, int, tuple[str, ...], str]] = []  # line, column, acceptable scopes, what
    for kw in keywords:
        cases.append((f'{kw} x@y "why"' if kw in gen.TRACKING_STATUSES else f'{kw} x "name"', 0,
                      ("keyword.", "storage.type."),
                      f"parser keyword '{kw}' ({', '.join(where)}) is not highlighted as a keyword; "
                      "add it to the keyword table of editors/generate_grammar.py and run it"))
    for a in vocabulary:
        prefix = "process p { "
        cases.append((prefix + a["name"] + " }", len(prefix), ("entity.other.attribute-name.moat",),
                      f"attribute '{a['name']}' of Models/vocabulary.yaml is not highlighted as an attribute; "
                      "run python3 editors/generate_grammar.py"))
        for v in a["values"]:
            line = f"{prefix}{a['name']} {v} }}"
            cases.append((line, len(prefix) + len(a["name"]) + 1, ("constant.language.enum.moat",),
                          f"value '{v}' of attribute '{a['name']}' is not highlighted as an enum value; "
                          "run python3 editors/generate_grammar.py"))
    scopes = tokenizer.scopes("\n".join(c[0] for c in cases))
    for n, (line, column, acceptable, message) in enumerate(cases):
        actual = scopes[n][column]
        if not any(s.startswith(prefix) for s in actual for prefix in acceptable):
            problems.append(f"{message}\n    {line}\n    {' ' * column}^ scopes: {' '.join(actual)}")
    return {"keywords": len(keywords), "attributes": len(vocabulary),
            "values": sum(len(a["values"]) for a in vocabulary)}


def check_vscode_extension(grammar_scope: str, problems: list[str]) -> None:
    """The extension's manifest points at the grammar and a language configuration that parse."""
    folder = HERE / "vscode"
    try:
        manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        contributes = manifest["contributes"]
        languages = {l["id"]: l for l in contributes["languages"]}
        moat = languages["moat"]
        if ".moat" not in moat.get("extensions", []):
            problems.append("editors/vscode/package.json: the moat language does not claim .moat files")
        configuration = json.loads((folder / moat["configuration"]).read_text(encoding="utf-8"))
        if configuration["comments"]["lineComment"] != "#":
            problems.append("editors/vscode/language-configuration.json: the line comment is not '#'")
        word = re.compile(configuration["wordPattern"])
        for text in ("orders-db", "eu.api_v2", "spoofing-*"):
            if not word.fullmatch(text):
                problems.append(f"editors/vscode/language-configuration.json: wordPattern does not take '{text}' as one word")
        if word.match("a->b").group(0) != "a":
            problems.append("editors/vscode/language-configuration.json: wordPattern does not stop before '->'")
        grammars = [g for g in contributes["grammars"] if g["language"] == "moat"]
        if len(grammars) != 1 or grammars[0]["scopeName"] != grammar_scope:
            problems.append(f"editors/vscode/package.json: expected one grammar for moat with scope {grammar_scope}")
        elif (folder / grammars[0]["path"]).resolve() != GRAMMAR:
            problems.append(f"editors/vscode/package.json: the grammar path {grammars[0]['path']} is not {GRAMMAR.relative_to(ROOT)}")
        if not (folder / manifest["main"]).exists():
            problems.append(f"editors/vscode/package.json: main {manifest['main']} does not exist")
    except (OSError, KeyError, ValueError, re.error) as error:
        problems.append(f"editors/vscode: the extension manifest or language configuration is broken: {error!r}")


# ── HTML rendering (to look at the result) ───────────────────────────────────────────────────────

COLOURS = [("comment", "#6a737d"), ("invalid", "#d73a49;text-decoration:underline wavy"),
           ("string", "#032f62"), ("constant.character", "#e36209"), ("storage.type", "#d73a49;font-weight:bold"),
           ("keyword.control", "#6f42c1;font-weight:bold"), ("keyword.other", "#d73a49"),
           ("keyword.operator", "#d73a49;font-weight:bold"), ("entity.name.function", "#6f42c1"),
           ("entity.name", "#005cc5;font-weight:bold"), ("entity.other.attribute-name", "#22863a"),
           ("constant", "#005cc5"), ("variable.other.reference", "#b08800"), ("variable", "#24292e"),
           ("punctuation", "#586069")]


def render_html(files: list[tuple[Path, str, list]]) -> str:
    out = ["<!doctype html><meta charset=utf-8><title>Moat grammar</title>",
           "<style>body{font:13px/1.45 monospace;margin:16px}h2{font:bold 14px sans-serif}pre{margin:0 0 24px}</style>"]
    for path, text, scopes in files:
        out.append(f"<h2>{html.escape(path.name)}</h2><pre>")
        for n, line in enumerate(text.split("\n")):
            pieces, c = [], 0
            while c < len(line):
                s = scopes[n][c]
                e = c
                while e < len(line) and scopes[n][e] == s:
                    e += 1
                style = next((colour for prefix, colour in COLOURS if any(x.startswith(prefix) for x in s)), "")
                title = html.escape(" ".join(s), quote=True)
                pieces.append(f'<span style="color:{style}" title="{title}">{html.escape(line[c:e])}</span>'
                              if style else html.escape(line[c:e]))
                c = e
            out.append("".join(pieces))
        out.append("</pre>")
    return "\n".join(out)


# ── Main ─────────────────────────────────────────────────────────────────────────────────────────

def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grammar", type=Path, help="the grammar to check (default: the generated one)")
    parser.add_argument("--html", type=Path, help="write the files coloured by scope to this HTML file")
    parser.add_argument("--dump", type=Path, help="print the tokens of one file and stop")
    parser.add_argument("--engine", help="run only the tokenizer whose name contains this")
    parser.add_argument("files", nargs="*", type=Path, help="files to check (default: Samples/*.moat and the fixture)")
    args = parser.parse_args(argv)

    problems: list[str] = []
    vocabulary = gen.load_vocabulary()
    if args.grammar:
        grammar = json.loads(args.grammar.read_text(encoding="utf-8"))
    else:
        grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
        for path, data in gen.outputs(vocabulary).items():
            if not path.exists() or path.read_bytes() != data:
                problems.append(f"{path.relative_to(ROOT)} is out of date with editors/generate_grammar.py "
                                "and Models/vocabulary.yaml; run python3 editors/generate_grammar.py")
    if not args.grammar:
        check_vscode_extension(gen.SCOPE, problems)
    tokenizers = [Tokenizer(grammar), ReferenceTokenizer(grammar)]
    if args.engine:
        tokenizers = [t for t in tokenizers if t.name.startswith(args.engine)]

    if args.dump:
        text = args.dump.read_text(encoding="utf-8")
        for tokenizer in tokenizers:
            print(f"── {tokenizer.name}")
            for n, (line, scopes) in enumerate(zip(text.split("\n"), tokenizer.scopes(text))):
                c = 0
                while c < len(line):
                    e = c
                    while e < len(line) and scopes[e] == scopes[c]:
                        e += 1
                    if line[c:e].strip():
                        print(f"{n + 1}:{c + 1}\t{line[c:e]!r}\t{' '.join(significant(scopes[c]))}")
                    c = e
        return 0

    files = [(p, p.resolve() != FIXTURE) for p in args.files] if args.files else \
        [(p, True) for p in SAMPLES] + [(FIXTURE, False)]
    if not args.files and not SAMPLES:
        problems.append("no samples found in Samples/*.moat")
    rendered = []
    for tokenizer in tokenizers:
        print(f"── {tokenizer.name}")
        found: list[str] = []
        seen: dict[str, int] = {}
        for path, sample in files:
            text = path.read_text(encoding="utf-8")
            scopes = tokenizer.scopes(text)
            stats = check_file(path, text, scopes, sample=sample, problems=found, seen=seen)
            if tokenizer is tokenizers[-1]:
                rendered.append((path, text, scopes))
            extra = f", {stats['assertions']} assertions" if not sample else ""
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                  f"{stats['scoped']}/{stats['non_blank']} non-blank lines fully scoped ({stats['lines']} lines{extra})")
        if not args.files:
            for name, scope in CLASSES:
                if not seen.get(scope):
                    found.append(f"token class '{name}' ({scope}) appears in no file")
            print(f"token classes: {sum(1 for _, s in CLASSES if seen.get(s))}/{len(CLASSES)} seen")
            counts = check_words(tokenizer, vocabulary, found)
            print(f"words: {counts['keywords']} parser keywords, {counts['attributes']} attributes, "
                  f"{counts['values']} enum values checked")
        problems += [f"[{tokenizer.name}] {p}" for p in found]
    if args.html:
        args.html.write_text(render_html(rendered), encoding="utf-8")
        print(f"wrote {args.html}")
    for p in problems:
        print("error: " + p)
    print(f"{len(problems)} problem(s)" if problems else "grammar OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

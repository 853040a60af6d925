#!/usr/bin/env python3
"""Generates the editor support files of the Moat language from one table.

    python3 editors/generate_grammar.py           # rewrite the generated files
    python3 editors/generate_grammar.py --check   # exit 1 when a generated file is out of date

Inputs: the keyword table below (edit it when the language gains a keyword, e.g. a `threat`
statement or `initiator`) and Models/vocabulary.yaml (attribute names, their types and enum values).
Outputs (never edit them by hand):

    editors/vscode/syntaxes/moat.tmLanguage.json   TextMate grammar (VS Code, GitHub linguist, Shiki, bat…)
    editors/sublime/Moat.tmLanguage               the same grammar as a property list (Sublime Text, TextMate)
    editors/vim/syntax/moat.vim                   Vim / Neovim syntax file
    editors/emacs/moat-mode.el                    Emacs major mode (font-lock) with an eglot entry

editors/check_grammar.py tokenises every sample with the TextMate grammar and fails when a line is
left unscoped or a token class is missing; the Swift test EditorGrammarTests runs it.
"""
from __future__ import annotations

import json
import plistlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = ROOT / "Models" / "vocabulary.yaml"

# ── The keyword table ──────────────────────────────────────────────────────────────────────────
# Statement keywords that declare something named: keyword → (keyword scope, scope of the id after it).
# A new declaring statement (say `threat ID "name" { … }`) is one more line here.
DECLARATIONS: dict[str, tuple[str, str]] = {
    "data": ("storage.type.data.moat", "entity.name.type.data.moat"),
    "actor": ("storage.type.actor.moat", "entity.name.type.actor.moat"),
    "process": ("storage.type.process.moat", "entity.name.type.process.moat"),
    "datastore": ("storage.type.datastore.moat", "entity.name.type.datastore.moat"),
    "boundary": ("storage.type.boundary.moat", "entity.name.type.boundary.moat"),
    "threat": ("storage.type.threat.moat", "entity.name.type.threat.moat"),
}
# Statement keywords followed by a string (or nothing): keyword → scope.
PLAIN_KEYWORDS: dict[str, str] = {
    "model": "keyword.other.model.moat",
    "include": "keyword.control.import.include.moat",
}
# Tracking statuses start a one-line tracking statement: status pattern "why" [owner "…"] [until DATE].
TRACKING_STATUSES = ["accept", "mitigated", "false-positive", "not-applicable"]
# Words that are keywords only inside a tracking statement.
TRACKING_OPTIONS = ["owner", "until"]

SCOPE = "source.moat"

# ── Lexical pieces, exactly as the lexer (Sources/MoatCore/Syntax/Lexer.swift) reads them ─────────
# A word starts with a letter, digit, `_` or `*` and goes on with those, `.` and `-`; a `-` directly
# followed by `>` ends it (so `a->b` is a flow).
WORD_CONT = r"(?:[A-Za-z0-9_*.]|-(?!>))"
WORD = r"[A-Za-z0-9_*]" + WORD_CONT + "*"
BEFORE = r"(?<![A-Za-z0-9_*.\-])"
AFTER = r"(?!" + WORD_CONT + ")"
DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def words(names) -> str:
    """An alternation of literal words, longest first, bounded like lexer words."""
    ordered = sorted(set(names), key=lambda w: (-len(w), w))
    escaped = [w.replace(".", r"\.").replace("*", r"\*") for w in ordered]
    return BEFORE + "(" + "|".join(escaped) + ")" + AFTER


def load_vocabulary(path: Path = VOCABULARY) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        attributes = yaml.safe_load(f)["attributes"]
    return [{"name": str(a["name"]), "type": str(a["type"]), "values": [str(v) for v in a.get("values") or []]}
            for a in attributes]


# ── The TextMate grammar ─────────────────────────────────────────────────────────────────────────

def attribute_rules(vocabulary: list[dict]) -> tuple[list[dict], dict[str, dict]]:
    """One begin/end rule per group of attributes: the name, then its values up to `;`, `}`, a comment
    or the end of the line (a trailing `,` carries the value list over to the next line)."""
    value_kinds: dict[str, list[str]] = {}
    enums: dict[str, list[str]] = {}
    for a in vocabulary:
        if a["type"] in ("enum", "words"):
            enums[a["name"]] = a["values"]
        else:
            value_kinds.setdefault("refs" if a["type"] == "refs" else "plain", []).append(a["name"])
    # A word is an attribute name unless it starts a flow (`code -> x`) or a flow id (`code: a -> b`).
    not_flow = r"(?![ \t]*(?:->|<->|:|@))"
    end = r"(?=[;}]|#|//)|$"
    repository: dict[str, dict] = {}
    includes: list[dict] = []

    def rule(key: str, names: list[str], values: list[dict]) -> None:
        repository[key] = {
            "name": "meta.attribute.moat",
            "begin": words(names) + not_flow,
            "beginCaptures": {"1": {"name": "entity.other.attribute-name.moat"}},
            "end": end,
            "patterns": [{"include": "#value-continuation"}, {"include": "#string"}, {"include": "#value-literals"},
                         *values, {"include": "#punctuation"}, {"include": "#invalid"}],
        }
        includes.append({"include": "#" + key})

    for name, values in sorted(enums.items()):
        rule(f"attribute-{name}", [name], [
            {"match": words(values), "captures": {"1": {"name": "constant.language.enum.moat"}}},
            {"include": "#word"},
        ])
    if value_kinds.get("refs"):
        rule("attribute-refs", value_kinds["refs"], [
            {"match": BEFORE + "(" + WORD + ")" + AFTER,
             "captures": {"1": {"name": "variable.other.reference.moat"}}},
        ])
    if value_kinds.get("plain"):
        rule("attribute-other", value_kinds["plain"], [{"include": "#word"}])
    return includes, repository


def grammar(vocabulary: list[dict]) -> dict:
    attribute_includes, attribute_repository = attribute_rules(vocabulary)
    declarations = [
        {"match": words([kw]) + r"(?:[ \t]+" + BEFORE + "(" + WORD + ")" + AFTER + ")?",
         "captures": {"1": {"name": keyword_scope}, "2": {"name": id_scope}}}
        for kw, (keyword_scope, id_scope) in DECLARATIONS.items()
    ]
    plain = [{"match": words([kw]), "captures": {"1": {"name": scope}}} for kw, scope in PLAIN_KEYWORDS.items()]
    repository = {
        "statements": {"patterns": [
            {"include": "#comment"},
            {"include": "#string"},
            {"include": "#tracking"},
            {"include": "#flow"},
            {"include": "#declaration"},
            {"include": "#block"},
            *attribute_includes,
            {"include": "#value-literals"},
            {"include": "#word"},
            {"include": "#arrow"},
            {"include": "#punctuation"},
            {"include": "#invalid"},
        ]},
        "comment": {"patterns": [
            {"name": "comment.line.number-sign.moat", "match": "(#).*$",
             "captures": {"1": {"name": "punctuation.definition.comment.moat"}}},
            {"name": "comment.line.double-slash.moat", "match": "(//).*$",
             "captures": {"1": {"name": "punctuation.definition.comment.moat"}}},
        ]},
        "string": {"patterns": [
            {"name": "string.quoted.double.moat",
             "begin": r'"(?=(?:[^"\\]|\\.)*")', "end": '"',
             "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.moat"}},
             "endCaptures": {"0": {"name": "punctuation.definition.string.end.moat"}},
             "patterns": [{"include": "#escape"}]},
            # Strings end on their line: one that does not is an error to the end of the line.
            {"name": "invalid.illegal.unterminated-string.moat",
             "begin": '"', "end": "$", "patterns": [{"include": "#escape"}]},
        ]},
        "escape": {"patterns": [
            {"name": "constant.character.escape.moat", "match": r'\\["\\nt]'},
            {"name": "constant.character.escape.unicode.moat", "match": r"\\u\{(?!0+\})[0-9A-Fa-f]{1,8}\}"},
            {"name": "invalid.illegal.escape.moat", "match": r"\\u\{[0-9A-Fa-f]{0,8}\}?|\\."},
        ]},
        "tracking": {
            "name": "meta.statement.tracking.moat",
            "begin": words(TRACKING_STATUSES),
            "beginCaptures": {"1": {"name": "keyword.control.tracking.moat"}},
            "end": r"(?=;)|$",
            "patterns": [
                {"include": "#comment"},
                {"include": "#finding-pattern"},
                {"include": "#string"},
                {"match": words(TRACKING_OPTIONS), "captures": {"1": {"name": "keyword.other.tracking.moat"}}},
                {"include": "#value-literals"},
                {"include": "#word"},
                {"include": "#invalid"},
            ],
        },
        # rule@element, rule@source->target; `*` matches any run of characters.
        "finding-pattern": {
            "name": "meta.finding-pattern.moat",
            "match": BEFORE + "(" + WORD + ")(@)(" + WORD + ")(?:(->|<->)(" + WORD + "))?" + AFTER,
            "captures": {
                "1": {"name": "entity.name.function.rule.moat", "patterns": [{"include": "#wildcard"}]},
                "2": {"name": "keyword.operator.at.moat"},
                "3": {"name": "variable.other.element.moat", "patterns": [{"include": "#wildcard"}]},
                "4": {"name": "keyword.operator.arrow.moat"},
                "5": {"name": "variable.other.element.moat", "patterns": [{"include": "#wildcard"}]},
            },
        },
        "wildcard": {"match": r"\*", "name": "keyword.operator.wildcard.moat"},
        # [id:] source -> target   and   source <-> target
        "flow": {
            "name": "meta.flow.moat",
            "match": r"(?:" + BEFORE + "(" + WORD + r")[ \t]*(:)[ \t]*)?" + BEFORE + "(" + WORD + r")[ \t]*"
                     r"(?:(->)|(<->))[ \t]*(?:" + BEFORE + "(" + WORD + ")" + AFTER + ")?",
            "captures": {
                "1": {"name": "entity.name.label.flow.moat"},
                "2": {"name": "punctuation.separator.flow-id.moat"},
                "3": {"name": "variable.other.element.moat"},
                "4": {"name": "keyword.operator.arrow.moat"},
                "5": {"name": "keyword.operator.arrow.two-way.moat"},
                "6": {"name": "variable.other.element.moat"},
            },
        },
        "declaration": {"patterns": [*declarations, *plain]},
        "block": {
            "name": "meta.block.moat",
            "begin": r"\{", "end": r"\}",
            "beginCaptures": {"0": {"name": "punctuation.section.block.begin.moat"}},
            "endCaptures": {"0": {"name": "punctuation.section.block.end.moat"}},
            "patterns": [{"include": "#statements"}],
        },
        **attribute_repository,
        # A `,` at the end of a line carries an attribute's value list over to the next line.
        # It ends at the first character of the next line that does not start a comment.
        "value-continuation": {
            "begin": r"(,)(?=[ \t]*(?:(?:#|//).*)?$)",
            "beginCaptures": {"1": {"name": "punctuation.separator.comma.moat"}},
            "end": r"(?=[^\s#/]|/(?!/))",
            "patterns": [{"include": "#comment"}],
        },
        "value-literals": {"patterns": [
            {"match": BEFORE + "(true|false)" + AFTER, "captures": {"1": {"name": "constant.language.boolean.moat"}}},
            {"match": BEFORE + "(" + DATE + ")" + AFTER, "captures": {"1": {"name": "constant.numeric.date.moat"}}},
            {"match": BEFORE + "(" + NUMBER + ")" + AFTER, "captures": {"1": {"name": "constant.numeric.moat"}}},
        ]},
        "word": {"match": BEFORE + "(" + WORD + ")" + AFTER, "captures": {"1": {"name": "variable.other.moat"}}},
        "arrow": {"patterns": [
            {"match": "<->", "name": "keyword.operator.arrow.two-way.moat"},
            {"match": "->", "name": "keyword.operator.arrow.moat"},
        ]},
        "punctuation": {"patterns": [
            {"match": ";", "name": "punctuation.terminator.statement.moat"},
            {"match": ",", "name": "punctuation.separator.comma.moat"},
            {"match": ":", "name": "punctuation.separator.colon.moat"},
        ]},
        "stray-brace": {"match": r"\}", "name": "invalid.illegal.stray-brace.moat"},
        # Anything the lexer does not know (`$`, `[`, a non-ASCII letter outside a string…).
        "invalid": {"match": r"\S", "name": "invalid.illegal.character.moat"},
    }
    return {
        "$comment": "Generated by editors/generate_grammar.py from its keyword table and Models/vocabulary.yaml; do not edit.",
        "name": "Moat",
        "scopeName": SCOPE,
        "fileTypes": ["moat"],
        "patterns": [{"include": "#stray-brace"}, {"include": "#statements"}],
        "repository": repository,
    }


# ── Vim / Neovim syntax file ─────────────────────────────────────────────────────────────────────

def vim_syntax(vocabulary: list[dict]) -> str:
    word_chars = "a-z,A-Z,48-57,_,-,.,*"
    enum_values = sorted({v for a in vocabulary for v in a["values"]})
    attributes = sorted(a["name"] for a in vocabulary)
    options = "\\|".join(TRACKING_OPTIONS)

    def keyword_lines(group: str, names: list[str]) -> str:
        lines, line = [], []
        for n in names:
            line.append(n)
            if len(" ".join(line)) > 80:
                lines.append(f"syntax keyword {group} " + " ".join(line))
                line = []
        if line:
            lines.append(f"syntax keyword {group} " + " ".join(line))
        return "\n".join(lines)

    return f'''" Vim syntax file for the Moat threat-modelling language (.moat).
" Generated by editors/generate_grammar.py from Models/vocabulary.yaml; do not edit.
" Install: copy to ~/.config/nvim/syntax/moat.vim (Neovim) or ~/.vim/syntax/moat.vim (Vim).
if exists("b:current_syntax")
  finish
endif

syntax iskeyword {word_chars}
syntax case match

syntax match moatInvalid /\\S/
syntax match moatWord /\\<[A-Za-z0-9_*][A-Za-z0-9_*.-]*/
syntax match moatNumber /\\<[0-9]\\+\\(\\.[0-9]\\+\\)\\=\\>/
syntax match moatDate /\\<[0-9]\\{{4}}-[0-9]\\{{2}}-[0-9]\\{{2}}\\>/
{keyword_lines("moatAttribute", attributes)}
{keyword_lines("moatEnum", enum_values)}
syntax keyword moatBoolean true false
syntax keyword moatDeclaration {" ".join(DECLARATIONS)} nextgroup=moatDeclaredId skipwhite
syntax match moatDeclaredId /[A-Za-z0-9_*]\\([A-Za-z0-9_*.]\\|-\\(>\\)\\@!\\)*/ contained
syntax keyword moatKeyword {" ".join(PLAIN_KEYWORDS)}
syntax keyword moatTracking {" ".join(TRACKING_STATUSES)}
syntax match moatTrackingOption /\\<\\({options}\\)\\>\\ze\\s\\+\\("\\|[0-9]\\)/
syntax match moatFindingPattern /[A-Za-z0-9_*][A-Za-z0-9_*.-]*@\\([A-Za-z0-9_*.]\\|-\\(>\\)\\@!\\)\\+\\(\\(->\\|<->\\)[A-Za-z0-9_*.-]\\+\\)\\=/
syntax match moatArrow /<->\\|->/
syntax match moatFlowId /^\\s*\\zs[A-Za-z0-9_*][A-Za-z0-9_*.-]*\\ze\\s*:/
syntax match moatPunctuation /[;,:]/
syntax match moatBrace /[{{}}]/
syntax region moatString start=/"/ skip=/\\\\\\\\\\|\\\\"/ end=/"/ end=/$/ oneline contains=moatEscape,moatBadEscape
syntax match moatBadEscape /\\\\./ contained
syntax match moatEscape /\\\\["\\\\nt]\\|\\\\u{{[0-9A-Fa-f]\\{{1,8}}}}/ contained
syntax match moatComment /\\(#\\|\\/\\/\\).*$/ contains=@Spell

highlight default link moatInvalid Error
highlight default link moatBadEscape Error
highlight default link moatComment Comment
highlight default link moatString String
highlight default link moatEscape SpecialChar
highlight default link moatNumber Number
highlight default link moatDate Number
highlight default link moatBoolean Boolean
highlight default link moatEnum Constant
highlight default link moatAttribute Identifier
highlight default link moatDeclaration StorageClass
highlight default link moatDeclaredId Type
highlight default link moatKeyword Keyword
highlight default link moatTracking Conditional
highlight default link moatTrackingOption Keyword
highlight default link moatFindingPattern Function
highlight default link moatFlowId Label
highlight default link moatArrow Operator
highlight default link moatPunctuation Delimiter
highlight default link moatBrace Delimiter

let b:current_syntax = "moat"
'''


# ── Emacs major mode ─────────────────────────────────────────────────────────────────────────────

def emacs_mode(vocabulary: list[dict]) -> str:
    def elisp_list(names) -> str:
        return "'(" + " ".join(json.dumps(n) for n in sorted(set(names))) + ")"

    attributes = [a["name"] for a in vocabulary]
    enum_values = [v for a in vocabulary for v in a["values"]]
    return f''';;; moat-mode.el --- Major mode for Moat threat models  -*- lexical-binding: t; -*-

;; Generated by editors/generate_grammar.py from Models/vocabulary.yaml; do not edit.
;; Install: put this file on your `load-path', then (require 'moat-mode).  With Emacs 29 or later,
;; `eglot' starts `moat lsp' for .moat buffers (M-x eglot, or eglot-ensure in `moat-mode-hook').

;;; Code:

(defgroup moat nil "Moat threat models." :group 'languages)

(defcustom moat-lsp-command '("moat" "lsp")
  "The command that starts the Moat language server (speaks LSP over stdio)."
  :type '(repeat string) :group 'moat)

(defconst moat--word "[A-Za-z0-9_*][A-Za-z0-9_*.-]*")

(defconst moat--declarations {elisp_list(DECLARATIONS)})
(defconst moat--keywords {elisp_list(PLAIN_KEYWORDS)})
(defconst moat--statuses {elisp_list(TRACKING_STATUSES)})
(defconst moat--attributes {elisp_list(attributes)})
(defconst moat--values {elisp_list(enum_values + ["true", "false"])})

(defun moat--words (words)
  (concat "\\\\_<" (regexp-opt words t) "\\\\_>"))

(defconst moat-font-lock-keywords
  `((,(concat (moat--words moat--declarations) "[ \\t]+\\\\(" moat--word "\\\\)")
     (1 font-lock-keyword-face) (2 font-lock-type-face))
    (,(moat--words moat--declarations) . font-lock-keyword-face)
    (,(moat--words moat--keywords) . font-lock-keyword-face)
    (,(moat--words moat--statuses) . font-lock-builtin-face)
    (,(concat "\\\\_<\\\\(" moat--word "\\\\)\\\\(@\\\\)\\\\(" moat--word "\\\\(?:<?->" moat--word "\\\\)?\\\\)")
     (1 font-lock-function-name-face) (3 font-lock-variable-name-face))
    (,(concat "^[ \\t]*\\\\(" moat--word "\\\\)[ \\t]*:") 1 font-lock-constant-face)
    ("<?->" . font-lock-builtin-face)
    ("\\\\_<[0-9]\\\\{{4\\\\}}-[0-9]\\\\{{2\\\\}}-[0-9]\\\\{{2\\\\}}\\\\_>" . font-lock-constant-face)
    ("\\\\_<[0-9]+\\\\(?:\\\\.[0-9]+\\\\)?\\\\_>" . font-lock-constant-face)
    (,(moat--words moat--attributes) . font-lock-variable-name-face)
    (,(moat--words moat--values) . font-lock-constant-face))
  "Highlighting for `moat-mode'.")

(defvar moat-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?/ ". 12" table)
    (modify-syntax-entry ?\\n ">" table)
    (modify-syntax-entry ?\\" "\\"" table)
    (modify-syntax-entry ?\\\\ "\\\\" table)
    (dolist (c '(?- ?_ ?. ?*)) (modify-syntax-entry c "_" table))
    (modify-syntax-entry ?{{ "(}}" table)
    (modify-syntax-entry ?}} "){{" table)
    table)
  "Syntax table for `moat-mode'.")

;;;###autoload
(define-derived-mode moat-mode prog-mode "Moat"
  "Major mode for Moat threat models (.moat files)."
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "\\\\(?:#+\\\\|//+\\\\)[ \\t]*")
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 2)
  (setq-local font-lock-defaults '(moat-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\\\.moat\\\\'" . moat-mode))

(with-eval-after-load 'eglot
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs `(moat-mode . ,moat-lsp-command)))

(provide 'moat-mode)
;;; moat-mode.el ends here
'''


# ── Writing ──────────────────────────────────────────────────────────────────────────────────────

def outputs(vocabulary: list[dict] | None = None) -> dict[Path, bytes]:
    vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
    g = grammar(vocabulary)
    editors = ROOT / "editors"
    return {
        editors / "vscode" / "syntaxes" / "moat.tmLanguage.json": (json.dumps(g, indent=2, ensure_ascii=False) + "\n").encode(),
        editors / "sublime" / "Moat.tmLanguage": plistlib.dumps(
            {k: v for k, v in g.items() if k != "$comment"} | {"comment": g["$comment"]}, sort_keys=False),
        editors / "vim" / "syntax" / "moat.vim": vim_syntax(vocabulary).encode(),
        editors / "emacs" / "moat-mode.el": emacs_mode(vocabulary).encode(),
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, data in outputs().items():
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path.relative_to(ROOT))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run python3 editors/generate_grammar.py): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

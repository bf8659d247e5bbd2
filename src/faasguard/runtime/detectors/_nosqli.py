"""NoSQL injection: MongoDB query operators in text form and server-side JavaScript payloads."""

from __future__ import annotations

import re

from ._hit import Hit, has_marked, lazy, split_needles

_OPERATOR_NAMES = """where ne eq gt gte lt lte in nin regex exists or and not nor expr
    elemMatch all size type mod text function accumulator lookup comment options
    jsonSchema search"""
OPERATORS = frozenset(_OPERATOR_NAMES.split())
_OPERATOR = lazy(
    r"(?:[\[{,\"']\s{0,32}|^\s{0,32}|&|\?)\$("
    + "|".join(sorted(OPERATORS, key=len, reverse=True))
    + r")\b\s{0,32}(?:[\"']\s{0,32})?(?:\]|:)",
)
_JS = lazy(
    r"(?:['\"]\s{0,32}(?:;|&&|\|\|)|^\s{0,32}\d*\s{0,32};|;)\s{0,32}(?:return\b|this\.\w+|sleep\s{0,32}\(|while\s{0,32}\(|"
    r"var\s+\w+\s{0,32}=|db\.\w+|function\s{0,32}\(|it\s{0,32}=|[a-z]+\s{0,32}=\s{0,32}new\s+Date)|"
    r"\bthis\.\w+\.match\s{0,32}\(|\bdb\.\w+\.(?:insert|find|drop|remove|update|mapReduce)\w*\s{0,32}\(|"
    r"\bwhile\s{0,32}\(\s{0,32}(?:true|1|\w+\s{0,32}-\s{0,32}\w+)|\breturn\s{0,32}\(?\s{0,32}true\b|"
    r"['\"]\s{0,32}\|\|\s{0,32}['\"]?\d*['\"]?\s{0,32}==\s{0,32}['\"]?",
    re.I,
)


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    m = _OPERATOR.search(text) if "$" in text else None
    if m:
        hits.append(Hit("nosqli.operator", 0.85, m.start(), m.end()))
    m = _JS.search(text) if has_marked(low, marks, _JS_SPLIT) else None
    if m:
        hits.append(Hit("nosqli.js-injection", 0.8, m.start(), m.end()))
    return hits


_JS_NEEDLES = ("return", "this.", "sleep", "while", "var ", "db.", "function", "it=", "date", "||")


_JS_SPLIT = split_needles(_JS_NEEDLES)


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return "$" in chars or has_marked(low, chars, _JS_SPLIT)

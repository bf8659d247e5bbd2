"""NoSQL injection: MongoDB query operators in text form and server-side JavaScript payloads."""

from __future__ import annotations

import re

from ._hit import Hit, has_any

_OPERATOR_NAMES = """where ne eq gt gte lt lte in nin regex exists or and not nor expr
    elemMatch all size type mod text function accumulator lookup comment options
    jsonSchema search"""
OPERATORS = frozenset(_OPERATOR_NAMES.split())
_OPERATOR = re.compile(
    r"(?:[\[{,\"']\s*|^\s*|&|\?)\$("
    + "|".join(sorted(OPERATORS, key=len, reverse=True))
    + r")\b\s*(?:[\"']\s*)?(?:\]|:)",
)
_JS = re.compile(
    r"(?:['\"]\s*(?:;|&&|\|\|)|^\s*\d*\s*;|;)\s*(?:return\b|this\.\w+|sleep\s*\(|while\s*\(|"
    r"var\s+\w+\s*=|db\.\w+|function\s*\(|it\s*=|[a-z]+\s*=\s*new\s+Date)|"
    r"\bthis\.\w+\.match\s*\(|\bdb\.\w+\.(?:insert|find|drop|remove|update|mapReduce)\w*\s*\(|"
    r"\bwhile\s*\(\s*(?:true|1|\w+\s*-\s*\w+)|\breturn\s*\(?\s*true\b|"
    r"['\"]\s*\|\|\s*['\"]?\d*['\"]?\s*==\s*['\"]?",
    re.I,
)


def detect(text: str, low: str) -> list[Hit]:
    hits: list[Hit] = []
    m = _OPERATOR.search(text) if "$" in text else None
    if m:
        hits.append(Hit("nosqli.operator", 0.85, m.start(), m.end()))
    m = _JS.search(text) if has_any(low, _JS_NEEDLES) else None
    if m:
        hits.append(Hit("nosqli.js-injection", 0.8, m.start(), m.end()))
    return hits


_JS_NEEDLES = ("return", "this.", "sleep", "while", "var ", "db.", "function", "it=", "date", "||")


def gate(low: str, chars: frozenset[str]) -> bool:
    return "$" in chars or has_any(low, _JS_NEEDLES)

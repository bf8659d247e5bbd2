"""Server-side template injection: template delimiters around expressions, sandbox escapes."""

from __future__ import annotations

import re

from ._hit import Hit, has_marked, lazy, split_needles

_EXPR = r"[^{}]{0,300}"
_DELIMITED = lazy(
    r"\{\{(?P<a>" + _EXPR + r")\}\}|\$\{(?P<b>" + _EXPR + r")\}|<%=?(?P<c>[^%]{0,300})%>|"
    r"#\{(?P<d>" + _EXPR + r")\}|\*\{(?P<e>" + _EXPR + r")\}|\{%(?P<f>[^%]{0,300})%\}|"
    r"@\((?P<g>[^()]{0,300})\)|\[\[(?P<h>[^\[\]]{0,300})\]\]|\{\{(?P<i>" + _EXPR + r")$",
)
_EXPR_SIGNS = lazy(
    r"\d\s{0,32}[*+/-]\s{0,32}\d|\d\s{0,32}\*\s{0,32}['\"]|__\w+__|\w\s{0,32}\(|\)\s{0,32}\.|\[\s{0,32}['\"\d]|\|\s{0,32}\w|"
    r"\w\.\w+\s{0,32}\(|['\"]\s{0,32}\.\s{0,32}\w|\bT\s{0,32}\(|\bnew\s+\w|\?new\b|#\w+\s{0,32}=|\bimport\b|`[^`]+`",
)
_OBJECTS = lazy(
    r"^\s{0,32}(?:config|request|self|settings|cycler|joiner|namespace|lipsum|url_for|"
    r"get_flashed_messages|session|g|app|range|_self|this|class|env|application|"
    r"Runtime|product|dump|debug)\s{0,32}(?:[.\[|]|$)",
)
_ESCAPES = lazy(
    r"__(?:class|mro|subclasses|globals|builtins|import|init|base|bases|getattribute|"
    r"dict|reduce|code)__|freemarker\.template\.utility|java\.lang\.(?:Runtime|"
    r"ProcessBuilder|System|Class)|getRuntime\s{0,32}\(|\.getClass\s{0,32}\(|\.forName\s{0,32}\(|"
    r"\{php\}|\{/php\}|\{system\b|<#assign|\[#assign|#set\s{0,32}\(\s{0,32}\$|\$class\.inspect|"
    r"\{\{[^{}]{0,100}\|\s{0,32}(?:attr|filter|map)\s{0,32}\(|\{%\s{0,32}(?:import|include|extends|set|"
    r"for|if|debug|exec)\b|th:(?:text|utext|fragment)|\bnew\s+java\.",
    re.I,
)


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    for m in _DELIMITED.finditer(text):
        body = next((g for g in m.groups() if g is not None), "")
        if _EXPR_SIGNS.search(body) or _OBJECTS.match(body):
            hits.append(Hit("ssti.template-expression", 0.85, m.start(), m.end()))
            break
    m = _ESCAPES.search(text)
    if m:
        hits.append(Hit("ssti.sandbox-escape", 0.9, m.start(), m.end()))
    return hits


_NEEDLES = ("%>", "@(", "__", "[[", "java.", "getclass", "forname", "#set", "assign", "th:")


_GATE_NEEDLES = split_needles(_NEEDLES)


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return "{" in chars or has_marked(low, chars, _GATE_NEEDLES)

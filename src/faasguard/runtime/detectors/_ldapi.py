"""LDAP filter injection: filter syntax that closes the intended filter and opens new ones."""

from __future__ import annotations

import re

from ._hit import Hit, lazy

_ATTR = r"[a-z][\w.;-]{0,40}"
_FILTER = lazy(
    r"\)\s{0,32}\(\s{0,32}[|&!]|\(\s{0,32}[|&!]\s{0,32}\(\s{0,32}" + _ATTR + r"\s{0,32}[~<>:]?=|"
    r"\*\s{0,32}\)\s{0,32}\(|\)\s{0,32}\(\s{0,32}" + _ATTR + r"\s{0,32}[~<>]?=|"
    r"\(\s{0,32}"
    + _ATTR
    + r"\s{0,32}=\s{0,32}\*\s{0,32}\)|^\s{0,32}\*\s{0,32}\)+\s{0,32}(?:\x00|$)|"
    r"\(\s{0,32}[|&]\s{0,32}\)",
    re.I,
)
_EXTENSIBLE_MATCH = lazy(_ATTR + r":\d+(?:\.\d+){2,}:=", re.I)


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    m = _FILTER.search(text) or (":=" in text and _EXTENSIBLE_MATCH.search(text))
    if m:
        return [Hit("ldapi.filter-injection", 0.8, m.start(), m.end())]
    return []


_FILTER_CHARS = frozenset("=*|&!")


def gate(low: str, chars: str | frozenset[str]) -> bool:
    parens = "(" in chars or ")" in chars
    return (parens and not _FILTER_CHARS.isdisjoint(chars)) or ("=" in chars and ":=" in low)

"""XML external entities: DOCTYPE with internal subset, ENTITY declarations, XInclude, XSLT."""

from __future__ import annotations

import re

from ._hit import Hit, lazy

_DOCTYPE = lazy(r"<!DOCTYPE\s+[\w:.-]{1,64}\s{0,32}(?:\[|SYSTEM\b|PUBLIC\b)", re.I)
_ENTITY = lazy(r"<!ENTITY\s+(?:%\s{0,32})?[\w:.-]{1,64}\s+(?:SYSTEM|PUBLIC|[\"'])", re.I)
_XINCLUDE = lazy(r"<\w{0,20}:?include\s[^>]{0,200}href|xmlns:xi\s{0,32}=", re.I)
_XSLT = lazy(
    r"<xsl:(?:stylesheet|template|value-of|copy-of)\b[^>]{0,300}(?:document\s{0,32}\(|php:|"
    r"system-property|unparsed-text)|xmlns:php\s{0,32}=|php:function",
    re.I,
)
_PARAM_ENTITY = lazy(r"%[\w.-]{1,64};", re.I)


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    for rule, conf, pattern in (
        ("xxe.doctype", 0.85, _DOCTYPE),
        ("xxe.entity", 0.95, _ENTITY),
        ("xxe.xinclude", 0.85, _XINCLUDE),
        ("xxe.xslt", 0.85, _XSLT),
    ):
        m = pattern.search(text)
        if m:
            hits.append(Hit(rule, conf, m.start(), m.end()))
    if hits:
        m = _PARAM_ENTITY.search(text)
        if m:
            hits.append(Hit("xxe.parameter-entity", 0.9, m.start(), m.end()))
    return hits


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return "<" in chars and ("<!" in low or "<xsl" in low or "xmlns" in low or "include" in low)

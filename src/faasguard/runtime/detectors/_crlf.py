"""CRLF / header injection and mail (SMTP/IMAP) command injection through line breaks."""

from __future__ import annotations

import re

from ._hit import Hit, lazy

_HEADER = lazy(
    r"[\r\n][ \t]{0,8}(?:set-cookie|location|content-(?:type|length|disposition)|refresh|"
    r"x-[\w-]{1,40}|access-control-[\w-]{1,40}|host|cookie|authorization|"
    r"transfer-encoding|cache-control|link|http/\d)\s{0,32}:",
    re.I,
)
_CR_HEADER = lazy(r"\r\n?[A-Za-z][\w-]{1,40}:\s?\S|\r\n\r\n\s{0,32}<", re.I)
_MAIL = lazy(
    r"[\r\n][ \t]{0,8}(?:(?:bcc|cc|to|from|subject|reply-to|sender|return-path)\s{0,32}:|"
    r"(?:rcpt\s+to|mail\s+from)\s{0,32}:|(?:data|quit|rset|helo|ehlo|noop|vrfy|expn)\s{0,32}(?:\r|\n|$)|"
    r"[a-z]?\d{1,6}\s+(?:capability|fetch|login|select|logout|store|copy|append|"
    r"uid|list|examine|search)\b)",
    re.I,
)


def detect(text: str, low: str, marks: str | frozenset[str]) -> list[Hit]:
    hits: list[Hit] = []
    m = _HEADER.search(text) or _CR_HEADER.search(text)
    if m:
        hits.append(Hit("crlf.header-injection", 0.85, m.start(), m.end()))
    m = _MAIL.search(text)
    if m:
        hits.append(Hit("crlf.mail-injection", 0.8, m.start(), m.end()))
    return hits


def gate(low: str, chars: str | frozenset[str]) -> bool:
    return "\n" in chars or "\r" in chars

"""Bounded decoding of attacker-controlled strings into the forms a backend may see."""

from __future__ import annotations

import re

from ._hit import lazy

MAX_ROUNDS = 3
MAX_DECODE_LEN = 64 * 1024

_PERCENT = lazy(r"%(?:u([0-9a-fA-F]{4})|([0-9a-fA-F]{2}))")
_JS_ESCAPE = lazy(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|u\{([0-9a-fA-F]{1,6})\}|([nrt0]))")
_CONTROL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\x00"}
_HEX_LITERAL_SEP = lazy(r"0x(2e|2f|5c)", re.IGNORECASE)
_LOOKALIKES = {
    "\u2215": "/",  # division slash
    "\u2044": "/",  # fraction slash
    "\u2216": "\\",  # set minus
    "\uff3c": "\\",
    "\u2024": ".",  # one dot leader
    "\u2032": "'",  # prime
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u02bc": "'",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",
}
_LOOKALIKE = lazy("[" + "".join(_LOOKALIKES) + "]")


def _lax_utf8(data: bytes) -> str:
    """Decode UTF-8 the way lax servers do: overlong forms become their ASCII character."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        size = 1 if b < 0xC0 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4 if b < 0xF8 else 5
        chunk = data[i + 1 : i + size]
        if size == 1 or len(chunk) < size - 1:
            out.append(chr(b))
            i += 1
            continue
        code = b & (0x7F >> size)
        for c in chunk:
            code = (code << 6) | (c & 0x3F)
        out.append(chr(code) if code < 0x110000 else "\ufffd")
        i += size
    return "".join(out)


def url_decode(text: str) -> str:
    """Percent-decode, including %uXXXX and overlong UTF-8 sequences."""
    if "%" not in text:
        return text
    parts: list[str] = []
    pending = bytearray()
    last = 0
    for m in _PERCENT.finditer(text):
        if m.start() != last:
            if pending:
                parts.append(_lax_utf8(bytes(pending)))
                pending.clear()
            parts.append(text[last : m.start()])
        if m.group(1):
            if pending:
                parts.append(_lax_utf8(bytes(pending)))
                pending.clear()
            parts.append(chr(int(m.group(1), 16)))
        else:
            pending.append(int(m.group(2), 16))
        last = m.end()
    if pending:
        parts.append(_lax_utf8(bytes(pending)))
    parts.append(text[last:])
    return "".join(parts)


def _js_unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _JS_ESCAPE.sub(_unescape_one, text)


def _unescape_one(m: re.Match[str]) -> str:
    if m.group(4):
        return _CONTROL_ESCAPES[m.group(4)]
    return chr(int(m.group(1) or m.group(2) or m.group(3), 16))


def _normalise(text: str) -> str:
    if text.isascii():
        return text
    import unicodedata

    if _LOOKALIKE.search(text):
        text = _LOOKALIKE.sub(lambda m: _LOOKALIKES[m.group()], text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def _utf7(text: str) -> str:
    try:
        return text.encode("ascii").decode("utf-7")
    except (UnicodeError, ValueError):
        return text


def _decode_once(text: str) -> str:
    text = url_decode(text)
    if "+AD" in text and text.isascii():
        text = _utf7(text)
    if "&" in text:
        import html

        text = html.unescape(text)
    text = _js_unescape(text)
    if "0x" in text or "0X" in text:
        text = _HEX_LITERAL_SEP.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _normalise(text)


def needs_decoding(text: str) -> bool:
    return (
        not text.isascii()
        or "%" in text
        or "&" in text
        or "\\" in text
        or "0x" in text
        or "+AD" in text
    )


def decoded(text: str) -> str:
    """The fully decoded form of text (fixpoint of at most MAX_ROUNDS decoding rounds)."""
    text = text[:MAX_DECODE_LEN]
    for _ in range(MAX_ROUNDS):
        if not needs_decoding(text):
            break
        new = _decode_once(text)
        if new == text:
            break
        text = new
    return text.replace("\x00", "")

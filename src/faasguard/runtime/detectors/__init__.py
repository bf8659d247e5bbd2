"""Injection detection engine: ``scan`` a string, ``scan_value`` a JSON-like value.

Own engine, standard library only. Every input is checked as given and in its fully decoded
form (URL, double URL, %u, overlong UTF-8, HTML entities, JS escapes, NFKC); strings that hold
JSON are parsed and their values and keys checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from .._redact import secret_window
from . import _cmdi, _crlf, _ldapi, _nosqli, _sqli, _ssrf, _ssti, _traversal, _xss, _xxe
from ._decode import decoded, needs_decoding
from ._hit import Hit, lazy

__all__ = ["CATEGORIES", "Detection", "scan", "scan_value"]

CATEGORIES = frozenset(
    {"sqli", "xss", "cmdi", "traversal", "ssti", "nosqli", "xxe", "ssrf", "crlf", "ldapi"}
)
MAX_TEXT = 256 * 1024
MAX_JSON_TEXT = 64 * 1024
EXCERPT_LEN = 40

_DETECTORS: tuple[tuple[str, ModuleType], ...] = (
    ("sqli", _sqli),
    ("xss", _xss),
    ("cmdi", _cmdi),
    ("traversal", _traversal),
    ("ssti", _ssti),
    ("nosqli", _nosqli),
    ("xxe", _xxe),
    ("ssrf", _ssrf),
    ("crlf", _crlf),
    ("ldapi", _ldapi),
)
# Strings made only of these characters, and without the words below, cannot carry any of the
# attacks the detectors look for: they skip all work (the common case for real traffic).
# Compiled at import (not lazily): every scanned string goes through it first.
_QUIET_MATCH = re.compile(r"[A-Za-z0-9 _,.@+-]*").fullmatch
_LOUD_NEEDLES = ("select", "by ", "true", "false", "--", "..", ".ini", "0x", "convert.")
_LOUD_FIRST_WORD_LIST = """ping sleep nslookup curl wget whoami uname drop exec shutdown
    declare insert delete update ifconfig ipconfig netstat systeminfo hostname tasklist net
    netsh ls nc ps perl python php reg sc wmic cat which"""
_LOUD_FIRST_WORDS = frozenset(_LOUD_FIRST_WORD_LIST.split())
_CONTROL = lazy(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Detection:
    category: str  # one of CATEGORIES
    rule: str  # stable signature id, e.g. "sqli.union-select"
    confidence: float  # 0.0-1.0
    excerpt: str  # <= 40 chars around the match, control chars escaped


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _excerpt(text: str, hit: Hit) -> str:
    start = max(hit.start - 8, 0)
    window = secret_window(text, start, max(hit.end, start + 1) + 4)[: EXCERPT_LEN * 2]
    window = _CONTROL.sub(_escape, window)
    return window[:EXCERPT_LEN]


def _prose_source() -> str:
    import unicodedata

    # Latin-1 and Latin Extended-A/B letters NFKC leaves alone (U+017F long s becomes "s")
    letters = "".join(
        c
        for c in map(chr, range(0xC0, 0x250))
        if c.isalpha() and unicodedata.normalize("NFKC", c) == c
    )
    return f"[A-Za-z0-9 _,.@+'{letters}-]*"


_PROSE = lazy(_prose_source)


def _is_prose(text: str) -> bool:
    """Latin text with diacritics and at most one apostrophe, between two letters ("Zoë
    O'Brien", "12 Rue de l'Église"): one unbalanced quote inside a word cannot close a SQL
    string and open a condition."""
    quote = text.find("'")
    if quote != -1:
        if text.find("'", quote + 1) != -1 or not 0 < quote < len(text) - 1:
            return False
        if not (text[quote - 1].isalpha() and text[quote + 1].isalpha()):
            return False
    return _PROSE.fullmatch(text) is not None


def _is_quiet(text: str) -> bool:
    if text.isalnum() and text.isascii():  # one ASCII word: only these needles can occur
        low = text.lower()
        return (
            not ("select" in low or "true" in low or "false" in low or "0x" in low)
            and low not in _LOUD_FIRST_WORDS
            and not _xss.is_handler_name(low)
        )
    if _QUIET_MATCH(text) is None and not _is_prose(text):
        return False
    low = text.lower()
    if _xss.is_handler_name(low.strip()):
        return False
    for needle in _LOUD_NEEDLES:
        if needle in low:
            return False
    return low.lstrip().partition(" ")[0] not in _LOUD_FIRST_WORDS


def _detect_form(
    form: str, chars: frozenset[str], wanted: frozenset[str] | None, found: dict[str, Detection]
) -> None:
    low = form.lower()
    for category, module in _DETECTORS:
        if wanted is not None and category not in wanted:
            continue
        if not module.gate(low, chars):
            continue
        for hit in module.detect(form, low):
            old = found.get(hit.rule)
            if old is None or old.confidence < hit.confidence:
                found[hit.rule] = Detection(category, hit.rule, hit.confidence, _excerpt(form, hit))


def _json_payload(text: str) -> object | None:
    first = text[:1]
    if first != "{" and first != "[" and not first.isspace():
        return None  # cheap exit for the common case, same answer as below
    stripped = text.strip()
    if len(stripped) < 2 or len(stripped) > MAX_JSON_TEXT:
        return None
    if (stripped[0], stripped[-1]) not in (("{", "}"), ("[", "]")):
        return None
    import json

    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def scan(text: str, *, categories: frozenset[str] | None = None) -> list[Detection]:
    """Detections in text, strongest first; an empty list means clean."""
    return _scan(text, categories, json_depth=0)


def _scan(text: str, categories: frozenset[str] | None, json_depth: int) -> list[Detection]:
    if not text:
        return []
    text = text[:MAX_TEXT]
    if _is_quiet(text):
        return []
    if json_depth < 2:
        payload = _json_payload(text)
        if payload is not None:
            pairs = _walk(payload, "", categories, 1000, json_depth + 1)
            return _strongest(det for _, det in pairs)
    found: dict[str, Detection] = {}
    _detect_form(text, frozenset(text), categories, found)
    if needs_decoding(text):
        plain = decoded(text)
        if plain != text and not _is_quiet(plain):
            _detect_form(plain, frozenset(plain), categories, found)
    return _strongest(found.values())


def _strongest(detections: Iterable[Detection]) -> list[Detection]:
    best: dict[str, Detection] = {}
    for det in detections:
        old = best.get(det.rule)
        if old is None or old.confidence < det.confidence:
            best[det.rule] = det
    return sorted(best.values(), key=lambda d: (-d.confidence, d.rule))


def scan_value(
    value: object, *, categories: frozenset[str] | None = None, max_strings: int = 1000
) -> list[tuple[str, Detection]]:
    """Detections in every string (and mapping key) of a JSON-like value, with field paths."""
    return _walk(value, "", categories, max_strings, json_depth=0)


def _child(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


_OPERATORS = _nosqli.OPERATORS


def _operator_key(key: str) -> bool:
    return key[:1] == "$" and key[1:] in _OPERATORS


def _render(chain: object) -> str:
    """A field path from a lazily built chain: the root path, or (parent chain, key)."""
    keys: list[object] = []
    while isinstance(chain, tuple):
        chain, key = chain
        keys.append(key)
    path = chain
    assert isinstance(path, str)
    for key in reversed(keys):
        path = _child(path, key)
    return path


def _walk(
    value: object,
    path: str,
    categories: frozenset[str] | None,
    max_strings: int,
    json_depth: int,
) -> list[tuple[str, Detection]]:
    """Depth-first walk in document order; a dict's keys are checked before its values.

    Field paths are only rendered for strings with detections (a cheap (parent, key) link
    stands in until then); repeated strings are scanned once; a container's leading leaves are
    handled in place instead of going through the stack (same order, same string budget).
    """
    out: list[tuple[str, Detection]] = []
    want_nosqli = categories is None or "nosqli" in categories
    budget = max_strings
    memo: dict[str, list[Detection]] = {}
    is_quiet = _is_quiet

    def report(text: str, where: object) -> None:
        found = memo.get(text)
        if found is None:
            found = memo[text] = _scan(text, categories, json_depth)
        if found:
            rendered = _render(where)
            out.extend((rendered, d) for d in found)

    stack: list[tuple[object, object, int]] = [(path, value, 0)]
    pop, push = stack.pop, stack.append
    while stack and budget > 0:
        where, item, depth = pop()
        if isinstance(item, str):
            budget -= 1
            if item and not is_quiet(item):
                report(item, where)
            continue
        if depth >= 64:
            continue
        if isinstance(item, dict):
            pairs = list(item.items())
            for key, _ in reversed(pairs):
                if isinstance(key, str):
                    if key[:1] == "$" and want_nosqli and key[1:] in _OPERATORS:
                        det = Detection("nosqli", "nosqli.operator-key", 0.9, key[:EXCERPT_LEN])
                        out.append((_render((where, key)), det))
                    elif not key.isidentifier():
                        budget -= 1
                        if key and not is_quiet(key):
                            report(key, (where, key))
        elif isinstance(item, (list, tuple)):
            pairs = list(enumerate(item))
        else:
            continue
        depth += 1
        first = 0
        for key, sub in pairs:
            if isinstance(sub, (dict, list, tuple)) or budget <= 0:
                break
            first += 1
            if isinstance(sub, str):
                budget -= 1
                if sub and not is_quiet(sub):
                    report(sub, (where, key))
        for index in range(len(pairs) - 1, first - 1, -1):
            key, sub = pairs[index]
            push(((where, key), sub, depth))
    return out

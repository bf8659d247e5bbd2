"""The detectors' cheap pre-checks give the answers of the plain checks they short-cut.

`_marks` (the characters gates may ask about, instead of a set of every character),
`has_marked` (needles holding punctuation searched only when the text holds it), the cmdi
signature screen and the per-detector gates are pinned here against reference versions: the
plain `has_any` over every needle, `frozenset(text)`, and the gates as they were written before
the short cuts. Whole scans with every short cut swapped for its reference must agree, detection
for detection, on the injection corpus and on generated prose- and attack-like text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from faasguard.runtime import detectors  # noqa: E402
from faasguard.runtime.detectors import (  # noqa: E402
    _cmdi,
    _ldapi,
    _nosqli,
    _sqli,
    _ssti,
    _traversal,
    _xss,
)
from faasguard.runtime.detectors._hit import (  # noqa: E402
    UNMARKED,
    has_any,
    has_marked,
    split_needles,
)
from tests.conftest import corpora_dir, need  # noqa: E402

# fragments that make generated text hit needles, gates and patterns of every category
_FRAGMENTS = [
    "select", "union", "order by", " or ", "and", "1=1", "'", '"', "`", ";", "(", ")", "--",
    "/*", "#", "@@", "<", ">", "script", "onerror=", "alert(", "data:", "expression", "{{",
    "${", "__", "$ne", "$(", "|", "&&", "&", "%0a", "%", "\\", "/", "..", "://", "etc/passwd",
    "\n", "\r", ":=", "*", "!", "=", "exec", "system(", "net user", "sc ", "reg ", "which",
    "ping -c", " -", " /", "!!python/", "<!--", "<?", "$_", "return", "this.", "sleep(",
    "while", "function", "date", "db.", "java.", "getclass", "forname", "assign", "th:",
    "xp_", "pg_sleep", "convert.", "resource=", "boot.ini", "{file}", "&#60;", "\\x3c", "\u017f",
    "\u212a", "\u0130", "ë", "É", "\u00a0", "\u2028", "Earl Grey tea (loose leaf, 13 g)",
    "Ring twice (the bell is broken); call 1 if needed.", "Gift: wrap it, thanks! ref 2",
    "O'Brien", "@@version", "@@variable\tx", " ", "a", "Z", "9", "0x2e", "@", "+", ",", ".",
    "-", "_",
]  # fmt: skip
_TEXT = st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map("".join)
_ANY_TEXT = st.text(max_size=40)


# --- references: the code before the short cuts ---------------------------------------------


def _ref_has_marked(low: str, marks: object, needles: tuple) -> bool:
    return has_any(low, needles[0] + needles[1])


def _ref_gates(low: str, chars: frozenset[str]) -> dict[str, bool]:
    return {
        "sqli": not _sqli._SQL_CHARS.isdisjoint(chars) or has_any(low, _sqli._SQL_WORDS),
        "xss": _ref_xss_gate(low, chars),
        "cmdi": not _cmdi._SHELL_CHARS.isdisjoint(chars)
        or low.lstrip().startswith(_cmdi._BARE_PREFIXES),
        "traversal": "/" in chars
        or "\\" in chars
        or "%" in chars
        or has_any(low, _traversal._NEEDLES),
        "ssti": "{" in chars or has_any(low, _ssti._NEEDLES),
        "nosqli": "$" in chars or has_any(low, _nosqli._JS_NEEDLES),
        "ssrf": "://" in low,
        "ldapi": (("(" in chars or ")" in chars) and not _ldapi._FILTER_CHARS.isdisjoint(chars))
        or ":=" in low,
    }


def _ref_xss_gate(low: str, chars: frozenset[str]) -> bool:
    if "<" in chars or "script" in low or "data:" in low or "expression" in low:
        return True
    if ("(" in chars or "`" in chars) and has_any(low, _xss._PROBES):
        return True
    if "=" in chars and "on" in low:
        return True
    if len(low) <= 40 and (_xss.is_handler_name(low.strip()) or _xss._ENCODED_LT.fullmatch(low)):
        return True
    return ("(" in chars or "`" in chars) and not _xss._BREAKERS.isdisjoint(chars)


class _Unscreened:
    """Every short cut swapped for its reference, for the duration of a `with`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._patch = monkeypatch

    def __enter__(self) -> None:
        for module in (_sqli, _xss, _cmdi, _traversal, _ssti, _nosqli):
            self._patch.setattr(module, "has_marked", _ref_has_marked)
        self._patch.setattr(_cmdi, "_ANY_BUT_CODE_EXEC", _cmdi._ANY_SIGNATURE)
        self._patch.setattr(detectors, "_marks", frozenset)
        for name, module in detectors._DETECTORS:
            if name in _ref_gates("", frozenset()):
                self._patch.setattr(module, "gate", _ref_gate_of(name))

    def __exit__(self, *exc: object) -> None:
        self._patch.undo()


def _ref_gate_of(name: str) -> Callable[[str, str | frozenset[str]], bool]:
    return lambda low, chars: _ref_gates(low, frozenset(chars))[name]


def _detections(text: str) -> list[tuple[str, str, float, str]]:
    return [(d.category, d.rule, d.confidence, d.excerpt) for d in detectors.scan(text)]


def _loud(text: str) -> list[tuple[str, str, float, str]]:
    found = detectors._scan_loud(text, None, 0)
    return [(d.category, d.rule, d.confidence, d.excerpt) for d in found]


# --- the building blocks ----------------------------------------------------------------------


def test_lowering_neither_makes_nor_removes_ascii_punctuation() -> None:
    """`marks` come from the text, gates read its lowered form: for the characters gates ask
    about (ASCII, not letters or digits) the two must agree, for every code point."""
    punctuation = {chr(c) for c in range(128) if not chr(c).isalnum()}
    odd = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if (low := chr(code).lower()) != chr(code)
        and (chr(code) in punctuation or not punctuation.isdisjoint(low))
    ]
    assert odd == []


@given(_ANY_TEXT | _TEXT)
@settings(max_examples=400, deadline=None)
def test_marks_hold_every_character_gates_ask_about(text: str) -> None:
    marks = set(detectors._marks(text))
    asked = {c for c in text if c not in UNMARKED}
    assert asked <= marks <= set(text)


def test_every_gate_character_is_marked() -> None:
    asked = (
        _sqli._SQL_CHARS
        | _cmdi._SHELL_CHARS
        | _xss._BREAKERS
        | _ldapi._FILTER_CHARS
        | set("<(`=&\\%/{$:\n\r)")
    )
    assert asked.isdisjoint(UNMARKED)


_ASCII_NEEDLES = [f for f in _FRAGMENTS if f.isascii()]  # the detectors' needles are ASCII


@given(_TEXT, st.lists(st.sampled_from(_ASCII_NEEDLES), min_size=1, max_size=8))
@settings(max_examples=400, deadline=None)
def test_has_marked_is_has_any(text: str, needles: list[str]) -> None:
    low = text.lower()
    split = split_needles(tuple(needles))
    assert has_marked(low, detectors._marks(text), split) == has_any(low, tuple(needles))


@given(_TEXT | _ANY_TEXT)
@settings(max_examples=500, deadline=None)
def test_gates_answer_as_before(text: str) -> None:
    low = text.lower()
    expected = _ref_gates(low, frozenset(text))
    marks = detectors._marks(text)
    modules = dict(detectors._DETECTORS)
    assert {name: modules[name].gate(low, marks) for name in expected} == expected


def test_cmdi_signature_screen_misses_no_signature() -> None:
    """A text with a needle of a signature whose pattern matches passes the screen."""
    samples = [
        "x; system('id')",
        'eval("1")',
        "exec($x)",
        "a `id` b",
        "net user admin /add",
        "{cat,/etc/passwd}",
        "ifconfig",
        "!!python/object/apply:os.system",
        "<?php phpinfo(); ?>",
    ]
    for text in samples:
        low = text.lower()
        marks = detectors._marks(text)
        hit = [rule for rule, _, pattern, needles in _cmdi._SIGNATURES if pattern.search(text)]
        assert hit, text
        screen = (
            _cmdi._ANY_BUT_CODE_EXEC
            if _cmdi._CODE_EXEC_QUOTES.isdisjoint(marks)
            else _cmdi._ANY_SIGNATURE
        )
        assert has_marked(low, marks, screen), text


def test_code_exec_needs_a_quote_after_its_parenthesis() -> None:
    for text in ("system(1)", "eval(x)", "os.system (  cmd )", "assert(true)"):
        assert _cmdi._CODE_EXEC.search(text) is None
    for text in ("system('id')", "eval(`x`)", "passthru($c)", 'exec("ls")'):
        assert _cmdi._CODE_EXEC.search(text) is not None


# --- whole scans ------------------------------------------------------------------------------


@given(_TEXT | _ANY_TEXT)
@settings(max_examples=400, deadline=None)
def test_scans_agree_with_the_unscreened_scan(text: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        fast_scan, fast_loud = _detections(text), _loud(text)
        with _Unscreened(patch):
            assert _detections(text) == fast_scan
            assert _loud(text) == fast_loud


def test_benign_prose_with_punctuation_stays_clean() -> None:
    notes = [
        "Earl Grey tea (loose leaf, 13 g)",
        "Sencha (tin, 3 g)",
        "Ring twice (the bell is broken); call 1 if needed.",
        "Gift: wrap it, no invoice in the box, thanks! Order ref 2",
        "Deliver after 6pm - side door, code 12#",
        "Back gate, 2nd floor, flat 7/B.",
    ]
    assert [_loud(note) for note in notes] == [[]] * len(notes)


def _corpus_payloads() -> Iterator[str]:
    root = need(corpora_dir() / "injection", "the injection corpus", "FAASGUARD_CORPORA")
    for name, step in (("attacks.jsonl", 5), ("benign.jsonl", 1)):
        with (root / name).open(encoding="utf-8") as fh:
            for number, line in enumerate(fh):
                if line.strip() and number % step == 0:
                    yield json.loads(line)["payload"]


def test_corpus_scans_agree_with_the_unscreened_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every benign string and every fifth attack: the same detections, in the same order,
    with the same excerpts, with and without the short cuts (and some attacks detected)."""
    payloads = list(_corpus_payloads())
    fast = [_loud(text[: detectors.MAX_TEXT]) for text in payloads]
    with _Unscreened(monkeypatch):
        slow = [_loud(text[: detectors.MAX_TEXT]) for text in payloads]
    differing = [text for text, a, b in zip(payloads, fast, slow, strict=True) if a != b]
    assert differing == []
    assert sum(map(bool, fast)) > len(payloads) // 3  # about 6,000 of them are attacks

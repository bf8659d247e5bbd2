"""No pattern may go super-linear: adversarial near-misses of ~50k characters per category.

The bound (1 s per call) is a generous safety check against catastrophic backtracking, not a
speed target; speed is measured in benchmarks/bench_detect.py.
"""

from __future__ import annotations

import time

import pytest

from faasguard.runtime.detectors import scan, scan_value

N = 50_000


def _rep(unit: str) -> str:
    return (unit * (N // len(unit) + 1))[:N]


ADVERSARIAL = {
    "sqli": [
        "' or ",
        "'",
        "\"'",
        "-- ",
        "/*",
        "union ",
        "(",
        "1=1 and ",
        "' or '1'='",
        "@@",
        "select 1,",
        ";select ",
        "or 1 ",
        "'||'",
        "\\'",
    ],
    "xss": [
        "<a ",
        "<",
        "<a onx",
        "onerror ",
        "javascript",
        "java\tscript",
        "&#",
        "<svg/",
        "alert(",
        "top[",
        "<!--",
        "expression",
        '" on',
    ],
    "cmdi": [
        ";",
        "; cat",
        "`",
        "$(",
        "{cat,",
        "| ls -",
        "&&",
        "\n",
        "() {",
        "%0a",
        "/bin/",
        "system(",
        "$IFS",
    ],
    "traversal": [
        "../",
        "..%2f",
        "%c0%ae",
        "/etc",
        "..\\",
        "....//",
        "%u2215",
        "%%",
        "0x2e",
        "/var/",
        "c:/windows/",
    ],
    "ssti": ["{{", "${", "{{a", "<%", "#{", "{%", "__class__", "@(", "[[", "{{7*"],
    "nosqli": ["$ne", "[$", "';", "{$where:", "this.", "while(", "' || '"],
    "xxe": ["<!DOCTYPE ", "<!ENTITY a ", "<xsl:template ", "<!DOCTYPE a [", "%a;"],
    "ssrf": ["http://", "http://1.", "http://a@", "gopher://", "http://[", "http://0x"],
    "crlf": ["\r\n", "\nX-", "\r\nSet-Cookie", "\n1 ", "%0d%0a"],
    "ldapi": [")(", "*)(", "(|(", "(&(", "a:1.2.3", "*)"],
    "decoding": ["%25", "&amp;", "\\x", "%u", "%c0", "\\u00", "+AD", "\uff0e", "&#x"],
}
PREFIXES = ["", "' or ", "<a ", "; ", "http://", "{{", "x" * 10]


def _cases() -> list[tuple[str, str]]:
    out = []
    for category, units in ADVERSARIAL.items():
        for unit in units:
            out.append((category, _rep(unit)))
            out.append((category, unit + "a" * N))
            out.append((category, "a" * N + unit))
    out.append(("json", "[" * N + "]" * N))
    out.append(("json", "{" + '"a":{' * 5000 + "}" * 5001))
    for prefix in PREFIXES:
        out.append(("mixed", prefix + _rep("' <a on=( ${{ ../ ; ")))
    return out


@pytest.mark.parametrize(("category", "text"), _cases(), ids=lambda v: str(v)[:24])
def test_adversarial_input_finishes(category: str, text: str) -> None:
    start = time.perf_counter()
    scan(text)
    # A safety net against catastrophic backtracking (minutes), not a speed target.
    assert time.perf_counter() - start < 3.0, category


def test_huge_event_is_bounded() -> None:
    event = {"body": {f"k{i}": "' or 1=1 <script>" * 50 for i in range(5000)}}
    start = time.perf_counter()
    found = scan_value(event, max_strings=1000)
    assert time.perf_counter() - start < 10.0
    assert found

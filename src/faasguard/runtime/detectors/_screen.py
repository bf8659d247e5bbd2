"""Batch pre-screen: which of an event's strings could be anything but quiet.

Checking strings one by one costs a Python round of work each, and nearly all of an event's
strings are quiet. Joined into one text, a few C-speed searches find the handful that go to the
detectors. The answer is exactly the strings `_is_quiet` rejects (a property test holds the two
to it).
"""

from __future__ import annotations

from . import _xss
from ._hit import lazy

SEP = "\x00"  # never quiet itself: a string holding it makes the whole batch fall back

# substrings that make any string loud (SQL words and comments, traversal, hex, PHP filters)
NEEDLES = ("select", "by ", "true", "false", "--", "..", ".ini", "0x", "convert.")
# a string whose first word is one of these is loud (a command, a SQL statement)
FIRST_WORDS = frozenset({
    "ping", "sleep", "nslookup", "curl", "wget", "whoami", "uname", "drop", "exec", "shutdown",
    "declare", "insert", "delete", "update", "ifconfig", "ipconfig", "netstat", "systeminfo",
    "hostname", "tasklist", "net", "netsh", "ls", "nc", "ps", "perl", "python", "php", "reg",
    "sc", "wmic", "cat", "which",
})  # fmt: skip
# a string that is only a DOM event handler name is a filter probe
HANDLER_NAMES = frozenset("on" + name for name in _xss.EVENTS)


def _outside_source() -> str:
    import unicodedata

    # Latin-1 and Latin Extended-A/B letters NFKC leaves alone (U+017F long s becomes "s")
    letters = "".join(
        c
        for c in map(chr, range(0xC0, 0x250))
        if c.isalpha() and unicodedata.normalize("NFKC", c) == c
    )
    return f"[^A-Za-z0-9 _,.@+'\\-{letters}]"


# a character quiet prose does not hold (Latin letters, one apostrophe inside a word)
_OUTSIDE = lazy(_outside_source)
_QUIET_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _,.@+-"


def is_prose(text: str) -> bool:
    """Latin text with diacritics and at most one apostrophe, between two letters ("Zoë
    O'Brien", "12 Rue de l'Église"): one unbalanced quote inside a word cannot close a SQL
    string and open a condition."""
    return _OUTSIDE.search(text) is None and not ("'" in text and bad_quote(text))


def loud(strings: list[str]) -> list[int] | None:
    """Indices (ascending) of exactly the strings that are not quiet: characters outside quiet
    prose, a loud needle, a loud first word, or nothing but a handler name. None if the batch
    cannot be screened (a string holds the separator)."""
    if not strings:
        return []
    joined = SEP + SEP.join(strings) + SEP
    if joined.count(SEP) != len(strings) + 1:
        return None
    flagged: set[int] = set()
    # what is left of each string once its quiet ASCII characters are gone
    rest = joined.encode("utf-8", "surrogatepass").translate(None, _QUIET_BYTES)
    if len(rest) != len(strings) + 1:
        for index, left in enumerate(rest.split(b"\0")[1:-1]):
            if left and not is_prose(strings[index]):
                flagged.add(index)
    low = joined.lower()  # per-character: same answer as lowering each string
    for needle in NEEDLES:
        start = low.find(needle)
        index, counted = -1, 0  # the string holding `start`, from separators counted so far
        while start != -1:
            index += low.count(SEP, counted, start + 1)
            counted = start + 1
            flagged.add(index)
            end = low.find(SEP, start)  # the next string: one hit per string is enough
            start = low.find(needle, end) if end != -1 else -1
    words = low.replace(" ", SEP).split(SEP)
    if not (FIRST_WORDS.isdisjoint(words) and HANDLER_NAMES.isdisjoint(words)):
        for index, part in enumerate(low.split(SEP)[1:-1]):
            stripped = part.strip(" ")
            if stripped in HANDLER_NAMES or stripped.partition(" ")[0] in FIRST_WORDS:
                flagged.add(index)
    return sorted(flagged)


def bad_quote(text: str) -> bool:
    """More than one apostrophe, or one not between two letters: it could close a SQL string
    and open a condition ("admin'", "x' or 1"); "O'Brien" and "l'Église" cannot."""
    quote = text.find("'")
    if text.find("'", quote + 1) != -1 or not 0 < quote < len(text) - 1:
        return True
    return not (text[quote - 1].isalpha() and text[quote + 1].isalpha())

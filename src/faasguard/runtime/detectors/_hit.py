from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterator

# A detector's raw finding: rule id, confidence and the span it matched in the input.
# (collections.namedtuple, not typing.NamedTuple: importing typing costs milliseconds.)
Hit = namedtuple("Hit", "rule confidence start end")


def has_any(low: str, needles: tuple[str, ...]) -> bool:
    """Substring pre-check; a plain loop beats any() with a generator on short strings."""
    for needle in needles:  # noqa: SIM110
        if needle in low:
            return True
    return False


_METHODS = ("search", "match", "fullmatch", "finditer", "sub")


class LazyPattern:
    """A regex compiled on first use: cold starts only pay for the patterns traffic needs.
    The source may itself be a function, for patterns whose text is costly to build.

    Until the first call, each method is a stub that compiles; the compile then puts the
    compiled pattern's own bound methods in their place, so later calls run straight in C
    (no Python frame per regex call)."""

    __slots__ = ("_flags", "_source", *_METHODS)

    search: Callable[..., re.Match[str] | None]
    match: Callable[..., re.Match[str] | None]
    fullmatch: Callable[..., re.Match[str] | None]
    finditer: Callable[..., Iterator[re.Match[str]]]
    sub: Callable[..., str]

    def __init__(self, source: str | Callable[[], str], flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        for name in _METHODS:
            setattr(self, name, _Stub(self, name))

    def _compile(self) -> re.Pattern[str]:
        source = self._source if isinstance(self._source, str) else self._source()
        compiled = re.compile(source, self._flags)
        for name in _METHODS:
            setattr(self, name, getattr(compiled, name))
        return compiled


class _Stub:
    """A LazyPattern method before the first compile."""

    __slots__ = ("_name", "_owner")

    def __init__(self, owner: LazyPattern, name: str) -> None:
        self._owner = owner
        self._name = name

    def __call__(self, *args: object) -> object:
        return getattr(self._owner._compile(), self._name)(*args)


def lazy(source: str | Callable[[], str], flags: int = 0) -> LazyPattern:
    return LazyPattern(source, flags)


# Characters the gates and pre-checks never ask `marks` about: ASCII letters, digits, space and
# "_,.+-". `marks` (detectors._marks) holds every other character of the text, and may hold
# these too.
UNMARKED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _,.+-"
_QUIET = frozenset(UNMARKED)
Needles = tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]


def split_needles(needles: tuple[str, ...]) -> Needles:
    """`needles` for has_marked: those made only of quiet characters (always searched), those
    holding another character (searched only when `marks` holds one of the characters chosen
    for them), and the chosen characters."""
    plain = tuple(n for n in needles if _QUIET.issuperset(n))
    marked = tuple(n for n in needles if not _QUIET.issuperset(n))
    chosen = frozenset(next(c for c in n if c not in _QUIET) for n in marked)
    # lowering leaves ASCII punctuation alone and makes none: low and text hold the same ones
    assert all(c.isascii() and not c.isalnum() for c in chosen), chosen
    return plain, marked, chosen


def has_marked(low: str, marks: str | frozenset[str], needles: Needles) -> bool:
    """has_any(low, all the needles), skipping the marked ones when `marks` shows none of
    their characters (a needle cannot be in the text without each of its characters)."""
    plain, marked, chosen = needles
    for needle in plain:
        if needle in low:
            return True
    if marked and not chosen.isdisjoint(marks):
        for needle in marked:
            if needle in low:
                return True
    return False

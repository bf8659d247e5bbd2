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


class LazyPattern:
    """A regex compiled on first use: cold starts only pay for the patterns traffic needs.
    The source may itself be a function, for patterns whose text is costly to build."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str | Callable[[], str], flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            source = self._source if isinstance(self._source, str) else self._source()
            self._compiled = re.compile(source, self._flags)
        return self._compiled

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return (self._compiled or self._get()).search(text, pos)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return (self._compiled or self._get()).match(text, pos)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return (self._compiled or self._get()).fullmatch(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return (self._compiled or self._get()).finditer(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return (self._compiled or self._get()).sub(repl, text)


def lazy(source: str | Callable[[], str], flags: int = 0) -> LazyPattern:
    return LazyPattern(source, flags)

"""What every dependency reader shares: its error, name normalisation and line lookup."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from faasguard.model import Location

PYPI = "PyPI"
NPM = "npm"

_PEP503 = re.compile(r"[-_.]+")
# A YAML anchor or alias can only stand after a line start, a space or a flow indicator.
_YAML_ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,:])[&*][^\s,\]}'\"]", re.MULTILINE)


class ManifestError(ValueError):
    """A dependency file that cannot be read, with the place that broke it."""

    def __init__(
        self,
        message: str,
        line: int = 1,
        column: int = 1,
        *,
        file: str | None = None,
        code: str = "parse-error",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.file = file  # the file that broke, when not the one being read (a -r include)
        self.code = code  # the Diagnostic code: "parse-error", or "unreadable" (binary, encoding)


@lru_cache(maxsize=65536)
def canonical_name(name: str, ecosystem: str) -> str:
    """PEP 503 for PyPI (``Python_Dateutil`` -> ``python-dateutil``); npm names are lower-cased."""
    if ecosystem == PYPI:
        return _PEP503.sub("-", name).lower()
    return name.lower()


class LineFinder:
    """Line numbers for values of formats whose parsers do not keep them (TOML, large JSON).

    Lock files list packages in document order, so each lookup starts where the previous one
    matched: repeated names (a package at two places of a tree) resolve to the right one.
    """

    def __init__(self, text: str, file: str) -> None:
        self.lines = text.splitlines()
        self.file = file
        self.cursor = 0

    def find(self, needle: str, *, advance: bool = True) -> Location:
        for start, stop in ((self.cursor, len(self.lines)), (0, self.cursor)):
            for index in range(start, stop):
                if needle in self.lines[index]:
                    if advance:
                        self.cursor = index + 1
                    column = self.lines[index].find(needle) + 1
                    return Location(self.file, index + 1, max(column, 1))
        return Location(self.file, max(self.cursor, 1))


def dev_only(
    direct_prod: Iterable[str], direct_dev: Iterable[str], graph: Mapping[str, Iterable[str]]
) -> set[str]:
    """Names reachable only from development dependencies (by name: versions are ignored)."""
    prod = _reachable(direct_prod, graph)
    return _reachable(direct_dev, graph) - prod


def _reachable(start: Iterable[str], graph: Mapping[str, Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(graph.get(name, ()))
    return seen


def may_hold_yaml_aliases(text: str) -> bool:
    """False when ``text`` certainly has no YAML anchor or alias, so a fast loader cannot be
    made to expand an alias bomb; True sends it to the bounded loader of :mod:`faasguard._located`.
    """
    return _YAML_ANCHOR_OR_ALIAS.search(text) is not None


def text_of(data: bytes, file: str) -> str:
    if b"\x00" in data[:8192]:
        raise ManifestError(f"{file}: binary data, not a dependency file", code="unreadable")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            f"{file}: not UTF-8 text (byte {exc.start})", code="unreadable"
        ) from None

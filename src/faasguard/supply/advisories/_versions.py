"""Version ordering per ecosystem: PEP 440 for PyPI, semantic versioning 2.0 for npm.

``parse(ecosystem, text)`` returns an orderable key, or None when the text is not a version of
that ecosystem (callers then fall back to explicit version lists, or report "unchecked").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

PYPI, NPM = "PyPI", "npm"
SUPPORTED_ECOSYSTEMS = frozenset({PYPI, NPM})

_PEP503 = re.compile(r"[-_.]+")
_SEMVER = re.compile(
    r"^\s*[v=]?\s*(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$"
)


def normalize_name(ecosystem: str, name: str) -> str:
    """The name advisories are filed under: PEP 503 for PyPI, as written (trimmed) elsewhere."""
    if ecosystem == PYPI:
        return _PEP503.sub("-", name.strip()).lower()
    return name.strip()


@dataclass(frozen=True, slots=True, order=True)
class SemVer:
    """A semantic version 2.0; build metadata is ignored, a prerelease sorts before its release."""

    major: int
    minor: int
    patch: int
    # (1,) for a release; (0, identifiers...) for a prerelease, identifiers as (0, n, "") when
    # numeric and (1, 0, text) otherwise: numeric < alphanumeric, shorter prefix < longer.
    pre: tuple[Any, ...] = (1,)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre == (1,):
            return core
        return core + "-" + ".".join(str(n) if k == 0 else s for k, n, s in self.pre[1:])


@lru_cache(maxsize=65536)
def parse_semver(text: str) -> SemVer | None:
    m = _SEMVER.match(text)
    if m is None:
        return None
    major, minor, patch, pre = m.groups()
    key: tuple[Any, ...] = (1,)
    if pre:
        key = (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    return SemVer(int(major), int(minor), int(patch), key)


@lru_cache(maxsize=65536)
def parse_pep440(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def parse(ecosystem: str, text: str) -> Version | SemVer | None:
    """An orderable version of ``ecosystem``, or None if ``text`` is not one."""
    if ecosystem == PYPI:
        return parse_pep440(text)
    if ecosystem == NPM:
        return parse_semver(text)
    return None


@lru_cache(maxsize=65536)
def public(ecosystem: str, text: str) -> str:
    """The release a PEP 440 local version builds (``2.4.1+cpu`` -> ``2.4.1``): a local build
    has the code of its release, so it is affected exactly when the release is (a
    ``last_affected: 2.4.1`` range and a ``versions: [2.4.1]`` list cover it too)."""
    if ecosystem == PYPI:
        parsed = parse_pep440(text)
        if parsed is not None and parsed.local is not None:
            return parsed.public
    return text


@lru_cache(maxsize=65536)
def canonical(ecosystem: str, text: str) -> str:
    """The spelling compared with explicit ``versions`` lists (2.0.0 == 2.0 in PEP 440)."""
    if ecosystem == PYPI:
        parsed = parse_pep440(text.strip())
        if parsed is None:
            return text.strip()
        return canonicalize_version(parsed, strip_trailing_zero=True)
    if ecosystem == NPM:
        semver = parse_semver(text)
        return str(semver) if semver is not None else text.strip()
    return text.strip()

"""Typosquat detection against the shipped list of the most-downloaded packages.

A name is compared after normalisation (PEP 503 for PyPI, lower case for npm); every name of the
shipped popular list is allowed as is. The remaining names are checked against the most-downloaded
"targets" for, in order: homoglyph spellings (``rn``/``m``, ``l``/``1``/``I``, ``o``/``0``),
separator tricks (``pythondateutil``), prefix/suffix tricks (``python3-dateutil``, ``colorama-py``,
``node-lodash``, ``discord.js-selfbot``) and edit distance (Damerau: one edit, two for long names,
keeping the first letter, found with a symmetric-delete index built per first letter on use).
"""

from __future__ import annotations

import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from faasguard.supply._common import NPM, PYPI, canonical_name

# Edit distance is only meaningful on names long enough to be distinctive: "six" and "sia" are
# both real packages. Two edits only on long names.
MIN_LEN_ONE_EDIT = 5
MIN_LEN_TWO_EDITS = 10
_SEPARATORS = re.compile(r"[-_.]+")
_DIGITS = re.compile(r"\d+")
_HOMOGLYPHS = (("rn", "m"), ("vv", "w"), ("1", "l"), ("0", "o"), ("5", "s"))
_PREFIXES = {
    PYPI: ("python3-", "python-", "py3-", "py-"),
    NPM: ("node-", "nodejs-", "js-"),
}
_SUFFIXES = {
    PYPI: ("-python3", "-python", "-py3", "-py", "-lib", "3", "2", "-3", "-2"),
    NPM: (".js", "-js", "-node", "-nodejs", "-lib", "2", "3", "-2", "-3"),
}
# Words appended to a popular name by impersonating forks ("discord.js-selfbot").
_IMPERSONATION = ("selfbot", "self", "fixed", "patched", "official", "latest", "updated", "free")


@dataclass(frozen=True, slots=True)
class Suspicion:
    name: str  # as written
    target: str  # the popular package it imitates
    technique: str  # homoglyph | separator | affix | edit-distance | impersonation
    detail: str


@dataclass(frozen=True)
class _Index:
    ecosystem: str
    targets: frozenset[str]
    squashed: dict[str, str]  # target without separators -> target
    skeletons: dict[str, str]  # target with homoglyphs folded -> target
    by_first: dict[str, tuple[str, ...]]  # first character -> targets long enough to compare
    buckets: dict[str, dict[str, list[str]]]  # first letter -> target less a letter -> targets


@cache
def _data() -> dict[str, object]:
    raw = pkgutil.get_data("faasguard", "data/top_packages.json")
    if raw is None:
        raise OSError("faasguard/data/top_packages.json: not readable from this installation")
    return json.loads(raw.decode("utf-8"))  # type: ignore[no-any-return]


@cache
def _index(ecosystem: str) -> _Index:
    block = _data()[ecosystem]
    assert isinstance(block, dict)
    targets = [canonical_name(n, ecosystem) for n in block["targets"]]
    squashed: dict[str, str] = {}
    skeletons: dict[str, str] = {}
    by_first: dict[str, list[str]] = {}
    for target in reversed(targets):  # the most popular wins a tie
        squashed[_SEPARATORS.sub("", target)] = target
        skeletons[_skeleton(target)] = target
    for target in targets:
        if len(target) >= MIN_LEN_ONE_EDIT and not target.startswith("@"):
            by_first.setdefault(target[0], []).append(target)
    return _Index(
        ecosystem=ecosystem,
        # scoped names are not compared (see the module docstring)
        targets=frozenset(t for t in targets if not t.startswith("@")),
        squashed=squashed,
        skeletons=skeletons,
        by_first={k: tuple(v) for k, v in by_first.items()},
        buckets={},
    )


def _bucket(index: _Index, first: str) -> dict[str, list[str]]:
    """Targets starting with ``first``, each also with one letter (not the first) removed:
    built on first use, so a scan pays only for the initials its dependencies have."""
    bucket = index.buckets.get(first)
    if bucket is None:
        bucket = {}
        for target in index.by_first.get(first, ()):
            for variant in _deletions(target, 1, start=1):
                bucket.setdefault(variant, []).append(target)
        index.buckets[first] = bucket
    return bucket


@cache
def _allowed(ecosystem: str) -> frozenset[str]:
    """The whole list, canonical: most dependencies are on it, and then the (slower to build)
    comparison index is never needed."""
    block = _data()[ecosystem]
    assert isinstance(block, dict)
    names = frozenset((*block["targets"], *block["popular"]))
    # the list is nearly all canonical already: canonicalise only what may not be (str tests
    # are far cheaper than a regex per name); the raw spellings left in the set never match
    odd = {n for n in names if not n.islower() or "_" in n or "." in n or "--" in n}
    return names | {canonical_name(n, ecosystem) for n in odd}


def list_source() -> str:
    return str(_data().get("source", ""))


def is_popular(name: str, ecosystem: str) -> bool:
    return canonical_name(name, ecosystem) in _allowed(ecosystem)


@lru_cache(maxsize=65536)
def check(name: str, ecosystem: str) -> Suspicion | None:
    """Why ``name`` looks like an imitation of a popular package, or None."""
    if ecosystem not in (PYPI, NPM):
        return None
    normal = canonical_name(name, ecosystem)
    if not normal or normal in _allowed(ecosystem):
        return None
    index = _index(ecosystem)
    if normal.startswith("@"):
        return None  # only a scope's owner publishes in it; see the module docstring
    for found in (
        _homoglyph(name, normal, index),
        _separator(normal, index),
        _affix(normal, ecosystem, index),
        _edit(normal, index),
    ):
        if found is not None:
            return Suspicion(name, *found)
    return None


def _homoglyph(raw: str, normal: str, index: _Index) -> tuple[str, str, str] | None:
    # "I" is a homoglyph of "l" only before lower-casing: read the raw spelling too.
    for spelled in (raw.replace("I", "l"), normal):
        skeleton = _skeleton(canonical_name(spelled, NPM))
        target = index.skeletons.get(skeleton)
        if target is not None and target != normal and _differs_by_glyphs(spelled, target):
            return target, "homoglyph", f"reads like {target!r} with look-alike characters"
    return None


def _differs_by_glyphs(spelled: str, target: str) -> bool:
    return _SEPARATORS.sub("", spelled.lower()) != _SEPARATORS.sub("", target)


def _separator(normal: str, index: _Index) -> tuple[str, str, str] | None:
    target = index.squashed.get(_SEPARATORS.sub("", normal))
    if target is not None and target != normal:
        return target, "separator", f"{target!r} with its separators changed"
    return None


def _affix(normal: str, ecosystem: str, index: _Index) -> tuple[str, str, str] | None:
    for core, added, is_prefix in _cores(normal, ecosystem):
        affixes = _PREFIXES[ecosystem] if is_prefix else _SUFFIXES[ecosystem]
        variants = [core] + [a + core if is_prefix else core + a for a in affixes]
        for candidate in variants:
            if candidate != normal and candidate in index.targets and len(candidate) >= 4:
                return candidate, "affix", f"{candidate!r} with {added!r} added or swapped"
    for word in _IMPERSONATION:
        for sep in ("-", "_", "."):
            if normal.endswith(sep + word):
                base = normal[: -len(word) - 1]
                if base in index.targets and len(base) >= 4:
                    return base, "impersonation", f"{base!r} with {sep + word!r} appended"
    return None


def _cores(normal: str, ecosystem: str) -> Iterator[tuple[str, str, bool]]:
    for prefix in _PREFIXES[ecosystem]:
        if normal.startswith(prefix) and len(normal) - len(prefix) >= 3:
            yield normal[len(prefix) :], prefix, True
    for suffix in _SUFFIXES[ecosystem]:
        if normal.endswith(suffix) and len(normal) - len(suffix) >= 3:
            yield normal[: -len(suffix)], suffix, False


def _edit(normal: str, index: _Index) -> tuple[str, str, str] | None:
    """Targets with the same first letter met through one-letter deletions (a symmetric-delete
    search): one edit of any kind, and on long names two edits of which at most one removes a
    letter of the popular name. The index is built per first letter, on first use."""
    limit = _max_edits(normal)
    if limit == 0:
        return None
    bucket = _bucket(index, normal[0])
    close = {t for v in _deletions(normal, limit, start=1) for t in bucket.get(v, ())}
    best: tuple[int, str] | None = None
    for target in sorted(close):
        allowed = min(limit, _max_edits(target))
        distance = damerau(normal, target, allowed)
        if not 0 < distance <= allowed or _different_word(normal, target):
            continue
        if best is None or distance < best[0]:
            best = (distance, target)
    if best is None:
        return None
    distance, target = best
    edits = "one edit" if distance == 1 else f"{distance} edits"
    return target, "edit-distance", f"{edits} away from {target!r}"


def _digits_only(a: str, b: str) -> bool:
    """Names that differ only in digits are versions or variants (cuda11x/cuda12x), not typos."""
    return _DIGITS.sub("", a) == _DIGITS.sub("", b)


def _different_word(name: str, target: str) -> bool:
    """A close name that swaps a whole short word (django-cms / django-csp) or differs only in
    digits is a sibling package, not a typo."""
    if _digits_only(name, target):
        return True
    ours, theirs = _SEPARATORS.split(name), _SEPARATORS.split(target)
    if len(ours) < 2 or len(ours) != len(theirs):
        return False
    changed = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    if len(changed) != 1:
        return False
    a, b = changed[0]
    return min(len(a), len(b)) <= 3 or damerau(a, b, 3) * 5 >= 2 * max(len(a), len(b))


def _max_edits(name: str) -> int:
    if len(name) >= MIN_LEN_TWO_EDITS:
        return 2
    return 1 if len(name) >= MIN_LEN_ONE_EDIT else 0


def _deletions(word: str, depth: int, start: int = 0) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(start, len(w))}
        out |= frontier
    return out


def _skeleton(name: str) -> str:
    folded = _SEPARATORS.sub("", name)
    for glyph, plain in _HOMOGLYPHS:
        folded = folded.replace(glyph, plain)
    return folded


def damerau(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (an adjacent swap is one edit), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]

"""Is this installed package version affected? OSV range semantics over the stored advisories.

A range's events are sorted by version and walked: ``introduced`` (``"0"`` is the start of time)
opens it, ``fixed`` and ``last_affected`` close it, ``limit`` caps it. GIT ranges say nothing about
version numbers and are skipped; explicit ``versions`` lists always count. When neither a range
nor a list can decide (a version that does not parse), the dependency is UNCHECKED, never clean.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from faasguard.supply.advisories._db import AdvisoryDB, StoredAffected
from faasguard.supply.advisories._versions import (
    NPM,
    SUPPORTED_ECOSYSTEMS,
    canonical,
    normalize_name,
    parse,
    public,
)

_SEVERITY_ORDER = {"": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_ID_PREFERENCE = ("MAL-", "GHSA-", "PYSEC-")


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One vulnerability: all the advisories (and their aliases) that describe it."""

    ids: tuple[str, ...]  # the primary id first, then every other id and alias, sorted
    summary: str
    severity: str  # critical/high/medium/low, "" when no advisory says
    score: float | None
    vector: str
    malicious: bool
    fixed: tuple[str, ...]  # smallest fixed version above the installed one, per matching range

    @property
    def primary(self) -> str:
        return self.ids[0]

    @property
    def aliases(self) -> tuple[str, ...]:
        return self.ids[1:]


@dataclass(frozen=True, slots=True)
class MatchResult:
    ecosystem: str
    name: str
    version: str | None
    vulnerabilities: tuple[Vulnerability, ...] = ()
    unchecked: str | None = None  # why (some of) the advisories could not be decided

    @property
    def clean(self) -> bool:
        return not self.vulnerabilities and self.unchecked is None


def match(db: AdvisoryDB, ecosystem: str, name: str, version: str | None) -> MatchResult:
    """The vulnerabilities of ``name`` ``version`` in ``ecosystem`` that ``db`` knows about."""
    if ecosystem not in SUPPORTED_ECOSYSTEMS:
        return MatchResult(ecosystem, name, version, unchecked=f"unknown ecosystem {ecosystem!r}")
    if not version or not version.strip():
        return _unversioned(db, ecosystem, name, version)
    version = version.strip()
    key = (ecosystem, normalize_name(ecosystem, name), version)
    known = db.results.get(key)
    if known is None:
        known = db.results[key] = _match_version(db, ecosystem, key[1], version)
    return dataclasses.replace(known, name=name)


def _match_version(db: AdvisoryDB, ecosystem: str, name: str, version: str) -> MatchResult:
    hits: list[tuple[StoredAffected, list[str]]] = []
    undecided: list[str] = []
    release = public(ecosystem, version)
    for entry in db.affecting(ecosystem, name):
        verdict, fixed = entry_verdict(entry, ecosystem, release)
        if verdict is None:
            undecided.append(entry.id)
        elif verdict:
            hits.append((entry, fixed))
    reason = None
    if undecided:
        ids = ", ".join(sorted(set(undecided)))
        reason = f"version {version!r} cannot be compared with the ranges of {ids}"
    return MatchResult(ecosystem, name, version, _merge(hits, ecosystem), reason)


def _unversioned(db: AdvisoryDB, ecosystem: str, name: str, version: str | None) -> MatchResult:
    """Without a version only one thing is certain: a package malicious in every version."""
    hits = [
        (entry, [])
        for entry in db.affecting(ecosystem, normalize_name(ecosystem, name))
        if entry.malicious and _every_version(entry)
    ]
    merged = _merge(hits, ecosystem)
    return MatchResult(ecosystem, name, version, merged, unchecked="no exact version")


def _every_version(entry: StoredAffected) -> bool:
    return any(
        kind in ("ECOSYSTEM", "SEMVER") and events and all(e == ("i", "0") for e in events)
        for kind, events in entry.ranges
    )


def entry_verdict(
    entry: StoredAffected, ecosystem: str, version: str
) -> tuple[bool | None, list[str]]:
    """(affected?, fixed versions to suggest); affected is None when it cannot be decided."""
    listed = entry.lists(canonical(ecosystem, version))
    affected, undecidable, fixed = False, False, []
    for kind, events in entry.ranges:
        if kind not in ("ECOSYSTEM", "SEMVER"):
            continue
        scheme = NPM if kind == "SEMVER" else ecosystem
        verdict = in_range(scheme, version, events)
        if verdict is None:
            undecidable = True
        elif verdict[0]:
            affected = True
            fixed.extend(verdict[1])
    if affected or listed:
        if listed and not fixed:
            fixed = [v for _, events in entry.ranges for k, v in events if k == "f"]
        return True, fixed
    if undecidable and not entry.versions:
        return None, []
    return False, []


def in_range(
    scheme: str, version: str, events: tuple[tuple[str, str], ...]
) -> tuple[bool, list[str]] | None:
    """Whether ``version`` is inside the range, and the smallest fixed version above it."""
    installed = parse(scheme, version)
    keyed = _sorted_events(scheme, events)
    if installed is None or keyed is None:
        return None
    inside = False
    for key, kind, _ in keyed:
        if kind == "i" and (key is None or installed >= key):
            inside = True
        elif (kind == "f" and installed >= key) or (kind == "l" and installed > key):
            inside = False
    limits = [key for key, kind, _ in keyed if kind == "x"]
    if limits and not any(installed < limit for limit in limits):
        inside = False
    if not inside:
        return False, []
    for key, kind, text in keyed:  # sorted: the first fixed event above is the smallest
        if kind == "f" and key > installed:
            return True, [text]
    return True, []


@lru_cache(maxsize=65536)
def _sorted_events(
    scheme: str, events: tuple[tuple[str, str], ...]
) -> tuple[tuple[Any, str, str], ...] | None:
    """The events with parsed versions, sorted (``introduced: "0"`` first); None if one does
    not parse."""
    keyed: list[tuple[Any, str, str]] = []
    for kind, text in events:
        zero = kind == "i" and text == "0"
        key = None if zero else parse(scheme, text)
        if key is None and not zero:
            return None
        keyed.append((key, kind, text))
    keyed.sort(key=lambda item: (item[0] is not None, item[0] if item[0] is not None else 0))
    return tuple(keyed)


def _merge(
    hits: Iterable[tuple[StoredAffected, list[str]]], ecosystem: str
) -> tuple[Vulnerability, ...]:
    """Union of advisories that share an id or alias: one vulnerability, every id."""
    owner: dict[str, int] = {}  # id -> group
    groups: dict[int, tuple[set[str], list[tuple[StoredAffected, list[str]]]]] = {}
    for n, (entry, fixed) in enumerate(hits):
        ids = {entry.id, *entry.aliases}
        merged_ids, merged_hits = set(ids), [(entry, fixed)]
        for group in {owner[i] for i in ids if i in owner}:
            other_ids, other_hits = groups.pop(group)
            merged_ids |= other_ids
            merged_hits += other_hits
        groups[n] = (merged_ids, merged_hits)
        for i in merged_ids:
            owner[i] = n
    vulns = [_vulnerability(ids, members, ecosystem) for ids, members in groups.values()]
    return tuple(sorted(vulns, key=lambda v: (-_SEVERITY_ORDER[v.severity], v.primary)))


def _vulnerability(
    ids: set[str], members: list[tuple[StoredAffected, list[str]]], ecosystem: str
) -> Vulnerability:
    primary = min(ids, key=_id_rank)
    worst = max((m for m, _ in members), key=lambda m: (_SEVERITY_ORDER[m.severity], m.score or 0))
    described = sorted((m for m, _ in members), key=lambda m: _id_rank(m.id))
    summary = next((m.summary for m in described if m.summary), "")
    fixed = {v for _, f in members for v in f}
    return Vulnerability(
        ids=(primary, *sorted(ids - {primary})),
        summary=summary,
        severity=worst.severity,
        score=worst.score,
        vector=worst.vector,
        malicious=any(m.malicious for m, _ in members),
        fixed=tuple(sorted(fixed, key=lambda v: _version_key(ecosystem, v))),
    )


@lru_cache(maxsize=65536)
def _id_rank(ident: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_ID_PREFERENCE):
        if ident.startswith(prefix):
            return rank, ident
    return (len(_ID_PREFERENCE) + (1 if ident.startswith("CVE-") else 0)), ident


def _version_key(ecosystem: str, text: str) -> tuple[int, Any, str]:
    parsed = parse(ecosystem, text)
    return (0, parsed, text) if parsed is not None else (1, 0, text)

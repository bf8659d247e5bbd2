"""Reachability: who can reach a function, what its role can do, and how findings rank by both.

A finding on a function that anyone on the internet can call without credentials, whose role can
write data, outranks the same finding on an internal cron job. For each function we compute its
exposure (from its triggers) and its privilege (from its role), and attach to every finding about
it a rank and the chain an attacker would follow: entry trigger -> function -> role -> resources.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import NamedTuple

from faasguard._frozen import builder
from faasguard._memo import per_inventory, per_object
from faasguard.model import (
    REF_PREFIX,
    AuthKind,
    Finding,
    Function,
    Inventory,
    Location,
    Resource,
    Role,
    Trigger,
    TriggerKind,
)


class Exposure(enum.StrEnum):
    PUBLIC_UNAUTHENTICATED = "public-unauthenticated"
    UNKNOWN = "unknown"
    PUBLIC_AUTHENTICATED = "public-authenticated"
    INTERNAL = "internal"


EXPOSURE_WEIGHT = {
    Exposure.PUBLIC_UNAUTHENTICATED: 4,
    Exposure.UNKNOWN: 3,
    Exposure.PUBLIC_AUTHENTICATED: 2,
    Exposure.INTERNAL: 1,
}
PRIVILEGE_WEIGHT = {"admin": 4, "write": 3, "unknown": 3, "read": 2, "none": 1}
SEVERITY_WEIGHT = {0: 1, 1: 2, 2: 4, 3: 7, 4: 10}


@dataclass(frozen=True, slots=True)
class Reach:
    """What an attacker gets by reaching one function."""

    function: Function
    exposure: Exposure
    privilege: str
    entry: Trigger | None  # the trigger that sets the exposure
    chain: tuple[tuple[str, Location], ...]

    @property
    def weight(self) -> int:
        return EXPOSURE_WEIGHT[self.exposure] * PRIVILEGE_WEIGHT.get(self.privilege, 3)


def _open_to_anyone(trig: Trigger) -> bool:
    if trig.kind is TriggerKind.INVOKE:
        return trig.source == "*" and not trig.condition
    if not (trig.kind.is_http and trig.auth is AuthKind.NONE):
        return False
    return trig.public is not False and (trig.method or "").upper() != "OPTIONS"


def _unknown(trig: Trigger) -> bool:
    return trig.kind.is_http and (trig.auth is AuthKind.UNKNOWN or trig.public is None)


def exposure_of(fn: Function) -> tuple[Exposure, Trigger | None]:
    for trig in fn.triggers:
        if _open_to_anyone(trig):
            return Exposure.PUBLIC_UNAUTHENTICATED, trig
    for trig in fn.triggers:
        if _unknown(trig):
            return Exposure.UNKNOWN, trig
    for trig in fn.triggers:
        if trig.kind.is_http and trig.public:
            return Exposure.PUBLIC_AUTHENTICATED, trig
    return Exposure.INTERNAL, fn.triggers[0] if fn.triggers else None


def privilege_of(fn: Function) -> str:
    return _role_privilege()(fn.role)


@functools.cache
def _role_privilege() -> Callable[[Role | None], str]:
    from faasguard.rules._privilege import privilege_of as role_privilege

    return role_privilege


def describe_entry(trig: Trigger) -> str:
    auth = "no auth" if trig.auth is AuthKind.NONE else trig.auth.value
    if trig.kind is TriggerKind.INVOKE:
        return f"invoke permission for {trig.source or '?'}"
    if trig.kind is TriggerKind.FUNCTION_URL:
        return f"function URL ({auth})"
    if trig.kind.is_http:
        route = " ".join(p for p in (trig.method, trig.path) if p) or trig.kind.value
        return f"{route} ({auth})"
    return f"{trig.kind.value} {_readable(trig.source)}".strip()


def _readable(source: str | None) -> str:
    """``ref:JobsQueue.Arn`` -> ``JobsQueue``; ARNs keep their last field."""
    if not source:
        return ""
    if source.startswith(REF_PREFIX):
        return source[len(REF_PREFIX) :].split(".")[0]
    if source.startswith("arn:"):
        return source.split(":", 5)[-1]
    return source


def _role_grant(role: Role) -> tuple[str, Location] | None:
    best: tuple[int, str, Location] | None = None
    for statement in role.statements:
        if not statement.allows:
            continue
        actions = statement.actions or tuple(f"NotAction {a}" for a in statement.not_actions)
        wild = sum(a == "*" or a.endswith(":*") for a in actions) * 2 + ("*" in statement.resources)
        text = f"{', '.join(actions[:3])} on {', '.join(statement.resources[:2]) or '…'}"
        if best is None or wild > best[0]:
            best = (wild, text, statement.location)
    return (best[1], best[2]) if best else None


def reach_of(
    fn: Function, inventory: Inventory, resources: dict[str, Resource] | None = None
) -> Reach:
    exposure, entry = exposure_of(fn)
    chain: list[tuple[str, Location]] = []
    if entry is not None:
        chain.append((f"entry: {describe_entry(entry)}", entry.location))
    chain.append((f"function {fn.name}", fn.location))
    role = fn.role
    if role is not None:
        chain.append(_role_step(role))
    by_name = resources if resources is not None else {r.name: r for r in inventory.resources}
    for name in fn.reachable[:3]:
        res = by_name.get(name)
        if res is not None and res.kind != "lambda-function" and res.kind != "iam-role":
            chain.append((f"{res.kind} {res.physical_name or res.name}", res.location))
    return _build_reach((fn, exposure, _role_privilege()(role), entry, tuple(chain)))


@per_object(limit=20_000)  # roles are shared between functions
def _role_step(role: Role) -> tuple[str, Location]:
    grant = _role_grant(role)
    if grant is None:
        return (f"role {role.name}", role.location)
    return (f"role {role.name} with {grant[0]}", grant[1])


_build_reach = builder(Reach)


@per_inventory
def reaches_of(inventory: Inventory) -> dict[str, Reach]:
    """The reach of every function, keyed by :attr:`Function.id`."""
    resources = {r.name: r for r in inventory.resources}
    return {fn.id: reach_of(fn, inventory, resources) for fn in inventory.functions}


def rank(findings: Iterable[Finding], inventory: Inventory) -> list[Finding]:
    """Findings with exposure, privilege, chain and rank filled in, most urgent first."""
    by_name: dict[str, _Candidates] = {}
    for reach in reaches_of(inventory).values():
        entry = _Target(reach.weight, reach.function.location, reach.exposure.value, reach)
        by_name.setdefault(reach.function.name, _Candidates()).targets.append(entry)
    ranked = [_with_reach(f, by_name) for f in findings]
    ranked.sort(key=lambda f: (-f.rank, -f.severity, f.location.file, f.location.line, f.rule_id))
    return ranked


class _Target(NamedTuple):
    """A function a finding may be about, with what ranking needs of its reach."""

    weight: int
    location: Location  # the function's
    exposure: str
    reach: Reach


@dataclass(slots=True)
class _Candidates:
    """The functions of one name (names are not unique across a tree)."""

    targets: list[_Target] = dataclasses.field(default_factory=list)
    by_file: dict[str, list[_Target]] | None = None  # built when first needed

    def in_file(self, file: str) -> list[_Target]:
        if self.by_file is None:
            self.by_file = {}
            for target in self.targets:
                self.by_file.setdefault(target.location.file, []).append(target)
        return self.by_file.get(file) or self.targets


def _about(finding: Finding, by_name: dict[str, _Candidates]) -> list[_Target]:
    """The functions a finding is about."""
    names = finding.evidence.get("functions") or ([finding.function] if finding.function else [])
    if len(names) == 1:  # the common case
        candidates = by_name.get(names[0])
        if candidates is None:
            return []
        if len(candidates.targets) < 2:
            return candidates.targets
        return _narrowed(finding, candidates, _pinned(finding))
    out: list[_Target] = []
    pinned: set[Location] | None = None
    for name in names:
        candidates = by_name.get(name)
        if candidates is None:
            continue
        if len(candidates.targets) < 2:
            out.extend(candidates.targets)
            continue
        if pinned is None:
            pinned = _pinned(finding)
        out.extend(_narrowed(finding, candidates, pinned))
    return out


def _pinned(finding: Finding) -> set[Location]:
    """The function locations a finding relates."""
    return {loc for what, loc in finding.related if what.startswith("function")}


def _narrowed(finding: Finding, candidates: _Candidates, pinned: set[Location]) -> list[_Target]:
    """Of the functions of one name, those the finding pins, else those in the finding's file,
    else all."""
    if pinned:
        exact = [t for t in candidates.targets if t.location in pinned]
        if exact:
            return exact
    return candidates.in_file(finding.location.file)


_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_REACH_FIELDS = ("exposure", "privilege", "chain", "rank")  # the last four, filled here
if _FINDING_FIELDS[-4:] != _REACH_FIELDS:
    raise ImportError("faasguard.reach: Finding must end with " + ", ".join(_REACH_FIELDS))
_found_fields = attrgetter(*_FINDING_FIELDS[:-4])  # what the rule found, read in one call
_build_finding = builder(Finding)  # a copy at a fraction of dataclasses.replace's cost


def _with_reach(finding: Finding, by_name: dict[str, _Candidates]) -> Finding:
    known = _about(finding, by_name)
    severity = SEVERITY_WEIGHT[int(finding.severity)]
    if not known:
        tail = (finding.exposure, finding.privilege, finding.chain, severity * 6)
    else:
        worst = known[0] if len(known) == 1 else max(known, key=_weight)
        reach = worst.reach
        tail = (worst.exposure, reach.privilege, reach.chain, severity * worst.weight)
    return _build_finding((*_found_fields(finding), *tail))


_weight = itemgetter(0)


def chain_text(chain: Iterable[tuple[str, Location]]) -> str:
    return " → ".join(label for label, _ in chain)

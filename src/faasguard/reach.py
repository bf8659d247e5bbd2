"""Reachability: who can reach a function, what its role can do, and how findings rank by both.

A finding on a function that anyone on the internet can call without credentials, whose role can
write data, outranks the same finding on an internal cron job. For each function we compute its
exposure (from its triggers) and its privilege (from its role), and attach to every finding about
it a rank and the chain an attacker would follow: entry trigger -> function -> role -> resources.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from faasguard._memo import per_inventory
from faasguard.model import (
    REF_PREFIX,
    AuthKind,
    Finding,
    Function,
    Inventory,
    Location,
    Resource,
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
    from faasguard.rules._privilege import privilege_of as role_privilege

    return role_privilege(fn.role)


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


def _strongest_grant(fn: Function) -> tuple[str, Location] | None:
    if fn.role is None:
        return None
    best: tuple[int, str, Location] | None = None
    for statement in fn.role.statements:
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
    if fn.role is not None:
        grant = _strongest_grant(fn)
        label = f"role {fn.role.name}" + (f" with {grant[0]}" if grant else "")
        chain.append((label, grant[1] if grant else fn.role.location))
    by_name = resources if resources is not None else {r.name: r for r in inventory.resources}
    for name in fn.reachable[:3]:
        res = by_name.get(name)
        if res is not None and res.kind != "lambda-function" and res.kind != "iam-role":
            chain.append((f"{res.kind} {res.physical_name or res.name}", res.location))
    return Reach(fn, exposure, privilege_of(fn), entry, tuple(chain))


@per_inventory
def reaches_of(inventory: Inventory) -> dict[str, Reach]:
    """The reach of every function, keyed by :attr:`Function.id`."""
    resources = {r.name: r for r in inventory.resources}
    return {fn.id: reach_of(fn, inventory, resources) for fn in inventory.functions}


def rank(findings: Iterable[Finding], inventory: Inventory) -> list[Finding]:
    """Findings with exposure, privilege, chain and rank filled in, most urgent first."""
    by_name: dict[str, list[Reach]] = {}
    for reach in reaches_of(inventory).values():
        by_name.setdefault(reach.function.name, []).append(reach)
    ranked = [_with_reach(f, by_name) for f in findings]
    ranked.sort(key=lambda f: (-f.rank, -f.severity, f.location.file, f.location.line, f.rule_id))
    return ranked


def _about(finding: Finding, by_name: dict[str, list[Reach]]) -> list[Reach]:
    """The functions a finding is about (names are not unique across a tree)."""
    names = finding.evidence.get("functions") or ([finding.function] if finding.function else [])
    if len(names) == 1:  # the common case
        candidates = by_name.get(names[0], [])
        return candidates if len(candidates) < 2 else _narrowed(finding, candidates)
    out: list[Reach] = []
    for name in names:
        candidates = by_name.get(name, [])
        out.extend(candidates if len(candidates) < 2 else _narrowed(finding, candidates))
    return out


def _narrowed(finding: Finding, candidates: list[Reach]) -> list[Reach]:
    """Of the functions of one name, those the finding pins (related "function" locations),
    else those in the finding's file, else all."""
    pinned = {loc for what, loc in finding.related if what.startswith("function")}
    exact = [r for r in candidates if r.function.location in pinned]
    if exact:
        return exact
    same_file = [r for r in candidates if r.function.location.file == finding.location.file]
    return same_file or candidates


def _with_reach(finding: Finding, by_name: dict[str, list[Reach]]) -> Finding:
    known = _about(finding, by_name)
    severity = SEVERITY_WEIGHT[int(finding.severity)]
    if not known:
        return _evolve(finding, {"rank": severity * 6})
    worst = max(known, key=lambda r: r.weight)
    return _evolve(
        finding,
        {
            "exposure": worst.exposure.value,
            "privilege": worst.privilege,
            "chain": worst.chain,
            "rank": severity * worst.weight,
        },
    )


_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_set = object.__setattr__


def _evolve(finding: Finding, changes: dict[str, Any]) -> Finding:
    """dataclasses.replace for a finding, without its per-call field introspection (it runs
    once per finding of the scan)."""
    new = object.__new__(Finding)
    for name in _FINDING_FIELDS:
        _set(new, name, changes[name] if name in changes else getattr(finding, name))
    return new


def chain_text(chain: Iterable[tuple[str, Location]]) -> str:
    return " → ".join(label for label, _ in chain)

"""The rule registry: a rule is a check function plus the metadata and docs users read."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from faasguard._frozen import builder
from faasguard.model import Category, Finding, Function, Inventory, Location, Manifest, Severity

Check = Callable[[Inventory], Iterable[Finding]]
# Work a rule can do before the inventory exists, from the dependency manifests alone: a scan
# runs it while the templates load on other cores (imports, indexes, per-name verdicts).
Prepare = Callable[[Sequence[Manifest]], None]


def shipped_json(name: str) -> Any:
    """A JSON file of faasguard/data, parsed (pkgutil: importlib.resources costs more to import
    than the files cost to read)."""
    raw = pkgutil.get_data("faasguard", f"data/{name}")
    if raw is None:
        raise OSError(f"faasguard/data/{name}: not readable from this installation")
    return json.loads(raw.decode("utf-8"))


@dataclass(frozen=True, slots=True)
class Docs:
    what: str  # what it finds
    why: str  # why it matters
    fix: dict[str, str] = field(default_factory=dict)  # format -> how to fix there
    example: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: Severity
    category: Category
    docs: Docs
    check: Check
    cwe: int | None = None
    advice: bool = False  # hardening advice: reported, not gated by default
    prepare: Prepare | None = None

    def finding(
        self,
        message: str,
        location: Location,
        *,
        function: Function | None = None,
        evidence: dict[str, Any] | None = None,
        related: Iterable[tuple[str, Location]] = (),
        key: str = "",
        severity: Severity | None = None,
        functions: Sequence[Function] | None = None,
    ) -> Finding:
        """A finding of this rule; ``key`` names the flagged element stably (no line numbers).

        ``functions``: the functions a setting written once applies to (a provider-level value,
        a shared role, an app setting). The finding is about the one function when there is
        one, names all of them in its evidence, and relates their locations unless ``related``
        says otherwise.
        """
        if functions is not None:
            function = functions[0] if len(functions) == 1 else None
            evidence = {**(evidence or {}), "functions": [fn.name for fn in functions]}
            related = related or [("function", fn.location) for fn in functions[:10]]
        owner = function.logical_id or function.name if function else ""
        digest = _sha256(
            "\x1f".join((self.id, location.file, owner, key or message)).encode()
        ).hexdigest()[:32]
        return _build_finding(
            (
                self.id,
                self.title,
                severity if severity is not None else self.severity,
                self.category,
                message,
                location,
                function.name if function else None,
                self.cwe,
                self.advice,
                evidence or {},
                tuple(related),
                digest,
                *_UNRANKED,
            )
        )


# A finding is built from its values (a large scan makes thousands: see faasguard._frozen). The
# fields a rule fills come first, in order; the rest keep their defaults until faasguard.reach
# ranks the finding.
_RULE_FILLS = (
    "rule_id",
    "title",
    "severity",
    "category",
    "message",
    "location",
    "function",
    "cwe",
    "advice",
    "evidence",
    "related",
    "fingerprint",
)
_FINDING_FIELDS = dataclasses.fields(Finding)
if tuple(f.name for f in _FINDING_FIELDS[: len(_RULE_FILLS)]) != _RULE_FILLS or any(
    f.default is dataclasses.MISSING for f in _FINDING_FIELDS[len(_RULE_FILLS) :]
):
    raise ImportError("faasguard.rules: Finding's fields are not those Rule.finding fills")
_UNRANKED = tuple(f.default for f in _FINDING_FIELDS[len(_RULE_FILLS) :])
_build_finding = builder(Finding)
_sha256 = hashlib.sha256


_RULES: dict[str, Rule] = {}


def rule(
    id: str,
    title: str,
    severity: Severity,
    category: Category,
    docs: Docs,
    *,
    cwe: int | None = None,
    advice: bool = False,
    prepare: Prepare | None = None,
) -> Callable[[Check], Rule]:
    """Register the decorated check function as rule ``id``."""

    def register(check: Check) -> Rule:
        if id in _RULES:
            raise ValueError(f"duplicate rule id {id}")
        registered = Rule(id, title, severity, category, docs, check, cwe, advice, prepare)
        _RULES[id] = registered
        return registered

    return register


def all_rules() -> list[Rule]:
    _load_rule_modules()
    return sorted(_RULES.values(), key=lambda r: r.id)


def get_rule(rule_id: str) -> Rule:
    _load_rule_modules()
    try:
        return _RULES[rule_id.upper()]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; `faasguard rules` lists them") from None


def _load_rule_modules() -> None:
    from faasguard.rules import (  # noqa: F401
        crypto,
        deploy,
        iam,
        inputs,
        limits,
        secrets,
        supply_hygiene,
        supply_vulns,
        triggers,
    )


def prepare_rules(rules: Iterable[Rule], manifests: Sequence[Manifest]) -> None:
    """Do ahead what these rules can do before the inventory exists. Best effort: a failure
    here is met again, and reported, when the rule itself runs."""
    for registered in rules:
        if registered.prepare is not None:
            try:
                registered.prepare(manifests)
            except Exception:  # the rule's own run meets it again and reports it
                continue


def run_rules(inventory: Inventory, *, enabled: Iterable[str] | None = None) -> Iterator[Finding]:
    wanted = {r.upper() for r in enabled} if enabled is not None else None
    for registered in all_rules():
        if wanted is None or registered.id in wanted:
            yield from registered.check(inventory)

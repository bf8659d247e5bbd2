"""What an execution role can do, in one word, for ranking findings by exposure x privilege.

``privilege_of(role)`` returns one of:

- ``"admin"``: any action on any resource, ``NotAction`` on ``*``, IAM write / permissions
  management (other than ``iam:PassRole`` scoped to named roles), or an admin-equivalent managed
  policy (AdministratorAccess, PowerUserAccess, IAMFullAccess...);
- ``"write"``: can write or delete data, or change resources;
- ``"read"``: only reads, lists or describes;
- ``"none"``: no role, or only operational actions (logs, traces, metrics, VPC network interfaces);
- ``"unknown"``: the role is defined outside the project, or a managed policy or template could not
  be expanded and what is known is below ``write``.

Access levels come from the generated AWS action table (:mod:`faasguard.rules._iam_data`); actions
missing from it fall back to the read-only prefix table below. Explicit denies are honoured only
when they deny everything (``Deny * on *`` without a condition); permissions boundaries are not
applied. Both only ever make the answer an over-approximation.
"""

from __future__ import annotations

import functools
from functools import cache
from typing import Any

from faasguard._memo import per_object
from faasguard.model import Policy, PolicyKind, Role, Statement
from faasguard.rules import _iam_data
from faasguard.rules._registry import shipped_json

NONE, READ, WRITE, ADMIN, UNKNOWN = "none", "read", "write", "admin", "unknown"
_ORDER = {NONE: 0, READ: 1, WRITE: 2, ADMIN: 3}

# Read-only action name prefixes, per service ("*": every service). Used only for actions that are
# not in data/iam_actions.json (new or misspelt actions). Source: the access levels of the AWS
# Service Authorization Reference, checked 2026-11-28.
READ_PREFIXES: dict[str, tuple[str, ...]] = {
    "*": ("Get", "List", "Describe", "BatchGet", "Search", "Lookup", "View", "Check", "Head"),
    "dynamodb": ("Query", "Scan", "ConditionCheckItem", "PartiQLSelect"),
    "s3": ("Select",),
    "sqs": ("ReceiveMessage",),
    "kinesis": ("SubscribeToShard",),
    "athena": ("StartQueryExecution",),
    "cloudwatch": ("Get",),
}

# Actions every Lambda role needs or that only touch the function's own plumbing: they do not
# reach data. Source: AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole,
# AWSXrayWriteOnlyAccess (AWS Managed Policy Reference Guide, retrieved 2026-11-28).
OPERATIONAL = frozenset(
    {
        "logs:createloggroup",
        "logs:createlogstream",
        "logs:putlogevents",
        "xray:puttracesegments",
        "xray:puttelemetryrecords",
        "xray:getsamplingrules",
        "xray:getsamplingtargets",
        "xray:getsamplingstatisticsummaries",
        "cloudwatch:putmetricdata",
        "ec2:createnetworkinterface",
        "ec2:describenetworkinterfaces",
        "ec2:describesubnets",
        "ec2:deletenetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)


@cache
def managed_table() -> dict[str, Any]:
    return shipped_json("iam_managed_policies.json")  # type: ignore[no-any-return]


def managed_privilege(name: str) -> str:
    """The class of an AWS managed policy by name (or ARN); UNKNOWN when not known."""
    short = name.rsplit("/", 1)[-1]
    data = managed_table()
    if short in data["policies"]:
        return str(data["policies"][short])
    for suffix, level in sorted(data["suffixes"].items(), key=lambda kv: -len(kv[0])):
        if short.endswith(suffix):
            return str(level)
    return UNKNOWN


def _fallback_is_read(action: str) -> bool:
    service, _, name = action.partition(":")
    prefixes = READ_PREFIXES["*"] + READ_PREFIXES.get(service.lower(), ())
    return any(name.lower().startswith(p.lower()) for p in prefixes)


def action_privilege(action: str, resources: tuple[str, ...] = ("*",)) -> str:
    """The class of one Action element (literal or pattern) of an Allow statement."""
    # Only whether `*` is among the resources matters: memoise on that, not on the tuple.
    return _action_privilege(action, "*" in resources)


@functools.lru_cache(maxsize=8192)
def _action_privilege(action: str, any_resource: bool) -> str:
    resources = ("*",) if any_resource else ()
    if action == "*" or action.startswith("*:"):
        return ADMIN if "*" in resources else WRITE
    if action.lower() in OPERATIONAL:
        return NONE
    infos = _iam_data.expand(action)
    if not infos:
        if _iam_data.is_pattern(action):
            return WRITE if action.endswith("*") else READ
        return READ if _fallback_is_read(action) else WRITE
    best = NONE
    for info in infos:
        best = _max(best, _info_privilege(info, resources))
        if best == ADMIN:
            break
    return best


def _info_privilege(info: _iam_data.ActionInfo, resources: tuple[str, ...]) -> str:
    lowered = info.name.lower()
    if lowered in OPERATIONAL:
        return NONE
    if not info.is_write:
        return READ
    iam_write = lowered.startswith("iam:") and info.level in (
        _iam_data.WRITE,
        _iam_data.PERMISSIONS,
    )
    if iam_write and (lowered != "iam:passrole" or "*" in resources):
        return ADMIN
    return WRITE


def statement_privilege(statement: Statement) -> str:
    if not statement.allows:
        return NONE
    if statement.not_actions:
        return ADMIN if "*" in statement.resources or statement.not_resources else WRITE
    resources = statement.resources or ("*",)
    best = NONE
    for action in statement.actions:
        best = _max(best, action_privilege(action, resources))
    return best


def policy_privilege(policy: Policy) -> str:
    if not policy.expanded and not policy.statements:
        if policy.kind is PolicyKind.SAM_TEMPLATE:
            return _template_guess(policy.template or policy.name)
        return managed_privilege(policy.arn or policy.name)
    if policy.kind is PolicyKind.MANAGED and policy.name in managed_table()["policies"]:
        return _max(managed_privilege(policy.name), _statements_privilege(policy.statements))
    return _statements_privilege(policy.statements)


def _template_guess(name: str) -> str:
    if name.endswith("ReadPolicy") or name.endswith("DescribePolicy"):
        return READ
    if name.endswith(("CrudPolicy", "WritePolicy", "FullAccessPolicy", "PublishMessagePolicy")):
        return WRITE
    return UNKNOWN


def _statements_privilege(statements: tuple[Statement, ...]) -> str:
    best = NONE
    for statement in statements:
        best = _max(best, statement_privilege(statement))
    return best


def _denies_everything(statement: Statement) -> bool:
    return (
        not statement.allows
        and "*" in statement.actions
        and "*" in statement.resources
        and not statement.condition
    )


def privilege_of(role: Role | None) -> str:
    """``"admin"``, ``"write"``, ``"read"``, ``"none"`` or ``"unknown"`` (see module doc)."""
    if role is None:
        return NONE
    return _privilege(role)


@per_object(limit=20_000)  # several rules and the reach ranking ask for the same roles
def _privilege(role: Role) -> str:
    if any(_denies_everything(s) for s in role.statements):
        return NONE
    if role.external and not role.policies:
        return UNKNOWN
    best, unknown = NONE, False
    for policy in role.policies:
        level = policy_privilege(policy)
        if level == UNKNOWN:
            unknown = True
        else:
            best = _max(best, level)
    if unknown and _ORDER[best] < _ORDER[WRITE]:
        return UNKNOWN
    return best


def at_least(level: str, floor: str) -> bool:
    """True when ``level`` is known and at or above ``floor``."""
    return level in _ORDER and _ORDER[level] >= _ORDER[floor]


def _max(a: str, b: str) -> str:
    return a if _ORDER.get(a, -1) >= _ORDER.get(b, -1) else b

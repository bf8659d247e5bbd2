"""Join what loaders found: which declared resources each function's role can act on."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable

from faasguard.inventory._base import LoadResult
from faasguard.model import REF_PREFIX, Function, Inventory, Resource, Statement

# Resource kind -> the IAM service prefix whose actions act on it.
SERVICE_OF_KIND = {
    "s3-bucket": "s3",
    "dynamodb-table": "dynamodb",
    "sqs-queue": "sqs",
    "sns-topic": "sns",
    "secret": "secretsmanager",
    "kms-key": "kms",
    "ssm-parameter": "ssm",
    "kinesis-stream": "kinesis",
    "lambda-function": "lambda",
    "log-group": "logs",
    "event-bus": "events",
    "state-machine": "states",
}


def link(base: Inventory, result: LoadResult) -> Inventory:
    resources = tuple(result.resources)
    functions = tuple(_with_reachable(fn, resources) for fn in result.functions)
    return dataclasses.replace(
        base,
        functions=functions,
        resources=resources,
        roles=tuple(result.roles),
        diagnostics=tuple(result.diagnostics),
    )


def _with_reachable(fn: Function, resources: tuple[Resource, ...]) -> Function:
    if fn.role is None:
        return fn
    names = sorted({r.name for r in reachable(fn.role.statements, resources)})
    return dataclasses.replace(fn, reachable=tuple(names)) if names else fn


def reachable(statements: Iterable[Statement], resources: Iterable[Resource]) -> list[Resource]:
    """Declared resources that some Allow statement grants at least one action on."""
    allows = [s for s in statements if s.allows]
    return [r for r in resources if any(_grants(s, r) for s in allows)]


def _grants(statement: Statement, resource: Resource) -> bool:
    service = SERVICE_OF_KIND.get(resource.kind)
    if service is None:
        return False
    if statement.not_actions:
        acts = not all(_action_covers_service(a, service) for a in statement.not_actions)
    else:
        acts = any(_action_covers_service(a, service) for a in statement.actions)
    if not acts:
        return False
    if statement.not_resources:
        return not any(_matches(p, resource) for p in statement.not_resources)
    return any(_matches(p, resource) for p in statement.resources)


def _action_covers_service(action: str, service: str) -> bool:
    if action == "*":
        return True
    prefix, _, _ = action.partition(":")
    return prefix.lower() == service


def _matches(pattern: str, resource: Resource) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith(REF_PREFIX):
        target = pattern[len(REF_PREFIX) :]
        return target == resource.name or target.startswith(resource.name + ".")
    for candidate in _identities(resource):
        if fnmatch.fnmatchcase(candidate, pattern) or fnmatch.fnmatchcase(
            candidate + "/x", pattern
        ):
            return True
    return False


def _identities(resource: Resource) -> list[str]:
    out = [v for v in (resource.arn, resource.physical_name) if v]
    name = resource.physical_name
    if name and resource.kind == "s3-bucket":
        out.append(f"arn:aws:s3:::{name}")
    elif name and resource.kind == "dynamodb-table":
        out.append(f"arn:aws:dynamodb:*:*:table/{name}")
    elif name and resource.kind in ("sqs-queue", "sns-topic"):
        service = "sqs" if resource.kind == "sqs-queue" else "sns"
        out.append(f"arn:aws:{service}:*:*:{name}")
    return out

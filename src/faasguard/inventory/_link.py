"""Join what loaders found: which declared resources each function's role can act on."""

from __future__ import annotations

import bisect
import dataclasses
import fnmatch
import re
from collections.abc import Iterable

from faasguard._frozen import builder, values_of
from faasguard.inventory._base import LoadResult
from faasguard.model import REF_PREFIX, Function, Inventory, Resource, Role, Statement

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

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
    index = _Index(resources)
    functions = tuple(_with_reachable(fn, index) for fn in result.functions)
    return dataclasses.replace(
        base,
        functions=functions,
        resources=resources,
        roles=tuple(result.roles),
        diagnostics=tuple(result.diagnostics),
    )


def _with_reachable(fn: Function, index: _Index) -> Function:
    if fn.role is None:
        return fn
    names = index.reachable_names(fn.role, _directory(fn.location.file))
    if not names:
        return fn
    values = list(_function_values(fn))  # dataclasses.replace, at a fraction of its cost
    values[_REACHABLE] = names
    return _build_function(values)


_function_values = values_of(Function)
_REACHABLE = [f.name for f in dataclasses.fields(Function)].index("reachable")
_build_function = builder(Function)


def _directory(file: str) -> str:
    head, _, _ = file.rpartition("/")
    return head


class _Index:
    """Resources by IAM service and directory, so linking stays linear in the tree's size.

    Wildcard and ``ref:`` patterns match only resources of the same project tree as the function
    (a monorepo of unrelated services does not share buckets named alike); a pattern naming one
    resource by ARN matches it anywhere.
    """

    def __init__(self, resources: tuple[Resource, ...]) -> None:
        self.by_dir: dict[str, dict[str, list[Resource]]] = {}
        self.by_short_name: dict[tuple[str, str], list[Resource]] = {}
        for res in resources:
            service = SERVICE_OF_KIND.get(res.kind)
            if service is None:
                continue
            dirs = self.by_dir.setdefault(service, {})
            dirs.setdefault(_directory(res.location.file), []).append(res)
            for short in {_short_name(i) for i in _identities(res)}:
                self.by_short_name.setdefault((service, short), []).append(res)
        self.sorted_dirs = {service: sorted(d) for service, d in self.by_dir.items()}
        self.scope_memo: dict[tuple[str, str], list[Resource]] = {}
        self.memo: dict[tuple[int, str], tuple[str, ...]] = {}

    def reachable_names(self, role: Role, scope: str) -> tuple[str, ...]:
        key = (id(role), scope)  # roles outlive linking: the functions hold them
        if key not in self.memo:
            found: set[str] = set()
            for statement in role.statements:
                if statement.allows:
                    found.update(r.name for r in self._granted(statement, scope))
            self.memo[key] = tuple(sorted(found))
        return self.memo[key]

    def _granted(self, statement: Statement, scope: str) -> Iterable[Resource]:
        for service in self._services(statement):
            if statement.not_resources:
                yield from (
                    r
                    for r in self.in_scope(service, scope)
                    if not any(_matches(p, r) for p in statement.not_resources)
                )
                continue
            for pattern in statement.resources:
                if _names_one(pattern):
                    candidates = self.by_short_name.get((service, _pattern_name(pattern)), [])
                else:
                    candidates = self.in_scope(service, scope)
                yield from (r for r in candidates if _matches(pattern, r))

    def _services(self, statement: Statement) -> list[str]:
        """The indexed services a statement's actions act on, in index order."""
        if statement.not_actions:
            return [service for service in self.by_dir if _acts_on(statement, service)]
        if "*" in statement.actions:
            return list(self.by_dir)
        named = {action.partition(":")[0].lower() for action in statement.actions}
        return [service for service in self.by_dir if service in named]

    def in_scope(self, service: str, scope: str) -> list[Resource]:
        key = (service, scope)
        if key not in self.scope_memo:
            dirs = self.by_dir[service]
            found: list[Resource] = []
            parts = scope.split("/") if scope else []
            for depth in range(len(parts)):  # ancestors, "" included
                found.extend(dirs.get("/".join(parts[:depth]), []))
            ordered = self.sorted_dirs[service]
            if not scope:
                found = [r for d in ordered for r in dirs[d]]
            else:
                found.extend(dirs.get(scope, []))
                start = bisect.bisect_left(ordered, scope + "/")
                for d in ordered[start:]:
                    if not d.startswith(scope + "/"):
                        break
                    found.extend(dirs[d])
            self.scope_memo[key] = found
        return self.scope_memo[key]


def _short_name(identity: str) -> str:
    return _pattern_name(identity) if identity.startswith("arn:") else identity


def _acts_on(statement: Statement, service: str) -> bool:
    if statement.not_actions:
        return not all(_action_covers_service(a, service) for a in statement.not_actions)
    return any(_action_covers_service(a, service) for a in statement.actions)


_TYPE_WORDS = frozenset(
    {
        "table",
        "key",
        "function",
        "secret",
        "parameter",
        "stream",
        "log-group",
        "event-bus",
        "stateMachine",
        "alias",
    }
)


def _pattern_name(arn: str) -> str:
    """The resource-name field of an ARN: the table of table/Orders, the bucket of b/key."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return ""
    segments = parts[5].replace(":", "/").split("/")
    return segments[1] if len(segments) > 1 and segments[0] in _TYPE_WORDS else segments[0]


def _names_one(pattern: str) -> bool:
    """Does the pattern name one resource (wildcards, if any, only below its name)?"""
    if pattern.startswith(REF_PREFIX) or not pattern.startswith("arn:"):
        return False
    name = _pattern_name(pattern)
    return bool(name) and "*" not in name and "?" not in name


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
    pattern = _PLACEHOLDER.sub("*", pattern)  # ${AWS::AccountId} and friends: any value
    return any(_arn_match(pattern, identity) for identity in _identities(resource))


def _arn_match(pattern: str, identity: str) -> bool:
    """Does an IAM resource pattern cover ``identity`` (or objects under it, for buckets)?

    A ``*`` written in the identity (an account or region faasguard cannot know) matches any
    value in that ARN field.
    """
    if fnmatch.fnmatchcase(identity, pattern) or fnmatch.fnmatchcase(identity + "/x", pattern):
        return True
    if "*" not in identity or not pattern.startswith("arn:"):
        return False
    want, have = pattern.split(":", 5), identity.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return False
    return all(
        h == "*" or fnmatch.fnmatchcase(h, w) or (i == 5 and fnmatch.fnmatchcase(h + "/x", w))
        for i, (w, h) in enumerate(zip(want, have, strict=True))
    )


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

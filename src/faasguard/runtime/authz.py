"""Attribute-based authorization with Cedar policies (needs the `cedarpy` package).

    from faasguard.runtime import guard
    from faasguard.runtime.auth import JWT
    from faasguard.runtime.authz import Cedar

    @guard(auth=JWT(...), authorize=Cedar("policies.cedar", schema="schema.cedarschema"))
    def handler(event, context): ...

Policies are parsed (and validated against the schema, when one is given) once, when the guard is
built: a bad policy is a `PolicyError` naming the file and line. Each request becomes a Cedar
request:

- principal `User::"<identity.principal>"` (type `principal_type`) whose attributes are the verified
  claims (numbers, strings, booleans, lists as sets, objects as records; other values dropped) plus
  `auth_method`, `tenant` and `issuer` from the identity; the groups claim (`groups_claim`) also
  makes the principal a member of `Group::"<name>"` entities, so `principal in Group::"admin"`
  works.
  A caller without identity is `Anonymous::"anonymous"`.
- action `Action::"<HTTP method>"`, or `action_from` (a mapping method -> action id, or a callable
  `(request) -> str`).
- resource `Route::"<path>"` with attributes `path`, `route` (the route template), `method`,
  `params` (path parameters) and `tenant` (the path parameter `tenant`, `tenantId` or `tenant_id`,
  else the segment after `/tenants/`; absent otherwise); or `resource_from(request) -> (id, attrs)`.
- context: `path`, `method`, `route`, `tenant` (the caller's), `ip` (ipaddr), `time` (epoch
  seconds), `now` (datetime), `hour` and `weekday` (ISO, Monday = 1) in `timezone`,
  `authenticated`, `auth_method`, `api_key_id`, plus what `context_from(request, access)` returns.

Unknown values (no tenant, no source IP) are absent rather than empty, so a condition comparing
them errs and denies; test with `has` where absence is expected (`context has ip && ...`).

The schema is not applied to the entities at decision time (claims carry attributes it does not
declare); a claim of the wrong type makes the conditions reading it err, which denies.

Decisions are security events (OCSF Authorize Session) naming the determining policies (their
`@id` annotation, else the engine's `policyN`). Deny is 403; a denied caller without identity
gets 401 instead (policies may permit anonymous callers: `permit(principal is Anonymous, ...)`).
Evaluation errors deny (Cedar skips a policy whose condition errs). Messages are authorized only
with `messages=True` (action = the message kind, resource `Source::"<source>"`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import _events
from ._cedar_source import PolicyError, line_of, load_text, locate_parse_error, statements
from ._gates import Access, Identity
from ._problems import Rejection
from ._redact import runtime_logger
from ._view import Message, Request

__all__ = ["Cedar", "PolicyError"]

log = runtime_logger()  # with the redacting filter a guard asked for

_TENANT_PARAMS = ("tenant", "tenantId", "tenant_id")
_TENANT_PATH = re.compile(r"/tenants?/([^/]+)")
_CEDAR_JSON_ESCAPES = ("__entity", "__extn", "__expr")
_INT64 = (-(2**63), 2**63 - 1)
_MAX_DEPTH = 8
_MAX_ERROR_CHARS = 300
ANONYMOUS_ID = "anonymous"

ResourceFunction = Callable[[Request], tuple[str, Mapping[str, Any]]]


class Cedar:
    """A guard gate that authorizes each request with Cedar policies."""

    def __init__(
        self,
        policies: str | Path,
        schema: str | Path | Mapping[str, Any] | None = None,
        entities: str | Path | list[dict[str, Any]] | None = None,
        *,
        principal_type: str = "User",
        resource_type: str = "Route",
        anonymous_type: str = "Anonymous",
        group_type: str | None = "Group",
        groups_claim: str = "groups",
        action_from: Mapping[str, str] | Callable[[Request], str] | None = None,
        resource_from: ResourceFunction | None = None,
        context_from: Callable[[Request, Access], Mapping[str, Any]] | None = None,
        timezone: str = "UTC",
        log_allowed: bool = True,
        messages: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            import cedarpy
        except ImportError as error:  # pragma: no cover - depends on the deployment
            raise ImportError(
                "faasguard: Cedar authorization needs `pip install cedarpy`"
            ) from error
        self._cedar = cedarpy
        text, where = load_text(policies, (".cedar",))
        self.policy_set = _parse(cedarpy, text, where)
        self._validate(text, where, schema)
        self._static = _load_entities(entities)
        _check_entities(cedarpy, self._static, entities)
        self._static_uids = {_uid_key(e.get("uid")) for e in self._static if isinstance(e, dict)}
        self.principal_type = principal_type
        self.resource_type = resource_type
        self.anonymous_type = anonymous_type
        self.group_type = group_type
        self.groups_claim = groups_claim
        self.action_from = action_from
        self.resource_from = resource_from
        self.context_from = context_from
        self.zone = _zone(timezone)
        self.log_allowed = log_allowed
        self.messages = messages
        self.clock = clock

    # ----- construction
    def _validate(
        self, text: str, where: str, schema: str | Path | Mapping[str, Any] | None
    ) -> None:
        if schema is None:
            return
        schema_text, schema_where = _schema_text(schema)
        try:
            if schema_text.lstrip().startswith("{"):
                parsed_schema = self._cedar.Schema.from_json_str(schema_text)
            else:
                parsed_schema = self._cedar.Schema.from_str(schema_text)
            result = self._cedar.validate_policies(text, parsed_schema)
        except (ValueError, RuntimeError) as error:
            raise PolicyError(f"{schema_where}: invalid Cedar schema: {error}") from None
        if result.validation_passed:
            return
        parsed = statements(text)
        problems: list[str] = []
        for failure in result.errors:
            line = line_of(failure.policy_id, failure.error, parsed)
            problem = f"{where}:{line or '?'}: {failure.error}"
            if len(problems) < 5 and not any(p.startswith(f"{where}:{line}:") for p in problems):
                problems.append(problem)
        raise PolicyError("; ".join(problems) + " (policies checked against the schema)")

    # ----- Gate protocol
    def check_request(self, request: Request, access: Access) -> None:
        identity = access.identity
        principal = self._principal(identity)
        resource_id, resource_attrs = self._resource(request)
        resource = {"type": self.resource_type, "id": resource_id}
        entities = self._entities(
            principal, {"uid": resource, "attrs": _cedar_record(resource_attrs), "parents": []}
        )
        cedar_request = {
            "principal": principal["uid"],
            "action": {"type": "Action", "id": self._action(request)},
            "resource": resource,
            "context": self._context(request, access),
        }
        self._decide(cedar_request, entities, access, anonymous=identity is None)

    def check_message(self, message: Message, access: Access) -> None:
        if not self.messages:
            return
        principal = self._principal(access.identity)
        source = {"type": "Source", "id": message.source or message.kind}
        entities = self._entities(principal)
        cedar_request = {
            "principal": principal["uid"],
            "action": {"type": "Action", "id": message.kind},
            "resource": source,
            "context": {"kind": message.kind, **self._time_context()},
        }
        self._decide(cedar_request, entities, access, anonymous=access.identity is None)

    # ----- decision
    def _decide(
        self, request: dict[str, Any], entities: list[dict[str, Any]], access: Access,
        *, anonymous: bool,
    ) -> None:  # fmt: skip
        result = self._cedar.is_authorized(request, self.policy_set, entities)
        diagnostics = result.diagnostics
        names = diagnostics.id_annotations_by_reason or {}
        policies = tuple(names.get(pid, pid) for pid in diagnostics.reasons)
        if result.allowed:
            if self.log_allowed:
                event = _events.authorization(
                    access.call, allowed=True, reason="permitted", policies=policies
                )
                access.emit(event, True)
            return
        reason = "forbidden by policy" if policies else "no policy permits"
        if diagnostics.errors:
            reason += f" ({len(diagnostics.errors)} evaluation errors)"
            log.warning("faasguard: Cedar: %s", str(diagnostics.errors[0])[:_MAX_ERROR_CHARS])
        if anonymous:
            reason = "anonymous caller: " + reason
        event = _events.authorization(access.call, allowed=False, reason=reason, policies=policies)
        access.emit(event, False)
        raise Rejection(401, "unauthenticated") if anonymous else Rejection(403, "forbidden")

    # ----- request parts
    def _principal(self, identity: Identity | None) -> dict[str, Any]:
        if identity is None:
            uid = {"type": self.anonymous_type, "id": ANONYMOUS_ID}
            return {"uid": uid, "attrs": {}, "parents": []}
        attrs = _cedar_record(identity.claims)
        attrs["auth_method"] = identity.method
        attrs.update(_known(tenant=identity.tenant, issuer=identity.issuer))
        parents = []
        if self.group_type:
            groups = identity.claims.get(self.groups_claim)
            if isinstance(groups, str):
                groups = groups.split()
            if isinstance(groups, list | tuple):
                parents = [{"type": self.group_type, "id": g} for g in groups if isinstance(g, str)]
        uid = {"type": self.principal_type, "id": identity.principal}
        return {"uid": uid, "attrs": attrs, "parents": parents}

    def _entities(self, principal: dict[str, Any], *others: dict[str, Any]) -> list[dict[str, Any]]:
        """The request's entities. A principal the static entities also list is one entity (Cedar
        refuses duplicates): their attributes win over claims, parents are the union."""
        key, static = _uid_key(principal["uid"]), self._static
        if key in self._static_uids:
            listed = next(e for e in static if _uid_key(e.get("uid")) == key)
            parents = {_uid_key(p): p for p in [*principal["parents"], *listed.get("parents", [])]}
            principal = {
                "uid": principal["uid"],
                "attrs": {**principal["attrs"], **listed.get("attrs", {})},
                "parents": list(parents.values()),
            }
            static = [e for e in static if e is not listed]
        return [principal, *others, *self._groups(principal), *static]

    def _groups(self, principal: dict[str, Any]) -> list[dict[str, Any]]:
        """Group entities for the principal's groups, unless the static entities define them."""
        return [
            {"uid": parent, "attrs": {}, "parents": []}
            for parent in principal["parents"]
            if _uid_key(parent) not in self._static_uids
        ]

    def _action(self, request: Request) -> str:
        action_from = self.action_from
        if action_from is None:
            return request.method
        if callable(action_from):
            return str(action_from(request))
        return action_from.get(request.method, request.method)

    def _resource(self, request: Request) -> tuple[str, Mapping[str, Any]]:
        if self.resource_from is not None:
            return self.resource_from(request)
        params = {k: v for k, v in request.path_params.items() if isinstance(v, str)}
        return request.path, {
            "path": request.path,
            "route": request.route.rpartition(" ")[2],
            "method": request.method,
            "params": params,
            **_known(tenant=_path_tenant(request.path, params)),
        }

    def _context(self, request: Request, access: Access) -> dict[str, Any]:
        identity = access.identity
        context: dict[str, Any] = {
            "path": request.path,
            "method": request.method,
            "route": request.route.rpartition(" ")[2],
            **_known(tenant=identity.tenant if identity else ""),
            "authenticated": identity is not None,
            "auth_method": identity.method if identity else "",
            "api_key_id": access.api_key_id,
            **self._time_context(),
        }
        ip = _ip(request.source_ip)
        if ip:
            context["ip"] = {"__extn": {"fn": "ip", "arg": ip}}
        if self.context_from is not None:
            context.update(_cedar_record(self.context_from(request, access)))
        return context

    def _time_context(self) -> dict[str, Any]:
        now = self.clock()
        local = datetime.fromtimestamp(now, self.zone)
        utc = datetime.fromtimestamp(now, UTC)
        stamp = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
        return {
            "time": int(now),
            "now": {"__extn": {"fn": "datetime", "arg": stamp}},
            "hour": local.hour,
            "weekday": local.isoweekday(),
        }


# ----------------------------------------------------------------- helpers
def _parse(cedarpy: Any, text: str, where: str) -> Any:
    if not statements(text):
        raise PolicyError(f"{where}: no Cedar policies (everything would be denied)")
    try:
        return cedarpy.PolicySet.from_str(text)
    except ValueError as error:
        raise locate_parse_error(text, where, str(error), cedarpy.PolicySet.from_str) from None


def _schema_text(schema: str | Path | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(schema, Mapping):
        return json.dumps(schema), "<schema>"
    text, where = load_text(schema, (".cedarschema", ".json"))
    return text, where if where != "<policies>" else "<schema>"


def _load_entities(entities: str | Path | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if entities is None:
        return []
    if isinstance(entities, list):
        return entities
    text, where = load_text(entities, (".json",))
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError(f"{where}:{error.lineno}: entities are not JSON: {error.msg}") from None
    if not isinstance(loaded, list):
        raise PolicyError(f"{where}: entities must be a JSON list of Cedar entities")
    return loaded


def _check_entities(cedarpy: Any, static: list[dict[str, Any]], source: object) -> None:
    if not static:
        return
    try:
        cedarpy.Entities.from_json_str(json.dumps(static))
    except (ValueError, TypeError, RuntimeError) as error:
        where = source if isinstance(source, str | Path) and len(str(source)) < 200 else "entities"
        raise PolicyError(f"{where}: invalid Cedar entities: {str(error)[:300]}") from None


def _uid_key(uid: Any) -> tuple[str, str]:
    if isinstance(uid, dict):
        return str(uid.get("type", "")), str(uid.get("id", ""))
    return "", ""


def _zone(name: str) -> Any:
    if name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"faasguard: Cedar timezone {name!r} is unknown") from None


def _known(**values: str) -> dict[str, str]:
    """Only the values that are known: an absent attribute makes a comparison fail (deny)
    where an empty string would match another empty string."""
    return {name: value for name, value in values.items() if value}


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""


def _path_tenant(path: str, params: Mapping[str, str]) -> str:
    for name in _TENANT_PARAMS:
        if params.get(name):
            return params[name]
    match = _TENANT_PATH.search(path)
    return match.group(1) if match else ""


def _cedar_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """Claims as a Cedar record; keys Cedar's JSON reads as escapes are dropped (a claim must
    never turn into an entity reference such as a group membership)."""
    converted = _cedar_value(values, 0)
    return converted if isinstance(converted, dict) else {}


def _cedar_value(value: Any, depth: int) -> Any:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if _INT64[0] <= value <= _INT64[1] else None
    if depth >= _MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        record = {}
        for key, item in value.items():
            if not isinstance(key, str) or key in _CEDAR_JSON_ESCAPES:
                continue
            converted = _cedar_value(item, depth + 1)
            if converted is not None:
                record[key] = converted
        return record
    if isinstance(value, list | tuple | set | frozenset):
        items = (_cedar_value(item, depth + 1) for item in value)
        return [item for item in items if item is not None]
    return None  # floats, None, anything else: Cedar has no such value

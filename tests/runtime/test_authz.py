"""Cedar ABAC through the guard: tenant isolation, admin group, IP range, business hours,
anonymous callers, claim sanitising, policy validation errors with file and line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from faasguard.runtime import guard
from faasguard.runtime.authz import Cedar, PolicyError
from tests.runtime._guard_events import Context, apigw_v1, apigw_v2, sqs
from tests.runtime.conftest import HeaderIdentity

POLICIES = """\
// Tenant isolation: members reach their own tenant's resources, nothing else.
@id("tenant-members")
permit (
  principal is User,
  action in [Action::"GET", Action::"POST"],
  resource is Route
)
when { principal has tenant && resource has tenant && principal.tenant == resource.tenant };

// Administrators (groups claim) reach every tenant, from the office network only.
@id("admins-from-office")
permit (principal in Group::"admin", action, resource)
when { context has ip && context.ip.isInRange(ip("10.20.0.0/16")) };

// Writes only in business hours, London time, for everybody.
@id("writes-in-business-hours")
forbid (principal, action in [Action::"POST", Action::"DELETE"], resource)
unless { context.weekday <= 5 && context.hour >= 9 && context.hour < 18 };

// The health check is public.
@id("public-health")
permit (principal, action == Action::"GET", resource == Route::"/health");
"""

SCHEMA = """\
entity Group;
entity User in [Group] {
  tenant?: String, auth_method: String, issuer?: String, email?: String, groups?: Set<String>
};
entity Anonymous;
entity Route {
  path: String, route: String, method: String, tenant?: String,
  params: { tenant?: String, id?: String }
};
type Ctx = {
  path: String, method: String, route: String, tenant?: String, authenticated: Bool,
  auth_method: String, api_key_id: String, time: Long, now: datetime, hour: Long,
  weekday: Long, ip?: ipaddr
};
action "GET", "POST", "DELETE" appliesTo {
  principal: [User, Anonymous], resource: [Route], context: Ctx
};
"""

# Wednesday 2026-07-15 10:30 UTC = 11:30 in London (BST)
WEDNESDAY_MORNING = datetime(2026, 7, 15, 10, 30, tzinfo=UTC).timestamp()
SATURDAY_MORNING = datetime(2026, 7, 18, 10, 30, tzinfo=UTC).timestamp()
# 08:30 UTC in July is 09:30 in London: open; 08:30 UTC in January is 08:30 in London: closed
SUMMER_0830_UTC = datetime(2026, 7, 15, 8, 30, tzinfo=UTC).timestamp()
WINTER_0830_UTC = datetime(2026, 1, 14, 8, 30, tzinfo=UTC).timestamp()


def ok(event, context):
    return {"statusCode": 200, "body": "{}"}


def request(
    path: str = "/tenants/acme/orders/42",
    *,
    method: str = "GET",
    user: str | None = "alice",
    tenant: str = "acme",
    claims: dict | None = None,
    ip: str = "203.0.113.7",
) -> dict:
    """An API Gateway REST event on /tenants/{tenant}/orders/{id} from a given caller."""
    headers = {}
    if user is not None:
        claims = {"email": f"{user}@example.com", **(claims or {})}
        headers = {
            "X-Test-User": user,
            "X-Test-Tenant": tenant,
            "X-Test-Claims": json.dumps(claims),
        }
    body = {"customer": "x", "items": []} if method == "POST" else None
    parts = path.strip("/").split("/")
    templated = path.startswith("/tenants/") and len(parts) == 4
    event = apigw_v1(
        body, method=method, headers=headers, path=path,
        resource="/tenants/{tenant}/orders/{id}" if templated else path,
    )  # fmt: skip
    event["pathParameters"] = {"tenant": parts[1], "id": parts[3]} if templated else None
    event["requestContext"]["identity"]["sourceIp"] = ip
    event["headers"]["X-Forwarded-For"] = ip
    return event


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policies.cedar"
    path.write_text(POLICIES, encoding="utf-8")
    return path


@pytest.fixture
def sink() -> list[dict]:
    return []


def guarded(policy_file: Path, sink: list[dict], when: float = WEDNESDAY_MORNING, **options):
    cedar = Cedar(policy_file, schema=SCHEMA, timezone="Europe/London", clock=lambda: when,
                  **options)  # fmt: skip
    return guard(detect="off", auth=HeaderIdentity(), authorize=cedar, events=sink.append)(ok)


def status(handler, event: dict) -> int:
    return handler(event, Context())["statusCode"]


def decisions(sink: list[dict]) -> list[tuple[str, list[str]]]:
    return [(e["action"], e["unmapped"]["policies"]) for e in sink if e["class_uid"] == 3003]


# ----------------------------------------------------------------- policies in action
def test_tenant_members_reach_only_their_tenant(policy_file, sink) -> None:
    handler = guarded(policy_file, sink)
    assert status(handler, request("/tenants/acme/orders/42")) == 200
    assert status(handler, request("/tenants/globex/orders/42")) == 403
    assert status(handler, request("/tenants/globex/orders/42", tenant="globex")) == 200
    assert decisions(sink) == [
        ("Allowed", ["tenant-members"]), ("Denied", []), ("Allowed", ["tenant-members"]),
    ]  # fmt: skip
    denied = [e for e in sink if e["class_uid"] == 3003][1]
    assert denied["status_detail"] == "no policy permits"
    assert denied["actor"]["user"]["uid"] == "alice"


def test_a_caller_without_tenant_reaches_no_tenant(policy_file, sink) -> None:
    handler = guarded(policy_file, sink)
    assert status(handler, request("/tenants/acme/orders/1", tenant="")) == 403


def test_admin_group_claim_from_the_office_network_only(policy_file, sink) -> None:
    handler = guarded(policy_file, sink)
    admin = {"groups": ["staff", "admin"]}
    assert status(handler, request("/tenants/globex/orders/7", claims=admin, ip="10.20.3.4")) == 200
    assert decisions(sink)[-1] == ("Allowed", ["admins-from-office"])
    assert status(handler, request("/tenants/globex/orders/7", claims=admin)) == 403
    staff = {"groups": ["staff"]}
    assert status(handler, request("/tenants/globex/orders/7", claims=staff, ip="10.20.3.4")) == 403


def test_writes_only_in_business_hours(policy_file, sink) -> None:
    post = request("/tenants/acme/orders/42", method="POST")
    assert status(guarded(policy_file, sink, WEDNESDAY_MORNING), post) == 200
    assert status(guarded(policy_file, sink, SATURDAY_MORNING), post) == 403
    assert decisions(sink)[-1] == ("Denied", ["writes-in-business-hours"])
    assert [e for e in sink if e["class_uid"] == 3003][-1]["status_detail"] == "forbidden by policy"
    assert status(guarded(policy_file, sink, SATURDAY_MORNING), request()) == 200  # reads: fine


def test_business_hours_follow_the_configured_timezone(policy_file, sink) -> None:
    post = request("/tenants/acme/orders/42", method="POST")
    assert status(guarded(policy_file, sink, SUMMER_0830_UTC), post) == 200
    assert status(guarded(policy_file, sink, WINTER_0830_UTC), post) == 403


def test_anonymous_callers(policy_file, sink) -> None:
    handler = guarded(policy_file, sink)
    assert status(handler, request("/health", user=None)) == 200
    response = handler(request("/tenants/acme/orders/42", user=None), Context())
    assert response["statusCode"] == 401
    assert "anonymous caller" in [e for e in sink if e["class_uid"] == 3003][-1]["status_detail"]


def test_claims_cannot_smuggle_entity_references(tmp_path, sink) -> None:
    path = tmp_path / "p.cedar"
    path.write_text(
        'permit (principal, action, resource)\n'
        'when { principal has boss && principal.boss == Group::"admin" };\n'
    )  # fmt: skip
    handler = guard(detect="off", auth=HeaderIdentity(), authorize=Cedar(path))(ok)
    forged = {"boss": {"__entity": {"type": "Group", "id": "admin"}}}
    assert status(handler, request(claims=forged)) == 403
    forged_ip = {"boss": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}}}
    assert status(handler, request(claims=forged_ip)) == 403


def test_unusual_claim_values_do_not_break_decisions(policy_file, sink) -> None:
    handler = guarded(policy_file, sink)
    odd = {"score": 0.7, "big": 2**80, "none": None, "nested": {"a": [1, "x", {"b": True}]}}
    assert status(handler, request(claims=odd)) == 200


def test_mappings_and_callables(tmp_path, sink) -> None:
    path = tmp_path / "p.cedar"
    path.write_text(
        '@id("readers")\n'
        'permit (principal, action == Action::"read", resource is Report)\n'
        'when { resource.owner == principal.email && context.channel == "web" };\n'
    )  # fmt: skip
    cedar = Cedar(
        path,
        action_from={"GET": "read", "POST": "write"},
        resource_from=lambda r: (r.path, {"owner": "alice@example.com"}),
        context_from=lambda r, a: {"channel": r.headers.get("x-channel", "")},
        resource_type="Report",
    )
    handler = guard(detect="off", auth=HeaderIdentity(), authorize=cedar)(ok)
    web = request("/reports/q3")
    web["headers"]["X-Channel"] = "web"
    assert status(handler, web) == 200
    assert status(handler, request("/reports/q3")) == 403  # no channel
    web_bob = request("/reports/q3", user="bob")
    web_bob["headers"]["X-Channel"] = "web"
    assert status(handler, web_bob) == 403
    post = request("/reports/q3", method="POST")
    post["headers"]["X-Channel"] = "web"
    assert status(handler, post) == 403


def test_static_entities_give_group_hierarchies(tmp_path, sink) -> None:
    path = tmp_path / "p.cedar"
    path.write_text('permit (principal in Group::"staff", action == Action::"GET", resource);\n')
    hierarchy = tmp_path / "entities.json"
    hierarchy.write_text(json.dumps([
        {"uid": {"type": "Group", "id": "support"}, "attrs": {},
         "parents": [{"type": "Group", "id": "staff"}]},
        {"uid": {"type": "Group", "id": "staff"}, "attrs": {}, "parents": []},
    ]))  # fmt: skip
    handler = guard(detect="off", auth=HeaderIdentity(),
                    authorize=Cedar(path, entities=hierarchy))(ok)  # fmt: skip
    assert status(handler, request(claims={"groups": ["support"]})) == 200
    assert status(handler, request(claims={"groups": ["sales"]})) == 403


def test_http_api_v2_events(policy_file, sink) -> None:
    handler = guarded(policy_file, sink)
    event = apigw_v2({"customer": "x", "items": []})
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/tenants/acme/orders"
    event["headers"].update({"x-test-user": "alice", "x-test-tenant": "acme"})
    assert status(handler, event) == 200  # POST, tenant from the path, business hours
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/tenants/globex/orders"
    assert status(handler, event) == 403


def test_messages_only_when_asked(tmp_path) -> None:
    path = tmp_path / "p.cedar"
    path.write_text('permit (principal, action == Action::"sqs", resource == Source::"nope");\n')
    seen: list[int] = []
    handle = lambda event, context: seen.append(len(event["Records"]))  # noqa: E731
    event = sqs({"customer": "c1"}, {"customer": "c2"})
    assert guard(detect="off", authorize=Cedar(path))(handle)(event, None) is None
    result = guard(detect="off", authorize=Cedar(path, messages=True))(handle)(event, None)
    assert len(result["batchItemFailures"]) == 2
    assert seen == [2]


# ----------------------------------------------------------------- cold-start validation
def test_policy_syntax_error_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "broken.cedar"
    path.write_text(POLICIES.replace("principal.tenant == resource.tenant",
                                     "principal.tenant = resource.tenant"))  # fmt: skip
    expected = rf"^{path}:2: in the policy starting here: '=' is not a valid operator"
    with pytest.raises(PolicyError, match=expected):
        Cedar(path)


def test_schema_mismatch_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "typo.cedar"
    path.write_text(POLICIES.replace("context.weekday", "context.weekdya"))
    with pytest.raises(PolicyError, match=rf"^{path}:18: .*`weekdya`"):
        Cedar(path, schema=SCHEMA)


def test_policies_validate_against_the_schema(policy_file) -> None:
    Cedar(policy_file, schema=SCHEMA)
    Cedar(POLICIES, schema=SCHEMA)  # inline text works as well


@pytest.mark.parametrize(
    ("policies", "options", "message"),
    [
        ("// nothing here\n", {}, "no Cedar policies"),
        ("missing.cedar", {}, "missing.cedar: cannot read"),
        (POLICIES, {"schema": "entity User"}, "invalid Cedar schema"),
        (POLICIES, {"entities": "[{"}, "entities are not JSON"),
        (POLICIES, {"entities": '{"a": 1}'}, "must be a JSON list"),
        (
            POLICIES,
            {"entities": [{"uid": {"type": "Group"}, "attrs": {}}]},
            "invalid Cedar entities",
        ),
    ],
)
def test_bad_configuration_is_a_clear_error(policies, options, message) -> None:
    with pytest.raises(PolicyError, match=message):
        Cedar(policies, **options)


def test_unknown_timezone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="timezone 'Mars/Olympus'"):
        Cedar(POLICIES, timezone="Mars/Olympus")

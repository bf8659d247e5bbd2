"""Rate limits and quotas through the guard: keys, 429 + Retry-After, events, messages."""

from __future__ import annotations

import json

import pytest

from faasguard.runtime import guard
from faasguard.runtime._gates import Access
from faasguard.runtime._store import MemoryStore
from faasguard.runtime.ratelimit import RateLimit, parse_rate
from tests.runtime._guard_events import Context, apigw_v1, apigw_v2, sqs
from tests.runtime.conftest import Clock, HeaderIdentity


def ok(event, context):
    return {"statusCode": 200, "body": "{}"}


def v2(ip: str = "198.51.100.23", **headers: str) -> dict:
    event = apigw_v2({"customer": "x", "items": []})
    event["requestContext"]["http"]["sourceIp"] = ip
    event["headers"].update(headers)
    return event


def statuses(handler, events: list[dict]) -> list[int]:
    return [handler(event, Context())["statusCode"] for event in events]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sink() -> list[dict]:
    return []


# ----------------------------------------------------------------- parsing and configuration
@pytest.mark.parametrize(
    ("text", "limit", "seconds"),
    [("5/second", 5, 1), ("5/s", 5, 1), ("100/minute", 100, 60), ("100/m", 100, 60),
     ("7/hours", 7, 3600), ("1000/day", 1000, 86400), ("10/5minutes", 10, 300),
     (" 3 / sec ", 3, 1)],
)  # fmt: skip
def test_rates_parse(text: str, limit: int, seconds: float) -> None:
    rate = parse_rate(text)
    assert (rate.limit, rate.period_s) == (limit, seconds)


@pytest.mark.parametrize("text", ["5", "5/week", "0/second", "-1/s", "five/s", "5/ms", "", "5/0s"])
def test_bad_rates_are_clear_errors(text: str) -> None:
    with pytest.raises(ValueError, match="is not a rate"):
        parse_rate(text)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"key": "cookie"}, "rate_key"), ({"fail": "maybe"}, "rate_fail"),
     ({"algorithm": "leaky"}, "algorithm"), ({"burst": 0}, "burst"),
     ({"quota": "lots"}, "quota")],
)  # fmt: skip
def test_bad_options_are_clear_errors(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimit("5/second", **options)


def test_guard_rejects_a_bad_rate_at_cold_start() -> None:
    with pytest.raises(ValueError, match="'often' is not a rate"):
        guard(rate="often")


# ----------------------------------------------------------------- behaviour (in-process store)
def test_beyond_the_limit_gets_429_with_retry_after_and_an_event(clock, sink) -> None:
    limiter = RateLimit("3/minute", store=MemoryStore(clock=clock))
    handler = guard(detect="off", authorize=limiter, events=sink.append)(ok)
    assert statuses(handler, [v2()] * 3) == [200] * 3
    clock.now += 15
    response = handler(v2(), Context())
    assert response["statusCode"] == 429
    assert response["headers"]["Retry-After"] == "45"  # the first request leaves the window
    body = json.loads(response["body"])
    assert body["type"] == "urn:faasguard:problem:rate-limited"
    assert body["errors"] == [{"field": "ip", "rule": "3/minute per ip"}]
    assert [e["unmapped"]["reason"] for e in sink] == ["rate-limited"]
    assert sink[0]["http_response"] == {"code": 429}
    assert sink[0]["src_endpoint"] == {"ip": "198.51.100.23"}
    clock.now += 45
    assert handler(v2(), Context())["statusCode"] == 200


def test_retry_after_is_at_least_one_second(clock) -> None:
    limiter = RateLimit("10/second", algorithm="gcra", burst=1, store=MemoryStore(clock=clock))
    handler = guard(detect="off", authorize=limiter)(ok)
    assert statuses(handler, [v2()] * 2) == [200, 429]
    assert handler(v2(), Context())["headers"]["Retry-After"] == "1"


def test_source_ips_are_limited_separately(clock) -> None:
    handler = guard(detect="off", authorize=RateLimit("2/minute", store=MemoryStore(clock=clock)))(
        ok
    )
    assert statuses(handler, [v2("203.0.113.1")] * 3) == [200, 200, 429]
    assert statuses(handler, [v2("203.0.113.2")] * 2) == [200, 200]
    assert statuses(handler, [v2("2001:db8::1")] * 3) == [200, 200, 429]


def test_principal_key_follows_the_caller_not_the_ip(clock) -> None:
    limiter = RateLimit("2/minute", key="principal", store=MemoryStore(clock=clock))
    handler = guard(detect="off", auth=HeaderIdentity(), authorize=limiter)(ok)
    alice = [v2(f"203.0.113.{i}", **{"x-test-user": "alice"}) for i in range(3)]
    assert statuses(handler, alice) == [200, 200, 429]
    assert statuses(handler, [v2("203.0.113.0", **{"x-test-user": "bob"})]) == [200]


def test_anonymous_callers_fall_back_to_their_ip(clock) -> None:
    limiter = RateLimit("2/minute", key="principal", store=MemoryStore(clock=clock))
    handler = guard(detect="off", auth=HeaderIdentity(), authorize=limiter)(ok)
    assert statuses(handler, [v2("203.0.113.9")] * 3) == [200, 200, 429]
    assert statuses(handler, [v2("203.0.113.10")]) == [200]


def test_tenant_key_shares_one_budget_per_tenant(clock) -> None:
    limiter = RateLimit("3/minute", key="tenant", store=MemoryStore(clock=clock))
    handler = guard(detect="off", auth=HeaderIdentity(), authorize=limiter)(ok)
    acme = [v2(**{"x-test-user": u, "x-test-tenant": "acme"}) for u in ("ann", "al", "ada", "amy")]
    assert statuses(handler, acme) == [200, 200, 200, 429]
    other = v2(**{"x-test-user": "ann", "x-test-tenant": "globex"})
    assert statuses(handler, [other]) == [200]


def test_unverified_api_key_headers_do_not_buy_fresh_budgets(clock) -> None:
    store = MemoryStore(clock=clock)
    handler = guard(detect="off", authorize=RateLimit("1/minute", key="api_key", store=store))(ok)
    made_up = [v2(**{"x-api-key": f"made-up-{n}"}) for n in range(3)]
    assert statuses(handler, made_up) == [200, 429, 429]  # limited by source IP instead
    assert not any("made-up" in key for key in store._logs)


def test_api_gateway_validated_key_id_is_the_key(clock) -> None:
    from tests.runtime._guard_events import apigw_v1

    store = MemoryStore(clock=clock)
    handler = guard(detect="off", authorize=RateLimit("1/minute", key="api_key", store=store))(ok)
    events = []
    for key_id in ("k-partner-1", "k-partner-1", "k-partner-2"):
        event = apigw_v1()
        event["requestContext"]["identity"]["apiKeyId"] = key_id
        events.append(event)
    assert statuses(handler, events) == [200, 429, 200]


def test_api_key_id_from_the_api_key_gate_wins(clock) -> None:
    class KeyGate:
        def check_request(self, request, access: Access) -> None:
            access.api_key_id = request.headers.get("x-key-id", "")

        def check_message(self, message, access: Access) -> None:
            return None

    limiter = RateLimit("1/minute", key="api_key", store=MemoryStore(clock=clock))
    handler = guard(detect="off", auth=KeyGate(), authorize=limiter)(ok)
    # the same key id from two IPs and two raw headers: one budget
    first = v2("203.0.113.1", **{"x-key-id": "partner-7", "x-api-key": "a"})
    second = v2("203.0.113.2", **{"x-key-id": "partner-7", "x-api-key": "b"})
    assert statuses(handler, [first, second]) == [200, 429]


def test_callable_key_and_messages(clock) -> None:
    def by_customer(item, access) -> str | None:
        text = getattr(item, "text", None)  # a message's raw payload (requests: None)
        return json.loads(text).get("customer") if text else None

    limiter = RateLimit("2/minute", key=by_customer, store=MemoryStore(clock=clock))
    seen: list[int] = []
    handler = guard(detect="off", authorize=limiter)(lambda e, c: seen.append(len(e["Records"])))
    event = sqs(*({"customer": "c1", "n": i} for i in range(3)), {"customer": "c2"})
    result = handler(event, None)
    third = event["Records"][2]["messageId"]
    assert result == {"batchItemFailures": [{"itemIdentifier": third}]}
    assert seen == [3]
    # requests: the callable returns None, so the source IP is the key
    assert statuses(guard(detect="off", authorize=limiter)(ok), [v2()] * 3) == [200, 200, 429]


def test_quota_applies_after_the_rate(clock) -> None:
    limiter = RateLimit("100/minute", quota="3/day", key="tenant", store=MemoryStore(clock=clock))
    handler = guard(detect="off", auth=HeaderIdentity(), authorize=limiter)(ok)
    acme = v2(**{"x-test-user": "ann", "x-test-tenant": "acme"})
    assert statuses(handler, [acme] * 4) == [200, 200, 200, 429]
    retry = int(handler(acme, Context())["headers"]["Retry-After"])
    assert 0 < retry <= 86_400
    clock.now += retry
    assert statuses(handler, [acme]) == [200]


def test_v1_events_are_limited_by_their_source_ip(clock) -> None:
    handler = guard(detect="off", authorize=RateLimit("1/minute", store=MemoryStore(clock=clock)))(
        ok
    )
    event = apigw_v1({"customer": "x", "items": []})
    assert statuses(handler, [event, event]) == [200, 429]

"""Rate limits shared through a real redis-server: several processes, outages, recovery."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

import pytest

from faasguard.runtime import guard
from faasguard.runtime.ratelimit import RateLimit, RedisStore
from tests.runtime._guard_events import Context, apigw_v2

PROCESSES = 4
REQUESTS = 50


def ok(event, context):
    return {"statusCode": 200, "body": "{}"}


def v2(ip: str = "198.51.100.23") -> dict:
    event = apigw_v2({"customer": "x", "items": []})
    event["requestContext"]["http"]["sourceIp"] = ip
    return event


def _hammer(url: str, options: dict, ips: list[str], start, out) -> None:
    handler = guard(detect="off", store=url, **options)(ok)
    events = [v2(ips[i % len(ips)]) for i in range(REQUESTS)]
    start.wait(10)
    out.put([(e["requestContext"]["http"]["sourceIp"], handler(e, Context())["statusCode"])
             for e in events])  # fmt: skip


def hammer(url: str, ips: list[str], **options) -> Counter:
    """PROCESSES processes x REQUESTS requests, released together; (ip, status) counts."""
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_hammer, args=(url, options, ips, start, out))
               for _ in range(PROCESSES)]  # fmt: skip
    for worker in workers:
        worker.start()
    start.set()
    results: Counter = Counter()
    for _ in workers:
        results.update(out.get(timeout=60))
    for worker in workers:
        worker.join(10)
        assert worker.exitcode == 0
    return results


def test_sliding_limit_holds_exactly_across_processes(redis_url: str) -> None:
    counts = hammer(redis_url, ["198.51.100.23"], rate="20/minute", rate_key="ip")
    assert counts[("198.51.100.23", 200)] == 20
    assert counts[("198.51.100.23", 429)] == PROCESSES * REQUESTS - 20


def test_gcra_limit_holds_across_processes(redis_url: str) -> None:
    started = time.monotonic()
    limiter = {"authorize": RateLimit("30/minute", algorithm="gcra", store=redis_url)}
    counts = hammer(redis_url, ["198.51.100.23"], **limiter)
    elapsed = time.monotonic() - started
    allowed = counts[("198.51.100.23", 200)]
    # a burst of 30, then one more every 2 s the test lasted
    assert 30 <= allowed <= 30 + int(elapsed / 2) + 1
    assert allowed + counts[("198.51.100.23", 429)] == PROCESSES * REQUESTS


def test_different_ips_have_independent_budgets(redis_url: str) -> None:
    ips = ["203.0.113.10", "203.0.113.11"]
    counts = hammer(redis_url, ips, rate="15/minute", rate_key="ip")
    for ip in ips:
        assert counts[(ip, 200)] == 15
        assert counts[(ip, 429)] == PROCESSES * REQUESTS // 2 - 15


def test_stable_interface_per_second(redis_url: str) -> None:
    """`guard(rate="N/second", rate_key="ip", store=...)`: beyond N a second, 429."""
    counts = hammer(redis_url, ["198.51.100.99"], rate="5/second", rate_key="ip")
    assert counts[("198.51.100.99", 429)] > 0
    assert counts[("198.51.100.99", 200)] >= 5
    handler = guard(detect="off", rate="5/second", rate_key="ip", store=redis_url)(ok)
    time.sleep(1.05)
    codes = [handler(v2("198.51.100.98"), Context())["statusCode"] for _ in range(8)]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]


def _outage_guard(url: str, fail: str, sink: list) -> object:
    limiter = RateLimit("3/minute", store=RedisStore(url, timeout=0.1, cooldown=0.2), fail=fail)
    return guard(detect="off", authorize=limiter, events=sink.append)(ok)


def test_fail_open_admits_during_an_outage_with_one_event(redis_server, redis_url) -> None:
    sink: list[dict] = []
    handler = _outage_guard(redis_url, "open", sink)
    assert [handler(v2(), Context())["statusCode"] for _ in range(4)] == [200, 200, 200, 429]
    redis_server.stop()
    during = [handler(v2(), Context())["statusCode"] for _ in range(20)]
    time.sleep(0.25)  # past the cool-down: the store is tried again, and still down
    during += [handler(v2(), Context())["statusCode"] for _ in range(5)]
    assert during == [200] * 25
    outages = [e for e in sink if e["unmapped"]["reason"] == "rate-limit-store-unavailable"]
    assert len(outages) == 1
    assert outages[0]["action"] == "Allowed" and "failing open" in outages[0]["status_detail"]
    redis_server.start()
    time.sleep(0.25)
    after = [handler(v2(), Context())["statusCode"] for _ in range(4)]
    assert after == [200, 200, 200, 429]  # limits apply again (the restarted server is empty)
    assert any(e["unmapped"]["reason"] == "rate-limit-store-recovered" for e in sink)


def test_fail_closed_answers_503_during_an_outage(redis_server, redis_url) -> None:
    sink: list[dict] = []
    handler = _outage_guard(redis_url, "closed", sink)
    assert handler(v2(), Context())["statusCode"] == 200
    redis_server.stop()
    responses = [handler(v2(), Context()) for _ in range(5)]
    assert [r["statusCode"] for r in responses] == [503] * 5
    assert all(r["headers"]["Retry-After"] == "1" for r in responses)
    assert '"urn:faasguard:problem:unavailable"' in responses[0]["body"]
    outages = [e for e in sink if e["unmapped"]["reason"] == "rate-limit-store-unavailable"]
    assert len(outages) == 1 and outages[0]["action"] == "Denied"
    redis_server.start()
    time.sleep(0.25)
    assert handler(v2(), Context())["statusCode"] == 200


@pytest.mark.parametrize("fail", ["open", "closed"])
def test_unreachable_store_at_cold_start_is_not_a_crash(fail: str) -> None:
    # nothing listens on port 1: connection refused on every attempt
    handler = guard(detect="off", rate="5/second", store="redis://127.0.0.1:1/0", rate_fail=fail)(
        ok
    )
    assert handler(v2(), Context())["statusCode"] == (200 if fail == "open" else 503)


def test_guard_rate_key_tenant_runs_after_authentication(redis_url: str) -> None:
    from tests.runtime.conftest import HeaderIdentity

    handler = guard(
        detect="off", auth=HeaderIdentity(), rate="3/minute", rate_key="tenant", store=redis_url
    )(ok)

    def as_user(user: str, tenant: str, ip: str) -> int:
        event = v2(ip)
        event["headers"].update({"x-test-user": user, "x-test-tenant": tenant})
        return handler(event, Context())["statusCode"]

    codes = [
        as_user(u, "acme", f"203.0.113.{i}") for i, u in enumerate(["ann", "al", "ada", "amy"])
    ]
    assert codes == [200, 200, 200, 429]
    assert as_user("gus", "globex", "203.0.113.1") == 200

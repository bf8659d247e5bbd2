"""Security review regressions (issue 5) for the shared store, its Redis client and the keys
rate limits are counted under."""

from __future__ import annotations

import pytest

from faasguard.runtime import guard
from faasguard.runtime._resp import encode
from faasguard.runtime._store import MemoryStore, RedisStore, open_store
from faasguard.runtime.ratelimit import RateLimit
from tests.runtime._guard_events import Context, alb


def ok(event, context):
    return {"statusCode": 200, "body": "{}"}


def test_keys_with_lone_surrogates_are_sent_not_mistaken_for_an_outage(redis_url: str) -> None:
    # JSON events may carry "\ud800" escapes; a key built from one is not a store failure
    store = RedisStore(redis_url)
    assert store.first_seen("webhook:github:delivery:d-\ud800", 30) is True
    assert store.first_seen("webhook:github:delivery:d-\ud800", 30) is False
    assert store.first_seen("webhook:github:delivery:d-\ud801", 30) is True
    assert store.gcra("ip:203.0.113.9", 5.0, 5).allowed  # no cool-down was started


def test_encode_is_length_prefixed_so_crlf_in_keys_cannot_inject_commands() -> None:
    wire = encode(("SET", "faasguard:seen:x\r\nFLUSHALL\r\n", 1))
    assert wire == b"*3\r\n$3\r\nSET\r\n$28\r\nfaasguard:seen:x\r\nFLUSHALL\r\n\r\n$1\r\n1\r\n"


def test_crlf_in_a_key_stays_one_key_on_a_real_server(redis_url: str) -> None:
    store = RedisStore(redis_url)
    injected = "x\r\n*1\r\n$8\r\nFLUSHALL\r\n"
    assert store.first_seen("canary", 60) is True
    assert store.first_seen(injected, 60) is True
    assert store.first_seen("canary", 60) is False  # nothing was flushed
    assert store.first_seen(injected, 60) is False


@pytest.mark.parametrize(
    "url",
    [
        "unix:///var/run/redis.sock?db=first&password=hunter2-secret",
        "redis://cache.internal:6379/zero?password=hunter2-secret",
        "redis://default:hunter2-secret@cache.internal:6379/zero",
    ],
)
def test_bad_store_url_error_does_not_show_the_password(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        open_store(url)
    assert "hunter2" not in str(caught.value)
    assert "cache.internal" in str(caught.value) or "redis.sock" in str(caught.value)


def _alb_from(client_supplied: str, multi_value: bool = False) -> dict:
    event = alb({"customer": "x"}, multi_value=multi_value)
    # ALB appends the address it accepted the connection from to what the client sent
    forwarded = f"{client_supplied}, 72.12.164.125"
    if multi_value:
        event["multiValueHeaders"]["x-forwarded-for"] = [forwarded]
    else:
        event["headers"]["x-forwarded-for"] = forwarded
    return event


@pytest.mark.parametrize("multi_value", [False, True])
def test_alb_client_cannot_choose_its_rate_limit_key_with_x_forwarded_for(multi_value) -> None:
    limiter = RateLimit("2/minute", key="ip", store=MemoryStore())
    handler = guard(detect="off", events=lambda e: None, authorize=limiter)(ok)
    spoofed = [_alb_from(f"10.0.0.{n}", multi_value) for n in range(4)]
    assert [handler(e, Context())["statusCode"] for e in spoofed] == [200, 200, 429, 429]


def test_alb_source_ip_is_the_last_forwarded_address() -> None:
    from faasguard.runtime._adapters import http_request

    assert http_request(_alb_from("1.2.3.4"), "alb").source_ip == "72.12.164.125"
    assert http_request(alb({}), "alb").source_ip == "72.12.164.125"

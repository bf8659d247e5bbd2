"""The guard's per-invocation shortcuts agree with the careful code they stand in for."""

from __future__ import annotations

import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from faasguard.runtime._adapters import http_request  # noqa: E402
from faasguard.runtime._guard import REDACT_FIELDS  # noqa: E402
from faasguard.runtime._limits import Limits, check_structure, parse_json  # noqa: E402
from faasguard.runtime._problems import Rejection  # noqa: E402
from faasguard.runtime._redact import _CARD, _RULES, Redactor, _card, _field_value  # noqa: E402

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=6),
    max_leaves=30,
)  # fmt: skip
SMALL_LIMITS = st.builds(
    Limits,
    max_depth=st.integers(1, 6) | st.just(64),
    max_keys=st.integers(0, 12),
    max_string_length=st.integers(0, 40) | st.just(10_000),
    max_array_length=st.integers(0, 8),
)


def _outcome(run: object) -> object:
    try:
        return ("ok", run())  # type: ignore[operator]
    except Rejection as rejection:
        return ("rejected", rejection.status, rejection.errors)


@settings(max_examples=400, deadline=None)
@given(JSON, SMALL_LIMITS)
def test_parse_json_skips_only_walks_that_could_not_fail(value, limits):
    text = json.dumps(value)

    def careful() -> object:
        parsed = json.loads(text)
        check_structure(parsed, limits)
        return parsed

    assert _outcome(lambda: parse_json(text, limits)) == _outcome(careful)


@pytest.mark.parametrize("n", range(1, 12))
def test_parse_json_still_counts_keys_and_items_of_compact_texts(n):
    compact = (",", ":")
    with pytest.raises(Rejection) as caught:
        parse_json(json.dumps({chr(97 + i): 0 for i in range(n + 1)}, separators=compact),
                   Limits(max_keys=n))  # fmt: skip
    assert caught.value.errors == [{"field": "", "rule": "max_keys"}]
    with pytest.raises(Rejection) as caught:
        parse_json(json.dumps([0] * (n + 1), separators=compact), Limits(max_array_length=n))
    assert caught.value.errors == [{"field": "", "rule": "max_array_length"}]


def _unfiltered(redactor: Redactor, text: str) -> str:
    """Redactor.__call__ without its needle pre-checks (no registered secrets here)."""
    if not text:
        return text
    if redactor._field_pattern is not None:
        text = redactor._field_pattern.sub(_field_value, text)
    for _, rewrite in _RULES:
        text = rewrite(text)
    return _CARD.sub(_card, text)


FIELD_FRAGMENTS = st.sampled_from(
    [f'"{name}": "v"' for name in (*REDACT_FIELDS, "pin")]
    + [f"{name.upper()}=v" for name in (*REDACT_FIELDS, "pin")]
)
FRAGMENTS = FIELD_FRAGMENTS | st.sampled_from([
    '{"password": "hunter2"}', "client_secret=abc", '"ID_TOKEN" : "x"', "apikey=k1", "Bearer ",
    "bearer abcdefghijkl", "AKIAABCDEFGHIJKLMNOP", "aws_secret_access_key = " + "A" * 40,
    "eyJhbGciOi.eyJzdWIiOi.sig", "zoe@example.com", "4111 1111 1111 1111", "5500-0000-0000-0004",
    "ssn", "cvv=123", "card_number", "Authorization: x", "SECRET", "@", " ", "ecret", "EARER",
])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=8), max_size=8), st.sampled_from([(), ("pin",)]))
def test_redaction_pre_checks_never_skip_a_rewrite(parts, extra_fields):
    redactor = Redactor((*REDACT_FIELDS, *extra_fields))
    text = "".join(parts)
    assert redactor(text) == _unfiltered(redactor, text)


def test_http_request_fills_every_field_of_a_rest_event():
    event = {
        "resource": "/orders/{id}", "path": "/orders/7", "httpMethod": "post",
        "headers": {"Content-Type": "application/json", "X-Amzn-Trace-Id": "Root=1-a"},
        "queryStringParameters": {"expand": "items"}, "pathParameters": {"id": "7"},
        "requestContext": {"requestId": "req-1", "authorizer": {"principalId": "u1"},
                           "identity": {"sourceIp": "203.0.113.7", "apiKeyId": "key-9"}},
        "body": "e30=", "isBase64Encoded": True,
    }  # fmt: skip
    request = http_request(event, "apigw-v1")
    assert (request.kind, request.method, request.path, request.route) == (
        "apigw-v1", "POST", "/orders/7", "POST /orders/{id}")  # fmt: skip
    assert request.headers == {"content-type": "application/json", "x-amzn-trace-id": "Root=1-a"}
    assert request.query == {"expand": "items"}
    assert request.path_params == {"id": "7"}
    assert (request.body, request.base64) == ("e30=", True)
    assert (request.source_ip, request.request_id, request.api_key_id) == (
        "203.0.113.7", "req-1", "key-9")  # fmt: skip
    assert request.authorizer == {"principalId": "u1"}
    assert request.identity is None


def test_http_request_fills_every_field_of_an_http_api_event():
    event = {
        "version": "2.0", "routeKey": "GET /items", "rawPath": "/items",
        "headers": {"x-amzn-trace-id": "Root=1-b"}, "cookies": ["a=1", "b=2"],
        "queryStringParameters": {"q": "tea"}, "pathParameters": None,
        "requestContext": {"domainName": "api.example.com",
                           "http": {"method": "GET", "sourceIp": "198.51.100.4"}},
    }  # fmt: skip
    request = http_request(event, "apigw-v2")
    assert (request.kind, request.method, request.path, request.route) == (
        "apigw-v2", "GET", "/items", "GET /items")  # fmt: skip
    assert request.headers == {"x-amzn-trace-id": "Root=1-b", "cookie": "a=1; b=2"}
    assert (request.query, request.path_params) == ({"q": "tea"}, {})
    assert (request.body, request.base64) == (None, False)
    assert (request.source_ip, request.request_id, request.api_key_id) == (
        "198.51.100.4", "Root=1-b", "")  # fmt: skip
    assert request.authorizer is None

"""Property-based: hostile and malformed events never crash the guard, whatever the adapter."""

from __future__ import annotations

import copy
import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from faasguard.runtime import Limits, guard  # noqa: E402
from faasguard.runtime._adapters import classify  # noqa: E402
from faasguard.runtime._view import HTTP_KINDS  # noqa: E402
from tests.runtime._guard_events import (  # noqa: E402
    GOOD_ORDER,
    ORDER_SCHEMA,
    Context,
    alb,
    apigw_v1,
    apigw_v2,
    dynamodb,
    eventbridge,
    function_url,
    kinesis,
    s3,
    schedule,
    sns,
    sqs,
)

TEMPLATES = [
    apigw_v1(), apigw_v2(), function_url(), alb(), alb(multi_value=True), sqs(GOOD_ORDER, "x"),
    sns(GOOD_ORDER), s3("a/b.png"), kinesis(GOOD_ORDER), dynamodb({"Id": {"N": "1"}}),
    eventbridge(GOOD_ORDER), schedule(),
]  # fmt: skip
HOSTILE_TEXT = st.sampled_from(
    [
        "", "\x00", "\ud800", "{", "[" * 3000, '{"a":' * 50, "1" * 5000, "AAAA====", "%",
        "' OR 1=1--", "<script>alert(1)</script>", "../../etc/passwd", "{{7*7}}",
        '{"$where": "sleep(1)"}', "\r\nSet-Cookie: a=b", "http://169.254.169.254/",
        "é" * 300, "null", "true",
    ]
) | st.text(max_size=200)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(HOSTILE_TEXT | st.sampled_from(["body", "Records", "headers"]), children,
                      max_size=4),
    max_leaves=20,
)  # fmt: skip


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


@st.composite
def mutated_events(draw):
    event = copy.deepcopy(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(1, 4))):
        targets = [p for p in paths(event) if p]
        if not targets:
            break
        path = draw(st.sampled_from(targets))
        parent = event
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(JSON)
    return event


def ok_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"echo": "fine"})}


GUARDS = [
    guard(schema=ORDER_SCHEMA, events=lambda e: None)(ok_handler),
    guard(detect="monitor", limits=Limits(max_depth=8, max_keys=50), events=lambda e: None)(
        ok_handler
    ),
    guard(detect="off", content_types=["application/json", "text/plain"])(ok_handler),
]


def assert_clean(response, event):
    if classify(event) in HTTP_KINDS:
        assert isinstance(response, dict)
        assert response["statusCode"] in (200, 400, 401, 403, 413, 415, 500, 503)
        if response["statusCode"] != 200:
            assert response["statusCode"] != 500, "guard failed internally"
            json.loads(response["body"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=mutated_events(), which=st.integers(0, len(GUARDS) - 1))
def test_mutated_events_never_escape(event, which):
    assert_clean(GUARDS[which](event, Context()), event)


@settings(max_examples=200, deadline=None)
@given(event=JSON)
def test_arbitrary_values_never_escape(event):
    for handler in GUARDS:
        handler(event, None)


@settings(max_examples=100, deadline=None)
@given(body=HOSTILE_TEXT | JSON.map(json.dumps), base64_flag=st.booleans())
def test_hostile_bodies_get_clean_answers(body, base64_flag):
    event = apigw_v1(body)
    event["isBase64Encoded"] = base64_flag
    for handler in GUARDS:
        assert_clean(handler(event, Context()), event)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event=st.sampled_from(TEMPLATES))
def test_handler_exceptions_are_never_swallowed_silently(event, caplog):
    caplog.clear()

    def broken(event, context):
        raise KeyError("boom")

    handler = guard(detect="off")(broken)
    if classify(event) in HTTP_KINDS:
        response = handler(copy.deepcopy(event), Context())
        assert response["statusCode"] == 500
        assert any("unhandled exception" in r.getMessage() for r in caplog.records)
    else:
        with pytest.raises(KeyError):
            handler(copy.deepcopy(event), Context())


# Strings near the edge of "quiet": its alphabet, apostrophes, accents, look-alikes, the words
# and fragments that make a quiet-looking string loud.
_EDGE_PIECES = st.sampled_from(
    ["a", "Z", "9", " ", "-", ".", ",", "@", "+", "_", "'", "ë", "É", "\u017f", "\uff33", "\u0130",
     "\t", "select", "SeLeCt", "by ", "true", "FALSE", "--", "..", ".ini", "0x", "convert.", "ping",
     "ls", "onload", "onMouseOver", "drop", "update", "\x00", "<", "/", ";", "{{", "\u212a"]
)  # fmt: skip
_EDGE_TEXT = st.lists(_EDGE_PIECES, max_size=8).map("".join)


@given(texts=st.lists(_EDGE_TEXT | st.text(max_size=12), max_size=12))
@settings(max_examples=400, deadline=None)
def test_batch_screen_flags_exactly_the_strings_the_per_string_rules_call_loud(texts) -> None:
    from faasguard.runtime.detectors import _is_quiet, _screen

    flagged = _screen.loud(texts)
    if flagged is None:  # a string holds the separator: every string is checked one by one
        assert any("\x00" in t for t in texts)
        return
    for index, text in enumerate(texts):
        assert (index in flagged) is not _is_quiet(text), text

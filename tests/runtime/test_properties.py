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


_ATTACKS = st.sampled_from(
    ["' OR 1=1 --", "<script>alert(1)</script>", "; cat /etc/passwd", "../../etc/passwd",
     "{{7*7}}", "http://169.254.169.254/latest/meta-data/", "Earl Grey (loose, 250 g)",
     "application/json", "Mozilla/5.0 (X11; Linux x86_64)", '{"$ne": 1}', "a\r\nSet-Cookie: x=1"]
)  # fmt: skip
_LEAF = (
    _EDGE_TEXT | _ATTACKS | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
)
_KEY = _EDGE_TEXT | st.sampled_from(["$where", "$ne", "$x", "0x2e0x2e", "user-agent", "items"])
_VALUES = st.recursive(
    _LEAF, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEY, inner, max_size=5),
    max_leaves=25,
)  # fmt: skip


def _full_walk(value: object, budget: int = 1000, categories: frozenset | None = None) -> list:
    """scan_value's answer the long way: every string with its field path, screened, scanned."""
    from faasguard.runtime import detectors

    gathered = detectors._Gathered(budget, categories is None or "nosqli" in categories)
    detectors._gather(value, "", gathered)
    indices = detectors._screen.loud(gathered.strings)
    return detectors._detections(gathered, indices, categories, 0)


_CATEGORY_SETS = st.sampled_from([None, frozenset({"sqli"}), frozenset({"xss", "nosqli"})])


@given(value=_VALUES, budget=st.sampled_from([1000, 3]), categories=_CATEGORY_SETS)
@settings(max_examples=500, deadline=None)
def test_known_clean_shortcut_gives_the_full_walks_answer(value, budget, categories) -> None:
    """scan_value first tries to prove a value clean from cached verdicts, without field paths;
    its answer, on a cold cache and on a warm one, is always that of the full walk."""
    from faasguard.runtime import detectors

    def full_walk() -> list:
        return _full_walk(value, budget, categories)

    expected = full_walk()
    detectors._VERDICTS.clear()
    assert detectors.scan_value(value, categories=categories, max_strings=budget) == expected
    assert detectors.scan_value(value, categories=categories, max_strings=budget) == expected
    assert full_walk() == expected  # and the verdicts it cached change nothing

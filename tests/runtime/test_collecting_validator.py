"""The schema's collecting validator: it validates exactly as compile_fast does, hands on every
string a valid value holds (or the part holding it), and the guard that reads a JSON body's
strings from it blocks and passes exactly what the full detection walk does."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.runtime import Guard, Limits
from faasguard.runtime._schema import (
    MAX_SCHEMA_DEPTH,
    SchemaViolation,
    compile_collecting,
    compile_fast,
)
from faasguard.runtime._validation import COLLECTED_MAX_DEPTH
from tests.runtime._guard_events import Context, apigw_v1, s3, sqs
from tests.runtime.test_schema_compiler import (
    GOOD_ORDER,
    ORDER_SCHEMA,
    SCHEMAS,
    _reference,
    instance_for,
)

ATTACKS = [
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "; cat /etc/passwd",
    "../../../../etc/passwd",
    "{{7*7}}",
    '{"$where": "sleep(1000)"}',
]


def _outcome(check: Any, value: object, *collectors: Any) -> object:
    try:
        check(copy.deepcopy(value), *collectors)
    except SchemaViolation as violation:
        return violation.path, violation.rule
    except (TypeError, ValueError, ArithmeticError) as error:
        return type(error).__name__
    return None


def _strings(value: object, keys: list[str], values: list[str]) -> None:
    """Every mapping key into `keys`, every other string into `values`."""
    if isinstance(value, str):
        values.append(value)
    elif isinstance(value, dict):
        for key, sub in value.items():
            keys.append(key)
            _strings(sub, keys, values)
    elif isinstance(value, (list, tuple)):
        for sub in value:
            _strings(sub, keys, values)


def _assert_covers(value: object, collected: list[object], rest: list[object]) -> None:
    """What the detectors would read (collected strings, the rest walked with its keys) holds
    every string value and every key that is not an identifier; and only the value's own."""
    keys: list[str] = []
    values: list[str] = []
    _strings(value, keys, values)
    rest_keys: list[str] = []
    rest_values: list[str] = []
    for part in rest:
        _strings(part, rest_keys, rest_values)
    read = set(collected) | set(rest_keys) | set(rest_values)
    assert set(values) <= read
    assert {key for key in keys if not key.isidentifier()} <= read
    assert set(collected) <= set(keys) | set(values)
    assert all(type(text) is str for text in collected)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_collecting_validates_as_compile_fast_and_covers_every_string(data: st.DataObject) -> None:
    schema = data.draw(SCHEMAS, label="schema")
    try:
        _reference(json.dumps(schema))
    except (fastjsonschema.JsonSchemaDefinitionException, re.error):
        assert compile_collecting(schema) is None
        return
    check, collect = compile_fast(schema), compile_collecting(schema)
    assert check is not None and collect is not None, schema
    for _ in range(4):
        value = data.draw(instance_for(schema), label="instance")
        collected: list[object] = []
        rest: list[object] = []
        outcome = _outcome(collect, value, collected.append, rest.append)
        assert outcome == _outcome(check, value)
        if outcome is None:
            _assert_covers(value, collected, rest)
            if not rest:  # then the guard skips the nesting-depth check
                assert _depth(value) <= COLLECTED_MAX_DEPTH


def _depth(value: object) -> int:
    """Containers nested, as check_structure counts them (a lone container is 1)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, (list, tuple)):
        return 1 + max(map(_depth, value), default=0)
    return 0


def test_collected_depth_bound_follows_the_schema_depth_limit() -> None:
    assert COLLECTED_MAX_DEPTH == MAX_SCHEMA_DEPTH + 1
    schema: dict[str, Any] = {"type": "string"}
    value: object = "leaf"
    for _ in range(MAX_SCHEMA_DEPTH):
        schema = {"type": "object", "properties": {"k": schema}}
        value = {"k": value}
    collect = compile_collecting(schema)
    assert collect is not None
    rest: list[object] = []
    collect(value, [].append, rest.append)
    assert rest == [] and _depth(value) == COLLECTED_MAX_DEPTH - 1


def test_order_body_strings_are_collected_without_a_walk() -> None:
    collect = compile_collecting(ORDER_SCHEMA)
    assert collect is not None
    collected: list[object] = []
    rest: list[object] = []
    collect(GOOD_ORDER, collected.append, rest.append)
    assert rest == []
    assert sorted(collected) == sorted([
        "Zoë O'Brien", "zoe.obrien@example.com", GOOD_ORDER["note"],
        "12 Rue de l'Église", "Lyon", "69002", "FR",
        "SKU-1000", "Blue ceramic mug", "SKU-1001", "Tea strainer", "SKU-1002", "Honey jar 500 g",
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "value", "to_walk"),
    [
        # an undeclared key: the object goes whole to the walk
        (ORDER_SCHEMA, {**GOOD_ORDER, "gift": "yes"}, "root"),
        # keys named by patternProperties
        ({"type": "object", "patternProperties": {"^x": {"type": "string"}}}, {"xa": "1"}, "root"),
        # a declared operator key
        ({"type": "object", "properties": {"$ne": {"type": "string"}}}, {"$ne": "1"}, "root"),
        # no type, several types, any items
        ({"properties": {"a": {"type": "string"}}}, {"a": "1"}, "root"),
        ({"type": ["string", "object"]}, "text", "root"),
        ({"type": "array"}, ["a", {"b": "c"}], "root"),
        ({"type": "object", "properties": {"a": {}}}, {"a": ["x"]}, ["x"]),
        ({"type": "object", "properties": {"a": True}}, {"a": {"k": "v"}}, {"k": "v"}),
    ],
)
def test_parts_the_schema_does_not_pin_down_go_to_the_walk(
    schema: dict[str, Any], value: object, to_walk: object
) -> None:
    collect = compile_collecting(schema)
    assert collect is not None
    rest: list[object] = []
    collect(value, [].append, rest.append)
    assert rest == [value if to_walk == "root" else to_walk]


def test_declared_keys_that_are_not_identifiers_are_collected_when_present() -> None:
    schema = {"type": "object", "properties": {"first-name": {"type": "integer"}, "ok": {}}}
    collect = compile_collecting(schema)
    assert collect is not None
    collected: list[object] = []
    collect({"first-name": 1}, collected.append, [].append)
    assert collected == ["first-name"]
    collected.clear()
    collect({"ok": 1}, collected.append, [].append)
    assert collected == []


# -- the guard: the collecting path decides exactly as the full walk ------------------------


def _guards(schema: dict[str, Any], limits: Limits | None = None) -> tuple[Guard, Guard]:
    fast = Guard(schema=schema, detect="block", limits=limits, events=lambda event: None)
    walk = Guard(schema=schema, detect="block", limits=limits, events=lambda event: None)
    walk.body_collector = None  # every body through the full detection walk
    return fast, walk


def _answer(guard: Guard, body: object, event: dict | None = None) -> tuple[object, object]:
    """The status, and the problem's errors (field and rule) when rejected."""
    handler = guard(lambda event, context: {"statusCode": 201, "body": ""})
    result = handler(event or apigw_v1(body), Context())
    if result["statusCode"] == 201:
        return 201, None
    return result["statusCode"], json.loads(result["body"]).get("errors")


def test_guard_uses_the_collector_for_a_json_body_with_a_schema() -> None:
    fast, walk = _guards(ORDER_SCHEMA)
    assert fast.body_collector is not None and walk.body_collector is None
    assert Guard(schema=ORDER_SCHEMA, detect="off").body_collector is None
    assert Guard(detect="block").body_collector is None


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize(
    "place",
    ["customer", "note", "shipping.city", "items.name", "extra value", "extra key", "nested extra"],
)
def test_guard_blocks_an_attack_anywhere_in_the_body_as_the_walk_does(
    attack: str, place: str
) -> None:
    body = copy.deepcopy(GOOD_ORDER)
    if place == "customer":
        body["customer"] = attack[:100]
    elif place == "note":
        body["note"] = attack
    elif place == "shipping.city":
        body["shipping"]["city"] = attack
    elif place == "items.name":
        body["items"][1]["name"] = attack
    elif place == "extra value":
        body["coupon"] = attack
    elif place == "extra key":
        body[attack] = "1"
    else:
        body["items"][0]["meta"] = {"tags": [attack]}
    fast, walk = _guards(ORDER_SCHEMA)
    expected = _answer(walk, body)
    assert expected[0] == 403, (place, attack)
    assert _answer(fast, body) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_guard_answers_as_the_walk_for_any_schema_and_body(data: st.DataObject) -> None:
    schema = data.draw(SCHEMAS, label="schema")
    if not isinstance(schema, dict) or compile_collecting(schema) is None:
        return
    value = data.draw(instance_for(schema), label="instance")
    value = json.loads(json.dumps(value))  # what a parsed body holds
    if data.draw(st.booleans(), label="plant"):
        value = _plant(value, data.draw(st.sampled_from(ATTACKS), label="attack"), data)
    fast, walk = _guards(schema)
    assert _answer(fast, value) == _answer(walk, value)


def _plant(value: object, attack: str, data: st.DataObject) -> object:
    """The value with one string (or key) replaced by the attack."""
    if isinstance(value, str) or not isinstance(value, (dict, list)) or not value:
        return attack
    if isinstance(value, list):
        index = data.draw(st.integers(0, len(value) - 1))
        return [_plant(v, attack, data) if i == index else v for i, v in enumerate(value)]
    key = data.draw(st.sampled_from(sorted(value)))
    if data.draw(st.booleans()):
        return {**value, key: _plant(value[key], attack, data)}
    return {(attack if k == key else k): v for k, v in value.items()}


def _nest(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"k": [value]}
    return value


@pytest.mark.parametrize(
    ("body", "limits", "status"),
    [
        ({**GOOD_ORDER, "extra": _nest(20)}, None, 413),  # an extra part nests past 32
        ({"items": [], "extra": _nest(20)}, None, 413),  # invalid too: 413 comes first
        ({"items": "not a list", "extra": _nest(20)}, None, 413),
        ({**GOOD_ORDER, "extra": _nest(10)}, None, 201),
        ({**GOOD_ORDER, "extra": _nest(10)}, Limits(max_depth=8), 413),
        (GOOD_ORDER, Limits(max_depth=2), 413),  # the schema's own depth, past a low limit
        (GOOD_ORDER, Limits(max_depth=3), 201),
    ],
)
def test_nesting_limit_holds_on_the_collecting_path(
    body: object, limits: Limits | None, status: int
) -> None:
    for guard in _guards(ORDER_SCHEMA, limits):
        assert _answer(guard, body)[0] == status


def _request_with(place: str, attack: str) -> dict:
    if place == "query value":
        return apigw_v1(query={"q": attack})
    if place == "query key":
        return apigw_v1(query={attack: "1"})
    if place == "query list":
        event = apigw_v1(query={"tag": "a"})
        event["multiValueQueryStringParameters"] = {"tag": ["a", attack]}
        return event
    if place == "path parameter":
        event = apigw_v1()
        event["pathParameters"] = {"id": attack}
        return event
    if place == "url":
        return apigw_v1(path="/orders/" + attack)
    return apigw_v1(headers={place: attack})


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize(
    "place",
    ["query value", "query key", "query list", "path parameter", "url", "User-Agent", "Referer"],
)
def test_guard_blocks_an_attack_around_a_valid_body_as_the_walk_does(
    attack: str, place: str
) -> None:
    fast, walk = _guards(ORDER_SCHEMA)
    event = _request_with(place, attack)
    expected = _answer(walk, None, copy.deepcopy(event))
    assert expected[0] == 403, (place, attack)
    assert _answer(fast, None, event) == expected


def test_scanned_header_names_are_checked_when_the_guard_is_built() -> None:
    quiet = Guard(schema=ORDER_SCHEMA, events=lambda event: None)
    odd = Guard(schema=ORDER_SCHEMA, scan_headers=["x-q' or 1=1--"], events=lambda event: None)
    assert quiet._scan_names_clean and not odd._scan_names_clean
    status, errors = _answer(odd, None, apigw_v1(headers={"X-Q' or 1=1--": "plain"}))
    assert status == 403 and errors[0]["field"] == "headers.x-q' or 1=1--"


@pytest.mark.parametrize("attack", ATTACKS)
def test_batch_records_are_rejected_as_the_walk_rejects_them(attack: str) -> None:
    bodies = [
        GOOD_ORDER,
        {**GOOD_ORDER, "note": attack},
        {**GOOD_ORDER, "gift": {"message": attack}},
        {**GOOD_ORDER, attack: "1"},
    ]
    answers = []
    for guard in _guards(ORDER_SCHEMA):
        seen: list[int] = []
        handler = guard(lambda event, context, seen=seen: seen.append(len(event["Records"])))
        answers.append([handler(sqs(*bodies), Context()), handler(s3("a.csv", attack), Context())])
        answers[-1].append(seen)
    assert answers[0] == answers[1]
    assert len(answers[0][0]["batchItemFailures"]) == 3
    assert answers[0][2] == [1, 1]  # one record of each batch reached the handler

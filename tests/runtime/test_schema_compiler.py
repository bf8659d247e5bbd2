"""compile_fast against fastjsonschema: same accept/reject, same first (path, rule), and None
for every schema outside the subset or that fastjsonschema refuses to compile."""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any

import fastjsonschema
import pytest
from fastjsonschema.draft07 import CodeGeneratorDraft07
from fastjsonschema.draft2019 import CodeGeneratorDraft2019
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faasguard.runtime import _schema
from faasguard.runtime._schema import SchemaViolation, compile_fast
from tests.runtime._guard_events import ORDER_SCHEMA as GUARD_ORDER_SCHEMA


def _order_schema() -> dict[str, Any]:
    """The guard tests' order schema, open to extra keys, with e-mail, shipping and prices."""
    schema = copy.deepcopy(GUARD_ORDER_SCHEMA)
    del schema["additionalProperties"]
    schema["properties"]["email"] = {"type": "string", "format": "email"}
    schema["properties"]["note"]["maxLength"] = 500
    schema["properties"]["shipping"] = {
        "type": "object",
        "properties": {k: {"type": "string"} for k in ("street", "city", "zip", "country")},
    }
    schema["properties"]["items"]["items"]["properties"]["price"] = {"type": "number"}
    return schema


ORDER_SCHEMA: dict[str, Any] = _order_schema()
GOOD_ORDER: dict[str, Any] = {
    "customer": "Zoë O'Brien",
    "email": "zoe.obrien@example.com",
    "note": "Please leave the parcel with the neighbour at number 12 if nobody is home.",
    "shipping": {"street": "12 Rue de l'Église", "city": "Lyon", "zip": "69002", "country": "FR"},
    "items": [
        {"sku": f"SKU-{1000 + n}", "qty": n + 1, "name": name, "price": 9.5 + n}
        for n, name in enumerate(["Blue ceramic mug", "Tea strainer", "Honey jar 500 g"])
    ],
}

# (path without the leading "data", rule); a crash is (["crash: <error type>"], None)
Outcome = tuple[list[str], str | None] | None


@lru_cache(maxsize=512)
def _reference(schema_json: str) -> Any:
    return fastjsonschema.compile(json.loads(schema_json))


def reference_outcome(schema: dict[str, Any], value: object) -> Outcome:
    """fastjsonschema's verdict: None, or (path without the leading "data", rule)."""
    validate = _reference(json.dumps(schema, sort_keys=False))
    copied = copy.deepcopy(value)
    try:
        validate(copied)
    except fastjsonschema.JsonSchemaValueException as error:
        return error.path[1:], error.rule
    except (TypeError, ValueError, ArithmeticError) as error:  # e.g. a list inside a tuple
        return [f"crash: {type(error).__name__}"], None
    assert copied == value  # no defaults in the subset, so nothing is filled in
    return None


def fast_outcome(schema: dict[str, Any], value: object) -> Outcome:
    """Our verdict, with the path rendered the way fastjsonschema names fields."""
    check = compile_fast(schema)
    assert check is not None, schema
    copied = copy.deepcopy(value)
    try:
        check(copied)
    except SchemaViolation as violation:
        name = "data" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in violation.path)
        as_reference = fastjsonschema.JsonSchemaValueException("", name=name).path[1:]
        return as_reference, violation.rule
    except (TypeError, ValueError, ArithmeticError) as error:  # where fastjsonschema crashes
        return [f"crash: {type(error).__name__}"], None
    assert copied == value
    return None


def assert_agree(schema: dict[str, Any], value: object) -> Outcome:
    expected = reference_outcome(schema, value)
    assert fast_outcome(schema, value) == expected, (schema, value)
    return expected


# -- realistic: the benchmark's order schema -------------------------------------------------


def order(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(GOOD_ORDER)
    body.update(changes)
    return body


def item(**changes: Any) -> dict[str, Any]:
    return {"sku": "SKU-1", "qty": 2, **changes}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GOOD_ORDER, None),
        (order(items=[item(qty=1.0)], extra={"anything": [1]}), None),
        (order(items=(item(), item(sku="ABC"))), None),  # a tuple is an array
        ({"items": []}, ([], "required")),
        (order(customer=None), (["customer"], "type")),
        (order(customer="é" * 100 + "😀"), (["customer"], "maxLength")),
        (order(customer="😀" * 100), None),  # astral characters count once
        (order(email="zoe..obrien@example.com"), (["email"], "format")),
        (order(email="zoe@localhost"), (["email"], "format")),
        (order(shipping={"city": 69002}), (["shipping", "city"], "type")),
        (order(items=[item(), item(qty=0)]), (["items", "1", "qty"], "minimum")),
        (order(items=[item(qty=True)]), (["items", "0", "qty"], "type")),
        (order(items=[item(qty=2.5)]), (["items", "0", "qty"], "type")),
        (order(items=[item(sku="SKU-1\n")]), (["items", "0", "sku"], "pattern")),
        (order(items=[item(sku="sku-1")]), (["items", "0", "sku"], "pattern")),
        (order(items=[item(price="9.50")]), (["items", "0", "price"], "type")),
        (order(items=[item(price=False)]), (["items", "0", "price"], "type")),
        (order(items=[{"sku": "SKU-1"}]), (["items", "0"], "required")),
        (order(items=[item()] * 51), (["items"], "maxItems")),
        (order(items={"0": item()}), (["items"], "type")),
        ([GOOD_ORDER], ([], "type")),
    ],
)
def test_order_schema_matches_fastjsonschema(body: object, expected: Outcome) -> None:
    assert assert_agree(ORDER_SCHEMA, body) == expected


def test_violation_carries_real_keys_and_indexes() -> None:
    check = compile_fast(ORDER_SCHEMA)
    assert check is not None
    check(GOOD_ORDER)
    with pytest.raises(SchemaViolation) as caught:
        check(order(items=[item(), item(), item(qty=-3)]))
    assert (caught.value.path, caught.value.rule) == (["items", 2, "qty"], "minimum")
    assert isinstance(caught.value, ValueError)


def test_first_extra_property_is_the_one_fastjsonschema_reports() -> None:
    """fastjsonschema visits extra keys in the order of a set of the keys, not the dict's."""
    schema = {"properties": {"keep": {}}, "additionalProperties": {"type": "integer"}}
    for size in (2, 5, 9, 17, 40):
        body = {f"key{n}.x": f"bad{n}" for n in range(size)} | {"keep": "ok", "7": 7}
        assert assert_agree(schema, body) is not None
        reversed_body = dict(reversed(body.items()))
        assert assert_agree(schema, reversed_body) is not None


def test_extra_property_that_crashes_yields_to_the_failure_fastjsonschema_meets_first() -> None:
    """An extra value fastjsonschema cannot even check (uniqueItems over a tuple holding a
    list: unhashable) and one that violates maxItems: which one it gives depends on its set
    order of the keys, and so does ours, whatever the dict's order."""
    schema = {"type": "object", "additionalProperties": {"uniqueItems": True, "maxItems": 1}}
    for size in range(1, 24):
        body = {"crash": (([],),)} | {f"x[{n}]": (None, None) for n in range(size)}
        assert assert_agree(schema, body) is not None
        assert assert_agree(schema, dict(reversed(body.items()))) is not None


# -- subset boundaries ------------------------------------------------------------------------

UNSUPPORTED = [
    {"properties": {"a": {"type": "string", "default": "x"}}},
    {"items": {"default": 1}},
    {"$ref": "#/definitions/a", "definitions": {"a": {}}},
    {"properties": {"a": {"$ref": "#"}}},
    {"allOf": [{"type": "string"}]},
    {"anyOf": [{"type": "string"}]},
    {"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"},
    {"$schema": "https://json-schema.org/draft/2020-12/schema"},
    {"$schema": ["draft-07"]},
    {"type": "string", "format": "date"},  # a format fastjsonschema checks and we do not
    {"type": "string", "format": 3},
    {"properties": {"a": "string"}},
    {"items": [{"type": "string"}]},
    {"properties": {"a": {"type": "text"}}},
    {"type": ("string",)},
    {"enum": ("a", "b")},
    {"enum": [float("nan")]},
    {"const": {"$ref": "http://example.com/x"}},
    {"minimum": float("inf")},
    {"minimum": True},
    {"maxLength": "3"},
    {"multipleOf": 0},
    {"uniqueItems": 1},
    {"required": "a"},
    {"additionalProperties": None},
    {"$id": "http://example.com/s.json#frag"},
    {"nullable": True},
    {"pattern": "[$]"},  # becomes "[\\Z]", which does not compile
    {"pattern": "("},
    {"patternProperties": {"(": {}}},
    {"pattern": "a$", "properties": {"b": {"patternProperties": {"a$": {}}}}},
    {"pattern": "email_re_pattern", "format": "email"},
    {"required": ["a", "a"]},
    {"required": ["a"], "additionalProperties": False},
    {"required": ["a"], "additionalProperties": {}},
    {"type": "integer", "required": ["a", "a"]},  # checked even though no object can get there
    {"type": "string", "items": {"minimum": "1"}},
    {1: {}},
]


def _nested(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    for _ in range(depth):
        schema = {"items": schema}
    return schema


@pytest.mark.parametrize("schema", [*UNSUPPORTED, _nested(_schema.MAX_SCHEMA_DEPTH + 1)])
def test_schemas_outside_the_subset_give_none(schema: dict[str, Any]) -> None:
    assert compile_fast(schema) is None


@pytest.mark.parametrize(
    "schema",
    [
        {"required": ["a", "a"]},
        {"required": ["a"], "additionalProperties": False},
        {"type": "integer", "required": ["a", "a"]},
        {"pattern": "("},
        {"pattern": "[$]"},
        {"maxLength": "3"},
        {"properties": {"a": "string"}},
        {"type": "text"},
    ],
)
def test_invalid_schemas_are_left_for_fastjsonschema_to_report(schema: dict[str, Any]) -> None:
    assert compile_fast(schema) is None
    with pytest.raises((fastjsonschema.JsonSchemaDefinitionException, re.error)):
        fastjsonschema.compile(schema)


def test_deepest_supported_schema_still_compiles_in_fastjsonschema() -> None:
    deepest = _nested(_schema.MAX_SCHEMA_DEPTH)
    assert compile_fast(deepest) is not None
    value: object = 1
    for _ in range(_schema.MAX_SCHEMA_DEPTH):
        value = [value]
    assert assert_agree(deepest, value) is None


def test_known_formats_are_fastjsonschemas() -> None:
    """A new fastjsonschema format must not silently become 'ignored' here."""
    assert set(CodeGeneratorDraft2019.FORMAT_REGEXS) | {"regex"} == _schema._FORMATS_DRAFT2019
    assert set(CodeGeneratorDraft07.FORMAT_REGEXS) | {"regex"} == _schema._FORMATS_DRAFT07


def test_annotations_and_unknown_formats_are_ignored_like_fastjsonschema() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://example.com/order.json",
        "title": "t",
        "description": "d",
        "$comment": {"why": ["x"]},
        "examples": [{"a": 1}],
        "properties": {"id": {"type": "string", "format": "uuid"}, "c": {"format": "colour"}},
    }
    assert assert_agree(schema, {"id": "not-a-uuid", "c": 1}) is None  # uuid: not in draft-07
    schema.pop("$schema")  # fastjsonschema's default generator checks uuid
    assert assert_agree(schema, {"id": "not-a-uuid"}) == (["id"], "format")


# -- differential property tests --------------------------------------------------------------

KEYS = ["a", "b", "sku", "a.b", "x[0]", "é", "1", "{k}", 'q"', ""]
PATTERNS = ["^a", "b$", "^[A-Z0-9-]{3,20}$", r"\d", "^é+$", r"x\$", "^$", "."]
KEY_PATTERNS = ["^a", r"\d", "^x", "z$"]  # none shared with PATTERNS: see UNSUPPORTED
FORMATS = ["email", "ipv4", "uuid", "regex", "unknown-format"]
NUMBERS = [0, 1, -1, 2, 3, 0.5, 2.5, 0.01, 1e300, 10**20, -7.25]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -1, 1.0, 0.0, -0.0, 2.5, 3, 10**20, 1e300, True, False]),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "a", "é", "😀😀", "SKU-1001", "a@b.co", "1.2.3.4", "x$", "b\n"]),
    st.text(max_size=6),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    ),
    max_leaves=8,
)
JSON_SCHEMA_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 2.5, "a", ""])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=2)
    ),
    max_leaves=5,
)
TYPE_NAMES = ["null", "boolean", "integer", "number", "string", "array", "object"]


def keyword_strategies(sub: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    count = st.one_of(st.integers(0, 4), st.sampled_from([1.5, 2.0]))
    number = st.sampled_from(NUMBERS)
    return {
        "type": st.one_of(
            st.sampled_from(TYPE_NAMES),
            st.lists(st.sampled_from(TYPE_NAMES), max_size=3),
        ),
        "enum": st.lists(JSON_SCHEMA_VALUE, max_size=4),
        "const": JSON_SCHEMA_VALUE,
        "minLength": count,
        "maxLength": count,
        "pattern": st.sampled_from(PATTERNS),
        "format": st.sampled_from(FORMATS),
        "minimum": number,
        "maximum": number,
        "exclusiveMinimum": number,
        "exclusiveMaximum": number,
        "multipleOf": st.sampled_from([1, 2, 3, 0.5, 0.01, 2.5]),
        "minItems": count,
        "maxItems": count,
        "uniqueItems": st.booleans(),
        "items": sub,
        "minProperties": count,
        "maxProperties": count,
        "required": st.lists(st.sampled_from(KEYS), max_size=3, unique=True),
        "properties": st.dictionaries(st.sampled_from(KEYS), sub, max_size=4),
        "patternProperties": st.dictionaries(st.sampled_from(KEY_PATTERNS), sub, max_size=2),
        "additionalProperties": st.one_of(st.booleans(), sub),
        "title": st.just("annotation"),
    }


KINDS: dict[str, list[str]] = {
    "object": [
        "minProperties", "maxProperties", "required", "properties", "patternProperties",
        "additionalProperties",
    ],
    "array": ["minItems", "maxItems", "uniqueItems", "items"],
    "string": ["minLength", "maxLength", "pattern", "format"],
    "number": ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
    "any": ["enum", "const", "type", "title"],
}  # fmt: skip
KIND_TYPES = {
    "object": ["object", ["object", "null"]],
    "array": ["array", ["array", "string"]],
    "string": ["string", ["string", "integer"]],
    "number": ["number", "integer", ["integer", "null"], ["integer", "boolean"]],
    "any": ["null", "boolean", []],
}


@st.composite
def schema_objects(draw: st.DrawFn, sub: st.SearchStrategy[Any]) -> dict[str, Any]:
    """Mostly the keywords of one kind of value, sometimes typed, plus a few stray keywords."""
    strategies = keyword_strategies(sub)
    kind = draw(st.sampled_from(sorted(KINDS)))
    names = draw(st.lists(st.sampled_from(KINDS[kind]), min_size=1, max_size=4, unique=True))
    names += draw(st.lists(st.sampled_from(sorted(strategies)), max_size=2, unique=True))
    schema = {name: draw(strategies[name]) for name in dict.fromkeys(names)}
    if draw(st.integers(0, 2)) == 0:
        schema["type"] = draw(st.sampled_from(KIND_TYPES[kind]))
    return schema


SCHEMAS = st.recursive(
    st.one_of(st.just({}), st.booleans(), schema_objects(st.just({}))),
    schema_objects,
    max_leaves=6,
).filter(lambda schema: isinstance(schema, dict))

STRING_VALUES = st.one_of(
    st.sampled_from(
        [
            "", "a", "ab", "abc", "b", "ab\n", "1", "x$", "é", "ééé", "😀😀😀", "SKU-1", "A-1",
            "a@b.co", "a..b@c.d", "1.2.3.4", "256.1.1.1", "123e4567-e89b-12d3-a456-426614174000",
            "(", "[a-z]",
        ]
    ),
    st.text(max_size=5),
)  # fmt: skip
NUMBER_VALUES = st.one_of(
    st.sampled_from([0, 1, 2, 3, 4, 6, -1, 0.5, 1.0, 2.5, 3.0, 7.5, 0.01, 0.03, 19.01, 1e300]),
    st.sampled_from([10**20, 10**20 + 1, -0.0, True, False, 2.0000001]),
    st.integers(-10, 10),
    st.floats(-10, 10, allow_nan=False),
)


def _kind_of(schema: dict[str, Any]) -> str:
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    for kind, keywords in KINDS.items():
        if kind in types or any(keyword in schema for keyword in keywords):
            return kind
    return "integer" if "integer" in types else "any"


@st.composite
def instance_for(draw: st.DrawFn, schema: object, depth: int = 0) -> object:
    """Mostly values shaped like the schema (declared keys, items), some mutated, some random."""
    if depth > 4 or not isinstance(schema, dict) or draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    if "enum" in schema and schema["enum"] and draw(st.booleans()):
        return copy.deepcopy(draw(st.sampled_from(schema["enum"])))
    if "const" in schema and draw(st.booleans()):
        return copy.deepcopy(schema["const"])
    kind = _kind_of(schema)
    if kind == "object":
        properties = schema.get("properties", {})
        keys = draw(
            st.lists(st.sampled_from([*KEYS, "ab", "x1", "zz", "xz\n"]), max_size=5, unique=True)
        )
        keys += [k for k in schema.get("required", []) if draw(st.integers(0, 5))]
        result = {}
        for key in dict.fromkeys(keys):
            sub = properties.get(key, schema.get("additionalProperties", {}))
            result[key] = draw(instance_for(sub, depth + 1))
        return result
    if kind == "array":
        values = draw(st.lists(instance_for(schema.get("items", {}), depth + 1), max_size=4))
        return tuple(values) if draw(st.integers(0, 4)) == 0 else values
    if kind == "string":
        return draw(STRING_VALUES)
    if kind in ("number", "integer"):
        return draw(NUMBER_VALUES)
    return draw(JSON)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_same_verdict_path_and_rule_as_fastjsonschema(data: st.DataObject) -> None:
    schema = data.draw(SCHEMAS, label="schema")
    try:
        _reference(json.dumps(schema))
    except (fastjsonschema.JsonSchemaDefinitionException, re.error):
        assert compile_fast(schema) is None
        return
    assert compile_fast(schema) is not None, schema
    for _ in range(4):
        assert_agree(schema, data.draw(instance_for(schema), label="instance"))


STRINGS_NEAR_FORMATS = st.one_of(
    st.text(alphabet="ab.@\n-", max_size=10),
    st.text(alphabet="0125.9\u0661 ", max_size=16),
    st.text(alphabet="0aF-g", min_size=30, max_size=40),
    st.sampled_from(
        [
            "a@b.c",
            ".a@b.c",
            "a.@b.c",
            "a..b@c.d",
            "a\n..b@c.d",
            "a..b\n@c.d",
            "a@.b",
            "a@b.",
            "a@@b.c",
            "a@b..c",
            "255.255.255.255",
            "256.1.1.1",
            "01.1.1.1",
            "1.1.1",
            "0.0.0.0",
            "1.1.1.1\n",
            "123e4567-e89b-12d3-a456-426614174000",
            "(",
            "[a-z]+",
            "\u0661.1.1.1",
        ]
    ),
)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(FORMATS), STRINGS_NEAR_FORMATS)
def test_formats_accept_exactly_what_fastjsonschema_accepts(name: str, text: str) -> None:
    assert_agree({"format": name}, text)


@pytest.mark.parametrize(
    "items",
    [
        [1, True], [0, False], [1, 1.0], [[1], [True]], [{"a": 1}, {"a": True}],
        [{"a": [1]}, {"a": [1]}], [(1,), [1]], ["a", "a"], [None, False], [{"a": 1, "b": 2},
        {"b": 2, "a": 1}], [[1, 2], [2, 1]],
    ],
)  # fmt: skip
def test_unique_items_edge_cases(items: list[object]) -> None:
    assert_agree({"uniqueItems": True}, items)


@pytest.mark.parametrize(
    ("schema", "value", "rule"),
    [
        ({"multipleOf": 0.01}, 19.01, None),  # decimal arithmetic, not 1901.0000000000002
        ({"multipleOf": 0.1}, 0.3, None),
        ({"multipleOf": 0.1}, 0.35, "multipleOf"),
        ({"multipleOf": 3}, 9.0, None),
        ({"multipleOf": 3}, 10**30 + 1, "multipleOf"),
        ({"multipleOf": 2.5}, 10**20, None),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "const": 1}, {"a": 1}, "type"),
        ({"enum": [1], "minimum": 5}, 2, "enum"),
        ({"type": "integer", "const": 1.5, "maximum": 0}, 1, "maximum"),
        ({"required": ["b"], "properties": {"a": {"type": "string"}}}, {"a": 1}, "required"),
        ({"minProperties": 3, "required": ["b"]}, {"a": 1}, "minProperties"),
        ({"exclusiveMaximum": 1, "maximum": 0, "minimum": 2}, 1, "minimum"),
    ],
)
def test_keyword_order_and_arithmetic_match(
    schema: dict[str, Any], value: object, rule: str | None
) -> None:
    outcome = assert_agree(schema, value)
    assert (outcome and outcome[1]) == rule


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON, max_size=5))
def test_unique_items_matches_fastjsonschema(items: list[object]) -> None:
    assert_agree({"uniqueItems": True}, items)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_nested_violations_agree_with_fastjsonschema(data: st.DataObject) -> None:
    """Objects and arrays of generated subschemas, with every declared key present, so the
    first violation is usually below the root."""
    subschemas = data.draw(st.dictionaries(st.sampled_from(KEYS), SCHEMAS, min_size=1, max_size=4))
    schema: dict[str, Any] = {
        "type": "object",
        "properties": subschemas,
        "patternProperties": data.draw(st.dictionaries(st.sampled_from(KEY_PATTERNS), SCHEMAS)),
        "additionalProperties": data.draw(st.one_of(st.booleans(), SCHEMAS)),
    }
    schema = {"type": "array", "items": schema} if data.draw(st.booleans()) else schema
    try:
        _reference(json.dumps(schema))
    except (fastjsonschema.JsonSchemaDefinitionException, re.error):
        assert compile_fast(schema) is None
        return
    objects = [
        {key: data.draw(instance_for(sub)) for key, sub in subschemas.items()}
        | data.draw(
            st.dictionaries(st.sampled_from(["ab", "x1", "zz", "xz\n", "7"]), JSON, max_size=3)
        )
        for _ in range(3)
    ]
    assert_agree(schema, objects if schema["type"] == "array" else objects[0])

"""Schema compilation, limits before parsing, field paths, redaction rules."""

from __future__ import annotations

import logging

import pytest

from faasguard.runtime import Limits, RedactingFilter, redact
from faasguard.runtime._limits import check_structure, parse_json
from faasguard.runtime._policy import field_glob, route_glob
from faasguard.runtime._problems import Rejection, join_path
from faasguard.runtime._validation import compile_schema


def rejection_of(call) -> Rejection:
    with pytest.raises(Rejection) as caught:
        call()
    return caught.value


def test_schema_is_compiled_once_and_paths_tell_indexes_from_keys():
    schema = {
        "type": "object",
        "properties": {
            "rows": {"type": "array", "items": {"type": "object",
                                                "properties": {"n": {"type": "integer"}}}},
            "byId": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    }  # fmt: skip
    validate = compile_schema(schema, "body")
    validate({"rows": [{"n": 1}], "byId": {"7": 1}})
    error = rejection_of(lambda: validate({"rows": [{"n": 1}, {"n": "two"}]}))
    assert error.errors == [{"field": "body.rows[1].n", "rule": "type"}]
    error = rejection_of(lambda: validate({"byId": {"7": "x"}}))
    assert error.errors == [{"field": "body.byId.7", "rule": "type"}]


def test_attacker_keys_never_appear_in_paths():
    assert join_path("body", ["<script>", 3, "ok_name"]) == "body.<key>[3].ok_name"
    assert join_path("body", ["a" * 65]) == "body.<key>"


def test_limits_are_cheap_when_far_from_bounds():
    limits = Limits()
    assert parse_json('{"a": [1, 2, {"b": "c"}]}', limits) == {"a": [1, 2, {"b": "c"}]}


@pytest.mark.parametrize(
    ("text", "limits", "rule"),
    [
        ('{"a":' * 40 + "1" + "}" * 40, Limits(), "max_depth"),
        ("[" * 5000 + "]" * 5000, Limits(), "max_depth"),
        ("[" + ",".join(["1"] * 20) + "]", Limits(max_array_length=10), "max_array_length"),
        ('{"a": "' + "x" * 100 + '"}', Limits(max_string_length=50), "max_string_length"),
        ('{"' + "x" * 100 + '": 1}', Limits(max_string_length=50), "max_string_length"),
        ("[" + ",".join(f'{{"k{i}": 1}}' for i in range(30)) + "]", Limits(max_keys=20),
         "max_keys"),
    ],
)  # fmt: skip
def test_limits(text, limits, rule):
    error = rejection_of(lambda: parse_json(text, limits))
    assert error.status == 413
    assert error.errors[0]["rule"] == rule


def test_huge_integers_are_malformed_not_crashes():
    assert rejection_of(lambda: parse_json("1" * 5000, Limits())).status == 400


def test_structure_walk_is_iterative():
    value: list = []
    for _ in range(10_000):
        value = [value]
    assert rejection_of(lambda: check_structure(value, Limits())).errors[0]["rule"] == "max_depth"


def test_field_and_route_globs():
    assert field_glob("body.items[*].name").fullmatch("body.items[12].name")
    assert not field_glob("body.items[*].name").fullmatch("body.items[1].sku")
    assert field_glob("body.html").fullmatch("body.html.p[2]")
    assert not field_glob("body.html").fullmatch("body.htmlx")
    assert field_glob("headers.*").fullmatch("headers.cookie")
    assert route_glob("POST /cms/*").fullmatch("POST /cms/pages/home")
    assert not route_glob("POST /cms/*").fullmatch("GET /cms/pages")
    assert route_glob("/health").fullmatch("GET /health")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED:aws-key] used"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "aws_secret_access_key=[REDACTED:aws-secret]"),
        ("Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA", "Authorization: Bearer [REDACTED:token]"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig-nature_x",
         "jwt [REDACTED:jwt]"),
        ("mail ana.lima+shop@example.co.uk now", "mail [REDACTED:email] now"),
        ("card 4111-1111-1111-1111.", "card [REDACTED:card]."),
        ("order 4111111111111112 (not Luhn)", "order 4111111111111112 (not Luhn)"),
        ("at 1700000000000 ms", "at 1700000000000 ms"),
        ("sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
         "sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ],
)  # fmt: skip
def test_redaction_rules(text, expected):
    assert redact(text) == expected


def test_configured_fields_in_json_and_forms():
    assert redact('{"iban": "DE89 3704", "name": "x"}', ["iban"]) == (
        '{"iban": "[REDACTED]", "name": "x"}'
    )
    assert redact("user=ana&iban=DE893704&x=1", ["iban"]) == "user=ana&iban=[REDACTED]&x=1"


def test_redaction_is_linear_on_hostile_text():
    hostile = "1 " * 50_000 + "a@" * 50_000 + "Bearer " * 10_000 + "AKIA" * 10_000
    assert isinstance(redact(hostile), str)  # completes (timed in benchmarks, not here)


def test_logging_filter_redacts_messages_and_tracebacks():
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("faasguard.tests.redaction")
    logger.addFilter(RedactingFilter(["password"]))
    logger.addHandler(Keep())
    try:
        raise ValueError("token Bearer abcdefghijklmnop")
    except ValueError:
        logger.error("login %s password=%s", "ana@example.com", "hunter2", exc_info=True)
    (record,) = records
    assert record.getMessage() == "login [REDACTED:email] password=[REDACTED]"
    assert "abcdefghijklmnop" not in record.exc_text

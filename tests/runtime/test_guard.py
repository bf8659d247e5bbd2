"""The guard on HTTP events: proxy responses, problem+json, limits, detection, failure hygiene."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from faasguard.runtime import Limits, guard
from tests.runtime._guard_events import (
    GOOD_ORDER,
    ORDER_SCHEMA,
    Context,
    alb,
    apigw_v1,
    apigw_v2,
    function_url,
)


def echo(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


@pytest.fixture
def events() -> list[dict]:
    return []


@pytest.fixture
def guarded(events):
    return guard(schema=ORDER_SCHEMA, detect="block", events=events.append)(echo)


def problem(response: dict) -> dict:
    assert response["headers"]["Content-Type"] == "application/problem+json"
    return json.loads(response["body"])


def test_clean_request_reaches_the_handler(guarded, events):
    assert guarded(apigw_v1(), Context())["statusCode"] == 200
    assert events == []


def test_works_without_a_context(guarded):
    assert guarded(apigw_v1(), None)["statusCode"] == 200
    response = guarded(apigw_v1({"customer": 5, "items": []}), None)
    assert response["statusCode"] == 400
    assert problem(response)["requestId"]


def test_schema_failure_is_a_400_with_field_path_and_request_id(guarded, events):
    order = json.loads(json.dumps(GOOD_ORDER))
    order["items"][1]["qty"] = "<script>alert(1)</script>"
    response = guarded(apigw_v1(order), Context())
    assert response["statusCode"] == 400
    body = problem(response)
    assert body["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e812345678"
    assert body["errors"] == [{"field": "body.items[1].qty", "rule": "type"}]
    assert "script" not in response["body"]
    assert events[0]["class_uid"] == 4002
    assert events[0]["http_response"] == {"code": 400}


def test_validation_errors_never_echo_unexpected_keys(guarded):
    order = {**GOOD_ORDER, "<img src=x onerror=alert(1)>": 1}
    response = guarded(apigw_v1(order), Context())
    assert response["statusCode"] == 400
    assert "img" not in response["body"]
    assert problem(response)["errors"][0] == {"field": "body", "rule": "additionalProperties"}


def test_invalid_json_is_a_400(guarded):
    response = guarded(apigw_v1('{"customer": "x", '), Context())
    assert response["statusCode"] == 400
    assert problem(response)["errors"] == [{"field": "body", "rule": "json"}]


def test_base64_bodies_are_decoded(guarded):
    assert guarded(apigw_v1(base64_body=True), Context())["statusCode"] == 200
    bad = apigw_v1(base64_body=True)
    bad["body"] = "not base64!!"
    assert guarded(bad, Context())["statusCode"] == 400


def test_wrong_content_type_is_a_415(guarded):
    event = apigw_v1(headers={"Content-Type": "text/xml"})
    response = guarded(event, Context())
    assert response["statusCode"] == 415
    assert problem(response)["type"] == "urn:faasguard:problem:media-type"


def test_json_suffix_and_charset_are_accepted(guarded):
    event = apigw_v1(headers={"Content-Type": "application/vnd.api+json; charset=utf-8"})
    assert guarded(event, Context())["statusCode"] == 200


@pytest.mark.parametrize(
    ("limits", "body"),
    [
        (Limits(max_body_bytes=100), GOOD_ORDER),
        (Limits(max_depth=4), {"customer": "x", "items": [], "note": [[[[["deep"]]]]]}),
        (Limits(max_keys=5), GOOD_ORDER),
        (Limits(max_string_length=10), GOOD_ORDER),
        (Limits(max_array_length=1), GOOD_ORDER),
    ],
)
def test_size_limits_are_a_413(limits, body):
    handler = guard(limits=limits, detect="off", events=lambda e: None)(echo)
    response = handler(apigw_v1(body), Context())
    assert response["statusCode"] == 413
    assert problem(response)["type"] == "urn:faasguard:problem:limit"


def test_body_limit_applies_to_base64_before_decoding():
    handler = guard(limits=Limits(max_body_bytes=64), detect="off", events=lambda e: None)(echo)
    event = apigw_v1(base64_body=True)
    assert handler(event, Context())["statusCode"] == 413


def test_deeply_nested_json_cannot_crash_the_guard():
    handler = guard(detect="off", events=lambda e: None)(echo)
    response = handler(apigw_v1("[" * 100_000 + "]" * 100_000), Context())
    assert response["statusCode"] == 413


def test_sql_injection_is_blocked_with_a_403(guarded, events):
    order = {**GOOD_ORDER, "note": "x' UNION SELECT password FROM users--"}
    response = guarded(apigw_v1(order), Context())
    assert response["statusCode"] == 403
    body = problem(response)
    assert body["errors"] == [{"field": "body.note", "rule": "sqli"}]
    assert "UNION" not in response["body"]
    finding = events[0]
    assert finding["class_uid"] == 2004
    assert finding["action"] == "Denied"
    assert finding["unmapped"]["field"] == "body.note"


def test_query_and_header_injections_are_inspected(guarded):
    event = apigw_v1(query={"expand": "<script>alert(document.cookie)</script>"})
    assert guarded(event, Context())["statusCode"] == 403
    event = apigw_v1(headers={"Referer": "https://a.example/?q=1' OR '1'='1"})
    assert guarded(event, Context())["statusCode"] == 403


def test_monitor_mode_logs_and_passes(events):
    handler = guard(schema=ORDER_SCHEMA, detect="monitor", events=events.append)(echo)
    order = {**GOOD_ORDER, "note": "; cat /etc/passwd"}
    assert handler(apigw_v1(order), Context())["statusCode"] == 200
    assert events and all(e["action"] == "Allowed" for e in events)


def test_detect_off_skips_inspection(events):
    handler = guard(detect="off", events=events.append)(echo)
    order = {**GOOD_ORDER, "note": "' OR 1=1 --"}
    assert handler(apigw_v1(order), Context())["statusCode"] == 200
    assert events == []


def test_field_exclusions(events):
    handler = guard(exclude=["body.items[*].name", "headers.referer"], events=events.append)(echo)
    order = json.loads(json.dumps(GOOD_ORDER))
    order["items"][0]["name"] = "<b onmouseover=alert(1)>mug</b>"
    assert handler(apigw_v1(order), Context())["statusCode"] == 200
    order["note"] = "<b onmouseover=alert(1)>mug</b>"
    assert handler(apigw_v1(order), Context())["statusCode"] == 403


def test_route_exclusions_and_modes(events):
    routes = {
        "POST /cms/*": {"exclude": ["body.html"]},
        "GET /health": "off",
        "* /orders/{id}": {"detect": "monitor"},
    }
    handler = guard(routes=routes, events=events.append)(echo)
    html = {"html": "<script src=//evil.example/x.js></script>"}
    cms = apigw_v1(html, resource="/cms/{page}", path="/cms/home")
    assert handler(cms, Context())["statusCode"] == 200
    assert handler(apigw_v1(html, path="/other", resource="/other"), Context())["statusCode"] == 403
    assert handler(apigw_v1(html), Context())["statusCode"] == 200  # monitor on /orders/{id}
    assert events[-1]["action"] == "Allowed"


def test_unhandled_exception_is_a_generic_500(caplog):
    def broken(event, context):
        raise RuntimeError("db password=hunter2 AKIAIOSFODNN7EXAMPLE")

    handler = guard(detect="off", events=lambda e: None)(broken)
    with caplog.at_level(logging.ERROR, logger="faasguard.runtime"):
        response = handler(apigw_v1(), Context())
    assert response["statusCode"] == 500
    assert "hunter2" not in response["body"]
    assert "RuntimeError" not in response["body"]
    assert problem(response)["requestId"] == Context().aws_request_id
    logged = caplog.records[-1]
    assert logged.exc_text and "RuntimeError" in logged.exc_text
    assert "AKIAIOSFODNN7EXAMPLE" not in logged.exc_text


def test_responses_are_redacted():
    def leaky(event, context):
        body = {"user": "ana@example.com", "card": "4111 1111 1111 1111", "password": "s3cret!"}
        return {"statusCode": 200, "body": json.dumps(body)}

    response = guard(detect="off")(leaky)(apigw_v1(), Context())
    body = json.loads(response["body"])
    assert body == {
        "user": "[REDACTED:email]",
        "card": "[REDACTED:card]",
        "password": "[REDACTED]",
    }


def test_soft_deadline_returns_503():
    def slow(event, context):
        while True:
            pass

    handler = guard(detect="off", deadline_margin_ms=100)(slow)
    response = handler(apigw_v1(), Context(remaining_ms=150))
    assert response["statusCode"] == 503
    assert problem(response)["type"] == "urn:faasguard:problem:timeout"


def test_require_auth_emits_an_authentication_event(events):
    handler = guard(require_auth=True, detect="off", events=events.append)(echo)
    response = handler(apigw_v1(), Context())
    assert response["statusCode"] == 401
    assert events[0]["class_uid"] == 3002
    event = apigw_v1()
    event["requestContext"]["authorizer"] = {"claims": {"sub": "1234"}}
    assert handler(event, Context())["statusCode"] == 200


@pytest.mark.parametrize("make", [apigw_v2, function_url])
def test_http_api_and_function_url(make, guarded):
    assert guarded(make(), Context())["statusCode"] == 200
    assert guarded(make({"customer": "x"}), Context())["statusCode"] == 400
    attack = {**GOOD_ORDER, "note": "{{config.__class__.__init__.__globals__['os'].popen('id')}}"}
    assert guarded(make(attack), Context())["statusCode"] == 403


def test_v2_query_and_cookies_are_inspected(guarded):
    assert guarded(apigw_v2(query="q=earl%20grey%20tea&page=2"), Context())["statusCode"] == 200
    assert guarded(apigw_v2(query="page=../../../../etc/passwd"), Context())["statusCode"] == 403


@pytest.mark.parametrize("multi", [False, True])
def test_alb_responses(multi, guarded):
    response = guarded(alb({"customer": 1}, multi_value=multi), Context())
    assert response["statusCode"] == 400
    assert response["statusDescription"] == "400 Bad Request"
    headers = response["multiValueHeaders" if multi else "headers"]
    assert "Content-Type" in headers
    attack = alb(query={"file": "..%2F..%2F..%2Fetc%2Fpasswd"}, multi_value=multi)
    assert guarded(attack, Context())["statusCode"] == 403


def test_form_bodies_are_parsed_for_detection():
    handler = guard(content_types=["application/x-www-form-urlencoded"])(echo)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    clean = apigw_v1("name=Ana&city=S%C3%A3o+Paulo", headers=headers)
    assert handler(clean, Context())["statusCode"] == 200
    attack = apigw_v1("name=%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers=headers)
    assert handler(attack, Context())["statusCode"] == 403


def test_binary_bodies_are_not_inspected_as_text():
    handler = guard()(echo)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode()
    event = apigw_v1(png, headers={"Content-Type": "image/png"})
    event["isBase64Encoded"] = True
    assert handler(event, Context())["statusCode"] == 200


def test_query_schema_and_pydantic_model():
    pydantic = pytest.importorskip("pydantic")

    class Order(pydantic.BaseModel):
        customer: str
        items: list[dict]

    handler = guard(model=Order, query_schema={"type": "object", "required": ["expand"]})(echo)
    assert handler(apigw_v1(), Context())["statusCode"] == 200
    assert handler(apigw_v1(query={}), Context())["statusCode"] == 400
    response = handler(apigw_v1({"customer": "x"}), Context())
    assert problem(response)["errors"] == [{"field": "body.items", "rule": "missing"}]


def test_common_schemas_need_no_fastjsonschema_and_others_name_the_package(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "fastjsonschema", None)
    handler = guard(schema=ORDER_SCHEMA)(echo)  # common keywords: the built-in validator
    assert handler(apigw_v1(), Context())["statusCode"] == 200
    response = handler(apigw_v1({"customer": "x", "items": [{"sku": "A-1", "qty": 0}]}), Context())
    assert problem(response)["errors"] == [{"field": "body.items[0].qty", "rule": "minimum"}]
    with pytest.raises(ImportError, match="fastjsonschema"):
        guard(schema={"anyOf": [ORDER_SCHEMA, {"type": "null"}]})


def test_bad_mode_is_rejected():
    with pytest.raises(ValueError, match="detect"):
        guard(detect="block-all")


def test_middleware_form_composes():
    from faasguard.runtime import Guard

    g = Guard(ORDER_SCHEMA, "block", events=lambda e: None)
    calls = []

    def tracing(handler, event, context):
        calls.append("trace")
        return handler(event, context)

    result = g.middleware(lambda e, c: tracing(echo, e, c), apigw_v1(), None)
    assert result["statusCode"] == 200
    assert calls == ["trace"]
    assert g.middleware(echo, apigw_v1({"x": 1}), None)["statusCode"] == 400

"""Security events: OCSF shape, no secrets or payloads, sampling and rate capping."""

from __future__ import annotations

import hashlib
import json

from faasguard.runtime import guard
from faasguard.runtime._events import EventLog, Invocation, authentication, http_activity
from tests.runtime._guard_events import GOOD_ORDER, Context, apigw_v1

SECRET_NOTE = "AKIAIOSFODNN7EXAMPLE ana@example.com' OR '1'='1' -- " + "padding " * 40


def collect(**options) -> tuple[list[dict], object]:
    events: list[dict] = []
    return events, guard(events=events.append, **options)(lambda e, c: {"statusCode": 200})


def test_detection_finding_shape():
    events, handler = collect()
    handler(apigw_v1({**GOOD_ORDER, "note": SECRET_NOTE}), Context())
    (event,) = events
    assert event["class_uid"] == 2004 and event["category_uid"] == 2
    assert event["type_uid"] == 200401
    assert event["metadata"]["product"]["name"] == "faasguard"
    assert event["metadata"]["correlation_uid"] == Context().aws_request_id
    assert event["resources"] == [{"type": "function", "name": "orders-api"}]
    assert event["src_endpoint"] == {"ip": "203.0.113.7"}
    assert event["http_request"]["http_method"] == "POST"
    assert event["finding_info"]["types"] == ["sqli"]
    assert event["finding_info"]["analytic"]["uid"].startswith("sqli.")
    assert event["action"] == "Denied" and event["disposition"] == "Blocked"
    assert 0 < event["confidence_score"] <= 100
    unmapped = event["unmapped"]
    assert unmapped["field"] == "body.note"
    assert unmapped["value_sha256"] == hashlib.sha256(SECRET_NOTE.encode()).hexdigest()
    assert len(unmapped["excerpt"]) <= 80


def test_events_never_carry_secrets_or_the_payload():
    events, handler = collect()
    handler(apigw_v1({**GOOD_ORDER, "note": SECRET_NOTE}), Context())
    text = json.dumps(events)
    assert "AKIAIOSFODNN7EXAMPLE" not in text
    assert "ana@example.com" not in text
    assert "padding padding" not in text
    assert "Zo\\u00eb" not in text and "Blue mug" not in text


def test_http_activity_and_authentication_shapes():
    call = Invocation(function="f", request_id="r1", source_ip="192.0.2.1", method="PUT", path="/x")
    event = http_activity(call, status=413, kind="limit", rule="max_body_bytes")
    assert (event["class_uid"], event["activity_id"], event["type_uid"]) == (4002, 7, 400207)
    assert event["http_response"] == {"code": 413}
    assert event["status"] == "Failure"
    auth = authentication(call, reason="no authorizer identity")
    assert (auth["class_uid"], auth["category_uid"], auth["type_uid"]) == (3002, 3, 300201)


def test_monitor_events_are_sampled_per_request():
    events, handler = collect(detect="monitor", sample_rate=0.25, max_events_per_second=10_000)
    attack = apigw_v1({**GOOD_ORDER, "note": "<script>alert(1)</script>"})
    for n in range(400):
        handler(attack, Context(aws_request_id=f"req-{n:04d}"))
    assert 50 < len(events) < 150
    assert len({e["metadata"]["correlation_uid"] for e in events}) == len(events)


def test_denials_are_not_sampled_but_are_rate_capped():
    events, handler = collect(sample_rate=0.0, max_events_per_second=20)
    attack = apigw_v1({**GOOD_ORDER, "note": "<script>alert(1)</script>"})
    for n in range(100):
        assert handler(attack, Context(aws_request_id=f"req-{n}"))["statusCode"] == 403
    assert 20 <= len(events) <= 40  # at most 20 a second; the test may straddle one second


def test_suppressed_count_is_reported_later():
    sink: list[dict] = []
    log = EventLog(sink=sink.append, max_per_second=1)
    call = Invocation(request_id="r")
    log.emit(http_activity(call, status=400, kind="validation"), allowed=False, request_id="r")
    log.emit(http_activity(call, status=400, kind="validation"), allowed=False, request_id="r")
    assert log.suppressed == 1
    log._window = -1  # a new second
    log.emit(http_activity(call, status=400, kind="validation"), allowed=False, request_id="r")
    assert sink[-1]["unmapped"]["suppressed_before"] == 1


def test_a_failing_sink_never_breaks_the_function():
    def broken(event):
        raise OSError("stdout closed")

    handler = guard(events=broken)(lambda e, c: {"statusCode": 200})
    attack = apigw_v1({**GOOD_ORDER, "note": "<script>alert(1)</script>"})
    assert handler(attack, Context())["statusCode"] == 403


def test_default_sink_writes_json_lines(capsys):
    handler = guard()(lambda e, c: {"statusCode": 200})
    handler(apigw_v1({**GOOD_ORDER, "note": "../../../etc/passwd"}), Context())
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["finding_info"]["types"] == ["traversal"]

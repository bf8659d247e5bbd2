"""Event adapters: every AWS source is recognised, and messages are checked one by one."""

from __future__ import annotations

import pytest

from faasguard.runtime import guard
from faasguard.runtime._adapters import classify, from_dynamodb, http_request
from tests.runtime._guard_events import (
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

SQLI = "1'; DROP TABLE orders; --"


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (apigw_v1(), "apigw-v1"),
        (apigw_v2(), "apigw-v2"),
        (function_url(), "function-url"),
        (alb(), "alb"),
        (sqs(GOOD_ORDER), "sqs"),
        (sns(GOOD_ORDER), "sns"),
        (s3("uploads/a.png"), "s3"),
        (kinesis(GOOD_ORDER), "kinesis"),
        (dynamodb({"Id": {"N": "1"}}), "dynamodb"),
        (eventbridge(GOOD_ORDER), "eventbridge"),
        (schedule(), "schedule"),
        ({"customer": "x"}, "direct"),
        ([1, 2], "direct"),
        (None, "direct"),
    ],
)
def test_classify(event, kind):
    assert classify(event) == kind


def test_request_views_agree_across_http_sources():
    views = [
        http_request(apigw_v1(), "apigw-v1"),
        http_request(apigw_v2(), "apigw-v2"),
        http_request(alb(multi_value=True), "alb"),
    ]
    for view in views:
        assert view.method == "POST"
        assert view.content_type == "application/json"
        assert view.source_ip
        assert view.request_id
    assert views[0].route == "POST /orders/{id}"
    assert views[1].headers["cookie"].startswith("session=")
    assert views[2].source_ip == "72.12.164.125"


def test_sqs_partial_batch_response():
    seen = []
    handler = guard(schema=ORDER_SCHEMA, events=lambda e: None)(
        lambda event, context: seen.extend(r["messageId"] for r in event["Records"])
    )
    event = sqs(GOOD_ORDER, {"customer": "x"}, {**GOOD_ORDER, "note": SQLI}, GOOD_ORDER)
    ids = [r["messageId"] for r in event["Records"]]
    result = handler(event, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]}
    assert seen == [ids[0], ids[3]]


def test_handler_failures_are_merged_into_the_batch_response():
    def handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    event = sqs(GOOD_ORDER, "not json", GOOD_ORDER)
    ids = [r["messageId"] for r in event["Records"]]
    result = guard(schema=ORDER_SCHEMA, events=lambda e: None)(handler)(event, Context())
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == [ids[1], ids[0]]


def test_clean_batch_returns_the_handler_result_untouched():
    handler = guard(schema=ORDER_SCHEMA)(lambda event, context: {"processed": 2})
    assert handler(sqs(GOOD_ORDER, GOOD_ORDER), Context()) == {"processed": 2}


def test_plain_text_sqs_messages_are_inspected_without_a_schema():
    handler = guard(events=lambda e: None)(lambda event, context: None)
    event = sqs("order 42 shipped", "; curl http://169.254.169.254/latest/meta-data/")
    result = handler(event, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_kinesis_and_dynamodb_report_sequence_numbers():
    handler = guard(events=lambda e: None)(lambda event, context: None)
    stream = kinesis(GOOD_ORDER, {"q": {"$where": "sleep(5000)"}})
    result = handler(stream, Context())
    bad = stream["Records"][1]["kinesis"]["sequenceNumber"]
    assert result == {"batchItemFailures": [{"itemIdentifier": bad}]}

    images = dynamodb(
        {"Id": {"N": "101"}, "Name": {"S": "Ana"}},
        {"Id": {"N": "102"}, "Bio": {"S": "<svg/onload=alert(1)>"}},
    )
    result = handler(images, Context())
    bad = images["Records"][1]["dynamodb"]["SequenceNumber"]
    assert result == {"batchItemFailures": [{"itemIdentifier": bad}]}


def test_handler_exceptions_on_batches_propagate():
    def broken(event, context):
        raise ValueError("downstream unavailable")

    with pytest.raises(ValueError, match="downstream"):
        guard()(broken)(sqs(GOOD_ORDER), Context())


def test_sns_message_is_validated_and_dropped_when_bad():
    calls = []
    handler = guard(schema=ORDER_SCHEMA, events=lambda e: None)(
        lambda event, context: calls.append(event) or "ok"
    )
    assert handler(sns(GOOD_ORDER), Context()) == "ok"
    assert handler(sns({"customer": 3}), Context()) is None
    assert len(calls) == 1


def test_s3_keys_are_inspected():
    seen = []
    handler = guard(events=lambda e: None)(
        lambda event, context: seen.extend(r["s3"]["object"]["key"] for r in event["Records"])
    )
    handler(s3("uploads/2024/photo+1.png", "..%2F..%2F..%2Fetc%2Fpasswd"), Context())
    assert seen == ["uploads/2024/photo+1.png"]


def test_eventbridge_detail_and_direct_invocations():
    handler = guard(schema=ORDER_SCHEMA, events=lambda e: None)(lambda event, context: "done")
    assert handler(eventbridge(GOOD_ORDER), Context()) == "done"
    rejected = handler(eventbridge({"customer": "x"}), Context())
    assert rejected["status"] == 400
    assert rejected["errors"] == [{"field": "body", "rule": "required"}]
    assert handler(GOOD_ORDER, None) == "done"
    assert handler({"customer": "x", "items": "no"}, None)["status"] == 400


def test_scheduled_events_pass_through():
    handler = guard(schema=ORDER_SCHEMA)(lambda event, context: "tick")
    assert handler(schedule(), Context()) == "tick"


def test_dynamodb_image_conversion():
    image = {
        "Id": {"N": "101"},
        "Tags": {"SS": ["a", "b"]},
        "Address": {"M": {"City": {"S": "Lisboa"}, "Zip": {"NULL": True}}},
        "Lines": {"L": [{"S": "x"}, {"BOOL": True}]},
    }
    assert from_dynamodb(image) == {
        "Id": "101",
        "Tags": ["a", "b"],
        "Address": {"City": "Lisboa", "Zip": None},
        "Lines": ["x", True],
    }


# ----- WSGI, Google Cloud Functions, Azure Functions


def wsgi_environ(body: bytes, *, query: str = "", content_type: str = "application/json") -> dict:
    import io

    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/function/orders",
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "10.0.0.8",
        "HTTP_HOST": "gateway.openfaas:8080",
        "HTTP_USER_AGENT": "curl/8.4.0",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }


def wsgi_app(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"received": %d}' % len(body)]


def run_wsgi(app, environ) -> tuple[str, dict, bytes]:
    captured = {}

    def start_response(status, headers):
        captured["status"], captured["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body


def test_wsgi_middleware():
    import json

    from faasguard.runtime.wsgi import GuardMiddleware

    app = GuardMiddleware(wsgi_app, schema=ORDER_SCHEMA, events=lambda e: None)
    good = json.dumps(GOOD_ORDER).encode()
    status, _, body = run_wsgi(app, wsgi_environ(good))
    assert status == "200 OK"
    assert json.loads(body) == {"received": len(good)}  # the app still reads the whole body
    status, headers, body = run_wsgi(app, wsgi_environ(b'{"customer": 1}'))
    assert status.startswith("400")
    assert headers["Content-Type"] == "application/problem+json"
    status, _, _ = run_wsgi(app, wsgi_environ(good, query="id=1%20UNION%20SELECT%20pw%20FROM%20u"))
    assert status.startswith("403")
    status, _, _ = run_wsgi(app, wsgi_environ(good, content_type="text/plain"))
    assert status.startswith("415")


def test_wsgi_body_limit_is_checked_before_reading():
    from faasguard.runtime import Limits
    from faasguard.runtime.wsgi import GuardMiddleware

    class Unreadable:
        def read(self, size=-1):
            raise AssertionError("body read despite Content-Length over the limit")

    app = GuardMiddleware(wsgi_app, limits=Limits(max_body_bytes=10), events=lambda e: None)
    environ = wsgi_environ(b"x" * 50)
    environ["wsgi.input"] = Unreadable()
    assert run_wsgi(app, environ)[0].startswith("413")


class FlaskLikeRequest:
    """The attributes of flask.Request that the adapter reads."""

    class Args(dict):
        def lists(self):
            return [(k, [v]) for k, v in self.items()]

    def __init__(self, body: bytes, args: dict | None = None) -> None:
        self.method = "POST"
        self.path = "/orders"
        self.headers = {
            "Content-Type": "application/json",
            "User-Agent": "Go-http-client/2.0",
            "Function-Execution-Id": "kk2ivyzrdh1c",
            "X-Forwarded-For": "198.51.100.4",
        }
        self.args = self.Args(args or {})
        self.content_length = len(body)
        self.remote_addr = "169.254.8.129"
        self._body = body

    def get_data(self, cache: bool = True) -> bytes:
        return self._body


def test_gcp_http_function():
    import json

    from faasguard.runtime.gcp import guard_http

    fn = guard_http(schema=ORDER_SCHEMA, events=lambda e: None)(lambda request: ("ok", 200))
    assert fn(FlaskLikeRequest(json.dumps(GOOD_ORDER).encode())) == ("ok", 200)
    body, status, _headers = fn(FlaskLikeRequest(b'{"customer": []}'))
    assert status == 400
    assert json.loads(body)["requestId"] == "kk2ivyzrdh1c"
    attack = FlaskLikeRequest(json.dumps(GOOD_ORDER).encode(), {"next": "javascript:alert(1)"})
    assert fn(attack)[1] == 403


def test_gcp_pubsub_cloud_event():
    import base64
    import json

    from faasguard.runtime.gcp import guard_event

    seen = []
    fn = guard_event(schema=ORDER_SCHEMA, events=lambda e: None)(seen.append)

    class CloudEvent(dict):
        def __init__(self, payload: object) -> None:
            super().__init__(id="1234567890", type="google.cloud.pubsub.topic.v1.messagePublished")
            data = base64.b64encode(json.dumps(payload).encode()).decode()
            self.data = {"message": {"data": data, "messageId": "1234567890"}}

    fn(CloudEvent(GOOD_ORDER))
    fn(CloudEvent({"customer": "<script>alert(1)</script>"}))
    assert len(seen) == 1


def test_azure_http_trigger(monkeypatch):
    import json
    import sys
    import types

    class HttpResponse:
        def __init__(self, body, status_code=200, headers=None, mimetype=None):
            self.body, self.status_code, self.headers = body, status_code, headers or {}

    monkeypatch.setitem(sys.modules, "azure", types.ModuleType("azure"))
    functions = types.ModuleType("azure.functions")
    functions.HttpResponse = HttpResponse
    monkeypatch.setitem(sys.modules, "azure.functions", functions)

    class HttpRequest:
        def __init__(self, body: bytes, params: dict | None = None) -> None:
            self.method = "POST"
            self.url = "https://orders-app.azurewebsites.net/api/orders/42?code=abc"
            self.headers = {"content-type": "application/json", "x-ms-request-id": "7f1a"}
            self.params = params or {}
            self.route_params = {"id": "42"}
            self._body = body

        def get_body(self) -> bytes:
            return self._body

    from faasguard.runtime.azure import guard_http

    @guard_http(schema=ORDER_SCHEMA, events=lambda e: None)
    def main(req):
        return HttpResponse("created", status_code=201)

    assert main(HttpRequest(json.dumps(GOOD_ORDER).encode())).status_code == 201
    rejected = main(req=HttpRequest(b"{}"))
    assert rejected.status_code == 400
    assert json.loads(rejected.body)["requestId"] == "7f1a"
    attack = HttpRequest(json.dumps(GOOD_ORDER).encode(), {"file": "../../../../etc/shadow"})
    assert main(attack).status_code == 403


@pytest.mark.parametrize(
    ("header", "proxies", "client"),
    [
        ("203.0.113.9", 0, ""),  # no trusted proxy: the header is the client's own claim
        ("6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),  # the leftmost entry is client-written
        ("6.6.6.6, 203.0.113.9, 10.0.0.2", 2, "203.0.113.9"),
        ("203.0.113.9:54321", 1, "203.0.113.9"),  # Azure appends ip:port
        ("[2001:db8::7]:443", 1, "2001:db8::7"),
        ("2001:db8::7", 1, "2001:db8::7"),
        ("203.0.113.9", 2, ""),  # fewer entries than proxies: nothing trustworthy
    ],
)
def test_client_address_counts_trusted_proxies_from_the_right(
    header: str, proxies: int, client: str
) -> None:
    from faasguard.runtime._http import client_address

    assert client_address(header, proxies) == client


def test_wsgi_client_address_ignores_a_spoofed_forwarded_for_by_default() -> None:
    from faasguard.runtime import Guard
    from faasguard.runtime.wsgi import GuardMiddleware

    seen: list[str] = []

    class Recorder(Guard):
        def check_request(self, request, call):  # type: ignore[no-untyped-def]
            seen.append(request.source_ip)
            super().check_request(request, call)

    environ = wsgi_environ(b"{}")
    environ["HTTP_X_FORWARDED_FOR"] = "6.6.6.6, 203.0.113.9"
    run_wsgi(GuardMiddleware(wsgi_app, Recorder(detect="off", events=lambda e: None)), environ)
    environ = wsgi_environ(b"{}")
    environ["HTTP_X_FORWARDED_FOR"] = "6.6.6.6, 203.0.113.9"
    run_wsgi(
        GuardMiddleware(wsgi_app, Recorder(detect="off", events=lambda e: None), trusted_proxies=1),
        environ,
    )
    assert seen == ["10.0.0.8", "203.0.113.9"]

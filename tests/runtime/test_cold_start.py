"""Cold start: building a plain guard leaves heavy standard-library modules unloaded, and the
paths that load them on demand (hash-chained events, form bodies, ALB encoded queries, errors
logged through the redacting filter) still work."""

from __future__ import annotations

import base64
import copy
import json
import logging
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard.runtime import Guard, Identity, Limits
from faasguard.runtime._adapters import http_request
from faasguard.runtime._chain import event_digest, genesis_hash
from faasguard.runtime._events import EventLog, Invocation
from faasguard.runtime._gates import Access
from faasguard.runtime._record import FrozenInstanceError
from faasguard.runtime._view import Message, Request
from tests.runtime._guard_events import GOOD_ORDER, ORDER_SCHEMA, Context, apigw_v1

SRC = Path(__file__).resolve().parents[2] / "src"
LAZY = ("logging", "typing", "hashlib", "_hashlib", "urllib.parse", "traceback")


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (with src/ on the path)."""
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(SRC)!r})\n{probe}"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("detect", ["block", "off"])
def test_a_plain_guard_loads_none_of_the_cold_path_modules(detect: str):
    loaded = _loaded_after(
        "from faasguard.runtime import guard\n"
        f"guard(schema={ORDER_SCHEMA!r}, detect={detect!r}, events=lambda e: None)"
    )
    assert "faasguard.runtime._guard" in loaded
    assert ("faasguard.runtime.detectors" in loaded) == (detect == "block")
    heavy = (*LAZY, "dataclasses", "inspect")
    assert loaded.isdisjoint(heavy), sorted(loaded.intersection(heavy))


def test_an_emitted_event_loads_hashlib_and_chains():
    events: list[dict] = []
    guarded = Guard(ORDER_SCHEMA, "block", events=events.append)(lambda e, c: {"statusCode": 200})
    attack = copy.deepcopy(GOOD_ORDER)
    attack["note"] = "x' OR 1=1 --"
    response = guarded(apigw_v1(attack), Context())
    assert response["statusCode"] == 403
    assert events, "a blocked injection emits a security event"
    link = events[0]["unmapped"]["chain"]
    assert link["prev"] == genesis_hash(link["genesis"])
    assert link["hash"] == event_digest(events[0], None)


def test_a_form_body_is_parsed_and_screened():
    seen: list[object] = []

    def handler(event, context):
        seen.append(event["body"])
        return {"statusCode": 200}

    guarded = Guard(detect="block", content_types=["application/x-www-form-urlencoded"],
                    events=lambda e: None)(handler)  # fmt: skip
    ok = apigw_v1(None)
    ok["headers"]["content-type"] = "application/x-www-form-urlencoded"
    ok["body"] = "name=Ada+Lovelace&city=London"
    assert guarded(ok, Context())["statusCode"] == 200
    bad = dict(ok, body="name=" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert guarded(bad, Context())["statusCode"] == 403
    assert seen == [ok["body"]]


def test_an_alb_encoded_query_is_decoded_before_detection():
    seen: list[dict] = []

    def handler(event, context):
        seen.append(event["queryStringParameters"])
        return {"statusCode": 200}

    guarded = Guard(detect="block", events=lambda e: None)(handler)
    alb = {
        "requestContext": {
            "elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:1:tg"}
        },
        "httpMethod": "GET",
        "path": "/search",
        "headers": {"x-forwarded-for": "198.51.100.7"},
        "body": "",
        "isBase64Encoded": False,
    }
    clean = dict(alb, queryStringParameters={"q": "caf%C3%A9+au+lait"})
    assert guarded(clean, Context())["statusCode"] == 200
    # the raw value is harmless text; decoded, it is a SQL injection
    attack = dict(alb, queryStringParameters={"q": "1%27+OR+%271%27%3D%271"})
    assert guarded(attack, Context())["statusCode"] == 403
    assert len(seen) == 1
    assert http_request(clean, "alb").query == {"q": "café au lait"}


def test_an_internal_error_is_logged_redacted(caplog):
    def boom(event, context):
        raise RuntimeError("db password=hunter2hunter2 rejected")

    guarded = Guard(ORDER_SCHEMA, "block", events=lambda e: None)(boom)
    with caplog.at_level(logging.ERROR, logger="faasguard.runtime"):
        response = guarded(apigw_v1(GOOD_ORDER), Context())
    assert response["statusCode"] == 500
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled exception" in text
    assert "hunter2hunter2" not in text


def test_a_fresh_process_redacts_the_first_error_it_logs():
    """logging is not loaded when the guard is built: the filter arrives with the first record."""
    code = (
        "from faasguard.runtime import guard\n"
        "g = guard(detect='off', events=lambda e: None)\n"
        "assert 'logging' not in sys.modules\n"
        "import faasguard.runtime._guard as G\n"
        "G.log.error('client_secret=%s', 's3cr3tvalue99')\n"
        "import logging\n"
        "logging.getLogger('faasguard.runtime').error('password=hunter2hunter2')\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(SRC)!r})\n{code}"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert "s3cr3tvalue99" not in out.stderr and "hunter2hunter2" not in out.stderr
    assert out.stderr.count("[REDACTED") == 2, out.stderr


def test_value_classes_keep_their_dataclass_behaviour():
    limits = Limits(max_depth=8)
    assert limits == Limits(max_depth=8) and limits != Limits()
    assert hash(limits) == hash(Limits(max_depth=8))
    assert repr(Limits()).startswith("Limits(max_body_bytes=1048576, max_depth=32,")
    with pytest.raises(AttributeError):
        limits.max_depth = 99  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del limits.max_keys  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(limits)) == limits
    assert copy.deepcopy(limits) == limits

    who = Identity("alice", "jwt", {"scope": "orders"})
    assert who == Identity("alice", "jwt", {"scope": "orders"})
    assert Identity("bob", "hmac").claims == {}
    with pytest.raises(AttributeError):
        who.principal = "mallory"  # type: ignore[misc]

    first, second = Request("apigw-v1"), Request("apigw-v1")
    first.headers["x"] = "1"
    assert second.headers == {}, "each request gets its own headers dict"
    assert first != second and Request("alb", "POST") == Request("alb", method="POST")
    assert "Request(kind='apigw-v1', method='GET'" in repr(second)
    with pytest.raises(TypeError):
        hash(second)
    assert Message("sqs", "m-1", strings={"a": "b"}) == Message("sqs", "m-1", strings={"a": "b"})
    call = Invocation(function="orders", request_id="r-1")
    assert Access(call, print).identity is None and call == Invocation("orders", "r-1")
    log = EventLog(sink=print)
    assert log.redactor is not EventLog(sink=print).redactor and log.chain.seq == 0
    assert "_lock" not in repr(log)


def test_base64_body_still_decodes():
    body = json.dumps(GOOD_ORDER)
    event = apigw_v1(GOOD_ORDER)
    event["body"] = base64.b64encode(body.encode()).decode()
    event["isBase64Encoded"] = True
    guarded = Guard(ORDER_SCHEMA, "block", events=lambda e: None)(lambda e, c: {"statusCode": 201})
    assert guarded(event, Context())["statusCode"] == 201

"""The replay cache shared through a real Redis: a webhook or signed event used once is refused by
every other function instance (here, another process), and an outage fails closed."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import textwrap

from faasguard.runtime import guard
from faasguard.runtime.auth import GitHubWebhook, SignedEvents, sign_event
from tests.conftest import ROOT
from tests.runtime._guard_events import Context, apigw_v1, sqs

SECRET = "gh-shared-secret"
BODY = json.dumps({"action": "opened", "pull_request": {"number": 42}})
KEY = b"orders-to-billing-signing-key-32b!"


def _event(delivery: str) -> dict:
    # a new delivery is a new body (the delivery id is not signed; the signature is the key)
    body = BODY.replace("42", str(int(hashlib.sha256(delivery.encode()).hexdigest()[:8], 16)))
    digest = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    event = apigw_v1(
        None,
        headers={
            "X-Hub-Signature-256": f"sha256={digest}",
            "X-GitHub-Delivery": delivery,
            "X-GitHub-Event": "pull_request",
        },
    )
    event["body"] = body
    return event


def _app(gate):
    return guard(auth=gate, detect="off", events=lambda e: None)(
        lambda event, context: {"statusCode": 200, "body": "ok"}
    )


def _other_instance(redis_url: str, event: dict) -> int:
    """The status another function instance (a fresh process) returns for `event`."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from faasguard.runtime import guard
        from faasguard.runtime.auth import GitHubWebhook
        gate = GitHubWebhook({SECRET!r}, store={redis_url!r})
        app = guard(auth=gate, detect="off", events=lambda e: None)(
            lambda event, context: {{"statusCode": 200, "body": "ok"}})
        print(app(json.loads(sys.stdin.read()), None)["statusCode"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    )
    return int(done.stdout.strip())


def test_webhook_replay_is_refused_by_another_instance(redis_url):
    app = _app(GitHubWebhook(SECRET, store=redis_url))
    assert app(_event("9a1c-first"), Context())["statusCode"] == 200
    assert _other_instance(redis_url, _event("9a1c-first")) == 401
    assert _other_instance(redis_url, _event("9a1c-second")) == 200
    assert app(_event("9a1c-second"), Context())["statusCode"] == 401


def test_signed_event_replay_across_instances_and_redelivery(redis_url):
    first = _app(SignedEvents({"orders": KEY}, store=redis_url))
    second = _app(SignedEvents({"orders": KEY}, store=redis_url))
    signed = sign_event({"orderId": "o-5"}, KEY, "orders")
    original = sqs(signed)
    assert first(original, Context()) == {"statusCode": 200, "body": "ok"}
    assert second(original, Context()) == {"statusCode": 200, "body": "ok"}  # redelivery
    replay = sqs(signed)
    replay["Records"][0]["messageId"] = "resent-by-attacker"
    assert second(replay, Context()) == {
        "batchItemFailures": [{"itemIdentifier": "resent-by-attacker"}]
    }


def test_redis_outage_fails_closed(redis_server, redis_url):
    app = _app(GitHubWebhook(SECRET, store=redis_url))
    assert app(_event("outage-1"), Context())["statusCode"] == 200
    redis_server.stop()
    try:
        response = app(_event("outage-2"), Context())
        assert response["statusCode"] == 503
        assert response["headers"]["Retry-After"] == "5"
    finally:
        redis_server.start()

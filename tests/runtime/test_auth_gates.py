"""Webhook, SNS, API-key and signed-event gates: accepted traffic, configuration errors, key
rotation, store outages, and the stable `guard(auth=JWT(...))` interface."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from faasguard.runtime import guard
from faasguard.runtime._store import MemoryStore, StoreUnavailable
from faasguard.runtime.auth import (
    JWT,
    AnyOf,
    APIKey,
    GitHubWebhook,
    HMACWebhook,
    SignedEvents,
    SlackWebhook,
    SNSSignature,
    StripeWebhook,
    hash_api_key,
    sign_event,
)
from tests.runtime._auth_support import (
    AUDIENCE,
    ISSUER,
    TOPIC,
    CertFetcher,
    Counter,
    Sink,
    jwks,
    sns_event,
    sns_message,
    token,
)
from tests.runtime._guard_events import (
    Context,
    apigw_v1,
    apigw_v2,
    eventbridge,
    function_url,
    kinesis,
    sqs,
)


def run(gate, event: dict, events: Sink | None = None) -> tuple[object, Counter]:
    handler = Counter()
    app = guard(auth=gate, detect="off", events=events or Sink())(handler)
    return app(event, Context()), handler


def webhook_event(body: str, headers: dict[str, str], *, base64_body: bool = False) -> dict:
    event = apigw_v1(None, headers={"Content-Type": "application/json", **headers})
    event["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
    event["isBase64Encoded"] = base64_body
    return event


class DownStore:
    def first_seen(self, key: str, ttl_seconds: float) -> bool:
        raise StoreUnavailable("connection refused")


# ------------------------------------------------------------------ stable interface
def test_stable_interface_no_valid_bearer_token_gets_401():
    app = guard(auth=JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks()))(
        lambda event, context: {"statusCode": 200, "body": "ok"}
    )
    assert app(apigw_v1(), Context())["statusCode"] == 401
    assert app(apigw_v2(), Context())["statusCode"] == 401
    assert app(function_url(), Context())["statusCode"] == 401
    event = apigw_v1(headers={"Authorization": f"Bearer {token('rsa')}"})
    assert app(event, Context())["statusCode"] == 200


# --------------------------------------------------------------------------- GitHub
PUSH = json.dumps({"ref": "refs/heads/main", "commits": [{"id": "a9f3c1", "message": "Fix café"}]})


def github_headers(body: str, secret: str, delivery: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return {
        "X-Hub-Signature-256": f"sha256={digest}",
        "X-GitHub-Delivery": delivery,
        "X-GitHub-Event": "push",
    }


@pytest.mark.parametrize("base64_body", [False, True])
def test_github_webhook_accepted_over_raw_bytes(base64_body):
    gate = GitHubWebhook("s3cret-hook", store=MemoryStore())
    event = webhook_event(
        PUSH, github_headers(PUSH, "s3cret-hook", "72d3162e"), base64_body=base64_body
    )
    response, handler = run(gate, event)
    assert response["statusCode"] == 200
    identity = handler.identities[0]
    assert (identity.principal, identity.method) == ("github", "hmac")
    assert identity.claims == {"delivery": "72d3162e", "event": "push"}


def test_github_secret_rotation_accepts_old_and_new_secret():
    gate = GitHubWebhook(["new-secret", "old-secret"], store=MemoryStore())
    for n, secret in enumerate(("old-secret", "new-secret")):
        event = webhook_event(PUSH, github_headers(PUSH, secret, f"delivery-{n}"))
        assert run(gate, event)[0]["statusCode"] == 200


def test_replay_cache_outage_fails_closed_with_503():
    gate = GitHubWebhook("s3cret-hook", store=DownStore())
    event = webhook_event(PUSH, github_headers(PUSH, "s3cret-hook", "d-9"))
    response, handler = run(gate, event)
    assert (response["statusCode"], handler.calls) == (503, 0)


def test_webhook_gate_on_a_queue_message_refuses_it():
    gate = GitHubWebhook("s3cret-hook", store=MemoryStore())
    event = sqs({"orderId": "o-1"})
    result, handler = run(gate, event)
    assert handler.calls == 0
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_authentication_failure_event_names_the_reason_only():
    sink = Sink()
    gate = GitHubWebhook("s3cret-hook", store=MemoryStore())
    event = webhook_event(PUSH, github_headers(PUSH, "guessed-secret", "d-1"))
    run(gate, event, sink)
    auth = [e for e in sink.events if e["class_uid"] == 3002]
    assert [e["status_detail"] for e in auth] == ["bad signature"]
    assert "guessed" not in json.dumps(sink.events)


# --------------------------------------------------------------------------- Stripe, Slack
def test_stripe_accepts_any_matching_v1_signature():
    body = json.dumps({"id": "evt_1", "type": "invoice.paid"})
    stamp = int(time.time())
    good = hmac.new(b"whsec_abc", f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    header = f"t={stamp},v1={'0' * 64},v1={good}"
    response, handler = run(
        StripeWebhook("whsec_abc", store=MemoryStore()),
        webhook_event(body, {"Stripe-Signature": header}),
    )
    assert response["statusCode"] == 200
    assert handler.identities[0].claims == {"timestamp": stamp}


def test_slack_accepts_a_signed_slash_command():
    body = "token=x&team_id=T0001&command=%2Fweather&text=94070"
    stamp = str(int(time.time()))
    sig = hmac.new(b"8f742231b1", f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    event = webhook_event(
        body,
        {
            "X-Slack-Signature": f"v0={sig}",
            "X-Slack-Request-Timestamp": stamp,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    response, handler = run(SlackWebhook("8f742231b1", store=MemoryStore()), event)
    assert response["statusCode"] == 200 and handler.identities[0].principal == "slack"


# --------------------------------------------------------------------------- generic HMAC
def test_generic_hmac_with_timestamp_prefix_and_base64():
    body = json.dumps({"event": "invoice.created", "id": 991})
    stamp = str(int(time.time()))
    mac = hmac.new(b"partner-key", f"{stamp}:{body}".encode(), hashlib.sha512).digest()
    gate = HMACWebhook(
        "partner-key",
        header="X-Partner-Signature",
        algorithm="sha512",
        timestamp_header="X-Partner-Time",
        prefix="sha512=",
        encoding="base64",
        signed_format="{timestamp}:{body}",
        sender="partner",
        store=MemoryStore(),
    )
    headers = {
        "X-Partner-Signature": "sha512=" + base64.b64encode(mac).decode(),
        "X-Partner-Time": stamp,
    }
    response, handler = run(gate, webhook_event(body, headers))
    assert response["statusCode"] == 200
    assert handler.identities[0].principal == "partner"
    again, handler = run(gate, webhook_event(body, headers))
    assert (again["statusCode"], handler.calls) == (401, 0)
    old = dict(headers, **{"X-Partner-Time": str(int(stamp) - 301)})
    assert run(gate, webhook_event(body, old))[0]["statusCode"] == 401


def test_generic_hmac_plain_hex_body_signature():
    body = '{"ping": true}'
    digest = hmac.new(b"k", body.encode(), hashlib.sha256).hexdigest()
    gate = HMACWebhook("k", store=MemoryStore())
    assert run(gate, webhook_event(body, {"X-Signature": digest}))[0]["statusCode"] == 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"algorithm": "md5"}, "algorithm must be one of"),
        ({"encoding": "base32"}, "encoding must be hex or base64"),
        ({"timestamp_header": "x-t", "signed_format": "{timestamp}"}, "lacks {body}"),
    ],
)
def test_generic_hmac_configuration_errors(options, message):
    with pytest.raises(ValueError, match=message):
        HMACWebhook("k", **options)


def test_empty_secret_and_bad_store_are_configuration_errors():
    with pytest.raises(ValueError, match="GitHubWebhook: the secret is empty"):
        GitHubWebhook("")
    with pytest.raises(TypeError, match="store must be a URL string or a store object"):
        StripeWebhook("whsec_x", store=42)
    with pytest.raises(ValueError, match="is not supported"):
        SlackWebhook("x", store="memcached://127.0.0.1:11211")


# --------------------------------------------------------------------------- SNS
def test_sns_http_subscription_confirmation_is_verified():
    message = sns_message(
        "You have chosen to subscribe...", kind="SubscriptionConfirmation", lambda_spelling=False
    )
    event = apigw_v1(message, headers={"x-amz-sns-message-type": "SubscriptionConfirmation"})
    response, handler = run(SNSSignature([TOPIC], _fetcher=CertFetcher()), event)
    assert response["statusCode"] == 200
    assert handler.identities[0].claims["type"] == "SubscriptionConfirmation"
    event = apigw_v1(message, headers={"x-amz-sns-message-type": "Notification"})
    assert run(SNSSignature([TOPIC], _fetcher=CertFetcher()), event)[0]["statusCode"] == 401


def test_sns_envelope_in_sqs_is_verified_per_record():
    good, bad = sns_message(), {**sns_message(), "Message": "forged"}
    event = sqs(good, bad)
    result, handler = run(SNSSignature([TOPIC], _fetcher=CertFetcher()), event)
    assert handler.calls == 1
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_sns_identity_is_the_topic():
    _, handler = run(SNSSignature([TOPIC], _fetcher=CertFetcher()), sns_event(sns_message()))
    assert handler.calls == 1


def test_sns_certificate_fetch_failure_is_a_retryable_rejection():
    def offline(url: str, timeout: float) -> bytes:
        raise OSError("timed out")

    event = sns_event(sns_message())
    result, handler = run(SNSSignature([TOPIC], _fetcher=offline), event)
    assert handler.calls == 0 and result is None


def test_sns_max_age():
    message = {**sns_message(), "Timestamp": "2019-01-02T12:45:07.000Z"}
    gate = SNSSignature([TOPIC], _fetcher=CertFetcher(), max_age=3600)
    _, handler = run(gate, sns_event(message))
    assert handler.calls == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"topic_arns": []}, "topic_arns is empty"),
        ({"topic_arns": ["orders"]}, "is not a topic ARN"),
        ({"topic_arns": [TOPIC], "signature_versions": ["3"]}, "signature versions are 1, 2"),
    ],
)
def test_sns_configuration_errors(arguments, message):
    with pytest.raises(ValueError, match=message):
        SNSSignature(**arguments)


# --------------------------------------------------------------------------- API keys
def test_api_key_accepted_sets_key_id_and_identity():
    gate = APIKey(
        {
            "partner-acme": hash_api_key("fg_live_abc123"),
            "partner-zeta": hash_api_key("fg_live_zzz999"),
        }
    )
    event = apigw_v2()
    event["headers"]["x-api-key"] = "fg_live_zzz999"
    response, handler = run(gate, event)
    assert response["statusCode"] == 200
    identity = handler.identities[0]
    assert (identity.principal, identity.method) == ("partner-zeta", "api-key")


def test_api_key_lookup_callable_and_message_attribute():
    stored = {hash_api_key("fg_live_abc123"): "partner-acme"}
    gate = APIKey(stored.get)
    event = sqs({"orderId": "o-1"})
    event["Records"][0]["messageAttributes"] = {
        "x-api-key": {"stringValue": "fg_live_abc123", "dataType": "String"}
    }
    _, handler = run(gate, event)
    assert handler.calls == 1 and handler.identities[0].principal == "partner-acme"
    batch = sqs({"orderId": "o-1"}, {"orderId": "o-2"})
    for record in batch["Records"]:
        record["messageAttributes"] = event["Records"][0]["messageAttributes"]
    _, handler = run(gate, batch)
    assert handler.calls == 1 and handler.identities == [None]  # a batch has no single caller


def test_api_key_configuration_refuses_plaintext_keys():
    with pytest.raises(ValueError, match="must be the SHA-256 hex digest"):
        APIKey({"partner": "fg_live_abc123"})
    with pytest.raises(ValueError, match="keys is empty"):
        APIKey({})


# --------------------------------------------------------------------------- signed events
KEY = b"orders-to-billing-signing-key-32b!"


def test_signed_event_over_eventbridge_direct_and_kinesis():
    gate = SignedEvents({"orders-1": KEY}, store=MemoryStore())
    detail = sign_event({"orderId": "o-7", "total": "19.90"}, KEY, "orders-1")
    result, handler = run(gate, eventbridge(detail))
    assert result == {"statusCode": 200, "body": "ok"}
    assert handler.identities[0].principal == "orders-1"
    result, handler = run(gate, sign_event({"action": "rebuild-index"}, KEY, "orders-1"))
    assert handler.calls == 1
    signed = [sign_event({"n": n}, KEY, "orders-1") for n in range(3)]
    event = kinesis(*signed, {"n": 99})
    result, handler = run(gate, event)
    assert handler.calls == 1
    assert len(result["batchItemFailures"]) == 1


def test_signed_event_key_rotation_and_canonical_json():
    gate = SignedEvents({"k-old": KEY, "k-new": b"n" * 32}, store=MemoryStore())
    payload = {"b": [1, 2, {"z": "é", "a": None}], "a": 1.5}
    signed = sign_event(payload, b"n" * 32, "k-new")
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items())))))
    _, handler = run(gate, sqs(reordered))
    assert handler.calls == 1


def test_signed_event_store_outage_fails_closed():
    gate = SignedEvents({"k": KEY}, store=DownStore())
    event = sqs(sign_event({"n": 1}, KEY, "k"))
    result, handler = run(gate, event)
    assert handler.calls == 0 and "batchItemFailures" in result


def test_sign_event_argument_errors():
    with pytest.raises(ValueError, match="key must be >= 32 bytes"):
        sign_event({}, b"short", "k")
    with pytest.raises(ValueError, match="key_id must be"):
        sign_event({}, KEY, "bad kid!")
    with pytest.raises(ValueError, match="keys\\['k'\\] must be >= 32 bytes"):
        SignedEvents({"k": b"short"})


# --------------------------------------------------------------------------- AnyOf
def test_any_of_accepts_either_credential_and_reports_combined_challenge():
    gate = AnyOf(
        JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks()),
        APIKey({"partner": hash_api_key("fg_live_abc123")}),
    )
    response, handler = run(gate, apigw_v1(headers={"Authorization": f"Bearer {token('ec')}"}))
    assert handler.identities[0].method == "jwt"
    response, handler = run(gate, apigw_v1())
    assert response["statusCode"] == 401
    challenge = response["headers"]["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api"') and 'ApiKey realm="api"' in challenge


def test_any_of_refuses_non_gates():
    with pytest.raises(TypeError, match="is not an auth gate"):
        AnyOf(object())
    with pytest.raises(ValueError, match="at least one gate"):
        AnyOf()


def test_importing_auth_loads_no_third_party_module():
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = (
        "import sys, faasguard.runtime.auth\n"
        "print(sorted(m for m in ('jwt', 'cryptography', 'redis', 'yaml', 'faasguard.model')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"

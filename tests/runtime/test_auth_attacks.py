"""Attack suite: every forged, replayed, stale or malformed credential goes through a real guarded
handler on realistic API Gateway v1/v2 (and SNS/SQS) events, and none reaches the handler."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import jwt as pyjwt
import pytest

from faasguard.runtime import guard
from faasguard.runtime._store import MemoryStore
from faasguard.runtime.auth import (
    JWT,
    AnyOf,
    APIKey,
    GitHubWebhook,
    SignedEvents,
    SlackWebhook,
    SNSSignature,
    StripeWebhook,
    hash_api_key,
    sign_event,
)
from tests.runtime._auth_support import (
    AUDIENCE,
    CERT_URL,
    ISSUER,
    TOPIC,
    CertFetcher,
    Counter,
    b64url,
    claims,
    hs256_token,
    jwks,
    jwks_server,
    keys,
    raw_token,
    sns_event,
    sns_message,
    sns_signer,
    token,
)
from tests.runtime._guard_events import Context, apigw_v1, apigw_v2, sqs


def quiet(event: dict) -> None:
    pass


def run(gate, event: dict) -> tuple[int, Counter]:
    handler = Counter()
    response = guard(auth=gate, detect="off", events=quiet)(handler)(event, Context())
    return response["statusCode"], handler


def http_event(version: str, headers: dict[str, str], body: object = None) -> dict:
    payload = body if body is not None else {"orderId": "o-1001", "qty": 2}
    if version == "v1":
        return apigw_v1(payload, headers=headers)
    event = apigw_v2(payload)
    event["headers"].update({name.lower(): value for name, value in headers.items()})
    return event


VERSIONS = ("v1", "v2")
NOW = int(time.time())


# ----------------------------------------------------------------------------- JWT
def _rsa():
    return keys()["rsa"]


def _attacker():
    return keys()["attacker"]


def _attacker_token(kid: str, **header: object) -> str:
    return pyjwt.encode(
        claims(sub="admin"), _attacker().private, algorithm="RS256", headers={"kid": kid, **header}
    )


def _tampered() -> str:
    head, _, sig = token("rsa").split(".")
    other = token("rsa", sub="admin", scope="orders:admin").split(".")[1]
    return f"{head}.{other}.{sig}"


def _signature_swapped() -> str:
    head, body, _ = token("rsa").split(".")
    return f"{head}.{body}.{token('rsa', sub='someone').split('.')[2]}"


def _x5c() -> str:

    der = (
        __import__("cryptography.x509", fromlist=["x"])
        .load_pem_x509_certificate(sns_signer()[1])
        .public_bytes(
            __import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).Encoding.DER
        )
    )
    return base64.b64encode(der).decode()


JWT_ATTACKS: dict[str, Callable[[], str]] = {
    **{
        f"alg-{alg}": (
            lambda alg=alg: raw_token(
                {"alg": alg, "kid": _rsa().kid, "typ": "JWT"}, claims(sub="admin")
            )
        )
        for alg in ("none", "None", "NONE", "nOnE")
    },
    "alg-none-with-signature": lambda: raw_token(
        {"alg": "none", "kid": _rsa().kid}, claims(), b"\x01" * 32
    ),
    "alg-missing": lambda: raw_token({"kid": _rsa().kid}, claims(), b"\x01" * 32),
    "hs256-with-rsa-public-pem": lambda: hs256_token(
        _rsa().public_pem(), {"alg": "HS256", "kid": _rsa().kid}, claims(sub="admin")
    ),
    "hs256-with-rsa-pem-no-newline": lambda: hs256_token(
        _rsa().public_pem().strip(), {"alg": "HS256", "kid": _rsa().kid}, claims(sub="admin")
    ),
    "hs256-with-jwk-json": lambda: hs256_token(
        json.dumps(_rsa().jwk()).encode(), {"alg": "HS256", "kid": _rsa().kid}, claims()
    ),
    "forged-kid-attacker-key": lambda: _attacker_token("attacker-2026"),
    "legit-kid-attacker-key": lambda: _attacker_token(_rsa().kid),
    "no-kid-attacker-key": lambda: pyjwt.encode(claims(), _attacker().private, "RS256"),
    "jku-injection": lambda: _attacker_token("attacker-2026", jku="http://127.0.0.1:9/jwks.json"),
    "jku-with-legit-kid": lambda: _attacker_token(_rsa().kid, jku="https://evil.example/jwks"),
    "x5u-injection": lambda: _attacker_token("attacker-2026", x5u="https://evil.example/c.pem"),
    "jwk-embedded": lambda: _attacker_token("attacker-2026", jwk=_attacker().jwk()),
    "jwk-embedded-legit-kid": lambda: _attacker_token(_rsa().kid, jwk=_attacker().jwk()),
    "x5c-embedded": lambda: _attacker_token("attacker-2026", x5c=[_x5c()]),
    "es256-alg-on-rsa-kid": lambda: pyjwt.encode(
        claims(), keys()["ec"].private, "ES256", headers={"kid": _rsa().kid}
    ),
    "rs256-alg-on-ec-kid": lambda: _attacker_token(keys()["ec"].kid),
    "ps256-alg-on-rs256-key": lambda: pyjwt.encode(
        claims(), _rsa().private, "PS256", headers={"kid": _rsa().kid}
    ),
    "expired": lambda: token("rsa", exp=NOW - 3600, iat=NOW - 7200, nbf=NOW - 7200),
    "nbf-in-future": lambda: token("rsa", nbf=NOW + 3600),
    "iat-in-future": lambda: token("rsa", iat=NOW + 3600),
    "wrong-audience": lambda: token("rsa", aud="billing-api"),
    "audience-list-without-ours": lambda: token("rsa", aud=["billing-api", "reports"]),
    "wrong-issuer": lambda: token("rsa", iss="https://login.evil.example/"),
    "issuer-prefix-trick": lambda: token("rsa", iss=ISSUER + "evil"),
    "missing-exp": lambda: token("rsa", exp=None),
    "missing-iss": lambda: token("rsa", iss=None),
    "missing-aud": lambda: token("rsa", aud=None),
    "exp-not-a-number": lambda: token("rsa", exp="tomorrow"),
    "tampered-payload": _tampered,
    "signature-from-other-token": _signature_swapped,
    "truncated": lambda: token("rsa")[:-12],
    "signature-stripped": lambda: token("rsa").rsplit(".", 1)[0] + ".",
    "two-segments": lambda: ".".join(token("rsa").split(".")[:2]),
    "four-segments": lambda: token("rsa") + ".AAAA",
    "garbled": lambda: "eyJhbGciOiJSUzI1NiJ9.%%%garbage%%%.!!",
    "header-not-json": lambda: b64url(b"{alg:RS256") + "." + token("rsa").split(".", 1)[1],
    "header-json-array": lambda: b64url(b'["RS256"]') + "." + token("rsa").split(".", 1)[1],
    "kid-not-a-string": lambda: raw_token({"alg": "RS256", "kid": 7}, claims(), b"\x00" * 256),
    "crit-header": lambda: pyjwt.encode(
        claims(), _rsa().private, "RS256", headers={"kid": _rsa().kid, "crit": ["exp"]}
    ),
    "oversized": lambda: token("rsa", pad="A" * 9000),
    "deeply-nested-header": lambda: b64url(b"[" * 5000 + b"]" * 5000) + ".e30.AAAA",
}

SCHEME_ATTACKS: dict[str, Callable[[], str]] = {
    "basic-scheme": lambda: "Basic dXNlcjpwYXNzd29yZA==",
    "token-scheme": lambda: f"Token {token('rsa')}",
    "no-scheme": lambda: token("rsa"),
    "empty-bearer": lambda: "Bearer ",
    "bearer-only": lambda: "Bearer",
    "empty-header": lambda: "",
    "bearer-bearer": lambda: f"Bearer Bearer {token('rsa')}",
}


def _jwt_gate() -> JWT:
    return JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks())


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("attack", sorted(JWT_ATTACKS))
def test_jwt_attack_is_refused(attack, version):
    event = http_event(version, {"Authorization": f"Bearer {JWT_ATTACKS[attack]()}"})
    status, handler = run(_jwt_gate(), event)
    assert (status, handler.calls) == (401, 0)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("attack", sorted(SCHEME_ATTACKS))
def test_non_bearer_or_empty_credentials_are_refused(attack, version):
    event = http_event(version, {"Authorization": SCHEME_ATTACKS[attack]()})
    status, handler = run(_jwt_gate(), event)
    assert (status, handler.calls) == (401, 0)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("key", ["rsa", "ps", "ec", "ed"])
def test_valid_tokens_are_accepted_with_claims_visible(key, version):
    status, handler = run(
        _jwt_gate(), http_event(version, {"Authorization": f"Bearer {token(key)}"})
    )
    assert (status, handler.calls) == (200, 1)
    identity = handler.identities[0]
    assert (
        identity.principal == "user-8d1f" and identity.claims["scope"] == "orders:read orders:write"
    )


def test_header_key_urls_are_never_fetched():
    with jwks_server(jwks()) as idp, jwks_server({"keys": [_attacker().jwk(kid="evil")]}) as evil:
        gate = JWT(issuer=ISSUER, audience=AUDIENCE, jwks=idp.url)
        for header in ({"jku": evil.url}, {"x5u": evil.url}, {"jku": evil.url, "x5u": evil.url}):
            forged = _attacker_token("evil", **header)
            status, handler = run(gate, http_event("v1", {"Authorization": f"Bearer {forged}"}))
            assert (status, handler.calls) == (401, 0)
        assert evil.hits == []
        assert len(idp.hits) == 1


def test_unknown_kid_flood_refetches_at_most_once_per_interval():
    clock = [1000.0]
    with jwks_server(jwks()) as idp:
        gate = JWT(
            issuer=ISSUER,
            audience=AUDIENCE,
            jwks=idp.url,
            refetch_interval=30,
            _clock=lambda: clock[0],
        )
        assert run(gate, http_event("v2", {"Authorization": f"Bearer {token('rsa')}"}))[0] == 200
        assert len(idp.hits) == 1
        accepted = 0
        for second in range(0, 95):
            clock[0] = 1000.0 + 1 + second
            forged = _attacker_token(f"kid-{second}")
            status, handler = run(gate, http_event("v2", {"Authorization": f"Bearer {forged}"}))
            accepted += handler.calls
            assert status == 401
        # 95 s of forged kids at one per second: one refetch per 30 s, not one per request
        assert accepted == 0
        assert len(idp.hits) == 1 + 3


# ------------------------------------------------------------------------- webhooks
GITHUB_SECRET = "gh-webhook-7f3a9c1e5b"
STRIPE_SECRET = "whsec_8b1e4f2a9c7d3e6f0a5b"
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PUSH = json.dumps({"ref": "refs/heads/main", "after": "a9f3c1", "repository": {"id": 4242}})


def _github(body: str = PUSH, secret: str = GITHUB_SECRET, delivery: str = "d-1") -> dict:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return {
        "X-Hub-Signature-256": f"sha256={digest}",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": delivery,
        "Content-Type": "application/json",
    }


def _stripe(body: str, secret: str = STRIPE_SECRET, stamp: int | None = None) -> dict:
    stamp = int(time.time()) if stamp is None else stamp
    mac = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={mac},v0=deadbeef"}


def _slack(body: str, secret: str = SLACK_SECRET, stamp: int | None = None) -> dict:
    stamp = int(time.time()) if stamp is None else stamp
    mac = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Signature": f"v0={mac}",
        "X-Slack-Request-Timestamp": str(stamp),
        "Content-Type": "application/x-www-form-urlencoded",
    }


STRIPE_BODY = json.dumps({"id": "evt_1Nx", "type": "payment_intent.succeeded"})
SLACK_BODY = "token=xyz&team_id=T1&command=%2Fdeploy&text=prod"


def _webhook_event(version: str, headers: dict, body: str) -> dict:
    event = http_event(version, headers, body)
    event["body"] = body
    return event


WEBHOOK_ATTACKS = {
    "github-wrong-secret": (
        lambda: GitHubWebhook(GITHUB_SECRET, store=MemoryStore()),
        lambda: (_github(secret="guessed"), PUSH),
    ),
    "github-tampered-body": (
        lambda: GitHubWebhook(GITHUB_SECRET, store=MemoryStore()),
        lambda: (_github(), PUSH.replace("main", "prod")),
    ),
    "github-sha1-header-only": (
        lambda: GitHubWebhook(GITHUB_SECRET, store=MemoryStore()),
        lambda: (
            {
                "X-Hub-Signature": "sha1="
                + hmac.new(GITHUB_SECRET.encode(), PUSH.encode(), "sha1").hexdigest()
            },
            PUSH,
        ),
    ),
    "github-missing-signature": (
        lambda: GitHubWebhook(GITHUB_SECRET, store=MemoryStore()),
        lambda: ({"X-GitHub-Event": "push"}, PUSH),
    ),
    "stripe-wrong-secret": (
        lambda: StripeWebhook(STRIPE_SECRET, store=MemoryStore()),
        lambda: (_stripe(STRIPE_BODY, secret="whsec_guess"), STRIPE_BODY),
    ),
    "stripe-outside-tolerance": (
        lambda: StripeWebhook(STRIPE_SECRET, store=MemoryStore()),
        lambda: (_stripe(STRIPE_BODY, stamp=int(time.time()) - 301), STRIPE_BODY),
    ),
    "stripe-from-the-future": (
        lambda: StripeWebhook(STRIPE_SECRET, store=MemoryStore()),
        lambda: (_stripe(STRIPE_BODY, stamp=int(time.time()) + 3600), STRIPE_BODY),
    ),
    "stripe-timestamp-swapped": (
        lambda: StripeWebhook(STRIPE_SECRET, store=MemoryStore()),
        lambda: (
            {
                "Stripe-Signature": _stripe(STRIPE_BODY, stamp=int(time.time()) - 900)[
                    "Stripe-Signature"
                ].replace(f"t={int(time.time()) - 900}", f"t={int(time.time())}")
            },
            STRIPE_BODY,
        ),
    ),
    "stripe-v0-only": (
        lambda: StripeWebhook(STRIPE_SECRET, store=MemoryStore()),
        lambda: ({"Stripe-Signature": f"t={int(time.time())},v0=" + "a" * 64}, STRIPE_BODY),
    ),
    "slack-wrong-secret": (
        lambda: SlackWebhook(SLACK_SECRET, store=MemoryStore()),
        lambda: (_slack(SLACK_BODY, secret="x" * 32), SLACK_BODY),
    ),
    "slack-outside-tolerance": (
        lambda: SlackWebhook(SLACK_SECRET, store=MemoryStore()),
        lambda: (_slack(SLACK_BODY, stamp=int(time.time()) - 600), SLACK_BODY),
    ),
    "slack-tampered-body": (
        lambda: SlackWebhook(SLACK_SECRET, store=MemoryStore()),
        lambda: (_slack(SLACK_BODY), SLACK_BODY.replace("prod", "all")),
    ),
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("attack", sorted(WEBHOOK_ATTACKS))
def test_webhook_attack_is_refused(attack, version):
    make_gate, make_request = WEBHOOK_ATTACKS[attack]
    headers, body = make_request()
    status, handler = run(make_gate(), _webhook_event(version, headers, body))
    assert (status, handler.calls) == (401, 0)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "provider",
    [
        ("github", lambda s: GitHubWebhook(GITHUB_SECRET, store=s), lambda: _github(), PUSH),
        (
            "stripe",
            lambda s: StripeWebhook(STRIPE_SECRET, store=s),
            lambda: _stripe(STRIPE_BODY),
            STRIPE_BODY,
        ),
        (
            "slack",
            lambda s: SlackWebhook(SLACK_SECRET, store=s),
            lambda: _slack(SLACK_BODY),
            SLACK_BODY,
        ),
    ],
    ids=lambda p: p[0],
)
def test_replayed_webhook_is_refused(provider, version):
    _, make_gate, make_headers, body = provider
    gate = make_gate(MemoryStore())
    headers = make_headers()
    first = run(gate, _webhook_event(version, headers, body))
    replay = run(gate, _webhook_event(version, headers, body))
    assert (first[0], first[1].calls) == (200, 1)
    assert (replay[0], replay[1].calls) == (401, 0)


# ------------------------------------------------------------------------------ SNS
FORGED_CERT_URLS = [
    "https://sns.evil.com/SimpleNotificationService-1.pem",
    "https://sns.eu-west-1.amazonaws.com.evil.com/SimpleNotificationService-1.pem",
    "http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
    "https://attacker@sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
    "https://sns.eu-west-1.amazonaws.com@evil.com/SimpleNotificationService-1.pem",
    "https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-1.pem",
    "https://evil.com/sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
    "https://evil.com/?u=https://sns.eu-west-1.amazonaws.com/x.pem",
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem?x=https://evil.com",
    "https://sns.eu-west-1.amazonaws.com\\@evil.com/SimpleNotificationService-1.pem",
    "https://SNS.EU-WEST-1.AMAZONAWS.COM/SimpleNotificationService-1.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",  # not the topic's
    "https://sns-eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
    "https://sns.eu-west-1.amazonaws.com.cn.evil.org/SimpleNotificationService-1.pem",
    "https://s3.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
    "https://sns.eu-west-1.amazonaws.com/attacker-cert.txt",
    "ftp://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
    "",
]


@pytest.mark.parametrize("url", FORGED_CERT_URLS)
def test_sns_forged_certificate_url_is_refused_before_any_fetch(url):
    fetcher = CertFetcher()  # would serve a certificate that verifies: only the URL check saves us
    gate = SNSSignature([TOPIC], _fetcher=fetcher)
    status = guard(auth=gate, detect="off", events=quiet)(Counter())(
        sns_event(sns_message(cert_url=url)), Context()
    )
    assert status is None  # the only record was refused: the handler did not run
    assert fetcher.urls == []


def _tamper(field: str, value: object) -> Callable[[dict], dict]:
    return lambda message: {**message, field: value}


SNS_TAMPERING = {
    "message-changed": _tamper("Message", '{"orderId": "o-1001", "status": "refunded"}'),
    "subject-changed": _tamper("Subject", "order refunded"),
    "subject-removed": _tamper("Subject", None),
    "message-id-changed": _tamper("MessageId", "11111111-2222-3333-4444-555555555555"),
    "timestamp-changed": _tamper("Timestamp", "2030-01-01T00:00:00.000Z"),
    "version-downgraded": _tamper("SignatureVersion", "1"),
    "signature-missing": _tamper("Signature", ""),
    "signature-garbage": _tamper("Signature", "not base64 !!"),
    "type-changed": _tamper("Type", "SubscriptionConfirmation"),
    "other-topic": _tamper("TopicArn", "arn:aws:sns:eu-west-1:123456789012:other-topic"),
    "version-3": _tamper("SignatureVersion", "3"),
}


@pytest.mark.parametrize("attack", sorted(SNS_TAMPERING))
def test_sns_tampered_message_is_refused(attack):
    handler = Counter()
    app = guard(auth=SNSSignature([TOPIC], _fetcher=CertFetcher()), detect="off", events=quiet)(
        handler
    )
    app(sns_event(SNS_TAMPERING[attack](sns_message())), Context())
    assert handler.calls == 0


@pytest.mark.parametrize("version", ["1", "2"])
def test_sns_signed_messages_are_accepted(version):
    handler = Counter()
    fetcher = CertFetcher()
    app = guard(auth=SNSSignature([TOPIC], _fetcher=fetcher), detect="off", events=quiet)(handler)
    app(sns_event(sns_message(version=version)), Context())
    app(sns_event(sns_message(version=version, subject=None)), Context())
    assert handler.calls == 2
    assert fetcher.urls == [CERT_URL]  # cached after the first fetch


def test_sns_http_delivery_with_tampered_body_is_refused():
    message = sns_message(lambda_spelling=False)
    good = http_event("v1", {"x-amz-sns-message-type": "Notification"}, message)
    assert run(SNSSignature([TOPIC], _fetcher=CertFetcher()), good)[0] == 200
    bad = http_event("v1", {"x-amz-sns-message-type": "Notification"}, {**message, "Message": "{}"})
    status, handler = run(SNSSignature([TOPIC], _fetcher=CertFetcher()), bad)
    assert (status, handler.calls) == (401, 0)


# ---------------------------------------------------------------- API keys, signed events
API_KEY = "fg_live_4f9c2a7e1b8d3c6a0e5f"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "presented",
    ["", "fg_live_guess", hash_api_key(API_KEY), API_KEY.upper(), API_KEY + " ", "x" * 600],
    ids=["missing", "wrong", "the-stored-hash", "case-changed", "trailing-space", "huge"],
)
def test_api_key_attack_is_refused(presented, version):
    gate = APIKey({"partner-acme": hash_api_key(API_KEY)})
    status, handler = run(gate, http_event(version, {"x-api-key": presented}))
    assert (status, handler.calls) == (401, 0)


SIGNING_KEY = b"internal-signing-key-0123456789abcdef"


def _signed_sqs(*payloads: dict) -> dict:
    return sqs(*payloads)


SIGNED_ATTACKS = {
    "unsigned": lambda: {"orderId": "o-1"},
    "tampered": lambda: {
        **sign_event({"orderId": "o-1", "amount": 10}, SIGNING_KEY, "orders"),
        "amount": 10000,
    },
    "wrong-key": lambda: sign_event({"orderId": "o-1"}, b"k" * 32, "orders"),
    "unknown-kid": lambda: sign_event({"orderId": "o-1"}, SIGNING_KEY, "billing"),
    "expired": lambda: _expired(),
    "envelope-not-object": lambda: {"orderId": "o-1", "_faasguard_sig": "yes"},
}


def _expired() -> dict:
    signed = sign_event({"orderId": "o-1"}, SIGNING_KEY, "orders", ttl=1)
    envelope = signed["_faasguard_sig"]
    envelope.update(iat=envelope["iat"] - 3600, exp=envelope["exp"] - 3600)
    return signed  # the MAC no longer matches either: refused on two counts


@pytest.mark.parametrize("attack", sorted(SIGNED_ATTACKS))
def test_signed_event_attack_is_refused(attack):
    gate = SignedEvents({"orders": SIGNING_KEY}, store=MemoryStore())
    handler = Counter()
    event = sqs(SIGNED_ATTACKS[attack]())
    result = guard(auth=gate, detect="off", events=quiet)(handler)(event, Context())
    assert handler.calls == 0
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


def test_expired_signed_event_with_valid_mac_is_refused():
    gate = SignedEvents({"orders": SIGNING_KEY}, store=MemoryStore(), leeway=0)
    signed = sign_event({"orderId": "o-1"}, SIGNING_KEY, "orders", ttl=-5)
    handler = Counter()
    guard(auth=gate, detect="off", events=quiet)(handler)(sqs(signed), Context())
    assert handler.calls == 0


def test_signed_event_replayed_in_another_message_is_refused_but_redelivery_passes():
    now = [time.time()]
    gate = SignedEvents({"orders": SIGNING_KEY}, store=MemoryStore(clock=lambda: now[0]))
    app_handler = Counter()
    app = guard(auth=gate, detect="off", events=quiet)(app_handler)
    signed = sign_event({"orderId": "o-1"}, SIGNING_KEY, "orders")
    original = sqs(signed)
    replay = sqs(signed)
    replay["Records"][0]["messageId"] = "attacker-resent-0001"
    failures = [{"itemIdentifier": "attacker-resent-0001"}]
    assert app(original, Context()) == {"statusCode": 200, "body": "ok"}
    for _ in range(3):  # redeliveries (a visibility timeout apart) of both messages
        now[0] += 30
        assert app(original, Context()) == {"statusCode": 200, "body": "ok"}
        assert app(replay, Context()) == {"batchItemFailures": failures}
    assert app_handler.calls == 4


def test_any_of_refuses_when_every_alternative_fails():
    gate = AnyOf(_jwt_gate(), APIKey({"partner-acme": hash_api_key(API_KEY)}))
    forged = _attacker_token(_rsa().kid)
    status, handler = run(
        gate, http_event("v1", {"Authorization": f"Bearer {forged}", "x-api-key": "fg_live_guess"})
    )
    assert (status, handler.calls) == (401, 0)
    status, handler = run(gate, http_event("v2", {"x-api-key": API_KEY}))
    assert (status, handler.calls) == (200, 1)
    assert handler.identities[0].method == "api-key"

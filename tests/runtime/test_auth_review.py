"""Security review regressions (issue 5): each test is an attack or a malformed input that an
earlier version let through, crashed on, or answered in the wrong way."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from faasguard.runtime import guard
from faasguard.runtime._store import MemoryStore
from faasguard.runtime.auth import (
    JWT,
    APIKey,
    GitHubWebhook,
    HMACWebhook,
    SlackWebhook,
    SNSSignature,
    hash_api_key,
)
from faasguard.runtime.authz import Cedar
from tests.runtime._auth_support import (
    AUDIENCE,
    ISSUER,
    TOPIC,
    CertFetcher,
    Counter,
    b64url,
    jwks,
    keys,
    sns_event,
    sns_message,
    token,
)
from tests.runtime._fake_http import JSONHandler, serving
from tests.runtime._guard_events import Context, apigw_v1
from tests.runtime.conftest import HeaderIdentity


def run(gate, event: dict) -> tuple[object, Counter]:
    handler = Counter()
    response = guard(auth=gate, detect="off", events=lambda e: None)(handler)(event, Context())
    return response, handler


def bearer(value: str) -> dict:
    return apigw_v1({"orderId": "o-1"}, headers={"Authorization": f"Bearer {value}"})


# ----------------------------------------------------------------------- JWKS parsing
# Keys an identity provider may publish next to its signing keys (or get wrong) that PyJWT
# refuses with exceptions other than ValueError: one of them used to turn every request into 500.
ODD_JWKS_ENTRIES = {
    "rsa-key-labelled-hs256": lambda: {**keys()["ps"].jwk(), "kid": "odd", "alg": "HS256"},
    "rsa-key-labelled-none": lambda: {**keys()["ps"].jwk(), "kid": "odd", "alg": "none"},
    "rsa-modulus-too-small": lambda: {**keys()["ps"].jwk(), "kid": "odd", "n": "AQ"},
    "ec-unknown-curve": lambda: {**keys()["ec"].jwk(), "kid": "odd", "crv": "P-999"},
    "ec-short-coordinate": lambda: {**keys()["ec"].jwk(), "kid": "odd", "x": "AAAA"},
    "x25519-without-use": lambda: {"kty": "OKP", "crv": "X25519", "kid": "odd", "x": "AAAA"},
}


@pytest.mark.parametrize("entry", sorted(ODD_JWKS_ENTRIES))
@pytest.mark.parametrize("source", ["dict", "url"])
def test_one_unusable_jwks_entry_does_not_break_the_good_keys(entry, source):
    document = {"keys": [ODD_JWKS_ENTRIES[entry](), *jwks()["keys"]]}
    fetched = lambda url, timeout: json.dumps(document).encode()  # noqa: E731
    gate = JWT(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks=document if source == "dict" else "https://login.example.com/jwks.json",
        _fetcher=fetched,
    )
    response, handler = run(gate, bearer(token("rsa")))
    assert (response["statusCode"], handler.calls) == (200, 1)
    forged, _ = run(gate, bearer(token("attacker")))
    assert forged["statusCode"] == 401


def _signed(payload: str) -> str:
    key = keys()["rsa"]
    head = b64url(json.dumps({"alg": "RS256", "kid": key.kid, "typ": "JWT"}).encode())
    body = b64url(payload.encode())
    signature = key.private.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(signature)}"


@pytest.mark.parametrize(
    "claim, value",
    [("exp", '"{future}"'), ("nbf", '"{past}"'), ("iat", '"{past}"'), ("exp", "true")],
)
def test_numeric_dates_that_are_not_numbers_are_refused(claim, value):
    now = int(time.time())
    raw = {"iss": json.dumps(ISSUER), "aud": json.dumps(AUDIENCE), "sub": '"user-1"',
           "exp": str(now + 600)}  # fmt: skip
    raw[claim] = value.format(future=now + 600, past=now - 60)
    payload = "{" + ",".join(f'"{name}":{text}' for name, text in raw.items()) + "}"
    gate = JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks())
    response, handler = run(gate, bearer(_signed(payload)))
    assert (response["statusCode"], handler.calls) == (401, 0)
    raw[claim] = str(now + 600 if claim == "exp" else now - 60)  # the same token, as numbers
    payload = "{" + ",".join(f'"{name}":{text}' for name, text in raw.items()) + "}"
    assert run(gate, bearer(_signed(payload)))[0]["statusCode"] == 200


# ------------------------------------------------------------------------- webhooks
GITHUB_SECRET = "gh-webhook-7f3a9c1e5b"
PUSH = json.dumps({"ref": "refs/heads/main", "after": "a9f3c1", "repository": {"id": 4242}})


def _github_event(delivery: str) -> dict:
    digest = hmac.new(GITHUB_SECRET.encode(), PUSH.encode(), hashlib.sha256).hexdigest()
    event = apigw_v1(
        None,
        headers={
            "X-Hub-Signature-256": f"sha256={digest}",
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": delivery,
            "Content-Type": "application/json",
        },
    )
    event["body"] = PUSH
    return event


def test_github_replay_with_a_fresh_delivery_id_is_refused():
    # X-GitHub-Delivery is not signed: a replay may carry any value the attacker likes
    gate = GitHubWebhook(GITHUB_SECRET, store=MemoryStore())
    first, _ = run(gate, _github_event("72d3162e-cc78-11e3-81ab-4c9367dc0958"))
    replay, handler = run(gate, _github_event("00000000-0000-0000-0000-000000000001"))
    assert first["statusCode"] == 200
    assert (replay["statusCode"], handler.calls) == (401, 0)


@pytest.mark.parametrize("stamp", ["\u00b2\u00b3", "\u0661\u0667\u0660\u0660"])
def test_webhook_timestamp_in_non_ascii_digits_is_refused_not_a_crash(stamp):
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    body = "token=xyz&team_id=T1&command=%2Fdeploy&text=prod"
    mac = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    event = apigw_v1(
        None, headers={"X-Slack-Signature": f"v0={mac}", "X-Slack-Request-Timestamp": stamp}
    )
    event["body"] = body
    for gate in (
        SlackWebhook(secret, store=MemoryStore()),
        HMACWebhook(secret, header="x-slack-signature", prefix="v0=",
                    timestamp_header="x-slack-request-timestamp",
                    signed_format="v0:{timestamp}:{body}", store=MemoryStore()),
    ):  # fmt: skip
        response, handler = run(gate, event)
        assert (response["statusCode"], handler.calls) == (401, 0)


# ------------------------------------------------------------------------------ SNS
@pytest.mark.parametrize("subject", [{"text": "order refunded"}, ["refund"], 12345, True])
def test_sns_subject_that_is_not_a_string_is_refused(subject):
    # the signature of a message without Subject does not cover one the attacker adds
    message = sns_message(subject=None)
    message["Subject"] = subject
    handler = Counter()
    gate = SNSSignature([TOPIC], _fetcher=CertFetcher())
    guard(auth=gate, detect="off", events=lambda e: None)(handler)(sns_event(message), Context())
    assert handler.calls == 0


def test_sns_with_two_spellings_of_subscribe_url_that_differ_is_refused():
    message = sns_message(kind="SubscriptionConfirmation", lambda_spelling=False)
    message["SubscribeUrl"] = "https://evil.example/confirm"
    handler = Counter()
    gate = SNSSignature([TOPIC], _fetcher=CertFetcher())
    guard(auth=gate, detect="off", events=lambda e: None)(handler)(sns_event(message), Context())
    assert handler.calls == 0


def test_sns_message_without_subject_still_verifies():
    handler = Counter()
    gate = SNSSignature([TOPIC], _fetcher=CertFetcher())
    app = guard(auth=gate, detect="off", events=lambda e: None)(handler)
    app(sns_event(sns_message(subject=None)), Context())
    assert handler.calls == 1


# ---------------------------------------------------------------------------- Cedar
ADMIN_ONLY = """\
@id("admins")
permit (principal in Group::"admin", action, resource);
"""


def test_principal_listed_in_static_entities_keeps_its_static_groups(tmp_path):
    entities = [
        {"uid": {"type": "User", "id": "ops-7"}, "attrs": {},
         "parents": [{"type": "Group", "id": "admin"}]},
        {"uid": {"type": "Group", "id": "admin"}, "attrs": {}, "parents": []},
    ]  # fmt: skip
    app = guard(detect="off", events=lambda e: None, auth=HeaderIdentity(),
                authorize=Cedar(ADMIN_ONLY, entities=entities))(Counter())  # fmt: skip
    admin = apigw_v1(None, method="GET", headers={"x-test-user": "ops-7"})
    other = apigw_v1(None, method="GET", headers={"x-test-user": "dev-2"})
    assert app(admin, Context())["statusCode"] == 200
    assert app(other, Context())["statusCode"] == 403


def test_claims_cannot_replace_attributes_of_a_static_principal(tmp_path):
    policy = '@id("x") permit (principal, action, resource) when { principal.level == "gold" };'
    entities = [{"uid": {"type": "User", "id": "ops-7"}, "attrs": {"level": "basic"},
                 "parents": []}]  # fmt: skip
    app = guard(detect="off", events=lambda e: None, auth=HeaderIdentity(),
                authorize=Cedar(policy, entities=entities))(Counter())  # fmt: skip
    headers = {"x-test-user": "ops-7", "x-test-claims": json.dumps({"level": "gold"})}
    assert app(apigw_v1(None, method="GET", headers=headers), Context())["statusCode"] == 403


# ------------------------------------------------- lone surrogates (JSON "\ud800" escapes)
def test_api_key_with_a_lone_surrogate_is_refused_with_401_and_an_event():
    events: list[dict] = []
    gate = APIKey({"partner-7": hash_api_key("k-7f3a9c1e5b2d4e6f")})
    app = guard(auth=gate, detect="off", events=events.append)(Counter())
    event = apigw_v1({"orderId": "o-1"}, headers={"x-api-key": "k-7f3a\ud800"})
    assert app(event, Context())["statusCode"] == 401
    assert any(e.get("class_uid") == 3002 for e in events)  # OCSF Authentication


def test_sns_http_delivery_with_a_lone_surrogate_is_refused_not_a_crash():
    message = sns_message()
    message["Message"] = '{"orderId": "o-1001\ud800"}'
    event = apigw_v1(None, headers={"x-amz-sns-message-type": "Notification"})
    event["body"] = json.dumps(message)
    response, handler = run(SNSSignature([TOPIC], _fetcher=CertFetcher()), event)
    assert (response["statusCode"], handler.calls) == (401, 0)


# ------------------------------------------------- a key endpoint that drops the connection
@contextmanager
def flaky_jwks(document: dict) -> Iterator[dict]:
    """A JWKS endpoint on 127.0.0.1; with state["truncate"] it answers a broken chunked body (what
    a connection dropped by a proxy looks like to http.client)."""
    state: dict = {"truncate": False, "hits": 0}

    class Handler(JSONHandler):
        def do_GET(self) -> None:
            state["hits"] += 1
            self.close_connection = True
            if state["truncate"]:  # a chunked body cut short by a proxy
                self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                return
            self.reply(200, document)

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        state["url"] = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        yield state


def test_dropped_jwks_refresh_keeps_the_cached_keys_and_never_fails_open():
    now = [1000.0]
    with flaky_jwks(jwks()) as endpoint:
        gate = JWT(issuer=ISSUER, audience=AUDIENCE, jwks=endpoint["url"], cache_ttl=60,
                   refetch_interval=30, _clock=lambda: now[0])  # fmt: skip
        assert run(gate, bearer(token("rsa")))[0]["statusCode"] == 200
        endpoint["truncate"] = True
        now[0] += 61  # stale: refresh, which fails half-way
        response, handler = run(gate, bearer(token("rsa")))
        assert (response["statusCode"], handler.calls) == (200, 1)
        assert endpoint["hits"] == 2
        assert run(gate, bearer(token("attacker")))[0]["statusCode"] == 401
        now[0] += 120  # too stale to trust and still failing: closed, and retryable
        assert run(gate, bearer(token("rsa")))[0]["statusCode"] == 503


@pytest.mark.parametrize(
    "answer",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["bad-status-line", "header-too-long", "broken-chunks"],
)
def test_broken_http_answers_are_fetch_failures_for_keys_and_certificates(answer):
    from faasguard.runtime._jwks import fetch_url
    from faasguard.runtime._sns import fetch_cert

    for fetch in (fetch_url, fetch_cert):
        listener = socket.create_server(("127.0.0.1", 0))

        def serve(listener: socket.socket = listener) -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(answer)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with pytest.raises(OSError):
                fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/keys", 2.0)
        finally:
            thread.join(5)
            listener.close()

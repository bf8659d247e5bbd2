"""Keys, tokens, a local JWKS server and signed SNS messages for the authentication tests."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from faasguard.runtime import current_identity
from tests.runtime._fake_http import JSONHandler, serving

ISSUER = "https://login.example.com/"
AUDIENCE = "orders-api"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:orders-events"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private: Any

    def jwk(self, **extra: Any) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        public = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg, **extra}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@functools.cache
def keys() -> dict[str, SigningKey]:
    """The identity provider's keys (and an attacker's), made once per test session."""
    return {
        "rsa": SigningKey("idp-rsa-2026", "RS256", rsa.generate_private_key(65537, 2048)),
        "ps": SigningKey("idp-ps-2026", "PS256", rsa.generate_private_key(65537, 2048)),
        "ec": SigningKey("idp-ec-2026", "ES256", ec.generate_private_key(ec.SECP256R1())),
        "ed": SigningKey("idp-ed-2026", "EdDSA", ed25519.Ed25519PrivateKey.generate()),
        "attacker": SigningKey("idp-rsa-2026", "RS256", rsa.generate_private_key(65537, 2048)),
    }


def jwks() -> dict[str, Any]:
    return {"keys": [k.jwk() for name, k in keys().items() if name != "attacker"]}


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-8d1f",
        "iat": now,
        "nbf": now - 5,
        "exp": now + 600,
        "scope": "orders:read orders:write",
        "tenant": "acme",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(key: str = "rsa", header: dict[str, Any] | None = None, **changes: Any) -> str:
    signing = keys()[key]
    headers = {"kid": signing.kid, **(header or {})}
    return jwt.encode(claims(**changes), signing.private, algorithm=signing.alg, headers=headers)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A hand-built compact JWS (for tokens no library would produce)."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"


def hs256_token(secret: bytes, header: dict[str, Any], payload: dict[str, Any]) -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


# ----- guarded test handlers
class Counter:
    """A handler that counts what reaches it and records the verified identity of each call."""

    def __init__(self) -> None:
        self.calls = 0
        self.identities: list[object] = []

    def __call__(self, event, context):
        self.calls += 1
        self.identities.append(current_identity())
        return {"statusCode": 200, "body": "ok"}


class Sink:
    """Collects security events (a plain list would be falsy while empty)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, event: dict) -> None:
        self.events.append(event)

    def __iter__(self):
        return iter(self.events)


# ----- a JWKS endpoint on 127.0.0.1 that counts its requests
@dataclass
class JWKSServer:
    url: str
    document: dict[str, Any]
    hits: list[str] = field(default_factory=list)


@contextmanager
def jwks_server(document: dict[str, Any]) -> Iterator[JWKSServer]:
    state = JWKSServer("", document)

    class Handler(JSONHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            self.reply(200, state.document)

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        yield state


# ----- SNS
@functools.cache
def sns_signer() -> tuple[Any, bytes]:
    """A self-signed certificate standing in for the one AWS serves at CERT_URL."""
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


_SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}


def sns_message(
    message: str = '{"orderId": "o-1001", "status": "shipped"}',
    *,
    version: str = "2",
    kind: str = "Notification",
    subject: str | None = "order shipped",
    topic: str = TOPIC,
    cert_url: str = CERT_URL,
    lambda_spelling: bool = True,
) -> dict[str, Any]:
    """An SNS message signed as AWS signs it (Lambda record spelling, or HTTP delivery's)."""
    fields: dict[str, Any] = {
        "Type": kind,
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "TopicArn": topic,
        "Subject": subject,
        "Message": message,
        "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }
    if kind != "Notification":
        fields.update(
            Token="2336412f37fb687f5d51e6e2425c464de",
            Subject=None,
            SubscribeURL="https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
        )
    text = "".join(
        f"{name}\n{fields[name]}\n" for name in _SIGNED[kind] if fields.get(name) is not None
    )
    key, _ = sns_signer()
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(text.encode(), padding.PKCS1v15(), digest)
    fields.update(SignatureVersion=version, Signature=base64.b64encode(signature).decode())
    fields["SigningCertUrl" if lambda_spelling else "SigningCertURL"] = cert_url
    if kind != "Notification" and lambda_spelling:
        fields["SubscribeUrl"] = fields.pop("SubscribeURL")
    return fields


def sns_event(*messages: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{m['TopicArn']}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "Sns": {**m, "MessageAttributes": {}},
            }
            for m in messages
        ]
    }


class CertFetcher:
    """Stands in for the network: serves the test certificate and records the URLs asked."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        return sns_signer()[1]

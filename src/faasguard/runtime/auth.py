"""Authentication gates for `guard(auth=...)`: every trigger, not only HTTP.

    from faasguard.runtime import guard
    from faasguard.runtime.auth import JWT, APIKey, AnyOf

    @guard(auth=JWT(issuer="https://login.example.com/", audience="orders-api",
                    jwks="https://login.example.com/.well-known/jwks.json"))
    def handler(event, context):
        caller = current_identity()   # .principal (sub), .claims, .tenant

A gate refuses with 401 (and a WWW-Authenticate challenge) after logging an OCSF Authentication
event whose reason is a fixed phrase: tokens, keys and signatures are never echoed. A key source
that cannot be reached gives 503. Queued messages that fail become partial batch failures.

Where credentials are read:
- HTTP (API Gateway REST / HTTP API, function URLs, ALB): the `Authorization: Bearer` header for
  JWT (header name configurable, matched case-insensitively), `x-api-key` for APIKey, the
  provider's signature headers for webhooks, the raw body for SNS and signed events.
- Messages: the message attribute named `attribute` (SQS `messageAttributes`, SNS
  `MessageAttributes`), or for EventBridge (`detail`) and direct invocations the payload's
  top-level field of that name; JWT's default is `authorization`, APIKey's its header name.
  Signed internal events carry their `_faasguard_sig` envelope in the payload itself.

Importing this module loads only the standard library; PyJWT and cryptography load when a gate
that needs them is built (once per cold start).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._apikeys import APIKey, hash_api_key
from ._authn import Authenticator, AuthFailed, message_credential
from ._gates import Identity
from ._jwt import ASYMMETRIC, Verifier, check_algorithms, claim_text
from ._signed_events import ENVELOPE, SignedEvents, sign_event
from ._sns import SNSSignature
from ._view import Message, Request
from ._webhooks import GitHubWebhook, HMACWebhook, SlackWebhook, StripeWebhook

__all__ = [
    "ENVELOPE",
    "JWT",
    "APIKey",
    "AnyOf",
    "GitHubWebhook",
    "HMACWebhook",
    "SNSSignature",
    "SignedEvents",
    "SlackWebhook",
    "StripeWebhook",
    "hash_api_key",
    "sign_event",
]


class JWT(Authenticator):
    """OAuth 2.0 / OIDC bearer tokens verified against a JWKS (dict or https URL), or against an
    explicit HMAC `secret` (HS256/384/512 only, never together with a JWKS).

    `iss`, `aud` and `exp` are always required; `nbf` and `iat` are checked with `leeway`
    seconds of clock skew. Keys fetched from a URL are cached `cache_ttl` seconds; a token with
    an unknown `kid` refetches at most once per `refetch_interval` seconds.
    """

    scheme = "Bearer"

    def __init__(
        self,
        *,
        issuer: str | Sequence[str],
        audience: str | Sequence[str],
        jwks: Mapping[str, Any] | str | None = None,
        secret: bytes | None = None,
        algorithms: Sequence[str] | None = None,
        leeway: float = 60.0,
        max_token_bytes: int = 8192,
        required_claims: Sequence[str] = ("exp", "iss", "aud"),
        cache_ttl: float = 600.0,
        fetch_timeout: float = 2.0,
        refetch_interval: float = 30.0,
        tenant_claim: str | None = None,
        header: str = "authorization",
        attribute: str = "authorization",
        realm: str = "api",
        _fetcher: Callable[[str, float], bytes] | None = None,
        _clock: Callable[[], float] | None = None,
    ) -> None:
        from ._jwks import KeySet

        if (jwks is None) == (secret is None):
            raise ValueError("faasguard.runtime.auth.JWT: give exactly one of jwks= or secret=")
        if not issuer or not audience:
            raise ValueError("faasguard.runtime.auth.JWT: issuer and audience are required")
        if secret is not None and not isinstance(secret, bytes):
            raise TypeError("faasguard.runtime.auth.JWT: secret must be bytes")
        default = ASYMMETRIC if secret is None else ("HS256",)
        algs = check_algorithms(algorithms or default, secret)
        keys = None
        if jwks is not None:
            keys = KeySet(
                jwks,
                cache_ttl=cache_ttl,
                fetch_timeout=fetch_timeout,
                refetch_interval=refetch_interval,
                fetcher=_fetcher,
                **({"clock": _clock} if _clock is not None else {}),
            )
        self.verifier = Verifier(
            issuer=issuer,
            audience=audience,
            algorithms=algs,
            keys=keys,
            secret=secret,
            leeway=leeway,
            required_claims=required_claims,
            max_token_bytes=max_token_bytes,
        )
        self.tenant_claim = tenant_claim
        self.header, self.attribute, self.realm = header.lower(), attribute, realm

    def authenticate_request(self, request: Request) -> Identity:
        return self._identity(self._bearer(request.headers.get(self.header, "")))

    def authenticate_message(self, message: Message) -> Identity:
        value = message_credential(message, self.attribute)
        scheme, _, rest = value.partition(" ")
        return self._identity(rest.strip() if scheme.lower() == "bearer" else value)

    def _bearer(self, value: str) -> str:
        if not value:
            raise AuthFailed("missing token", error="")
        scheme, _, token = value.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer":
            raise AuthFailed("not a bearer token", error="invalid_request")
        if not token:
            raise AuthFailed("empty token", error="invalid_request")
        return token

    def _identity(self, token: str) -> Identity:
        claims = self.verifier.verify(token)
        tenant = ""
        if self.tenant_claim:
            tenant = claim_text(claims, self.tenant_claim)
            if not tenant:
                raise AuthFailed("tenant claim missing")
        principal = (
            claim_text(claims, "sub")
            or claim_text(claims, "client_id")
            or claim_text(claims, "azp")
        )
        return Identity(
            principal=principal,
            method="jwt",
            claims=claims,
            tenant=tenant,
            issuer=claim_text(claims, "iss"),
        )


class AnyOf(Authenticator):
    """The first gate that verifies the caller authenticates it (e.g. a JWT or an API key)."""

    def __init__(self, *gates: Authenticator) -> None:
        if not gates:
            raise ValueError("faasguard.runtime.auth.AnyOf: give at least one gate")
        for gate in gates:
            if not isinstance(gate, Authenticator):
                raise TypeError(
                    f"faasguard.runtime.auth.AnyOf: {type(gate).__name__} is not an auth gate"
                )
        self.gates = gates

    def challenge(self, failure: AuthFailed | None = None) -> str:
        return ", ".join(gate.challenge(failure) for gate in self.gates)

    def authenticate_request(self, request: Request) -> Identity:
        return self._first(lambda gate: gate.authenticate_request(request))

    def authenticate_message(self, message: Message) -> Identity:
        return self._first(lambda gate: gate.authenticate_message(message))

    def _first(self, attempt: Callable[[Authenticator], Identity]) -> Identity:
        failures: list[AuthFailed] = []
        for gate in self.gates:
            try:
                return attempt(gate)
            except AuthFailed as failure:
                failures.append(failure)
        unavailable = [f for f in failures if f.status != 401]
        presented = [f for f in failures if f.error]  # gates that saw a credential
        reasons = "; ".join(
            f"{type(g).__name__}: {f.reason}" for g, f in zip(self.gates, failures, strict=True)
        )
        if unavailable:
            raise AuthFailed(reasons, status=unavailable[0].status)
        raise AuthFailed(reasons, error=presented[0].error if presented else "")

"""HMAC-signed webhooks (GitHub, Stripe, Slack, any HMAC scheme) over the raw body bytes.

Signatures are compared with `hmac.compare_digest`; a signed timestamp must be within
`tolerance` seconds of now (both ways); a signature (or delivery id) seen before within the
replay window is refused. Secrets may be a list, to rotate without downtime.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Sequence
from typing import Any

from ._authn import Authenticator, AuthFailed, first_use, open_replay_store, raw_body
from ._gates import Identity
from ._view import Request

_ALGORITHMS = ("sha256", "sha384", "sha512", "sha1")
_MAX_SIGNATURE_HEADER = 2048


def _secrets(secret: str | bytes | Sequence[str | bytes], gate: str) -> tuple[bytes, ...]:
    items = [secret] if isinstance(secret, str | bytes) else list(secret)
    keys = tuple(s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in items)
    if not keys or any(not k for k in keys):
        raise ValueError(f"faasguard.runtime.auth.{gate}: the secret is empty")
    return keys


def _mac(key: bytes, message: bytes, algorithm: str) -> bytes:
    return hmac.new(key, message, algorithm).digest()


def _matches(expected: bytes, candidates: Sequence[bytes]) -> bytes | None:
    """The candidate equal to `expected` (constant time per comparison), or None."""
    found = None
    for candidate in candidates:
        if hmac.compare_digest(expected, candidate) and found is None:
            found = candidate
    return found


def _timestamp(text: str, tolerance: float) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise AuthFailed("malformed timestamp", error="invalid_request")
    stamp = int(text)
    if abs(time.time() - stamp) > tolerance:
        raise AuthFailed("timestamp outside tolerance")
    return stamp


def _header(request: Request, name: str) -> str:
    value = request.headers.get(name, "")
    if not value:
        raise AuthFailed("missing signature", error="")
    if len(value) > _MAX_SIGNATURE_HEADER:
        raise AuthFailed("malformed signature", error="invalid_request")
    return value


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""


class _Webhook(Authenticator):
    scheme = "Signature"
    realm = "webhook"
    sender = "webhook"

    def __init__(self, secret: Any, store: Any, replay_ttl: float) -> None:
        self._keys = _secrets(secret, type(self).__name__)
        self._store = open_replay_store(store)
        self.replay_ttl = replay_ttl

    def _first_use(self, key: str, ttl: float | None = None) -> None:
        first_use(self._store, f"webhook:{self.sender}:{key}", ttl or self.replay_ttl)

    def _identity(self, **claims: Any) -> Identity:
        return Identity(principal=self.sender, method="hmac", claims=claims)


class GitHubWebhook(_Webhook):
    """`X-Hub-Signature-256: sha256=<hex>`; GitHub signs no timestamp (nor the unsigned
    `X-GitHub-Delivery` id), so a signature seen before is refused for `replay_ttl` seconds."""

    sender = "github"

    def __init__(self, secret: Any, *, store: Any = None, replay_ttl: float = 3600.0) -> None:
        super().__init__(secret, store, replay_ttl)

    def authenticate_request(self, request: Request) -> Identity:
        header = _header(request, "x-hub-signature-256")
        scheme, _, digest = header.partition("=")
        if scheme != "sha256" or len(digest) != 64:
            raise AuthFailed("malformed signature", error="invalid_request")
        body = raw_body(request)
        given = _hex(digest.lower())
        if _matches(given, [_mac(k, body, "sha256") for k in self._keys]) is None:
            raise AuthFailed("bad signature")
        delivery = request.headers.get("x-github-delivery", "")[:128]
        # the delivery id is not signed (a replay can carry a fresh one): the signature, which
        # only the body decides, is the replay key
        self._first_use(f"sig:{digest.lower()}")
        return self._identity(delivery=delivery, event=request.headers.get("x-github-event", ""))


class StripeWebhook(_Webhook):
    """`Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]` over `"{t}.{body}"`."""

    sender = "stripe"

    def __init__(self, secret: Any, *, tolerance: float = 300.0, store: Any = None) -> None:
        super().__init__(secret, store, 2 * tolerance)
        self.tolerance = tolerance

    def authenticate_request(self, request: Request) -> Identity:
        header = _header(request, "stripe-signature")
        stamp, signatures = "", []
        for item in header.split(","):
            name, _, value = item.strip().partition("=")
            if name == "t":
                stamp = value
            elif name == "v1" and len(value) == 64:
                signatures.append(value.lower())
        if not stamp or not signatures:
            raise AuthFailed("malformed signature", error="invalid_request")
        _timestamp(stamp, self.tolerance)
        signed = stamp.encode() + b"." + raw_body(request)
        expected = [_mac(k, signed, "sha256") for k in self._keys]
        match = next((s for s in signatures if _matches(_hex(s), expected) is not None), None)
        if match is None:
            raise AuthFailed("bad signature")
        self._first_use(f"sig:{match}")
        return self._identity(timestamp=int(stamp))


class SlackWebhook(_Webhook):
    """`X-Slack-Signature: v0=<hex>` over `"v0:{X-Slack-Request-Timestamp}:{body}"`."""

    sender = "slack"

    def __init__(self, signing_secret: Any, *, tolerance: float = 300.0, store: Any = None) -> None:
        super().__init__(signing_secret, store, 2 * tolerance)
        self.tolerance = tolerance

    def authenticate_request(self, request: Request) -> Identity:
        header = _header(request, "x-slack-signature")
        stamp = _header(request, "x-slack-request-timestamp")
        version, _, digest = header.partition("=")
        if version != "v0" or len(digest) != 64:
            raise AuthFailed("malformed signature", error="invalid_request")
        _timestamp(stamp, self.tolerance)
        signed = b"v0:" + stamp.encode() + b":" + raw_body(request)
        if _matches(_hex(digest.lower()), [_mac(k, signed, "sha256") for k in self._keys]) is None:
            raise AuthFailed("bad signature")
        self._first_use(f"sig:{digest.lower()}")
        return self._identity(timestamp=int(stamp))


class HMACWebhook(_Webhook):
    """Any HMAC scheme: the signature in `header` (after `prefix`, hex or base64) over the body,
    or over `signed_format` ("{timestamp}.{body}" by default) when `timestamp_header` is set."""

    def __init__(
        self,
        secret: Any,
        *,
        header: str = "x-signature",
        algorithm: str = "sha256",
        timestamp_header: str | None = None,
        tolerance: float = 300.0,
        prefix: str = "",
        encoding: str = "hex",
        signed_format: str = "{timestamp}.{body}",
        sender: str = "webhook",
        store: Any = None,
        replay_ttl: float = 3600.0,
    ) -> None:
        if algorithm not in _ALGORITHMS:
            raise ValueError(
                f"faasguard.runtime.auth.HMACWebhook: algorithm must be one of "
                f"{', '.join(_ALGORITHMS)}"
            )
        if encoding not in ("hex", "base64"):
            raise ValueError("faasguard.runtime.auth.HMACWebhook: encoding must be hex or base64")
        if timestamp_header and "{body}" not in signed_format:
            raise ValueError("faasguard.runtime.auth.HMACWebhook: signed_format lacks {body}")
        window = 2 * tolerance if timestamp_header else replay_ttl
        super().__init__(secret, store, window)
        self.header, self.algorithm, self.prefix = header.lower(), algorithm, prefix
        self.timestamp_header = timestamp_header.lower() if timestamp_header else None
        self.tolerance, self.encoding, self.sender = tolerance, encoding, sender
        self.signed_format = signed_format.encode("utf-8")

    def authenticate_request(self, request: Request) -> Identity:
        value = _header(request, self.header)
        if not value.startswith(self.prefix):
            raise AuthFailed("malformed signature", error="invalid_request")
        given = self._decode(value[len(self.prefix) :].strip())
        body = raw_body(request)
        claims: dict[str, Any] = {}
        if self.timestamp_header:
            stamp = _header(request, self.timestamp_header)
            claims["timestamp"] = _timestamp(stamp, self.tolerance)
            body = self.signed_format.replace(b"{timestamp}", stamp.encode()).replace(
                b"{body}", body
            )
        if _matches(given, [_mac(k, body, self.algorithm) for k in self._keys]) is None:
            raise AuthFailed("bad signature")
        self._first_use(f"sig:{given.hex()}")
        return self._identity(**claims)

    def _decode(self, text: str) -> bytes:
        if self.encoding == "hex":
            return _hex(text.lower())
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return b""

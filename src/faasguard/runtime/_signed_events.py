"""Signed internal events: function-to-function zero trust over SQS, SNS, EventBridge, Kinesis
and direct invocations.

The producer adds an envelope field `_faasguard_sig` to the JSON payload (so it survives every
transport unchanged, unlike message attributes that EventBridge and Kinesis lack):

    {"v": 1, "kid": "orders-1", "iat": 1700000000, "exp": 1700000300,
     "nonce": "<32 hex>", "sig": "<base64url HMAC-SHA256>"}

`sig` covers a version tag, kid, iat, exp, nonce and the payload without the envelope as
canonical JSON (sorted keys, no spaces, UTF-8). The consumer checks the MAC in constant time,
the validity window, and the nonce against a replay cache. A redelivery of the same message
(same SQS message id / Kinesis sequence number / EventBridge id) is not a replay: queues
redeliver what a handler failed on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Mapping
from typing import Any

from ._authn import Authenticator, AuthFailed, message_payload, open_replay_store, raw_body
from ._gates import Identity
from ._view import Message, Request

ENVELOPE = "_faasguard_sig"
_VERSION = 1
_TAG = b"faasguard-signed-event/v1"
_NONCE = re.compile(r"[0-9a-f]{32}")
_KID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MIN_KEY_BYTES = 32


def _canonical(payload: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in payload.items() if k != ENVELOPE}
    text = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _mac(key: bytes, kid: str, iat: int, exp: int, nonce: str, payload: Mapping) -> bytes:
    header = b"\n".join((_TAG, kid.encode(), str(iat).encode(), str(exp).encode(), nonce.encode()))
    return hmac.new(key, header + b"\n" + _canonical(payload), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_event(payload: Mapping[str, Any], key: bytes, key_id: str, ttl: int = 300) -> dict:
    """`payload` plus its `_faasguard_sig` envelope, valid for `ttl` seconds."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"faasguard.runtime.auth.sign_event: key must be >= {MIN_KEY_BYTES} bytes")
    if not _KID.fullmatch(key_id):
        raise ValueError(
            "faasguard.runtime.auth.sign_event: key_id must be 1-64 of [A-Za-z0-9._:-]"
        )
    if not isinstance(payload, Mapping):
        raise TypeError("faasguard.runtime.auth.sign_event: payload must be a dict")
    iat = int(time.time())
    exp, nonce = iat + int(ttl), os.urandom(16).hex()
    sig = _mac(key, key_id, iat, exp, nonce, payload)
    envelope = {
        "v": _VERSION,
        "kid": key_id,
        "iat": iat,
        "exp": exp,
        "nonce": nonce,
        "sig": _b64(sig),
    }
    return {**payload, ENVELOPE: envelope}


class SignedEvents(Authenticator):
    """Accepts only payloads signed by `sign_event` with one of `keys` ({key_id: key})."""

    realm = "internal"

    def __init__(
        self,
        keys: Mapping[str, bytes],
        *,
        store: Any = None,
        leeway: float = 30.0,
        max_ttl: float = 3600.0,
    ) -> None:
        if not keys:
            raise ValueError("faasguard.runtime.auth.SignedEvents: keys is empty")
        for kid, key in keys.items():
            if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
                raise ValueError(
                    f"faasguard.runtime.auth.SignedEvents: keys[{kid!r}] must be "
                    f">= {MIN_KEY_BYTES} bytes"
                )
        self._keys = dict(keys)
        self._store = open_replay_store(store)
        self.leeway, self.max_ttl = leeway, max_ttl

    def authenticate_request(self, request: Request) -> Identity:
        try:
            payload = json.loads(raw_body(request))
        except (ValueError, RecursionError):
            raise AuthFailed("body is not JSON", error="invalid_request") from None
        return self.verify(payload, delivery="")

    def authenticate_message(self, message: Message) -> Identity:
        return self.verify(message_payload(message), delivery=message.item_id)

    def verify(self, payload: object, *, delivery: str) -> Identity:
        if not isinstance(payload, dict):
            raise AuthFailed("missing signature", error="")
        envelope = payload.get(ENVELOPE)
        if not isinstance(envelope, dict):
            raise AuthFailed("missing signature", error="")
        kid, iat, exp, nonce, sig = _fields(envelope)
        key = self._keys.get(kid)
        if key is None:
            raise AuthFailed("unknown key id")
        try:
            expected = _mac(key, kid, iat, exp, nonce, payload)
        except (ValueError, TypeError):
            raise AuthFailed("payload is not canonical JSON", error="invalid_request") from None
        if not hmac.compare_digest(expected, sig):
            raise AuthFailed("bad signature")
        now = time.time()
        if iat > now + self.leeway or exp - iat > self.max_ttl or exp < iat:
            raise AuthFailed("invalid validity window")
        if now > exp + self.leeway:
            raise AuthFailed("expired")
        self._first_delivery(kid, nonce, delivery, exp + self.leeway - now)
        claims = {"kid": kid, "iat": iat, "exp": exp, "nonce": nonce}
        return Identity(principal=kid, method="signed-event", claims=claims)

    def _first_delivery(self, kid: str, nonce: str, delivery: str, ttl: float) -> None:
        from ._store import StoreUnavailable

        key = f"signed-event:{kid}:{nonce}"
        try:
            if self._store.first_seen(key, ttl):
                if delivery:  # remember which message carried it first
                    self._store.first_seen(f"{key}:first:{delivery}", ttl)
                return
            # seen before: the first carrier redelivered passes, any other message is a replay.
            # The probe's 1 ms lifetime keeps a refused replay from marking itself as a carrier.
            if delivery and not self._store.first_seen(f"{key}:first:{delivery}", 0.001):
                return
        except StoreUnavailable:
            raise AuthFailed("replay cache unavailable", status=503) from None
        raise AuthFailed("replayed request")


def _fields(envelope: Mapping[str, Any]) -> tuple[str, int, int, str, bytes]:
    kid, iat, exp = envelope.get("kid"), envelope.get("iat"), envelope.get("exp")
    nonce, sig = envelope.get("nonce"), envelope.get("sig")
    if (
        envelope.get("v") != _VERSION
        or not isinstance(kid, str)
        or not _KID.fullmatch(kid)
        or type(iat) is not int
        or type(exp) is not int
        or not isinstance(nonce, str)
        or not _NONCE.fullmatch(nonce)
        or not isinstance(sig, str)
        or len(sig) != 43
    ):
        raise AuthFailed("malformed signature", error="invalid_request")
    try:
        raw = base64.urlsafe_b64decode(sig + "=")
    except (binascii.Error, ValueError):
        raise AuthFailed("malformed signature", error="invalid_request") from None
    return kid, iat, exp, nonce, raw

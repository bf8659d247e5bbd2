"""What every authentication gate shares: turning a failed check into a security event and a
401 (or a 503 when a key source is down), reading raw bodies and credentials from requests and
messages, and the replay store.

A failure reason is one of a fixed set of phrases chosen by the gate ("expired", "bad
signature"...): never a value taken from the credential or the request.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from . import _events
from ._gates import Access, Identity
from ._problems import Rejection
from ._view import Message, Request


class AuthFailed(Exception):
    """A credential was missing or did not verify (status 401), or a key source was
    unavailable (status 503). `reason` is a fixed phrase, safe to log."""

    def __init__(self, reason: str, *, status: int = 401, error: str = "invalid_token") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.error = error  # RFC 6750 error code; "" when no credential was presented


class Authenticator:
    """Base of the authentication gates: subclasses implement `authenticate_request` and
    `authenticate_message`, returning the verified Identity or raising AuthFailed."""

    scheme = "Signature"
    realm = "api"

    def authenticate_request(self, request: Request) -> Identity:
        raise NotImplementedError

    def authenticate_message(self, message: Message) -> Identity:
        raise AuthFailed(f"{type(self).__name__} does not authenticate {message.kind} messages")

    def challenge(self, failure: AuthFailed | None = None) -> str:
        """The WWW-Authenticate value of a 401 from this gate."""
        value = f'{self.scheme} realm="{self.realm}"'
        if failure is not None and failure.error:
            value += f', error="{failure.error}"'
        return value

    # ----- the Gate protocol
    def check_request(self, request: Request, access: Access) -> None:
        self._admit(access, self.authenticate_request, request)

    def check_message(self, message: Message, access: Access) -> None:
        self._admit(access, self.authenticate_message, message)

    def _admit(self, access: Access, authenticate: Callable[[Any], Identity], subject: Any) -> None:
        try:
            identity = authenticate(subject)
        except AuthFailed as failure:
            raise self.reject(access, failure) from None
        grant(access, identity)

    def reject(self, access: Access, failure: AuthFailed) -> Rejection:
        access.emit(_events.authentication(access.call, reason=failure.reason), False)
        return rejection(failure, self.challenge(failure))


def grant(access: Access, identity: Identity) -> None:
    access.identity = identity
    if identity.method == "api-key":
        access.api_key_id = identity.principal


def rejection(failure: AuthFailed, challenge: str) -> Rejection:
    if failure.status == 503:
        return Rejection(503, "unavailable", headers={"Retry-After": "5"})
    return Rejection(401, "unauthenticated", headers={"WWW-Authenticate": challenge})


def raw_body(request: Request) -> bytes:
    """The request body exactly as the sender signed it (base64 undone)."""
    body = request.body
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if request.base64:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise AuthFailed("body is not valid base64", error="invalid_request") from None
    return body.encode("utf-8", "surrogatepass")


def message_payload(message: Message) -> object:
    """The JSON payload of a message: SQS/SNS/Kinesis text parsed, EventBridge `detail` and
    direct invocations as given."""
    if message.text is not None:
        try:
            return json.loads(message.text)
        except (ValueError, RecursionError):
            raise AuthFailed("message body is not JSON", error="invalid_request") from None
    return message.body


def message_credential(message: Message, name: str) -> str:
    """A credential carried by a message: the message attribute `name` (SQS, SNS), or the
    top-level field `name` of the payload (EventBridge `detail`, direct invocations)."""
    value = message.strings.get(f"attributes.{name}")
    if value is None and message.text is None and isinstance(message.body, Mapping):
        field = message.body.get(name)
        value = field if isinstance(field, str) else None
    if not value:
        raise AuthFailed("missing credential", error="")
    return value


def open_replay_store(store: Any) -> Any:
    """A replay cache: an object with `first_seen(key, ttl_seconds) -> bool`, or the URL (None:
    in-process, "redis://...": shared) of one to open."""
    if store is not None and hasattr(store, "first_seen"):
        return store
    if store is not None and not isinstance(store, str):
        raise TypeError("faasguard.runtime.auth: store must be a URL string or a store object")
    from ._store import open_store

    return open_store(store)


def first_use(store: Any, key: str, ttl_seconds: float) -> None:
    """Refuse a credential already used within `ttl_seconds`; a store that cannot answer fails
    closed (503: the sender retries later)."""
    from ._store import StoreUnavailable

    try:
        fresh = store.first_seen(key, ttl_seconds)
    except StoreUnavailable:
        raise AuthFailed("replay cache unavailable", status=503) from None
    if not fresh:
        raise AuthFailed("replayed request")

"""What the access-control stages of the guard share: the verified identity of a caller, the
per-invocation state the stages pass along, and the `Gate` protocol they implement.

Order for an HTTP request: limits on headers and query → rate limit keyed on the source IP →
authentication gates (all must pass) → rate limits keyed on who the caller is → authorization →
body parsing, validation and injection detection → handler. Messages (SQS, SNS, EventBridge,
direct invocations) go through `check_message` of the same gates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._events import Invocation
from ._view import Message, Request


@dataclass(frozen=True, slots=True)
class Identity:
    """A caller whose credentials were verified by a gate."""

    principal: str  # the JWT `sub`, an API key's id, a webhook's sender, an SNS topic ARN
    method: str  # "jwt", "api-key", "hmac", "sns", "signed-event", "authorizer"
    claims: Mapping[str, Any] = field(default_factory=dict)  # verified claims / attributes
    tenant: str = ""
    issuer: str = ""


@dataclass(slots=True)
class Access:
    """State the gates share during one request or message."""

    call: Invocation
    emit: Callable[[dict[str, object], bool], None]  # (security event, allowed)
    identity: Identity | None = None
    api_key_id: str = ""  # set by an API-key gate: the key's id (never the key itself)


class Gate(Protocol):
    """One access-control stage. A check raises `Rejection` to refuse; it may set
    `access.identity` (authentication) and emit security events through `access.emit`."""

    def check_request(self, request: Request, access: Access) -> None: ...

    def check_message(self, message: Message, access: Access) -> None: ...


_identity: ContextVar[Identity | None] = ContextVar("faasguard_identity", default=None)


def current_identity() -> Identity | None:
    """The verified caller of the request being handled (None when unauthenticated)."""
    return _identity.get()


def bind_identity(identity: Identity | None) -> Any:
    """Set the current identity; returns the token `reset_identity` takes."""
    return _identity.set(identity)


def reset_identity(token: Any) -> None:
    _identity.reset(token)

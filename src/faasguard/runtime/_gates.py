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

from ._events import Invocation
from ._record import FrozenRecord, Record

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from typing import Any


def __getattr__(name: str) -> object:
    if name != "Gate":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._gate import Gate

    return Gate


class Identity(FrozenRecord):
    """A caller whose credentials were verified by a gate."""

    __slots__ = __match_args__ = ("principal", "method", "claims", "tenant", "issuer")

    def __init__(
        self,
        principal: str,  # the JWT `sub`, an API key's id, a webhook's sender, an SNS topic ARN
        method: str,  # "jwt", "api-key", "hmac", "sns", "signed-event", "authorizer"
        claims: Mapping[str, Any] | None = None,  # verified claims / attributes
        tenant: str = "",
        issuer: str = "",
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "principal", principal)
        setattr_(self, "method", method)
        setattr_(self, "claims", {} if claims is None else claims)
        setattr_(self, "tenant", tenant)
        setattr_(self, "issuer", issuer)


class Access(Record):
    """State the gates share during one request or message."""

    __slots__ = __match_args__ = ("call", "emit", "identity", "api_key_id")

    def __init__(
        self,
        call: Invocation,
        emit: Callable[[dict[str, object], bool], None],  # (security event, allowed)
        identity: Identity | None = None,
        api_key_id: str = "",  # set by an API-key gate: the key's id (never the key itself)
    ) -> None:
        self.call = call
        self.emit = emit
        self.identity = identity
        self.api_key_id = api_key_id


_identity: ContextVar[Identity | None] = ContextVar("faasguard_identity", default=None)


def current_identity() -> Identity | None:
    """The verified caller of the request being handled (None when unauthenticated)."""
    return _identity.get()


def bind_identity(identity: Identity | None) -> Any:
    """Set the current identity; returns the token `reset_identity` takes."""
    return _identity.set(identity)


def reset_identity(token: Any) -> None:
    _identity.reset(token)

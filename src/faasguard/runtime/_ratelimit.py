"""Rate limits and quotas as a guard gate.

`RateLimit("100/minute", key="ip")` admits at most 100 requests from one source IP in any
trailing minute (algorithm "sliding", an exact sliding log) or 100 a minute sustained with bursts
of up to `burst` (algorithm "gcra"); `quota="10000/day"` adds a calendar (UTC) quota on the same
key. State lives in the store (`store=None`: this instance; `"redis://..."`: shared). The sliding
log keeps one entry per admitted request in the window: for limits in the tens of thousands
prefer "gcra" (one number per key). Quota units are spent only by requests the rate admits.

Keys: "ip" (the source IP), "principal" (the verified caller), "tenant" (the caller's tenant),
"api_key" (the key id an API key gate or API Gateway verified), or a callable
`(request_or_message, access) -> str | None`. A request without a value for its key (no identity,
no API key, no tenant: for "tenant" the principal is tried first) is limited by its source IP, so
anonymous callers never escape a limit; requests without a source IP share the key "-".
Messages (queues, notifications) are limited only when the key is a callable and it returns a
value for the message; a message over the limit fails (batch item failure: the queue retries it).

When the store is down: `fail="open"` admits and emits one event per outage (and one a minute while
it lasts); `fail="closed"` answers 503 with Retry-After.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _events
from ._gates import Access
from ._problems import Rejection
from ._store import Store, StoreUnavailable, Verdict, open_store
from ._view import Message, Request

KeyFunction = Callable[[Any, Access], "str | None"]

_UNITS = {
    "s": 1, "sec": 1, "second": 1,
    "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hr": 3600, "hour": 3600,
    "d": 86400, "day": 86400,
}  # fmt: skip
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*", re.IGNORECASE)
_KEYS = ("ip", "principal", "tenant", "api_key")
_ALGORITHMS = ("sliding", "gcra")
_OUTAGE_REMINDER_S = 60.0
_FAIL_CLOSED_RETRY = "1"


@dataclass(frozen=True, slots=True)
class Rate:
    """`limit` units per `period_s` seconds."""

    limit: int
    period_s: float
    text: str

    @property
    def per_second(self) -> float:
        return self.limit / self.period_s


def parse_rate(text: str, what: str = "rate") -> Rate:
    """'100/minute', '5/s', '1000/day', '10/5minutes' -> Rate; ValueError otherwise."""
    match = _RATE.fullmatch(text) if isinstance(text, str) else None
    unit = match and _unit(match.group(3).lower())
    if not match or not unit or int(match.group(1)) < 1 or match.group(2) in ("0",):
        raise ValueError(
            f"faasguard: {what} {text!r} is not a rate: write N/second, N/minute, N/hour or N/day"
        )
    multiple = int(match.group(2) or 1)
    return Rate(int(match.group(1)), float(unit * multiple), text.strip())


def _unit(word: str) -> int | None:
    """'second', 'seconds', 's', 'mins', ... -> seconds ('ms' is not minutes)."""
    if word in _UNITS:
        return _UNITS[word]
    return _UNITS.get(word[:-1]) if len(word) > 2 and word.endswith("s") else None


class RateLimit:
    """A guard gate refusing callers beyond a rate (and an optional quota) with 429."""

    def __init__(
        self,
        rate: str,
        key: str | KeyFunction = "ip",
        store: str | Store | None = None,
        fail: str = "open",
        *,
        algorithm: str = "sliding",
        burst: int | None = None,
        quota: str | None = None,
        name: str = "",
        cost: int = 1,
    ) -> None:
        self.rate = parse_rate(rate)
        self.quota = parse_rate(quota, "quota") if quota is not None else None
        if not callable(key) and key not in _KEYS:
            raise ValueError(f"faasguard: rate_key {key!r}: use one of {_KEYS} or a callable")
        if fail not in ("open", "closed"):
            raise ValueError(f"faasguard: rate_fail {fail!r}: use 'open' or 'closed'")
        if algorithm not in _ALGORITHMS:
            raise ValueError(f"faasguard: rate algorithm {algorithm!r}: use one of {_ALGORITHMS}")
        if burst is not None and burst < 1:
            raise ValueError(f"faasguard: rate burst {burst}: must be at least 1")
        if cost < 1:
            raise ValueError(f"faasguard: rate cost {cost}: must be at least 1")
        self.key = key
        self.scope = "custom" if callable(key) else key
        self.fail = fail
        self.algorithm = algorithm
        self.burst = burst if burst is not None else self.rate.limit
        self.cost = cost
        self.store: Store = open_store(store) if store is None or isinstance(store, str) else store
        spec = f"{self.rate.limit}/{self.rate.period_s:g}"
        self._name = f"{name}:" if name else ""
        self._prefix = f"{self._name}{spec}:"
        self._down_since = 0.0
        self._last_outage_event = 0.0

    # ----- Gate protocol
    def check_request(self, request: Request, access: Access) -> None:
        scope, value = self._key_of(request, access)
        self._admit(scope, value or "-", access)

    def check_message(self, message: Message, access: Access) -> None:
        if not callable(self.key):
            return
        value = self.key(message, access)
        if value:
            self._admit("custom", str(value), access)

    # ----- decisions
    def decide(self, value: str, scope: str | None = None) -> Verdict:
        """The store's verdict for one more request under key `value` (rate, then quota)."""
        key = f"{scope or self.scope}:{self._prefix}{_digest(value)}"
        if self.algorithm == "gcra":
            verdict = self.store.gcra(key, self.rate.per_second, self.burst, self.cost)
        else:
            verdict = self.store.sliding(key, self.rate.limit, self.rate.period_s, self.cost)
        if not verdict.allowed or self.quota is None:
            return verdict
        quota = f"quota:{self._name}{self.quota.limit}/{self.quota.period_s:g}:"
        quota_key = f"{scope or self.scope}:{quota}"
        return self.store.fixed(
            quota_key + _digest(value), self.quota.limit, self.quota.period_s, self.cost
        )

    def _admit(self, scope: str, value: str, access: Access) -> None:
        try:
            verdict = self.decide(value, scope)
        except StoreUnavailable as error:
            self._store_down(access, error)
            return
        self._store_up(access)
        if not verdict.allowed:
            retry = str(max(1, math.ceil(verdict.retry_after_s)))
            rule = f"{self.rate.text} per {scope}"
            raise Rejection(
                429, "rate-limited", [{"field": scope, "rule": rule}], {"Retry-After": retry}
            )

    def _key_of(self, request: Request, access: Access) -> tuple[str, str]:
        if callable(self.key):
            value = self.key(request, access)
            return ("custom", str(value)) if value else ("ip", request.source_ip)
        identity = access.identity
        if self.key == "tenant" and identity is not None and identity.tenant:
            return "tenant", identity.tenant
        if self.key in ("tenant", "principal") and identity is not None and identity.principal:
            return "principal", identity.principal
        if self.key == "api_key":
            # only a key something verified: a raw header would give each made-up key a budget
            key_id = access.api_key_id or getattr(request, "api_key_id", "")
            if key_id:
                return "api_key", key_id
        return "ip", request.source_ip

    # ----- store outages
    def _store_down(self, access: Access, error: StoreUnavailable) -> None:
        now = time.monotonic()
        first = not self._down_since
        if first:
            self._down_since = now
        if first or now - self._last_outage_event >= _OUTAGE_REMINDER_S:
            self._last_outage_event = now
            access.emit(_outage_event(access.call, str(error), self.fail), self.fail == "open")
        if self.fail == "closed":
            raise Rejection(
                503, "unavailable", [{"field": "rate", "rule": "store"}],
                {"Retry-After": _FAIL_CLOSED_RETRY},
            )  # fmt: skip

    def _store_up(self, access: Access) -> None:
        if self._down_since:
            seconds = time.monotonic() - self._down_since
            self._down_since = self._last_outage_event = 0.0
            access.emit(_recovery_event(access.call, seconds), True)


def _digest(value: str) -> str:
    """Key values (IPs, principals) as they are when short and printable, else hashed."""
    if len(value) <= 64 and value.isprintable() and " " not in value:
        return value
    return "h:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


def _outage_event(call: _events.Invocation, detail: str, fail: str) -> dict[str, object]:
    event = _events.http_activity(call, status=503, kind="rate-limit-store-unavailable")
    if fail == "open":
        event.update(action_id=1, action="Allowed", status_id=1, status="Success")
        event.pop("http_response", None)
    event["status_detail"] = f"rate-limit store unavailable, failing {fail}: {detail[:200]}"
    event.update(severity_id=4, severity="High")
    return event


def _recovery_event(call: _events.Invocation, seconds: float) -> dict[str, object]:
    event = _events.http_activity(call, status=200, kind="rate-limit-store-recovered")
    event.update(action_id=1, action="Allowed", status_id=1, status="Success")
    event.pop("http_response", None)
    event["status_detail"] = f"rate-limit store back after {seconds:.1f} s"
    event.update(severity_id=1, severity="Informational")
    return event

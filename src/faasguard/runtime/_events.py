"""Security events as OCSF 1.1 dicts (Detection Finding 2004, HTTP Activity 4002,
Authentication 3002), written as JSON lines, sampled, and rate capped.

An event carries the function, request id, source IP, rule, field path and action, plus a SHA-256
of the offending value and a short redacted excerpt: never a secret or a full payload.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import zlib
from collections.abc import Callable

from ._chain import Chain, key_from_env
from ._record import Record
from ._redact import Redactor

Sink = Callable[[dict[str, object]], None]

OCSF_VERSION = "1.1.0"
_PRODUCT = {"name": "faasguard", "vendor_name": "faasguard", "feature": {"name": "runtime"}}
_HTTP_ACTIVITY = {
    "CONNECT": 1, "DELETE": 2, "GET": 3, "HEAD": 4, "OPTIONS": 5,
    "POST": 6, "PUT": 7, "TRACE": 8, "PATCH": 9,
}  # fmt: skip
_SEVERITY = {1: "Informational", 2: "Low", 3: "Medium", 4: "High"}
EXCERPT_CHARS = 40


def stdout_sink(event: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(event, separators=(",", ":"), default=str) + "\n")
    sys.stdout.flush()


class Invocation(Record):
    """What every event of one invocation shares."""

    __slots__ = __match_args__ = (
        "function", "request_id", "source_ip", "method", "path", "route", "user_agent", "source",
        "principal",
    )  # fmt: skip

    def __init__(
        self,
        function: str = "",
        request_id: str = "",
        source_ip: str = "",
        method: str = "",
        path: str = "",
        route: str = "",
        user_agent: str = "",
        source: str = "",
        principal: str = "",  # the verified caller, once a gate authenticated it
    ) -> None:
        self.function = function
        self.request_id = request_id
        self.source_ip = source_ip
        self.method = method
        self.path = path
        self.route = route
        self.user_agent = user_agent
        self.source = source
        self.principal = principal


class EventLog(Record):
    """Builds, samples and emits events. `sample_rate` applies to monitor-mode (allowed)
    findings; denials are always kept, up to `max_per_second` events a second in total."""

    __match_args__ = (
        "sink", "sample_rate", "max_per_second", "redactor", "_window", "_count", "suppressed",
        "chain",
    )  # fmt: skip

    def __init__(
        self,
        sink: Sink = stdout_sink,
        sample_rate: float = 1.0,
        max_per_second: int = 50,
        redactor: Redactor | None = None,
        _window: int = 0,
        _count: int = 0,
        suppressed: int = 0,
        chain: Chain | None = None,
    ) -> None:
        self.sink = sink
        self.sample_rate = sample_rate
        self.max_per_second = max_per_second
        self.redactor = Redactor() if redactor is None else redactor
        self._window = _window
        self._count = _count
        self.suppressed = suppressed
        self.chain = Chain(key_from_env()) if chain is None else chain
        # one emitter at a time: seq, head and the order of lines in the log must agree
        self._lock = threading.RLock()

    def sampled(self, request_id: str) -> bool:
        """Deterministic per request: all events of a request are kept or dropped together."""
        if self.sample_rate >= 1.0:
            return True
        bucket = zlib.crc32(request_id.encode("utf-8", "replace")) % 10_000
        return bucket < self.sample_rate * 10_000

    def emit(self, event: dict[str, object], *, allowed: bool, request_id: str) -> bool:
        if allowed and not self.sampled(request_id):
            return False
        with self._lock:
            return self._emit(event)

    def _emit(self, event: dict[str, object]) -> bool:
        second = int(time.monotonic())
        if second != self._window:
            self._window, self._count = second, 0
        if self._count >= self.max_per_second:
            self.suppressed += 1
            return False
        self._count += 1
        if self.suppressed:
            event.setdefault("unmapped", {})["suppressed_before"] = self.suppressed  # type: ignore[union-attr]
            self.suppressed = 0
        digest = self.chain.link(event)
        try:
            self.sink(event)
        except Exception:
            return False
        self.chain.commit(event, digest)
        return True

    def excerpt(self, text: str) -> str:
        short = self.redactor(text[: EXCERPT_CHARS * 4])[:EXCERPT_CHARS]
        return short.encode("unicode_escape").decode("ascii")[: EXCERPT_CHARS * 2]


def value_hash(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def _base(class_uid: int, category_uid: int, activity_id: int, call: Invocation) -> dict:
    now = int(time.time() * 1000)
    event: dict[str, object] = {
        "class_uid": class_uid,
        "category_uid": category_uid,
        "activity_id": activity_id,
        "type_uid": class_uid * 100 + activity_id,
        "time": now,
        "metadata": {
            "version": OCSF_VERSION,
            "product": _PRODUCT,
            "correlation_uid": call.request_id,
            "uid": f"{call.request_id}:{now}:{class_uid}",
        },
        "cloud": {"provider": "AWS", "region": os.environ.get("AWS_REGION", "")},
        "resources": [{"type": "function", "name": call.function}],
        "src_endpoint": {"ip": call.source_ip} if call.source_ip else {},
    }
    if call.principal:
        event["actor"] = {"user": {"uid": call.principal[:256]}}
    if call.method:
        event["http_request"] = {
            "http_method": call.method,
            "url": {"path": call.path[:256]},
            "user_agent": call.user_agent[:256],
        }
    return event


def _severity(event: dict[str, object], severity_id: int) -> None:
    event["severity_id"] = severity_id
    event["severity"] = _SEVERITY[severity_id]


def rule_finding(
    call: Invocation,
    *,
    rule: str,
    blocked: bool,
    severity_id: int,
    uid: str,
    title: str,
    types: list[str],
    unmapped: dict[str, object],
    confidence: float | None = None,
) -> dict[str, object]:
    """An OCSF Detection Finding (2004) raised by `rule`: denied when `blocked`, else allowed."""
    event = _base(2004, 2, 1, call)
    _severity(event, severity_id)
    event.update(
        {
            "action_id": 2 if blocked else 1,
            "action": "Denied" if blocked else "Allowed",
            "disposition_id": 2 if blocked else 1,
            "disposition": "Blocked" if blocked else "Allowed",
        }
    )
    if confidence is not None:
        event["confidence_score"] = round(confidence * 100)
    event["finding_info"] = {
        "uid": uid,
        "title": title,
        "types": types,
        "analytic": {"name": rule, "uid": rule, "type_id": 1, "type": "Rule"},
    }
    event["unmapped"] = unmapped
    return event


def detection_finding(
    call: Invocation,
    log: EventLog,
    *,
    category: str,
    rule: str,
    confidence: float,
    field_path: str,
    value: str,
    excerpt: str,
    blocked: bool,
) -> dict[str, object]:
    return rule_finding(
        call,
        rule=rule,
        blocked=blocked,
        severity_id=4 if blocked else 3,
        uid=f"{call.request_id}:{rule}:{field_path}",
        title=f"Possible {category} injection in {field_path}",
        types=[category],
        confidence=confidence,
        unmapped={
            "field": field_path,
            "route": call.route,
            "source": call.source,
            "value_sha256": value_hash(value),
            "excerpt": log.excerpt(excerpt),
        },
    )


def http_activity(
    call: Invocation, *, status: int, kind: str, rule: str = "", field_path: str = ""
) -> dict[str, object]:
    event = _base(4002, 4, _HTTP_ACTIVITY.get(call.method, 99), call)
    _severity(event, 3 if status < 500 else 2)
    event.update(
        {
            "status_id": 2,
            "status": "Failure",
            "action_id": 2,
            "action": "Denied",
            "http_response": {"code": status},
            "unmapped": {"reason": kind, "rule": rule, "field": field_path, "route": call.route},
        }
    )
    return event


def authentication(call: Invocation, *, reason: str) -> dict[str, object]:
    event = _base(3002, 3, 1, call)
    _severity(event, 3)
    event.update(
        {
            "status_id": 2,
            "status": "Failure",
            "status_detail": reason,
            "action_id": 2,
            "action": "Denied",
            "unmapped": {"route": call.route},
        }
    )
    return event


def authorization(
    call: Invocation, *, allowed: bool, reason: str, policies: tuple[str, ...] = ()
) -> dict[str, object]:
    """An access decision (OCSF Authorize Session 3003) on an authenticated request."""
    event = _base(3003, 3, 2, call)
    _severity(event, 1 if allowed else 3)
    event.update(
        {
            "status_id": 1 if allowed else 2,
            "status": "Success" if allowed else "Failure",
            "status_detail": reason,
            "action_id": 1 if allowed else 2,
            "action": "Allowed" if allowed else "Denied",
            "unmapped": {"route": call.route, "policies": list(policies)},
        }
    )
    return event

"""Hash chain over the security events one EventLog emits.

Each emitted event gets `unmapped.chain = {"id", "seq", "prev", "alg", "hash"}`: `hash` is
SHA-256 (or HMAC-SHA256 with `FAASGUARD_AUDIT_KEY`) of the event's canonical JSON without
`chain.hash`, and `prev` is the previous emitted event's `hash`. The first event (seq 0) also
carries `chain.genesis` (function, instance, start time); its `prev` is `genesis_hash()` of
those, so a chain cannot be made to start anywhere else. Events that are sampled out or rate
capped are never chained, so they cannot break it. `faasguard audit verify` checks the chain.
"""

from __future__ import annotations

import json
import os
import time

KEY_ENV = "FAASGUARD_AUDIT_KEY"
_TAG = "faasguard-chain-v1"


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(event: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes every hash of the chain is computed over."""
    try:
        text = _ENCODER.encode(event)
    except TypeError:  # keys of mixed types cannot be sorted: normalise them through JSON first
        return canonical(json.loads(json.dumps(event, default=str)))
    return text.encode("utf-8", "surrogatepass")


def event_digest(event: dict, key: bytes | None) -> str:
    """The chain hash of `event`: computed without its own `unmapped.chain.hash`."""
    link = event["unmapped"]["chain"]
    own = link.pop("hash", None)
    try:
        data = canonical(event)
    finally:
        if own is not None:
            link["hash"] = own
    import hashlib  # its OpenSSL backend costs milliseconds: only guards that emit pay

    if key:
        import hmac

        return hmac.new(key, data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def genesis_hash(genesis: dict) -> str:
    import hashlib

    return hashlib.sha256(_TAG.encode() + b"\n" + canonical(genesis)).hexdigest()


def key_from_env() -> bytes | None:
    value = os.environ.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def _instance() -> str:
    stream = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
    return f"{stream}#{os.getpid()}#{os.urandom(6).hex()}"


class Chain:
    """The head of one event chain. `link` stamps an event; `commit` advances the head once
    the event was written (an event the sink refused leaves the head where it was)."""

    __slots__ = ("_instance", "_started", "head", "id", "key", "seq")

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key
        self.seq = 0
        self.head = ""
        self.id = ""
        self._started = time.time_ns()
        self._instance = _instance()

    def link(self, event: dict[str, object]) -> str:
        link: dict[str, object] = {
            "id": self.id,
            "seq": self.seq,
            "prev": self.head,
            "alg": "hmac-sha256" if self.key else "sha256",
        }
        if self.seq == 0:
            genesis = {
                "function": _function(event),
                "instance": self._instance,
                "started_ns": self._started,
            }
            link["genesis"] = genesis
            link["prev"] = genesis_hash(genesis)
            link["id"] = str(link["prev"])[:16]
        unmapped = event.get("unmapped")
        if not isinstance(unmapped, dict):
            unmapped = event["unmapped"] = {}
        unmapped["chain"] = link
        digest = event_digest(event, self.key)  # type: ignore[arg-type]
        link["hash"] = digest
        return digest

    @property
    def anchor(self) -> str:
        """`CHAIN:SEQ:HASH` of the last emitted event: keep it outside the log (a metric, a
        table) and `faasguard audit verify --anchor` proves the log was not cut short."""
        return f"{self.id}:{self.seq - 1}:{self.head}" if self.seq else ""

    def commit(self, event: dict[str, object], digest: str) -> None:
        if self.seq == 0:
            self.id = event["unmapped"]["chain"]["id"]  # type: ignore[index]
        self.seq += 1
        self.head = digest


def _function(event: dict[str, object]) -> str:
    resources = event.get("resources")
    if isinstance(resources, list) and resources and isinstance(resources[0], dict):
        return str(resources[0].get("name", ""))
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")

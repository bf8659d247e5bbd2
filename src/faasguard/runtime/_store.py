"""Shared state for the runtime: rate-limit counters and replay caches.

`open_store(None)` is an in-process store (one function instance); `open_store("redis://...")`
shares state between instances through Redis (a standard-library client, `_resp`). Every Redis
decision is one atomic Lua script in one round trip (EVALSHA; EVAL once after a restart or a
SCRIPT FLUSH), timed by the Redis server's clock so that instances with skewed clocks agree.
Keys live under `faasguard:` and always carry a TTL.

Store failures raise `StoreUnavailable`. After a failure the Redis store fails fast (without
touching the network) for `cooldown` seconds, so an outage costs nothing per request.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

PREFIX = "faasguard:"
DEFAULT_TIMEOUT = 0.1  # seconds, connect and read
DEFAULT_COOLDOWN = 1.0  # seconds of fail-fast after a store error
_MAX_KEY = 200
_MEMORY_MAX_KEYS = 100_000


class StoreUnavailable(Exception):
    """The shared store could not answer (down, timed out, refused the script)."""


class Verdict(NamedTuple):
    """A rate-limit decision: whether to admit, how long until a retry can succeed, and how
    many more requests the key may make right now."""

    allowed: bool
    retry_after_s: float
    remaining: int


class Store(Protocol):
    def first_seen(self, key: str, ttl_seconds: float) -> bool:
        """True the first time `key` is seen within `ttl_seconds` (atomic across instances)."""
        ...

    def gcra(self, key: str, rate_per_s: float, burst: int, cost: int = 1) -> Verdict:
        """Generic cell rate algorithm: `rate_per_s` sustained, `burst` at once."""
        ...

    def sliding(self, key: str, limit: int, window_s: float, cost: int = 1) -> Verdict:
        """At most `limit` units in any trailing `window_s` (an exact sliding log)."""
        ...

    def fixed(self, key: str, limit: int, period_s: float, cost: int = 1) -> Verdict:
        """At most `limit` units per calendar period (UTC-aligned): quotas."""
        ...


def namespaced(kind: str, key: str) -> str:
    """`faasguard:<kind>:<key>`; long keys are hashed so key size stays bounded."""
    if len(key) > _MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return f"{PREFIX}{kind}:{key}"


# ----------------------------------------------------------------- in-process store
class MemoryStore:
    """One instance's state. `clock` returns seconds (wall clock by default, so that calendar
    quotas line up with UTC). Bounded: beyond `max_keys` per table the oldest keys go first."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = _MEMORY_MAX_KEYS):
        self._clock = clock
        self._max = max_keys
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> expiry
        self._tat: OrderedDict[str, float] = OrderedDict()  # key -> theoretical arrival time
        self._logs: OrderedDict[str, deque[float]] = OrderedDict()
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()  # key -> (index, used)

    def first_seen(self, key: str, ttl_seconds: float) -> bool:
        now = self._clock()
        with self._lock:
            expiry = self._seen.get(key)
            if expiry is not None and expiry > now:
                return False
            self._seen[key] = now + ttl_seconds
            self._seen.move_to_end(key)
            self._trim(self._seen, lambda k: self._seen[k] <= now)
            return True

    def gcra(self, key: str, rate_per_s: float, burst: int, cost: int = 1) -> Verdict:
        _check_rate(rate_per_s, burst, cost)
        now = self._clock()
        interval = 1.0 / rate_per_s
        tolerance = interval * burst
        with self._lock:
            tat = max(self._tat.get(key, now), now)
            new_tat = tat + interval * cost
            ahead = new_tat - now
            if ahead > tolerance + 1e-9:
                return Verdict(False, ahead - tolerance, int((tolerance - (tat - now)) / interval))
            self._tat[key] = new_tat
            self._tat.move_to_end(key)
            self._trim(self._tat, lambda k: self._tat[k] <= now)
            return Verdict(True, 0.0, int((tolerance - ahead) / interval + 1e-9))

    def sliding(self, key: str, limit: int, window_s: float, cost: int = 1) -> Verdict:
        _check_window(limit, window_s, cost)
        now = self._clock()
        with self._lock:
            log = self._logs.get(key)
            if log is None:
                log = self._logs[key] = deque()
            while log and log[0] <= now - window_s:
                log.popleft()
            if cost > limit:
                return Verdict(False, window_s, max(0, limit - len(log)))
            if len(log) + cost > limit:
                # the entry whose expiry makes room for `cost` more
                oldest_needed = log[len(log) + cost - limit - 1]
                return Verdict(False, oldest_needed + window_s - now, max(0, limit - len(log)))
            log.extend([now] * cost)
            self._logs.move_to_end(key)
            self._trim(
                self._logs, lambda k: not self._logs[k] or self._logs[k][-1] <= now - window_s
            )
            return Verdict(True, 0.0, limit - len(log))

    def fixed(self, key: str, limit: int, period_s: float, cost: int = 1) -> Verdict:
        _check_window(limit, period_s, cost)
        now = self._clock()
        index = int(now // period_s)
        with self._lock:
            current, used = self._windows.get(key, (index, 0))
            if current != index:
                used = 0
            if used + cost > limit:
                return Verdict(False, (index + 1) * period_s - now, max(0, limit - used))
            self._windows[key] = (index, used + cost)
            self._windows.move_to_end(key)
            self._trim(self._windows, lambda k: self._windows[k][0] != index)
            return Verdict(True, 0.0, limit - used - cost)

    def _trim(self, table: OrderedDict[str, Any], expired: Callable[[str], bool]) -> None:
        """Drop expired keys when the table is full, then the least recently used."""
        if len(table) <= self._max:
            return
        for key in [k for k in table if expired(k)]:
            del table[key]
        while len(table) > self._max:
            table.popitem(last=False)


def _check_rate(rate_per_s: float, burst: int, cost: int) -> None:
    if not rate_per_s > 0 or burst < 1 or cost < 1:
        raise ValueError(f"gcra: rate {rate_per_s}, burst {burst}, cost {cost} must be positive")


def _check_window(limit: int, window_s: float, cost: int) -> None:
    if limit < 1 or not window_s > 0 or cost < 1:
        raise ValueError(f"window: limit {limit}, seconds {window_s}, cost {cost} must be positive")


# ----------------------------------------------------------------- Redis store
# Times are integer microseconds from the Redis server's clock (TIME).
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
"""
_GCRA = (
    _NOW
    + """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local ahead = tat + interval * cost - now
if ahead > tolerance then
  return {0, ahead - tolerance, math.floor((tolerance - (tat - now)) / interval)}
end
local ttl = math.ceil(ahead / 1000) + 1
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval * cost), 'PX', ttl)
return {1, 0, math.floor((tolerance - ahead) / interval)}
"""
)
_SLIDING = (
    _NOW
    + """
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local count = redis.call('ZCARD', KEYS[1])
if cost > limit then return {0, window, math.max(0, limit - count)} end
if count + cost > limit then
  local need = count + cost - limit - 1
  local entry = redis.call('ZRANGE', KEYS[1], need, need, 'WITHSCORES')
  return {0, tonumber(entry[2]) + window - now, math.max(0, limit - count)}
end
for i = 1, cost do
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[4] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1)
return {1, 0, limit - count - cost}
"""
)
_FIXED = (
    _NOW
    + """
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local index = math.floor(now / period)
local stored = redis.call('HMGET', KEYS[1], 'w', 'n')
local used = 0
if tonumber(stored[1]) == index then used = tonumber(stored[2]) or 0 end
local left = (index + 1) * period - now
if used + cost > limit then return {0, left, math.max(0, limit - used)} end
redis.call('HSET', KEYS[1], 'w', string.format('%.0f', index), 'n', used + cost)
redis.call('PEXPIRE', KEYS[1], math.ceil(left / 1000) + 1)
return {1, 0, limit - used - cost}
"""
)
_MICRO = 1_000_000


class RedisStore:
    """State shared through a Redis server (standard-library client, see `_resp`)."""

    def __init__(
        self, url: str, *, timeout: float = DEFAULT_TIMEOUT, cooldown: float = DEFAULT_COOLDOWN
    ) -> None:
        from ._resp import Client, parse_url

        try:
            endpoint = parse_url(url, timeout)
        except ValueError as error:
            raise ValueError(f"faasguard: store URL {_safe_url(url)!r}: {error}") from None
        self.url = endpoint.shown
        self._client = Client(endpoint)
        self._cooldown = cooldown
        self._down_until = 0.0
        self._scripts = {name: (_sha1(body), body) for name, body in
                         (("gcra", _GCRA), ("sliding", _SLIDING), ("fixed", _FIXED))}  # fmt: skip

    def first_seen(self, key: str, ttl_seconds: float) -> bool:
        ttl_ms = max(1, math.ceil(ttl_seconds * 1000))
        reply = self._call("SET", namespaced("seen", key), 1, "NX", "PX", ttl_ms)
        return reply == "OK"

    def gcra(self, key: str, rate_per_s: float, burst: int, cost: int = 1) -> Verdict:
        _check_rate(rate_per_s, burst, cost)
        interval = _MICRO / rate_per_s
        args = (interval, interval * burst, cost)
        return self._verdict("gcra", namespaced("rl:gcra", key), args)

    def sliding(self, key: str, limit: int, window_s: float, cost: int = 1) -> Verdict:
        _check_window(limit, window_s, cost)
        nonce = os.urandom(8).hex()
        args = (round(window_s * _MICRO), limit, cost, nonce)
        return self._verdict("sliding", namespaced("rl:sliding", key), args)

    def fixed(self, key: str, limit: int, period_s: float, cost: int = 1) -> Verdict:
        _check_window(limit, period_s, cost)
        args = (limit, round(period_s * _MICRO), cost)
        return self._verdict("fixed", namespaced("rl:fixed", key), args)

    def ping(self) -> bool:
        return self._call("PING") == "PONG"

    def _verdict(self, script: str, key: str, args: tuple[object, ...]) -> Verdict:
        sha, body = self._scripts[script]
        try:
            reply = self._call("EVALSHA", sha, 1, key, *args)
        except _NoScript:
            reply = self._call("EVAL", body, 1, key, *args)
        try:
            allowed, retry_us, remaining = reply
            return Verdict(bool(allowed), int(retry_us) / _MICRO, int(remaining))
        except (TypeError, ValueError):
            raise StoreUnavailable(f"store {self.url}: unexpected reply {reply!r:.80}") from None

    def _call(self, *command: object) -> Any:
        from ._resp import ReplyError, Unreachable

        if self._down_until and time.monotonic() < self._down_until:
            raise StoreUnavailable(f"store {self.url}: unavailable (cooling down after an error)")
        try:
            result = self._client.call(*command)
        except ReplyError as error:
            if str(error).startswith("NOSCRIPT"):
                raise _NoScript() from None
            self._failed()
            raise StoreUnavailable(f"store {self.url}: error reply: {str(error)[:200]}") from None
        except Unreachable as error:
            self._failed()
            raise StoreUnavailable(f"store {self.url}: {error}") from None
        self._down_until = 0.0
        return result

    def _failed(self) -> None:
        self._down_until = time.monotonic() + self._cooldown


class _NoScript(Exception):
    """The server does not have the script cached (restarted, SCRIPT FLUSH): send it."""


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _safe_url(url: str) -> str:
    """The URL without its password (user info or `?password=`), fit for messages and events."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return f"{scheme}{sep}{rest.split('?', 1)[0]}"


# ----------------------------------------------------------------- opening
_STORES: dict[tuple[str | None, float, float], Store] = {}
_OPEN_LOCK = threading.Lock()
_SCHEMES = ("redis://", "rediss://", "unix://")


def open_store(
    url: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cooldown: float = DEFAULT_COOLDOWN,
) -> Store:
    """The store for `url`, one per URL per process: None (or "memory://") keeps state in this
    process; `redis://`, `rediss://` or `unix://` URLs share it through Redis."""
    cache_key = (url, timeout, cooldown)
    with _OPEN_LOCK:
        store = _STORES.get(cache_key)
        if store is None:
            store = _STORES[cache_key] = _open(url, timeout, cooldown)
        return store


def _open(url: str | None, timeout: float, cooldown: float) -> Store:
    if url is None or url == "memory://":
        return MemoryStore()
    if not isinstance(url, str) or not url.startswith(_SCHEMES):
        shown = _safe_url(url) if isinstance(url, str) else repr(url)
        raise ValueError(
            f"faasguard: store {shown!r} is not supported: use None, memory://, redis://, "
            "rediss:// or unix://"
        )
    return RedisStore(url, timeout=timeout, cooldown=cooldown)

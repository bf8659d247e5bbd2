"""Rate limits, quotas and the shared store (public API).

    from faasguard.runtime import guard
    from faasguard.runtime.ratelimit import RateLimit

    @guard(rate="10/second", rate_key="ip", store="redis://cache:6379/0")   # the short form
    @guard(auth=JWT(...), authorize=RateLimit("1000/hour", key="tenant", quota="50000/day",
                                              store="redis://cache:6379/0", fail="closed"))

`open_store(url).first_seen(key, ttl_seconds)` is the replay cache the webhook gates use.
"""

from __future__ import annotations

from ._ratelimit import Rate, RateLimit, parse_rate
from ._store import MemoryStore, RedisStore, Store, StoreUnavailable, Verdict, open_store

__all__ = [
    "MemoryStore", "Rate", "RateLimit", "RedisStore", "Store", "StoreUnavailable", "Verdict",
    "open_store", "parse_rate",
]  # fmt: skip

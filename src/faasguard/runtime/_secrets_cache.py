"""The secrets cache: TTL with jitter, single flight, rotation-aware refresh, stale-while-error."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from ._redact import protect_log_records
from ._secrets_base import (
    DEFINITIVE,
    Fetched,
    SecretError,
    SecretNotFound,
    SecretUnavailable,
    parse_json_object,
    reason,
    register_value,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import random
    from collections.abc import Callable
    from typing import Any

    from ._secrets_base import Provider

    RotationHook = Callable[[str, str, str], None]
    EventHook = Callable[[dict[str, object]], None]

log = logging.getLogger("faasguard.secrets")


@dataclass(frozen=True, slots=True)
class _Entry:
    fetched: Fetched
    fields: dict[str, Any] | None  # the value as a JSON object, when it is one
    fetched_at: float
    ttl: float
    expires_at: float  # fetched_at + ttl, minus jitter
    stale_until: float  # expires_at + grace: how long a provider outage may be bridged
    retry_at: float = 0.0  # after a failed refresh, no new attempt before this
    forced_for: str = ""  # the version an auth failure already forced a refresh for


def _fields(value: object) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return parse_json_object(value) if isinstance(value, str) else None


class Secrets:
    """A process-wide cache of secrets, one entry per (provider, name).

    ttl: seconds a value is served before it is fetched again; each entry expires up to
    `jitter` (a fraction of ttl) earlier, at random, so a fleet started together does not
    refresh together. stale_grace: seconds past expiry a cached value is still served while
    the provider fails (with a warning and an event); retry_after: seconds between attempts
    meanwhile. Not-found and access-denied answers are never bridged. Every value fetched is
    registered for redaction, and kept masked after a rotation replaces it.
    """

    def __init__(
        self,
        provider: Provider | None = None,
        *,
        ttl: float = 300.0,
        jitter: float = 0.1,
        stale_grace: float = 900.0,
        retry_after: float = 5.0,
        on_rotation: RotationHook | None = None,
        on_event: EventHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        protect_logs: bool = True,
    ) -> None:
        if ttl < 0 or stale_grace < 0 or retry_after < 0 or not 0 <= jitter < 1:
            raise ValueError("Secrets: ttl, stale_grace, retry_after >= 0 and 0 <= jitter < 1")
        self._provider = provider
        self.ttl = ttl
        self.jitter = jitter
        self.stale_grace = stale_grace
        self.retry_after = retry_after
        self.on_rotation = on_rotation
        self.on_event = on_event
        self._clock = clock
        if rng is None:
            import random

            rng = random.Random()
        self._random = rng.random
        self._entries: dict[tuple[object, str], _Entry] = {}
        self._locks: dict[tuple[object, str], threading.Lock] = {}
        if protect_logs:
            protect_log_records()

    # ----- public API
    def get(
        self,
        name: str,
        field: str | None = None,
        *,
        provider: Provider | None = None,
        ttl: float | None = None,
    ) -> Any:
        """The secret's value (str, bytes or dict), or one field of a JSON secret."""
        key = (provider or self.provider, name)
        entry = self._entries.get(key)
        if entry is None or self._clock() >= entry.expires_at:
            entry = self._load(key, ttl)
        return _pick(entry, name, field)

    def refresh(
        self, name: str, field: str | None = None, *, provider: Provider | None = None
    ) -> Any:
        """Fetch now, whatever the cache holds (e.g. after being told of a rotation)."""
        return _pick(self._load((provider or self.provider, name), None, force=True), name, field)

    def report_auth_failure(
        self, name: str, field: str | None = None, *, provider: Provider | None = None
    ) -> Any:
        """A consumer was refused with this secret: fetch it again, once per cached version.

        Returns the value to retry with. Further reports for the same version return the
        cached value without asking the provider, so a wrong password cannot flood it.
        """
        entry = self._load((provider or self.provider, name), None, force=True, once=True)
        return _pick(entry, name, field)

    def invalidate(self, name: str | None = None) -> None:
        """Drop cached entries (all, or those of `name`); their values stay masked."""
        for key in list(self._entries):
            if name is None or key[1] == name:
                self._entries.pop(key, None)

    def version(self, name: str, *, provider: Provider | None = None) -> str | None:
        entry = self._entries.get((provider or self.provider, name))
        return entry.fetched.version if entry else None

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            from ._secrets_aws import AWSSecretsManager

            self._provider = AWSSecretsManager()
        return self._provider

    # ----- loading
    def _load(
        self, key: tuple[Any, str], ttl: float | None, *, force: bool = False, once: bool = False
    ) -> _Entry:
        lock = self._locks.get(key) or self._locks.setdefault(key, threading.Lock())
        with lock:  # single flight: one fetch per key, the other threads get its result
            entry = self._entries.get(key)
            now = self._clock()
            if entry is not None:
                if once and (entry.forced_for == entry.fetched.version or now < entry.retry_at):
                    return entry
                if not force and now < entry.expires_at:
                    return entry
                if not force and now < entry.retry_at and now < entry.stale_until:
                    return entry
            provider, name = key
            try:
                fetched = provider.fetch(name)
            except DEFINITIVE:
                self._entries.pop(key, None)
                raise
            except Exception as error:
                return self._bridge(key, entry, now, error)
            return self._store(key, entry, fetched, now, ttl, once)

    def _store(
        self,
        key: tuple[Any, str],
        old: _Entry | None,
        fetched: Fetched,
        now: float,
        ttl: float | None,
        once: bool,
    ) -> _Entry:
        register_value(fetched.value)
        life = ttl if ttl is not None else old.ttl if old is not None else self.ttl
        expires = now + life * (1 - self.jitter * self._random())
        entry = _Entry(
            fetched=fetched,
            fields=_fields(fetched.value),
            fetched_at=now,
            ttl=life,
            expires_at=expires,
            stale_until=expires + self.stale_grace,
            forced_for=fetched.version if once else "",
        )
        self._entries[key] = entry
        if old is not None and old.fetched.version != fetched.version:
            self._rotated(key, old.fetched.version, fetched.version)
        return entry

    def _rotated(self, key: tuple[Any, str], old: str, new: str) -> None:
        provider, name = key
        log.info("secret %r from %s rotated: version %s -> %s", name, provider.kind, old, new)
        self._emit("rotated", name, provider.kind, previous_version=old, version=new)
        if self.on_rotation is not None:
            try:
                self.on_rotation(name, old, new)
            except Exception:
                log.exception("on_rotation hook failed for secret %r", name)

    def _bridge(
        self, key: tuple[Any, str], entry: _Entry | None, now: float, error: Exception
    ) -> _Entry:
        provider, name = key
        why = reason(error.__cause__ or error if isinstance(error, SecretError) else error)
        if entry is None or now >= entry.stale_until:
            self._emit("unavailable", name, provider.kind, error=why)
            raise SecretUnavailable(
                f"secret {name!r} from {provider.kind} unavailable ({why}) and no cached value "
                "within the grace period"
            ) from error
        age = round(now - entry.fetched_at, 1)
        log.warning(
            "secret %r from %s: refresh failed (%s); serving the cached value fetched %ss ago",
            name, provider.kind, why, age,
        )  # fmt: skip
        self._emit(
            "stale", name, provider.kind, error=why, age_s=age, version=entry.fetched.version
        )
        stale = replace(entry, retry_at=now + self.retry_after)
        self._entries[key] = stale
        return stale

    def _emit(self, what: str, name: str, kind: str, **details: object) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event({"event": f"secret.{what}", "secret": name, "provider": kind, **details})
        except Exception:
            log.exception("secrets on_event hook failed")


def _pick(entry: _Entry, name: str, field: str | None) -> Any:
    if field is None:
        return entry.fetched.value
    if entry.fields is None:
        raise SecretError(f"secret {name!r} is not a JSON object: cannot read field {field!r}")
    try:
        return entry.fields[field]
    except KeyError:
        raise SecretNotFound(f"secret {name!r} has no field {field!r}") from None

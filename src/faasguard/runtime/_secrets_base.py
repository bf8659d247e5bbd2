"""What every secret provider shares: the fetched value, the errors, registration for redaction."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ._redact import mask_secrets, register_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Provider(Protocol):
        kind: str

        def fetch(self, name: str) -> Fetched: ...


class SecretError(Exception):
    """A secret could not be read. Messages name the secret and provider, never the value."""


class SecretNotFound(SecretError, KeyError):
    """The provider says the secret (or the requested field) does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SecretAccessDenied(SecretError):
    """The provider refused: missing permission, bad credentials, undecryptable value."""


class SecretUnavailable(SecretError):
    """The provider could not be reached (or failed) and no usable cached value exists."""


DEFINITIVE = (SecretNotFound, SecretAccessDenied)  # never hidden by serving a stale value


@dataclass(frozen=True, slots=True)
class Fetched:
    """One value read from a provider. `version` identifies it (provider version id, or a
    digest of the value when the provider has none), so rotations can be noticed."""

    value: str | bytes | dict[str, Any]
    version: str


def digest_version(value: str | bytes | dict[str, Any]) -> str:
    if isinstance(value, dict):
        import json

        value = json.dumps(value, sort_keys=True, default=str)
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


# Values of these JSON keys are descriptive, not secret (AWS RDS rotation format).
_NOT_SECRET_KEYS = frozenset({"engine", "port", "dbname", "dbInstanceIdentifier"})


def register_value(value: object, key: str = "") -> None:
    """Register a fetched value, its JSON fields and binary forms with the redaction registry."""
    if key in _NOT_SECRET_KEYS:
        return
    if isinstance(value, str):
        register_secret(value)
        parsed = parse_json_object(value)
        if parsed is not None:
            register_value(parsed)
    elif isinstance(value, bytes):
        import base64

        register_secret(base64.b64encode(value).decode("ascii"))
        text = value.decode("utf-8", "replace")
        if "\ufffd" not in text:
            register_value(text)
    elif isinstance(value, dict):
        for field_name, item in value.items():
            register_value(item, str(field_name))
    elif isinstance(value, list):
        for item in value:
            register_value(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        register_secret(str(value))  # a PIN or account number as a JSON number


def parse_json_object(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    import json

    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


@dataclass(frozen=True)
class Environment:
    """Secrets from environment variables (`prefix` + name), e.g. injected by the platform."""

    prefix: str = ""
    kind = "environment"

    def fetch(self, name: str) -> Fetched:
        variable = self.prefix + name
        value = os.environ.get(variable)
        if value is None:
            raise SecretNotFound(f"secret {name!r}: environment variable {variable} is not set")
        return Fetched(value, digest_version(value))


_clients: dict[object, object] = {}
_clients_lock = threading.Lock()


def shared_client(provider: object, build: Callable[[], Any]) -> Any:
    """The provider's own `client`, else one client per distinct provider configuration, built
    once (SDK clients are thread-safe; building one costs milliseconds)."""
    own = getattr(provider, "client", None)
    if own is not None:
        return own
    client = _clients.get(provider)
    if client is None:
        with _clients_lock:
            client = _clients.get(provider)
            if client is None:
                client = _clients[provider] = build()
    return client


def reason(error: BaseException) -> str:
    """A short, value-free description of a provider error for messages and events."""
    text = mask_secrets(str(error).strip().split("\n", 1)[0])
    return f"{type(error).__name__}: {text[:160]}" if text else type(error).__name__

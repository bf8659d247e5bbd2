"""API keys, held only as SHA-256 hashes and compared in constant time.

The configuration holds `{key_id: sha256_hex(key)}` (or a lookup from the hash to a key id), so
neither the function's code nor its environment holds a usable key. The presented key is hashed
and compared with `hmac.compare_digest` against every stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping

from ._authn import Authenticator, AuthFailed, message_credential
from ._gates import Identity
from ._view import Message, Request

_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_KEY_CHARS = 512

Lookup = Callable[[str], "str | None"]  # sha256 hex of a presented key -> key id, or None


def hash_api_key(key: str) -> str:
    """The SHA-256 hex digest to store for `key` (what `APIKey(keys=...)` expects)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class APIKey(Authenticator):
    """A key in header `header` (requests) or message attribute / payload field `attribute`
    (messages); the caller becomes the key's id."""

    scheme = "ApiKey"

    def __init__(
        self,
        keys: Mapping[str, str] | Lookup,
        *,
        header: str = "x-api-key",
        attribute: str | None = None,
    ) -> None:
        self.header = header.lower()
        self.attribute = attribute or self.header
        self._lookup: Lookup | None = None
        self._table: tuple[tuple[bytes, str], ...] = ()
        if callable(keys):
            self._lookup = keys
        else:
            self._table = tuple((h.encode(), k) for h, k in _index(keys).items())

    def challenge(self, failure: AuthFailed | None = None) -> str:
        return f'ApiKey realm="{self.realm}", header="{self.header}"'

    def authenticate_request(self, request: Request) -> Identity:
        return self._verify(request.headers.get(self.header, ""))

    def authenticate_message(self, message: Message) -> Identity:
        return self._verify(message_credential(message, self.attribute))

    def _verify(self, presented: str) -> Identity:
        if not presented:
            raise AuthFailed("missing api key", error="")
        if len(presented) > MAX_KEY_CHARS:
            raise AuthFailed("malformed api key")
        digest = hash_api_key(presented)
        key_id = self._find(digest)
        if key_id is None:
            raise AuthFailed("unknown api key")
        return Identity(principal=key_id, method="api-key", claims={"key_id": key_id})

    def _find(self, digest: str) -> str | None:
        if self._lookup is not None:
            key_id = self._lookup(digest)
            return key_id if isinstance(key_id, str) and key_id else None
        found = None
        presented = digest.encode()
        for stored, key_id in self._table:  # every entry compared: time does not tell which
            if hmac.compare_digest(stored, presented) and found is None:
                found = key_id
        return found


def _index(keys: Mapping[str, str]) -> dict[str, str]:
    by_hash: dict[str, str] = {}
    for key_id, digest in keys.items():
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest.lower()):
            raise ValueError(
                f"faasguard.runtime.auth.APIKey: keys[{key_id!r}] must be the SHA-256 hex digest "
                "of the key (see hash_api_key), not the key itself"
            )
        if digest.lower() in by_hash:
            raise ValueError(f"faasguard.runtime.auth.APIKey: keys[{key_id!r}] repeats a key")
        by_hash[digest.lower()] = str(key_id)
    if not by_hash:
        raise ValueError("faasguard.runtime.auth.APIKey: keys is empty")
    return by_hash

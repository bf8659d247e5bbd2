"""JSON Web Key Sets: parsed once into verification keys, cached with a TTL when fetched.

Keys come only from the configured JWKS (a dict, or an https URL fetched with a short timeout and
no redirects); nothing in a token can add a key or a place to fetch one from. A token naming an
unknown `kid` triggers at most one refetch per `refetch_interval` seconds, so a flood of forged
kids cannot turn into a flood of requests to the identity provider.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ._authn import AuthFailed
from ._redact import runtime_logger

log = runtime_logger()  # with the redacting filter a guard asked for

MAX_FETCH_TIMEOUT = 2.0
MAX_JWKS_BYTES = 256 * 1024
MIN_RSA_BITS = 2048
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_FAMILIES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}
_PRIVATE_PARAMS = ("d", "p", "q", "dp", "dq", "qi", "k")

Fetcher = Callable[[str, float], bytes]


@dataclass(frozen=True, slots=True)
class VerificationKey:
    kid: str
    kty: str
    alg: str  # "" when the JWK does not pin one
    crv: str
    key: Any  # a cryptography public key


def fits(key: VerificationKey, alg: str) -> bool:
    """Whether `key` may verify a token signed with `alg` (closes algorithm confusion)."""
    if key.alg and key.alg != alg:
        return False
    family = _FAMILIES.get(alg[:2])
    if family is None or key.kty != family:
        return False
    if family == "EC":
        return _EC_CURVES.get(alg) == key.crv
    if family == "OKP":
        return alg == "EdDSA" and key.crv in ("Ed25519", "Ed448")
    return True


def parse_jwks(document: object, origin: str) -> dict[str, VerificationKey]:
    """The usable signature keys of a JWKS, by kid (a key without kid is stored under "")."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError(f"{origin}: a JWKS must be an object with a 'keys' list")
    keys: dict[str, VerificationKey] = {}
    for index, jwk in enumerate(document["keys"]):
        key = _parse_jwk(jwk, f"{origin} keys[{index}]")
        if key is not None:
            keys[key.kid] = key
    return keys


def _parse_jwk(jwk: object, where: str) -> VerificationKey | None:
    from jwt import PyJWK

    if not isinstance(jwk, Mapping):
        log.warning("faasguard: %s is not an object; ignored", where)
        return None
    kty, use, ops = jwk.get("kty"), jwk.get("use"), jwk.get("key_ops")
    skip = ""
    if kty not in ("RSA", "EC", "OKP"):
        skip = "not an asymmetric key"
    elif use is not None and use != "sig":
        skip = "not a signature key"
    elif isinstance(ops, list) and "verify" not in ops:
        skip = "key_ops does not allow verify"
    elif any(name in jwk for name in _PRIVATE_PARAMS):
        skip = "holds private key material"
    if not skip:
        try:  # an untrusted document: PyJWT raises InvalidKeyError, NotImplementedError...
            public = PyJWK(dict(jwk)).key
        except Exception:
            public, skip = None, "cannot be parsed"
        if kty == "RSA" and public is not None and public.key_size < MIN_RSA_BITS:
            skip = f"RSA key shorter than {MIN_RSA_BITS} bits"
    if skip:
        log.warning("faasguard: JWKS %s %s; ignored", where, skip)
        return None
    kid, alg, crv = jwk.get("kid", ""), jwk.get("alg", ""), jwk.get("crv", "")
    return VerificationKey(str(kid), str(kty), str(alg), str(crv), public)


def check_jwks_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return
    raise ValueError(
        f"faasguard.runtime.auth: jwks URL must be https (got scheme {parts.scheme!r})"
    )


def fetch_url(url: str, timeout: float) -> bytes:
    """GET `url` (no redirects, at most MAX_JWKS_BYTES); raises OSError on any failure."""
    import http.client
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(no_redirects())
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "faasguard-runtime"}
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise OSError(f"HTTP {response.status}")
            data = response.read(MAX_JWKS_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise OSError(f"HTTP {error.code}") from None
    except http.client.HTTPException as error:  # bad status line, cut chunked body...
        raise OSError(f"broken HTTP response: {type(error).__name__}") from None
    if len(data) > MAX_JWKS_BYTES:
        raise OSError(f"response larger than {MAX_JWKS_BYTES} bytes")
    return data


class KeySet:
    """Verification keys of one JWKS, fixed (a dict) or fetched from a URL and cached."""

    def __init__(
        self,
        source: Mapping[str, Any] | str,
        *,
        cache_ttl: float = 600.0,
        fetch_timeout: float = MAX_FETCH_TIMEOUT,
        refetch_interval: float = 30.0,
        fetcher: Fetcher | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = source if isinstance(source, str) else ""
        if self._url:
            check_jwks_url(self._url)
        self.cache_ttl = cache_ttl
        self.fetch_timeout = min(fetch_timeout, MAX_FETCH_TIMEOUT)
        self.refetch_interval = refetch_interval
        self._fetch = fetcher or fetch_url
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, VerificationKey] | None = None
        self._fetched_at = 0.0
        self._attempted_at = float("-inf")
        if not self._url:
            self._keys = parse_jwks(source, "jwks")
            if not self._keys:
                raise ValueError("faasguard.runtime.auth: the JWKS holds no usable signature key")

    def find(self, kid: str | None) -> VerificationKey | None:
        """The key for `kid` (None: the JWKS's only key); refetches when the cache is stale or
        the kid is unknown, within the throttle. Raises AuthFailed(503) with no keys at all."""
        with self._lock:
            now = self._clock()
            if self._url and (self._keys is None or now - self._fetched_at >= self.cache_ttl):
                self._refresh(now)
            key = self._pick(kid)
            if key is None and self._url and now - self._attempted_at >= self.refetch_interval:
                self._refresh(now)
                key = self._pick(kid)
            return key

    def _pick(self, kid: str | None) -> VerificationKey | None:
        keys = self._keys
        if keys is None:
            raise AuthFailed("signing keys unavailable", status=503)
        if kid is None:
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid)

    def _refresh(self, now: float) -> None:
        # with no keys at all, retry sooner (a cold start must not wait out the throttle)
        wait = self.refetch_interval if self._keys is not None else min(1.0, self.refetch_interval)
        if now - self._attempted_at < wait:
            return
        self._attempted_at = now
        try:
            keys = parse_jwks(json.loads(self._fetch(self._url, self.fetch_timeout)), "jwks")
        except (OSError, ValueError, RecursionError) as error:
            log.warning("faasguard: cannot fetch the JWKS: %s", error)
            if self._keys is not None and now - self._fetched_at >= 2 * self.cache_ttl:
                self._keys = None  # too stale to trust: fail closed until a fetch succeeds
            return
        self._keys, self._fetched_at = keys, now


def no_redirects() -> Any:
    """A handler refusing redirects: one could leave https or the provider's host."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return NoRedirect

"""JWT verification: cheap structural checks first (size, shape, header, algorithm, key choice),
then PyJWT for the signature and the registered claims.

The header is read here only to choose a key among the configured ones: `jku`, `x5u`, `jwk` and
`x5c` are never looked at, `crit` and `b64` (extensions we do not implement) refuse the token.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._authn import AuthFailed
from ._jwks import KeySet, fits

ASYMMETRIC = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
SYMMETRIC = ("HS256", "HS384", "HS512")
MIN_SECRET_BYTES = 32
_MAX_HEADER_BYTES = 2048
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_REFUSED_HEADERS = ("crit", "b64")
_NUMERIC_DATES = ("exp", "nbf", "iat")


@dataclass(frozen=True, slots=True)
class TokenHeader:
    alg: str
    kid: str | None


def check_algorithms(algorithms: Sequence[str], secret: bytes | None) -> tuple[str, ...]:
    algs = tuple(algorithms)
    if not algs:
        raise ValueError("faasguard.runtime.auth.JWT: algorithms is empty")
    for alg in algs:
        if alg not in ASYMMETRIC and alg not in SYMMETRIC:
            raise ValueError(f"faasguard.runtime.auth.JWT: algorithm {alg!r} is not supported")
    symmetric = [a for a in algs if a in SYMMETRIC]
    if secret is None and symmetric:
        raise ValueError("faasguard.runtime.auth.JWT: HS* algorithms need an explicit secret=")
    if secret is not None and len(symmetric) != len(algs):
        raise ValueError(
            "faasguard.runtime.auth.JWT: with secret=, algorithms must all be HS256/384/512"
        )
    if secret is not None and len(secret) < MIN_SECRET_BYTES:
        raise ValueError(
            f"faasguard.runtime.auth.JWT: secret must be at least {MIN_SECRET_BYTES} bytes"
        )
    return algs


def read_header(token: str, max_bytes: int) -> TokenHeader:
    """Shape checks and the protected header of a compact JWS (without verifying it)."""
    if len(token) > max_bytes:
        raise AuthFailed("token too large")
    parts = token.split(".")
    if len(parts) != 3 or not all(_SEGMENT.fullmatch(p) for p in parts):
        raise AuthFailed("malformed token")
    if len(parts[0]) > _MAX_HEADER_BYTES:
        raise AuthFailed("malformed token")
    try:
        header = json.loads(_b64url(parts[0]))
    except (binascii.Error, ValueError, RecursionError):
        raise AuthFailed("malformed token") from None
    if not isinstance(header, dict):
        raise AuthFailed("malformed token")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise AuthFailed("unsigned token")
    if kid is not None and not isinstance(kid, str):
        raise AuthFailed("malformed token")
    if any(name in header for name in _REFUSED_HEADERS):
        raise AuthFailed("unsupported token header")
    return TokenHeader(alg, kid)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class Verifier:
    """Verifies tokens against one JWKS (asymmetric) or one secret (HMAC), and their claims."""

    def __init__(
        self,
        *,
        issuer: str | Sequence[str],
        audience: str | Sequence[str],
        algorithms: tuple[str, ...],
        keys: KeySet | None,
        secret: bytes | None,
        leeway: float,
        required_claims: Sequence[str],
        max_token_bytes: int,
    ) -> None:
        import jwt

        self._jwt = jwt
        self.issuer = issuer if isinstance(issuer, str) else list(issuer)
        self.audience = audience if isinstance(audience, str) else list(audience)
        self.algorithms = algorithms
        self.keys = keys
        self.secret = secret
        self.leeway = leeway
        self.max_token_bytes = max_token_bytes
        required = list(dict.fromkeys(("exp", "iss", "aud", *required_claims)))
        self.options: Any = {
            "require": required,
            "verify_signature": True,
            "verify_exp": True,
            "verify_nbf": True,
            "verify_iat": True,
            "verify_iss": True,
            "verify_aud": True,
        }

    def verify(self, token: str) -> dict[str, Any]:
        header = read_header(token, self.max_token_bytes)
        if header.alg not in self.algorithms:
            raise AuthFailed("algorithm not allowed")
        key = self._key(header)
        try:
            claims = self._jwt.decode(
                token,
                key=key,
                algorithms=[header.alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options=self.options,
            )
        except self._jwt.PyJWTError as error:
            raise AuthFailed(_reason(self._jwt, error)) from None
        if not isinstance(claims, dict):
            raise AuthFailed("malformed token")
        for name in _NUMERIC_DATES:  # PyJWT also takes "1700000000" and true as dates
            value = claims.get(name)
            if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise AuthFailed(f"invalid {name}")
        return claims

    def _key(self, header: TokenHeader) -> Any:
        if self.secret is not None:
            return self.secret
        assert self.keys is not None
        key = self.keys.find(header.kid)
        if key is None:
            raise AuthFailed("unknown key id")
        if not fits(key, header.alg):
            raise AuthFailed("key does not fit the token algorithm")
        return key.key


def _reason(jwt: Any, error: Exception) -> str:
    """A fixed phrase for a PyJWT error (its messages may quote claim values)."""
    exceptions = jwt.exceptions
    if isinstance(error, exceptions.MissingRequiredClaimError):
        return f"missing claim {error.claim}" if isinstance(error.claim, str) else "missing claim"
    table: tuple[tuple[type, str], ...] = (
        (exceptions.ExpiredSignatureError, "expired"),
        (exceptions.ImmatureSignatureError, "not yet valid"),
        (exceptions.InvalidAudienceError, "wrong audience"),
        (exceptions.InvalidIssuerError, "wrong issuer"),
        (exceptions.InvalidSignatureError, "bad signature"),
        (exceptions.InvalidAlgorithmError, "algorithm not allowed"),
        (exceptions.InvalidIssuedAtError, "invalid iat"),
        (exceptions.DecodeError, "malformed token"),
    )
    for kind, reason in table:
        if isinstance(error, kind):
            return reason
    return "invalid token"


def claim_text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    return value if isinstance(value, str) else ""

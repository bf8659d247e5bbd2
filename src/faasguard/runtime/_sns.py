"""Amazon SNS message signatures, for SNS -> Lambda records, SNS -> SQS envelopes and SNS
HTTP(S) deliveries.

The signing certificate is fetched only from `https://sns.<region>.amazonaws.com[.cn]/...pem`
(exact host, no port, no user info, no redirects; the region must be the topic's), checked
before any network access, and cached. SignatureVersion 1 is SHA1withRSA, 2 SHA256withRSA, over
the canonical "Name\\nValue\\n" string of the fields AWS signs for the message type.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ._authn import Authenticator, AuthFailed, raw_body
from ._gates import Identity
from ._jwks import no_redirects
from ._view import Message, Request

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
AWS_CERT_HOST = re.compile(rf"sns\.({_REGION})\.amazonaws\.com(?:\.cn)?")
_CERT_PATH = re.compile(r"/[A-Za-z0-9._-]+\.pem")
_TOPIC_ARN = re.compile(rf"arn:aws(?:-cn|-us-gov|-iso[a-z-]*)?:sns:({_REGION}):\d{{12}}:[\w-]+")
_NOTIFICATION = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
_TYPES = {
    "Notification": _NOTIFICATION,
    "SubscriptionConfirmation": _CONFIRMATION,
    "UnsubscribeConfirmation": _CONFIRMATION,
}
_ALIASES = {"SigningCertURL": "SigningCertUrl", "SubscribeURL": "SubscribeUrl"}
_MAX_CERT_BYTES = 16 * 1024
_MAX_CACHED_CERTS = 32
_FETCH_TIMEOUT = 2.0

CertFetcher = Callable[[str, float], bytes]


def _field(message: Mapping[str, Any], name: str) -> str | None:
    value = message.get(name)
    if name in _ALIASES:  # Lambda spells ...Url, HTTP deliveries ...URL
        other = message.get(_ALIASES[name])
        if value is None:
            value = other
        elif other is not None and other != value:
            raise AuthFailed(f"SNS message has two differing {name}", error="invalid_request")
    return value if isinstance(value, str) else None


def canonical(message: Mapping[str, Any]) -> bytes:
    """The string SNS signs for `message` (per its Type)."""
    names = _TYPES.get(_field(message, "Type") or "")
    if names is None:
        raise AuthFailed("unknown SNS message type", error="invalid_request")
    lines = []
    for name in names:
        value = _field(message, name)
        if value is None:
            if name == "Subject" and message.get(name) is None:
                continue  # absent; a Subject that is not a string is not what SNS signed
            raise AuthFailed(f"SNS message lacks {name}", error="invalid_request")
        lines.append(f"{name}\n{value}\n")
    return "".join(lines).encode("utf-8", "surrogatepass")  # a lone surrogate: bad signature


def check_cert_url(url: str, topic_region: str, hosts: re.Pattern[str]) -> None:
    """Refuse any signing-certificate URL but https://sns.<topic region>.amazonaws.com/x.pem."""
    if not url.isascii() or any(c in url for c in "\\@ \t\r\n"):
        raise AuthFailed("untrusted certificate URL")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if (
        parts.scheme != "https"
        or parts.netloc != host  # refuses ports, user info and upper-case tricks
        or parts.query
        or parts.fragment
        or not _CERT_PATH.fullmatch(parts.path)
    ):
        raise AuthFailed("untrusted certificate URL")
    match = hosts.fullmatch(host)
    if match is None:
        raise AuthFailed("untrusted certificate URL")
    if hosts is AWS_CERT_HOST and match.group(1) != topic_region:
        raise AuthFailed("certificate URL region differs from the topic's")


def fetch_cert(url: str, timeout: float) -> bytes:
    import http.client
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(no_redirects())
    try:
        with opener.open(url, timeout=timeout) as response:
            data = response.read(_MAX_CERT_BYTES + 1)
    except (urllib.error.URLError, OSError) as error:
        raise OSError(str(error)) from None
    except http.client.HTTPException as error:  # bad status line, cut chunked body...
        raise OSError(f"broken HTTP response: {type(error).__name__}") from None
    if len(data) > _MAX_CERT_BYTES:
        raise OSError("certificate larger than expected")
    return data


class SNSSignature(Authenticator):
    """Verifies SNS signatures; only the allow-listed topics authenticate."""

    scheme = "Signature"
    realm = "sns"

    def __init__(
        self,
        topic_arns: Iterable[str],
        *,
        cert_hosts: str | re.Pattern[str] | None = None,
        signature_versions: Iterable[str] = ("1", "2"),
        max_age: float | None = None,
        _fetcher: CertFetcher | None = None,
    ) -> None:
        self.topic_arns = frozenset(topic_arns)
        if not self.topic_arns:
            raise ValueError("faasguard.runtime.auth.SNSSignature: topic_arns is empty")
        for arn in self.topic_arns:
            if not _TOPIC_ARN.fullmatch(arn):
                raise ValueError(f"faasguard.runtime.auth.SNSSignature: {arn!r} is not a topic ARN")
        self.hosts = re.compile(cert_hosts) if isinstance(cert_hosts, str) else cert_hosts
        self.hosts = self.hosts or AWS_CERT_HOST
        self.versions = frozenset(signature_versions) & {"1", "2"}
        if not self.versions:
            raise ValueError("faasguard.runtime.auth.SNSSignature: signature versions are 1, 2")
        self.max_age = max_age
        self._fetch = _fetcher or fetch_cert  # tests inject certificates; the host check stays
        self._certs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def authenticate_request(self, request: Request) -> Identity:
        try:
            envelope = json.loads(raw_body(request))
        except (ValueError, RecursionError):
            raise AuthFailed("SNS body is not JSON", error="invalid_request") from None
        announced = request.headers.get("x-amz-sns-message-type")
        if isinstance(envelope, dict) and announced and announced != envelope.get("Type"):
            raise AuthFailed("SNS message type header differs from the body")
        return self.verify(envelope)

    def authenticate_message(self, message: Message) -> Identity:
        if message.kind == "sns":
            return self.verify(message.record)
        if message.kind == "sqs" and message.text is not None:  # SNS -> SQS, raw delivery off
            try:
                return self.verify(json.loads(message.text))
            except (ValueError, RecursionError):
                raise AuthFailed("not an SNS envelope", error="invalid_request") from None
        return super().authenticate_message(message)

    def verify(self, envelope: object) -> Identity:
        if not isinstance(envelope, dict):
            raise AuthFailed("not an SNS envelope", error="invalid_request")
        topic = _field(envelope, "TopicArn") or ""
        if topic not in self.topic_arns:
            raise AuthFailed("topic not allowed")
        match = _TOPIC_ARN.fullmatch(topic)
        assert match is not None  # allow-listed ARNs were checked at construction
        version = _field(envelope, "SignatureVersion")
        if version not in self.versions:
            raise AuthFailed("signature version not allowed")
        signed = canonical(envelope)
        signature = _signature(_field(envelope, "Signature"))
        url = _field(envelope, "SigningCertURL") or ""
        check_cert_url(url, match.group(1), self.hosts)
        self._check_signature(self._public_key(url), signature, signed, version)
        stamp = _field(envelope, "Timestamp") or ""
        self._check_age(stamp)
        claims = {
            "message_id": _field(envelope, "MessageId") or "",
            "topic_arn": topic,
            "type": _field(envelope, "Type"),
            "timestamp": stamp,
        }
        return Identity(principal=topic, method="sns", claims=claims)

    def _public_key(self, url: str) -> Any:
        with self._lock:
            cert = self._certs.get(url)
        if cert is None:
            cert = self._load(url)
        now = datetime.now(UTC)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            with self._lock:
                self._certs.pop(url, None)
            raise AuthFailed("signing certificate expired")
        return cert.public_key()

    def _load(self, url: str) -> Any:
        from cryptography import x509

        try:
            data = self._fetch(url, _FETCH_TIMEOUT)
        except OSError:
            raise AuthFailed("signing certificate unavailable", status=503) from None
        try:
            cert = x509.load_pem_x509_certificate(data)
        except ValueError:
            raise AuthFailed("signing certificate unreadable", status=503) from None
        with self._lock:
            if len(self._certs) >= _MAX_CACHED_CERTS:
                self._certs.pop(next(iter(self._certs)))
            self._certs[url] = cert
        return cert

    @staticmethod
    def _check_signature(key: Any, signature: bytes, signed: bytes, version: str) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        if not isinstance(key, rsa.RSAPublicKey):
            raise AuthFailed("signing certificate is not RSA")
        digest = hashes.SHA1() if version == "1" else hashes.SHA256()
        try:
            key.verify(signature, signed, padding.PKCS1v15(), digest)
        except InvalidSignature:
            raise AuthFailed("bad signature") from None

    def _check_age(self, stamp: str) -> None:
        if self.max_age is None:
            return
        try:
            sent = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise AuthFailed("malformed SNS timestamp", error="invalid_request") from None
        if sent.tzinfo is None:
            raise AuthFailed("malformed SNS timestamp", error="invalid_request")
        if abs((datetime.now(UTC) - sent).total_seconds()) > self.max_age:
            raise AuthFailed("SNS message too old")


def _signature(text: str | None) -> bytes:
    if not text or len(text) > 2048:
        raise AuthFailed("missing signature", error="invalid_request")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AuthFailed("malformed signature", error="invalid_request") from None

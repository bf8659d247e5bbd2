"""GCP Secret Manager provider: the official client (REST transport) against a local fake of
the `versions/*:access` endpoint on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
from http.server import ThreadingHTTPServer

import pytest

pytest.importorskip("google.cloud.secretmanager")
from google.oauth2.credentials import Credentials

from faasguard.runtime import _redact
from faasguard.runtime._secrets_cloud import crc32c
from faasguard.runtime.secrets import (
    GCPSecretManager,
    SecretAccessDenied,
    SecretNotFound,
    Secrets,
    SecretUnavailable,
)
from tests.runtime._fake_http import JSONHandler, serving

TOKEN = "ya29.fake-access-token"
_ACCESS = re.compile(r"/v1/projects/([^/]+)/secrets/([^/]+)/versions/([^/:]+):access")


class FakeSecretManager(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secrets: dict[tuple[str, str], list[bytes]] = {}
        self.down = False
        self.corrupt = False
        self.requests: list[str] = []

    def add_version(self, project: str, secret: str, data: bytes) -> None:
        self.secrets.setdefault((project, secret), []).append(data)


class _Handler(JSONHandler):
    server: FakeSecretManager

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        match = _ACCESS.match(self.path.split("?", 1)[0])
        if self.server.down:
            return self._error(503, "UNAVAILABLE", "backend unavailable")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._error(403, "PERMISSION_DENIED", "Permission denied on resource")
        if match is None:
            return self._error(404, "NOT_FOUND", "unknown path")
        project, secret, version = match.groups()
        versions = self.server.secrets.get((project, secret))
        if not versions:
            return self._error(404, "NOT_FOUND", f"Secret [{secret}] not found")
        number = len(versions) if version == "latest" else int(version)
        if not 1 <= number <= len(versions):
            return self._error(404, "NOT_FOUND", f"Secret Version [{number}] not found")
        data = versions[number - 1]
        checksum = crc32c(data) ^ (1 if self.server.corrupt else 0)
        self.reply(200, {
            "name": f"projects/837261/secrets/{secret}/versions/{number}",
            "payload": {"data": base64.b64encode(data).decode(), "dataCrc32c": str(checksum)},
        })  # fmt: skip

    def _error(self, code: int, status: str, message: str) -> None:
        self.reply(code, {"error": {"code": code, "message": message, "status": status}})


@pytest.fixture
def fake():
    with serving(FakeSecretManager()) as server:
        yield server


pytestmark = pytest.mark.usefixtures("clean_secret_registry")


def _provider(fake: FakeSecretManager, token: str = TOKEN, **kwargs: object) -> GCPSecretManager:
    return GCPSecretManager(
        "orders-prod",
        credentials=Credentials(token=token),
        transport="rest",
        options={"api_endpoint": f"http://127.0.0.1:{fake.server_port}"},
        timeout=1.0,
        **kwargs,
    )


def test_crc32c_matches_the_castagnoli_check_value():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


def test_latest_version_text_json_and_binary(fake):
    fake.add_version("orders-prod", "db", json.dumps({"password": "gcp-db-pw-123"}).encode())
    fake.add_version("orders-prod", "tls-key", b"\x30\x82\x01\x0a\xff\xfe-der")
    cache = Secrets(_provider(fake))
    assert cache.get("db", "password") == "gcp-db-pw-123"
    assert cache.version("db") == "1"
    assert cache.get("tls-key") == b"\x30\x82\x01\x0a\xff\xfe-der"
    assert "gcp-db-pw-123" not in _redact.redact("pw gcp-db-pw-123")
    assert fake.requests[0].startswith("/v1/projects/orders-prod/secrets/db/versions/latest:access")


def test_new_version_is_a_rotation(fake):
    fake.add_version("orders-prod", "api", b"gcp-api-key-v1")
    rotations: list[tuple[str, str, str]] = []
    cache = Secrets(_provider(fake), on_rotation=lambda *a: rotations.append(a))
    assert cache.get("api") == "gcp-api-key-v1"
    fake.add_version("orders-prod", "api", b"gcp-api-key-v2")
    assert cache.refresh("api") == "gcp-api-key-v2"
    assert rotations == [("api", "1", "2")]


def test_pinned_version_and_full_resource_name(fake):
    fake.add_version("orders-prod", "api", b"gcp-api-key-v1")
    fake.add_version("orders-prod", "api", b"gcp-api-key-v2")
    assert Secrets(_provider(fake, version="1")).get("api") == "gcp-api-key-v1"
    full = "projects/orders-prod/secrets/api/versions/2"
    assert Secrets(_provider(fake)).get(full) == "gcp-api-key-v2"


def test_errors_map_to_clear_exceptions(fake):
    fake.add_version("orders-prod", "api", b"gcp-api-key-v1")
    with pytest.raises(SecretNotFound, match="'nope' not found or disabled in gcp-secret-manager"):
        Secrets(_provider(fake)).get("nope")
    with pytest.raises(SecretAccessDenied, match="403"):
        Secrets(_provider(fake, token="ya29.wrong")).get("api")
    with pytest.raises(SecretNotFound, match="GCP secret ids"):
        Secrets(_provider(fake)).get("bad/name")
    fake.corrupt = True
    with pytest.raises(SecretUnavailable, match="CRC32C mismatch"):
        Secrets(_provider(fake)).get("api")


def test_outage_serves_the_cached_value(fake):
    fake.add_version("orders-prod", "api", b"gcp-api-key-v1")
    now = [0.0]
    events: list[dict] = []
    cache = Secrets(_provider(fake), ttl=10, clock=lambda: now[0], on_event=events.append)
    cache.get("api")
    fake.down = True
    now[0] = 11.0
    assert cache.get("api") == "gcp-api-key-v1"
    assert events[-1]["event"] == "secret.stale"
    assert "503" in str(events[-1]["error"])

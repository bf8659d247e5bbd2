"""HashiCorp Vault provider: hvac against a local fake of Vault's KV v1/v2 and AWS IAM login."""

from __future__ import annotations

import base64
import json
from http.server import ThreadingHTTPServer

import pytest

pytest.importorskip("hvac")

from faasguard.runtime import _redact
from faasguard.runtime.secrets import (
    HashiCorpVault,
    SecretAccessDenied,
    SecretNotFound,
    Secrets,
    SecretUnavailable,
)
from tests.runtime._fake_http import JSONHandler, serving

ROOT_TOKEN = "hvs.test-root-token"
ACCESS_KEY = "AKIDFAKEVAULTLOGIN01"
pytestmark = pytest.mark.usefixtures("clean_secret_registry")


class FakeVault(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.kv2: dict[str, list[dict]] = {}
        self.kv1: dict[str, dict] = {}
        self.tokens = {ROOT_TOKEN}
        self.logins: list[dict] = []
        self.sealed = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def write(self, path: str, data: dict) -> int:
        self.kv2.setdefault(path, []).append(data)
        return len(self.kv2[path])


class _Handler(JSONHandler):
    server: FakeVault

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.path != "/v1/auth/aws/login":
            return self.reply(404, {"errors": []})
        self.server.logins.append(body)
        headers = json.loads(base64.b64decode(body["iam_request_headers"]))
        authorization = headers.get("Authorization", [""])
        authorization = authorization[0] if isinstance(authorization, list) else authorization
        signed = f"Credential={ACCESS_KEY}/" in authorization
        action = base64.b64decode(body["iam_request_body"]).decode()
        if not signed or "Action=GetCallerIdentity" not in action or body.get("role") != "orders":
            return self.reply(400, {"errors": ["error making upstream request"]})
        token = f"hvs.login-{len(self.server.logins)}"
        self.server.tokens.add(token)
        self.reply(
            200, {"auth": {"client_token": token, "lease_duration": 3600, "renewable": True}}
        )

    def do_GET(self) -> None:
        if self.server.sealed:
            return self.reply(503, {"errors": ["Vault is sealed"]})
        if self.headers.get("X-Vault-Token") not in self.server.tokens:
            return self.reply(403, {"errors": ["permission denied"]})
        path = self.path.split("?", 1)[0]
        if path.startswith("/v1/secret/data/"):
            versions = self.server.kv2.get(path.removeprefix("/v1/secret/data/"))
            if not versions:
                return self.reply(404, {"errors": []})
            metadata = {
                "version": len(versions),
                "deletion_time": "",
                "destroyed": False,
                "created_time": "2026-11-28T10:00:00Z",
            }
            return self.reply(200, {"data": {"data": versions[-1], "metadata": metadata}})
        if path.startswith("/v1/kv1/"):
            data = self.server.kv1.get(path.removeprefix("/v1/kv1/"))
            return self.reply(200, {"data": data}) if data else self.reply(404, {"errors": []})
        self.reply(404, {"errors": []})


@pytest.fixture
def vault():
    with serving(FakeVault()) as server:
        yield server


@pytest.fixture(autouse=True)
def offline_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key-for-signing-only")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def test_kv2_read_fields_and_new_versions(vault):
    vault.write("orders/db", {"username": "orders_rw", "password": "vault-pw-0001"})
    rotations: list[tuple[str, str, str]] = []
    cache = Secrets(
        HashiCorpVault(vault.url, token=ROOT_TOKEN), on_rotation=lambda *a: rotations.append(a)
    )
    assert cache.get("orders/db", "password") == "vault-pw-0001"
    assert cache.get("orders/db") == {"username": "orders_rw", "password": "vault-pw-0001"}
    assert cache.version("orders/db") == "1"
    vault.write("orders/db", {"username": "orders_rw", "password": "vault-pw-0002"})
    assert cache.refresh("orders/db", "password") == "vault-pw-0002"
    assert rotations == [("orders/db", "1", "2")]
    masked = _redact.redact("vault-pw-0001 vault-pw-0002 orders_rw")
    assert masked == "[REDACTED:secret] [REDACTED:secret] [REDACTED:secret]"


def test_kv1_mount_and_token_from_the_environment(vault, monkeypatch):
    vault.kv1["legacy/api"] = {"key": "vault-kv1-key-9"}
    monkeypatch.setenv("VAULT_TOKEN", ROOT_TOKEN)
    provider = HashiCorpVault(vault.url, mount="kv1", kv_version=1)
    assert Secrets(provider).get("legacy/api", "key") == "vault-kv1-key-9"


def test_aws_iam_login_and_relogin_when_the_token_expires(vault):
    vault.write("orders/api", {"key": "vault-iam-key-1"})
    provider = HashiCorpVault(vault.url, role="orders")
    cache = Secrets(provider)
    assert cache.get("orders/api", "key") == "vault-iam-key-1"
    assert len(vault.logins) == 1
    vault.tokens.clear()  # the Vault token expired
    assert cache.refresh("orders/api", "key") == "vault-iam-key-1"
    assert len(vault.logins) == 2


def test_errors_are_clear(vault):
    vault.write("orders/api", {"key": "vault-iam-key-1"})
    with pytest.raises(SecretNotFound, match="'orders/none' not found in hashicorp-vault"):
        Secrets(HashiCorpVault(vault.url, token=ROOT_TOKEN)).get("orders/none")
    with pytest.raises(SecretAccessDenied, match="Forbidden"):
        Secrets(HashiCorpVault(vault.url, token="hvs.wrong")).get("orders/api")
    with pytest.raises(SecretAccessDenied, match="no token"):
        Secrets(HashiCorpVault(vault.url)).get("orders/api")
    with pytest.raises(SecretAccessDenied):
        Secrets(HashiCorpVault(vault.url, role="someone-else")).get("orders/api")
    vault.sealed = True
    with pytest.raises(SecretUnavailable, match=r"VaultDown|sealed"):
        Secrets(HashiCorpVault(vault.url, token=ROOT_TOKEN)).get("orders/api")
    with pytest.raises(ValueError, match="kv_version"):
        HashiCorpVault(vault.url, kv_version=3)


def test_token_is_not_in_the_repr(vault):
    assert ROOT_TOKEN not in repr(HashiCorpVault(vault.url, token=ROOT_TOKEN))


def test_vault_down_serves_the_cached_value(vault):
    vault.write("orders/api", {"key": "vault-iam-key-1"})
    now = [0.0]
    cache = Secrets(HashiCorpVault(vault.url, token=ROOT_TOKEN), ttl=5, clock=lambda: now[0])
    cache.get("orders/api")
    vault.shutdown()
    vault.server_close()
    now[0] = 6.0
    assert cache.get("orders/api", "key") == "vault-iam-key-1"

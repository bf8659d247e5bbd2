"""Azure Key Vault provider: the official SecretClient against a local fake vault on 127.0.0.1.

The client insists on https and a bearer challenge, so the fake serves TLS with a certificate
made for this test (trusted through `connection_verify`), answers the first request with the
401 challenge Key Vault sends, and then accepts only the token our test credential issues.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import ssl
import time
from http.server import ThreadingHTTPServer

import pytest

pytest.importorskip("azure.keyvault.secrets")
from azure.core.credentials import AccessToken

from faasguard.runtime import _redact
from faasguard.runtime.secrets import (
    AzureKeyVault,
    SecretAccessDenied,
    SecretNotFound,
    Secrets,
    SecretUnavailable,
)
from tests.runtime._fake_http import JSONHandler, serving

TOKEN = "eyFake.kv-token"
LOOPBACK = ipaddress.ip_address("127.0.0.1")
_SECRET = re.compile(r"/secrets/([0-9A-Za-z-]+)(?:/([0-9a-f]*))?$")


class FakeVault(ThreadingHTTPServer):
    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.secrets: dict[str, list[tuple[str, str]]] = {}  # name -> [(version, value)]
        self.down = False
        self.forbidden = False
        self.scopes: list[str] = []

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server_port}"

    def set_secret(self, name: str, value: str) -> str:
        version = f"{len(self.secrets.get(name, [])) + 1:032x}"
        self.secrets.setdefault(name, []).append((version, value))
        return version


class _Handler(JSONHandler):
    server: FakeVault
    content_type = "application/json; charset=utf-8"

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.send_header(
                "WWW-Authenticate",
                'Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab'
                '-2d7cd011db47", resource="https://vault.azure.net"',
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.server.down:
            return self.reply(503, {"error": {"code": "ServiceUnavailable", "message": "busy"}})
        if self.server.forbidden:
            return self.reply(403, {"error": {"code": "Forbidden", "message": "no get permission"}})
        path, _, query = self.path.partition("?")
        match = _SECRET.match(path)
        if match is None or "api-version=" not in query:
            return self.reply(400, {"error": {"code": "BadParameter", "message": "bad request"}})
        name, version = match.groups()
        versions = dict(self.server.secrets.get(name, []))
        if not versions or (version and version not in versions):
            message = f"A secret with (name/id) {name} was not found in this key vault."
            return self.reply(404, {"error": {"code": "SecretNotFound", "message": message}})
        version = version or self.server.secrets[name][-1][0]
        self.reply(200, {
            "value": versions[version],
            "id": f"{self.server.url}/secrets/{name}/{version}",
            "attributes": {"enabled": True, "created": 1764000000, "updated": 1764000000},
        })  # fmt: skip


class StaticCredential:
    """A TokenCredential (the protocol azure-identity implements) issuing one test token."""

    def __init__(self, vault: FakeVault) -> None:
        self.vault = vault

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.vault.scopes.extend(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)


def _certificate(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-vault.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / "vault.pem", tmp_path / "vault.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def vault(tmp_path):
    pytest.importorskip("cryptography")
    cert_file, key_file = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = FakeVault(context)
    server.cafile = str(cert_file)  # type: ignore[attr-defined]
    with serving(server):
        yield server


pytestmark = pytest.mark.usefixtures("clean_secret_registry")


def _provider(vault: FakeVault, **kwargs: object) -> AzureKeyVault:
    return AzureKeyVault(
        vault.url,
        credential=StaticCredential(vault),
        options={
            "connection_verify": vault.cafile,  # type: ignore[attr-defined]
            "verify_challenge_resource": False,  # the fake vault is not under vault.azure.net
            "retry_total": 0,
        },
        **kwargs,
    )


def test_reads_the_current_version_after_the_bearer_challenge(vault):
    vault.set_secret("db-password", "kv-Pa55-0001")
    cache = Secrets(_provider(vault))
    assert cache.get("db-password") == "kv-Pa55-0001"
    assert cache.version("db-password") == f"{1:032x}"
    assert vault.scopes == ["https://vault.azure.net/.default"]
    assert "kv-Pa55-0001" not in _redact.redact("password kv-Pa55-0001")


def test_json_secret_field_and_rotation(vault):
    vault.set_secret("stripe", json.dumps({"api_key": "sk_test_kv_111", "account": "acct_1"}))
    rotations: list[tuple[str, str, str]] = []
    cache = Secrets(_provider(vault), on_rotation=lambda *a: rotations.append(a))
    assert cache.get("stripe", "api_key") == "sk_test_kv_111"
    vault.set_secret("stripe", json.dumps({"api_key": "sk_test_kv_222", "account": "acct_1"}))
    assert cache.refresh("stripe", "api_key") == "sk_test_kv_222"
    assert rotations == [("stripe", f"{1:032x}", f"{2:032x}")]
    masked = _redact.redact("old sk_test_kv_111 new sk_test_kv_222")
    assert masked == "old [REDACTED:secret] new [REDACTED:secret]"


def test_pinned_version(vault):
    first = vault.set_secret("api", "kv-api-first")
    vault.set_secret("api", "kv-api-second")
    assert Secrets(_provider(vault, version=first)).get("api") == "kv-api-first"


def test_errors_are_clear(vault):
    cache = Secrets(_provider(vault))
    with pytest.raises(SecretNotFound, match="'missing' not found in azure-key-vault"):
        cache.get("missing")
    with pytest.raises(SecretNotFound, match="letters, digits and dashes"):
        cache.get("has_underscore")
    vault.set_secret("api", "kv-api-first")
    vault.forbidden = True
    with pytest.raises(SecretAccessDenied, match="403"):
        cache.get("api")
    vault.forbidden, vault.down = False, True
    with pytest.raises(SecretUnavailable, match=r"503|ServiceUnavailable"):
        cache.get("api")


def test_untrusted_certificate_is_refused(vault):
    vault.set_secret("api", "kv-api-first")
    provider = AzureKeyVault(
        vault.url,
        credential=StaticCredential(vault),
        options={"verify_challenge_resource": False, "retry_total": 0},
    )
    with pytest.raises(SecretUnavailable, match=r"SSL|certificate|ServiceRequestError"):
        Secrets(provider).get("api")

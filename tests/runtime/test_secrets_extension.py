"""LambdaExtension provider against a local fake of the AWS Parameters and Secrets Lambda
Extension's HTTP API on 127.0.0.1 (standard library only: no boto3 is imported)."""

from __future__ import annotations

import base64
import subprocess
import sys
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from faasguard.runtime import _redact
from faasguard.runtime.secrets import (
    LambdaExtension,
    SecretAccessDenied,
    SecretNotFound,
    Secrets,
    SecretUnavailable,
)
from tests.runtime._fake_http import JSONHandler, serving

SESSION = "IQoJb3JpZ2luX2VjEFakeSessionToken"


class FakeExtension(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secrets: dict[str, dict] = {}
        self.parameters: dict[str, dict] = {}
        self.failing = False
        self.deleted: set[str] = set()


class _Handler(JSONHandler):
    server: FakeExtension

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != SESSION:
            return self.reply(401, {"message": "Unauthorized"})
        if self.server.failing:
            return self.reply(500, {"message": "internal error"})
        if url.path == "/secretsmanager/get":
            if query.get("secretId") in self.server.deleted:
                return self.reply(400, {
                    "__type": "InvalidRequestException",
                    "Message": "You can't perform this operation on the secret because it was "
                               "marked for deletion.",
                })  # fmt: skip
            item = self.server.secrets.get(query.get("secretId", ""))
            if item is None:
                return self.reply(400, {"__type": "ResourceNotFoundException"})
            return self.reply(200, {"Name": query["secretId"], **item})
        if url.path == "/systemsmanager/parameters/get":
            item = self.server.parameters.get(query.get("name", ""))
            if item is None:
                return self.reply(400, {"__type": "ParameterNotFound"})
            if query.get("withDecryption") != "true" and item["Type"] == "SecureString":
                item = {**item, "Value": "AQICAHencrypted"}
            return self.reply(200, {"Parameter": item})
        self.reply(404, {"message": "not found"})


@pytest.fixture
def extension(monkeypatch):
    with serving(FakeExtension()) as server:
        monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION)
        monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(server.server_port))
        _redact.clear_secrets()
        yield server
        _redact.clear_secrets()


def _provider(**kwargs: object) -> LambdaExtension:
    return LambdaExtension(host="127.0.0.1", **kwargs)


def test_secrets_manager_string_binary_and_rotation(extension):
    extension.secrets["app/db"] = {"SecretString": '{"password": "ext-pw-0001"}', "VersionId": "a1"}
    extension.secrets["app/blob"] = {
        "SecretBinary": base64.b64encode(b"\x00raw-bytes").decode(),
        "VersionId": "b1",
    }
    rotations: list[tuple[str, str, str]] = []
    cache = Secrets(_provider(), on_rotation=lambda *a: rotations.append(a))
    assert cache.get("app/db", "password") == "ext-pw-0001"
    assert cache.get("app/blob") == b"\x00raw-bytes"
    extension.secrets["app/db"] = {"SecretString": '{"password": "ext-pw-0002"}', "VersionId": "a2"}
    assert cache.refresh("app/db", "password") == "ext-pw-0002"
    assert rotations == [("app/db", "a1", "a2")]
    assert _redact.redact("ext-pw-0001 ext-pw-0002").count(_redact.SECRET_MASK) == 2


def test_ssm_parameter_with_decryption(extension):
    extension.parameters["/svc/key"] = {
        "Value": "ext-ssm-key-1",
        "Type": "SecureString",
        "Version": 4,
    }
    cache = Secrets(_provider(service="ssm"))
    assert cache.get("/svc/key") == "ext-ssm-key-1"
    assert cache.version("/svc/key") == "4"


def test_errors_are_clear(extension, monkeypatch):
    with pytest.raises(SecretNotFound, match="'nope' not found via aws-lambda-extension"):
        Secrets(_provider()).get("nope")
    with pytest.raises(SecretNotFound):
        Secrets(_provider(service="ssm")).get("/nope")
    extension.secrets["x"] = {"SecretString": "ext-value-xyz", "VersionId": "1"}
    extension.failing = True
    with pytest.raises(SecretUnavailable, match="Error 500"):
        Secrets(_provider()).get("x")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "stolen-or-stale")
    with pytest.raises(SecretAccessDenied, match="HTTP 401"):
        Secrets(_provider()).get("x")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    with pytest.raises(SecretAccessDenied, match="needs AWS_SESSION_TOKEN"):
        Secrets(_provider()).get("x")
    with pytest.raises(ValueError, match="service"):
        LambdaExtension(service="s3")


def test_extension_not_running_is_unavailable(monkeypatch):
    server = FakeExtension()
    port = server.server_port
    server.server_close()  # nothing listens on that port any more
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION)
    with pytest.raises(SecretUnavailable, match="Connection refused"):
        Secrets(_provider(port=port)).get("x")


def test_no_sdk_is_imported(extension):
    extension.secrets["x"] = {"SecretString": "ext-value-xyz", "VersionId": "1"}
    code = (
        "import sys\n"
        "from faasguard.runtime.secrets import LambdaExtension, Secrets\n"
        "print(Secrets(LambdaExtension(host='127.0.0.1')).get('x'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'requests', 'azure', 'google', 'hvac', 'typing')))\n"
    )
    env = {
        "AWS_SESSION_TOKEN": SESSION,
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(extension.server_port),
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["ext-value-xyz", "[]"]


def test_a_secret_deleted_after_caching_is_not_served_stale(extension):
    """Review of issue 5: deletion (what a revocation often is) is a definitive answer, as
    with boto3: the cached value must not be bridged through the stale grace period."""
    now = [0.0]
    secrets = Secrets(_provider(), ttl=60, jitter=0, clock=lambda: now[0])
    extension.secrets["db"] = {"SecretString": "ext-doomed-pw", "VersionId": "1"}
    assert secrets.get("db") == "ext-doomed-pw"
    extension.deleted.add("db")
    now[0] = 61.0
    with pytest.raises(SecretNotFound, match="not found via aws-lambda-extension"):
        secrets.get("db")

"""AWS providers against moto in server mode on 127.0.0.1 (boto3 over real HTTP, never AWS)."""

from __future__ import annotations

import json
import logging

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from faasguard.runtime import _redact  # noqa: E402
from faasguard.runtime.secrets import (  # noqa: E402
    AWSSecretsManager,
    SecretNotFound,
    Secrets,
    SSMParameterStore,
)
from tests.runtime.conftest import Clock  # noqa: E402

REGION = "eu-west-1"
pytestmark = pytest.mark.usefixtures("clean_secret_registry")


@pytest.fixture(scope="module")
def endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def _admin(endpoint: str, service: str):
    return boto3.session.Session().client(service, region_name=REGION, endpoint_url=endpoint)


def test_secrets_manager_string_binary_and_json(endpoint):
    sm = _admin(endpoint, "secretsmanager")
    sm.create_secret(Name="app/token", SecretString="tok-9f8e7d6c5b4a")
    sm.create_secret(Name="app/blob", SecretBinary=b"\x00\x01binary-key\xff")
    db = {"username": "orders_app", "password": "pw-Zx81!kq0", "port": 5432, "engine": "postgres"}
    sm.create_secret(Name="app/db", SecretString=json.dumps(db))
    provider = AWSSecretsManager(region=REGION, endpoint_url=endpoint)
    cache = Secrets(provider)

    assert cache.get("app/token") == "tok-9f8e7d6c5b4a"
    assert cache.get("app/blob") == b"\x00\x01binary-key\xff"
    assert cache.get("app/db", "password") == "pw-Zx81!kq0"
    assert cache.get("app/db", "port") == 5432
    masked = _redact.redact("user=orders_app pw=pw-Zx81!kq0 tok-9f8e7d6c5b4a on postgres")
    assert "pw-Zx81!kq0" not in masked and "tok-9f8e7d6c5b4a" not in masked
    assert "orders_app" not in masked
    assert "postgres" in masked  # a descriptive field (engine) is not masked


def test_secrets_manager_rotation_is_picked_up_after_ttl_or_refresh(endpoint):
    sm = _admin(endpoint, "secretsmanager")
    sm.create_secret(Name="rotating", SecretString="first-value-111")
    clock = Clock(1000.0)
    rotations: list[tuple[str, str, str]] = []
    cache = Secrets(
        AWSSecretsManager(region=REGION, endpoint_url=endpoint),
        ttl=60, jitter=0.0, clock=clock, on_rotation=lambda *a: rotations.append(a),
    )  # fmt: skip
    assert cache.get("rotating") == "first-value-111"
    first_version = cache.version("rotating")

    sm.put_secret_value(SecretId="rotating", SecretString="second-value-222")
    clock.now += 59
    assert cache.get("rotating") == "first-value-111"  # within the TTL: cached
    clock.now += 2
    assert cache.get("rotating") == "second-value-222"
    second_version = cache.version("rotating")
    assert rotations == [("rotating", first_version, second_version)]
    assert first_version != second_version

    sm.put_secret_value(SecretId="rotating", SecretString="third-value-333")
    assert cache.refresh("rotating") == "third-value-333"
    assert len(rotations) == 2
    masked = _redact.redact("old first-value-111 second-value-222 new third-value-333")
    assert masked.count(_redact.SECRET_MASK) == 3


def test_previous_stage_reads_the_value_before_rotation(endpoint):
    sm = _admin(endpoint, "secretsmanager")
    sm.create_secret(Name="staged", SecretString="stage-old-aaaa")
    sm.put_secret_value(SecretId="staged", SecretString="stage-new-bbbb")
    current = AWSSecretsManager(region=REGION, endpoint_url=endpoint)
    previous = AWSSecretsManager(region=REGION, endpoint_url=endpoint, version_stage="AWSPREVIOUS")
    cache = Secrets()
    assert cache.get("staged", provider=current) == "stage-new-bbbb"
    assert cache.get("staged", provider=previous) == "stage-old-aaaa"


def test_auth_failure_forces_one_refresh(endpoint):
    sm = _admin(endpoint, "secretsmanager")
    sm.create_secret(Name="db-pass", SecretString="before-rotation")
    cache = Secrets(AWSSecretsManager(region=REGION, endpoint_url=endpoint), ttl=3600)
    assert cache.get("db-pass") == "before-rotation"
    sm.put_secret_value(SecretId="db-pass", SecretString="after-rotation")
    assert cache.get("db-pass") == "before-rotation"
    assert cache.report_auth_failure("db-pass") == "after-rotation"
    sm.put_secret_value(SecretId="db-pass", SecretString="yet-another-one")
    # Already forced for this version: no second fetch until the TTL runs out.
    assert cache.report_auth_failure("db-pass") == "after-rotation"


def test_missing_secret_is_a_clear_error(endpoint):
    cache = Secrets(AWSSecretsManager(region=REGION, endpoint_url=endpoint))
    with pytest.raises(SecretNotFound, match="'no/such/secret' not found in aws-secrets-manager"):
        cache.get("no/such/secret")


def test_ssm_secure_string_and_hierarchy(endpoint):
    ssm = _admin(endpoint, "ssm")
    ssm.put_parameter(Name="/orders/prod/db/password", Value="ssm-pw-77aa", Type="SecureString")
    ssm.put_parameter(Name="/orders/prod/db/user", Value="orders_rw", Type="String")
    ssm.put_parameter(Name="/orders/prod/api/key", Value="ssm-key-88bb", Type="SecureString")
    ssm.put_parameter(Name="/orders/dev/db/password", Value="dev-pw-99cc", Type="SecureString")
    provider = SSMParameterStore(region=REGION, endpoint_url=endpoint)
    cache = Secrets(provider)

    assert cache.get("/orders/prod/db/password") == "ssm-pw-77aa"
    tree = cache.get("/orders/prod/")
    assert tree == {"db/password": "ssm-pw-77aa", "db/user": "orders_rw", "api/key": "ssm-key-88bb"}
    assert cache.get("/orders/prod/", "api/key") == "ssm-key-88bb"
    assert "ssm-key-88bb" not in _redact.redact("key ssm-key-88bb")
    with pytest.raises(SecretNotFound):
        cache.get("/orders/staging/")
    with pytest.raises(SecretNotFound, match="ParameterNotFound"):
        cache.get("/orders/prod/db/missing")


def test_ssm_rotation_by_new_parameter_version(endpoint):
    ssm = _admin(endpoint, "ssm")
    ssm.put_parameter(Name="/svc/key", Value="version-one-1", Type="SecureString")
    clock = Clock(1000.0)
    cache = Secrets(SSMParameterStore(region=REGION, endpoint_url=endpoint), ttl=10, clock=clock)
    assert cache.get("/svc/key") == "version-one-1"
    assert cache.version("/svc/key") == "1"
    ssm.put_parameter(Name="/svc/key", Value="version-two-2", Type="SecureString", Overwrite=True)
    clock.now += 11
    assert cache.get("/svc/key") == "version-two-2"
    assert cache.version("/svc/key") == "2"


def test_logs_never_show_a_fetched_secret(endpoint, caplog):
    sm = _admin(endpoint, "secretsmanager")
    sm.create_secret(Name="logged", SecretString="do-not-log-me-42")
    value = Secrets(AWSSecretsManager(region=REGION, endpoint_url=endpoint)).get("logged")
    with caplog.at_level(logging.INFO, logger="orders"):
        logging.getLogger("orders").info("connecting with %s", value)
    assert "do-not-log-me-42" not in caplog.text
    assert _redact.SECRET_MASK in caplog.text

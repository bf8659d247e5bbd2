"""Zero-code wrapper: faasguard.runtime.aws.handler configured by environment and faasguard.toml."""

from __future__ import annotations

import json
import sys

import pytest

from faasguard.runtime import aws
from faasguard.runtime._config import ConfigError, load
from tests.runtime._guard_events import GOOD_ORDER, ORDER_SCHEMA, Context, apigw_v1, sqs

APP = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


@pytest.fixture
def task_root(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "orders_app.py").write_text(APP)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "order.json").write_text(json.dumps(ORDER_SCHEMA))
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in list(__import__("os").environ):
        if name.startswith("FAASGUARD_"):
            monkeypatch.delenv(name)
    aws.reset()
    yield tmp_path
    aws.reset()
    sys.modules.pop("src.orders_app", None)
    sys.modules.pop("src", None)


def test_wrapper_from_environment(task_root, monkeypatch, capsys):
    monkeypatch.setenv("FAASGUARD_HANDLER", "src/orders_app.handler")
    monkeypatch.setenv("FAASGUARD_SCHEMA", "schemas/order.json")
    monkeypatch.setenv("FAASGUARD_DETECT", "block")
    assert aws.handler(apigw_v1(), Context())["statusCode"] == 200
    assert aws.handler(apigw_v1({"customer": 1}), Context())["statusCode"] == 400
    attack = {**GOOD_ORDER, "note": "<iframe src=javascript:alert(1)>"}
    assert aws.handler(apigw_v1(attack), Context())["statusCode"] == 403
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["class_uid"] for line in lines] == [4002, 2004]


def test_wrapper_from_toml_with_env_override(task_root, monkeypatch):
    (task_root / "faasguard.toml").write_text(
        """
[guard]
handler = "src.orders_app.handler"
schema = "schemas/order.json"
detect = "block"
exclude = ["body.note"]
[guard.limits]
max_body_bytes = 400
[guard.routes."GET /health"]
detect = "off"
"""
    )
    monkeypatch.setenv("FAASGUARD_DETECT", "monitor")
    monkeypatch.setenv("FAASGUARD_SAMPLE_RATE", "0")
    settings = load()
    assert settings["detect"] == "monitor"
    assert settings["limits"] == {"max_body_bytes": 400}
    assert aws.handler(apigw_v1(), Context())["statusCode"] == 200
    big = {**GOOD_ORDER, "note": "x" * 500}
    assert aws.handler(apigw_v1(big), Context())["statusCode"] == 413
    assert aws.handler(sqs(GOOD_ORDER), Context()) == {"statusCode": 200, "body": "ok"}


def test_env_limits(task_root, monkeypatch):
    monkeypatch.setenv("FAASGUARD_HANDLER", "src.orders_app.handler")
    monkeypatch.setenv("FAASGUARD_MAX_STRING_LENGTH", "8")
    assert aws.handler(apigw_v1(), Context())["statusCode"] == 413


@pytest.mark.parametrize(
    ("env", "toml", "message"),
    [
        ({}, "", "FAASGUARD_HANDLER"),
        ({"FAASGUARD_HANDLER": "nodots"}, "", "module.function"),
        ({"FAASGUARD_HANDLER": "src.orders_app.missing"}, "", "no function"),
        ({"FAASGUARD_HANDLER": "src.orders_app.handler", "FAASGUARD_SAMPLE_RATE": "lots"}, "",
         "FAASGUARD_SAMPLE_RATE"),
        ({}, "[guard]\nhandlr = 'x.y'\n", r"unknown \[guard\] settings: handlr"),
        ({}, "[guard]\nhandler = 'src.orders_app.handler'\n[guard.limits]\nmax_bodies = 1\n",
         "unknown limit"),
        ({"FAASGUARD_HANDLER": "src.orders_app.handler", "FAASGUARD_SCHEMA": "nope.json"}, "",
         "cannot read the JSON Schema"),
        ({"FAASGUARD_CONFIG": "/nonexistent/faasguard.toml"}, "", "missing file"),
    ],
)  # fmt: skip
def test_configuration_errors_are_clear(task_root, monkeypatch, env, toml, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if toml:
        (task_root / "faasguard.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        aws.handler(apigw_v1(), Context())


def test_wrapper_rate_limit_from_environment(task_root, monkeypatch):
    monkeypatch.setenv("FAASGUARD_HANDLER", "src.orders_app.handler")
    monkeypatch.setenv("FAASGUARD_RATE", "2/minute")
    monkeypatch.setenv("FAASGUARD_RATE_KEY", "ip")
    statuses = [aws.handler(apigw_v1(), Context())["statusCode"] for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_wrapper_integrity_from_environment(task_root, monkeypatch):
    from faasguard.integrity import build_manifest
    from faasguard.runtime.integrity import IntegrityError

    manifest = build_manifest(task_root)
    (task_root / "faasguard-manifest.json").write_bytes(manifest.raw)
    monkeypatch.setenv("FAASGUARD_HANDLER", "src.orders_app.handler")
    monkeypatch.setenv("FAASGUARD_INTEGRITY", "1")
    monkeypatch.setenv("FAASGUARD_MANIFEST_SHA256", manifest.sha256)
    assert aws.handler(apigw_v1(), Context())["statusCode"] == 200
    aws.reset()
    (task_root / "src" / "orders_app.py").write_text(APP + "\nimport os  # tampered\n")
    from faasguard.runtime import integrity

    integrity._VERIFIED.clear()
    with pytest.raises(IntegrityError, match="1 changed"):
        aws.handler(apigw_v1(), Context())
    monkeypatch.setenv("FAASGUARD_INTEGRITY", "off")
    assert aws.handler(apigw_v1(), Context())["statusCode"] == 200

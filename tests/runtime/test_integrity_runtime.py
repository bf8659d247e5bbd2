"""The cold-start integrity check through a real Guard: fail closed, fail open, trust anchors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard.integrity import build_manifest, generate_keys
from faasguard.runtime import guard
from faasguard.runtime import integrity as runtime_integrity
from faasguard.runtime.integrity import IntegrityError, verify_cold_start
from tests.runtime._guard_events import GOOD_ORDER, Context, apigw_v1
from tests.test_integrity import make_layer, make_package

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_process_cache():
    runtime_integrity._VERIFIED.clear()
    yield
    runtime_integrity._VERIFIED.clear()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    private, public, raw = generate_keys(tmp_path_factory.mktemp("k") / "signing")
    return private, public.read_text(), raw


@pytest.fixture
def deployed(tmp_path: Path, keys: tuple[Path, str, str]) -> Path:
    """A package with its signed manifest inside, as `faasguard manifest build` leaves it."""
    package = make_package(tmp_path / "task")
    (package / "faasguard-manifest.json").write_bytes(build_manifest(package, key=keys[0]).raw)
    return package


def _handler(events: list[dict], **spec):
    """The integrity event goes to the guard's own sink."""
    return guard(events=events.append, integrity=spec)(lambda e, c: {"statusCode": 200})


def test_intact_package_starts_and_serves(deployed: Path, keys: tuple[Path, str, str]) -> None:
    events: list[dict] = []
    handler = _handler(events, code_dir=str(deployed), public_key=keys[1])
    assert handler(apigw_v1(GOOD_ORDER), Context())["statusCode"] == 200
    assert events == []


def test_tampered_package_fails_the_cold_start(deployed: Path, keys) -> None:
    (deployed / "app.py").write_text("import os\nos.system('curl http://169.254.169.254/')\n")
    (deployed / "faasguard" / "runtime" / "evil.py").write_text("")
    events: list[dict] = []
    with pytest.raises(IntegrityError, match="1 changed, 1 added, 0 removed"):
        _handler(events, code_dir=str(deployed), public_key=keys[1])
    (event,) = events
    assert event["class_uid"] == 2004 and event["finding_info"]["types"] == ["integrity"]
    assert event["disposition"] == "Blocked" and event["severity"] == "High"
    assert event["unmapped"]["changed"] == ["app.py"]
    assert event["unmapped"]["added"] == ["faasguard/runtime/evil.py"]
    assert event["unmapped"]["chain"]["seq"] == 0  # chained like every security event


def test_fail_open_logs_and_continues(
    deployed: Path, keys, caplog: pytest.LogCaptureFixture
) -> None:
    (deployed / "data" / "prices.json").unlink()
    events: list[dict] = []
    with caplog.at_level(logging.ERROR, logger="faasguard.runtime"):
        handler = _handler(events, code_dir=str(deployed), public_key=keys[1], fail="open")
    assert handler(apigw_v1(GOOD_ORDER), Context())["statusCode"] == 200
    assert events[0]["unmapped"]["removed"] == ["data/prices.json"]
    assert events[0]["disposition"] == "Allowed"
    assert "failing open" in caplog.text


def test_lambda_environment_defaults(
    deployed: Path, keys, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Zero options: LAMBDA_TASK_ROOT, the manifest at its default name, the key (raw base64)
    from the environment; the event goes to stdout as a JSON line."""
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(deployed))
    monkeypatch.setenv("FAASGUARD_MANIFEST_PUBLIC_KEY", keys[2])
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-api")
    report = verify_cold_start(True)
    assert report is not None and report.ok and report.trust == "signature"
    runtime_integrity._VERIFIED.clear()
    (deployed / "bin" / "tool").chmod(0o644)
    with pytest.raises(IntegrityError):
        guard(integrity=True)(lambda e, c: None)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["unmapped"]["changed"] == ["bin/tool"]
    assert line["resources"] == [{"type": "function", "name": "orders-api"}]


def test_checked_once_per_process(deployed: Path, keys) -> None:
    spec = {"code_dir": str(deployed), "public_key": keys[1]}
    first = verify_cold_start(spec)
    (deployed / "app.py").write_text("tampered after the cold start\n")
    assert verify_cold_start(spec) is first  # the cold start already passed: no second walk


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({}, "no trust anchor"),
        ({"manifest": "missing.json", "hashes_only": True}, "cannot read the manifest"),
        ({"public_key": "not a key"}, "public key: unreadable"),
        ({"hashes_only": True, "fail": "maybe"}, "fail must be"),
        ({"hashes_only": True, "colour": "blue"}, "unknown option"),
    ],
)
def test_doubt_fails_closed(deployed: Path, spec: dict, message: str) -> None:
    with pytest.raises(IntegrityError, match=message):
        guard(events=lambda e: None, integrity={"code_dir": str(deployed), **spec})(print)


def test_no_code_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    with pytest.raises(IntegrityError, match="LAMBDA_TASK_ROOT"):
        verify_cold_start({"hashes_only": True})


def test_manifest_path_as_spec(deployed: Path, monkeypatch: pytest.MonkeyPatch, keys) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(deployed))
    monkeypatch.setenv("FAASGUARD_MANIFEST_PUBLIC_KEY", keys[1])
    report = verify_cold_start(str(deployed / "faasguard-manifest.json"))
    assert report is not None and report.ok


def test_layers_checked_in_their_directory(tmp_path: Path, keys) -> None:
    package = make_package(tmp_path / "task")
    opt = make_layer(tmp_path / "opt")
    manifest = build_manifest(package, [opt], key=keys[0])
    (package / "faasguard-manifest.json").write_bytes(manifest.raw)
    spec = {"code_dir": str(package), "layers_dir": str(opt), "public_key": keys[1]}
    assert verify_cold_start(spec).ok  # type: ignore[union-attr]
    runtime_integrity._VERIFIED.clear()
    (opt / "python" / "shared.py").write_text("VALUE = 'patched'\n")
    with pytest.raises(IntegrityError, match="1 changed"):
        verify_cold_start({**spec, "events": lambda e: None})


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def test_import_is_stdlib_only_and_digest_check_needs_no_cryptography(deployed: Path) -> None:
    digest = runtime_integrity.Manifest.load(deployed / "faasguard-manifest.json").sha256
    code = f"""
import sys
sys.modules["cryptography"] = None  # as in a function without the package
from faasguard.runtime.integrity import verify_cold_start, IntegrityError
assert not any(m.startswith(("faasguard.model", "yaml", "rich")) for m in sys.modules)
report = verify_cold_start({{"code_dir": {str(deployed)!r}, "manifest_sha256": {digest!r}}})
assert report.ok and report.trust == "digest", report
try:
    verify_cold_start({{"code_dir": {str(deployed)!r}, "manifest": "faasguard-manifest.json",
                       "layers_dir": "/nonexistent", "public_key": "AAAA",
                       "events": lambda e: None}})
except IntegrityError as exc:
    print(exc)
"""
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert "needs the 'cryptography' package" in proc.stdout


def test_cold_start_of_a_real_process(tmp_path: Path, keys) -> None:
    """A function process whose handler module is guarded with `integrity=True`: the import (the
    cold start) succeeds on the signed package and dies on a tampered one."""
    package = make_package(tmp_path / "task")
    (package / "app.py").write_text(
        "from faasguard.runtime import guard\n\n"
        "@guard(integrity=True)\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200}\n"
    )
    (package / "faasguard-manifest.json").write_bytes(build_manifest(package, key=keys[0]).raw)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{ROOT / 'src'}",
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only in Lambda
        "LAMBDA_TASK_ROOT": str(package),
        "AWS_LAMBDA_FUNCTION_NAME": "orders-api",
        "FAASGUARD_MANIFEST_PUBLIC_KEY": keys[2],
    }
    code = "import sys; sys.path.insert(0, sys.argv[1]); import app; print(app.handler({}, None))"

    def cold_start() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, str(package)],
            capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
        )  # fmt: skip

    ok = cold_start()
    assert ok.returncode == 0, ok.stderr
    assert "'statusCode': 200" in ok.stdout
    (package / "faasguard" / "runtime" / "_redact.py").write_text("def redact(x): return x\n")
    failed = cold_start()
    assert failed.returncode != 0
    assert (
        "IntegrityError: integrity: package differs from its manifest: 1 changed" in failed.stderr
    )
    event = json.loads(failed.stdout.strip().splitlines()[-1])
    assert event["unmapped"]["changed"] == ["faasguard/runtime/_redact.py"]


def test_a_weaker_check_earlier_does_not_vouch_for_a_stricter_one(
    deployed: Path, tmp_path: Path
) -> None:
    """Review of issue 5: the once-per-process memo must be per trust anchor: a hashes-only
    pass must not let a later check with a public key skip the signature."""
    code = str(deployed)
    assert verify_cold_start({"code_dir": code, "hashes_only": True}).trust == "none"
    _, other_public, _ = generate_keys(tmp_path / "other")
    with pytest.raises(IntegrityError, match="signature does not verify"):
        verify_cold_start({"code_dir": code, "public_key": other_public.read_text()})

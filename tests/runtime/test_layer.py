"""The Lambda layer: only the runtime, small, importable from the zip on a bare interpreter."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from faasguard.layer import MAX_LAYER_BYTES, LayerError, build_layer

SMOKE = """
import sys
from faasguard.runtime import guard
handler = guard(schema=SCHEMA, events=lambda e: None)(lambda e, c: {"statusCode": 200})
ok = handler({"version": "2.0", "requestContext": {"http": {"method": "POST"}},
              "headers": {"content-type": "application/json"}, "body": '{"a": 1}'}, None)
bad = handler({"version": "2.0", "requestContext": {"http": {"method": "POST"}},
               "headers": {"content-type": "application/json"}, "body": '{"a": "x"}'}, None)
print(ok["statusCode"], bad["statusCode"])
scanner = ("yaml", "rich", "hcl2", "samtranslator")
leaked = sorted(m for m in sys.modules if m.split(".")[0] in scanner
                or m in ("faasguard.model", "faasguard.inventory", "faasguard.rules"))
print("leaked", leaked)
"""


def run_from(layer: Path, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(layer) + '/python'!r})\n"
         + code],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_layer_holds_only_the_runtime(tmp_path):
    layer = build_layer(tmp_path)
    assert layer.name == "faasguard-runtime.zip"
    assert layer.stat().st_size <= MAX_LAYER_BYTES
    names = zipfile.ZipFile(layer).namelist()
    assert "python/faasguard/__init__.py" in names
    assert "python/faasguard/runtime/__init__.py" in names
    assert "python/faasguard/runtime/aws.py" in names
    assert any(n.startswith("python/faasguard/runtime/detectors/") for n in names)
    outside = [n for n in names if not n.startswith("python/faasguard/runtime/")]
    assert outside == ["python/faasguard/__init__.py"]
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_layer_is_reproducible(tmp_path):
    first = build_layer(tmp_path / "a.zip").read_bytes()
    assert build_layer(tmp_path / "b.zip").read_bytes() == first


def test_layer_runs_a_guard_on_a_bare_interpreter(tmp_path):
    layer = build_layer(tmp_path / "layer.zip", extras=["fastjsonschema"])
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    out = run_from(layer, f"SCHEMA = {schema!r}\n{SMOKE}")
    assert out.splitlines() == ["200 400", "leaked []"]


def test_layer_without_extras_validates_common_schemas_and_explains_the_rest(tmp_path):
    layer = build_layer(tmp_path / "layer.zip")
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    no_package = "import sys\nsys.modules['fastjsonschema'] = None\n"
    out = run_from(layer, f"{no_package}SCHEMA = {schema!r}\n{SMOKE}")
    assert out.splitlines() == ["200 400", "leaked []"]
    code = (
        "sys.modules['fastjsonschema'] = None\n"
        "from faasguard.runtime import guard\n"
        "try:\n    guard(schema={'anyOf': [{'type': 'object'}]})\n"
        "except ImportError as e:\n    print(e)\n"
    )
    assert "fastjsonschema" in run_from(layer, code)


def test_unknown_extra_is_an_error(tmp_path):
    with pytest.raises(LayerError, match="not installed"):
        build_layer(tmp_path / "layer.zip", extras=["no_such_package_for_faasguard"])

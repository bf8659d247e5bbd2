"""`faasguard manifest keygen|build|verify` end to end, with exit codes and messages."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard.cli import main
from tests.test_integrity import make_layer, make_package


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    package = make_package(tmp_path / "pkg")
    layer = make_layer(tmp_path / "layer")
    assert main(["manifest", "keygen", "--out", str(tmp_path / "signing")]) == 0
    return {"pkg": package, "layer": layer, "key": tmp_path / "signing.key",
            "pub": tmp_path / "signing.pub", "tmp": tmp_path}  # fmt: skip


def _verify(t: dict[str, Path], *extra: str) -> int:
    return main(["manifest", "verify", str(t["pkg"]), "--layer", str(t["layer"]), *extra])


def _build(t: dict[str, Path], *extra: str) -> int:
    return main(["manifest", "build", str(t["pkg"]), "--layer", str(t["layer"]), *extra])


def test_keygen_writes_a_private_key_only_its_owner_reads(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert stat.S_IMODE(tree["key"].stat().st_mode) == 0o600
    assert tree["key"].read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert tree["pub"].read_text().startswith("-----BEGIN PUBLIC KEY-----")
    capsys.readouterr()
    assert main(["manifest", "keygen", "--out", str(tree["tmp"] / "signing")]) == 2
    assert "already exists; refusing to overwrite" in capsys.readouterr().err


def test_build_then_verify_intact(tree: dict[str, Path], capsys: pytest.CaptureFixture[str]):
    assert _build(tree, "--key", str(tree["key"])) == 0
    out = capsys.readouterr().out
    manifest = tree["pkg"] / "faasguard-manifest.json"
    assert f"{manifest}: " in out and ", signed" in out
    document = json.loads(manifest.read_text())
    assert document["tool"]["name"] == "faasguard" and document["created"].endswith("Z")
    assert _verify(tree, "--public-key", str(tree["pub"])) == 0
    assert "intact" in capsys.readouterr().out


def test_verify_lists_every_difference_and_exits_1(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(tree, "--key", str(tree["key"])) == 0
    (tree["pkg"] / "data" / "prices.json").write_text('{"SKU-1": 0.01}')
    (tree["pkg"] / "bin" / "tool").unlink()
    (tree["layer"] / "python" / "backdoor.py").write_text("import os\n")
    capsys.readouterr()
    assert _verify(tree, "--public-key", str(tree["pub"])) == 1
    out = capsys.readouterr().out.splitlines()
    assert "changed  data/prices.json" in out
    assert "removed  bin/tool" in out
    assert "added    layers:python/backdoor.py" in out
    assert "3 difference(s)" in out[-1]


def test_wrong_key_and_stripped_signature_exit_1(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(tree, "--key", str(tree["key"])) == 0
    assert main(["manifest", "keygen", "--out", str(tree["tmp"] / "other")]) == 0
    capsys.readouterr()
    assert _verify(tree, "--public-key", str(tree["tmp"] / "other.pub")) == 1
    assert "UNTRUSTED" in capsys.readouterr().out
    manifest = tree["pkg"] / "faasguard-manifest.json"
    document = json.loads(manifest.read_text())
    del document["signature"]
    manifest.write_text(json.dumps(document))
    assert _verify(tree, "--public-key", str(tree["pub"])) == 1
    assert "not signed" in capsys.readouterr().out


def test_unsigned_manifest_with_its_digest(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _build(tree) == 0
    out = capsys.readouterr().out
    assert "UNSIGNED" in out
    digest = out.split("manifest sha256: ")[1].split()[0]
    assert _verify(tree, "--manifest-sha256", digest) == 0
    assert _verify(tree, "--manifest-sha256", "0" * 64) == 1
    assert _verify(tree, "--hashes-only") == 0
    capsys.readouterr()
    assert _verify(tree) == 2
    assert "no trust anchor" in capsys.readouterr().err


def test_output_elsewhere_or_inside_the_tree(
    tree: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tree["tmp"] / "release" / "manifest.json"
    outside.parent.mkdir()
    assert _build(tree, "--key", str(tree["key"]), "--output", str(outside)) == 0
    assert not (tree["pkg"] / "faasguard-manifest.json").exists()
    assert _verify(tree, "--public-key", str(tree["pub"]), "--manifest", str(outside)) == 0
    inside = tree["pkg"] / "meta" / "m.json"
    inside.parent.mkdir()
    assert _build(tree, "--key", str(tree["key"]), "-o", str(inside)) == 0
    assert "meta/m.json" not in inside.read_text()
    assert _verify(tree, "--public-key", str(tree["pub"]), "-m", str(inside)) == 0


def test_errors_exit_2(tree: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    missing = tree["tmp"] / "nope"
    assert main(["manifest", "build", str(missing)]) == 2
    assert "nope: not a directory" in capsys.readouterr().err
    assert _verify(tree, "--hashes-only") == 2  # no manifest yet
    assert "cannot read the manifest" in capsys.readouterr().err
    assert _build(tree, "--key", str(tree["pub"])) == 2  # a public key is no signing key
    assert "not a usable PEM private key" in capsys.readouterr().err
    assert _build(tree) == 0
    assert main(["manifest", "verify", str(tree["pkg"]), "--hashes-only"]) == 2
    assert "covers layers" in capsys.readouterr().err
    assert _verify(tree, "--public-key", str(missing)) == 2
    assert main(["manifest"]) == 2


def test_module_entry_point(tree: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "faasguard", "manifest", "build", str(tree["pkg"]),
         "--key", str(tree["key"])],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "faasguard", "manifest", "verify", str(tree["pkg"]),
         "--public-key", str(tree["pub"])],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and "intact" in proc.stdout


def test_json_output(tree: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert _build(tree, "--key", str(tree["key"])) == 0
    (tree["pkg"] / "app.py").write_text("patched = True\n")
    capsys.readouterr()
    assert _verify(tree, "--public-key", str(tree["pub"]), "--format", "json") == 1
    result = json.loads(capsys.readouterr().out)
    assert result["intact"] is False and result["trust"] == "signature"
    assert result["changed"] == ["app.py"] and result["added"] == [] and result["removed"] == []
    assert _verify(tree, "--manifest-sha256", "0" * 64, "--format", "json") == 1
    assert "differs from the expected" in json.loads(capsys.readouterr().out)["untrusted"]

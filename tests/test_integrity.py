"""Deployment manifests: build, sign, verify; every kind of tampering the check must catch."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from faasguard.integrity import build_manifest, generate_keys, verify
from faasguard.runtime.integrity import (
    MANIFEST_NAME,
    IntegrityError,
    Manifest,
    UntrustedManifest,
)

SRC = Path(__file__).resolve().parent.parent / "src" / "faasguard" / "runtime"
HANDLER = """import json

from faasguard.runtime import guard


@guard(detect="block")
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""


def make_package(root: Path) -> Path:
    """A realistic unzipped Lambda package: handler, vendored library, data, a native-size
    binary, an executable, a symlink and an empty directory."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(HANDLER)
    shutil.copytree(SRC, root / "faasguard" / "runtime", ignore=shutil.ignore_patterns("__py*"))
    (root / "data").mkdir()
    (root / "data" / "prices.json").write_text(json.dumps({"SKU-1": 9.5, "SKU-2": 12}))
    blob = random.Random(7).randbytes(3 * 1024 * 1024 + 17)  # over the single-read size
    (root / "lib").mkdir()
    (root / "lib" / "_native.so").write_bytes(blob)
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_text("#!/bin/sh\necho tool\n")
    (root / "bin" / "tool").chmod(0o755)
    (root / "handler.py").symlink_to("app.py")
    (root / "empty" / "nested").mkdir(parents=True)
    return root


def make_layer(root: Path, name: str = "shared.py", text: str = "VALUE = 1\n") -> Path:
    (root / "python").mkdir(parents=True, exist_ok=True)
    (root / "python" / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    prefix = tmp_path_factory.mktemp("keys") / "signing"
    private, public, _ = generate_keys(prefix)
    return private, public.read_bytes()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_package(tmp_path / "pkg")


def signed(package: Path, keys: tuple[Path, bytes], **options) -> Manifest:
    manifest = build_manifest(package, key=keys[0], **options)
    (package / MANIFEST_NAME).write_bytes(manifest.raw)
    return Manifest.load(package / MANIFEST_NAME)


def check(package: Path, manifest: Manifest, keys: tuple[Path, bytes], **options):
    return verify(package, manifest, public_key=keys[1], **options)


def test_intact_package_verifies(package: Path, keys: tuple[Path, bytes]) -> None:
    manifest = signed(package, keys)
    report = check(package, manifest, keys)
    assert report.ok and report.trust == "signature"
    files = manifest.document["trees"]["code"]["files"]
    assert "app.py" in files and "faasguard/runtime/_guard.py" in files
    assert MANIFEST_NAME not in files
    assert files["handler.py"] == {"link": "app.py"}
    assert files["bin/tool"]["mode"] == "755"
    assert files["lib/_native.so"]["size"] == 3 * 1024 * 1024 + 17
    assert report.files == len(files)


def test_changed_file_same_size_is_caught(package: Path, keys: tuple[Path, bytes]) -> None:
    manifest = signed(package, keys)
    text = (package / "app.py").read_text()
    (package / "app.py").write_text(text.replace("True", "Fals"))
    blob = bytearray((package / "lib" / "_native.so").read_bytes())
    blob[2_000_000] ^= 1
    (package / "lib" / "_native.so").write_bytes(bytes(blob))
    report = check(package, manifest, keys)
    assert report.changed == ("app.py", "lib/_native.so")
    assert not report.added and not report.removed and not report.ok


def test_added_and_removed_files(package: Path, keys: tuple[Path, bytes]) -> None:
    manifest = signed(package, keys)
    (package / "faasguard" / "runtime" / "_limits.py").unlink()
    (package / "sitecustomize.py").write_text("import os; os.system('id')\n")
    cache = package / "faasguard" / "runtime" / "__pycache__"
    cache.mkdir()
    (cache / "_guard.cpython-311.pyc").write_bytes(b"\x00" * 64)
    report = check(package, manifest, keys)
    assert report.removed == ("faasguard/runtime/_limits.py",)
    assert report.added == (
        "faasguard/runtime/__pycache__/_guard.cpython-311.pyc",
        "sitecustomize.py",
    )


def test_executable_bit_counts_other_mode_bits_do_not(
    package: Path, keys: tuple[Path, bytes]
) -> None:
    manifest = signed(package, keys)
    (package / "app.py").chmod(0o600)  # zip tools and platforms normalise these bits
    assert check(package, manifest, keys).ok
    (package / "data" / "prices.json").chmod(0o755)
    assert check(package, manifest, keys).changed == ("data/prices.json",)


def test_symlinks_are_recorded_not_followed(package: Path, keys: tuple[Path, bytes]) -> None:
    (package / "vendor").symlink_to(package / "faasguard")  # a directory link is not walked
    manifest = signed(package, keys)
    files = manifest.document["trees"]["code"]["files"]
    assert files["vendor"] == {"link": str(package / "faasguard")}
    assert not any(path.startswith("vendor/") for path in files)
    (package / "handler.py").unlink()
    (package / "handler.py").symlink_to("data/prices.json")
    assert check(package, manifest, keys).changed == ("handler.py",)
    (package / "handler.py").unlink()
    (package / "handler.py").write_text(HANDLER)  # a file where a link was
    assert check(package, manifest, keys).changed == ("handler.py",)


def test_empty_directories_carry_no_code(package: Path, keys: tuple[Path, bytes]) -> None:
    manifest = signed(package, keys)
    (package / "another" / "empty").mkdir(parents=True)
    shutil.rmtree(package / "empty")
    assert check(package, manifest, keys).ok


def test_wrong_key_is_refused(package: Path, keys: tuple[Path, bytes], tmp_path: Path) -> None:
    manifest = signed(package, keys)
    _, other, _ = generate_keys(tmp_path / "other")
    with pytest.raises(UntrustedManifest, match="signature does not verify"):
        verify(package, manifest, public_key=other.read_bytes())


def test_unsigned_manifest_needs_an_anchor(package: Path, keys: tuple[Path, bytes]) -> None:
    manifest = build_manifest(package)
    assert manifest.signature is None
    with pytest.raises(UntrustedManifest, match="not signed"):
        verify(package, manifest, public_key=keys[1])
    with pytest.raises(IntegrityError, match="no trust anchor"):
        verify(package, manifest)
    assert verify(package, manifest, manifest_sha256=manifest.sha256).trust == "digest"
    assert verify(package, manifest, hashes_only=True).trust == "none"


def test_stripped_signature_is_refused(package: Path, keys: tuple[Path, bytes]) -> None:
    document = json.loads(signed(package, keys).raw)
    del document["signature"]
    stripped = Manifest.parse(json.dumps(document).encode(), "stripped.json")
    with pytest.raises(UntrustedManifest, match=r"stripped\.json: the manifest is not signed"):
        verify(package, stripped, public_key=keys[1])


def test_manifest_rewritten_to_hide_tampering(package: Path, keys: tuple[Path, bytes]) -> None:
    """The attacker changes a file and puts its new hash into the manifest."""
    original = signed(package, keys)
    (package / "app.py").write_text(HANDLER + "import os; os.system('curl evil')\n")
    forged = build_manifest(package)  # correct hashes of the tampered tree, no key
    document = json.loads(original.raw)
    document["trees"] = json.loads(forged.raw)["trees"]
    rewritten = Manifest.parse(json.dumps(document).encode(), "rewritten.json")
    assert verify(package, rewritten, hashes_only=True).ok  # hashes alone cannot tell
    with pytest.raises(UntrustedManifest, match="signature does not verify"):
        verify(package, rewritten, public_key=keys[1])
    with pytest.raises(UntrustedManifest, match="SHA-256 differs"):
        verify(package, rewritten, manifest_sha256=original.sha256)
    document["exclude"] = ["app.py"]  # or it widens the exclusions
    widened = Manifest.parse(json.dumps(document).encode(), "widened.json")
    with pytest.raises(UntrustedManifest):
        verify(package, widened, public_key=keys[1])


def test_layers_are_merged_and_checked(tmp_path: Path, keys: tuple[Path, bytes]) -> None:
    package = make_package(tmp_path / "pkg")
    first = make_layer(tmp_path / "l1", "shared.py", "VALUE = 1\n")
    second = make_layer(tmp_path / "l2", "shared.py", "VALUE = 2\n")  # a later layer wins
    make_layer(second, "other.py")
    manifest = build_manifest(package, [first, second], key=keys[0])
    layer_files = manifest.document["trees"]["layers"]["files"]
    assert set(layer_files) == {"python/shared.py", "python/other.py"}
    assert check(package, manifest, keys, layers=[first, second]).ok
    (second / "python" / "shared.py").write_text("VALUE = 3\n")
    (second / "python" / "other.py").unlink()
    (first / "python" / "evil.py").write_text("import socket\n")
    report = check(package, manifest, keys, layers=[first, second])
    assert report.changed == ("layers:python/shared.py",)
    assert report.removed == ("layers:python/other.py",)
    assert report.added == ("layers:python/evil.py",)
    with pytest.raises(IntegrityError, match="covers layers"):
        check(package, manifest, keys)


def test_exclusions_are_recorded_and_applied(package: Path, keys: tuple[Path, bytes]) -> None:
    manifest = signed(package, keys, exclude=["__pycache__", "data/*.json"])
    assert manifest.exclude == ("__pycache__", "data/*.json")
    assert "data/prices.json" not in manifest.document["trees"]["code"]["files"]
    (package / "faasguard" / "runtime" / "__pycache__").mkdir()
    (package / "faasguard" / "runtime" / "__pycache__" / "x.pyc").write_bytes(b"x")
    (package / "data" / "more.json").write_text("{}")
    (package / "data" / "more.py").write_text("")
    # review of issue 5: bytecode is code, an exclusion cannot hide it (was: only more.py)
    assert check(package, manifest, keys).added == (
        "data/more.py",
        "faasguard/runtime/__pycache__/x.pyc",
    )


def test_build_is_deterministic(package: Path, keys: tuple[Path, bytes]) -> None:
    import datetime as dt

    when = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    first = build_manifest(package, key=keys[0], created=when)
    second = build_manifest(package, key=keys[0], created=when)
    assert first.raw == second.raw and first.document["created"] == "2026-11-28T12:00:00Z"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not a JSON manifest"),
        (b'{"schema": "other"}', "not a faasguard manifest"),
        (b'{"schema": "faasguard-manifest", "schema_version": 9}', "schema_version"),
        (b'{"schema": "faasguard-manifest", "schema_version": 1}', "trees.code"),
        (
            b'{"schema":"faasguard-manifest","schema_version":1,"trees":{"code":{"files":{}}},'
            b'"exclude":"*"}',
            "exclude",
        ),
        (b'{"schema":"faasguard-manifest","schema_version":1,"trees":{"code":[]}}', "trees.code"),
        (b"[" * 100_000 + b"]" * 100_000, "not a JSON manifest"),
    ],
)
def test_malformed_manifest_is_a_clear_error(raw: bytes, message: str) -> None:
    with pytest.raises(IntegrityError, match=f"bad.json: .*{message}"):
        Manifest.parse(raw, "bad.json")


def test_malformed_entry_is_a_clear_error(package: Path) -> None:
    document = json.loads(build_manifest(package).raw)
    document["trees"]["code"]["files"]["app.py"] = {"sha256": "ab"}
    manifest = Manifest.parse(json.dumps(document).encode(), "m.json")
    with pytest.raises(IntegrityError, match=r"m\.json: entry for .app\.py. is malformed"):
        verify(package, manifest, hashes_only=True)


def test_special_files_and_missing_dirs_are_errors(tmp_path: Path) -> None:
    package = make_package(tmp_path / "pkg")
    os.mkfifo(package / "pipe")
    with pytest.raises(IntegrityError, match="pipe: not a regular file"):
        build_manifest(package)
    with pytest.raises(IntegrityError, match="missing: not a directory"):
        build_manifest(tmp_path / "missing")


def test_private_key_errors(package: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "ec.pem").write_bytes(pem)
    with pytest.raises(IntegrityError, match="not an Ed25519 private key"):
        build_manifest(package, key=tmp_path / "ec.pem")
    (tmp_path / "junk.pem").write_text("hello")
    with pytest.raises(IntegrityError, match=r"junk\.pem: not a usable PEM private key"):
        build_manifest(package, key=tmp_path / "junk.pem")
    with pytest.raises(IntegrityError, match="cannot read the private key"):
        build_manifest(package, key=tmp_path / "absent.pem")


def test_encrypted_key_with_passphrase(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAASGUARD_KEY_PASSPHRASE", "correct horse battery staple")
    private, _, raw = generate_keys(tmp_path / "enc")
    assert b"ENCRYPTED" in private.read_bytes()
    manifest = build_manifest(package, key=private)
    assert verify(package, manifest, public_key=raw).ok  # the raw base64 form of the key
    monkeypatch.setenv("FAASGUARD_KEY_PASSPHRASE", "wrong")
    with pytest.raises(IntegrityError, match="not a usable PEM private key"):
        build_manifest(package, key=private)


def test_threaded_verification_matches_sequential(tmp_path: Path) -> None:
    package = make_package(tmp_path / "pkg")
    for n in range(300):
        (package / "data" / f"part-{n:03}.json").write_text(json.dumps({"n": n, "pad": "x" * n}))
    manifest = build_manifest(package)
    (package / "data" / "part-150.json").write_text(json.dumps({"n": -1, "pad": "y" * 150}))
    (package / "data" / "part-007.json").write_text("{}")
    reports = [verify(package, manifest, hashes_only=True, workers=w) for w in (1, 2, 4)]
    assert all(r.changed == ("data/part-007.json", "data/part-150.json") for r in reports)
    assert reports[0] == reports[1] == reports[2] and reports[0].files > 300


def test_a_failing_worker_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from faasguard.runtime import integrity

    package = make_package(tmp_path / "pkg")
    for n in range(100):
        (package / "data" / f"f{n}.txt").write_text(str(n))
    manifest = build_manifest(package)
    real = integrity._matches

    def flaky(path: str, want: integrity.Entry) -> bool:
        if path.endswith("f42.txt"):
            raise MemoryError("simulated")
        return real(path, want)

    monkeypatch.setattr(integrity, "_matches", flaky)
    monkeypatch.setattr("threading.excepthook", lambda args: None)  # keep the log quiet
    with pytest.raises(IntegrityError, match="verification worker failed"):
        verify(package, manifest, hashes_only=True, workers=3)


def test_fifo_planted_at_verification_does_not_hang(package: Path) -> None:
    manifest = build_manifest(package)
    (package / "data" / "prices.json").unlink()
    os.mkfifo(package / "data" / "prices.json")
    os.mkfifo(package / "pipe")
    report = verify(package, manifest, hashes_only=True)
    assert report.changed == ("data/prices.json",) and report.added == ("pipe",)


# ----- adversarial review: exclusions and skips must not hide code
def test_excluded_pycache_cannot_hide_planted_bytecode(
    package: Path, keys: tuple[Path, bytes]
) -> None:
    """An unchecked-hash .pyc in __pycache__ is imported instead of its .py source: an
    exclusion of __pycache__ (or *.pyc) must not let one in unnoticed."""
    import py_compile
    import subprocess
    import sys

    (package / "orders.py").write_text("SOURCE = 'reviewed'\n")
    manifest = signed(package, keys, exclude=["__pycache__", "*.pyc", "docs"])
    evil = package / "evil_src.py"
    evil.write_text("SOURCE = 'planted'\n")
    cache = package / "__pycache__"
    cache.mkdir()
    tag = sys.implementation.cache_tag
    py_compile.compile(
        str(evil),
        cfile=str(cache / f"orders.{tag}.pyc"),
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    evil.unlink()
    loaded = subprocess.run(
        [sys.executable, "-c", "import orders; print(orders.SOURCE)"],
        cwd=package, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert loaded == "planted"  # the threat is real ...
    (package / "docs").mkdir()
    (package / "docs" / "guide.md").write_text("# guide\n")  # ... excluded, still ignored
    (package / "docs" / "hook.py").write_text("import os\n")
    (package / "docs" / "run").write_text("#!/bin/sh\n")
    (package / "docs" / "run").chmod(0o755)
    report = check(package, manifest, keys)
    assert report.added == ("__pycache__/" + f"orders.{tag}.pyc", "docs/hook.py", "docs/run")


def test_code_matching_an_exclusion_is_still_recorded(
    package: Path, keys: tuple[Path, bytes]
) -> None:
    manifest = signed(package, keys, exclude=["faasguard", "*.so", "data/*.json"])
    files = manifest.document["trees"]["code"]["files"]
    assert "faasguard/runtime/_guard.py" in files and "lib/_native.so" in files
    assert "data/prices.json" not in files
    (package / "faasguard" / "runtime" / "_guard.py").write_text("import os\n")
    assert check(package, manifest, keys).changed == ("faasguard/runtime/_guard.py",)


def test_a_directory_named_like_the_manifest_is_not_skipped(
    package: Path, keys: tuple[Path, bytes]
) -> None:
    manifest = signed(package, keys)
    (package / "sub").mkdir()
    (package / "sub" / MANIFEST_NAME).write_text("{}")
    os.remove(package / MANIFEST_NAME)
    (package / MANIFEST_NAME).mkdir()
    (package / MANIFEST_NAME / "payload.py").write_text("import os\n")
    report = check(package, manifest, keys)
    assert report.added == (f"{MANIFEST_NAME}/payload.py", f"sub/{MANIFEST_NAME}")


@pytest.mark.parametrize("size", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_non_finite_entry_size_is_a_clear_error(package: Path, size: str) -> None:
    document = json.loads(build_manifest(package).raw)
    document["trees"]["code"]["files"]["app.py"]["size"] = "SIZE"
    raw = json.dumps(document).replace('"SIZE"', size).encode()
    manifest = Manifest.parse(raw, "m.json")
    with pytest.raises(IntegrityError, match=r"m\.json: entry for .app\.py. is malformed"):
        verify(package, manifest, hashes_only=True)


def test_traversal_entries_are_never_opened(package: Path, keys: tuple[Path, bytes]) -> None:
    """Manifest paths only name what the walk found: ../ or absolute entries are missing files."""
    document = json.loads(build_manifest(package).raw)
    files = document["trees"]["code"]["files"]
    files["../../etc/passwd"] = files["/etc/hostname"] = dict(files["app.py"])
    manifest = Manifest.parse(json.dumps(document).encode(), "m.json")
    report = verify(package, manifest, hashes_only=True)
    assert report.removed == ("../../etc/passwd", "/etc/hostname") and not report.changed


def test_absurdly_deep_tree_is_a_clear_error(tmp_path: Path) -> None:
    """A tree deeper than the interpreter's recursion limit (a crafted zip can carry one)."""
    import sys

    root = deep = tmp_path / "pkg"
    root.mkdir()
    for _ in range(300):
        deep = deep / "d"
        deep.mkdir()
    (deep / "x.py").write_text("X = 1\n")
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 150)  # what 5,000 levels do with the default limit
    try:
        with pytest.raises(IntegrityError, match="nested too deeply"):
            build_manifest(root)
    finally:
        sys.setrecursionlimit(limit)

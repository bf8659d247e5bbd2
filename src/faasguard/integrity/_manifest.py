"""Build and sign deployment manifests; generate Ed25519 signing keys."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from faasguard import __version__
from faasguard.runtime.integrity import (
    MANIFEST_NAME,
    SCHEMA,
    SCHEMA_VERSION,
    IntegrityError,
    Manifest,
    canonical,
    file_entry,
    scan_tree,
)


def build_manifest(
    directory: str | os.PathLike[str],
    layers: Iterable[str | os.PathLike[str]] = (),
    key: Any = None,
    *,
    exclude: Iterable[str] = (),
    skip: Iterable[str] = (),
    created: dt.datetime | None = None,
) -> Manifest:
    """Hash every file and symlink of `directory` (and of the merged `layers`), sign with the
    Ed25519 private `key` (an object, PEM bytes or a PEM file path) when given."""
    patterns = list(exclude)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "faasguard", "version": __version__},
        "created": _timestamp(created),
        "hash": "sha256",
        "exclude": patterns,
        "trees": {"code": _tree([directory], patterns, (MANIFEST_NAME, *skip))},
    }
    layers = tuple(layers)
    if layers:
        document["trees"]["layers"] = _tree(layers, patterns, ())
        document["layer_count"] = len(layers)
    if key is not None:
        document["signature"] = sign(document, load_private_key(key))
    return Manifest(document, to_bytes(document))


def _tree(
    roots: Iterable[str | os.PathLike[str]], exclude: list[str], skip: Iterable[str]
) -> dict[str, Any]:
    found = scan_tree(roots, exclude, skip)
    files: dict[str, object] = {}
    total = 0
    for rel in sorted(found):
        _check_name(rel, found[rel])
        entry = file_entry(found[rel])
        files[rel] = entry.to_json()
        total += entry.size
    return {"files": files, "file_count": len(files), "bytes": total}


def _check_name(rel: str, path: str) -> None:
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise IntegrityError(f"{path!r}: file name is not valid UTF-8") from None


def _timestamp(created: dt.datetime | None) -> str:
    when = created or dt.datetime.now(dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_bytes(document: Mapping[str, Any]) -> bytes:
    """The manifest file: sorted, indented JSON (reviewable in a diff) and a final newline. Its
    SHA-256 is the manifest digest; the signature covers `canonical()` of the content instead."""
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


def sign(document: Mapping[str, Any], private_key: Any) -> dict[str, str]:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    value = private_key.sign(canonical(unsigned))
    public = raw_public_key(private_key.public_key())
    return {
        "algorithm": "ed25519",
        "public_key_sha256": hashlib.sha256(public).hexdigest(),
        "value": base64.b64encode(value).decode("ascii"),
    }


def raw_public_key(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_private_key(key: Any) -> Any:
    """An Ed25519 private key object, or one read from PEM bytes / a PEM file path. A
    passphrase-protected key is opened with FAASGUARD_KEY_PASSPHRASE."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if isinstance(key, Ed25519PrivateKey):
        return key
    source = "private key"
    if isinstance(key, str | os.PathLike):
        source = os.fspath(key)
        try:
            key = Path(key).read_bytes()
        except OSError as exc:
            raise IntegrityError(
                f"{source}: cannot read the private key ({exc.strerror})"
            ) from None
    passphrase = os.environ.get("FAASGUARD_KEY_PASSPHRASE")
    try:
        loaded = load_pem_private_key(key, passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as exc:
        raise IntegrityError(f"{source}: not a usable PEM private key ({exc})") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise IntegrityError(f"{source}: not an Ed25519 private key")
    return loaded


def generate_keys(prefix: str | os.PathLike[str]) -> tuple[Path, Path, str]:
    """Write PREFIX.key (PKCS#8 PEM, mode 0600, never overwritten) and PREFIX.pub; return both
    paths and the raw public key in base64 (handy for an environment variable)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path, public_path = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for path in (private_path, public_path):
        if path.exists():
            raise IntegrityError(f"{path}: already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    passphrase = os.environ.get("FAASGUARD_KEY_PASSPHRASE")
    encryption: Any = serialization.NoEncryption()
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase.encode())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    _write_new(private_path, pem, 0o600)
    public = key.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(public_path, public_pem, 0o644)
    return private_path, public_path, base64.b64encode(raw_public_key(public)).decode("ascii")


def _write_new(path: Path, data: bytes, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise IntegrityError(f"{path}: cannot create ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # the umask may have narrowed or a parent ACL widened it

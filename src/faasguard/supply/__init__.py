"""Supply chain: dependency manifests and lock files, SBOMs, offline advisories, typosquats."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "ManifestError", "canonical_name", "collect", "read_files", "read_manifest", "reader_for"
]  # fmt: skip

# Loaded on first use: every command's parser imports this package (for `db` and `sbom`).
_LAZY = {
    "collect": "faasguard.supply._collect",
    "read_files": "faasguard.supply._collect",
    "read_manifest": "faasguard.supply._collect",
    "reader_for": "faasguard.supply._collect",
    "ManifestError": "faasguard.supply._common",
    "canonical_name": "faasguard.supply._common",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faasguard.supply' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value

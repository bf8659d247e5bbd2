"""Immutable deployments: signed file manifests of a deployment package, hash-chained event logs.

    manifest = build_manifest("build/package", layers=["build/layer"], key="signing.key")
    Path("build/package/faasguard-manifest.json").write_bytes(manifest.raw)
    report = verify("build/package", manifest, public_key=Path("signing.pub").read_bytes(),
                    layers=["build/layer"])

The verification side lives in `faasguard.runtime.integrity` (standard library only, so the
cold-start check runs inside a function); this package adds building, signing, keys and the
audit-log verifier. Names load on first use, keeping `faasguard` start-up fast.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "MANIFEST_NAME": "faasguard.runtime.integrity",
    "IntegrityError": "faasguard.runtime.integrity",
    "Manifest": "faasguard.runtime.integrity",
    "Report": "faasguard.runtime.integrity",
    "verify": "faasguard.runtime.integrity",
    "build_manifest": "faasguard.integrity._manifest",
    "generate_keys": "faasguard.integrity._manifest",
    "load_private_key": "faasguard.integrity._manifest",
    "AuditResult": "faasguard.integrity._audit",
    "Anchor": "faasguard.integrity._audit",
    "verify_log": "faasguard.integrity._audit",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faasguard.integrity' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value

"""Shared helpers for the supply-chain tests."""

from __future__ import annotations

from pathlib import Path

from faasguard.model import Dependency, Manifest
from faasguard.supply import read_manifest
from tests.conftest import FIXTURES

SUPPLY = FIXTURES / "supply"


def fixture(rel: str) -> Manifest:
    return read_manifest(SUPPLY / rel, rel)


def by_name(manifest: Manifest) -> dict[str, Dependency]:
    out: dict[str, Dependency] = {}
    for dep in manifest.dependencies:
        out.setdefault(dep.name, dep)
    return out


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content.lstrip("\n"), encoding="utf-8")
    return root

"""Write a small project into a temporary directory, load it with the real loaders, run a rule."""

from __future__ import annotations

from pathlib import Path

from faasguard.inventory import LoadContext, build_inventory
from faasguard.model import Finding, Inventory
from faasguard.rules import get_rule


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content.lstrip("\n"), encoding="utf-8")
    return root


def load(root: Path, files: dict[str, str]) -> Inventory:
    write(root, files)
    return build_inventory(root, LoadContext(root=root, env={}))


def run(rule_id: str, root: Path, files: dict[str, str]) -> list[Finding]:
    return list(get_rule(rule_id).check(load(root, files)))


def where(findings: list[Finding]) -> list[tuple[str, int, str | None]]:
    return [(f.location.file, f.location.line, f.function) for f in findings]

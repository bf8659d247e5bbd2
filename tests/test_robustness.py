"""Bad input anywhere: thousands of broken, odd and real-world files, zero crashes.

Two corpora: (1) the real-world and deliberately broken templates of cfn-lint's test suite
(fetched by scripts/fetch_test_data.sh, never committed); (2) thousands of mutants of every
fixture and example in this repository (type confusion, truncation, deleted and duplicated lines),
generated with a fixed seed. A loader failing on any of them is a finding of rule FG005, which
this test forbids.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml

from faasguard.inventory import LoadContext, build_inventory
from faasguard.model import DiagnosticLevel
from tests.conftest import EXAMPLES, FIXTURES, ROOT, need

CFN_LINT_SDIST = ROOT / ".cache" / "cfn_lint-1.58.0.tar.gz"
MUTANTS_PER_FILE = int(os.environ.get("FAASGUARD_MUTANTS", "50"))
_DEF_NAMES = (
    "serverless.yml",
    "serverless.yaml",
    "serverless.json",
    "function.json",
    "host.json",
    "local.settings.json",
)
_ODD_VALUES = [
    None,
    "",
    0,
    -1,
    10**12,
    3.5,
    True,
    [],
    {},
    [None],
    {"Ref": None},
    {"Fn::GetAtt": "x"},
    {"Fn::Sub": ["${A}", None]},
    "${self:}",
    "${self:a.${self:a}}",
    "${opt:stage, ${opt:stage}}",
    "x" * 5000,
    "*",
    {"Fn::If": [1]},
    ["*", {"a": 1}],
]


def _crashes(root: Path) -> list[str]:
    inv = build_inventory(root, LoadContext(root=root))
    return [
        f"{d.location}: {d.message}"
        for d in inv.diagnostics
        if d.code == "internal-error" and d.level is DiagnosticLevel.ERROR
    ]


def test_cfn_lint_corpus_scans_without_crashes(tmp_path: Path) -> None:
    sdist = need(CFN_LINT_SDIST, "cfn-lint 1.58.0 sdist", "scripts/fetch_test_data.sh")
    with tarfile.open(sdist) as tar:
        members = [
            m for m in tar.getmembers() if "/test/fixtures/templates/" in m.name and m.isfile()
        ]
        for member in members:
            member.name = member.name.split("/test/fixtures/templates/", 1)[1]
        tar.extractall(tmp_path, members=members, filter="data")
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path))
    crashes = [d for d in inv.diagnostics if d.code == "internal-error"]
    assert len(inv.files) >= 200
    assert len(inv.functions) >= 100
    assert crashes == [], "\n".join(f"{d.location}: {d.message}" for d in crashes[:20])


def _definition_files() -> list[Path]:
    out = []
    for base in (FIXTURES, EXAMPLES):
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.stat().st_size > 200_000:
                continue
            if (
                path.name in _DEF_NAMES
                or path.suffix in (".tf", ".tfvars")
                or (
                    path.suffix in (".yaml", ".yml", ".json", ".template")
                    and b"AWS::" in path.read_bytes()[:65536]
                )
            ):
                out.append(path)
    return out


def _mutate_tree(value, rng: random.Random, depth: int = 0):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if rng.random() < 0.08:
                continue
            out[k] = (
                rng.choice(_ODD_VALUES) if rng.random() < 0.1 else _mutate_tree(v, rng, depth + 1)
            )
        return out
    if isinstance(value, list):
        return [
            rng.choice(_ODD_VALUES) if rng.random() < 0.1 else _mutate_tree(v, rng, depth + 1)
            for v in value
        ]
    return value


def _mutants(path: Path, rng: random.Random) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    out: list[str] = []
    for _ in range(MUTANTS_PER_FILE):
        choice = rng.randrange(4)
        if choice == 0:
            out.append(text[: rng.randrange(len(text) + 1)])
        elif choice == 1 and lines:
            i = rng.randrange(len(lines))
            out.append("\n".join(lines[:i] + lines[i + 1 :]))
        elif choice == 2 and lines:
            i = rng.randrange(len(lines))
            out.append("\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]]))
        else:
            out.append(_structural(path, text, rng))
    return out


def _structural(path: Path, text: str, rng: random.Random) -> str:
    if path.suffix in (".tf", ".tfvars"):
        return text.replace("{", '{\n  x = var.undefined["${local.nope}"]\n', 1)
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_AnyTagLoader)
    except Exception:
        return text[::-1]
    mutated = _mutate_tree(data, rng)
    return json.dumps(mutated) if path.suffix == ".json" else yaml.safe_dump(mutated)


class _AnyTagLoader(yaml.SafeLoader):
    pass


def _any_tag(loader, suffix, node):  # type: ignore[no-untyped-def]
    if isinstance(node, yaml.ScalarNode):
        return {f"Fn::{suffix}": loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {f"Fn::{suffix}": loader.construct_sequence(node, deep=True)}
    return {f"Fn::{suffix}": loader.construct_mapping(node, deep=True)}


_AnyTagLoader.add_multi_constructor("!", _any_tag)


def test_thousands_of_mutants_scan_without_crashes(tmp_path: Path) -> None:
    files = _definition_files()
    if len(files) < 5:
        pytest.skip("fewer than 5 definition fixtures present")
    rng = random.Random(20261128)
    total = 0
    crashes: list[str] = []
    for index, path in enumerate(files):
        for n, text in enumerate(_mutants(path, rng)):
            case = tmp_path / f"{index}-{n}"
            case.mkdir()
            if path.name == "function.json":
                (case / "host.json").write_text('{"version": "2.0"}')
                (case / "F").mkdir()
                (case / "F" / "function.json").write_text(text)
            else:
                (case / path.name).write_text(text)
            total += 1
            crashes.extend(f"{path.relative_to(ROOT)} mutant {n}: {c}" for c in _crashes(case))
            shutil.rmtree(case)
    assert total >= 20 * len(files) // 2
    assert crashes == [], "\n".join(crashes[:20])

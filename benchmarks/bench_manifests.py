"""Time finding and reading dependency files, and the FG710-FG715 hygiene rules over them.

    python benchmarks/bench_manifests.py [--runs 5] [--locks 200] [--packages 150]

Trees: ``examples/`` and a generated tree of ``--locks`` services, each with a manifest and a lock
file of ``--packages`` packages, cycling through every lock format faasguard reads
(package-lock.json v3, yarn.lock classic, pnpm-lock.yaml v9, uv.lock, poetry.lock, Pipfile.lock,
pylock.toml, requirements.txt with hashes). Prints medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from faasguard.model import Inventory  # noqa: E402
from faasguard.rules import get_rule  # noqa: E402
from faasguard.supply import _typosquat, collect  # noqa: E402

HASH = "sha256:" + "ab" * 32
INTEGRITY = "sha512-" + "A" * 86 + "=="


def _names(count: int, seed: int) -> list[str]:
    return [f"pkg-{seed % 7}-{i:04d}" for i in range(count)]


def _npm_lock(names: list[str]) -> dict[str, str]:
    packages: dict[str, object] = {"": {"name": "svc", "dependencies": {names[0]: "^1.0.0"}}}
    for i, name in enumerate(names):
        packages[f"node_modules/{name}"] = {
            "version": f"1.{i}.0",
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.{i}.0.tgz",
            "integrity": INTEGRITY,
            "license": "MIT",
            "dependencies": {names[(i + 1) % len(names)]: "^1.0.0"},
        }
    lock = {"name": "svc", "lockfileVersion": 3, "requires": True, "packages": packages}
    return {
        "package.json": json.dumps({"name": "svc", "dependencies": {names[0]: "^1.0.0"}}),
        "package-lock.json": json.dumps(lock, indent=2),
    }


def _yarn(names: list[str]) -> dict[str, str]:
    out = ["# yarn lockfile v1\n"]
    for i, name in enumerate(names):
        out.append(
            f'\n{name}@^1.{i}.0:\n  version "1.{i}.0"\n'
            f'  resolved "https://registry.yarnpkg.com/{name}/-/{name}-1.{i}.0.tgz"\n'
            f"  integrity {INTEGRITY}\n"
            f'  dependencies:\n    {names[(i + 1) % len(names)]} "^1.0.0"\n'
        )
    return {
        "package.json": json.dumps({"dependencies": {names[0]: "^1.0.0"}}),
        "yarn.lock": "".join(out),
    }


def _pnpm(names: list[str]) -> dict[str, str]:
    head = f"lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      {names[0]}:\n"
    head += "        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n"
    packages = "".join(
        f"  {n}@1.{i}.0:\n    resolution: {{integrity: {INTEGRITY}}}\n\n"
        for i, n in enumerate(names)
    )
    snapshots = "snapshots:\n\n" + "".join(
        f"  {n}@1.{i}.0:\n    dependencies:\n      {names[(i + 1) % len(names)]}: 1.0.0\n\n"
        for i, n in enumerate(names)
    )
    return {
        "package.json": json.dumps({"dependencies": {names[0]: "^1.0.0"}}),
        "pnpm-lock.yaml": head + packages + snapshots,
    }


def _pyproject(names: list[str]) -> str:
    return f'[project]\nname = "svc"\nversion = "1"\ndependencies = ["{names[0]}>=1"]\n'


def _uv(names: list[str]) -> dict[str, str]:
    out = [
        'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "svc"\n'
        'version = "1"\nsource = { virtual = "." }\n'
        f'dependencies = [{{ name = "{names[0]}" }}]\n'
    ]
    for i, name in enumerate(names):
        out.append(
            f'\n[[package]]\nname = "{name}"\nversion = "1.{i}.0"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
            f'dependencies = [{{ name = "{names[(i + 1) % len(names)]}" }}]\n'
            f'wheels = [{{ url = "https://files.example/{name}.whl", hash = "{HASH}" }}]\n'
        )
    return {"pyproject.toml": _pyproject(names), "uv.lock": "".join(out)}


def _poetry(names: list[str]) -> dict[str, str]:
    out = []
    for i, name in enumerate(names):
        out.append(
            f'[[package]]\nname = "{name}"\nversion = "1.{i}.0"\noptional = false\n'
            f'groups = ["main"]\nfiles = [\n    {{file = "{name}.whl", hash = "{HASH}"}},\n]\n\n'
            f'[package.dependencies]\n{names[(i + 1) % len(names)]} = ">=1"\n\n'
        )
    out.append('[metadata]\nlock-version = "2.1"\npython-versions = "^3.11"\n')
    return {"pyproject.toml": _pyproject(names), "poetry.lock": "".join(out)}


def _pipfile(names: list[str]) -> dict[str, str]:
    default = {n: {"version": f"==1.{i}.0", "hashes": [HASH]} for i, n in enumerate(names)}
    return {"Pipfile.lock": json.dumps({"_meta": {}, "default": default, "develop": {}}, indent=4)}


def _pylock(names: list[str]) -> dict[str, str]:
    out = ['lock-version = "1.0"\ncreated-by = "bench"\n']
    for i, name in enumerate(names):
        out.append(
            f'\n[[packages]]\nname = "{name}"\nversion = "1.{i}.0"\n'
            f'wheels = [{{ url = "https://files.example/{name}.whl", '
            f'hashes = {{ sha256 = "{HASH[7:]}" }} }}]\n'
        )
    return {"pylock.toml": "".join(out)}


def _requirements(names: list[str]) -> dict[str, str]:
    lines = [f"{n}==1.{i}.0 \\\n    --hash={HASH}" for i, n in enumerate(names)]
    return {"requirements.txt": "\n".join(lines) + "\n"}


FORMATS: list[Callable[[list[str]], dict[str, str]]] = [
    _npm_lock,
    _yarn,
    _pnpm,
    _uv,
    _poetry,
    _pipfile,
    _pylock,
    _requirements,
]


def generate(root: Path, locks: int, packages: int) -> int:
    files = 0
    for index in range(locks):
        service = root / f"svc{index:03d}"
        service.mkdir(parents=True)
        for name, text in FORMATS[index % len(FORMATS)](_names(packages, index)).items():
            (service / name).write_text(text, encoding="utf-8")
            files += 1
    return files


def _median(runs: int, fn: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _hygiene(inventory: Inventory) -> int:
    """The five rules from cold caches: the typosquat list is loaded and indexed each run."""
    _typosquat._data.cache_clear()
    _typosquat._index.cache_clear()
    _typosquat.check.cache_clear()
    return sum(
        len(list(get_rule(r).check(inventory)))
        for r in ("FG710", "FG711", "FG712", "FG713", "FG714", "FG715")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--locks", type=int, default=200)
    parser.add_argument("--packages", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), args.locks, args.packages)
        for label, root in (
            ("examples/", ROOT / "examples"),
            (f"{args.locks} lock files", Path(tmp)),
        ):
            seconds, (manifests, diagnostics) = _median(args.runs, lambda r=root: collect(r, []))
            deps = sum(len(m.dependencies) for m in manifests)
            inventory = Inventory(root=str(root), manifests=manifests)
            rules_s, found = _median(args.runs, lambda i=inventory: _hygiene(i))
            print(
                f"{label:>16}: {len(manifests):4d} files, {deps:6d} dependencies, "
                f"{len(diagnostics)} errors; collect+read {seconds:.3f} s; "
                f"FG710-FG715 {rules_s:.3f} s ({found} findings)"
            )
        print(f"(generated tree: {files} files, {args.packages} packages a lock file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

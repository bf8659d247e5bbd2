"""Advisory database benchmark: import, size, open, and matching 1,000 dependencies.

    .venv/bin/python benchmarks/bench_advisories.py                  # medians of 5 runs
    .venv/bin/python benchmarks/bench_advisories.py --runs 7 --scale 20

Data: ``../shared/corpora/advisories/pypa`` (2,661 OSV YAML advisories; FAASGUARD_CORPORA
overrides the corpora directory). There is no npm OSV export offline, so the "scaled" database is
synthetic: the PyPA records copied ``--scale`` times under renamed packages (``name-s1``...), to
see how open and match times grow with the size of the database. It is not real npm data.

Figures (medians of ``--runs``):
- import: ``update_database`` of the whole corpus (YAML parsing dominates), one process.
- open: ``AdvisoryDB(path)`` in a fresh process state: read the metadata, connect (what a scan
  pays before its first lookup).
- ready: a fresh interpreter importing the matcher, opening the database and matching one
  package, minus an empty interpreter (medians of 5).
- match: 1,000 dependencies on a freshly opened database (cold caches): 350 distinct real
  package names (chosen uniformly among the corpus's packages) at a version one of its
  advisories lists, 250 other real names at one of their fixed versions, 400 names without
  advisories. Every dependency is distinct, so no result is reused.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from faasguard.supply.advisories import AdvisoryDB, match, update_database  # noqa: E402

Dependency = tuple[str, str]  # (name, version)


def _corpus() -> Path:
    base = Path(os.environ.get("FAASGUARD_CORPORA", ROOT.parent / "shared" / "corpora"))
    path = base / "advisories" / "pypa"
    if not path.is_dir():
        sys.exit(f"bench_advisories: {path} not found (set FAASGUARD_CORPORA)")
    return path


def _median(runs: int, action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _dependencies(db_path: Path, seed: int = 7) -> list[Dependency]:
    """A realistic mix from the stored data: affected versions, fixed versions, unknown names."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT name, ranges, versions FROM affected ORDER BY name").fetchall()
    conn.close()
    import json

    by_name: dict[str, tuple[list[str], list[str]]] = {}
    for name, ranges, versions in rows:
        listed, fixed = by_name.setdefault(name, ([], []))
        listed += versions.split()
        fixed += [v for _, events in json.loads(ranges) for kind, v in events if kind == "f"]
    names = sorted(by_name)
    rng.shuffle(names)
    inside = [(n, rng.choice(by_name[n][0])) for n in names if by_name[n][0]][:350]
    taken = {n for n, _ in inside}
    outside = [(n, max(by_name[n][1], key=len)) for n in names if by_name[n][1] and n not in taken]
    deps = inside + outside[:250]
    deps += [(f"internal-package-{i}", f"1.{i % 10}.0") for i in range(400)]
    rng.shuffle(deps)
    return deps


def _match_all(db_path: Path, deps: list[Dependency]) -> tuple[int, int]:
    affected = unchecked = 0
    with AdvisoryDB(db_path) as db:
        for name, version in deps:
            found = match(db, "PyPI", name, version)
            affected += bool(found.vulnerabilities)
            unchecked += found.unchecked is not None
    return affected, unchecked


def _open(db_path: Path) -> None:
    AdvisoryDB(db_path).close()


def _fresh_process(db_path: Path) -> float:
    """Wall time of a new interpreter that imports the matcher, opens the db and matches one
    package, minus that of an empty interpreter: what a scan pays to get the database ready."""
    code = (
        "import sys; from pathlib import Path; from faasguard.supply.advisories import "
        f"AdvisoryDB, match; db = AdvisoryDB(Path({str(db_path)!r})); "
        "match(db, 'PyPI', 'django', '3.2.0')"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}

    def run(source: str) -> None:
        subprocess.run([sys.executable, "-c", source], check=True, env=env)

    return _median(5, lambda: run(code))[0] - _median(5, lambda: run("pass"))[0]


def _scaled(db_path: Path, copies: int, target: Path) -> Path:
    shutil.copyfile(db_path, target)
    conn = sqlite3.connect(target)
    (count,) = conn.execute("SELECT max(pk) FROM advisory").fetchone()
    for n in range(1, copies):
        offset = n * count
        conn.execute(
            "INSERT INTO advisory SELECT pk + ?, id || ?, aliases, summary, modified, severity, "
            "score, vector, malicious FROM advisory WHERE pk <= ?",
            (offset, f"-s{n}", count),
        )
        conn.execute(
            "INSERT INTO affected SELECT advisory + ?, ecosystem, name || ?, ranges, versions "
            "FROM affected WHERE advisory <= ?",
            (offset, f"-s{n}", count),
        )
    conn.commit()
    conn.execute("VACUUM")
    conn.close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=20, help="copies for the synthetic database")
    args = parser.parse_args()
    corpus = _corpus()
    with tempfile.TemporaryDirectory(prefix="faasguard-bench-") as tmp:
        db_path = Path(tmp) / "pypa.sqlite"
        load_s, report = _median(args.runs, lambda: update_database([str(corpus)], db_path))
        deps = _dependencies(db_path)
        loaded, withdrawn = report.loaded, report.withdrawn  # type: ignore[attr-defined]
        print(f"corpus: {corpus} ({loaded:,} advisories loaded, {withdrawn} withdrawn skipped)")
        print(
            f"dependencies matched: {len(deps):,} (350 affected versions, 250 fixed versions, "
            "400 unknown packages)\n"
        )
        print(
            f"{'database':<28}{'advisories':>11}{'size MB':>9}{'import s':>10}"
            f"{'open ms':>9}{'match 1k ms':>13}{'affected':>9}{'unchecked':>10}"
        )
        scaled = _scaled(db_path, args.scale, Path(tmp) / "scaled.sqlite")
        for label, path, imported in (
            ("PyPA (real)", db_path, f"{load_s:.2f}"),
            (f"PyPA x{args.scale} (synthetic)", scaled, "-"),
        ):
            conn = sqlite3.connect(path)
            (advisories,) = conn.execute("SELECT count(*) FROM advisory").fetchone()
            conn.close()
            open_s, _ = _median(max(args.runs, 5), lambda p=path: _open(p))
            match_s, counts = _median(args.runs, lambda p=path: _match_all(p, deps))
            affected, unchecked = counts  # type: ignore[misc]
            print(
                f"{label:<28}{advisories:>11,}{path.stat().st_size / 1e6:>9.1f}{imported:>10}"
                f"{open_s * 1000:>9.1f}{match_s * 1000:>13.0f}{affected:>9}{unchecked:>10}"
            )
        ready = _fresh_process(db_path)
        print(f"\nready in a fresh process (import + open + first lookup): {ready * 1000:.0f} ms")
    print("\ntargets: open (the load a scan pays) <= 0.5 s; match 1,000 dependencies <= 1 s")


if __name__ == "__main__":
    main()

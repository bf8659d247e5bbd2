"""Build src/faasguard/data/top_packages.json: the most-downloaded PyPI and npm packages.

The typosquat check (faasguard.supply._typosquat) compares dependency names against the
"targets" (the most-downloaded packages, the names worth imitating) and never flags a name of the
whole list ("targets" + "popular"), which is the allow-list that keeps false positives low.

Inputs are two tab-separated snapshots with a header line:

- PyPI: columns ``name`` and ``rank_among_15000_most_downloaded`` (the 15,000 most-downloaded
  projects of the last 30 days, rank 1 = most downloaded; other rows have an empty rank);
- npm: columns ``name`` and ``downloads_a_month``.

Usage::

    python scripts/build_top_packages.py --pypi pypi.tsv --npm npm.tsv \\
        --date 2026-11-28 [--pypi-targets 5000] [--npm-targets 15000] \\
        [--pypi-popular 15000] [--npm-popular 30000]

Names are written as the registries spell them, in rank order; the output records the inputs'
description, the date of the snapshot and these parameters.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "src" / "faasguard" / "data" / "top_packages.json"


def _rows(path: Path) -> csv.DictReader:  # type: ignore[type-arg]
    csv.field_size_limit(sys.maxsize)
    handle = path.open(encoding="utf-8", newline="")
    return csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


def pypi_ranking(path: Path) -> list[str]:
    ranked = []
    for row in _rows(path):
        rank = (row.get("rank_among_15000_most_downloaded") or "").strip()
        if rank.isdigit() and row.get("name"):
            ranked.append((int(rank), row["name"]))
    return [name for _, name in sorted(ranked)]


def npm_ranking(path: Path, minimum: int) -> list[str]:
    counted = []
    for row in _rows(path):
        downloads = (row.get("downloads_a_month") or "").strip()
        if downloads.isdigit() and int(downloads) >= minimum and row.get("name"):
            counted.append((-int(downloads), row["name"]))
    return [name for _, name in sorted(counted)]


def build(args: argparse.Namespace) -> dict[str, object]:
    pypi = pypi_ranking(args.pypi)[: args.pypi_popular]
    npm = npm_ranking(args.npm, args.npm_min_downloads)[: args.npm_popular]
    return {
        "source": (
            f"PyPI: the {len(pypi):,} most-downloaded projects (30-day download ranking); npm: "
            f"the {len(npm):,} packages with the most downloads a month; snapshot of {args.date}"
        ),
        "date": args.date,
        "generator": "scripts/build_top_packages.py",
        "parameters": {
            "pypi_targets": args.pypi_targets,
            "npm_targets": args.npm_targets,
            "pypi_popular": args.pypi_popular,
            "npm_popular": args.npm_popular,
        },
        "PyPI": {"targets": pypi[: args.pypi_targets], "popular": pypi[args.pypi_targets :]},
        "npm": {"targets": npm[: args.npm_targets], "popular": npm[args.npm_targets :]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pypi", type=Path, required=True, help="PyPI ranking TSV")
    parser.add_argument("--npm", type=Path, required=True, help="npm downloads TSV")
    parser.add_argument("--date", required=True, help="date of the snapshot (YYYY-MM-DD)")
    # npm counts every transitive install, so its top 5,000 misses packages people type by name
    # (electron, discord.js): more npm targets. Measured on 2026-11-28 by checking less popular
    # real packages kept out of the list: 0.9% of npm ranks 30,001-45,000 and 1.8% of PyPI ranks
    # 10,001-15,000 (with the PyPI list cut at 10,000 for the measurement) were flagged.
    parser.add_argument("--pypi-targets", type=int, default=5000)
    parser.add_argument("--npm-targets", type=int, default=15000)
    parser.add_argument("--pypi-popular", type=int, default=15000)
    parser.add_argument("--npm-popular", type=int, default=30000)
    parser.add_argument("--npm-min-downloads", type=int, default=1000)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    data = build(args)
    text = json.dumps(data, indent=0, ensure_ascii=False)  # one name a line: readable diffs
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {data['source']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

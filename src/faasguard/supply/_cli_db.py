"""`faasguard db update --from PATH_OR_URL` and `faasguard db info`: the local advisory database."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_BROKEN_SHOWN = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION")
    update = actions.add_parser(
        "update",
        help="load OSV advisories (a directory of JSON/YAML files, an OSV zip export, or an "
        "http(s) URL of one) into the local database",
    )
    update.add_argument(
        "--from",
        dest="sources",
        action="append",
        required=True,
        metavar="PATH_OR_URL",
        help="OSV data to load (repeatable: e.g. the PyPI and the npm all.zip)",
    )
    update.add_argument(
        "--ecosystem",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only advisories for this OSV ecosystem (PyPI, npm; repeatable)",
    )
    update.add_argument(
        "--add",
        action="store_true",
        help="keep the advisories already stored (default: the database holds only these sources)",
    )
    info = actions.add_parser("info", help="where the database is, its sources, age and counts")
    info.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from faasguard.supply.advisories import DatabaseError, SourceError, default_db_path

    command = getattr(args, "db_command", None)
    path = default_db_path()
    try:
        if command == "update":
            return _update(args, path)
        if command == "info":
            return _info(args, path)
    except (SourceError, DatabaseError) as exc:
        print(f"faasguard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"faasguard: error: {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print("faasguard: error: `faasguard db` needs an action: update or info", file=sys.stderr)
    return EXIT_USAGE


def _update(args: argparse.Namespace, path: Any) -> int:
    from faasguard.supply.advisories import update_database

    report = update_database(args.sources, path, ecosystems=args.ecosystem or None, add=args.add)
    counts = ", ".join(f"{eco} {n:,}" for eco, n in report.by_ecosystem.items())
    print(
        f"faasguard: loaded {report.loaded:,} advisories into {path} "
        f"({report.advisories:,} stored: {counts}; {report.withdrawn} withdrawn skipped; "
        f"{report.unparseable_versions} version strings that do not parse; newest modified "
        f"{report.newest_modified[:10] or 'unknown'})"
    )
    if report.broken:
        print(f"faasguard: {len(report.broken)} broken advisory file(s) skipped:", file=sys.stderr)
        for broken in report.broken[:_BROKEN_SHOWN]:
            print(f"  {broken.name}: {broken.error}", file=sys.stderr)
        if len(report.broken) > _BROKEN_SHOWN:
            print(f"  ... and {len(report.broken) - _BROKEN_SHOWN} more", file=sys.stderr)
    return EXIT_OK


def _info(args: argparse.Namespace, path: Any) -> int:
    from faasguard.supply.advisories import max_age_days, read_info

    info = read_info(path)
    age = info.age_days(dt.datetime.now(dt.UTC))
    try:
        allowed: float | None = max_age_days()
    except ValueError as exc:
        print(f"faasguard: warning: {exc}", file=sys.stderr)
        allowed = None
    stale = allowed is not None and age > allowed
    if args.format == "json":
        data = {
            "path": str(info.path),
            "sources": list(info.sources),
            "imported_at": info.imported_at.isoformat(),
            "age_days": round(age, 2),
            "max_age_days": allowed,
            "stale": stale,
            "newest_modified": info.newest_modified,
            "advisories": info.advisories,
            "by_ecosystem": info.by_ecosystem,
            "withdrawn_skipped": info.withdrawn,
            "broken_skipped": info.broken,
            "unparseable_versions": info.unparseable_versions,
        }
        print(json.dumps(data, indent=2))
        return EXIT_OK
    counts = ", ".join(f"{eco} {n:,}" for eco, n in info.by_ecosystem.items())
    print(f"database:        {info.path}")
    print(f"imported:        {info.imported_at:%Y-%m-%d %H:%M} UTC ({age:.1f} days ago)")
    print(f"newest advisory: {info.newest_modified or 'unknown'}")
    print(f"advisories:      {info.advisories:,} ({counts})")
    print(f"skipped:         {info.withdrawn} withdrawn, {info.broken} broken")
    for source in info.sources:
        print(
            f"source:          {source.get('source')} ({source.get('advisories', 0):,} advisories)"
        )
    if stale:
        print(f"faasguard: warning: older than {allowed:g} days: run `faasguard db update`")
    return EXIT_OK

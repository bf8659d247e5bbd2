"""The local advisory database: OSV records stored compactly in SQLite, with source and dates.

Updates build a new database next to the old one and rename it into place, so a failed or
interrupted import never leaves a broken database behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.supply.advisories._versions import SUPPORTED_ECOSYSTEMS, canonical, parse

if TYPE_CHECKING:  # the importer: loaded by updates only, scans just read the database
    from faasguard.supply.advisories._osv import Advisory, Affected, BrokenAdvisory

SCHEMA_VERSION = 2
DEFAULT_MAX_AGE_DAYS = 7.0
_DOWNLOAD_TIMEOUT_S = 120

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE advisory (
    pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, aliases TEXT NOT NULL,
    summary TEXT NOT NULL, modified TEXT NOT NULL, severity TEXT NOT NULL,
    score REAL, vector TEXT NOT NULL, malicious INTEGER NOT NULL
);
CREATE TABLE affected (
    advisory INTEGER NOT NULL REFERENCES advisory(pk), ecosystem TEXT NOT NULL,
    name TEXT NOT NULL, ranges TEXT NOT NULL, versions TEXT NOT NULL
);
"""
_INDEX = "CREATE INDEX affected_package ON affected (ecosystem, name)"

# (id, aliases, summary, modified, severity, score, vector, malicious)
AdvisoryRow = tuple[str, str, str, str, str, float | None, str, int]
AffectedRow = tuple[str, str, str, str]  # (ecosystem, name, ranges json, "\nv1\nv2\n")


class DatabaseError(Exception):
    """The database is missing, unreadable or of another schema."""


def default_db_path() -> Path:
    """``$FAASGUARD_DB``, else ``$XDG_CACHE_HOME/faasguard/advisories.sqlite`` (~/.cache)."""
    override = os.environ.get("FAASGUARD_DB")
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "faasguard" / "advisories.sqlite"


def max_age_days() -> float:
    """``$FAASGUARD_DB_MAX_AGE_DAYS`` (default 7); ValueError names the variable when invalid."""
    text = os.environ.get("FAASGUARD_DB_MAX_AGE_DAYS", "").strip()
    if not text:
        return DEFAULT_MAX_AGE_DAYS
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not days > 0:
        raise ValueError(f"FAASGUARD_DB_MAX_AGE_DAYS={text!r}: expected a positive number of days")
    return days


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: Path
    sources: tuple[str, ...]
    advisories: int  # stored after this import (including kept ones with --add)
    loaded: int  # read from the sources this time
    withdrawn: int
    broken: tuple[BrokenAdvisory, ...]
    by_ecosystem: dict[str, int]
    unparseable_versions: int
    newest_modified: str


@dataclass(frozen=True, slots=True)
class DbInfo:
    path: Path
    sources: tuple[dict[str, Any], ...]  # {"source", "imported_at", "advisories"}
    imported_at: dt.datetime
    newest_modified: str
    advisories: int
    by_ecosystem: dict[str, int]
    withdrawn: int
    broken: int
    unparseable_versions: int

    def age_days(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.UTC)
        return (now - self.imported_at).total_seconds() / 86400


def update_database(
    sources: Sequence[str],
    db_path: Path,
    *,
    ecosystems: Iterable[str] | None = None,
    add: bool = False,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Load OSV data from ``sources`` (paths or http(s) URLs) into a new database at ``db_path``.

    ``add`` keeps the advisories already stored (a newer record with the same id replaces its
    old one); otherwise the database holds exactly these sources. Raises SourceError.
    """
    from faasguard.supply.advisories._osv import SourceError

    wanted = {e.lower() for e in ecosystems} if ecosystems else None
    now = now or dt.datetime.now(dt.UTC)
    records: dict[str, tuple[AdvisoryRow, list[AffectedRow]]] = {}
    history: list[dict[str, Any]] = []
    if add and db_path.exists():
        records, history = _existing(db_path)
    stats = _Stats()
    for source in sources:
        before = stats.loaded
        for item in _read(source):
            stats.take(item, records, wanted)
        history.append(
            {"source": source, "imported_at": now.isoformat(), "advisories": stats.loaded - before}
        )
    if not records:
        first = stats.broken[0] if stats.broken else None
        broken = f" ({len(stats.broken)} broken): {first.name}: {first.error}" if first else ""
        raise SourceError(f"{', '.join(sources)}: no OSV advisories found{broken}")
    meta = {
        "schema_version": SCHEMA_VERSION,
        "sources": history,
        "imported_at": now.isoformat(),
        "newest_modified": max(r[0][3] for r in records.values()),
        "withdrawn": stats.withdrawn,
        "broken": len(stats.broken),
        "unparseable_versions": stats.unparseable,
    }
    by_ecosystem = _write_atomically(db_path, records, meta)
    return ImportReport(
        path=db_path,
        sources=tuple(sources),
        advisories=len(records),
        loaded=stats.loaded,
        withdrawn=stats.withdrawn,
        broken=tuple(stats.broken),
        by_ecosystem=by_ecosystem,
        unparseable_versions=stats.unparseable,
        newest_modified=str(meta["newest_modified"]),
    )


class _Stats:
    def __init__(self) -> None:
        self.loaded = 0
        self.withdrawn = 0
        self.unparseable = 0
        self.broken: list[BrokenAdvisory] = []

    def take(
        self,
        item: Advisory | BrokenAdvisory,
        records: dict[str, tuple[AdvisoryRow, list[AffectedRow]]],
        wanted: set[str] | None,
    ) -> None:
        from faasguard.supply.advisories._osv import BrokenAdvisory

        if isinstance(item, BrokenAdvisory):
            self.broken.append(item)
            return
        affected = [a for a in item.affected if wanted is None or a.ecosystem.lower() in wanted]
        if not affected:
            return
        if item.withdrawn:
            self.withdrawn += 1
            records.pop(item.id, None)
            return
        self.loaded += 1
        rows = [self._affected_row(a) for a in affected]
        row: AdvisoryRow = (
            item.id,
            json.dumps(item.aliases),
            item.summary,
            item.modified,
            item.severity,
            item.score,
            item.vector,
            int(item.malicious),
        )
        records[item.id] = (row, rows)

    def _affected_row(self, affected: Affected) -> AffectedRow:
        eco = affected.ecosystem
        ranges = [[r.type, [list(e) for e in r.events]] for r in affected.ranges]
        if eco in SUPPORTED_ECOSYSTEMS:
            self.unparseable += sum(
                1
                for r in affected.ranges
                if r.type in ("ECOSYSTEM", "SEMVER")
                for kind, v in r.events
                if v != "0" and parse(eco if r.type == "ECOSYSTEM" else "npm", v) is None
            )
            self.unparseable += sum(1 for v in affected.versions if parse(eco, v) is None)
        versions = sorted({canonical(eco, v) for v in affected.versions})
        # "\n1.0\n1.1\n": membership is one substring test, no decoding at match time.
        listed = "".join(f"\n{v}" for v in versions) + "\n" if versions else ""
        return (eco, affected.name, _compact(ranges), listed)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _read(source: str) -> Iterable[Advisory | BrokenAdvisory]:
    import urllib.parse

    from faasguard.supply.advisories._osv import read_source

    if urllib.parse.urlsplit(source).scheme in ("http", "https"):
        return _download_and_read(source)
    return read_source(Path(source).expanduser())


def _download_and_read(url: str) -> Iterable[Advisory | BrokenAdvisory]:
    import tempfile
    import urllib.error
    import urllib.parse
    import urllib.request

    from faasguard.supply.advisories._osv import SourceError, read_source

    suffix = Path(urllib.parse.urlsplit(url).path).suffix or ".zip"
    with tempfile.TemporaryDirectory(prefix="faasguard-osv-") as tmp:
        target = Path(tmp) / f"download{suffix}"
        try:
            with (
                urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response,
                target.open("wb") as out,
            ):
                while chunk := response.read(1 << 20):
                    out.write(chunk)
        except urllib.error.HTTPError as exc:
            raise SourceError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise SourceError(f"{url}: download failed: {reason}") from None
        yield from read_source(target)


def _existing(db_path: Path) -> tuple[dict[str, tuple[AdvisoryRow, list[AffectedRow]]], list[Any]]:
    conn = _connect(db_path)
    try:
        records: dict[str, tuple[AdvisoryRow, list[AffectedRow]]] = {}
        by_pk: dict[int, str] = {}
        for pk, *row in conn.execute(
            "SELECT pk, id, aliases, summary, modified, severity, score, vector, malicious "
            "FROM advisory"
        ):
            records[row[0]] = (tuple(row), [])  # type: ignore[assignment]
            by_pk[pk] = row[0]
        for pk, *row in conn.execute(
            "SELECT advisory, ecosystem, name, ranges, versions FROM affected"
        ):
            records[by_pk[pk]][1].append(tuple(row))  # type: ignore[arg-type]
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        return records, json.loads(meta.get("sources", "[]"))
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{db_path}: cannot read the advisory database: {exc}") from None
    finally:
        conn.close()


def _write_atomically(
    db_path: Path,
    records: dict[str, tuple[AdvisoryRow, list[AffectedRow]]],
    meta: dict[str, Any],
) -> dict[str, int]:
    import tempfile

    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=db_path.name + ".", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        by_ecosystem = _write(tmp, records, meta)
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return by_ecosystem


def _write(
    path: Path, records: dict[str, tuple[AdvisoryRow, list[AffectedRow]]], meta: dict[str, Any]
) -> dict[str, int]:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(_SCHEMA)
        by_ecosystem: dict[str, set[str]] = {}
        advisory_rows, affected_rows = [], []
        for pk, (row, affected) in enumerate(records.values(), 1):
            advisory_rows.append((pk, *row))
            for eco, name, ranges, versions in affected:
                affected_rows.append((pk, eco, name, ranges, versions))
                by_ecosystem.setdefault(eco, set()).add(row[0])
        conn.executemany("INSERT INTO advisory VALUES (?,?,?,?,?,?,?,?,?)", advisory_rows)
        conn.executemany("INSERT INTO affected VALUES (?,?,?,?,?)", affected_rows)
        conn.execute(_INDEX)
        counts = {eco: len(ids) for eco, ids in sorted(by_ecosystem.items())}
        meta = {**meta, "by_ecosystem": counts, "advisories": len(records)}
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    return counts


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise DatabaseError(f"{path}: no advisory database")
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot open the advisory database: {exc}") from None


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return ""
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def read_info(path: Path) -> DbInfo:
    """What the database holds; DatabaseError when it is missing or not one of ours."""
    conn = _connect(path)
    try:
        meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
        raise DatabaseError(f"{path}: not a faasguard advisory database ({exc})") from None
    finally:
        conn.close()
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise DatabaseError(
            f"{path}: advisory database schema {meta.get('schema_version')!r}, expected "
            f"{SCHEMA_VERSION}: run `faasguard db update --from ...` again"
        )
    try:
        imported = dt.datetime.fromisoformat(str(meta["imported_at"]))
    except (KeyError, ValueError):
        raise DatabaseError(f"{path}: advisory database without a valid import date") from None
    return DbInfo(
        path=path,
        sources=tuple(meta.get("sources", ())),
        imported_at=imported,
        newest_modified=str(meta.get("newest_modified", "")),
        advisories=int(meta.get("advisories", 0)),
        by_ecosystem=dict(meta.get("by_ecosystem", {})),
        withdrawn=int(meta.get("withdrawn", 0)),
        broken=int(meta.get("broken", 0)),
        unparseable_versions=int(meta.get("unparseable_versions", 0)),
    )


@dataclass(frozen=True, slots=True)
class StoredAffected:
    """One affected-package entry of a stored advisory, as the matcher reads it."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: str
    score: float | None
    vector: str
    malicious: bool
    ranges: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    versions: str  # canonical versions listed as affected, "\n"-separated and -framed; "" if none

    def lists(self, canonical_version: str) -> bool:
        return bool(self.versions) and f"\n{canonical_version}\n" in self.versions


class AdvisoryDB:
    """A read-only, opened advisory database."""

    def __init__(self, path: Path) -> None:
        self.info = read_info(path)
        self.path = path
        self._conn = _connect(path)
        self._check_integrity()
        self._cache: dict[tuple[str, str], tuple[StoredAffected, ...]] = {}
        self.results: dict[tuple[str, str, str], Any] = {}  # the matcher's memo, per version

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> AdvisoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_integrity(self) -> None:
        """A damaged file can answer a lookup with no rows: that must not read as "clean".

        SQLite's quick_check reads the whole file (seconds for a full OSV export), so it runs
        once per version of the file: a side file records the size, inode and change time
        (ctime: any write to the file moves it, and it cannot be set back) it was checked at."""
        stamp = _file_stamp(self.path)
        checked = self.path.with_name(self.path.name + ".checked")
        try:
            if stamp and checked.read_text(encoding="utf-8") == stamp:
                return
        except OSError:
            pass
        try:
            verdict = [row[0] for row in self._conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            verdict = [str(exc)]
        if verdict != ["ok"]:
            self._conn.close()
            raise DatabaseError(f"{self.path}: the advisory database is damaged ({verdict[0]})")
        try:
            if stamp:
                checked.write_text(stamp, encoding="utf-8")
        except OSError:
            pass  # a read-only cache directory: check again next time

    def affecting(self, ecosystem: str, name: str) -> tuple[StoredAffected, ...]:
        """Every stored entry for the package ``name`` (already normalised) of ``ecosystem``.
        DatabaseError when the stored rows cannot be read."""
        key = (ecosystem, name)
        if key not in self._cache:
            try:
                self._cache[key] = tuple(self._query(ecosystem, name))
            except (sqlite3.DatabaseError, ValueError, TypeError, IndexError) as exc:
                raise DatabaseError(
                    f"{self.path}: cannot read the advisories of {name} ({exc})"
                ) from None
        return self._cache[key]

    def _query(self, ecosystem: str, name: str) -> Iterable[StoredAffected]:
        rows = self._conn.execute(
            "SELECT a.id, a.aliases, a.summary, a.severity, a.score, a.vector, a.malicious, "
            "f.ranges, f.versions FROM affected f JOIN advisory a ON a.pk = f.advisory "
            "WHERE f.ecosystem = ? AND f.name = ?",
            (ecosystem, name),
        )
        for ident, aliases, summary, severity, score, vector, malicious, ranges, versions in rows:
            yield StoredAffected(
                id=ident,
                aliases=tuple(json.loads(aliases)),
                summary=summary,
                severity=severity,
                score=score,
                vector=vector,
                malicious=bool(malicious),
                ranges=tuple(
                    (kind, tuple((e[0], e[1]) for e in events))
                    for kind, events in json.loads(ranges)
                ),
                versions=versions,
            )

"""Loading OSV data into the local database: directories, zip exports, URLs, atomic updates."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from faasguard.cli import main
from faasguard.supply.advisories import (
    AdvisoryDB,
    DatabaseError,
    SourceError,
    _db,
    default_db_path,
    match,
    read_info,
    update_database,
)
from tests.conftest import FIXTURES

ADVISORIES = FIXTURES / "advisories"


def _zip(directory: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(directory.iterdir()):
            archive.write(file, file.name)  # the OSV export layout: one file per advisory
    return target


def test_directory_of_json_and_yaml_loads_recursively(tmp_path: Path) -> None:
    db = tmp_path / "adv.sqlite"
    report = update_database([str(ADVISORIES)], db)
    # 7 npm + 2 pypi + 1 good record among the broken ones, minus one withdrawn.
    assert report.loaded == 9
    assert report.withdrawn == 1
    assert report.by_ecosystem == {"PyPI": 3, "npm": 6}
    broken = {Path(b.name.split("!")[0]).name: b.error for b in report.broken}
    assert set(broken) == {"not-json.json", "no-id.json", "bad-event.yaml"}
    assert "invalid JSON at line" in broken["not-json.json"]
    assert "missing 'id'" in broken["no-id.json"]
    assert "exactly one key" in broken["bad-event.yaml"]
    info = read_info(db)
    assert info.advisories == 9 and info.broken == 3 and info.withdrawn == 1
    assert info.sources[0]["source"] == str(ADVISORIES)
    assert info.newest_modified == "2025-06-01T00:00:00Z"


def test_osv_zip_export_layout(tmp_path: Path) -> None:
    archive = _zip(ADVISORIES / "npm", tmp_path / "all.zip")
    db = tmp_path / "adv.sqlite"
    report = update_database([str(archive)], db)
    assert report.loaded == 6 and report.by_ecosystem == {"npm": 6}
    with AdvisoryDB(db) as opened:
        assert [v.primary for v in match(opened, "npm", "minimist", "1.2.5").vulnerabilities] == [
            "GHSA-xvch-5gv4-984h"
        ]


def test_ecosystem_filter_keeps_only_that_ecosystem(tmp_path: Path) -> None:
    report = update_database([str(ADVISORIES)], tmp_path / "a.sqlite", ecosystems=["pypi"])
    assert report.by_ecosystem == {"PyPI": 3}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such file or directory"),
        (lambda p: _write(p / "bad.zip", b"PK\x03\x04 truncated"), "not a zip file"),
        (lambda p: _write(p / "empty.json", b"[]"), "no OSV advisories found"),
        (lambda p: _write(p / "x.json", b"{"), "no OSV advisories found (1 broken)"),
    ],
)
def test_bad_sources_are_clear_errors_and_keep_the_old_database(
    tmp_path: Path, make, message: str
) -> None:
    db = tmp_path / "adv.sqlite"
    update_database([str(ADVISORIES / "pypi")], db)
    before = db.read_bytes()
    with pytest.raises(SourceError, match=re.escape(message)):
        update_database([str(make(tmp_path))], db)
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_failure_while_writing_leaves_the_old_database_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "adv.sqlite"
    update_database([str(ADVISORIES / "pypi")], db)
    before = db.read_bytes()

    def crash(path: Path, *args: object) -> None:
        path.write_bytes(b"half a database")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_db, "_write", crash)
    with pytest.raises(OSError, match="No space left"):
        update_database([str(ADVISORIES / "npm")], db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adv.sqlite"]


def test_add_keeps_earlier_sources(tmp_path: Path) -> None:
    db = tmp_path / "adv.sqlite"
    update_database([str(ADVISORIES / "pypi")], db)
    report = update_database([str(ADVISORIES / "npm")], db, add=True)
    assert report.by_ecosystem == {"PyPI": 2, "npm": 6}
    assert [s["source"] for s in read_info(db).sources] == [
        str(ADVISORIES / "pypi"),
        str(ADVISORIES / "npm"),
    ]
    replaced = update_database([str(ADVISORIES / "npm")], db)
    assert replaced.by_ecosystem == {"npm": 6}


def test_database_location_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAASGUARD_DB", str(tmp_path / "here.sqlite"))
    assert default_db_path() == tmp_path / "here.sqlite"
    monkeypatch.delenv("FAASGUARD_DB")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_db_path() == tmp_path / "cache" / "faasguard" / "advisories.sqlite"


def test_unreadable_databases_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no advisory database"):
        AdvisoryDB(tmp_path / "absent.sqlite")
    garbage = _write(tmp_path / "garbage.sqlite", b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="not a faasguard advisory database"):
        AdvisoryDB(garbage)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_update_from_a_url(http_root: tuple[str, Path], tmp_path: Path) -> None:
    base, root = http_root
    _zip(ADVISORIES / "npm", root / "all.zip")
    db = tmp_path / "adv.sqlite"
    report = update_database([f"{base}/all.zip"], db)
    assert report.by_ecosystem == {"npm": 6}
    assert read_info(db).sources[0]["source"] == f"{base}/all.zip"
    with pytest.raises(SourceError, match="HTTP 404"):
        update_database([f"{base}/missing.zip"], db)
    assert read_info(db).advisories == 6


def test_cli_update_and_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.sqlite"
    monkeypatch.setenv("FAASGUARD_DB", str(db))
    assert main(["db", "update", "--from", str(ADVISORIES)]) == 0
    out, err = capsys.readouterr()
    assert f"loaded 9 advisories into {db}" in out
    assert "3 broken advisory file(s) skipped" in err and "no-id.json: missing 'id'" in err
    assert main(["db", "info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["advisories"] == 9 and info["by_ecosystem"] == {"PyPI": 3, "npm": 6}
    assert info["stale"] is False and info["max_age_days"] == 7.0
    assert main(["db", "update", "--from", str(tmp_path / "nope.zip")]) == 2
    assert "nope.zip: no such file or directory" in capsys.readouterr().err


def test_cli_info_reports_age_and_missing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "old.sqlite"
    monkeypatch.setenv("FAASGUARD_DB", str(db))
    assert main(["db", "info"]) == 2
    assert "no advisory database" in capsys.readouterr().err
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    update_database([str(ADVISORIES / "pypi")], db, now=old)
    assert main(["db", "info"]) == 0
    out = capsys.readouterr().out
    assert "(30.0 days ago)" in out and "older than 7 days" in out

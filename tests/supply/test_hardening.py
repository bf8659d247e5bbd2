"""Hostile or odd inputs: files outside the tree, npm aliases, damaged databases, YAML bombs."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from faasguard.cli import main
from faasguard.model import DiagnosticLevel
from faasguard.supply import collect, read_manifest
from faasguard.supply.advisories import AdvisoryDB, DatabaseError, match, update_database
from tests.conftest import FIXTURES
from tests.supply._util import write

SECRET = "root:x:0:0:TOP-SECRET-LINE"

# --- files outside the scanned tree -------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A project directory with a secret-looking file next to it, outside the tree."""
    (tmp_path / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    return project


@pytest.mark.parametrize("target", ["../secret.txt", "{abs}", "sub/../../secret.txt"])
def test_requirements_include_outside_the_tree_is_refused_not_read(
    outside: Path, target: str
) -> None:
    target = target.format(abs=outside.parent / "secret.txt")
    write(outside, {"requirements.txt": f"-r {target}\nsix==1.16.0\n", "sub/x.txt": ""})
    manifests, diagnostics = collect(outside, [])
    assert manifests == ()
    (diag,) = diagnostics
    assert diag.level is DiagnosticLevel.ERROR and diag.code == "unreadable"
    assert diag.location.file == "requirements.txt" and diag.location.line == 1
    assert "outside the scanned tree" in diag.message
    assert "TOP-SECRET" not in diag.message


def test_requirements_include_inside_the_tree_through_a_parent_is_read(tmp_path: Path) -> None:
    write(tmp_path, {"fn/requirements.txt": "-r ../common.txt\n", "common.txt": "six==1.16.0\n"})
    (manifest,), diagnostics = collect(tmp_path, [])
    assert diagnostics == []
    assert [(d.name, d.location.file) for d in manifest.dependencies] == [("six", "common.txt")]


def test_requirements_include_cycle_reads_each_file_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "-r b.txt\nsix==1.16.0\n",
            "b.txt": "-r requirements.txt\nidna==3.6\n",
        },
    )
    manifest = read_manifest(tmp_path / "requirements.txt", "requirements.txt")
    assert sorted(d.name for d in manifest.dependencies) == ["idna", "six"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links not supported here")
def test_symlinked_manifest_pointing_outside_the_tree_is_reported_not_read(outside: Path) -> None:
    (outside / "requirements.txt").symlink_to(outside.parent / "secret.txt")
    manifests, diagnostics = collect(outside, [])
    assert manifests == ()
    (diag,) = diagnostics
    assert diag.code == "unreadable" and diag.location.file == "requirements.txt"
    assert "outside the scanned tree" in diag.message and "TOP-SECRET" not in diag.message


def test_sbom_of_a_project_whose_include_is_broken_is_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"requirements.txt": "-r base.txt\n", "base.txt": "not a requirement!\n"})
    code = main(["sbom", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "base.txt:1" in captured.err and "the SBOM is incomplete" in captured.err
    assert "no dependency files found" not in captured.err


# --- npm aliases: the installed package is the aliased one --------------------------------------


def test_npm_alias_in_package_json_names_the_real_package(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "package.json": json.dumps(
                {"dependencies": {"my-lodash": "npm:lodash@4.17.20", "b": "npm:@real/b@^1.0.0"}}
            )
        },
    )
    deps = read_manifest(tmp_path / "package.json", "package.json").dependencies
    assert [(d.name, d.version, d.specifier) for d in deps] == [
        ("lodash", "4.17.20", "npm:lodash@4.17.20"),
        ("@real/b", None, "npm:@real/b@^1.0.0"),
    ]


def test_npm_alias_in_yarn_classic_and_package_lock_v1(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "yarn.lock": """
# yarn lockfile v1


"my-lodash@npm:lodash@^4.17.20", "my-lodash@npm:lodash@^4.17.0":
  version "4.17.20"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.20.tgz#abc"

a@^1, a@^1.2:
  version "1.2.3"
  resolved "https://registry.yarnpkg.com/a/-/a-1.2.3.tgz"
""",
            "package-lock.json": json.dumps(
                {
                    "lockfileVersion": 1,
                    "dependencies": {
                        "my-lodash": {
                            "version": "npm:lodash@4.17.20",
                            "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
                        }
                    },
                }
            ),
        },
    )
    yarn = read_manifest(tmp_path / "yarn.lock", "yarn.lock").dependencies
    assert [(d.name, d.version) for d in yarn] == [("lodash", "4.17.20"), ("a", "1.2.3")]
    lock = read_manifest(tmp_path / "package-lock.json", "package-lock.json").dependencies
    assert [(d.name, d.version) for d in lock] == [("lodash", "4.17.20")]


# --- the advisory database ----------------------------------------------------------------------


def _damage(path: Path) -> None:
    """Overwrite every page after the first two: the header and schema stay readable."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(8192)
        handle.write(b"\x5a" * max(size - 8192, 4096))


def _fixture_db(tmp_path: Path) -> Path:
    """An advisory database built from the test fixtures."""
    path = tmp_path / "db.sqlite"
    update_database([str(FIXTURES / "advisories")], path)
    return path


def test_a_damaged_database_is_refused_never_answered_with_no_rows(tmp_path: Path) -> None:
    path = _fixture_db(tmp_path)
    _damage(path)
    with pytest.raises(DatabaseError, match="damaged"):
        AdvisoryDB(path)


def test_scan_with_a_damaged_database_exits_non_zero_with_fg704(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _fixture_db(tmp_path)
    _damage(path)
    monkeypatch.setenv("FAASGUARD_DB", str(path))
    write(tmp_path / "p", {"requirements.txt": "jinja2==2.10\n"})
    code = main(["scan", str(tmp_path / "p"), "--format", "json", "--rules", "FG701,FG704"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    (finding,) = report["findings"]
    assert finding["rule_id"] == "FG704" and "damaged" in finding["message"]


def test_rows_that_cannot_be_decoded_are_a_database_error(tmp_path: Path) -> None:
    path = _fixture_db(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE affected SET ranges = '{not json'")
    conn.close()
    with AdvisoryDB(path) as db, pytest.raises(DatabaseError, match="jinja2"):
        match(db, "PyPI", "Jinja2", "2.10")


def test_osv_yaml_alias_bomb_is_a_broken_advisory(tmp_path: Path) -> None:
    levels = [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    (tmp_path / "BOMB-1.yaml").write_text(
        "\n".join(
            [
                "id: PYSEC-0000-1",
                "a0: &a0 [x, x, x, x, x, x, x, x, x, x]",
                *levels,
                "aliases: [*a8]",
                "affected: [{package: {ecosystem: PyPI, name: bomb}}]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "GOOD-1.json").write_text(
        json.dumps({"id": "GOOD-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}}]}),
        encoding="utf-8",
    )
    report = update_database([str(tmp_path)], tmp_path / "db.sqlite")
    assert report.loaded == 1
    (broken,) = report.broken
    assert broken.name.endswith("BOMB-1.yaml") and "alias bomb" in broken.error


# --- matching edge cases ------------------------------------------------------------------------


def _osv(ident: str, eco: str, name: str, events: list[dict], **extra: object) -> dict:
    kind = "SEMVER" if eco == "npm" else "ECOSYSTEM"
    affected = {
        "package": {"ecosystem": eco, "name": name},
        "ranges": [{"type": kind, "events": events}],
    }
    affected |= {"versions": extra.pop("versions")} if "versions" in extra else {}
    return {"id": ident, "modified": "2024-01-01T00:00:00Z", "affected": [affected], **extra}


EDGE_ADVISORIES = [
    _osv(
        "PYSEC-1",
        "PyPI",
        "Zope.Interface",
        [{"introduced": "0"}, {"fixed": "5.0"}],
        aliases=["CVE-1"],
    ),
    _osv(
        "GHSA-1",
        "PyPI",
        "zope_interface",
        [{"introduced": "0"}, {"fixed": "5.0"}],
        aliases=["CVE-1", "PYSEC-1"],
    ),
    _osv("CVE-1", "PyPI", "zope-interface", [{"introduced": "0"}, {"fixed": "5.0"}]),
    # unsorted events, two introduced/closing pairs, last_affected
    _osv(
        "PYSEC-2",
        "PyPI",
        "torch",
        [
            {"last_affected": "2.4.1"},
            {"introduced": "2.3"},
            {"fixed": "2.1"},
            {"introduced": "2.0"},
        ],
        versions=["1.13.1"],
    ),
    _osv("PYSEC-3", "PyPI", "epoch-pkg", [{"introduced": "0"}, {"fixed": "1!1.0"}]),
    _osv("PYSEC-4", "PyPI", "post-pkg", [{"introduced": "1.0"}, {"fixed": "1.0.post1"}]),
    _osv("PYSEC-5", "PyPI", "gone", [{"introduced": "0"}], withdrawn="2024-02-01T00:00:00Z"),
    _osv(
        "GHSA-n1",
        "npm",
        "multi",
        [
            {"introduced": "1.0.0"},
            {"fixed": "1.2.0"},
            {"introduced": "2.0.0-rc.1"},
            {"fixed": "2.0.1"},
        ],
    ),
]


@pytest.fixture
def edge_db(tmp_path: Path) -> AdvisoryDB:
    for advisory in EDGE_ADVISORIES:
        (tmp_path / f"{advisory['id']}.json").write_text(json.dumps(advisory), encoding="utf-8")
    path = tmp_path / "edge.sqlite"
    update_database([str(tmp_path)], path)
    return AdvisoryDB(path)


@pytest.mark.parametrize(
    ("ecosystem", "name", "version", "expected"),
    [
        ("PyPI", "zope.interface", "4.7", [(("GHSA-1", "CVE-1", "PYSEC-1"), ("5.0",))]),
        ("PyPI", "ZOPE_Interface", "5.0.0", []),
        ("PyPI", "torch", "2.0.1+cpu", [(("PYSEC-2",), ("2.1",))]),
        ("PyPI", "torch", "2.1+cpu", []),
        ("PyPI", "torch", "2.3.0rc1", []),
        ("PyPI", "torch", "2.4.1", [(("PYSEC-2",), ())]),
        ("PyPI", "torch", "2.4.1+cu118", [(("PYSEC-2",), ())]),
        ("PyPI", "torch", "2.4.2", []),
        ("PyPI", "torch", "1.13.1+cpu", [(("PYSEC-2",), ("2.1",))]),
        ("PyPI", "epoch-pkg", "2.0", [(("PYSEC-3",), ("1!1.0",))]),
        ("PyPI", "epoch-pkg", "1!1.0", []),
        ("PyPI", "post-pkg", "1.0.0", [(("PYSEC-4",), ("1.0.post1",))]),
        ("PyPI", "post-pkg", "1.0.post1", []),
        ("PyPI", "post-pkg", "1.0.dev1", []),
        ("PyPI", "gone", "1.0", []),
        ("npm", "multi", "1.5.0", []),
        ("npm", "multi", "2.0.0-rc.0", []),
        ("npm", "multi", "2.0.0-rc.2", [(("GHSA-n1",), ("2.0.1",))]),
        ("npm", "multi", "1.1.0+build.7", [(("GHSA-n1",), ("1.2.0",))]),
    ],
)
def test_matching_edge_cases(
    edge_db: AdvisoryDB, ecosystem: str, name: str, version: str, expected: list
) -> None:
    with edge_db:
        found = match(edge_db, ecosystem, name, version)
    assert found.unchecked is None
    assert [(v.ids, v.fixed) for v in found.vulnerabilities] == expected


# --- pyproject.toml with dynamic dependencies ---------------------------------------------------

DYNAMIC = """
[project]
name = "orders"
version = "1.0"
dynamic = ["dependencies"]
"""


def test_dynamic_pyproject_dependencies_are_a_warning_not_silence(tmp_path: Path) -> None:
    write(tmp_path, {"fn/pyproject.toml": DYNAMIC})
    manifests, diagnostics = collect(tmp_path, [])
    assert [m.dependencies for m in manifests] == [()]
    (warning,) = diagnostics
    assert warning.level is DiagnosticLevel.WARNING and warning.code == "dynamic-dependencies"
    assert warning.location.file == "fn/pyproject.toml"


def test_dynamic_pyproject_beside_a_requirements_file_is_fine(tmp_path: Path) -> None:
    write(tmp_path, {"fn/pyproject.toml": DYNAMIC, "fn/requirements.txt": "six==1.16.0\n"})
    _, diagnostics = collect(tmp_path, [])
    assert diagnostics == []


def test_the_integrity_check_runs_once_per_version_of_the_database(tmp_path: Path) -> None:
    path = _fixture_db(tmp_path)
    AdvisoryDB(path).close()  # checked: the stamp of this version of the file is recorded
    stamp = path.with_name("db.sqlite.checked")
    assert stamp.read_text(encoding="utf-8").count(":") == 4
    AdvisoryDB(path).close()  # same file: not read whole again
    _damage(path)  # any write moves the file's change time: the old stamp no longer matches
    with pytest.raises(DatabaseError, match="damaged"):
        AdvisoryDB(path)


def test_scanning_one_dependency_file_checks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _fixture_db(tmp_path)
    monkeypatch.setenv("FAASGUARD_DB", str(path))
    write(tmp_path / "p", {"requirements.txt": "jinja2==2.10\n"})
    code = main(["scan", str(tmp_path / "p" / "requirements.txt"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {f["rule_id"] for f in report["findings"]} >= {"FG701"}
    assert report["summary"]["files"] == 1

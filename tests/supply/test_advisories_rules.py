"""FG701-FG705 over hand-built manifests, and `faasguard scan` end to end (exit codes, SARIF)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from faasguard.cli import main
from faasguard.model import (
    Dependency,
    DependencySource,
    Function,
    Inventory,
    Location,
    Manifest,
    Provider,
    Severity,
    SourceFormat,
)
from faasguard.rules import get_rule
from faasguard.supply.advisories import update_database
from tests.conftest import FIXTURES

ADVISORIES = FIXTURES / "advisories"
FN = Function("api", Provider.AWS, SourceFormat.SERVERLESS, Location("serverless.yml", 5))
WORKER = Function("worker", Provider.AWS, SourceFormat.SERVERLESS, Location("serverless.yml", 12))


def _dep(name: str, version: str | None, line: int, **kw: object) -> Dependency:
    eco = str(kw.pop("ecosystem", "npm"))
    file = str(kw.pop("file", "package-lock.json"))
    return Dependency(name, eco, Location(file, line), version=version, **kw)  # type: ignore[arg-type]


def _manifest(path: str, deps: list[Dependency], **kw: object) -> Manifest:
    eco = deps[0].ecosystem if deps else "npm"
    return Manifest(path, str(kw.pop("kind", path)), eco, Location(path), tuple(deps), **kw)  # type: ignore[arg-type]


def _inventory(*manifests: Manifest) -> Inventory:
    return Inventory(root="/project", functions=(FN, WORKER), manifests=manifests)


def _run(rule_id: str, inventory: Inventory) -> list:
    return list(get_rule(rule_id).check(inventory))


def _npm_project() -> Inventory:
    lock = _manifest(
        "package-lock.json",
        [
            _dep("lodash", "4.17.11", 10),
            _dep("lodash", "4.17.11", 40),  # the same package twice in the tree: one finding
            _dep("minimist", "1.2.6", 20),
            _dep("event-stream", "3.3.6", 30),
            _dep("mocha-helper", "1.0.0", 50, dev=True),
        ],
        lock=True,
        lock_for="package.json",
        functions=(FN.id,),
    )
    manifest = _manifest(
        "package.json",
        [_dep("lodash", None, 3, specifier="^4.17.0", file="package.json")],
        functions=(FN.id,),
    )
    return _inventory(manifest, lock)


def test_fg701_vulnerable_dependency_names_package_version_ids_and_fix(advisory_db: Path) -> None:
    findings = _run("FG701", _npm_project())
    assert [(f.message, f.severity, f.location.line, f.function) for f in findings] == [
        (
            "lodash 4.17.11 is affected by GHSA-jf85-cpcp-j695 (CVE-2019-10744): Prototype "
            "Pollution in lodash; fixed in 4.17.12",
            Severity.CRITICAL,
            10,
            "api",
        ),
        (
            "lodash 4.17.11 is affected by GHSA-35jh-r3h4-6jhm (CVE-2021-23337): Command "
            "Injection in lodash; fixed in 4.17.21",
            Severity.HIGH,
            10,
            "api",
        ),
    ]
    first = findings[0]
    assert first.extra_tags == ("GHSA-jf85-cpcp-j695", "CVE-2019-10744")
    assert first.evidence["advisories"] == ["GHSA-jf85-cpcp-j695", "CVE-2019-10744"]
    assert first.evidence["fixed_versions"] == ["4.17.12"]
    assert first.evidence["manifest"] == "package-lock.json"
    assert first.evidence["cvss"]["score"] == 9.1


def test_fg702_malicious_package_is_critical(advisory_db: Path) -> None:
    (finding,) = _run("FG702", _npm_project())
    assert finding.severity is Severity.CRITICAL
    assert finding.message.startswith(
        "event-stream 3.3.6 is a known malicious package GHSA-mh6f-8j2x-4483"
    )
    assert finding.location == Location("package-lock.json", 30)


def test_lock_covers_its_manifest_so_nothing_is_unchecked(advisory_db: Path) -> None:
    assert _run("FG703", _npm_project()) == []
    assert _run("FG704", _npm_project()) == []


def test_lock_in_the_same_folder_covers_a_manifest_when_lock_for_is_unknown(
    advisory_db: Path,
) -> None:
    lock = _manifest(
        "app/package-lock.json",
        [_dep("minimist", "1.2.5", 5, file="app/package-lock.json")],
        lock=True,
    )
    manifest = _manifest("app/package.json", [_dep("minimist", None, 2, specifier="^1.2.0")])
    inventory = _inventory(manifest, lock)
    assert _run("FG703", inventory) == []
    assert [f.location.file for f in _run("FG701", inventory)] == ["app/package-lock.json"]


def test_fg703_lists_what_could_not_be_checked_per_manifest(advisory_db: Path) -> None:
    reqs = _manifest(
        "requirements.txt",
        [
            _dep("Jinja2", "2.10", 1, ecosystem="PyPI", file="requirements.txt"),
            _dep("flask", None, 2, ecosystem="PyPI", specifier=">=2", file="requirements.txt"),
            _dep("jinja2-odd", "2.10-custom", 3, ecosystem="PyPI", file="requirements.txt"),
            _dep(
                "tool",
                None,
                4,
                ecosystem="PyPI",
                source=DependencySource.VCS,
                url="git+https://example.com/tool.git",
                file="requirements.txt",
            ),
            _dep("mylib", None, 5, ecosystem="PyPI", source=DependencySource.PATH),
        ],
        functions=(FN.id, WORKER.id),
    )
    (finding,) = _run("FG703", _inventory(reqs))
    assert finding.message == (
        "2 dependencies in requirements.txt could not be checked for advisories: "
        "flask (no exact version ('>=2') and no lock file); "
        "tool (installed from a vcs reference)"
    )
    assert finding.function is None and finding.evidence["functions"] == ["api", "worker"]
    (vuln,) = _run("FG701", _inventory(reqs))
    assert vuln.message.startswith("Jinja2 2.10 is affected by GHSA-462w-v97r-4m45 (CVE-2019-10906")


def test_unparseable_version_without_a_version_list_is_unchecked(advisory_db: Path) -> None:
    reqs = _manifest(
        "requirements.txt",
        [_dep("jinja2", "2.10-custom", 1, ecosystem="PyPI", file="requirements.txt")],
    )
    (finding,) = _run("FG703", _inventory(reqs))
    assert "jinja2 2.10-custom (version '2.10-custom' cannot be compared" in finding.message
    assert _run("FG701", _inventory(reqs)) == []


def test_development_dependencies(advisory_db: Path) -> None:
    manifest = _manifest(
        "package.json",
        [
            _dep("typescript", None, 4, specifier="^5.4.0", dev=True, file="package.json"),
            _dep("minimist", "1.2.5", 5, dev=True, file="package.json"),
        ],
    )
    assert _run("FG703", _inventory(manifest)) == []  # not deployed, no version to check
    (finding,) = _run("FG701", _inventory(manifest))
    assert finding.severity is Severity.LOW
    assert finding.message.endswith("fixed in 1.2.6 (development dependency)")
    only_dev = _manifest("package.json", [_dep("typescript", None, 4, dev=True)])
    assert _run("FG704", _inventory(only_dev)) == []


def test_an_ecosystem_missing_from_the_database_is_unchecked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pypi_only = tmp_path / "pypi.sqlite"
    update_database([str(ADVISORIES / "pypi")], pypi_only)
    monkeypatch.setenv("FAASGUARD_DB", str(pypi_only))
    (finding,) = _run("FG703", _npm_project())
    assert "lodash 4.17.11 (the advisory database holds no npm advisories)" in finding.message
    assert _run("FG701", _npm_project()) == []


def test_unknown_ecosystem_is_unchecked(advisory_db: Path) -> None:
    gomod = _manifest("go.mod", [_dep("golang.org/x/net", "0.1.0", 3, ecosystem="Go")])
    (finding,) = _run("FG703", _inventory(gomod))
    assert "unknown ecosystem 'Go'" in finding.message


def test_fg704_without_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAASGUARD_DB", str(tmp_path / "absent.sqlite"))
    (finding,) = _run("FG704", _npm_project())
    assert finding.message.startswith(f"no advisory database at {tmp_path / 'absent.sqlite'}:")
    assert "run `faasguard db update --from ...`" in finding.message
    assert "4 dependencies in 1 manifest(s)" in finding.message  # lodash counted once
    assert _run("FG701", _npm_project()) == [] and _run("FG703", _npm_project()) == []


def test_no_dependencies_no_database_finding(tmp_path: Path) -> None:
    assert _run("FG704", _inventory()) == []
    assert _run("FG704", _inventory(_manifest("package.json", []))) == []


def test_fg704_for_a_corrupt_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database" * 200)
    monkeypatch.setenv("FAASGUARD_DB", str(bad))
    (finding,) = _run("FG704", _npm_project())
    assert "not a faasguard advisory database" in finding.message


def test_fg705_stale_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.sqlite"
    update_database([str(ADVISORIES)], path, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    monkeypatch.setenv("FAASGUARD_DB", str(path))
    (finding,) = _run("FG705", _npm_project())
    assert "was imported 10 days ago" in finding.message and "more than 7 days" in finding.message
    assert finding.advice
    monkeypatch.setenv("FAASGUARD_DB_MAX_AGE_DAYS", "14")
    assert _run("FG705", _npm_project()) == []
    monkeypatch.setenv("FAASGUARD_DB_MAX_AGE_DAYS", "soon")
    (bad,) = _run("FG705", _npm_project())
    assert "FAASGUARD_DB_MAX_AGE_DAYS='soon'" in bad.message


PROJECT = {
    "serverless.yml": """
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  render:
    handler: handler.render
""",
    "requirements.txt": "jinja2==2.10\nrequests==2.31.0\n",
    "handler.py": "def render(event, context):\n    return {}\n",
}


def _project(root: Path) -> Path:
    root.mkdir()
    for name, text in PROJECT.items():
        (root / name).write_text(text.lstrip("\n"), encoding="utf-8")
    return root


def test_scan_without_a_database_exits_non_zero_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "p")
    code = main(["scan", str(root), "--rules", "FG701,FG703,FG704", "--fail-on", "none"])
    captured = capsys.readouterr()
    assert code == 1
    assert "no advisory database" in captured.out
    assert "could not be checked" in captured.err
    allowed = ["--allow-unchecked", "--fail-on", "none"]
    assert main(["scan", str(root), "--rules", "FG701,FG703,FG704", *allowed]) == 0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project(tmp_path / "project")


def test_scan_sarif_reports_each_vulnerable_dependency_with_its_advisory_ids(
    project: Path, advisory_db: Path, tmp_path: Path, sarif_schema: dict
) -> None:
    out = tmp_path / "report.sarif"
    code = main(["scan", str(project), "--format", "sarif", "--output", str(out)])
    assert code == 1
    sarif = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(sarif, sarif_schema)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "FG701"]
    assert len(results) == 1
    (result,) = results
    assert result["message"]["text"].startswith("jinja2 2.10 is affected by GHSA-462w-v97r-4m45")
    tags = result["properties"]["tags"]
    assert {"GHSA-462w-v97r-4m45", "CVE-2019-10906", "PYSEC-2019-217"} <= set(tags)
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "requirements.txt"
    assert location["region"]["startLine"] == 1
    assert result["properties"]["function"] == "render"

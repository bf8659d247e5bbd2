"""Matching installed versions against the fixture advisories (npm semver, PEP 440, aliases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faasguard.supply.advisories import AdvisoryDB, match, update_database
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdvisoryDB]:
    path = tmp_path_factory.mktemp("db") / "adv.sqlite"
    update_database([str(FIXTURES / "advisories")], path)
    with AdvisoryDB(path) as opened:
        yield opened


def _ids(db: AdvisoryDB, ecosystem: str, name: str, version: str | None) -> list[str]:
    return [v.primary for v in match(db, ecosystem, name, version).vulnerabilities]


def test_lodash_versions(db: AdvisoryDB) -> None:
    found = match(db, "npm", "lodash", "4.17.11")
    assert [
        (v.primary, v.aliases, v.fixed, v.severity, v.score) for v in found.vulnerabilities
    ] == [
        ("GHSA-jf85-cpcp-j695", ("CVE-2019-10744",), ("4.17.12",), "critical", 9.1),
        ("GHSA-35jh-r3h4-6jhm", ("CVE-2021-23337",), ("4.17.21",), "high", 7.2),
    ]
    assert _ids(db, "npm", "lodash", "4.17.12") == ["GHSA-35jh-r3h4-6jhm"]
    assert match(db, "npm", "lodash", "4.17.21").clean
    assert _ids(db, "npm", "lodash.defaultsdeep", "4.6.0") == ["GHSA-jf85-cpcp-j695"]


@pytest.mark.parametrize(
    ("version", "fixed"),
    [("0.0.8", ("0.2.4",)), ("1.2.5", ("1.2.6",)), ("0.2.4", None), ("1.2.6", None)],
)
def test_minimist_two_ranges_suggest_the_fix_of_the_matching_one(
    db: AdvisoryDB, version: str, fixed: tuple[str, ...] | None
) -> None:
    found = match(db, "npm", "minimist", version)
    if fixed is None:
        assert found.clean
    else:
        assert [v.fixed for v in found.vulnerabilities] == [fixed]


def test_npm_prereleases_and_last_affected(db: AdvisoryDB) -> None:
    assert _ids(db, "npm", "left-pad-ng", "2.0.0-beta.1") == []
    assert _ids(db, "npm", "left-pad-ng", "2.0.0-beta.2") == ["GHSA-TEST-pre0-0001"]
    assert _ids(db, "npm", "left-pad-ng", "2.0.0-beta.11") == ["GHSA-TEST-pre0-0001"]
    assert _ids(db, "npm", "left-pad-ng", "2.0.0-rc.1") == []
    assert _ids(db, "npm", "left-pad-ng", "2.0.0") == []
    assert _ids(db, "npm", "left-pad-ng", "1.4.2") == ["GHSA-TEST-pre0-0001"]
    assert _ids(db, "npm", "left-pad-ng", "1.4.3") == []


def test_malicious_packages(db: AdvisoryDB) -> None:
    event_stream = match(db, "npm", "event-stream", "3.3.6").vulnerabilities
    assert [(v.primary, v.malicious) for v in event_stream] == [("GHSA-mh6f-8j2x-4483", True)]
    assert match(db, "npm", "event-stream", "3.3.5").clean
    crossenv = match(db, "npm", "crossenv", "6.1.1").vulnerabilities
    assert [(v.primary, v.malicious) for v in crossenv] == [("MAL-TEST-0001", True)]
    # Malicious in every version: reported even without a version, still listed as unchecked.
    unpinned = match(db, "npm", "flatmap-stream", None)
    assert [v.primary for v in unpinned.vulnerabilities] == ["GHSA-mh6f-8j2x-4483"]
    assert unpinned.unchecked == "no exact version"
    assert match(db, "npm", "lodash", None).vulnerabilities == ()


def test_withdrawn_advisories_never_match(db: AdvisoryDB) -> None:
    assert match(db, "npm", "express", "4.17.1").clean


def test_aliases_merge_into_one_vulnerability(db: AdvisoryDB) -> None:
    found = match(db, "PyPI", "Jinja2", "2.10").vulnerabilities
    assert len(found) == 1
    assert found[0].ids == ("GHSA-462w-v97r-4m45", "CVE-2019-10906", "PYSEC-2019-217")
    assert found[0].fixed == ("2.10.1",)
    assert found[0].score == 8.6 and found[0].severity == "high"
    assert match(db, "PyPI", "jinja2", "2.10.1").clean
    assert match(db, "PyPI", "jinja2", "2.10.0").vulnerabilities[0].primary == "GHSA-462w-v97r-4m45"


def test_pep503_lookup(db: AdvisoryDB) -> None:
    assert _ids(db, "PyPI", "example.package", "1.2") == ["GHSA-TEST-good-0001"]
    assert _ids(db, "PyPI", "EXAMPLE-package", "1.5") == []


def test_unparseable_installed_version(db: AdvisoryDB) -> None:
    # PYSEC-2019-217 lists its versions: "2.10" is in the list though "2.10-custom" does not parse.
    listed = match(db, "PyPI", "jinja2", "2.10")
    assert listed.unchecked is None
    odd = match(db, "PyPI", "jinja2", "2.10-custom")
    assert odd.vulnerabilities == ()
    # The GHSA record has no version list: it cannot be decided, so never clean.
    assert odd.unchecked is not None and "GHSA-462w-v97r-4m45" in odd.unchecked
    assert not odd.clean


def test_unknown_ecosystem_and_missing_version_are_unchecked(db: AdvisoryDB) -> None:
    assert match(db, "Go", "golang.org/x/net", "0.1.0").unchecked == "unknown ecosystem 'Go'"
    assert match(db, "PyPI", "requests", None).unchecked == "no exact version"
    assert match(db, "PyPI", "requests", "2.0.0").clean  # no advisory for it in the fixtures


def test_fixture_database_is_small(tmp_path: Path) -> None:
    path = tmp_path / "adv.sqlite"
    update_database([str(FIXTURES / "advisories")], path)
    assert path.stat().st_size < 64 * 1024

"""Real data: the PyPA advisory database (2,661 OSV YAML advisories) loaded and matched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faasguard.supply.advisories import AdvisoryDB, ImportReport, match, update_database
from faasguard.supply.advisories._match import in_range
from faasguard.supply.advisories._osv import Advisory, read_source
from faasguard.supply.advisories._versions import parse
from tests.conftest import corpora_dir, need


@pytest.fixture(scope="module")
def pypa() -> Path:
    return need(
        corpora_dir() / "advisories" / "pypa", "the PyPA advisory corpus", "FAASGUARD_CORPORA"
    )


@pytest.fixture(scope="module")
def records(pypa: Path) -> list[Advisory]:
    return [a for a in read_source(pypa) if isinstance(a, Advisory)]


@pytest.fixture(scope="module")
def loaded(
    pypa: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ImportReport, AdvisoryDB]]:
    path = tmp_path_factory.mktemp("pypa") / "adv.sqlite"
    report = update_database([str(pypa)], path)
    with AdvisoryDB(path) as db:
        yield report, db


def _ids(db: AdvisoryDB, name: str, version: str) -> set[str]:
    return {i for v in match(db, "PyPI", name, version).vulnerabilities for i in v.ids}


def test_load_counts(loaded: tuple[ImportReport, AdvisoryDB], records: list[Advisory]) -> None:
    report, _ = loaded
    withdrawn = [a for a in records if a.withdrawn]
    assert report.broken == ()
    assert report.withdrawn == len(withdrawn) > 0
    assert report.loaded == len(records) - len(withdrawn)
    assert report.by_ecosystem == {"PyPI": report.loaded}
    # Every version string in events or lists that is not PEP 440 is counted.
    odd = [
        v
        for a in records
        if not a.withdrawn
        for f in a.affected
        for v in [*f.versions, *(e[1] for r in f.ranges if r.type == "ECOSYSTEM" for e in r.events)]
        if v != "0" and parse("PyPI", v) is None
    ]
    assert report.unparseable_versions == len(odd) > 0


def test_known_vulnerable_and_fixed_versions(loaded: tuple[ImportReport, AdvisoryDB]) -> None:
    _, db = loaded
    jinja = match(db, "PyPI", "Jinja2", "2.10").vulnerabilities
    assert ("GHSA-462w-v97r-4m45", "CVE-2019-10906", "PYSEC-2019-217") in [v.ids for v in jinja]
    assert {"PYSEC-2019-217", "PYSEC-2021-66"} <= _ids(db, "jinja2", "2.10")
    assert "PYSEC-2019-217" not in _ids(db, "jinja2", "2.10.1")
    sandbox = next(v for v in jinja if "PYSEC-2019-217" in v.ids)
    assert sandbox.fixed == ("2.10.1",)
    assert "PYSEC-2018-28" in _ids(db, "requests", "2.19.1")  # CVE-2018-18074, fixed in 2.20.0
    assert "PYSEC-2018-28" not in _ids(db, "requests", "2.20.0")
    assert "CVE-2020-14343" in _ids(db, "PyYAML", "5.3.1")
    assert "CVE-2020-14343" not in _ids(db, "pyyaml", "5.4")


def test_ranges_agree_with_the_versions_osv_enumerated(records: list[Advisory]) -> None:
    """OSV lists the affected releases it computed from the ranges: our range walk must agree."""
    agree, disagree = 0, []
    for advisory in records:
        for affected in advisory.affected:
            ranges = [r for r in affected.ranges if r.type == "ECOSYSTEM"]
            for version in affected.versions if ranges else ():
                verdicts = [in_range("PyPI", version, r.events) for r in ranges]
                if parse("PyPI", version) is None or None in verdicts:
                    continue
                if any(v[0] for v in verdicts if v):
                    agree += 1
                else:
                    disagree.append((advisory.id, affected.name, version))
    assert agree > 100_000
    # A handful of records list prereleases below their first `introduced` (django 3.2a1).
    assert len(disagree) <= agree // 10_000, disagree[:20]


def test_withdrawn_advisories_never_match(
    loaded: tuple[ImportReport, AdvisoryDB], records: list[Advisory]
) -> None:
    _, db = loaded
    for advisory in (a for a in records if a.withdrawn):
        for affected in advisory.affected:
            for version in affected.versions[:5] or ("0.0.1",):
                assert advisory.id not in _ids(db, affected.name, version)


def test_unparseable_versions_fall_back_to_lists_or_stay_unchecked(
    loaded: tuple[ImportReport, AdvisoryDB],
) -> None:
    _, db = loaded
    # "0.7.11p1" is not PEP 440 but PYSEC-2019-6 lists it explicitly.
    buildbot = match(db, "PyPI", "buildbot", "0.7.11p1")
    assert "PYSEC-2019-6" in {i for v in buildbot.vulnerabilities for i in v.ids}
    # steam's only advisory says `fixed: "2019-09-12"` with no version list: undecidable.
    steam = match(db, "PyPI", "steam", "1.0.0")
    assert steam.vulnerabilities == ()
    assert steam.unchecked is not None and "PYSEC-2019-125" in steam.unchecked
    assert not steam.clean


def test_unknown_package_is_clean(loaded: tuple[ImportReport, AdvisoryDB]) -> None:
    _, db = loaded
    assert match(db, "PyPI", "faasguard-no-such-package", "1.0").clean

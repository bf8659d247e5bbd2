"""Version ordering (semver 2.0, PEP 440), OSV range walking and CVSS v3 scores."""

from __future__ import annotations

import itertools

import pytest

from faasguard.supply.advisories._cvss import cvss3_base_score
from faasguard.supply.advisories._match import in_range
from faasguard.supply.advisories._versions import (
    canonical,
    normalize_name,
    parse,
    parse_semver,
)

# The precedence example of semver.org 2.0.0, item 11, in ascending order.
SEMVER_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "2.0.0",
    "10.0.0",
]


def test_semver_precedence_follows_the_specification() -> None:
    parsed = [parse_semver(v) for v in SEMVER_ORDER]
    assert all(p is not None for p in parsed)
    for lower, higher in itertools.pairwise(parsed):
        assert lower < higher, (lower, higher)
    assert sorted(reversed(parsed)) == parsed  # type: ignore[type-var]


def test_semver_ignores_build_metadata_and_a_leading_v() -> None:
    assert parse_semver("1.2.3+build.5") == parse_semver("1.2.3")
    assert parse_semver("v1.2.3") == parse_semver("1.2.3")
    assert str(parse_semver("1.0.0-rc.1+sha.abc")) == "1.0.0-rc.1"


@pytest.mark.parametrize("text", ["1.2", "01.2.3", "1.2.3-01", "1.2.3-", "latest", "^1.2.3", ""])
def test_semver_rejects_what_is_not_a_version(text: str) -> None:
    assert parse_semver(text) is None


def test_pep440_parsing_and_canonical_spelling() -> None:
    assert parse("PyPI", "2.0.0") == parse("PyPI", "2.0")
    assert parse("PyPI", "1.0rc1") < parse("PyPI", "1.0")  # type: ignore[operator]
    assert parse("PyPI", "2.10.1") > parse("PyPI", "2.9.9")  # type: ignore[operator]
    assert parse("PyPI", "2.10-custom") is None
    assert canonical("PyPI", "2.0.0") == canonical("PyPI", "2.0") == "2"
    assert canonical("npm", "v1.2.3") == "1.2.3"
    assert parse("Go", "1.0.0") is None


def test_pep503_names_and_npm_names() -> None:
    assert normalize_name("PyPI", "Flask_SQLAlchemy") == "flask-sqlalchemy"
    assert normalize_name("PyPI", "zope.interface") == "zope-interface"
    assert normalize_name("PyPI", "Jinja2") == "jinja2"
    assert normalize_name("npm", "@types/node") == "@types/node"


def _events(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(pairs)


@pytest.mark.parametrize(
    ("version", "inside", "fixed"),
    [
        ("0.1.0", True, "0.2.4"),
        ("0.2.4", False, None),
        ("0.9.0", False, None),
        ("1.0.0", True, "1.2.6"),
        ("1.2.5", True, "1.2.6"),
        ("1.2.6", False, None),
    ],
)
def test_two_intervals_in_one_unsorted_range(version: str, inside: bool, fixed: str | None) -> None:
    events = _events(("f", "1.2.6"), ("i", "1.0.0"), ("f", "0.2.4"), ("i", "0"))
    result = in_range("npm", version, events)
    assert result is not None
    assert result[0] is inside
    assert result[1] == ([fixed] if fixed else [])


def test_last_affected_is_inclusive_and_limit_is_exclusive() -> None:
    events = _events(("i", "1.0"), ("l", "1.4.2"))
    assert in_range("PyPI", "1.4.2", events) == (True, [])
    assert in_range("PyPI", "1.4.3", events) == (False, [])
    capped = _events(("i", "0"), ("x", "3.0"))
    assert in_range("PyPI", "2.9", capped) == (True, [])
    assert in_range("PyPI", "3.0", capped) == (False, [])


def test_pep440_prereleases_and_post_releases_order_inside_ranges() -> None:
    events = _events(("i", "0"), ("f", "2.10.1"))
    assert in_range("PyPI", "2.10.1rc1", events) == (True, ["2.10.1"])
    assert in_range("PyPI", "2.10.1.post1", events) == (False, [])
    assert in_range("PyPI", "2.10", events) == (True, ["2.10.1"])


def test_unparseable_versions_cannot_be_decided() -> None:
    assert in_range("PyPI", "2.10-custom", _events(("i", "0"), ("f", "2.10.1"))) is None
    assert in_range("PyPI", "1.0", _events(("i", "0"), ("f", "not a version"))) is None


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H", 9.1),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", 8.6),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ],
)
def test_cvss3_base_scores(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    "vector",
    [
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",
        "CVSS:3.1/AV:N/AC:L",
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ],
)
def test_cvss_vectors_that_are_not_complete_v3_give_no_score(vector: str) -> None:
    assert cvss3_base_score(vector) is None

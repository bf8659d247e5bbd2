"""FG701-FG705: dependencies against the offline advisory database (OSV data).

Lock files are checked at their locked versions; a manifest that a lock file covers is not
checked twice. A dependency that cannot be checked is listed (FG703), a missing database is a
finding (FG704): "no findings" must mean "checked, clean".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from faasguard._memo import per_inventory
from faasguard.model import (
    Category,
    Dependency,
    DependencySource,
    Finding,
    Function,
    Inventory,
    Manifest,
    Severity,
)
from faasguard.rules._registry import Docs, Rule, rule

if TYPE_CHECKING:  # the matcher (packaging, sqlite3) loads only when a scan has dependencies
    from faasguard.supply.advisories import AdvisoryDB, DbInfo, Vulnerability

_UPDATE_HINT = "run `faasguard db update --from ...` (an OSV export: a zip or a directory)"
_SEVERITY = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
}
_LISTED = 20  # unchecked packages named in one FG703 message


@dataclass(frozen=True, slots=True)
class _Hit:
    manifest: Manifest
    dependency: Dependency
    vulnerability: Vulnerability


@dataclass(slots=True)
class _Analysis:
    in_scope: list[tuple[Manifest, list[Dependency]]]
    db_path: Path
    db_problem: str | None = None
    info: DbInfo | None = None
    hits: list[_Hit] = field(default_factory=list)
    unchecked: dict[str, list[tuple[Dependency, str]]] = field(default_factory=dict)


_last: tuple[Inventory, tuple[str, float], _Analysis] | None = None


def analyse(inventory: Inventory) -> _Analysis:
    """Match every dependency once per scan; the five rules share the result."""
    global _last
    if not inventory.manifests:  # nothing to check: do not even load the database code
        return _Analysis(in_scope=[], db_path=Path())
    from faasguard.supply.advisories import default_db_path

    db_path = default_db_path()
    stamp = (str(db_path), _mtime(db_path))
    if _last is not None and _last[0] is inventory and _last[1] == stamp:
        return _last[2]
    result = _analyse(inventory, db_path)
    _last = (inventory, stamp, result)
    return result


def _import_matching(manifests: Sequence[Manifest]) -> None:
    """The advisory database code, imported ahead when there are dependencies to match."""
    if any(m.dependencies for m in manifests):
        from faasguard.supply.advisories import AdvisoryDB, match  # noqa: F401


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _analyse(inventory: Inventory, db_path: Path) -> _Analysis:
    result = _Analysis(in_scope=_dependencies_in_scope(inventory), db_path=db_path)
    if not result.in_scope:
        return result
    from faasguard.supply.advisories import AdvisoryDB, DatabaseError

    try:
        db = AdvisoryDB(db_path)
    except DatabaseError as exc:
        result.db_problem = str(exc)
        return result
    with db:
        result.info = db.info
        try:
            for manifest, deps in result.in_scope:
                for dep in deps:
                    _check(db, manifest, dep, result)
        except DatabaseError as exc:  # damaged mid-scan: what was matched is no longer trusted
            result.db_problem, result.info = str(exc), None
            result.hits.clear()
            result.unchecked.clear()
    return result


def _check(db: AdvisoryDB, manifest: Manifest, dep: Dependency, result: _Analysis) -> None:
    from faasguard.supply.advisories import SUPPORTED_ECOSYSTEMS as SUPPORTED
    from faasguard.supply.advisories import match

    unchecked = result.unchecked.setdefault(manifest.path, [])
    if dep.source in (DependencySource.URL, DependencySource.VCS):
        unchecked.append((dep, f"installed from a {dep.source.value} reference"))
        return
    if dep.ecosystem in SUPPORTED and dep.ecosystem not in db.info.by_ecosystem:
        unchecked.append((dep, f"the advisory database holds no {dep.ecosystem} advisories"))
        return
    found = match(db, dep.ecosystem, dep.name, dep.version)
    result.hits.extend(_Hit(manifest, dep, v) for v in found.vulnerabilities)
    if found.unchecked is not None:
        reason = found.unchecked
        if dep.version is None and dep.specifier:
            reason += f" ({dep.specifier!r}) and no lock file"
        elif dep.version is None:
            reason += " and no lock file"
        unchecked.append((dep, reason))


def _dependencies_in_scope(inventory: Inventory) -> list[tuple[Manifest, list[Dependency]]]:
    """Manifests to check with their distinct dependencies. Local path packages (the project's
    own code) are left out, and so are development-only dependencies without an exact version:
    they are not deployed, and nothing tells which version a build used."""
    if not inventory.manifests:
        return []
    from faasguard.supply.advisories import normalize_name

    covered = _covered_by_locks(inventory.manifests)
    out: list[tuple[Manifest, list[Dependency]]] = []
    for manifest in inventory.manifests:
        if not manifest.lock and manifest.path in covered:
            continue
        seen: set[tuple[str, str, str | None]] = set()
        deps: list[Dependency] = []
        for dep in manifest.dependencies:
            key = (dep.ecosystem, normalize_name(dep.ecosystem, dep.name), dep.version)
            if dep.source is DependencySource.PATH or (dep.dev and not dep.version) or key in seen:
                continue
            seen.add(key)
            deps.append(dep)
        if deps:
            out.append((manifest, deps))
    return out


def _covered_by_locks(manifests: Sequence[Manifest]) -> set[str]:
    covered = {m.lock_for for m in manifests if m.lock and m.lock_for}
    for lock in (m for m in manifests if m.lock and not m.lock_for):
        folder = PurePosixPath(lock.path).parent
        covered |= {
            m.path
            for m in manifests
            if not m.lock
            and m.ecosystem == lock.ecosystem
            and PurePosixPath(m.path).parent == folder
        }
    return covered


def _functions(inventory: Inventory, manifests: Sequence[Manifest]) -> list[Function] | None:
    """The functions the manifests are tied to, in inventory order."""
    index = _function_order(inventory)
    ids = {fid for m in manifests for fid in m.functions if fid in index}
    return [index[fid][1] for fid in sorted(ids, key=lambda fid: index[fid][0])] or None


@per_inventory
def _function_order(inventory: Inventory) -> dict[str, tuple[int, Function]]:
    return {fn.id: (i, fn) for i, fn in enumerate(inventory.functions)}


_DOC_REFS = (
    "https://ossf.github.io/osv-schema/",
    "https://osv.dev/",
    "https://owasp.org/Top10/A06_2021-Vulnerable_and_Outdated_Components/",
)


@rule(
    "FG701",
    "Dependency with a known vulnerability",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A dependency (from a lock file at its locked version, or an exact `==` pin) whose "
        "version is inside an affected range of an advisory in the local OSV database. "
        "Advisories that describe the same vulnerability (GHSA, CVE, PYSEC aliases) are one "
        "finding listing every id. Severity comes from the CVSS v3 base score when the "
        "advisory has a vector, else from the database's own rating, else medium; a "
        "development-only dependency is at most low.",
        why="A function ships its dependencies: a vulnerable parser, template engine or HTTP "
        "client is reachable by whoever can send the function an event.",
        fix={
            "all": "Upgrade to the fixed version the message names (regenerate the lock file) "
            "and redeploy. If no fix exists, remove the package or suppress the finding "
            "with a reason after checking the vulnerable code is not reachable.",
        },
        example="jinja2 2.10 is affected by GHSA-462w-v97r-4m45 (CVE-2019-10906, "
        "PYSEC-2019-217): ...; fixed in 2.10.1",
        references=_DOC_REFS,
    ),
    cwe=1395,
    prepare=_import_matching,
)
def vulnerable_dependency(inventory: Inventory) -> Iterator[Finding]:
    analysis = analyse(inventory)
    for hit in analysis.hits:
        if not hit.vulnerability.malicious:
            yield _hit_finding(vulnerable_dependency, inventory, hit)


@rule(
    "FG702",
    "Known malicious package",
    Severity.CRITICAL,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A dependency named by a malicious-package advisory (OSV `MAL-` ids, the OpenSSF "
        "malicious-packages data, GitHub malware advisories with CWE-506). A package that "
        "is malicious in every version is reported even when its version is not pinned.",
        why="Malicious packages run their payload at install or import time: in a function "
        "they read its environment (credentials, secrets) and act with its role.",
        fix={
            "all": "Remove the package, rebuild and redeploy the function from a clean "
            "environment, and rotate every credential the function or the build could "
            "reach.",
        },
        references=("https://github.com/ossf/malicious-packages", *_DOC_REFS[:2]),
    ),
    cwe=506,
)
def malicious_dependency(inventory: Inventory) -> Iterator[Finding]:
    analysis = analyse(inventory)
    for hit in analysis.hits:
        if hit.vulnerability.malicious:
            yield _hit_finding(malicious_dependency, inventory, hit)


def _hit_finding(rule_: Rule, inventory: Inventory, hit: _Hit) -> Finding:
    from faasguard.supply.advisories import normalize_name

    dep, vuln = hit.dependency, hit.vulnerability
    version = dep.version or "(any version)"
    ids = vuln.primary + (f" ({', '.join(vuln.aliases)})" if vuln.aliases else "")
    summary = f": {vuln.summary}" if vuln.summary else ""
    if vuln.malicious:
        message = f"{dep.name} {version} is a known malicious package {ids}{summary}; remove it"
        severity = Severity.CRITICAL
    else:
        fixed = f"fixed in {' or '.join(vuln.fixed)}" if vuln.fixed else "no fixed version known"
        message = f"{dep.name} {version} is affected by {ids}{summary}; {fixed}"
        severity = _SEVERITY.get(vuln.severity, Severity.MEDIUM)
        if dep.dev:
            message += " (development dependency)"
            severity = min(severity, Severity.LOW)
    evidence: dict[str, Any] = {
        "package": dep.name,
        "version": dep.version,
        "ecosystem": dep.ecosystem,
        "advisories": list(vuln.ids),
        "aliases": list(vuln.aliases),
        "fixed_versions": list(vuln.fixed),
        "manifest": hit.manifest.path,
        "direct": dep.direct,
        "dev": dep.dev,
    }
    if vuln.vector:
        evidence["cvss"] = {"vector": vuln.vector, "score": vuln.score}
    name = normalize_name(dep.ecosystem, dep.name)
    finding = rule_.finding(
        message,
        dep.location,
        functions=_functions(inventory, [hit.manifest]),
        evidence=evidence,
        key=f"{hit.manifest.path}|{name}|{dep.version}|{vuln.primary}",
        severity=severity,
    )
    return dataclasses.replace(finding, extra_tags=vuln.ids)


@rule(
    "FG703",
    "Dependencies not checked for advisories",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="Dependencies of a manifest that could not be matched against the advisory "
        "database: no exact version and no lock file to give one, a version that does not "
        "parse (PEP 440 for PyPI, semver for npm) where the advisory has no explicit "
        "version list to compare with, a package installed from a URL or VCS reference, or "
        "an ecosystem faasguard cannot match. One finding per manifest lists them all. "
        "`faasguard scan` exits non-zero on it unless `--allow-unchecked`.",
        why="A dependency nobody checked is not a clean one: tools that skip what they cannot "
        "check and report 'no known vulnerabilities' hide exactly these packages.",
        fix={
            "python": "Ship a lock file (poetry.lock, uv.lock, Pipfile.lock, pylock.toml) or pin "
            "exact versions (`pip-compile --generate-hashes`, `pip freeze`).",
            "npm": "Commit package-lock.json, yarn.lock or pnpm-lock.yaml next to package.json.",
            "all": "If the list is expected, pass --allow-unchecked.",
        },
        references=_DOC_REFS[:2],
    ),
    cwe=1395,
)
def unchecked_dependencies(inventory: Inventory) -> Iterator[Finding]:
    analysis = analyse(inventory)
    if analysis.db_problem is not None:
        return  # FG704 says why nothing was checked
    for manifest, _ in analysis.in_scope:
        items = analysis.unchecked.get(manifest.path) or []
        if not items:
            continue
        shown = [_unchecked_text(dep, reason) for dep, reason in items[:_LISTED]]
        more = f", and {len(items) - _LISTED} more" if len(items) > _LISTED else ""
        yield unchecked_dependencies.finding(
            f"{len(items)} dependenc{'y' if len(items) == 1 else 'ies'} in {manifest.path} "
            f"could not be checked for advisories: {'; '.join(shown)}{more}",
            manifest.location,
            functions=_functions(inventory, [manifest]),
            evidence={
                "manifest": manifest.path,
                "unchecked": [
                    {"package": d.name, "version": d.version, "ecosystem": d.ecosystem, "reason": r}
                    for d, r in items
                ],
            },
            key=manifest.path,
        )


def _unchecked_text(dep: Dependency, reason: str) -> str:
    return f"{dep.name}{' ' + dep.version if dep.version else ''} ({reason})"


@rule(
    "FG704",
    "No usable advisory database",
    Severity.HIGH,
    Category.SUPPLY_CHAIN,
    Docs(
        what="The project has dependencies but there is no local advisory database to check "
        "them against (or it cannot be read). The database lives at `$FAASGUARD_DB`, else "
        "`$XDG_CACHE_HOME/faasguard/advisories.sqlite` (~/.cache). `faasguard scan` exits "
        "non-zero on it unless `--allow-unchecked`.",
        why="Scans run offline: without the database no dependency was checked, and a report "
        "without vulnerabilities would falsely read as clean.",
        fix={
            "all": "Load OSV data once, then refresh it regularly: `faasguard db update --from "
            "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip --from "
            "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip` (or a downloaded "
            "zip / a directory of OSV files on a closed network).",
        },
        references=_DOC_REFS[:2],
    ),
    cwe=1395,
)
def no_advisory_database(inventory: Inventory) -> Iterator[Finding]:
    analysis = analyse(inventory)
    if analysis.db_problem is None:
        return
    manifests = [m for m, _ in analysis.in_scope]
    count = sum(len(deps) for _, deps in analysis.in_scope)
    if "no advisory database" in analysis.db_problem:
        why = f"no advisory database at {analysis.db_path}"
    else:
        why = analysis.db_problem
    yield no_advisory_database.finding(
        f"{why}: {count} dependenc{'y' if count == 1 else 'ies'} in {len(manifests)} "
        "manifest(s) were not checked for "
        f"known vulnerabilities; {_UPDATE_HINT}",
        manifests[0].location,
        functions=_functions(inventory, manifests),
        evidence={"database": str(analysis.db_path), "manifests": [m.path for m in manifests]},
        key="advisory-database",
    )


@rule(
    "FG705",
    "Advisory database is out of date",
    Severity.LOW,
    Category.SUPPLY_CHAIN,
    Docs(
        what="The local advisory database was imported longer ago than the allowed age "
        "(`FAASGUARD_DB_MAX_AGE_DAYS`, default 7 days). Dependencies were checked, but "
        "against old data.",
        why="New advisories are published every day; a stale database misses the newest "
        "vulnerabilities and malicious packages.",
        fix={"all": "Refresh it: `faasguard db update --from <OSV export>`."},
        references=_DOC_REFS[:2],
    ),
    advice=True,
)
def stale_advisory_database(inventory: Inventory) -> Iterator[Finding]:
    analysis = analyse(inventory)
    if analysis.info is None:
        return
    from faasguard.supply.advisories import max_age_days

    location = analysis.in_scope[0][0].location
    try:
        allowed = max_age_days()
    except ValueError as exc:
        yield stale_advisory_database.finding(str(exc), location, key="max-age")
        return
    age = analysis.info.age_days(dt.datetime.now(dt.UTC))
    if age <= allowed:
        return
    yield stale_advisory_database.finding(
        f"advisory database {analysis.db_path} was imported {age:.0f} days ago "
        f"({analysis.info.imported_at:%Y-%m-%d}; newest advisory modified "
        f"{analysis.info.newest_modified[:10] or 'unknown'}), more than {allowed:g} days; "
        f"{_UPDATE_HINT}",
        location,
        evidence={
            "database": str(analysis.db_path),
            "imported_at": analysis.info.imported_at.isoformat(),
            "age_days": round(age, 1),
            "max_age_days": allowed,
        },
        key="advisory-database-age",
    )

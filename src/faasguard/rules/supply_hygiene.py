"""FG71x: dependency hygiene — pinning, hash checking, URL/VCS sources, typosquats, lock drift.

Development-only dependencies (``devDependencies``, Poetry/uv dev groups, PEP 735 groups,
``develop`` in Pipfile.lock, requirements files named ``*dev*``/``*test*``/``*lint*``/``*docs*``)
are not deployed with a function: pinning and source rules skip them; a typosquat among them is
still reported (it runs on developer machines and in CI) one level lower.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from faasguard._memo import per_inventory
from faasguard.model import (
    Category,
    Dependency,
    DependencySource,
    Finding,
    Function,
    Inventory,
    Location,
    Manifest,
    Severity,
)
from faasguard.rules._registry import Docs, Rule, rule
from faasguard.supply._common import canonical_name

_NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
_PY_LOCKS = ("poetry.lock", "uv.lock", "pylock.toml")
_COMMIT = re.compile(r"(?:^|[@#/=])([0-9a-f]{40}|[0-9a-f]{64})(?:$|[&#?])", re.IGNORECASE)


@per_inventory  # six rules ask
def _owners(inventory: Inventory) -> dict[str, Function]:
    return {fn.id: fn for fn in inventory.functions}


def _functions(manifests: Iterable[Manifest], owners: dict[str, Function]) -> list[Function]:
    seen: dict[str, Function] = {}
    for m in manifests:
        for fid in m.functions:
            if fid in owners:
                seen.setdefault(fid, owners[fid])
    return list(seen.values())


def _canonical(dep: Dependency) -> str:
    return canonical_name(dep.name, dep.ecosystem)


def _by_place(
    pairs: Iterable[tuple[Manifest, Dependency]],
) -> Iterator[tuple[Dependency, list[Manifest]]]:
    """Each written dependency once, with every manifest that reaches it (a -r include is read by
    each file that includes it)."""
    groups: dict[tuple[Location, str], tuple[Dependency, list[Manifest]]] = {}
    for manifest, dep in pairs:
        key = (dep.location, _canonical(dep))
        if key in groups:
            groups[key][1].append(manifest)
        else:
            groups[key] = (dep, [manifest])
    yield from groups.values()


def _flagged(
    inventory: Inventory, wanted: Callable[[Manifest, Dependency], bool]
) -> Iterator[tuple[Dependency, list[Manifest]]]:
    """The written dependencies ``wanted`` selects, each once with the manifests reaching it."""
    return _by_place((m, d) for m in inventory.manifests for d in m.dependencies if wanted(m, d))


def _finding(
    this: Rule,
    message: str,
    dep: Dependency,
    manifests: list[Manifest],
    owners: dict[str, Function],
    *,
    severity: Severity | None = None,
    evidence: dict[str, object] | None = None,
) -> Finding:
    functions = _functions(manifests, owners)
    return this.finding(
        message,
        dep.location,
        functions=functions or None,
        evidence={
            "package": dep.name,
            "ecosystem": dep.ecosystem,
            "version": dep.version,
            "specifier": dep.specifier,
            "manifest": manifests[0].path,
            **(evidence or {}),
        },
        key=f"{_canonical(dep)}|{dep.specifier}",
        severity=severity,
    )


def _siblings(inventory: Inventory) -> set[str]:
    return {m.path for m in inventory.manifests}


def _has_lock(manifest: Manifest, paths: set[str]) -> bool:
    directory = posixpath.dirname(manifest.path)
    names = _NPM_LOCKS if manifest.ecosystem == "npm" else _PY_LOCKS
    return any(posixpath.join(directory, name) in paths for name in names)


def _compiled_elsewhere(manifest: Manifest, paths: set[str]) -> bool:
    """A pip-tools input (requirements.in) whose compiled requirements.txt sits next to it."""
    return manifest.path.endswith(".in") and manifest.path[:-3] + ".txt" in paths


# -- FG710 ---------------------------------------------------------------------------------------


@rule(
    "FG710",
    "Dependency version is not pinned",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A dependency deployed with a function whose version is a range (`>=2.0`, `^4.1.0`, "
        "`~1.2`, `*`, `latest`) or not given at all, in a requirements file, or in a "
        "pyproject.toml / package.json that has no lock file next to it. Development-only "
        "dependencies are not reported. Medium when the manifest is tied to a function, low "
        "when no function in the scan ships it.",
        why="Each build installs whatever release is newest at that moment: a compromised or "
        "hijacked release (event-stream, ua-parser-js, ctx) reaches production on the next "
        "deploy with nobody reviewing it, and two deploys of the same commit run different code.",
        fix={
            "requirements": "Pin exact versions (`requests==2.32.3`), ideally compiled with "
            "hashes: `pip-compile --generate-hashes requirements.in` or `uv pip compile "
            "--generate-hashes`.",
            "pyproject": "Commit a lock file (`poetry lock`, `uv lock`, `pdm lock`) and deploy "
            "from it (`poetry export`, `uv export --frozen`).",
            "npm": "Commit package-lock.json / yarn.lock / pnpm-lock.yaml and install with "
            "`npm ci` / `yarn install --immutable` / `pnpm install --frozen-lockfile`.",
        },
        example="# requirements.txt\nrequests>=2.0\nboto3",
        references=(
            "https://pip.pypa.io/en/stable/topics/repeatable-installs/",
            "https://docs.npmjs.com/cli/commands/npm-ci",
            "https://cwe.mitre.org/data/definitions/1357.html",
        ),
    ),
    cwe=1357,
)
def unpinned(inventory: Inventory) -> Iterator[Finding]:
    owners, paths = _owners(inventory), _siblings(inventory)
    pinned_elsewhere = {
        m.path
        for m in inventory.manifests
        if m.lock
        or _compiled_elsewhere(m, paths)
        or (m.kind != "requirements" and _has_lock(m, paths))
    }

    def wanted(m: Manifest, dep: Dependency) -> bool:
        return (
            m.path not in pinned_elsewhere
            and dep.source is DependencySource.REGISTRY
            and dep.version is None
            and not dep.dev
        )

    for dep, manifests in _flagged(inventory, wanted):
        written = dep.specifier or "no version"
        tied = any(m.functions for m in manifests)
        yield _finding(
            unpinned,
            f"{dep.name} is not pinned ({written}) in {manifests[0].path}",
            dep,
            manifests,
            owners,
            severity=None if tied else Severity.LOW,
        )


# -- FG711 ---------------------------------------------------------------------------------------


@rule(
    "FG711",
    "Dependency without a hash where the project checks hashes",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="In a requirements file that opted into hash checking (`--require-hashes`, or "
        "`--hash` on some lines), a dependency without `--hash` or not pinned with `==`; in a "
        "lock file that records hashes (Pipfile.lock, poetry.lock, uv.lock, pylock.toml, npm "
        "`integrity`), a registry package without one.",
        why="Hash checking is what makes a tampered archive (a compromised mirror, a "
        "re-uploaded release, a man in the middle on a private index) fail the install. One "
        "package without a hash is a gap an attacker only needs once; pip also refuses the "
        "whole file in hash-checking mode, so builds end up run without the check.",
        fix={
            "requirements": "Regenerate the file with hashes for every package: `pip-compile "
            "--generate-hashes`, `uv pip compile --generate-hashes`, or `pip hash FILE` for one "
            "archive (`pkg==1.2.3 --hash=sha256:...`).",
            "lock files": "Re-lock (`poetry lock`, `uv lock`, `pipenv lock`, `npm install "
            "--package-lock-only`) so every entry gets its hash.",
        },
        example="--require-hashes\nrequests==2.32.3 --hash=sha256:70761c...\nurllib3==2.2.2",
        references=(
            "https://pip.pypa.io/en/stable/topics/secure-installs/",
            "https://cwe.mitre.org/data/definitions/494.html",
        ),
    ),
    cwe=494,
)
def missing_hash(inventory: Inventory) -> Iterator[Finding]:
    owners = _owners(inventory)
    checked = {
        m.path
        for m in inventory.manifests
        if m.hash_checking or (m.lock and any(d.hashes for d in m.dependencies))
    }

    def wanted(m: Manifest, dep: Dependency) -> bool:
        if m.path not in checked or dep.source is not DependencySource.REGISTRY or dep.dev:
            return False
        return not dep.hashes or (m.kind == "requirements" and dep.version is None)

    for dep, manifests in _flagged(inventory, wanted):
        why = "no hash" if not dep.hashes else f"not pinned with == ({dep.specifier or 'any'})"
        yield _finding(
            missing_hash,
            f"{dep.name} has {why} in hash-checked {manifests[0].path}",
            dep,
            manifests,
            owners,
        )


# -- FG712 ---------------------------------------------------------------------------------------


@rule(
    "FG712",
    "Dependency installed from a URL or a VCS repository",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A deployed dependency fetched from a direct archive URL or a git/hg/svn "
        "repository instead of the package registry. High when a VCS reference is a branch, "
        "a tag or absent (not a full commit id), or when the URL is plain http://.",
        why="These packages bypass the registry's immutability and the advisory databases "
        "(no name/version to match), and a branch or tag can be moved to new code by whoever "
        "controls the repository: the next build deploys it unreviewed. An http:// URL can be "
        "replaced in transit.",
        fix={
            "requirements": "Publish the package to a (private) index and pin it, or at least "
            "pin the full commit: `pkg @ git+https://github.com/org/pkg@<40-hex-sha>` and add "
            "`--hash` for archives.",
            "npm": 'Use a registry version, or pin the commit: "pkg": '
            '"github:org/pkg#<40-hex-sha>"; keep the lock file (it records the resolved commit).',
            "poetry": 'Use `rev = "<sha>"` rather than `branch`/`tag`, and commit poetry.lock.',
        },
        example="git+https://github.com/acme/payments-sdk@main#egg=payments-sdk",
        references=(
            "https://pip.pypa.io/en/stable/topics/vcs-support/",
            "https://docs.npmjs.com/cli/configuring-npm/package-json#git-urls-as-dependencies",
            "https://cwe.mitre.org/data/definitions/829.html",
        ),
    ),
    cwe=829,
)
def url_or_vcs(inventory: Inventory) -> Iterator[Finding]:
    owners = _owners(inventory)
    remote = (DependencySource.URL, DependencySource.VCS)
    for dep, manifests in _flagged(inventory, lambda _, d: d.source in remote and not d.dev):
        target = dep.url or dep.specifier
        if dep.source is DependencySource.VCS:
            pinned = bool(_COMMIT.search(target))
            what = "a pinned commit" if pinned else "a moving reference (branch, tag or none)"
            message = f"{dep.name} is installed from a VCS repository at {what}: {target}"
            severity = None if pinned else Severity.HIGH
        else:
            insecure = target.lower().startswith("http://")
            message = f"{dep.name} is installed from a URL{' over plain http' if insecure else ''}"
            message += f": {target}"
            severity = Severity.HIGH if insecure else None
        yield _finding(
            url_or_vcs,
            message,
            dep,
            manifests,
            owners,
            severity=severity,
            evidence={"source": str(dep.source), "url": target},
        )


# -- FG713 ---------------------------------------------------------------------------------------


def _check_names(manifests: Sequence[Manifest]) -> None:
    """Every registry dependency's verdict, ahead (check() keeps them)."""
    from faasguard.supply._typosquat import check

    for manifest in manifests:
        for dep in manifest.dependencies:
            if dep.source is not DependencySource.PATH:
                check(dep.name, dep.ecosystem)


@rule(
    "FG713",
    "Dependency name looks like a typosquat of a popular package",
    Severity.HIGH,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A dependency whose name imitates one of the most-downloaded PyPI or npm packages: "
        "one edit away, keeping the first letter (two for names of 10+ letters; `reqeusts`, "
        "`loadsh`), look-alike characters "
        "(`jeIlyfish`, `rn` for `m`, `0` for `o`), separators changed (`pythondateutil`, "
        "`crossenv`), a prefix or suffix added or swapped (`python3-dateutil`, `node-lodash`, "
        "`lodash.js`), or a fork-like word appended (`discord.js-selfbot`). Names in the shipped "
        "list (faasguard/data/top_packages.json: ~15,000 PyPI and 30,000 npm names, with its "
        "source and date) are never reported. Medium for development-only dependencies.",
        why="Typosquatted packages are the most common kind of malicious package on PyPI and "
        "npm; they usually steal credentials at install or import time — in a function, the "
        "execution role's keys and every secret in its environment.",
        fix={
            "all": "Check the name on the registry (owner, age, downloads, repository). If it "
            "is a typo, fix the name, rotate any credentials of machines that installed it, and "
            "rebuild the lock file. If the package is genuine, suppress with a reason: "
            "`# faasguard: ignore[FG713] internal fork of requests`.",
        },
        example="reqeusts==2.28.1",
        references=(
            "https://blog.phylum.io/typosquatting/",
            "https://github.com/ossf/malicious-packages",
            "https://cwe.mitre.org/data/definitions/1357.html",
        ),
    ),
    cwe=1357,
    prepare=_check_names,
)
def typosquat(inventory: Inventory) -> Iterator[Finding]:
    from faasguard.supply._typosquat import check

    owners = _owners(inventory)

    def wanted(_: Manifest, d: Dependency) -> bool:
        return d.source is not DependencySource.PATH and check(d.name, d.ecosystem) is not None

    for dep, manifests in _flagged(inventory, wanted):
        suspicion = check(dep.name, dep.ecosystem)
        assert suspicion is not None
        yield _finding(
            typosquat,
            f"{dep.name} looks like a typosquat of {suspicion.target} ({suspicion.detail})",
            dep,
            manifests,
            owners,
            severity=Severity.MEDIUM if dep.dev else None,
            evidence={"imitates": suspicion.target, "technique": suspicion.technique},
        )


# -- FG714 ---------------------------------------------------------------------------------------


@rule(
    "FG714",
    "Lock file is out of sync with its manifest",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A dependency declared in pyproject.toml or package.json that the lock file next "
        "to it (poetry.lock, uv.lock, pylock.toml, package-lock.json, yarn.lock, "
        "pnpm-lock.yaml) does not contain, or whose pinned version (or, for PyPI, whose range) "
        "the locked version does not satisfy.",
        why="A stale lock file means the deployed set is not the reviewed one: `npm ci` and "
        "`uv sync --frozen` fail, so builds fall back to `npm install` / an unlocked resolve "
        "that pulls whatever is newest; advisory scans of the lock file miss what is really "
        "installed.",
        fix={
            "pyproject": "Run `poetry lock` / `uv lock` and commit the result; check in CI with "
            "`poetry check --lock` or `uv lock --check`.",
            "npm": "Run `npm install` (or yarn/pnpm install) and commit the lock file; CI uses "
            "`npm ci`, which fails on a stale lock.",
        },
        example='package.json: "axios": "1.7.2"   package-lock.json: axios 1.6.0',
        references=(
            "https://docs.npmjs.com/cli/configuring-npm/package-lock-json",
            "https://docs.astral.sh/uv/concepts/projects/sync/",
            "https://cwe.mitre.org/data/definitions/1357.html",
        ),
    ),
    cwe=1357,
)
def lock_drift(inventory: Inventory) -> Iterator[Finding]:
    owners = _owners(inventory)
    by_path = {m.path: m for m in inventory.manifests}
    for lock in inventory.manifests:
        manifest = by_path.get(lock.lock_for or "")
        if not lock.lock or manifest is None:
            continue
        locked: dict[str, set[str]] = {}
        for dep in lock.dependencies:
            locked.setdefault(_canonical(dep), set()).add(dep.version or "")
        for dep in manifest.dependencies:
            problem = _drift(dep, locked)
            if problem is None:
                continue
            yield _finding(
                lock_drift,
                f"{dep.name} {problem} {lock.path}",
                dep,
                [manifest, lock],
                owners,
                evidence={
                    "lock_file": lock.path,
                    "locked": sorted(locked.get(_canonical(dep), ())),
                },
            )


def _drift(dep: Dependency, locked: dict[str, set[str]]) -> str | None:
    if dep.source is DependencySource.PATH or dep.optional or dep.marker:
        return None  # local packages, extras and platform-specific ones may rightly be absent
    versions = locked.get(_canonical(dep))
    if versions is None:
        return "is declared but missing from"
    if dep.source is not DependencySource.REGISTRY or not any(versions):
        return None
    if dep.version is not None:
        return None if dep.version in versions else f"is pinned to {dep.version}, not what is in"
    if dep.ecosystem == "PyPI" and dep.specifier:
        return _outside_range(dep.specifier, versions)
    return None


def _outside_range(specifier: str, versions: set[str]) -> str | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        allowed = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None  # a Poetry caret/tilde range; only exact pins are compared
    if any(v and allowed.contains(v, prereleases=True) for v in versions):
        return None
    return f"requires {specifier} but {', '.join(sorted(versions))} is locked in"


# -- FG715 ---------------------------------------------------------------------------------------


@rule(
    "FG715",
    "Extra package index allows dependency confusion",
    Severity.MEDIUM,
    Category.SUPPLY_CHAIN,
    Docs(
        what="A requirements file that adds a package index with `--extra-index-url` (usually "
        "a private index for internal packages) next to the default one.",
        why="pip treats every index as equal and installs the highest version it finds on any "
        "of them: anyone can publish an internal package's name on PyPI with a higher version "
        "and it is installed instead (dependency confusion, as in the 2021 attacks on Apple, "
        "Microsoft and PayPal and the torchtriton compromise of PyTorch nightly).",
        fix={
            "requirements": "Serve everything from one index that proxies PyPI and hosts the "
            "internal packages (`--index-url` only, e.g. CodeArtifact, Artifactory, devpi), or "
            "pin internal packages with `--hash` / a direct URL; with uv, use explicit index "
            'pinning (`[tool.uv.sources]`, `index-strategy = "first-index"`).',
        },
        example="--extra-index-url https://pypi.internal.example.com/simple\nacme-billing==3.2.0",
        references=(
            "https://pip.pypa.io/en/stable/cli/pip_install/#finding-packages",
            "https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610",
            "https://cwe.mitre.org/data/definitions/427.html",
        ),
    ),
    cwe=427,
)
def extra_index(inventory: Inventory) -> Iterator[Finding]:
    owners = _owners(inventory)
    seen: dict[tuple[str, Location], list[Manifest]] = {}
    for m in inventory.manifests:
        for url, where in m.extra_indexes:
            seen.setdefault((url, where), []).append(m)
    for (url, where), manifests in seen.items():
        functions = _functions(manifests, owners)
        yield extra_index.finding(
            f"{manifests[0].path} adds the package index {url} next to the default one",
            where,
            functions=functions or None,
            evidence={"index": url, "manifest": manifests[0].path},
            key=url,
        )

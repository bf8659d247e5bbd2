"""Python manifests and lock files: pyproject.toml, poetry.lock, Pipfile.lock, uv.lock, pylock."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from faasguard.model import Dependency, DependencySource, Location, Manifest
from faasguard.supply._common import (
    PYPI,
    LineFinder,
    ManifestError,
    dev_only,
    text_of,
)
from faasguard.supply._requirements import Origin, parse_pep508
from faasguard.supply._requirements import pypi_dependency as _locked

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_POETRY_EXACT = re.compile(r"^(==)?\s*v?\d+(\.\d+)*([a-zA-Z0-9.+-]*)$")
_DEV_GROUPS = re.compile(r"dev|test|lint|doc|typing|ci", re.IGNORECASE)


def _toml_parser() -> Any:
    """tomli's compiled wheels parse lock files ~4x faster than the stdlib's pure-Python
    tomllib (the same parser); tomllib when tomli is not installed."""
    try:
        import tomli

        return tomli
    except ImportError:  # pragma: no cover - tomli is a declared dependency
        return tomllib


def _toml(path: Path, rel: str) -> tuple[str, dict[str, Any]]:
    text = text_of(_read(path, rel), rel)
    parser = _toml_parser()
    try:
        return text, parser.loads(text)
    except parser.TOMLDecodeError as exc:
        pos = _TOML_POSITION.search(str(exc))
        line, column = (int(pos.group(1)), int(pos.group(2))) if pos else (1, 1)
        if "(at end of document)" in str(exc):
            line = max(len(text.splitlines()), 1)
        message = _TOML_POSITION.sub("", str(exc)).replace("(at end of document)", "").strip()
        message += " (at end of document)" if "(at end of document)" in str(exc) else ""
        raise ManifestError(f"invalid TOML: {message}", line, column) from None


def _read(path: Path, rel: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read {rel}: {exc.strerror}") from None


def _table(value: Any, what: str, finder: LineFinder) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ManifestError(f"{what} must be a table", finder.find(what.split(".")[-1]).line)
    return value


def _list(value: Any, what: str, finder: LineFinder) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ManifestError(f"{what} must be an array", finder.find(what.split(".")[-1]).line)
    return value


def _pep508_all(
    items: Iterable[Any],
    what: str,
    finder: LineFinder,
    *,
    dev: bool = False,
    optional: bool = False,
) -> Iterator[Dependency]:
    for item in items:
        if isinstance(item, dict) and "include-group" in item:
            continue  # PEP 735 group inclusion: the included group is read on its own
        if not isinstance(item, str):
            raise ManifestError(f"{what}: {item!r} is not a requirement string")
        where = finder.find(f'"{item}"')
        try:
            dep = parse_pep508(item, where, dev)
        except ManifestError as exc:
            raise ManifestError(f"{what}: {exc.message}", where.line, where.column) from None
        yield _with(dep, optional=optional)


def _with(dep: Dependency, **changes: Any) -> Dependency:
    from dataclasses import replace

    return replace(dep, **changes) if any(getattr(dep, k) != v for k, v in changes.items()) else dep


def _entry_of(pkg: dict[str, Any], finder: LineFinder) -> tuple[str, Location, str | None]:
    """Name, line and version of a ``[[package]]`` table (the finder moves on past it)."""
    name = pkg["name"]
    return name, finder.find(f'name = "{name}"'), str(pkg["version"]) if "version" in pkg else None


def _lock_manifest(
    rel: str, kind: str, deps: list[Dependency], *, hash_checking: bool | None = None
) -> Manifest:
    """A Python lock file; it checks hashes when it says so, else when it records any."""
    checked = any(d.hashes for d in deps) if hash_checking is None else hash_checking
    return Manifest(rel, kind, PYPI, Location(rel), tuple(deps), lock=True, hash_checking=checked)


# -- pyproject.toml ------------------------------------------------------------------------------


def read_pyproject(path: Path, rel: str) -> Manifest:
    text, data = _toml(path, rel)
    finder = LineFinder(text, rel)
    project = _table(data.get("project"), "project", finder)
    deps = list(
        _pep508_all(
            _list(project.get("dependencies"), "project.dependencies", finder),
            "project.dependencies",
            finder,
        )
    )
    extras = _table(project.get("optional-dependencies"), "project.optional-dependencies", finder)
    for extra, items in extras.items():
        what = f"project.optional-dependencies.{extra}"
        deps += _pep508_all(_list(items, what, finder), what, finder, optional=True)
    groups = _table(data.get("dependency-groups"), "dependency-groups", finder)
    for group, items in groups.items():
        what = f"dependency-groups.{group}"
        deps += _pep508_all(_list(items, what, finder), what, finder, dev=True)
    poetry = _table(_table(data.get("tool"), "tool", finder).get("poetry"), "tool.poetry", finder)
    deps += _poetry_dependencies(poetry, finder)
    return Manifest(rel, "pyproject", PYPI, Location(rel), tuple(deps))


def dynamic_dependencies(path: Path, rel: str) -> bool:
    """Whether a pyproject.toml leaves its dependencies to the build backend (PEP 621
    ``dynamic``): they are then in no file faasguard reads unless a lock file lists them."""
    _, data = _toml(path, rel)
    project = data.get("project")
    dynamic = project.get("dynamic") if isinstance(project, dict) else None
    return isinstance(dynamic, list) and "dependencies" in dynamic


def _poetry_dependencies(poetry: dict[str, Any], finder: LineFinder) -> Iterator[Dependency]:
    sections: list[tuple[str, Any, bool]] = [
        ("tool.poetry.dependencies", poetry.get("dependencies"), False),
        ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"), True),
    ]
    for group, body in _table(poetry.get("group"), "tool.poetry.group", finder).items():
        body = _table(body, f"tool.poetry.group.{group}", finder)
        sections.append(
            (f"tool.poetry.group.{group}.dependencies", body.get("dependencies"), group != "main")
        )
    for what, table, dev in sections:
        for name, spec in _table(table, what, finder).items():
            if name.lower() == "python":
                continue
            where = finder.find(f"{name} =")
            for one in spec if isinstance(spec, list) else [spec]:
                yield _poetry_dependency(name, one, where, dev, what)


def _poetry_dependency(name: str, spec: Any, where: Location, dev: bool, what: str) -> Dependency:
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict):
        raise ManifestError(f"{what}.{name}: {spec!r} is not a version or a table", where.line)
    ref = spec.get("rev") or spec.get("tag") or spec.get("branch")
    version_text = str(spec.get("version", "")).strip()
    source, url, written = _table_origin(spec, "url", version_text, ref)
    version = None
    if source is DependencySource.REGISTRY and _POETRY_EXACT.match(written):
        version = written.removeprefix("==").strip().lstrip("v")
    markers = spec.get("markers", "")
    return Dependency(
        name=name,
        ecosystem=PYPI,
        location=where,
        version=version,
        specifier=written if written != "*" else "",
        direct=True,
        source=source,
        url=url,
        extras=tuple(spec.get("extras", ()) or ()),
        marker=markers if isinstance(markers, str) else "",
        dev=dev,
        optional=bool(spec.get("optional", False)),
    )


# -- poetry.lock ---------------------------------------------------------------------------------


def read_poetry_lock(path: Path, rel: str) -> Manifest:
    text, data = _toml(path, rel)
    finder = LineFinder(text, rel)
    old_files = _table(
        _table(data.get("metadata"), "metadata", finder).get("files"), "files", finder
    )
    deps = []
    for pkg in _packages(data.get("package"), "package", finder):
        name, version = pkg["name"], str(pkg["version"])
        where = finder.find(f'name = "{name}"')
        files = pkg.get("files") or old_files.get(name) or []
        groups = pkg.get("groups")
        dev = pkg.get("category") == "dev" or (isinstance(groups, list) and "main" not in groups)
        deps.append(
            _locked(
                name,
                where,
                version,
                _poetry_source(pkg.get("source"), version),
                hashes=_hash_list(f.get("hash") for f in files if isinstance(f, dict)),
                requires=tuple(_table(pkg.get("dependencies"), "dependencies", finder)),
                dev=dev,
                optional=bool(pkg.get("optional", False)),
            )
        )
    return _lock_manifest(rel, "poetry.lock", deps)


def _poetry_source(source: Any, version: str) -> Origin:
    if not isinstance(source, dict):
        return DependencySource.REGISTRY, None, f"=={version}"
    kind, url = source.get("type"), source.get("url")
    if kind == "git":
        ref = source.get("resolved_reference") or source.get("reference") or ""
        return DependencySource.VCS, url, f"git+{url}@{ref}" if ref else f"git+{url}"
    if kind == "url":
        return DependencySource.URL, url, str(url)
    if kind in ("directory", "file"):
        return DependencySource.PATH, url, str(url)
    return DependencySource.REGISTRY, url, f"=={version}"  # "legacy": a private index


def _packages(value: Any, what: str, finder: LineFinder) -> Iterator[dict[str, Any]]:
    for pkg in _list(value, what, finder):
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            raise ManifestError(f"a [[{what}]] entry has no name", finder.find(f"[[{what}]]").line)
        if "version" not in pkg and what == "package" and "source" not in pkg:
            where = finder.find(f'name = "{pkg["name"]}"', advance=False)
            raise ManifestError(f"package {pkg['name']!r} has no version", where.line)
        yield pkg


def _hash_list(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str) and v)


# -- Pipfile.lock --------------------------------------------------------------------------------


def read_pipfile_lock(path: Path, rel: str) -> Manifest:
    text = text_of(_read(path, rel), rel)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    if not isinstance(data, dict) or not isinstance(data.get("_meta", {}), dict):
        raise ManifestError("not a Pipfile.lock: expected an object with _meta/default/develop")
    finder = LineFinder(text, rel)
    deps: list[Dependency] = []
    for section, dev in (("default", False), ("develop", True)):
        packages = data.get(section) or {}
        if not isinstance(packages, dict):
            raise ManifestError(f'"{section}" must be an object', finder.find(f'"{section}"').line)
        finder.find(f'"{section}"')
        for name, entry in packages.items():
            where = finder.find(f'"{name}"')
            if not isinstance(entry, dict):
                raise ManifestError(f"{section}.{name} must be an object", where.line)
            deps.append(_pipfile_dependency(name, entry, where, dev))
    return _lock_manifest(rel, "Pipfile.lock", deps)


def _table_origin(entry: dict[str, Any], url_key: str, version: str, ref: Any) -> Origin:
    """Where a Poetry or Pipfile dependency table installs from: ``git`` (at ``ref``), a URL
    under ``url_key``, a ``path``, else the registry at ``version``."""
    if "git" in entry:
        url = str(entry["git"])
        return DependencySource.VCS, url, f"git+{url}" + (f"@{ref}" if ref else "")
    if url_key in entry:
        return DependencySource.URL, str(entry[url_key]), str(entry[url_key])
    if "path" in entry:
        return DependencySource.PATH, str(entry["path"]), str(entry["path"])
    return DependencySource.REGISTRY, None, version


def _pipfile_dependency(name: str, entry: dict[str, Any], where: Location, dev: bool) -> Dependency:
    origin = _table_origin(entry, "file", str(entry.get("version", "")), entry.get("ref"))
    written = origin[2]
    version = written[2:] if written.startswith("==") and "*" not in written else None
    return _locked(
        name,
        where,
        version,
        origin,
        hashes=_hash_list(entry.get("hashes") or ()),
        extras=tuple(entry.get("extras") or ()),
        marker=str(entry.get("markers") or ""),
        dev=dev,
    )


# -- uv.lock -------------------------------------------------------------------------------------


def read_uv_lock(path: Path, rel: str) -> Manifest:
    text, data = _toml(path, rel)
    finder = LineFinder(text, rel)
    packages = list(_packages(data.get("package"), "package", finder))
    members = {p["name"] for p in packages if _uv_member(p.get("source"))}
    graph: dict[str, list[str]] = {}
    prod_roots: set[str] = set()
    dev_roots: set[str] = set()
    for pkg in packages:
        graph[pkg["name"]] = _uv_names(pkg.get("dependencies"))
        for names in _table(
            pkg.get("optional-dependencies"), "optional-dependencies", finder
        ).values():
            graph[pkg["name"]] += _uv_names(names)
        if pkg["name"] in members:
            prod_roots.update(_uv_names(pkg.get("dependencies")))
            for names in _table(
                pkg.get("optional-dependencies"), "optional-dependencies", finder
            ).values():
                prod_roots.update(_uv_names(names))
            for names in _table(pkg.get("dev-dependencies"), "dev-dependencies", finder).values():
                dev_roots.update(_uv_names(names))
    dev = dev_only(prod_roots | members, dev_roots, graph)
    deps = []
    for pkg in packages:
        name, where, version = _entry_of(pkg, finder)
        if name in members:
            continue
        deps.append(
            _locked(
                name,
                where,
                version,
                _uv_source(pkg.get("source"), version),
                direct=name in prod_roots or name in dev_roots,
                hashes=_uv_hashes(pkg),
                requires=tuple(graph.get(name, ())),
                dev=name in dev,
            )
        )
    return _lock_manifest(rel, "uv.lock", deps, hash_checking=True)


def _uv_member(source: Any) -> bool:
    return isinstance(source, dict) and ("virtual" in source or "editable" in source)


def _uv_names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [i["name"] for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)]


def _uv_source(source: Any, version: str | None) -> Origin:
    pinned = f"=={version}" if version else ""
    if not isinstance(source, dict):
        return DependencySource.REGISTRY, None, pinned
    if "git" in source:
        return DependencySource.VCS, str(source["git"]), f"git+{source['git']}"
    if "url" in source:
        return DependencySource.URL, str(source["url"]), str(source["url"])
    for key in ("path", "directory"):
        if key in source:
            return DependencySource.PATH, str(source[key]), str(source[key])
    return DependencySource.REGISTRY, source.get("registry"), pinned


def _uv_hashes(pkg: dict[str, Any]) -> tuple[str, ...]:
    files = [pkg.get("sdist"), *(pkg.get("wheels") or ())]
    return _hash_list(f.get("hash") for f in files if isinstance(f, dict))


# -- pylock.toml (PEP 751) -----------------------------------------------------------------------


def read_pylock(path: Path, rel: str) -> Manifest:
    text, data = _toml(path, rel)
    finder = LineFinder(text, rel)
    if "lock-version" not in data:
        raise ManifestError("not a PEP 751 lock file: no lock-version")
    deps = []
    for pkg in _packages(data.get("packages"), "packages", finder):
        name, where, version = _entry_of(pkg, finder)
        deps.append(
            _locked(
                name,
                where,
                version,
                _pylock_source(pkg, version),
                hashes=_pylock_hashes(pkg),
                requires=tuple(_uv_names(pkg.get("dependencies"))),
                marker=str(pkg.get("marker") or ""),
            )
        )
    return _lock_manifest(rel, "pylock.toml", deps, hash_checking=True)


def _pylock_source(pkg: dict[str, Any], version: str | None) -> Origin:
    vcs = pkg.get("vcs")
    if isinstance(vcs, dict):
        url = str(vcs.get("url") or vcs.get("path") or "")
        rev = vcs.get("commit-id") or vcs.get("requested-revision") or ""
        return DependencySource.VCS, url, f"{vcs.get('type', 'git')}+{url}@{rev}"
    directory = pkg.get("directory")
    if isinstance(directory, dict):
        return DependencySource.PATH, str(directory.get("path")), str(directory.get("path"))
    archive = pkg.get("archive")
    if isinstance(archive, dict) and archive.get("url"):
        return DependencySource.URL, str(archive["url"]), str(archive["url"])
    return DependencySource.REGISTRY, pkg.get("index"), f"=={version}" if version else ""


def _pylock_hashes(pkg: dict[str, Any]) -> tuple[str, ...]:
    files = [pkg.get("sdist"), pkg.get("archive"), *(pkg.get("wheels") or ())]
    out: list[str] = []
    for f in files:
        if isinstance(f, dict) and isinstance(f.get("hashes"), dict):
            out += [f"{alg}:{digest}" for alg, digest in f["hashes"].items()]
    return tuple(out)

"""npm manifests and lock files: package.json, package-lock.json (v1-v3), yarn.lock, pnpm-lock."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from faasguard._located import ParseError, parse_json, parse_yaml, where
from faasguard.model import Dependency, DependencySource, Location, Manifest
from faasguard.supply._common import (
    NPM,
    LineFinder,
    ManifestError,
    dev_only,
    may_hold_yaml_aliases,
    text_of,
)

_EXACT = re.compile(r"^[=v]?\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
_GITHUB_SHORTHAND = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(#.*)?$")
_VCS_PREFIXES = ("git+", "git://", "github:", "gitlab:", "bitbucket:", "gist:")
_PATH_PREFIXES = ("file:", "link:", "workspace:", "portal:", "./", "../", "/", "~/")
_FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Locate = Callable[[Any, Any], Location]
_PNPM_V5_KEY = re.compile(r"^((?:@[^/@]+/)?[^/@]+)/([^/_]+)")
_SECTIONS = (
    ("dependencies", False, False),
    ("devDependencies", True, False),
    ("optionalDependencies", False, True),
)


def _read(path: Path, rel: str) -> str:
    try:
        return text_of(path.read_bytes(), rel)
    except OSError as exc:
        raise ManifestError(f"cannot read {rel}: {exc.strerror}") from None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ManifestError("JSON nested too deeply to read") from None


def aliased(name: str, spec: str) -> tuple[str, str]:
    """(package, specifier) behind an npm alias: ``"npm:lodash@^4"`` installs lodash ``^4``
    under another name; advisories are filed under the real one. Other specs are unchanged."""
    spec = spec.strip()
    if not spec.startswith("npm:"):
        return name, spec
    target = spec[4:]
    at = target.find("@", 1)
    return (target[:at], target[at + 1 :]) if at > 0 else (target, "")


def classify(spec: str) -> tuple[DependencySource, str | None, str | None]:
    """(source, url, exact version) of an npm dependency specifier as written."""
    spec = spec.strip()
    if spec.startswith("npm:"):  # an alias: "npm:other-name@^1.0.0"
        spec = spec[4:].rsplit("@", 1)[1] if "@" in spec[5:] else ""
    lower = spec.lower()
    if lower.startswith(_VCS_PREFIXES) or _GITHUB_SHORTHAND.match(spec):
        return DependencySource.VCS, spec, None
    if lower.startswith(("http://", "https://")):
        return DependencySource.URL, spec, None
    if lower.startswith(_PATH_PREFIXES):
        return DependencySource.PATH, spec, None
    exact = _EXACT.match(spec)
    return DependencySource.REGISTRY, None, exact.group(1) if exact else None


# -- package.json --------------------------------------------------------------------------------


def read_package_json(path: Path, rel: str) -> Manifest:
    try:
        doc = parse_json(_read(path, rel), rel)
    except ParseError as exc:
        raise ManifestError(exc.message, exc.line, exc.column) from None
    if not isinstance(doc, dict):
        raise ManifestError("package.json must hold a JSON object")
    top = Location(rel)
    deps: list[Dependency] = []
    for section, dev, optional in _SECTIONS:
        table = doc.get(section)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise _located_error(f'"{section}" must be an object', where(doc, section, top))
        for name, spec in table.items():
            loc = where(table, name, top)
            if not isinstance(spec, str):
                raise _located_error(f"{section}.{name}: version must be a string", loc)
            source, url, version = classify(spec)
            deps.append(
                Dependency(
                    name=aliased(str(name), spec)[0],
                    ecosystem=NPM,
                    location=loc,
                    version=version,
                    specifier=str(spec),
                    direct=True,
                    source=source,
                    url=url,
                    dev=dev,
                    optional=optional,
                )
            )
    return Manifest(rel, "package.json", NPM, top, tuple(deps))


def _located_error(message: str, loc: Location) -> ManifestError:
    return ManifestError(message, loc.line, loc.column)


# -- package-lock.json / npm-shrinkwrap.json -----------------------------------------------------


def read_package_lock(path: Path, rel: str) -> Manifest:
    text = _read(path, rel)
    data = _json(text)
    if not isinstance(data, dict) or not ("packages" in data or "dependencies" in data):
        raise ManifestError('not an npm lock file: no "packages" or "dependencies" object')
    finder = LineFinder(text, rel)
    if isinstance(data.get("packages"), dict):
        deps = list(_lock_packages(data["packages"], finder))
    elif isinstance(data.get("dependencies"), dict):
        deps = list(_lock_v1(data["dependencies"], finder, nested=False))
    else:
        raise ManifestError('"packages" must be an object', finder.find('"packages"').line)
    return Manifest(rel, "package-lock.json", NPM, Location(rel), tuple(deps), lock=True)


def _lock_packages(packages: dict[str, Any], finder: LineFinder) -> Iterator[Dependency]:
    root = packages.get("", {}) if isinstance(packages.get(""), dict) else {}
    roots = {n for section, _, _ in _SECTIONS for n in (root.get(section) or {})}
    for key, entry in packages.items():
        if key == "" or "node_modules/" not in key:
            continue  # the project itself and its workspace folders
        loc = finder.find(f'"{key}"')
        if not isinstance(entry, dict):
            raise _located_error(f"packages[{key!r}] must be an object", loc)
        name = str(entry.get("name") or key.rsplit("node_modules/", 1)[1])
        resolved = str(entry.get("resolved") or "")
        version = entry.get("version")
        source, url = _resolved_source(resolved, bool(entry.get("link")))
        license_ = entry.get("license")
        yield Dependency(
            name=name,
            ecosystem=NPM,
            location=loc,
            version=str(version) if version and source is DependencySource.REGISTRY else None,
            specifier=str(version or resolved),
            direct=key == f"node_modules/{name}" and name in roots,
            source=source,
            url=url,
            hashes=_integrity(entry.get("integrity")),
            licenses=(license_,) if isinstance(license_, str) else (),
            requires=_names(entry, ("dependencies", "optionalDependencies")),
            dev=bool(entry.get("dev")),
            optional=bool(entry.get("optional") or entry.get("devOptional")),
        )


def _lock_v1(table: dict[str, Any], finder: LineFinder, *, nested: bool) -> Iterator[Dependency]:
    for name, entry in table.items():
        loc = finder.find(f'"{name}"')
        if not isinstance(entry, dict):
            raise _located_error(f"dependencies[{name!r}] must be an object", loc)
        name, version = aliased(str(name), str(entry.get("version") or ""))
        source, url = _resolved_source(str(entry.get("resolved") or version), False)
        if version.startswith("file:"):
            source, url = DependencySource.PATH, version
        yield Dependency(
            name=str(name),
            ecosystem=NPM,
            location=loc,
            version=version if source is DependencySource.REGISTRY and version else None,
            specifier=version,
            direct=False if nested else None,
            source=source,
            url=url,
            hashes=_integrity(entry.get("integrity")),
            requires=tuple(entry.get("requires") or ()),
            dev=bool(entry.get("dev")),
            optional=bool(entry.get("optional")),
        )
        if isinstance(entry.get("dependencies"), dict):
            yield from _lock_v1(entry["dependencies"], finder, nested=True)


def _resolved_source(resolved: str, link: bool) -> tuple[DependencySource, str | None]:
    lower = resolved.lower()
    if link or lower.startswith(("file:", "link:")):
        return DependencySource.PATH, resolved or None
    if lower.startswith(("git+", "git://", "github:")):
        return DependencySource.VCS, resolved
    if lower.startswith(("http://", "https://")) and "/-/" not in resolved:
        return DependencySource.URL, resolved  # a tarball outside a registry's /-/ layout
    return DependencySource.REGISTRY, resolved or None


def _integrity(value: Any) -> tuple[str, ...]:
    return tuple(value.split()) if isinstance(value, str) and value else ()


def _names(entry: dict[str, Any], sections: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for section in sections:
        table = entry.get(section)
        if isinstance(table, dict):
            out += [str(k) for k in table]
    return tuple(out)


# -- yarn.lock -----------------------------------------------------------------------------------


def read_yarn_lock(path: Path, rel: str) -> Manifest:
    text = _read(path, rel)
    if re.search(r"^__metadata:", text, re.MULTILINE):
        deps = list(_yarn_berry(text, rel))
    else:
        deps = list(_yarn_classic(text, rel))
    return Manifest(rel, "yarn.lock", NPM, Location(rel), tuple(deps), lock=True)


def _spec_name(spec: str) -> str:
    spec = spec.strip().strip('"')
    at = spec.find("@", 1)
    return spec[:at] if at > 0 else spec


def _yarn_classic(text: str, rel: str) -> Iterator[Dependency]:
    entry: dict[str, Any] | None = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if indent == 0:
            if entry is not None:
                yield _yarn_classic_dependency(entry, rel)
            if not line.endswith(":"):
                raise ManifestError(f"invalid yarn.lock entry header {line[:60]!r}", line_no)
            specs = [s.strip().strip('"') for s in line[:-1].split(",") if s.strip()]
            names = [aliased(_spec_name(s), s[len(_spec_name(s)) + 1 :])[0] for s in specs]
            entry = {"names": names, "line": line_no, "deps": []}
        elif entry is None:
            raise ManifestError("indented line before the first yarn.lock entry", line_no)
        elif indent == 2 and not line.endswith(":"):
            key, _, value = line.partition(" ")
            entry[key.strip('"')] = value.strip().strip('"')
        elif indent >= 4:
            entry["deps"].append(_spec_name(line.split(" ", 1)[0]))
    if entry is not None:
        yield _yarn_classic_dependency(entry, rel)


def _yarn_classic_dependency(entry: dict[str, Any], rel: str) -> Dependency:
    loc = Location(rel, entry["line"])
    if "version" not in entry:
        raise ManifestError(f"yarn.lock entry {entry['names'][0]!r} has no version", loc.line)
    resolved = str(entry.get("resolved", ""))
    source, url = _resolved_source(resolved, False)
    if "registry.yarnpkg.com" in resolved or "registry.npmjs.org" in resolved:
        source = DependencySource.REGISTRY
    return Dependency(
        name=entry["names"][0],
        ecosystem=NPM,
        location=loc,
        version=entry["version"] if source is DependencySource.REGISTRY else None,
        specifier=entry["version"],
        source=source,
        url=url,
        hashes=_integrity(entry.get("integrity")),
        requires=tuple(entry["deps"]),
    )


def _yaml(text: str, rel: str) -> Any:
    try:
        return parse_yaml(text, rel)
    except ParseError as exc:
        raise ManifestError(exc.message, exc.line, exc.column) from None


def _yarn_berry(text: str, rel: str) -> Iterator[Dependency]:
    doc = _yaml(text, rel)
    if not isinstance(doc, dict):
        raise ManifestError("yarn.lock must be a mapping of entries")
    top = Location(rel)
    for key, entry in doc.items():
        if key == "__metadata":
            continue
        loc = where(doc, key, top)
        if not isinstance(entry, dict) or "resolution" not in entry:
            raise _located_error(f"yarn.lock entry {str(key)[:60]!r} has no resolution", loc)
        resolution = str(entry["resolution"])
        name = _spec_name(resolution)
        protocol = resolution[len(name) + 1 :]
        if protocol.startswith("workspace:"):
            continue  # the project itself or one of its workspaces
        source, url = _berry_source(protocol)
        version = str(entry.get("version", ""))
        yield Dependency(
            name=name,
            ecosystem=NPM,
            location=loc,
            version=version if source is DependencySource.REGISTRY and version else None,
            specifier=protocol,
            source=source,
            url=url,
            requires=tuple(str(n) for n in (entry.get("dependencies") or {})),
        )


def _berry_source(protocol: str) -> tuple[DependencySource, str | None]:
    if protocol.startswith(("npm:", "patch:")):
        return DependencySource.REGISTRY, None
    if protocol.startswith(("file:", "link:", "portal:")):
        return DependencySource.PATH, protocol
    if "git" in protocol.split("#", 1)[0] or protocol.startswith(("github:", "git+")):
        return DependencySource.VCS, protocol
    return DependencySource.URL, protocol


# -- pnpm-lock.yaml ------------------------------------------------------------------------------


def _pnpm_document(text: str, rel: str) -> tuple[Any, Locate]:
    """The lock file and a way to find a key's line. Without anchors or aliases (pnpm writes
    none) libyaml loads it directly and lines come from a text search, 5x faster than located
    values; anything else goes through the bounded, located loader."""
    if not may_hold_yaml_aliases(text):
        try:
            doc = yaml.load(text, Loader=_FAST_LOADER)  # a safe loader: no object tags
        except (yaml.YAMLError, RecursionError):
            pass  # the located loader reports it with its line and column
        else:
            finder = LineFinder(text, rel)
            return doc, lambda _container, key: finder.find(str(key))
    doc = _yaml(text, rel)
    top = Location(rel)
    return doc, lambda container, key: where(container, key, top)


def read_pnpm_lock(path: Path, rel: str) -> Manifest:
    doc, locate = _pnpm_document(_read(path, rel), rel)
    if not isinstance(doc, dict) or "lockfileVersion" not in doc:
        raise ManifestError("not a pnpm lock file: no lockfileVersion")
    top = Location(rel)
    importers = doc.get("importers")
    if not isinstance(importers, dict):
        importers = {".": doc}  # a single project (v5/v6 without workspaces)
    prod_roots: set[str] = set()
    dev_roots: set[str] = set()
    for importer in importers.values():
        if isinstance(importer, dict):
            for section, dev, _ in _SECTIONS:
                (dev_roots if dev else prod_roots).update(
                    str(n) for n in importer.get(section) or {}
                )
    packages = doc.get("packages") or {}
    snapshots = doc.get("snapshots") or {}
    if not isinstance(packages, dict) or not isinstance(snapshots, dict):
        raise _located_error('"packages" and "snapshots" must be mappings', top)
    graph: dict[str, list[str]] = {}
    for key, entry in {**packages, **snapshots}.items():
        if isinstance(entry, dict):
            name, _ = _pnpm_key(str(key))
            graph.setdefault(name, []).extend(
                _names(entry, ("dependencies", "optionalDependencies"))
            )
    dev_names = dev_only(prod_roots, dev_roots, graph)
    deps = []
    for key, entry in packages.items():
        loc = locate(packages, key)
        if not isinstance(entry, dict):
            raise _located_error(f"packages[{str(key)[:60]!r}] must be a mapping", loc)
        name, version = _pnpm_key(str(key))
        name = str(entry.get("name") or name)
        version = str(entry.get("version") or version)
        resolution = entry.get("resolution") if isinstance(entry.get("resolution"), dict) else {}
        source, url = _pnpm_source(resolution)
        dev = entry.get("dev")
        deps.append(
            Dependency(
                name=name,
                ecosystem=NPM,
                location=loc,
                version=version if source is DependencySource.REGISTRY and version else None,
                specifier=version,
                direct=name in prod_roots or name in dev_roots,
                source=source,
                url=url,
                hashes=_integrity(resolution.get("integrity")),
                requires=tuple(graph.get(name, ())),
                dev=bool(dev) if isinstance(dev, bool) else name in dev_names,
                optional=bool(entry.get("optional")),
            )
        )
    return Manifest(rel, "pnpm-lock.yaml", NPM, top, tuple(deps), lock=True)


def _pnpm_key(key: str) -> tuple[str, str]:
    """``/@scope/name@1.2.3(peer@1)`` (v6), ``name@1.2.3`` (v9), ``/name/1.2.3_peer`` (v5)."""
    key = key.lstrip("/").split("(", 1)[0]
    v5 = _PNPM_V5_KEY.match(key)
    if v5:
        return v5.group(1), v5.group(2)
    at = key.find("@", 1)
    return (key[:at], key[at + 1 :]) if at > 0 else (key, "")


def _pnpm_source(resolution: dict[str, Any]) -> tuple[DependencySource, str | None]:
    if resolution.get("type") == "git" or "repo" in resolution:
        repo = str(resolution.get("repo", ""))
        commit = resolution.get("commit")
        return DependencySource.VCS, f"{repo}#{commit}" if commit else repo
    if resolution.get("type") == "directory" or "directory" in resolution:
        return DependencySource.PATH, str(resolution.get("directory"))
    if "tarball" in resolution:
        tarball = str(resolution["tarball"])
        if tarball.startswith("file:"):
            return DependencySource.PATH, tarball
        if tarball.startswith("https://codeload.github.com/"):
            return DependencySource.VCS, tarball  # a github: dependency, by commit
        return (DependencySource.REGISTRY if "/-/" in tarball else DependencySource.URL), tarball
    return DependencySource.REGISTRY, None

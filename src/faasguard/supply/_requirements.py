"""pip requirements files: includes, constraints, hashes, markers, extras, URLs and VCS refs."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from faasguard.model import Dependency, DependencySource, Location, Manifest
from faasguard.supply._common import PYPI, ManifestError, canonical_name, text_of

_COMMENT = re.compile(r"(^|\s+)#.*$")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_SIMPLE_PIN = re.compile(
    r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(===?)\s*([0-9][0-9A-Za-z.!+_-]*)$"
)
_BARE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")  # a PEP 508 name alone
_NAMED_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@\s*\S")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_ARCHIVE_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._]*?)-\d")
# A file named like these holds development-only requirements (not deployed with the function).
_DEV_FILE = re.compile(
    r"(^|[-_./])(dev|devel|develop|test|tests|testing|lint|docs?|ci|tox)([-_.]|$)"
)
_INCLUDE = {"-r": "requirement", "--requirement": "requirement"}
_CONSTRAINT = {"-c": "constraint", "--constraint": "constraint"}
_EDITABLE = {"-e", "--editable"}
# Options pip accepts in a requirements file that do not name a dependency.
_GLOBAL_WITH_VALUE = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--no-binary",
    "--only-binary",
    "--trusted-host",
    "--use-feature",
    "--config-settings",
}
_GLOBAL_FLAGS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes"}
_PER_REQ_WITH_VALUE = {"--hash", "--config-settings", "--global-option", "--install-option"}
MAX_INCLUDE_DEPTH = 20


@dataclass
class _State:
    root_rel: str
    tree: Path  # the scanned tree (resolved): -r/-c includes may not leave it
    dependencies: list[Dependency] = field(default_factory=list)
    constraints: dict[str, Dependency] = field(default_factory=dict)
    hash_checking: bool = False
    reading: list[Path] = field(default_factory=list)  # the -r/-c chain, for cycles
    extra_indexes: list[tuple[str, Location]] = field(default_factory=list)


def read_requirements(path: Path, rel: str) -> Manifest:
    state = _State(rel, _tree_of(path, rel))
    _read_file(path, rel, state, constraint=False)
    deps = tuple(_apply_constraints(d, state.constraints) for d in state.dependencies)
    return Manifest(
        path=rel,
        kind="requirements",
        ecosystem=PYPI,
        location=Location(rel),
        dependencies=deps,
        hash_checking=state.hash_checking,
        extra_indexes=tuple(state.extra_indexes),
    )


def _tree_of(path: Path, rel: str) -> Path:
    """The directory ``rel`` is relative to: ``path`` with as many trailing parts removed."""
    return path.absolute().parents[len(PurePosixPath(rel).parts) - 1].resolve()


def is_dev_file(rel: str) -> bool:
    return bool(_DEV_FILE.search(posixpath.basename(rel).lower())) or "/dev" in rel.lower()


def _apply_constraints(dep: Dependency, constraints: dict[str, Dependency]) -> Dependency:
    pin = constraints.get(canonical_name(dep.name, PYPI))
    if dep.version is None and dep.source is DependencySource.REGISTRY and pin and pin.version:
        return replace(dep, version=pin.version)
    return dep


def _read_file(path: Path, rel: str, state: _State, *, constraint: bool) -> None:
    resolved = path.resolve()
    if resolved in state.reading:
        return  # an include cycle: each file is read once per chain
    if len(state.reading) >= MAX_INCLUDE_DEPTH:
        raise ManifestError(f"more than {MAX_INCLUDE_DEPTH} nested -r/-c includes", file=rel)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read {rel}: {exc.strerror}", file=rel) from None
    state.reading.append(resolved)
    try:
        dev = is_dev_file(rel)
        text = text_of(data, rel)
        start = len(state.dependencies)
        for line_no, line in _logical_lines(text):
            try:
                _read_line(line, Location(rel, line_no), path, rel, state, constraint, dev)
            except ManifestError as exc:
                if exc.file is None:
                    raise ManifestError(
                        exc.message, line_no, exc.column, file=rel, code=exc.code
                    ) from None
                raise
        _mark_compiled(state, start, text)
    finally:
        state.reading.pop()


def _mark_compiled(state: _State, start: int, text: str) -> None:
    """pip-compile / uv pip compile output says why each package is there: ``# via -r
    requirements.in`` (asked for: direct) or ``# via requests`` (pulled in: transitive)."""
    if "# via" not in text:
        return
    lines = text.splitlines()
    for index in range(start, len(state.dependencies)):
        dep = state.dependencies[index]
        via = _via(lines, dep.location.line)
        if via is not None:
            direct = bool(re.search(r"(^|\s)-[rc]\s", via))
            state.dependencies[index] = replace(dep, direct=direct)


def _via(lines: list[str], line: int) -> str | None:
    """The ``# via`` comment block under the requirement written at ``line`` (1-based)."""
    block: list[str] = []
    index = line  # the next line (0-based index of line + 1)
    while index < len(lines) and lines[index - 1].rstrip().endswith("\\"):
        index += 1  # skip the requirement's own continuation lines (--hash ...)
    while index < len(lines) and lines[index].lstrip().startswith("#"):
        block.append(lines[index].strip().lstrip("#").strip())
        index += 1
    text = " ".join(block)
    return text if text.startswith("via") else None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with comments removed and backslash continuations joined, with their first line."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for index, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = index
        stripped = raw.rstrip()
        if stripped.endswith("\\") and not stripped.lstrip().startswith("#"):
            pending.append(stripped[:-1])
            continue
        pending.append(raw)
        line = _COMMENT.sub("", " ".join(pending)).strip()
        pending = []
        if line:
            out.append((start, line))
    if pending:
        line = _COMMENT.sub("", " ".join(pending)).strip()
        if line:
            out.append((start, line))
    return out


def _option(tokens: list[str]) -> tuple[str, str | None, list[str]]:
    """Split ``--opt=value``, ``--opt value``, ``-rvalue`` and ``-r value`` forms."""
    head = tokens[0]
    if head.startswith("--") and "=" in head:
        name, value = head.split("=", 1)
        return name, value, tokens[1:]
    if not head.startswith("--") and len(head) > 2:
        return head[:2], head[2:].lstrip("="), tokens[1:]
    if len(tokens) > 1:
        return head, tokens[1], tokens[2:]
    return head, None, []


def _read_line(
    line: str,
    where: Location,
    path: Path,
    rel: str,
    state: _State,
    constraint: bool,
    dev: bool,
) -> None:
    if not line.startswith("-"):
        _requirement_line(line, where, state, constraint, dev)
        return
    tokens = line.split()
    name, value, _ = _option(tokens)
    if name in _INCLUDE or name in _CONSTRAINT:
        if not value:
            raise ManifestError(f"{name} needs a file name")
        _include(value, path, rel, state, constraint=constraint or name in _CONSTRAINT)
    elif name in _EDITABLE:
        if not value:
            raise ManifestError(f"{name} needs a path or URL")
        dep = parse_pep508(value, where, dev, editable=True)
        if not constraint:
            state.dependencies.append(dep)
    elif name == "--require-hashes" or name in _GLOBAL_FLAGS:
        state.hash_checking = state.hash_checking or name == "--require-hashes"
    elif name in _GLOBAL_WITH_VALUE:
        if value is None:
            raise ManifestError(f"{name} needs a value")
        if name == "--extra-index-url":
            state.extra_indexes.append((value, where))
    elif name == "--hash":
        raise ManifestError("--hash must follow a requirement on the same line")
    else:
        raise ManifestError(f"unknown option {name!r} in a requirements file")


def _include(target: str, path: Path, rel: str, state: _State, *, constraint: bool) -> None:
    if "://" in target:
        raise ManifestError(f"remote requirement file {target!r} is not fetched (offline scan)")
    included = path.parent / target
    if not included.resolve().is_relative_to(state.tree):
        raise ManifestError(
            f"included file {target!r} is outside the scanned tree; not read", code="unreadable"
        )
    inc_rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
    if not included.is_file():
        raise ManifestError(f"included file {target!r} not found (looked for {inc_rel})")
    if constraint:
        sub = _State(
            state.root_rel, state.tree, reading=state.reading, extra_indexes=state.extra_indexes
        )
        _read_file(included, inc_rel, sub, constraint=True)
        for dep in sub.dependencies:
            state.constraints.setdefault(canonical_name(dep.name, PYPI), dep)
        state.constraints.update(sub.constraints)
        state.hash_checking = state.hash_checking or sub.hash_checking
    else:
        _read_file(included, inc_rel, state, constraint=False)


def _requirement_line(
    line: str, where: Location, state: _State, constraint: bool, dev: bool
) -> None:
    # pip's rule: the requirement runs up to the first token that starts with '-'.
    tokens = line.split(" ")
    cut = next((i for i, tok in enumerate(tokens) if tok.startswith("-")), len(tokens))
    text = " ".join(tokens[:cut]).strip()
    hashes: list[str] = []
    options = [t for t in tokens[cut:] if t]
    while options:
        name, value, options = _option(options)
        if name not in _PER_REQ_WITH_VALUE:
            raise ManifestError(f"unknown option {name!r} after a requirement")
        if value is None:
            raise ManifestError(f"{name} needs a value")
        if name == "--hash":
            if ":" not in value:
                raise ManifestError(f"--hash={value!r} must be ALGORITHM:HEXDIGEST")
            hashes.append(value)
    dep = parse_pep508(text, where, dev, hashes=tuple(hashes))
    if hashes:
        state.hash_checking = True
    if constraint:
        state.constraints[canonical_name(dep.name, PYPI)] = dep
    else:
        state.dependencies.append(dep)


def parse_pep508(
    text: str,
    where: Location,
    dev: bool,
    *,
    editable: bool = False,
    hashes: tuple[str, ...] = (),
) -> Dependency:
    simple = _SIMPLE_PIN.match(text)
    if simple and not editable:  # "name==1.2.3": most lines of a compiled file, without packaging
        name, operator, version = simple.groups()
        return Dependency(
            name=name,
            ecosystem=PYPI,
            location=where,
            version=version,
            specifier=operator + version,
            direct=True,
            hashes=hashes,
            dev=dev,
        )
    lower = text.lower()
    if lower.startswith(_VCS_PREFIXES):
        return _direct(text, where, dev, DependencySource.VCS)
    if "://" in text.split("@", 1)[0] or lower.startswith("file:"):
        return _direct(text, where, dev, DependencySource.URL)
    if editable or (not _NAMED_URL.match(text) and _looks_like_path(text)):
        return _direct(text, where, dev, DependencySource.PATH)
    if _BARE_NAME.fullmatch(text):  # what packaging's Requirement gives a bare name
        return Dependency(
            name=text,
            ecosystem=PYPI,
            location=where,
            version=None,
            specifier="",
            direct=True,
            source=DependencySource.REGISTRY,
            url=None,
            extras=(),
            marker="",
            dev=dev,
            hashes=hashes,
        )
    # imported here: packaging.requirements (markers, tags) costs more to import than a tree
    # of pinned or bare requirements costs to read
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise ManifestError(f"invalid requirement {text!r}: {reason}", column=1) from None
    specs = list(req.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    source, url = DependencySource.REGISTRY, None
    if req.url:
        url = req.url
        vcs = req.url.lower().startswith(_VCS_PREFIXES)
        source = DependencySource.VCS if vcs else DependencySource.URL
        if req.url.lower().startswith("file:"):
            source = DependencySource.PATH
    return Dependency(
        name=req.name,
        ecosystem=PYPI,
        location=where,
        version=version,
        specifier=url or str(req.specifier),
        direct=True,
        source=source,
        url=url,
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker else "",
        dev=dev,
        hashes=hashes,
    )


def _looks_like_path(text: str) -> bool:
    head = text.split(";", 1)[0].strip()
    return (
        head.startswith((".", "/", "~"))
        or head.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))
        or (("/" in head or "\\" in head) and "@" not in head)
    )


Origin = tuple[DependencySource, str | None, str]  # (source, url, specifier as written)


def pypi_dependency(
    name: str, where: Location, version: str | None, origin: Origin, **rest: Any
) -> Dependency:
    """A PyPI dependency installed from ``origin``."""
    source, url, specifier = origin
    return Dependency(
        name=name,
        ecosystem=PYPI,
        location=where,
        version=version,
        specifier=specifier,
        source=source,
        url=url,
        **rest,
    )


def _direct(text: str, where: Location, dev: bool, source: DependencySource) -> Dependency:
    target = text.split(";", 1)[0].strip()
    marker = text.split(";", 1)[1].strip() if ";" in text else ""
    origin = (source, target, target)
    return pypi_dependency(
        _name_of_target(target), where, None, origin, direct=True, marker=marker, dev=dev
    )


def _name_of_target(target: str) -> str:
    egg = _EGG.search(target)
    if egg:
        return egg.group(1)
    base = target.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    leaf = base.rsplit("/", 1)[-1].split("@", 1)[0]
    if leaf.endswith(".git"):
        leaf = leaf[:-4]
    archive = _ARCHIVE_NAME.match(leaf)
    return archive.group(1) if archive else (leaf or target)

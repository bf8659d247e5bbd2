"""Find the dependency files of a tree, read them and tie each to the functions that ship it."""

from __future__ import annotations

import posixpath
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from faasguard import discovery
from faasguard.model import Diagnostic, DiagnosticLevel, Function, Location, Manifest
from faasguard.supply._common import NPM, PYPI, ManifestError, canonical_name

Reader = Callable[[Path, str], Manifest]

# Lock files can be far larger than templates; past this they are reported, not read.
MAX_MANIFEST_SIZE = 64 * 1024 * 1024
# Vendored or installed package trees: their manifests describe installed packages, not the
# project (the function's own lock file already lists them).
SKIPPED_DIRS = discovery.SKIPPED_DIRS | {
    "vendor",
    "vendored",
    "bower_components",
    "jspm_packages",
    ".yarn",
    ".pnpm-store",
    ".nox",
    "dist-packages",
}
_PYLOCK = re.compile(r"pylock\.[^.]+\.toml")
_REQUIREMENTS = re.compile(r"^(?:.*[-_.])?requirements(?:[-_.][^/]*)?\.(?:txt|in)$")


def _lazy(module: str, function: str) -> Reader:
    """A reader whose module (and packaging, tomli, yaml) loads on the first file it reads:
    every scan asks `reader_for`, few trees have dependency files of every format."""

    def read(path: Path, rel: str) -> Manifest:
        from importlib import import_module

        reader: Reader = getattr(import_module(f"faasguard.supply.{module}"), function)
        return reader(path, rel)

    read.__name__ = function
    return read


_FIXED: dict[str, tuple[str, Reader]] = {
    "pyproject.toml": ("pyproject", _lazy("_python", "read_pyproject")),
    "poetry.lock": ("poetry.lock", _lazy("_python", "read_poetry_lock")),
    "pipfile.lock": ("Pipfile.lock", _lazy("_python", "read_pipfile_lock")),
    "uv.lock": ("uv.lock", _lazy("_python", "read_uv_lock")),
    "pylock.toml": ("pylock.toml", _lazy("_python", "read_pylock")),
    "package.json": ("package.json", _lazy("_npm", "read_package_json")),
    "package-lock.json": ("package-lock.json", _lazy("_npm", "read_package_lock")),
    "npm-shrinkwrap.json": ("package-lock.json", _lazy("_npm", "read_package_lock")),
    "yarn.lock": ("yarn.lock", _lazy("_npm", "read_yarn_lock")),
    "pnpm-lock.yaml": ("pnpm-lock.yaml", _lazy("_npm", "read_pnpm_lock")),
}
_READ_REQUIREMENTS = _lazy("_requirements", "read_requirements")
# Which manifest a lock file locks (same directory).
_LOCKS = {
    "poetry.lock": ("pyproject.toml",),
    "uv.lock": ("pyproject.toml",),
    "pylock.toml": ("pyproject.toml",),
    "Pipfile.lock": ("Pipfile",),
    "package-lock.json": ("package.json",),
    "yarn.lock": ("package.json",),
    "pnpm-lock.yaml": ("package.json",),
}


def reader_for(rel: str) -> tuple[str, Reader] | None:
    """(kind, reader) of a dependency file by its name, or None when it is not one."""
    name = posixpath.basename(rel).lower()
    if name in _FIXED:
        return _FIXED[name]
    if not name.endswith((".toml", ".txt", ".in")):  # every name is asked on each scan
        return None
    if name.startswith("pylock.") and _PYLOCK.fullmatch(name):
        return _FIXED["pylock.toml"]
    if "requirements" in rel.lower() and (
        _REQUIREMENTS.match(name)
        or posixpath.basename(posixpath.dirname(rel)).lower() == "requirements"
    ):
        return "requirements", _READ_REQUIREMENTS
    return None


def read_manifest(path: Path, rel: str) -> Manifest:
    found = reader_for(rel)
    if found is None:
        raise ManifestError(f"{rel}: not a dependency file faasguard reads")
    return found[1](path, rel)


def collect(
    root: Path,
    functions: Sequence[Function],
    excludes: Iterable[str] = (),
    *,
    layer_dirs: Mapping[str, str] | None = None,
    use_ignore_files: bool = True,
    walked: discovery.DiscoveryResult | None = None,
    read: tuple[list[Manifest], list[Diagnostic]] | None = None,
) -> tuple[tuple[Manifest, ...], list[Diagnostic]]:
    """Read every dependency file under ``root``; tie each to the functions that deploy it.

    ``layer_dirs`` maps a layer's resource name to its content directory (relative to root).
    ``walked``: the result of ``discovery.discover(root, excludes, also=reader_for)``, whose
    walk already found the dependency files (then the tree is not walked again). ``read``:
    what :func:`read_files` returned, when the files were read beforehand.
    """
    if read is None:
        read = read_files(root, excludes, use_ignore_files=use_ignore_files, walked=walked)
    manifests, diagnostics = read
    return tuple(_tie(manifests, functions, layer_dirs or {})), diagnostics


def read_files(
    root: Path,
    excludes: Iterable[str] = (),
    *,
    use_ignore_files: bool = True,
    walked: discovery.DiscoveryResult | None = None,
) -> tuple[list[Manifest], list[Diagnostic]]:
    """The dependency files under ``root``, read and their lock files linked (no functions
    needed: a scan reads them while its templates load)."""
    root = Path(root).resolve()
    base = root if root.is_dir() else root.parent
    diagnostics: list[Diagnostic] = []
    outside: list[str] = []
    if root.is_file():
        paths = [root] if reader_for(root.name) else []
    elif walked is not None:
        paths = [Path(path) for rel, path in walked.also if not _in_skipped_dir(rel)]
        outside = [rel for rel in walked.outside if not _in_skipped_dir(rel)]
    else:
        patterns = list(excludes)
        if use_ignore_files:
            patterns = discovery.read_ignore_files(root) + patterns
        paths = list(_walk(root, discovery.Excludes(tuple(patterns)).spec(), outside))
    for rel in outside:
        if not rel.endswith("/") and reader_for(rel) is not None:
            message = "symbolic link to a file outside the scanned tree; not read"
            diagnostics.append(_error("unreadable", message, Location(rel)))
    manifests = []
    # every path is inside the tree: the walk neither yields nor follows links that lead out
    # (they are in `outside`), so no path needs resolving here
    for path in paths:
        rel = path.relative_to(base).as_posix()
        manifest = _read_one(path, rel, diagnostics)
        if manifest is not None:
            manifests.append(manifest)
    diagnostics += _dynamic_warnings(manifests, base)
    return _link_locks(manifests, base), diagnostics


_EXTRA_SKIPPED = SKIPPED_DIRS - discovery.SKIPPED_DIRS


def _in_skipped_dir(rel: str) -> bool:
    """Under a directory discovery walks but dependency reading skips (vendored packages)."""
    return any(part in _EXTRA_SKIPPED for part in rel.rstrip("/").split("/")[:-1])


def _walk(root: Path, spec, outside: list[str]) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """The dependency files under root (discovery reports loops and unreadable directories);
    links that lead out of the tree go to ``outside``."""
    for rel, path in discovery.walk(root, spec, SKIPPED_DIRS, outside=outside):
        if reader_for(rel) is not None:
            yield Path(path)


def _read_one(path: Path, rel: str, diagnostics: list[Diagnostic]) -> Manifest | None:
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_SIZE:
            message = f"dependency file is {size:,} bytes, over {MAX_MANIFEST_SIZE:,}; not read"
            diagnostics.append(_error("too-large", message, Location(rel)))
            return None
        return read_manifest(path, rel)
    except ManifestError as exc:
        where = Location(exc.file or rel, exc.line, exc.column)
        diagnostics.append(_error(exc.code, exc.message, where))
    except OSError as exc:
        diagnostics.append(_error("unreadable", f"cannot read: {exc.strerror}", Location(rel)))
    except RecursionError:
        diagnostics.append(_error("parse-error", "document nested too deeply", Location(rel)))
    except Exception as exc:  # a reader bug must not end the scan: report it loudly
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        message = (
            f"faasguard could not read this dependency file ({type(exc).__name__}: {exc} at "
            f"{Path(frame.filename).name}:{frame.lineno}); please report it"
        )
        diagnostics.append(_error("internal-error", message, Location(rel)))
    return None


def _dynamic_warnings(manifests: Sequence[Manifest], base: Path) -> list[Diagnostic]:
    """pyproject.toml files whose dependencies are dynamic, with no lock file or requirements
    file beside them: their dependencies were not listed, so they were not checked."""
    listed = {posixpath.dirname(m.path) for m in manifests if m.kind != "pyproject"}
    out = []
    for m in manifests:
        folder = posixpath.dirname(m.path)
        if m.kind != "pyproject" or m.dependencies or folder in listed:
            continue
        if _dynamic_dependencies(base / m.path, m.path):
            message = (
                "dependencies are dynamic (set by the build backend): faasguard cannot list or "
                "check them; commit a lock file or a pinned requirements.txt beside it"
            )
            warning = Diagnostic(
                DiagnosticLevel.WARNING, "dynamic-dependencies", message, m.location
            )
            out.append(warning)
    return out


def _error(code: str, message: str, where: Location) -> Diagnostic:
    return Diagnostic(DiagnosticLevel.ERROR, code, message, where)


def _link_locks(manifests: list[Manifest], base: Path) -> list[Manifest]:
    """Set ``lock_for`` and, where the lock file does not say, which dependencies are direct."""
    by_path = {m.path: m for m in manifests}
    out = []
    for m in manifests:
        if m.lock and m.kind in _LOCKS:
            directory = posixpath.dirname(m.path)
            for name in _LOCKS[m.kind]:
                target = posixpath.join(directory, name) if directory else name
                if target in by_path or (base / target).is_file():
                    m = replace(m, lock_for=target)
                    if target in by_path:
                        m = _mark_direct(m, by_path[target])
                    break
        out.append(m)
    return out


def _mark_direct(lock: Manifest, manifest: Manifest) -> Manifest:
    names = {canonical_name(d.name, d.ecosystem) for d in manifest.dependencies}
    if not names or all(d.direct is not None for d in lock.dependencies):
        return lock
    deps = tuple(
        replace(d, direct=canonical_name(d.name, d.ecosystem) in names) if d.direct is None else d
        for d in lock.dependencies
    )
    return replace(lock, dependencies=deps)


# -- which functions ship which manifest ---------------------------------------------------------


def _ecosystem_of(runtime: str | None) -> str | None:
    text = (runtime or "").lower()
    if text.startswith("python"):
        return PYPI
    if text.startswith("node"):
        return NPM
    return None


def _code_dir(fn: Function) -> str | None:
    code = fn.code_path
    if not code or "://" in code or code.startswith(".."):
        return None
    code = posixpath.normpath(code)
    if posixpath.splitext(code)[1]:  # a file (handler module, artifact): its directory
        code = posixpath.dirname(code)
    return "" if code == "." else code


class _Dirs:
    """Manifests by the directory they are in and by every directory above it, per ecosystem
    (None: any), so tying 2,000 functions to 400 manifests is lookups, not a cross product."""

    def __init__(self, manifests: Sequence[Manifest]) -> None:
        self.here: dict[tuple[str | None, str], set[str]] = {}
        self.below: dict[tuple[str | None, str], set[str]] = {}
        for m in manifests:
            directory = posixpath.dirname(m.path)
            for eco in (m.ecosystem, None):
                self.here.setdefault((eco, directory), set()).add(m.path)
                for above in _ancestors(directory):
                    self.below.setdefault((eco, above), set()).add(m.path)

    def under(self, directory: str, eco: str | None) -> set[str]:
        return self.below.get((eco, directory), set())

    def at(self, directory: str, eco: str | None) -> set[str]:
        return self.here.get((eco, directory), set())


def _ancestors(directory: str) -> Iterator[str]:
    """The directory itself, each parent, and the root ("")."""
    while directory:
        yield directory
        directory = directory.rpartition("/")[0]
    yield ""


def _tie(
    manifests: list[Manifest], functions: Sequence[Function], layer_dirs: Mapping[str, str]
) -> list[Manifest]:
    dirs = _Dirs(manifests)
    owners: dict[str, list[str]] = {m.path: [] for m in manifests}
    # functions of one definition file often share a code directory: look each up once
    by_code: dict[tuple[str | None, str | None, str], set[str]] = {}
    for fn in functions:
        eco = _ecosystem_of(fn.runtime)
        key = (eco, fn.code_path, fn.location.file)  # all _for_code reads
        chosen = by_code.get(key)
        if chosen is None:
            chosen = by_code[key] = _for_code(dirs, eco, fn)
        for layer_dir in _layers_of(fn, layer_dirs):
            chosen = chosen | dirs.under(layer_dir, eco)  # a new set: the memo stays as it is
        if chosen:
            owner = fn.id
            for path in chosen:
                owners[path].append(owner)
    return [replace(m, functions=tuple(owners[m.path])) if owners[m.path] else m for m in manifests]


def _for_code(dirs: _Dirs, eco: str | None, fn: Function) -> set[str]:
    """Manifests inside the function's code directory; else those of the nearest directory
    above it that has some, up to the project (the directory its definition and code share)."""
    code = _code_dir(fn)
    if code is None:
        return set()
    inside = dirs.under(code, eco)
    if inside:
        return inside
    definition_dir = posixpath.dirname(fn.location.file)
    project = _common_dir(code, definition_dir)
    if fn.location.file.endswith("function.json"):  # Azure: the app root holds the manifests
        project = _common_dir(project, posixpath.dirname(definition_dir))
    for above in _ancestors(code):
        if not _within(above, project):
            break
        here = dirs.at(above, eco) if above != code else set()
        if here:
            return here
    return set()


def _within(directory: str, top: str) -> bool:
    return not top or directory == top or directory.startswith(top + "/")


def _common_dir(a: str, b: str) -> str:
    parts = []
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        parts.append(x)
    return "/".join(parts)


def _layers_of(fn: Function, layer_dirs: Mapping[str, str]) -> Iterator[str]:
    for layer in fn.layers:
        ref = layer.ref.removeprefix("ref:").split(".", 1)[0]
        if ref in layer_dirs:
            yield layer_dirs[ref]


def _dynamic_dependencies(path: Path, rel: str) -> bool:
    from faasguard.supply._python import dynamic_dependencies

    return dynamic_dependencies(path, rel)

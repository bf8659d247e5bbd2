"""Walk a project tree and decide, cheaply, which files are serverless definitions.

A file's kind comes from its name first and a sniff of its first bytes second, so a
``package.json``, ``tsconfig.json`` or a test-event JSON is never parsed as a template (the main
cost of scanners that parse every JSON/YAML file).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from faasguard.inventory._base import DEFAULT_MAX_FILE_SIZE, Candidate
from faasguard.model import Diagnostic, DiagnosticLevel, Location

SERVERLESS = "serverless"
CLOUDFORMATION = "cloudformation"  # CloudFormation or SAM: the loader tells them apart
TERRAFORM = "terraform"
TFVARS = "tfvars"
AZURE_FUNCTION = "azure-function"  # function.json
AZURE_HOST = "azure-host"  # host.json
AZURE_SETTINGS = "azure-settings"  # local.settings.json
KINDS = (SERVERLESS, CLOUDFORMATION, TERRAFORM, TFVARS, AZURE_FUNCTION, AZURE_HOST, AZURE_SETTINGS)

# Directories that hold generated, vendored or tool state, never files the user wrote.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".serverless",
        ".aws-sam",
        ".terraform",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "cdk.out",
        ".idea",
        ".vscode",
        "site-packages",
        ".eggs",
    }
)
_NOT_TEMPLATES = frozenset(
    {
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "jsconfig.json",
        "composer.json",
        "cdk.json",
        "cdk.context.json",
        "tslint.json",
        ".eslintrc.json",
        "lerna.json",
        "renovate.json",
        "pnpm-lock.yaml",
        ".pre-commit-config.yaml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "mkdocs.yml",
        "codecov.yml",
        ".travis.yml",
        "pubspec.yaml",
    }
)
# Definitions faasguard cannot read statically: reported as warnings, never silently skipped.
_EXPORT_HINT = "is not evaluated; export it with `serverless print > serverless.yml` to scan it"
_UNSUPPORTED = {
    "serverless.ts": f"serverless.ts (TypeScript) {_EXPORT_HINT}",
    "serverless.js": f"serverless.js (JavaScript) {_EXPORT_HINT}",
    "serverless.mjs": f"serverless.mjs (JavaScript) {_EXPORT_HINT}",
    ".tf.json": "Terraform JSON syntax (*.tf.json) is not read yet",
}
_SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".cfn", ".cform")
_SNIFF_BYTES = 64 * 1024
_CFN_MARKERS = re.compile(
    rb"AWSTemplateFormatVersion|AWS::Serverless|[\"']?Type[\"']?\s*:\s*[\"']?AWS::[A-Za-z0-9]+::"
)
_SERVERLESS_MARKERS = re.compile(rb"^\s*service\s*:", re.MULTILINE)
_SERVERLESS_PROVIDER = re.compile(rb"^\s*provider\s*:", re.MULTILINE)


@dataclass
class DiscoveryResult:
    candidates: list[Candidate] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_seen: int = 0
    # with discover(also=...): (rel, path) of the other files asked for, found on the same walk,
    # and the rel of every symbolic link that leads out of the tree (directories end in "/")
    also: list[tuple[str, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Excludes:
    """gitignore-style patterns from ``.gitignore``, ``.faasguardignore`` and ``--exclude``."""

    patterns: tuple[str, ...] = ()

    def spec(self):  # type: ignore[no-untyped-def]
        if not self.patterns:
            return None
        names = _plain_dir_names(self.patterns)
        if names is not None:
            return DirNames(names)
        import pathspec

        return pathspec.GitIgnoreSpec.from_lines(self.patterns)


# "name/" with nothing gitignore treats specially (globs, escapes, negation, anchoring slashes,
# trailing spaces): it excludes every directory called `name`, at any depth, and what is under it.
_PLAIN_DIR_PATTERN = re.compile(r"[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*/")


def _plain_dir_names(patterns: Iterable[str]) -> frozenset[str] | None:
    """The directory names when every pattern is a plain ``name/`` (or blank, or a comment)."""
    names = set()
    for pattern in patterns:
        if not pattern or pattern.startswith("#"):
            continue
        if not _PLAIN_DIR_PATTERN.fullmatch(pattern):
            return None
        names.add(pattern[:-1])
    return frozenset(names)


@dataclass(frozen=True)
class DirNames:
    """The spec of ignore patterns that are all plain ``name/`` directory patterns: matches what
    ``pathspec.GitIgnoreSpec`` matches for them (a path with a directory component in ``names``;
    the last component counts only for a directory, written with a trailing "/")."""

    names: frozenset[str]

    def match_file(self, path: str) -> bool:
        parts = path.split("/")
        return any(part in self.names for part in parts[:-1])


def read_ignore_files(root: Path) -> list[str]:
    patterns: list[str] = []
    for name in (".gitignore", ".faasguardignore"):
        path = root / name
        if path.is_file():
            try:
                patterns.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                continue
    return patterns


def discover(
    root: Path,
    excludes: Iterable[str] = (),
    *,
    use_ignore_files: bool = True,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    also: Callable[[str], object] | None = None,
    found: Callable[[Candidate], None] | None = None,
) -> DiscoveryResult:
    """The definition files under root; ``also(rel)`` picks other files to collect on the same
    walk (the dependency files, so the tree is walked once); ``found(candidate)`` hears of each
    candidate as the walk finds it (loading can start before the walk ends)."""
    root = root.resolve()
    result = DiscoveryResult()
    if root.is_file():
        kind = kind_by_name(root.name)
        if kind is not None:
            _consider(str(root), _rel(root, root.parent), kind, result, max_file_size)
        if not result.candidates and not result.diagnostics:
            why = unsupported_reason(root.name) or (
                "not a definition faasguard reads (serverless.yml, a CloudFormation/SAM "
                "template, *.tf, or an Azure Functions host.json/function.json)"
            )
            result.diagnostics.append(
                Diagnostic(DiagnosticLevel.WARNING, "unsupported", why, Location(root.name))
            )
        return result
    patterns = list(excludes)
    if use_ignore_files:
        patterns = read_ignore_files(root) + patterns
    spec = Excludes(tuple(patterns)).spec()
    for path, rel, kind in _walk(root, spec, result, also):
        _consider(path, rel, kind, result, max_file_size)
        if found is not None and result.candidates and result.candidates[-1].rel == rel:
            found(result.candidates[-1])
    result.candidates.sort(key=lambda c: c.rel)
    return result


def _walk(  # type: ignore[no-untyped-def]
    root: Path, spec, result: DiscoveryResult, also: Callable[[str], object] | None
) -> Iterator[tuple[str, str, str]]:
    """(path, rel, kind by name) of the definition files under root."""
    outside = result.outside
    yield from _definitions(root, spec, result, outside, also)
    for rel in outside:
        name = rel.rstrip("/").rpartition("/")[2]
        if rel.endswith("/") or kind_by_name(name) is not None:
            result.diagnostics.append(
                Diagnostic(
                    DiagnosticLevel.WARNING,
                    "symlink-outside",
                    "symbolic link to a path outside the scanned tree; not read",
                    Location(rel.rstrip("/")),
                )
            )


def _definitions(
    root: Path,
    spec,  # type: ignore[no-untyped-def]
    result: DiscoveryResult,
    outside: list[str],
    also: Callable[[str], object] | None,
) -> Iterator[tuple[str, str, str]]:
    for rel, path in walk(root, spec, SKIPPED_DIRS, result.diagnostics, outside):
        result.files_seen += 1
        if also is not None and also(rel):
            result.also.append((rel, path))
        name = rel.rpartition("/")[2]
        if (kind := kind_by_name(name)) is not None:
            yield path, rel, kind
        elif (why := unsupported_reason(name)) is not None:
            result.diagnostics.append(
                Diagnostic(DiagnosticLevel.WARNING, "unsupported", why, Location(rel))
            )


def walk(
    root: Path,
    spec,  # type: ignore[no-untyped-def]
    skipped_dirs: frozenset[str] | set[str],
    diagnostics: list[Diagnostic] | None = None,
    outside: list[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """(rel, path) of each file under root that ``spec`` does not exclude, depth first in name
    order, plain strings for speed; symlink loops and unreadable directories go to
    ``diagnostics`` (when given) and are not walked; symbolic links that lead out of the tree
    are neither followed nor yielded, their rel (directories with a trailing "/") goes to
    ``outside``."""
    if isinstance(spec, DirNames):
        # files under walked directories never match: only directory names need checking
        skipped_dirs, spec = skipped_dirs | spec.names, None
    seen_dirs: set[tuple[int, int]] = set()
    base = str(root)
    real_base = os.path.realpath(base)
    stack = [(base, "")]
    while stack:
        directory, prefix = stack.pop()
        rel_dir = prefix[:-1] or "."
        try:
            st = os.stat(directory)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            if diagnostics is not None:
                diagnostics.append(
                    Diagnostic(
                        DiagnosticLevel.WARNING,
                        "symlink-loop",
                        "directory reached twice through symbolic links; not walked again",
                        Location(rel_dir),
                    )
                )
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if diagnostics is not None:
                diagnostics.append(
                    Diagnostic(
                        DiagnosticLevel.ERROR,
                        "unreadable",
                        f"cannot list directory: {exc.strerror}",
                        Location(rel_dir),
                    )
                )
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            rel = prefix + entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if entry.is_symlink() and not _inside(entry.path, real_base):
                # read, its content could end up in a report: another tree's secrets
                if outside is not None:
                    outside.append(rel + "/" if is_dir else rel)
                continue
            if is_dir:
                if entry.name in skipped_dirs or (spec is not None and spec.match_file(rel + "/")):
                    continue
                subdirs.append((entry.path, rel + "/"))
            elif spec is None or not spec.match_file(rel):
                yield rel, entry.path
        stack.extend(reversed(subdirs))


def _inside(path: str, real_root: str) -> bool:
    target = os.path.realpath(path)
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _consider(path: str, rel: str, kind: str, result: DiscoveryResult, max_size: int) -> None:
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        result.diagnostics.append(
            Diagnostic(DiagnosticLevel.ERROR, "unreadable", f"cannot read: {exc}", Location(rel))
        )
        return
    if kind == "maybe-template":
        kind = _sniff(path, rel, size, max_size, result)
        if kind is None:
            return
    elif size > max_size:
        result.diagnostics.append(_too_large(rel, size, max_size))
        return
    result.candidates.append(Candidate(Path(path), rel, kind, size))


def unsupported_reason(name: str) -> str | None:
    lower = name.lower()
    if lower in _UNSUPPORTED:
        return _UNSUPPORTED[lower]
    return _UNSUPPORTED[".tf.json"] if lower.endswith(".tf.json") else None


def kind_by_name(name: str) -> str | None:
    lower = name.lower()
    if lower in _SERVERLESS_NAMES:
        return SERVERLESS
    if lower.endswith(".tf"):
        return TERRAFORM
    if lower.endswith(".tfvars"):
        return TFVARS
    if lower == "function.json":
        return AZURE_FUNCTION
    if lower == "host.json":
        return AZURE_HOST
    if lower == "local.settings.json":
        return AZURE_SETTINGS
    if lower in _NOT_TEMPLATES or lower.endswith((".tfvars.json", ".lock.json", ".tf.json")):
        return None
    if lower.endswith(_TEMPLATE_SUFFIXES):
        return "maybe-template"
    return None


def _sniff(path: str, rel: str, size: int, max_size: int, result: DiscoveryResult) -> str | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        result.diagnostics.append(
            Diagnostic(DiagnosticLevel.ERROR, "unreadable", f"cannot read: {exc}", Location(rel))
        )
        return None
    if b"\x00" in head[:8192]:
        return None  # binary data with a template-like name is not a template
    if _CFN_MARKERS.search(head):
        if size > max_size:
            result.diagnostics.append(_too_large(rel, size, max_size))
            return None
        return CLOUDFORMATION
    if (
        rel.rpartition("/")[2].lower().startswith("serverless")
        and _SERVERLESS_MARKERS.search(head)
        and _SERVERLESS_PROVIDER.search(head)
    ):
        # serverless.<stage>.yml and similar variants
        return SERVERLESS
    return None


def _too_large(rel: str, size: int, max_size: int) -> Diagnostic:
    return Diagnostic(
        DiagnosticLevel.ERROR,
        "too-large",
        f"file is {size:,} bytes, over the {max_size:,}-byte limit (--max-file-size); not scanned",
        Location(rel),
    )

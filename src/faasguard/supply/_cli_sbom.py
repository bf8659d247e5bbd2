"""`faasguard sbom PATH`: a CycloneDX 1.6 SBOM of what a project, or each function, deploys.

Exit codes: 0 written; 1 written but incomplete (a dependency file could not be read);
2 usage or fatal error. A project without dependency files gives an empty, valid BOM and a
warning on stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_INCOMPLETE, EXIT_ERROR = 0, 1, 2
_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from faasguard.cli import _add_load_options

    _add_load_options(parser)  # PATH, --stage, --param, --exclude, ... as for `scan`
    parser.add_argument("--output", "-o", metavar="FILE", help="write the SBOM to FILE")
    parser.add_argument("--format", choices=("json", "xml"), default="json")
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--function", metavar="NAME", help="only this function's dependencies (name or id)"
    )
    which.add_argument(
        "--per-function",
        metavar="DIR",
        help="write one SBOM per function into DIR (NAME.cdx.json / .cdx.xml)",
    )
    parser.add_argument(
        "--exclude-dev",
        action="store_true",
        help="leave development dependencies out (default: listed with scope 'excluded')",
    )


def run(args: argparse.Namespace) -> int:
    from faasguard.cli import UsageError

    try:
        return _run(args)
    except _Fatal as exc:
        raise UsageError(str(exc)) from None


class _Fatal(Exception):
    pass


def _run(args: argparse.Namespace) -> int:
    from faasguard.supply import sbom

    path = Path(args.path)
    if not path.exists():
        raise _Fatal(f"{args.path}: no such file or directory")
    if path.is_file() and _is_dependency_file(path):
        if args.function or args.per_function:
            raise _Fatal("--function / --per-function need a project directory, not one file")
        built = sbom.manifests_sbom(
            [_read_one(path)], name=path.resolve().parent.name, exclude_dev=args.exclude_dev
        )
        return _emit(built, args.output, args.format, [])
    inventory = _load(args)
    problems = _unreadable(inventory)
    if not inventory.manifests and not problems:
        _warn(f"no dependency files found in {args.path}: the SBOM lists no components")
    if args.per_function:
        return _per_function(inventory, Path(args.per_function), args, problems)
    if args.function:
        fn = _pick_function(inventory, args.function)
        built = sbom.function_sbom(inventory, fn, exclude_dev=args.exclude_dev)
        if inventory.manifests and not built.components:
            _warn(f"function {fn.name} ships no dependency file faasguard could tie to it")
    else:
        built = sbom.project_sbom(inventory, exclude_dev=args.exclude_dev)
    return _emit(built, args.output, args.format, problems)


def _load(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from faasguard.cli import _config
    from faasguard.cli import _load as load

    return load(args, _config(args), progress=False)


def _is_dependency_file(path: Path) -> bool:
    from faasguard.supply import reader_for

    return reader_for(path.as_posix()) is not None


def _read_one(path: Path):  # type: ignore[no-untyped-def]
    from faasguard.supply import read_manifest

    try:
        return read_manifest(path, path.name)
    except OSError as exc:
        raise _Fatal(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # ManifestError: a message with the line where it applies
        line = getattr(exc, "line", None)
        where = f"{getattr(exc, 'file', None) or path}" + (f":{line}" if line else "")
        raise _Fatal(f"{where}: {getattr(exc, 'message', exc)}") from None


def _unreadable(inventory) -> list[str]:  # type: ignore[no-untyped-def]
    """Errors on dependency files, or on files no template loaded (a broken ``-r`` include):
    the SBOM is incomplete without them."""
    from faasguard.model import DiagnosticLevel

    loaded = {f.path for f in inventory.files}
    return [
        f"{d.location}: {d.message}"
        for d in inventory.diagnostics
        if d.level is DiagnosticLevel.ERROR
        and (_is_dependency_file(Path(d.location.file)) or d.location.file not in loaded)
    ]


def _pick_function(inventory, wanted: str):  # type: ignore[no-untyped-def]
    matches = [fn for fn in inventory.functions if wanted in (fn.name, fn.logical_id, fn.id)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(fn.id for fn in matches)
        raise _Fatal(f"--function {wanted}: several functions have that name; give an id: {ids}")
    names = ", ".join(sorted({fn.name for fn in inventory.functions})) or "none found"
    raise _Fatal(f"--function {wanted}: no such function (functions: {names})")


def _per_function(inventory, out_dir: Path, args: argparse.Namespace, problems: list[str]) -> int:  # type: ignore[no-untyped-def]
    from faasguard.supply import sbom

    if not inventory.functions:
        raise _Fatal(f"--per-function: no functions found in {args.path}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _Fatal(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    names = _file_names(inventory.functions, args.format)
    empty = []
    for fn in inventory.functions:
        built = sbom.function_sbom(inventory, fn, exclude_dev=args.exclude_dev)
        if not built.components:
            empty.append(names[fn.id].split(".cdx.")[0])
        _emit_warnings(built.warnings)
        _write(built.render(args.format), out_dir / names[fn.id])
    loose = sorted(m.path for m in sbom.deployable(inventory.manifests) if not m.functions)
    if loose:
        _warn(f"not tied to any function, so only in the project SBOM: {', '.join(loose)}")
    if empty:
        _warn(f"{len(empty)} function(s) with no dependency file: {', '.join(sorted(empty))}")
    print(f"faasguard: wrote {len(names)} SBOM(s) to {out_dir}", file=sys.stderr)
    return _finish(problems)


def _file_names(functions: Sequence, fmt: str) -> dict[str, str]:  # type: ignore[type-arg]
    taken: dict[str, int] = {}
    for fn in functions:
        taken[fn.name] = taken.get(fn.name, 0) + 1
    out = {}
    for fn in functions:
        stem = fn.name if taken[fn.name] == 1 else fn.id
        out[fn.id] = f"{_SAFE_FILE_NAME.sub('_', stem).strip('._') or 'function'}.cdx.{fmt}"
    return out


def _emit(built, output: str | None, fmt: str, problems: list[str]) -> int:  # type: ignore[no-untyped-def]
    _emit_warnings(built.warnings)
    text = built.render(fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        _write(text, Path(output))
    return _finish(problems)


def _finish(problems: list[str]) -> int:
    if not problems:
        return EXIT_OK
    for problem in problems:
        _warn(problem)
    _warn(f"{len(problems)} dependency file(s) could not be read: the SBOM is incomplete")
    return EXIT_INCOMPLETE


def _emit_warnings(messages: Sequence[str]) -> None:
    for message in messages:
        _warn(message)


def _warn(message: str) -> None:
    print(f"faasguard: warning: {message}", file=sys.stderr)


def _write(text: str, path: Path) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Fatal(f"cannot write {path}: {exc.strerror or exc}") from None

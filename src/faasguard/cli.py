"""The command line: parse arguments, call a service, render, set the exit code.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or fatal error.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faasguard import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Findings saying dependencies could not be checked (no database, unparseable version, unknown
# ecosystem): never a clean exit unless the user accepts it with --allow-unchecked.
UNCHECKED_RULES = frozenset({"FG703", "FG704"})


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faasguard",
        description="Security for serverless functions: scan serverless.yml, SAM/CloudFormation, "
        "Terraform and Azure Functions projects.",
    )
    parser.add_argument("--version", action="version", version=f"faasguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser("scan", help="scan a project for security problems")
    _add_load_options(scan)
    scan.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    scan.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    scan.add_argument(
        "--fail-on",
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity "
        "(critical, high, medium, low, info, or none); default low",
    )
    scan.add_argument(
        "--fail-on-advice", action="store_true", help="let hardening advice set the exit code too"
    )
    scan.add_argument("--no-advice", action="store_true", help="do not report hardening advice")
    scan.add_argument(
        "--allow-unchecked",
        action="store_true",
        help="do not fail because some dependencies could not be checked for advisories",
    )
    scan.add_argument(
        "--rules", metavar="IDS", help="comma-separated rule ids to run (default all)"
    )
    scan.add_argument(
        "--baseline", metavar="FILE", help="hide findings recorded in FILE; show only new ones"
    )
    scan.add_argument(
        "--write-baseline", metavar="FILE", help="record every current finding in FILE, exit 0"
    )
    scan.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    scan.add_argument(
        "--view",
        choices=("findings", "functions"),
        default="findings",
        help="text output: findings grouped by function (default) or one row per function "
        "with its exposure and privilege",
    )

    inv = sub.add_parser("inventory", help="dump what faasguard read, as JSON")
    _add_load_options(inv)
    inv.add_argument("--format", choices=("json",), default="json")
    inv.add_argument("--output", "-o", metavar="FILE")

    layer = sub.add_parser("layer", help="package the runtime guard as a Lambda layer")
    layer_sub = layer.add_subparsers(dest="layer_command", metavar="ACTION")
    build = layer_sub.add_parser("build", help="write a layer zip holding only faasguard.runtime")
    build.add_argument("--output", "-o", default="faasguard-runtime.zip", metavar="PATH")
    build.add_argument(
        "--with",
        dest="extras",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="vendor an optional pure-Python extra (e.g. fastjsonschema) into the layer",
    )

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    explain = sub.add_parser("explain", help="print the documentation of one rule")
    explain.add_argument("rule_id", metavar="ID")
    for name, (module, text) in _COMMANDS.items():
        importlib.import_module(module).add_arguments(sub.add_parser(name, help=text))
    return parser


# Commands whose options and code live with their feature: `add_arguments(parser)` and
# `run(args) -> exit code`. The modules import nothing heavy at module level.
_COMMANDS = {
    "db": ("faasguard.supply._cli_db", "manage the local advisory database (OSV data)"),
    "sbom": ("faasguard.supply._cli_sbom", "write a CycloneDX SBOM of a project's dependencies"),
    "manifest": ("faasguard.integrity._cli", "build or verify a signed deployment manifest"),
    "audit": ("faasguard.integrity._cli_audit", "verify a hash-chained security event log"),
}


def _add_load_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="project directory or a single file")
    p.add_argument("--stage", help="serverless stage (resolves ${opt:stage} / ${sls:stage})")
    p.add_argument("--region", help="AWS region for pseudo parameters and ${opt:region}")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter / Terraform variable / serverless param override",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="gitignore-style pattern of paths to skip (repeatable)",
    )
    p.add_argument(
        "--config", metavar="FILE", help=".faasguard.toml or pyproject.toml (default: found upward)"
    )
    p.add_argument("--no-config", action="store_true", help="ignore configuration files")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes for loading (default: one per CPU on large trees)",
    )
    p.add_argument(
        "--max-file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="skip (and report) definition files larger than this; default 5 MB",
    )


# Set by run() for a process that ends with the command: what a scan built is kept here, so
# that returning from the command does not free it object by object just before the exit.
_KEPT: list[object] | None = None


def _keep(*objects: object) -> None:
    if _KEPT is not None:
        _KEPT.extend(objects)


def run() -> None:
    """The console entry point: main(), then, after a scan or an inventory, exit without
    tearing the interpreter down. Freeing a large scan's objects one by one at exit takes a
    tenth of a second and serves nobody: the output is written and flushed first."""
    global _KEPT
    args = _parser().parse_args()
    if args.command in _BUILDS_INVENTORY:
        _KEPT = []
    code = _main(args)
    if args.command in _BUILDS_INVENTORY:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to deliver
                stream.flush()
        os._exit(code)
    raise SystemExit(code)


_BUILDS_INVENTORY = ("scan", "inventory")


def main(argv: Sequence[str] | None = None) -> int:
    return _main(_parser().parse_args(argv))


def _main(args: argparse.Namespace) -> int:
    if args.command not in _BUILDS_INVENTORY:
        return _dispatch(args)
    # A scan builds a large, long-lived, almost cycle-free object graph: the cyclic garbage
    # collector walks it again and again as it grows (a fifth of a large scan's time) to free
    # next to nothing (peak memory is the same without it); reference counting frees the rest.
    # Restored afterwards, for callers that run main() in-process.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _dispatch(args)
    finally:
        if collecting:
            gc.enable()


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "inventory":
            return _inventory(args)
        if args.command == "layer" and getattr(args, "layer_command", None) == "build":
            return _layer_build(args)
        if args.command == "rules":
            return _rules(args.format)
        if args.command == "explain":
            return _explain(args.rule_id)
        if args.command in _COMMANDS:
            return int(importlib.import_module(_COMMANDS[args.command][0]).run(args))
        _parser().print_help()
        return EXIT_ERROR
    except UsageError as exc:
        print(f"faasguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("faasguard: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        return EXIT_CLEAN


def _config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from faasguard.config import Config, ConfigError, find_config, load_config

    if getattr(args, "no_config", False):
        return Config()
    try:
        path = Path(args.config) if getattr(args, "config", None) else find_config(Path(args.path))
        return load_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _context(args: argparse.Namespace, config):  # type: ignore[no-untyped-def]
    from faasguard.inventory import LoadContext
    from faasguard.inventory._base import DEFAULT_MAX_FILE_SIZE

    root = Path(args.path)
    if not root.exists():
        raise UsageError(f"{args.path}: no such file or directory")
    params: dict[str, str] = dict(config.params)
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item!r}: expected KEY=VALUE")
        params[key] = value
    size = args.max_file_size or config.max_file_size or DEFAULT_MAX_FILE_SIZE
    if size <= 0:
        raise UsageError("--max-file-size must be positive")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    base = root if root.is_dir() else root.parent
    return LoadContext(
        root=base.resolve(),
        stage=args.stage or config.stage,
        region=args.region or config.region,
        params=params,
        max_file_size=size,
        jobs=args.jobs or 0,
    )


def _load(args: argparse.Namespace, config, *, progress: bool, meanwhile=None):  # type: ignore[no-untyped-def]
    from faasguard.inventory import build_inventory

    ctx = _context(args, config)
    excludes = [*config.exclude, *args.exclude]
    if not progress or not sys.stderr.isatty():
        return build_inventory(Path(args.path), ctx, excludes, meanwhile=meanwhile)
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("loading", total=None)

        def tick(done: int, total: int) -> None:
            if total >= 50:
                bar.update(task, completed=done, total=total)

        return build_inventory(Path(args.path), ctx, excludes, progress=tick, meanwhile=meanwhile)


_FORMAT_MODULES = {
    "json": ("faasguard.report.json_format", "orjson"),
    "sarif": ("faasguard.report.sarif", "orjson"),
    "text": ("faasguard.report.text",),
}


def _names_rules(args: argparse.Namespace, config) -> bool:  # type: ignore[no-untyped-def]
    return bool(args.rules or config.enable is not None or config.disable or config.severity)


def _selected_rules(args: argparse.Namespace, config):  # type: ignore[no-untyped-def]
    from faasguard.rules import all_rules

    rules = all_rules()
    known = {r.id for r in rules}
    wanted = None
    if args.rules:
        wanted = {r.strip().upper() for r in args.rules.split(",") if r.strip()}
    elif config.enable is not None:
        wanted = set(config.enable)
    for ids, origin in (
        (wanted or set(), "--rules"),
        (config.disable, "disable"),
        (set(config.severity), "severity"),
    ):
        unknown = set(ids) - known
        if unknown:
            raise UsageError(f"{origin}: unknown rule id(s): {', '.join(sorted(unknown))}")
    if wanted is not None:
        rules = [r for r in rules if r.id in wanted]
    rules = [r for r in rules if r.id not in config.disable]
    if args.no_advice:
        rules = [r for r in rules if not r.advice]
    return rules


def _scan(args: argparse.Namespace) -> int:
    import dataclasses

    config = _config(args)
    fail_text = args.fail_on or config.fail_on or "low"
    fail_on = None if fail_text.lower() == "none" else _severity(fail_text)
    baseline = _baseline(args.baseline or config.baseline)
    started = time.perf_counter()
    # Rules named on the command line or in the config are checked before loading (a typo
    # fails fast); otherwise choosing and importing them waits for the workers to be busy.
    chosen = [_selected_rules(args, config)] if _names_rules(args, config) else []

    def meanwhile(manifests: Sequence[Any]) -> None:
        from faasguard.rules import prepare_rules

        for later in ("faasguard.suppress", "faasguard.reach", *_FORMAT_MODULES[args.format]):
            with contextlib.suppress(ImportError):  # orjson is optional
                importlib.import_module(later)  # here, while the workers load, not after

        if not chosen:
            chosen.append(_selected_rules(args, config))
        prepare_rules(chosen[0], manifests)

    inventory = _load(args, config, progress=not args.no_progress, meanwhile=meanwhile)
    rules = chosen[0] if chosen else _selected_rules(args, config)
    from faasguard import suppress
    from faasguard.reach import rank
    from faasguard.report import Report, render, render_bytes

    marks, problems = suppress.collect(Path(inventory.root), (f.path for f in inventory.files))
    inventory = dataclasses.replace(inventory, diagnostics=(*inventory.diagnostics, *problems))
    found = suppress.with_severity((f for r in rules for f in r.check(inventory)), config.severity)
    if args.write_baseline:
        _write(suppress.baseline_text(found), args.write_baseline)
        print(f"faasguard: wrote {len(found)} finding(s) to {args.write_baseline}", file=sys.stderr)
        return EXIT_CLEAN
    kept, hidden = suppress.apply(rank(found, inventory), marks, baseline)
    report = Report(
        inventory=inventory,
        findings=tuple(kept),
        fail_on=fail_on,
        gate_advice=args.fail_on_advice,
        duration_s=time.perf_counter() - started,
        rules=tuple(rules),
        suppressed=tuple(hidden),
        ungated=UNCHECKED_RULES if args.allow_unchecked else frozenset(),
    )
    _keep(report, found)
    unchecked = [f for f in report.findings if f.rule_id in UNCHECKED_RULES]
    unaccepted = bool(unchecked) and not args.allow_unchecked
    verdict = EXIT_FINDINGS if report.gating or unaccepted else EXIT_CLEAN
    try:
        if args.output is None:
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            _write(render(report, args.format, view=args.view, color=color), None)
        else:
            _write(render_bytes(report, args.format, view=args.view), args.output)
    except BrokenPipeError:  # output piped into `head` and friends: the verdict still stands
        _quiet_closed_stdout()
        return verdict
    if unaccepted:
        print(
            f"faasguard: {len(unchecked)} finding(s) say dependencies could not be checked for "
            "advisories (FG703/FG704): this scan is not clean. Load advisories with `faasguard "
            "db update --from PATH_OR_URL`, or pass --allow-unchecked to accept that.",
            file=sys.stderr,
        )
    return verdict


def _quiet_closed_stdout() -> None:
    """After a reader closed the pipe: nothing more goes to it, not even the final flush."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _baseline(path: str | None) -> set[str]:
    if not path:
        return set()
    from faasguard.suppress import read_baseline

    try:
        return read_baseline(Path(path))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _severity(text: str):  # type: ignore[no-untyped-def]
    from faasguard.model import Severity

    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None


def _inventory(args: argparse.Namespace) -> int:
    from faasguard.inventory._dump import inventory_dict
    from faasguard.report.json_format import dumps

    inventory = _load(args, _config(args), progress=False)
    _keep(inventory)
    _write(dumps(inventory_dict(inventory), pretty=True, newline=True), args.output)
    return EXIT_CLEAN


def _write(text: str | bytes, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text if isinstance(text, str) else text.decode("utf-8"))
        return
    try:
        if isinstance(text, bytes):
            Path(output).write_bytes(text)
        else:
            Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _layer_build(args: argparse.Namespace) -> int:
    from faasguard.layer import LayerError, build_layer

    try:
        path = build_layer(Path(args.output), extras=args.extras)
    except LayerError as exc:
        raise UsageError(str(exc)) from None
    print(f"faasguard: wrote {path} ({path.stat().st_size:,} bytes)")
    return EXIT_CLEAN


def _rules(fmt: str = "text") -> int:
    from faasguard.rules import all_rules

    if fmt == "json":
        import json

        print(json.dumps([rule_dict(r) for r in all_rules()], indent=2, ensure_ascii=False))
        return EXIT_CLEAN
    for r in all_rules():
        cwe = f"CWE-{r.cwe}" if r.cwe else ""
        kind = "advice" if r.advice else r.category.value
        print(f"{r.id}  {r.severity.label:8}  {kind:12}  {cwe:9}  {r.title}")
    return EXIT_CLEAN


def rule_dict(r) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """One rule as `faasguard rules --format json` prints it (a stable interface)."""
    return {
        "id": r.id,
        "title": r.title,
        "severity": r.severity.label,
        "category": r.category.value,
        "advice": r.advice,
        "cwe": f"CWE-{r.cwe}" if r.cwe else None,
        "docs": {
            "what": r.docs.what,
            "why": r.docs.why,
            "fix": dict(r.docs.fix),
            "example": r.docs.example,
            "references": list(r.docs.references),
        },
    }


def _explain(rule_id: str) -> int:
    from faasguard.rules import get_rule

    try:
        r = get_rule(rule_id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    print(rule_markdown(r))
    return EXIT_CLEAN


def rule_markdown(r) -> str:  # type: ignore[no-untyped-def]
    lines = [f"## {r.id}: {r.title}", ""]
    meta = f"Severity: {r.severity.label} · Category: {r.category.value}"
    if r.cwe:
        meta += f" · CWE-{r.cwe}"
    if r.advice:
        meta += " · hardening advice (not gated by default)"
    lines += [
        meta,
        "",
        "**What it finds.** " + r.docs.what,
        "",
        "**Why it matters.** " + r.docs.why,
    ]
    if r.docs.example:
        lines += ["", "**Example.**", "", "```yaml", r.docs.example, "```"]
    if r.docs.fix:
        lines += ["", "**How to fix.**", ""]
        lines += [f"- *{fmt}*: {how}" for fmt, how in r.docs.fix.items()]
    if r.docs.references:
        lines += ["", "**References.**", ""] + [f"- {ref}" for ref in r.docs.references]
    return "\n".join(lines) + "\n"

"""The command line: parse arguments, call a service, render, set the exit code.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or fatal error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from faasguard import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


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
        default="low",
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity "
        "(critical, high, medium, low, info, or none); default low",
    )
    scan.add_argument(
        "--fail-on-advice", action="store_true", help="let hardening advice set the exit code too"
    )
    scan.add_argument("--no-advice", action="store_true", help="do not report hardening advice")
    scan.add_argument(
        "--rules", metavar="IDS", help="comma-separated rule ids to run (default all)"
    )
    scan.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    inv = sub.add_parser("inventory", help="dump what faasguard read, as JSON")
    _add_load_options(inv)
    inv.add_argument("--format", choices=("json",), default="json")
    inv.add_argument("--output", "-o", metavar="FILE")

    sub.add_parser("rules", help="list the rules")
    explain = sub.add_parser("explain", help="print the documentation of one rule")
    explain.add_argument("rule_id", metavar="ID")
    return parser


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
        "--max-file-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="skip (and report) definition files larger than this; default 5 MB",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "inventory":
            return _inventory(args)
        if args.command == "rules":
            return _rules()
        if args.command == "explain":
            return _explain(args.rule_id)
        _parser().print_help()
        return EXIT_ERROR
    except UsageError as exc:
        print(f"faasguard: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("faasguard: interrupted", file=sys.stderr)
        return EXIT_ERROR


def _context(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from faasguard.inventory import LoadContext
    from faasguard.inventory._base import DEFAULT_MAX_FILE_SIZE

    root = Path(args.path)
    if not root.exists():
        raise UsageError(f"{args.path}: no such file or directory")
    params: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item!r}: expected KEY=VALUE")
        params[key] = value
    size = args.max_file_size if args.max_file_size is not None else DEFAULT_MAX_FILE_SIZE
    if size <= 0:
        raise UsageError("--max-file-size must be positive")
    base = root if root.is_dir() else root.parent
    return LoadContext(
        root=base.resolve(), stage=args.stage, region=args.region, params=params, max_file_size=size
    )


def _load(args: argparse.Namespace, *, progress: bool):  # type: ignore[no-untyped-def]
    from faasguard.inventory import build_inventory

    ctx = _context(args)
    if not progress or not sys.stderr.isatty():
        return build_inventory(Path(args.path), ctx, args.exclude)
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("loading", total=None)

        def tick(done: int, total: int) -> None:
            if total >= 50:
                bar.update(task, completed=done, total=total)

        return build_inventory(Path(args.path), ctx, args.exclude, progress=tick)


def _scan(args: argparse.Namespace) -> int:
    from faasguard.report import Report, render
    from faasguard.rules import all_rules

    fail_on = None if args.fail_on.lower() == "none" else _severity(args.fail_on)
    started = time.perf_counter()
    inventory = _load(args, progress=not args.no_progress)
    rules = all_rules()
    if args.rules:
        wanted = {r.strip().upper() for r in args.rules.split(",") if r.strip()}
        unknown = wanted - {r.id for r in rules}
        if unknown:
            raise UsageError(f"unknown rule id(s): {', '.join(sorted(unknown))}")
        rules = [r for r in rules if r.id in wanted]
    if args.no_advice:
        rules = [r for r in rules if not r.advice]
    findings = [f for r in rules for f in r.check(inventory)]
    findings.sort(key=lambda f: (-f.severity, f.location.file, f.location.line, f.rule_id))
    report = Report(
        inventory=inventory,
        findings=tuple(findings),
        fail_on=fail_on,
        gate_advice=args.fail_on_advice,
        duration_s=time.perf_counter() - started,
        rules=tuple(rules),
    )
    _write(render(report, args.format), args.output)
    return EXIT_FINDINGS if report.gating else EXIT_CLEAN


def _severity(text: str):  # type: ignore[no-untyped-def]
    from faasguard.model import Severity

    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None


def _inventory(args: argparse.Namespace) -> int:
    import json

    from faasguard.inventory._dump import inventory_dict

    inventory = _load(args, progress=False)
    _write(json.dumps(inventory_dict(inventory), indent=2, ensure_ascii=False) + "\n", args.output)
    return EXIT_CLEAN


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _rules() -> int:
    from faasguard.rules import all_rules

    for r in all_rules():
        cwe = f"CWE-{r.cwe}" if r.cwe else ""
        kind = "advice" if r.advice else r.category.value
        print(f"{r.id}  {r.severity.label:8}  {kind:12}  {cwe:9}  {r.title}")
    return EXIT_CLEAN


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

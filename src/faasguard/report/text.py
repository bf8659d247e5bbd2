"""Human output: findings grouped by function, then a summary."""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.table import Table

from faasguard.model import Finding, Severity
from faasguard.report import Report


def render_functions(report: Report, *, width: int = 110, color: bool = False) -> str:
    """The per-function view: one row per function, most exposed and most privileged first."""
    from faasguard.report.json_format import functions_summary

    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False
    )
    table = Table(title="functions")
    for column in ("function", "where", "exposure", "privilege", "entry", "findings"):
        table.add_column(column, overflow="fold")
    rows = functions_summary(report)
    order = {"public-unauthenticated": 0, "unknown": 1, "public-authenticated": 2, "internal": 3}
    rows.sort(key=lambda r: (order.get(r["exposure"], 4), -sum(r["findings"].values())))
    for row in rows:
        loc = row["location"]
        entry = row["chain"][0]["what"].removeprefix("entry: ") if len(row["chain"]) > 1 else ""
        counts = ", ".join(f"{n} {s}" for s, n in row["findings"].items()) or "none"
        table.add_row(
            row["name"],
            f"{loc['file']}:{loc['line']}",
            row["exposure"],
            row["privilege"],
            entry,
            counts,
        )
    console.print(table)
    _summary(console, report)
    return buffer.getvalue()


_ANSI = {
    Severity.CRITICAL: "\x1b[1;37;41m",
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
_RESET, _BOLD, _DIM, _MAGENTA = "\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[35m"


def render_text(report: Report, *, width: int = 110, color: bool = False) -> str:
    """Findings grouped by function, most urgent first (plain strings: thousands of findings
    render in milliseconds), then the summary table."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[f.function or f.location.file].append(f)
    lines: list[str] = []
    for owner in sorted(groups, key=lambda k: -max(f.rank for f in groups[k])):
        lines.append(paint(owner, _BOLD))
        for f in sorted(groups[owner], key=lambda f: (-f.rank, -f.severity, f.location)):
            label = paint(f"{f.severity.label.upper():8}", _ANSI[f.severity])
            lines.append(f"  {label} {paint(f.rule_id, _BOLD)} {f.message}")
            advice = "  [advice]" if f.advice else ""
            lines.append(paint(f"           at {f.location}{advice}", _DIM))
            if f.chain and f.exposure in ("public-unauthenticated", "unknown"):
                chain = " → ".join(what.removeprefix("entry: ") for what, _ in f.chain)
                lines.append(paint(f"           path: {chain}", _MAGENTA))
        lines.append("")
    buffer = io.StringIO()
    buffer.write("\n".join(lines) + ("\n" if lines else ""))
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False
    )
    _summary(console, report)
    return buffer.getvalue()


def _summary(console: Console, report: Report) -> None:
    inv = report.inventory
    table = Table(title="faasguard scan", show_header=False, box=None, pad_edge=False)
    table.add_row("files scanned", str(len(inv.files)))
    table.add_row("functions", str(len(inv.functions)))
    counts = report.severity_counts()
    table.add_row("findings", ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none")
    if report.fail_on is not None:
        table.add_row(f"at or above {report.fail_on.label}", str(len(report.gating)))
    if report.warnings:
        by_code: dict[str, int] = defaultdict(int)
        for w in report.warnings:
            by_code[w.code] += 1
        table.add_row("warnings", ", ".join(f"{n} {c}" for c, n in sorted(by_code.items())))
    if report.suppressed:
        table.add_row("suppressed", f"{len(report.suppressed)} (reasons in --format json)")
    table.add_row("time", f"{report.duration_s:.2f} s")
    console.print(table)

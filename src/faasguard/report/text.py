"""Human output: findings grouped by function, then a summary."""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from faasguard.model import Finding, Severity
from faasguard.report import Report

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render_text(report: Report, *, width: int = 110, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[f.function or f.location.file].append(f)
    for owner in sorted(groups, key=lambda k: -max(f.severity for f in groups[k])):
        console.print(Text(owner, style="bold underline"))
        for f in sorted(groups[owner], key=lambda f: (-f.severity, f.location)):
            line = Text("  ")
            line.append(f"{f.severity.label.upper():8}", style=_STYLE[f.severity])
            line.append(f" {f.rule_id} ", style="bold")
            line.append(f.message)
            console.print(line)
            console.print(
                Text(
                    f"           at {f.location}" + ("  [advice]" if f.advice else ""), style="dim"
                )
            )
        console.print()
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
    table.add_row("time", f"{report.duration_s:.2f} s")
    console.print(table)

"""One Report, several renderers (text, json, sarif)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from faasguard import __version__
from faasguard.model import Diagnostic, DiagnosticLevel, Finding, Inventory, Severity

FORMATS = ("text", "json", "sarif")


@dataclass(frozen=True)
class Report:
    inventory: Inventory
    findings: tuple[Finding, ...]
    fail_on: Severity | None = Severity.LOW
    gate_advice: bool = False
    duration_s: float = 0.0
    tool_version: str = __version__
    rules: tuple = field(default=())  # the Rule objects that ran (for SARIF rule metadata)
    suppressed: tuple = field(default=())  # suppress.Suppressed: hidden, counted, listed
    ungated: frozenset[str] = frozenset()  # rule ids reported but never gating (--allow-unchecked)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.inventory.diagnostics if d.level == DiagnosticLevel.WARNING)

    @property
    def gating(self) -> tuple[Finding, ...]:
        """Findings at or above --fail-on (advice only when asked): what sets exit code 1."""
        if self.fail_on is None:
            return ()
        return tuple(
            f
            for f in self.findings
            if f.severity >= self.fail_on
            and (self.gate_advice or not f.advice)
            and f.rule_id not in self.ungated
        )

    def severity_counts(self) -> dict[str, int]:
        counts = Counter(f.severity.label for f in self.findings)
        return {s.label: counts.get(s.label, 0) for s in sorted(Severity, reverse=True)}


def render_bytes(report: Report, fmt: str, *, view: str = "findings", color: bool = False) -> bytes:
    """render(), UTF-8 encoded: JSON and SARIF come out of the encoder as bytes already."""
    if fmt == "json":
        from faasguard.report.json_format import render_json

        return render_json(report)
    if fmt == "sarif":
        from faasguard.report.sarif import render_sarif

        return render_sarif(report)
    return render(report, fmt, view=view, color=color).encode("utf-8")


def render(report: Report, fmt: str, *, view: str = "findings", color: bool = False) -> str:
    if fmt in ("json", "sarif"):
        return render_bytes(report, fmt).decode("utf-8")
    if fmt == "text":
        from faasguard.report.text import render_functions, render_text

        if view == "functions":
            return render_functions(report, color=color)
        return render_text(report, color=color)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")

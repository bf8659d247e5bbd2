"""The JSON report: schema `faasguard-report`, version 1 (see docs/report-format.md)."""

from __future__ import annotations

import json
from typing import Any

from faasguard.model import Finding
from faasguard.report import Report

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.label,
        "category": f.category.value,
        "advice": f.advice,
        "message": f.message,
        "location": f.location.to_dict(),
        "function": f.function,
        "cwe": f"CWE-{f.cwe}" if f.cwe else None,
        "fingerprint": f.fingerprint,
        "evidence": dict(f.evidence),
        "related": [{"what": what, "location": loc.to_dict()} for what, loc in f.related],
    }
    return out


def report_dict(report: Report) -> dict[str, Any]:
    inv = report.inventory
    kinds: dict[str, int] = {}
    for file in inv.files:
        kinds[file.kind] = kinds.get(file.kind, 0) + 1
    return {
        "schema": "faasguard-report",
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "faasguard", "version": report.tool_version},
        "root": inv.root,
        "summary": {
            "files": len(inv.files),
            "files_by_kind": kinds,
            "functions": len(inv.functions),
            "findings": len(report.findings),
            "by_severity": report.severity_counts(),
            "gating": len(report.gating),
            "fail_on": report.fail_on.label if report.fail_on is not None else None,
            "warnings": len(report.warnings),
            "duration_s": round(report.duration_s, 3),
        },
        "findings": [finding_dict(f) for f in report.findings],
        "warnings": [
            {"code": w.code, "message": w.message, "location": w.location.to_dict()}
            for w in report.warnings
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"

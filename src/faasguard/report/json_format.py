"""The JSON report: schema `faasguard-report`, version 1 (see docs/report-format.md)."""

from __future__ import annotations

import json
from typing import Any

from faasguard._memo import per_object
from faasguard.model import Finding, Location
from faasguard.report import Report

SCHEMA_VERSION = 1


@per_object(limit=200_000)
def _loc(location: Location) -> dict[str, Any]:
    """Location dicts are shared between findings (a chain repeats for every finding of a
    function); the JSON encoder writes each occurrence, we build each once (by identity: the
    same Location object recurs)."""
    return location.to_dict()


@per_object(limit=200_000)
def _steps(steps: tuple[tuple[str, Location], ...]) -> list[dict[str, Any]]:
    """An attack path as JSON: one per function, shared by all of that function's findings
    (and by its entry in the functions view), so built once (by identity)."""
    return [{"what": what, "location": _loc(loc)} for what, loc in steps]


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": f.severity.label,
        "category": str.__str__(f.category),  # a StrEnum: its text, without Enum.value
        "advice": f.advice,
        "message": f.message,
        "location": _loc(f.location),
        "function": f.function,
        "cwe": f"CWE-{f.cwe}" if f.cwe else None,
        "fingerprint": f.fingerprint,
        "evidence": dict(f.evidence),
        "related": [{"what": what, "location": _loc(loc)} for what, loc in f.related],
        "exposure": f.exposure,
        "privilege": f.privilege,
        "rank": f.rank,
        "chain": _steps(f.chain),
    }
    return out


def functions_summary(report: Report) -> list[dict[str, Any]]:
    """The per-function view: exposure, privilege, entry point and findings of each function."""
    from faasguard.reach import reaches_of

    reaches = reaches_of(report.inventory)

    counts: dict[str, dict[str, int]] = {}
    for f in report.findings:
        for name in f.evidence.get("functions") or ([f.function] if f.function else []):
            by_sev = counts.setdefault(name, {})
            by_sev[f.severity.label] = by_sev.get(f.severity.label, 0) + 1
    out = []
    for fn in report.inventory.functions:
        reach = reaches[fn.id]
        out.append(
            {
                "name": fn.name,
                "provider": fn.provider.value,
                "format": fn.source_format.value,
                "location": _loc(fn.location),
                "runtime": fn.runtime,
                "exposure": reach.exposure.value,
                "privilege": reach.privilege,
                "triggers": [t.label for t in fn.triggers],
                "reachable": list(fn.reachable),
                "chain": _steps(reach.chain),
                "findings": counts.get(fn.name, {}),
            }
        )
    out.sort(key=lambda d: (-sum(d["findings"].values()), d["name"]))
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
            "suppressed": len(report.suppressed),
            "duration_s": round(report.duration_s, 3),
        },
        "findings": [finding_dict(f) for f in report.findings],
        "functions": functions_summary(report),
        "suppressed": [
            {
                **finding_dict(s.finding),
                "suppression": {
                    "kind": s.kind,
                    "reason": s.reason,
                    "location": s.location.to_dict() if s.location else None,
                },
            }
            for s in report.suppressed
        ],
        "warnings": [
            {"code": w.code, "message": w.message, "location": w.location.to_dict()}
            for w in report.warnings
        ],
    }


def render_json(report: Report) -> bytes:
    """The report as UTF-8 JSON (bytes: a large report goes to its file without being decoded
    and encoded again)."""
    return dumps(report_dict(report), pretty=len(report.findings) <= PRETTY_MAX) + b"\n"


PRETTY_MAX = 500  # larger reports are written compactly: json's C encoder is ~4x faster


def dumps(data: Any, *, pretty: bool) -> bytes:
    """UTF-8 JSON text of a report (JSON, SARIF, inventory): with orjson, several times faster
    than json on large reports (13 MB for 7,000 findings); json when orjson is missing or
    refuses a value. Same data either way, but for whitespace and non-finite floats (orjson
    writes null, valid JSON; json writes NaN); no loader lets one through to a report."""
    try:
        import orjson
    except ImportError:
        orjson = None
    if orjson is not None:
        option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if pretty else 0)
        try:
            return orjson.dumps(data, option=option)
        except TypeError:
            pass
    return json.dumps(data, indent=2 if pretty else None, ensure_ascii=False).encode("utf-8")

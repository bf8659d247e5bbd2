"""The JSON report: schema `faasguard-report`, version 1 (see docs/report-format.md)."""

from __future__ import annotations

import json
from typing import Any

from faasguard.model import Category, Finding, Location, Severity
from faasguard.report import Report

SCHEMA_VERSION = 1


_MEMO_LIMIT = 200_000
# Location dicts, by value: a chain repeats for every finding of a function and a location for
# every element written there; the JSON encoder writes each occurrence, we build each once.
_LOCATIONS: dict[Location, dict[str, Any]] = {}


def _loc(location: Location) -> dict[str, Any]:
    return _LOCATIONS.get(location) or _new_loc(location)


def _new_loc(location: Location) -> dict[str, Any]:
    if len(_LOCATIONS) >= _MEMO_LIMIT:
        _LOCATIONS.clear()
    made = _LOCATIONS[location] = location.to_dict()
    return made


# Attack paths as JSON, by identity: one per function, shared by all of that function's findings
# (and by its entry in the functions view), so built once. Held with the path, so its id cannot
# be reused while cached.
_STEPS: dict[int, tuple[tuple[tuple[str, Location], ...], list[dict[str, Any]]]] = {}


def _steps(steps: tuple[tuple[str, Location], ...]) -> list[dict[str, Any]]:
    hit = _STEPS.get(id(steps))
    return hit[1] if hit is not None and hit[0] is steps else _new_steps(steps)


def _new_steps(steps: tuple[tuple[str, Location], ...]) -> list[dict[str, Any]]:
    if len(_STEPS) >= _MEMO_LIMIT:
        _STEPS.clear()
    made = [{"what": what, "location": _loc(loc)} for what, loc in steps]
    _STEPS[id(steps)] = (steps, made)
    return made


# Enum texts by member: Enum.value and the label property run Python code, a dict look-up does not.
_SEVERITY_TEXT = {s: s.label for s in Severity}
_CATEGORY_TEXT = {c: str.__str__(c) for c in Category}


def finding_dict(f: Finding) -> dict[str, Any]:
    locations = _LOCATIONS
    location = f.location
    evidence = f.evidence
    chain = f.chain
    path = _STEPS.get(id(chain))  # _steps(chain), without the call
    return {
        "rule_id": f.rule_id,
        "title": f.title,
        "severity": _SEVERITY_TEXT[f.severity],
        "category": _CATEGORY_TEXT[f.category],
        "advice": f.advice,
        "message": f.message,
        "location": locations.get(location) or _new_loc(location),
        "function": f.function,
        "cwe": f"CWE-{f.cwe}" if f.cwe else None,
        "fingerprint": f.fingerprint,
        "evidence": evidence.copy() if type(evidence) is dict else dict(evidence),
        "related": [
            {"what": what, "location": locations.get(loc) or _new_loc(loc)}
            for what, loc in f.related
        ]
        if f.related
        else [],
        "exposure": f.exposure,
        "privilege": f.privilege,
        "rank": f.rank,
        "chain": path[1] if path is not None and path[0] is chain else _new_steps(chain),
    }


def functions_summary(report: Report) -> list[dict[str, Any]]:
    """The per-function view: exposure, privilege, entry point and findings of each function."""
    from faasguard.reach import reaches_of

    reaches = reaches_of(report.inventory)

    counts: dict[str, dict[str, int]] = {}
    for f in report.findings:
        label = _SEVERITY_TEXT[f.severity]
        for name in f.evidence.get("functions") or ([f.function] if f.function else []):
            by_sev = counts.get(name)
            if by_sev is None:
                counts[name] = {label: 1}
            else:
                by_sev[label] = by_sev.get(label, 0) + 1
    out = []
    for fn in report.inventory.functions:
        reach = reaches[fn.id]
        out.append(
            {
                "name": fn.name,
                "provider": str.__str__(fn.provider),
                "format": str.__str__(fn.source_format),
                "location": _loc(fn.location),
                "runtime": fn.runtime,
                "exposure": str.__str__(reach.exposure),
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
    return dumps(report_dict(report), pretty=len(report.findings) <= PRETTY_MAX, newline=True)


PRETTY_MAX = 500  # larger reports are written compactly: json's C encoder is ~4x faster


def dumps(data: Any, *, pretty: bool, newline: bool = False) -> bytes:
    """UTF-8 JSON text of a report (JSON, SARIF, inventory): with orjson, several times faster
    than json on large reports (13 MB for 7,000 findings); json when orjson is missing or
    refuses a value. Same data either way, but for whitespace and non-finite floats (orjson
    writes null, valid JSON; json writes NaN); no loader lets one through to a report.
    ``newline``: end with one, written by the encoder (not a copy of a large text plus one)."""
    try:
        import orjson
    except ImportError:
        orjson = None
    if orjson is not None:
        option = (orjson.OPT_INDENT_2 if pretty else 0) | (
            orjson.OPT_APPEND_NEWLINE if newline else 0
        )
        try:
            return orjson.dumps(data, option=option)
        except TypeError:  # a key that is not exactly a str, or a value orjson refuses
            pass
        try:  # OPT_NON_STR_KEYS writes such keys as text; it makes every dict cost ~2x
            return orjson.dumps(data, option=option | orjson.OPT_NON_STR_KEYS)
        except TypeError:
            pass
    text = json.dumps(data, indent=2 if pretty else None, ensure_ascii=False)
    return (text + "\n" if newline else text).encode("utf-8")

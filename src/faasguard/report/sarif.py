"""SARIF 2.1.0 output, as GitHub code scanning and other SARIF viewers read it."""

from __future__ import annotations

from typing import Any

from faasguard.model import Finding, Location, Severity
from faasguard.report import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub maps security-severity to critical (>=9), high (>=7), medium (>=4), low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
HELP_URI = "https://github.com/faasguard/faasguard/blob/main/docs/rules.md#{anchor}"


def _tags(category: str, cwe: int | None, advice: bool) -> list[str]:
    tags = ["security", category]
    if cwe:
        tags.append(f"CWE-{cwe}")
    if advice:
        tags.append("hardening")
    return tags


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    docs = rule.docs
    fixes = "\n".join(f"- **{fmt}**: {how}" for fmt, how in docs.fix.items())
    markdown = f"{docs.what}\n\n**Why it matters.** {docs.why}\n\n**How to fix.**\n{fixes}"
    if docs.references:
        markdown += "\n\n**References.**\n" + "\n".join(f"- {r}" for r in docs.references)
    return {
        "id": rule.id,
        "name": "".join(w.capitalize() for w in rule.title.replace("-", " ").split()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": docs.what},
        "help": {"text": f"{docs.what} {docs.why}", "markdown": markdown},
        "helpUri": HELP_URI.format(anchor=rule.id.lower()),
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": _tags(rule.category.value, rule.cwe, rule.advice),
            "security-severity": _SECURITY_SEVERITY[rule.severity],
            "precision": "high",
        },
    }


def _physical(loc: Location) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    if loc.end_line is not None and loc.end_line > loc.line:
        region["endLine"] = loc.end_line
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": loc.file, "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }


def _result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [_physical(f.location)],
        "partialFingerprints": {"faasguard/v1": f.fingerprint},
        "properties": {
            "severity": f.severity.label,
            "security-severity": _SECURITY_SEVERITY[f.severity],
            "category": f.category.value,
            # extra_tags: e.g. every advisory id (GHSA/CVE/PYSEC aliases) of a vulnerability
            "tags": _tags(f.category.value, f.cwe, f.advice) + list(f.extra_tags),
        },
    }
    if f.rule_id in rule_index:
        result["ruleIndex"] = rule_index[f.rule_id]
    if f.function:
        result["properties"]["function"] = f.function
    related = list(f.related) + [(what, loc) for what, loc in f.chain]
    if related:
        result["relatedLocations"] = [
            {"id": i, **_physical(loc), "message": {"text": what}}
            for i, (what, loc) in enumerate(related, 1)
        ]
    if f.exposure:
        result["properties"]["exposure"] = f.exposure
        result["properties"]["privilege"] = f.privilege
        result["properties"]["chain"] = " → ".join(what for what, _ in f.chain)
    result["properties"]["rank"] = f.rank
    return result


def _suppressed_result(hidden: Any, rule_index: dict[str, int]) -> dict[str, Any]:
    result = _result(hidden.finding, rule_index)
    suppression: dict[str, Any] = {"kind": hidden.kind, "justification": hidden.reason}
    if hidden.location is not None:
        suppression["location"] = _physical(hidden.location)
    result["suppressions"] = [suppression]
    return result


def sarif_dict(report: Report) -> dict[str, Any]:
    rules = list(report.rules)
    rule_index = {r.id: i for i, r in enumerate(rules)}
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"{w.code}: {w.message}"},
            "locations": [_physical(w.location)],
        }
        for w in report.warnings
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "faasguard",
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "informationUri": "https://github.com/faasguard/faasguard",
                        "rules": [_rule_descriptor(r) for r in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri(report.inventory.root)}},
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "results": [_result(f, rule_index) for f in report.findings]
                + [_suppressed_result(s, rule_index) for s in report.suppressed],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _root_uri(root: str) -> str:
    from pathlib import Path

    return Path(root).resolve().as_uri() + "/"


def render_sarif(report: Report) -> bytes:
    """The SARIF log as UTF-8 JSON."""
    from faasguard.report.json_format import PRETTY_MAX, dumps

    return dumps(sarif_dict(report), pretty=len(report.findings) <= PRETTY_MAX, newline=True)

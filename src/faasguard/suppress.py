"""Suppressions: inline comments, template metadata and baselines. Each one needs a reason.

- YAML / HCL / Python comments: ``# faasguard: ignore[FG201] public health check`` (``//`` also
  works in HCL). At the end of a line it covers findings on that line; on a line of its own it
  covers the next line. A suppression on the line that declares a function covers every finding
  about that function. ``# faasguard: ignore-file[FG602] reason`` covers the whole file. Several
  ids: ``ignore[FG201,FG202]``; every rule: ``ignore[*]``.
- JSON (no comments): ``"Metadata": {"faasguard": {"ignore": [{"id": "FG201", "reason": "..."}]}}``
  on a resource covers findings inside that resource (YAML templates may use it too).
- Baselines: ``--write-baseline FILE`` records the fingerprints of today's findings;
  ``--baseline FILE`` hides them and shows only new ones. Fingerprints hash the rule, file,
  function and flagged element, not line numbers, so moved lines stay suppressed.

A suppression without a reason suppresses nothing and is itself reported (FG006).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faasguard.model import Diagnostic, DiagnosticLevel, Finding, Location

_COMMENT = re.compile(
    r"(?P<lead>^\s*)?(?:#|//)\s*faasguard:\s*ignore(?P<file>-file)?\s*\[(?P<ids>[^\]]*)\]"
    r"(?P<reason>[^\n]*)",
    re.IGNORECASE,
)
BASELINE_SCHEMA = "faasguard-baseline"


@dataclass(frozen=True, slots=True)
class Suppression:
    rule_ids: frozenset[str]  # "*" = every rule
    reason: str
    location: Location  # where it is written
    first_line: int  # lines it covers (inclusive); 0..huge for a whole file
    last_line: int
    kind: str = "inSource"  # SARIF suppression kind: inSource | external

    def covers(self, finding: Finding) -> bool:
        if "*" not in self.rule_ids and finding.rule_id not in self.rule_ids:
            return False
        if finding.location.file != self.location.file:
            return False
        if self.first_line <= finding.location.line <= self.last_line:
            return True
        return any(
            what.startswith("function")
            and loc.file == self.location.file
            and self.first_line <= loc.line <= self.last_line
            for what, loc in (*finding.related, *finding.chain)
        )


@dataclass(frozen=True)
class Suppressed:
    finding: Finding
    reason: str
    kind: str
    location: Location | None


def collect(root: Path, files: Iterable[str]) -> tuple[list[Suppression], list[Diagnostic]]:
    """Suppressions written in ``files`` (paths relative to ``root``)."""
    found: list[Suppression] = []
    problems: list[Diagnostic] = []
    base = str(root)
    for rel in sorted(set(files)):
        text = _mentioning_faasguard(os.path.join(base, rel))
        if text is None:
            continue
        _from_comments(rel, text, found, problems)
        if rel.lower().endswith((".json", ".yaml", ".yml", ".template")) and "Metadata" in text:
            _from_metadata(rel, text, found, problems)
    return found, problems


def _mentioning_faasguard(path: str) -> str | None:
    """The file's text as Path.read_text(encoding="utf-8-sig") gives it, if it mentions
    faasguard (most files do not: they are neither decoded nor split into lines)."""
    try:
        with open(path, "rb", buffering=0) as handle:
            raw = handle.read()
    except OSError:
        return None
    if b"faasguard" not in raw:
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\r" in text:  # the newline translation of text mode
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _from_comments(rel: str, text: str, out: list[Suppression], problems: list[Diagnostic]) -> None:
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        match = _COMMENT.search(line)
        if match is None:
            continue
        where = Location(rel, number, match.start() + 1)
        ids, reason = _parse_ids(match.group("ids")), match.group("reason").strip(" :-—\t")
        if not _valid(ids, reason, where, problems):
            continue
        if match.group("file"):
            out.append(Suppression(ids, reason, where, 0, 10**9))
            continue
        target = _next_code_line(lines, number) if match.group("lead") is not None else number
        out.append(Suppression(ids, reason, where, target, target))


def _parse_ids(text: str) -> frozenset[str]:
    return frozenset(part.strip().upper() for part in text.split(",") if part.strip())


def _valid(ids: frozenset[str], reason: str, where: Location, problems: list[Diagnostic]) -> bool:
    if not ids:
        problems.append(_bad(where, "suppression names no rule id"))
        return False
    if len(reason) < 3:
        problems.append(_bad(where, f"suppression of {', '.join(sorted(ids))} gives no reason"))
        return False
    return True


def _bad(where: Location, message: str) -> Diagnostic:
    return Diagnostic(DiagnosticLevel.ERROR, "bad-suppression", message, where)


def _next_code_line(lines: list[str], number: int) -> int:
    for index in range(number, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith(("#", "//")):
            return index + 1
    return number


def _from_metadata(rel: str, text: str, out: list[Suppression], problems: list[Diagnostic]) -> None:
    from faasguard._located import LDict, ParseError, parse_json, parse_yaml

    try:
        doc = parse_json(text, rel) if rel.lower().endswith(".json") else parse_yaml(text, rel)
    except ParseError:
        return
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, LDict):
            meta = node.get("Metadata")
            if isinstance(meta, dict) and isinstance(meta.get("faasguard"), dict):
                _metadata_entries(node, meta["faasguard"], rel, out, problems)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _metadata_entries(
    owner: Any, block: dict, rel: str, out: list[Suppression], problems: list[Diagnostic]
) -> None:
    entries = block.get("ignore")
    entries = entries if isinstance(entries, list) else [entries]
    first = owner.loc.line
    last = owner.loc.end_line or first
    for entry in entries:
        where = getattr(entry, "loc", owner.loc)
        if not isinstance(entry, dict):
            problems.append(_bad(where, 'Metadata.faasguard.ignore entries need "id" and "reason"'))
            continue
        ids = _parse_ids(str(entry.get("id") or entry.get("ids") or ""))
        reason = str(entry.get("reason") or "").strip()
        if _valid(ids, reason, where, problems):
            out.append(Suppression(ids, reason, where, first, last))


def apply(
    findings: Iterable[Finding], suppressions: list[Suppression], baseline: set[str]
) -> tuple[list[Finding], list[Suppressed]]:
    kept: list[Finding] = []
    hidden: list[Suppressed] = []
    by_file: dict[str, list[Suppression]] = {}  # a suppression covers findings of its file only
    for suppression in suppressions:
        by_file.setdefault(suppression.location.file, []).append(suppression)
    for finding in findings:
        here = by_file.get(finding.location.file)
        rule = next((s for s in here if s.covers(finding)), None) if here else None
        if rule is not None:
            hidden.append(Suppressed(finding, rule.reason, rule.kind, rule.location))
        elif finding.fingerprint in baseline:
            hidden.append(Suppressed(finding, "in the baseline", "external", None))
        else:
            kept.append(finding)
    return kept, hidden


def read_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        raise ValueError(f"{path} is not a faasguard baseline (schema {BASELINE_SCHEMA!r})")
    entries = data.get("findings", [])
    return {e["fingerprint"] for e in entries if isinstance(e, dict) and "fingerprint" in e}


def baseline_text(findings: Iterable[Finding]) -> str:
    entries = [
        {
            "fingerprint": f.fingerprint,
            "rule_id": f.rule_id,
            "file": f.location.file,
            "function": f.function,
            "message": f.message,
        }
        for f in sorted(findings, key=lambda f: (f.location.file, f.rule_id, f.fingerprint))
    ]
    body = {"schema": BASELINE_SCHEMA, "version": 1, "findings": entries}
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def with_severity(findings: Iterable[Finding], overrides: dict) -> list[Finding]:  # type: ignore[type-arg]
    if not overrides:
        return list(findings)
    return [
        dataclasses.replace(f, severity=overrides[f.rule_id]) if f.rule_id in overrides else f
        for f in findings
    ]

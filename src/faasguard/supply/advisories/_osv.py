"""Reading OSV advisories (https://ossf.github.io/osv-schema/) into compact records.

Sources: a directory of ``*.json`` / ``*.yaml`` / ``*.yml`` files (recursive), an OSV zip export
(one JSON per advisory, as in ``https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip``)
or a single JSON/YAML file (one advisory or a list). A broken advisory never stops the others:
it comes out as a :class:`BrokenAdvisory` naming the file and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faasguard.supply._common import may_hold_yaml_aliases
from faasguard.supply.advisories._cvss import cvss3_base_score
from faasguard.supply.advisories._versions import normalize_name

_SUFFIXES = (".json", ".yaml", ".yml")
_EVENT_KINDS = {"introduced": "i", "fixed": "f", "last_affected": "l", "limit": "x"}
_DB_SEVERITY = {"CRITICAL": "critical", "HIGH": "high", "MODERATE": "medium", "MEDIUM": "medium"}
_DB_SEVERITY |= {"LOW": "low"}
_MALWARE_CWE = "CWE-506"  # embedded malicious code


class SourceError(Exception):
    """The source as a whole cannot be read (missing, not a zip, not OSV data)."""


@dataclass(frozen=True, slots=True)
class Range:
    type: str  # "ECOSYSTEM" | "SEMVER" | "GIT"
    events: tuple[tuple[str, str], ...]  # (kind, version); kind: i, f, l (last_affected), x (limit)


@dataclass(frozen=True, slots=True)
class Affected:
    ecosystem: str
    name: str  # normalised (PEP 503 for PyPI)
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    modified: str
    affected: tuple[Affected, ...]
    withdrawn: bool = False
    severity: str = ""  # critical/high/medium/low, "" when the advisory does not say
    score: float | None = None  # CVSS v3 base score
    vector: str = ""
    malicious: bool = False


@dataclass(frozen=True, slots=True)
class BrokenAdvisory:
    name: str  # file (or zip member) it came from
    error: str


def read_source(path: Path) -> Iterator[Advisory | BrokenAdvisory]:
    """Every advisory in a directory, zip export or single file."""
    import zipfile

    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        yield from _read_directory(path)
    elif zipfile.is_zipfile(path):
        yield from _read_zip(path)
    elif path.suffix.lower() == ".zip":
        raise SourceError(f"{path}: not a zip file (or a corrupt one)")
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
        yield from parse_document(str(path), data)


def _read_directory(root: Path) -> Iterator[Advisory | BrokenAdvisory]:
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file())
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            yield BrokenAdvisory(str(file), f"cannot read: {exc.strerror or exc}")
            continue
        yield from parse_document(str(file), data)


def _read_zip(path: Path) -> Iterator[Advisory | BrokenAdvisory]:
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path}: not a readable zip file: {exc}") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(_SUFFIXES):
                continue
            name = f"{path}!{info.filename}"
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield BrokenAdvisory(name, f"corrupt zip member: {exc}")
                continue
            yield from parse_document(name, data)


def parse_document(name: str, data: bytes) -> Iterator[Advisory | BrokenAdvisory]:
    """The advisories of one JSON or YAML document: one advisory object or a list of them."""
    try:
        doc = _load(name, data)
    except ValueError as exc:
        yield BrokenAdvisory(name, str(exc))
        return
    for item in doc if isinstance(doc, list) else [doc]:
        try:
            yield parse_advisory(item)
        except ValueError as exc:
            yield BrokenAdvisory(name, str(exc))


def _load(name: str, data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    if name.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    import yaml

    if may_hold_yaml_aliases(text):  # bounded: an alias bomb is an error, not a hang
        from faasguard._located import ParseError, parse_yaml

        try:
            return parse_yaml(text, name)
        except ParseError as exc:
            raise ValueError(f"line {exc.line}: {exc.message}") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"invalid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def parse_advisory(raw: Any) -> Advisory:
    """One OSV record; ValueError names the first field that is missing or malformed."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"an advisory must be an object, not {type(raw).__name__}")
    ident = raw.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise ValueError("missing 'id'")
    affected_raw = raw.get("affected") or []
    if not isinstance(affected_raw, list):
        raise ValueError(f"{ident}: 'affected' must be a list")
    aliases = tuple(str(a) for a in _list(raw, "aliases", ident) if str(a) != ident)
    db_specific = raw.get("database_specific")
    db_specific = db_specific if isinstance(db_specific, Mapping) else {}
    severity, score, vector = _severity(raw, db_specific)
    affected = tuple(_affected(item, ident) for item in affected_raw)
    summary = str(raw.get("summary") or raw.get("details") or "").strip()
    return Advisory(
        id=ident.strip(),
        aliases=aliases,
        summary=" ".join(summary.split())[:300],
        modified=_timestamp(raw.get("modified")),
        affected=affected,
        withdrawn=bool(raw.get("withdrawn")),
        severity=severity,
        score=score,
        vector=vector,
        malicious=_malicious(ident, aliases, db_specific, affected_raw),
    )


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime):  # unquoted YAML timestamps arrive parsed
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return str(value or "")


def _list(raw: Mapping[str, Any], key: str, ident: str) -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"{ident}: '{key}' must be a list")
    return value


def _affected(item: Any, ident: str) -> Affected:
    if not isinstance(item, Mapping) or not isinstance(item.get("package"), Mapping):
        raise ValueError(f"{ident}: each 'affected' entry needs a 'package' object")
    package = item["package"]
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str) or not name.strip():
        raise ValueError(f"{ident}: 'affected.package' needs 'ecosystem' and 'name'")
    ecosystem = ecosystem.split(":", 1)[0].strip()
    ranges = tuple(_range(r, ident) for r in _list(item, "ranges", ident))
    versions = tuple(str(v) for v in _list(item, "versions", ident))
    return Affected(ecosystem, normalize_name(ecosystem, name), ranges, versions)


def _range(raw: Any, ident: str) -> Range:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("events"), list):
        raise ValueError(f"{ident}: each range needs a 'type' and a list of 'events'")
    events: list[tuple[str, str]] = []
    for event in raw["events"]:
        if not isinstance(event, Mapping) or len(event) != 1:
            raise ValueError(f"{ident}: a range event must have exactly one key: {event!r}")
        ((key, value),) = event.items()
        if key not in _EVENT_KINDS or value is None:
            raise ValueError(f"{ident}: unknown range event {key!r}")
        events.append((_EVENT_KINDS[key], str(value)))
    return Range(str(raw.get("type", "")).upper(), tuple(events))


def _severity(
    raw: Mapping[str, Any], db_specific: Mapping[str, Any]
) -> tuple[str, float | None, str]:
    for entry in raw.get("severity") or []:
        if isinstance(entry, Mapping) and str(entry.get("type", "")).startswith("CVSS_V3"):
            vector = str(entry.get("score", ""))
            score = cvss3_base_score(vector)
            if score is not None:
                return _label(score), score, vector
    named = str(db_specific.get("severity", "")).upper()
    return _DB_SEVERITY.get(named, ""), None, ""


def _label(score: float) -> str:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low"


def _malicious(
    ident: str, aliases: tuple[str, ...], db_specific: Mapping[str, Any], affected: list[Any]
) -> bool:
    if ident.startswith("MAL-") or any(a.startswith("MAL-") for a in aliases):
        return True
    if "malicious-packages-origins" in db_specific:
        return True
    cwes = db_specific.get("cwe_ids")
    if isinstance(cwes, list) and _MALWARE_CWE in cwes:
        return True
    return any(
        isinstance(item, Mapping)
        and isinstance(item.get("database_specific"), Mapping)
        and "malicious-packages-origins" in item["database_specific"]
        for item in affected
    )

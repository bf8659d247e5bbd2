"""Reading candidate files: decoding and parsing errors become diagnostics, never exceptions."""

from __future__ import annotations

from typing import Any

from faasguard._located import ParseError, parse_json, parse_yaml
from faasguard.inventory._base import Candidate, LoadResult
from faasguard.model import Location


def read_text(candidate: Candidate, result: LoadResult) -> str | None:
    """The file's text, or None with an error diagnostic (unreadable, binary, not UTF-8)."""
    try:
        data = candidate.path.read_bytes()
    except OSError as exc:
        result.error(
            "unreadable", f"cannot read file: {exc.strerror or exc}", Location(candidate.rel)
        )
        return None
    if b"\x00" in data[:8192]:
        result.error("unreadable", "binary file (NUL bytes), not text", Location(candidate.rel))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.error(
            "unreadable",
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            Location(candidate.rel, line),
        )
        return None


def parse_document(candidate: Candidate, text: str, result: LoadResult) -> Any:
    """Parse YAML or JSON by extension; on failure record a parse-error and return None."""
    is_json = candidate.rel.lower().endswith(".json") or text.lstrip().startswith("{")
    try:
        if is_json:
            return parse_json(text, candidate.rel)
        return parse_yaml(text, candidate.rel)
    except ParseError as exc:
        result.error("parse-error", exc.message, Location(candidate.rel, exc.line, exc.column))
        return None


def load_document(candidate: Candidate, result: LoadResult) -> Any:
    text = read_text(candidate, result)
    if text is None:
        return None
    if not text.strip():
        result.error("invalid", "file is empty", Location(candidate.rel))
        return None
    return parse_document(candidate, text, result)

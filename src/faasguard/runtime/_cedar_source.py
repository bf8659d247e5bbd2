"""Cedar policy text: split into statements with their line numbers, so that a policy the
engine refuses is reported as `file:line: message` (the engine's own messages carry no line)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_ENGINE_ID = re.compile(r"policy(\d+)")
_QUOTED = re.compile(r"`([^`\s]{1,80})`")


class PolicyError(ValueError):
    """A Cedar policy, schema or entity file that cannot be used; the message names where."""


@dataclass(frozen=True, slots=True)
class Statement:
    line: int  # 1-based line of the statement's first character that is not blank or comment
    text: str
    begins: int  # the line `text` begins on (it may start with blank lines and comments)

    def line_of(self, message: str) -> int:
        """The line of the first `name` the engine's message quotes, else the start line."""
        code = _strip_comments(self.text)
        for token in _QUOTED.findall(message):
            if _ENGINE_ID.fullmatch(token):
                continue
            found = re.search(rf"(?<![\w\"]){re.escape(token)}(?![\w\"])", code)
            if found:
                return self.begins + code.count("\n", 0, found.start())
        return self.line


def load_text(source: str | Path, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """(text, where): a Path or a one-line string ending in one of `suffixes` is a file."""
    is_file = isinstance(source, Path) or ("\n" not in source and source.strip().endswith(suffixes))
    if not is_file:
        return str(source), "<policies>"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read: {error}") from None


def statements(text: str) -> list[Statement]:
    """Top-level `;`-terminated statements, skipping strings and // comments."""
    found: list[Statement] = []
    start, line, start_line, begins = 0, 1, 0, 1
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = size if end < 0 else end
            continue
        if char == "\n":
            line += 1
        elif not char.isspace() and not start_line:
            start_line = line
        if char == '"':
            i += 1
            while i < size and text[i] != '"':
                line += text[i] == "\n"
                i += 2 if text[i] == "\\" else 1
        elif char == ";":
            found.append(Statement(start_line, text[start : i + 1], begins))
            start, start_line, begins = i + 1, 0, line
        i += 1
    if _strip_comments(text[start:]).strip():
        found.append(Statement(start_line or line, text[start:], begins))
    return found


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def locate_parse_error(text: str, where: str, message: str, parse) -> PolicyError:
    """The first statement that fails to parse on its own, as `where:line: message`."""
    for statement in statements(text):
        try:
            parse(statement.text)
        except ValueError as error:
            return PolicyError(f"{where}:{statement.line}: in the policy starting here: {error}")
    return PolicyError(f"{where}: {message}")


def line_of(policy_id: str, message: str, parsed: list[Statement]) -> int | None:
    """The line an engine message about policy `policyN` (the N-th statement) points to."""
    match = _ENGINE_ID.fullmatch(policy_id)
    if match and int(match.group(1)) < len(parsed):
        return parsed[int(match.group(1))].line_of(message)
    return None

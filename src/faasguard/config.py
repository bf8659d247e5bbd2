"""Project configuration: ``.faasguard.toml`` or ``[tool.faasguard]`` in ``pyproject.toml``.

Looked up in the scanned directory and its parents (up to the repository root). Command-line
options override it. Unknown keys are an error, not a silent no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faasguard.model import Severity


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    source: str | None = None  # the file it came from
    enable: frozenset[str] | None = None  # only these rules (None: all)
    disable: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    stage: str | None = None
    region: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    fail_on: str | None = None
    baseline: str | None = None
    max_file_size: int | None = None


_KEYS = {
    "enable",
    "disable",
    "severity",
    "exclude",
    "stage",
    "region",
    "params",
    "fail_on",
    "baseline",
    "max_file_size",
}


def find_config(start: Path) -> Path | None:
    here = start if start.is_dir() else start.parent
    for directory in (here, *here.parents):
        dot = directory / ".faasguard.toml"
        if dot.is_file():
            return dot
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.faasguard]" in _read(pyproject):
            return pyproject
        if (directory / ".git").exists():
            return None
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    import tomllib  # only when there is a file: most scans have none

    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("faasguard", {})
    return _parse(data, str(path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _parse(data: Mapping[str, Any], source: str) -> Config:
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(
            f"{source}: unknown setting(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(_KEYS))}"
        )
    return Config(
        source=source,
        enable=frozenset(_ids(data["enable"], "enable", source)) if "enable" in data else None,
        disable=frozenset(_ids(data.get("disable", []), "disable", source)),
        severity=_severities(data.get("severity", {}), source),
        exclude=tuple(_strings(data.get("exclude", []), "exclude", source)),
        stage=_opt_str(data, "stage", source),
        region=_opt_str(data, "region", source),
        params={
            str(k): str(v) for k, v in _table(data.get("params", {}), "params", source).items()
        },
        fail_on=_opt_str(data, "fail_on", source),
        baseline=_opt_str(data, "baseline", source),
        max_file_size=_opt_int(data, "max_file_size", source),
    )


def _strings(value: Any, key: str, source: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {key} must be a list of strings")
    return value


def _ids(value: Any, key: str, source: str) -> list[str]:
    return [v.strip().upper() for v in _strings(value, key, source)]


def _table(value: Any, key: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {key} must be a table")
    return value


def _severities(value: Any, source: str) -> dict[str, Severity]:
    out: dict[str, Severity] = {}
    for rule_id, text in _table(value, "severity", source).items():
        try:
            out[rule_id.upper()] = Severity.parse(str(text))
        except ValueError as exc:
            raise ConfigError(f"{source}: severity.{rule_id}: {exc}") from None
    return out


def _opt_str(data: Mapping[str, Any], key: str, source: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{source}: {key} must be a string")
    return value


def _opt_int(data: Mapping[str, Any], key: str, source: str) -> int | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
        raise ConfigError(f"{source}: {key} must be a positive integer")
    return value

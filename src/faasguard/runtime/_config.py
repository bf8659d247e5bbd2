"""Guard configuration without code: environment variables over an optional faasguard.toml.

faasguard.toml (next to the code, or at FAASGUARD_CONFIG):

    [guard]
    handler = "app.handler"          # or FAASGUARD_HANDLER
    detect = "monitor"               # FAASGUARD_DETECT: off | monitor | block
    schema = "schemas/order.json"    # FAASGUARD_SCHEMA: JSON Schema file for the body
    exclude = ["body.html"]          # FAASGUARD_EXCLUDE: comma-separated field globs
    categories = ["sqli", "xss"]     # FAASGUARD_CATEGORIES
    content_types = ["application/json"]   # FAASGUARD_CONTENT_TYPES
    redact_fields = ["iban"]         # FAASGUARD_REDACT_FIELDS
    require_auth = false             # FAASGUARD_REQUIRE_AUTH
    sample_rate = 0.1                # FAASGUARD_SAMPLE_RATE
    deadline_margin_ms = 500         # FAASGUARD_DEADLINE_MARGIN_MS
    rate = "100/second"              # FAASGUARD_RATE; also rate_key, store, rate_fail
    store = "redis://cache:6379/0"   # FAASGUARD_STORE: shared rate-limit state
    integrity = true                 # FAASGUARD_INTEGRITY: check the signed manifest at cold start
    [guard.limits]
    max_body_bytes = 262144          # FAASGUARD_MAX_BODY_BYTES (and so on for each limit)
    [guard.routes."POST /cms/*"]
    detect = "monitor"
    exclude = ["body.html"]
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._limits import Limits

CONFIG_FILE = "faasguard.toml"
_LISTS = ("exclude", "categories", "content_types", "redact_fields", "scan_headers")
_FLOATS = ("sample_rate", "min_confidence")
_INTS = ("deadline_margin_ms", "max_events_per_second")
_BOOLS = ("require_auth", "redact_responses")
_STRINGS = (
    "detect", "schema", "handler", "function_name", "rate", "rate_key", "store", "rate_fail",
)  # fmt: skip
_KNOWN = {*_LISTS, *_FLOATS, *_INTS, *_BOOLS, *_STRINGS, "limits", "routes", "integrity"}


class ConfigError(ValueError):
    """A faasguard.toml or FAASGUARD_* setting that cannot be used."""


def code_root() -> Path:
    return Path(os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd())


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The merged settings: file first, then environment variables on top."""
    env = os.environ if environ is None else environ
    settings = _from_file(env)
    settings.update(_from_env(env))
    return settings


def _from_file(env: Mapping[str, str]) -> dict[str, Any]:
    explicit = env.get("FAASGUARD_CONFIG")
    path = Path(explicit) if explicit else code_root() / CONFIG_FILE
    if not path.is_file():
        if explicit:
            raise ConfigError(f"FAASGUARD_CONFIG names a missing file: {path}")
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    table = data.get("guard", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [guard] must be a table")
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise ConfigError(f"{path}: unknown [guard] settings: {', '.join(unknown)}")
    settings = dict(table)
    if "limits" in settings:
        settings["limits"] = _limits(settings["limits"], str(path))
    return settings


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name in (*_LISTS, *_FLOATS, *_INTS, *_BOOLS, *_STRINGS, "integrity"):
        raw = env.get(f"FAASGUARD_{name.upper()}")
        if raw is None or raw == "":
            continue
        settings[name] = _convert(name, raw)
    limits = {
        name: env[f"FAASGUARD_{name.upper()}"]
        for name in Limits.__match_args__
        if env.get(f"FAASGUARD_{name.upper()}")
    }
    if limits:
        settings["limits_env"] = limits
    return settings


def _convert(name: str, raw: str) -> object:
    try:
        if name in _LISTS:
            return [item.strip() for item in raw.split(",") if item.strip()]
        if name in _FLOATS:
            return float(raw)
        if name in _INTS:
            return int(raw)
        if name in _BOOLS:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if name == "integrity":  # on (the manifest in the code directory), off, or its path
            flag = raw.strip().lower()
            if flag in ("0", "false", "no", "off"):
                return None
            return True if flag in ("1", "true", "yes", "on") else raw.strip()
    except ValueError:
        raise ConfigError(f"FAASGUARD_{name.upper()}={raw!r} is not a valid value") from None
    return raw


def _limits(values: object, where: str) -> dict[str, int]:
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: limits must be a table")
    known = set(Limits.__match_args__)
    out = {}
    for name, value in values.items():
        if name not in known:
            listed = ", ".join(sorted(known))
            raise ConfigError(f"{where}: unknown limit {name!r} (known: {listed})")
        try:
            out[name] = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: limit {name} must be an integer") from None
    return out


def guard_options(settings: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for Guard from merged settings (schema files read, limits built)."""
    skip = ("handler", "limits_env", "limits")
    options = {k: v for k, v in settings.items() if k not in skip and v is not None}
    limits = dict(settings.get("limits") or {})
    limits.update(_limits(settings.get("limits_env") or {}, "environment"))
    if limits:
        options["limits"] = Limits(**limits)
    schema = options.pop("schema", None)
    if schema:
        options["schema"] = _schema(str(schema))
    return options


def _schema(name: str) -> dict[str, Any]:
    path = Path(name)
    if not path.is_absolute():
        path = code_root() / path
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the JSON Schema {path}: {error}") from None
    if not isinstance(schema, dict):
        raise ConfigError(f"{path}: a JSON Schema must be an object")
    return schema

"""Field exclusions and per-route policies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ._record import FrozenRecord

MODES = ("off", "monitor", "block")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"faasguard.runtime: detect must be one of {MODES}, not {mode!r}")
    return mode


def field_glob(pattern: str) -> re.Pattern[str]:
    """`body.items[*].name`, `body.html`, `headers.*`, `body.**`: a field and its descendants."""
    text = re.escape(pattern.strip())
    text = text.replace(r"\[\*\]", r"\[\d+\]").replace(r"\*\*", ".*").replace(r"\*", r"[^.\[]*")
    return re.compile(rf"{text}(?:[.\[].*)?", re.DOTALL)


def route_glob(pattern: str) -> re.Pattern[str]:
    """`POST /cms/*`, `/health`, `* /admin/**`: method (optional) and a path where * is any text."""
    method, _, path = pattern.strip().rpartition(" ")
    method = method.strip().upper() or "*"
    method_re = "[A-Z]+" if method in ("*", "ANY") else re.escape(method)
    path_re = re.escape(path).replace(r"\*\*", ".*").replace(r"\*", ".*")
    return re.compile(rf"{method_re} {path_re}", re.DOTALL)


class Policy(FrozenRecord):
    """Detection settings for a request: the guard-wide one or a route's override."""

    __slots__ = __match_args__ = ("detect", "exclude", "categories")

    def __init__(
        self,
        detect: str,
        exclude: tuple[re.Pattern[str], ...] = (),
        categories: frozenset[str] | None = None,
    ) -> None:
        object.__setattr__(self, "detect", detect)
        object.__setattr__(self, "exclude", exclude)
        object.__setattr__(self, "categories", categories)

    def excluded(self, field: str) -> bool:
        return any(p.fullmatch(field) for p in self.exclude)


def compile_excludes(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    if isinstance(patterns, str):
        patterns = [patterns]
    return tuple(field_glob(p) for p in patterns if p)


def compile_routes(
    routes: Mapping[str, Mapping[str, object] | str] | None, default: Policy
) -> tuple[tuple[re.Pattern[str], Policy], ...]:
    """Route overrides: a mode string, or a mapping with detect / exclude / categories."""
    compiled = []
    for pattern, spec in (routes or {}).items():
        if isinstance(spec, str):
            spec = {"detect": spec}
        detect = check_mode(str(spec.get("detect", default.detect)))
        extra = compile_excludes(spec.get("exclude", ()))  # type: ignore[arg-type]
        categories = spec.get("categories")
        policy = Policy(
            detect,
            default.exclude + extra,
            frozenset(categories) if categories else default.categories,  # type: ignore[arg-type]
        )
        compiled.append((route_glob(pattern), policy))
    return tuple(compiled)


def select(
    routes: tuple[tuple[re.Pattern[str], Policy], ...], default: Policy, method: str, *paths: str
) -> Policy:
    """The first route whose pattern matches `METHOD path` for any of the request's paths."""
    for pattern, policy in routes:
        for path in paths:
            if path and pattern.fullmatch(f"{method} {path}"):
                return policy
    return default

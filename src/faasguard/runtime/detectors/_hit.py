from __future__ import annotations

from typing import NamedTuple


class Hit(NamedTuple):
    """A detector's raw finding: rule id, confidence and the span it matched in the input."""

    rule: str
    confidence: float
    start: int
    end: int


def has_any(low: str, needles: tuple[str, ...]) -> bool:
    """Substring pre-check; a plain loop beats any() with a generator on short strings."""
    for needle in needles:  # noqa: SIM110
        if needle in low:
            return True
    return False

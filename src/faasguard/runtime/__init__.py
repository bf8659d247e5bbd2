"""faasguard runtime protection: validation, limits and injection detection inside functions.

    from faasguard.runtime import guard

    @guard(schema=ORDER_SCHEMA, detect="block")
    def handler(event, context): ...

Importing this package loads nothing but this file; the guard's modules (standard library only)
load when the first guard is built, which happens once per cold start.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~10 ms to import: keep it out of the cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from ._gates import Identity
    from ._guard import Guard
    from ._limits import Limits
    from ._redact import RedactingFilter, redact

__all__ = ["Guard", "Identity", "Limits", "RedactingFilter", "current_identity", "guard", "redact"]

_LAZY = {
    "Guard": "._guard",
    "Identity": "._gates",
    "current_identity": "._gates",
    "Limits": "._limits",
    "RedactingFilter": "._redact",
    "redact": "._redact",
}


def guard(
    schema: Mapping[str, Any] | None = None, detect: str = "block", **options: Any
) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    """Decorate `handler(event, context)`.

    `schema` is a JSON Schema for the JSON body (compiled once; needs fastjsonschema), `detect`
    one of "off", "monitor", "block". Other keywords are those of `Guard`.
    """
    from ._guard import Guard

    return Guard(schema, detect, **options)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faasguard.runtime' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value

"""Tables derived from one Inventory, computed once however many rules and renderers ask."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from faasguard.model import Inventory

T = TypeVar("T")


def per_inventory(compute: Callable[[Inventory], T]) -> Callable[[Inventory], T]:
    """Memoise ``compute`` for the latest inventory (held, so its id cannot be reused)."""
    last: list[object] = [None, None]

    @functools.wraps(compute)
    def cached(inventory: Inventory) -> T:
        if last[0] is not inventory:
            last[1] = compute(inventory)
            last[0] = inventory
        return last[1]  # type: ignore[return-value]

    return cached

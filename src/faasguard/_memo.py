"""Values derived from one object (an Inventory, a role, a location), computed once however many
rules and renderers ask."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from faasguard.model import Inventory

T = TypeVar("T")
K = TypeVar("K")


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


def per_object(limit: int) -> Callable[[Callable[[K], T]], Callable[[K], T]]:
    """Memoise a function of one object by identity: the object is held with its value, so its
    id cannot be reused while cached; at ``limit`` entries the memo starts over."""

    def decorate(compute: Callable[[K], T]) -> Callable[[K], T]:
        memo: dict[int, tuple[K, T]] = {}

        @functools.wraps(compute)
        def cached(obj: K) -> T:
            hit = memo.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            value = compute(obj)
            if len(memo) >= limit:
                memo.clear()
            memo[id(obj)] = (obj, value)
            return value

        return cached

    return decorate

"""Cheap pickling for the frozen, slotted data classes that cross process boundaries.

Worker processes send every loaded template back to the main process as a pickle. The
dataclasses module pickles a frozen slotted class through Python-level ``__getstate__`` /
``__setstate__`` that look the fields up again for every object: over a large tree that was
most of the cost of moving results between processes, paid on the main process's critical
path. ``fast_pickle`` gives a class a ``__reduce__`` that reads its fields with one
``attrgetter`` call and restores them with ``faasguard._frozen``'s builder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from operator import attrgetter
from types import MemberDescriptorType
from typing import Any, TypeVar

from faasguard._frozen import builder

T = TypeVar("T")

_BUILDERS: dict[type, Callable[[Sequence[Any]], Any]] = {}


def _restore(cls: type[T], values: tuple[Any, ...]) -> T:
    build = _BUILDERS.get(cls)
    if build is None:  # made on first use: a builder compiles a little code
        build = _BUILDERS[cls] = builder(cls)
    return build(values)  # type: ignore[no-any-return]


def fast_pickle(cls: type[T]) -> type[T]:
    """Class decorator, placed above ``@dataclass(frozen=True, slots=True)``."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    slots = tuple(cls.__dict__.get(name) for name in names)
    if not names or not all(type(slot) is MemberDescriptorType for slot in slots):
        raise TypeError(f"{cls.__name__}: fast_pickle needs a slotted dataclass with fields")
    if len(names) == 1:
        name = names[0]

        def values(obj: Any) -> tuple[Any, ...]:
            return (getattr(obj, name),)
    else:
        values = attrgetter(*names)

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return _restore, (cls, values(self))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls

"""Frozen, slotted data classes built from their field values at a fraction of __init__'s cost.

A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (its own
``__setattr__`` refuses): a call per field, most of the cost of making a 17-field Finding, which
a large scan pays twice per finding (built by its rule, copied with its rank). ``builder(cls)``
makes a function that stores the values into an object of an unfrozen twin of ``cls`` with the
same slots -- plain attribute stores, which the interpreter specialises -- and then makes it an
instance of ``cls`` (CPython allows that between classes of identical layout). Where it is not
allowed, the builder sets each slot through its descriptor instead (slower, same objects).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import call
from typing import Any, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[[Sequence[Any]], T]:
    """A function from the values of every field of ``cls``, in order, to an instance."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    if getattr(cls, "__slots__", None) != names:
        raise TypeError(f"{cls.__name__}: builder needs a slotted dataclass")
    twin = type(f"_Unfrozen{cls.__name__}", (), {"__slots__": names})
    targets = "".join(f"new.{name}, " for name in names)
    source = (
        "def build(values):\n"
        "    new = new_object(twin)\n"
        f"    {targets}= values\n"
        "    new.__class__ = cls\n"
        "    return new\n"
    )
    namespace: dict[str, Any] = {"new_object": object.__new__, "twin": twin, "cls": cls}
    exec(source, namespace)  # like dataclasses' own generated __init__
    build: Callable[[Sequence[Any]], T] = namespace["build"]
    try:
        build(range(len(names)))
    except TypeError:  # no __class__ change on this interpreter
        return _slot_by_slot(cls, names)
    return build


def _slot_by_slot(cls: type[T], names: tuple[str, ...]) -> Callable[[Sequence[Any]], T]:
    setters = tuple(getattr(cls, name).__set__ for name in names)
    run = deque(maxlen=0).extend

    def build(values: Sequence[Any]) -> T:
        if len(values) != len(setters):
            raise ValueError(f"{cls.__name__} takes {len(setters)} values, not {len(values)}")
        new = object.__new__(cls)
        run(map(call, setters, repeat(new), values))
        return new

    return build

"""Frozen, slotted data classes built, read and pickled at a fraction of the generic cost.

A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (its own
``__setattr__`` refuses): a call per field, most of the cost of making a 17-field Finding, which
a large scan pays twice per finding (built by its rule, copied with its rank). ``builder(cls)``
makes a function that stores the values into an object of an unfrozen twin of ``cls`` with the
same slots -- plain attribute stores, which the interpreter specialises -- and then makes it an
instance of ``cls`` (CPython allows that between classes of identical layout). Where it is not
allowed, the builder sets each slot through its descriptor instead (slower, same objects).

Pickling: worker processes send every loaded template back to the main process as a pickle,
and the dataclasses module pickles a frozen slotted class through Python-level
``__getstate__`` / ``__setstate__`` that look the fields up again for every object. Classes
marked ``@fast_pickle`` reduce to their values, read with one ``attrgetter`` call, and come back
through the builder.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import deque
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import attrgetter, call
from typing import Any, TypeVar

T = TypeVar("T")


def _field_names(cls: type, needs: str) -> tuple[str, ...]:
    """The fields of a slotted dataclass, in order; TypeError for any other class."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    if not names or getattr(cls, "__slots__", None) != names:
        raise TypeError(f"{cls.__name__}: {needs} needs a slotted dataclass with fields")
    return names


@functools.cache  # one per class, shared by every module that builds it
def builder(cls: type[T]) -> Callable[[Sequence[Any]], T]:
    """A function from the values of every field of ``cls``, in order, to an instance."""
    names = _field_names(cls, "builder")
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


@functools.cache
def values_of(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function from an instance of ``cls`` to the values of its fields, in order."""
    names = _field_names(cls, "values_of")
    if len(names) > 1:
        return attrgetter(*names)
    name = names[0]
    return lambda obj: (getattr(obj, name),)


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


def _restore(cls: type[T], values: tuple[Any, ...]) -> T:
    return builder(cls)(values)  # the builder is made on first use: it compiles a little code


def fast_pickle(cls: type[T]) -> type[T]:
    """Class decorator, placed above ``@dataclass(frozen=True, slots=True)``."""
    _field_names(cls, "fast_pickle")
    values = values_of(cls)

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return _restore, (cls, values(self))

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls

"""A soft deadline: interrupt the handler shortly before the platform would kill the instance.

Uses a real-time interval timer (SIGALRM), so it works only in the main thread of a POSIX
process, which is where Lambda runs handlers. Elsewhere the handler simply runs unbounded.
"""

from __future__ import annotations

import _signal  # the C module: signal.signal() adds ~1 µs of enum conversion per call
import threading
from collections.abc import Callable

TYPE_CHECKING = False  # typing costs milliseconds of cold start
if TYPE_CHECKING:
    from typing import Any


class DeadlineExceeded(Exception):
    """Raised inside the handler when the soft deadline passes."""


_NUMBER = (int, float)  # a tuple: `int | float` builds a new union object on every call


def remaining_ms(context: object) -> int | None:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return None
    try:
        remaining = getter()
    except Exception:
        return None
    return remaining if isinstance(remaining, _NUMBER) else None


def _on_alarm(signum: int, frame: object) -> None:
    raise DeadlineExceeded()


_HAS_TIMER = hasattr(_signal, "setitimer")


def _in_main_thread() -> bool:
    return threading.get_ident() == threading.main_thread().ident


def run_with_deadline(call: Callable[..., Any], context: object, margin_ms: int, *args: Any) -> Any:
    """Run `call(*args)`; raise DeadlineExceeded `margin_ms` before the context's remaining
    time ends."""
    remaining = remaining_ms(context) if margin_ms > 0 and _HAS_TIMER else None
    if remaining is None:
        return call(*args)
    budget = (remaining - margin_ms) / 1000.0
    if budget <= 0:
        if not _in_main_thread():
            return call(*args)
        raise DeadlineExceeded()
    try:  # signal() itself tells whether this is the main thread: no need to ask first
        previous = _signal.signal(_signal.SIGALRM, _on_alarm)
    except ValueError:
        if _in_main_thread():
            raise
        return call(*args)
    _signal.setitimer(_signal.ITIMER_REAL, budget)
    try:
        return call(*args)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
        _signal.signal(_signal.SIGALRM, previous)

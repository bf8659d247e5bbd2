"""Per-call timing and percentiles shared by the runtime benchmarks (scripts import it from
their own directory, which Python puts first on sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable


def per_call_us(call: Callable[[], object], calls: int, *, warmup: int) -> list[float]:
    """Wall time of each of `calls` calls in µs, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        start = clock()
        call()
        samples.append((clock() - start) / 1000)
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def p50_p99(values: list[float]) -> tuple[float, float]:
    return percentile(values, 0.5), percentile(values, 0.99)

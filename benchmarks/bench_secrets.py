"""Secrets benchmark: import cost, cache-hit cost, and redaction cost with N registered secrets.

    .venv/bin/python benchmarks/bench_secrets.py                  # table on stdout
    .venv/bin/python benchmarks/bench_secrets.py --runs 11 --calls 20000 --json out.json

Import time is the median over fresh processes of the `faasguard.runtime.secrets` line of
`python -X importtime` (cumulative), alone and after `faasguard.runtime._guard` (what a guarded
function pays on top). A cache hit is `Secrets.get(name)` (and with `field=`)
on a warm entry; the provider is an in-process stub, so the figure is the cache alone.
Redaction is timed for N registered secrets (each registered as a 32-character random token,
i.e. one form) on a 1.5 KB log line that contains none of them (the common case) and one that
contains one: `mask_secrets` alone, a full `Redactor` call (what the guard runs on responses and
its log lines), and one `logging` call through the masking record factory versus without it.
Figures are per call, median of `--runs` repetitions of `--calls` calls.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets as stdlib_secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from faasguard.runtime import _redact  # noqa: E402
from faasguard.runtime.secrets import Fetched, Secrets  # noqa: E402

LINE = (
    "2026-11-28T10:15:02.123Z c6af9ac6-7b61-11e6-9a41-93e812345678 INFO order accepted "
    + json.dumps(
        {
            "customer": "Zoë O'Brien",
            "items": [
                {"sku": f"SKU-{i:04d}", "qty": i % 3 + 1, "name": "Blue mug"} for i in range(20)
            ],
            "note": "Leave at the back door, ring twice " * 4,
        }
    )
)[:1500]


class _Stub:
    kind = "stub"

    def fetch(self, name: str) -> Fetched:
        return Fetched(json.dumps({"password": "bench-pass-0001", "user": "svc"}), "v1")


def _per_call(action: Callable[[], object], calls: int, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(calls):
            action()
        samples.append((time.perf_counter_ns() - start) / calls / 1000)
    return statistics.median(samples)


def import_time(runs: int, after: str = "") -> float:
    samples = []
    code = (
        f"import {after}; import faasguard.runtime.secrets"
        if after
        else "import faasguard.runtime.secrets"
    )
    for _ in range(runs):
        err = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True, text=True, check=True, env={"PYTHONPATH": str(SRC)},
        ).stderr  # fmt: skip
        line = next(x for x in err.splitlines() if x.rstrip().endswith("faasguard.runtime.secrets"))
        samples.append(int(line.split("|")[1]) / 1000)
    return statistics.median(samples)


def cache_hits(calls: int, runs: int) -> dict[str, float]:
    cache = Secrets(_Stub(), ttl=3600, protect_logs=False)
    cache.get("db")
    return {
        "get(name)": _per_call(lambda: cache.get("db"), calls, runs),
        "get(name, field)": _per_call(lambda: cache.get("db", "password"), calls, runs),
    }


def redaction(counts: list[int], calls: int, runs: int) -> list[dict[str, float]]:
    logger = logging.getLogger("bench.secrets")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    logger.setLevel(logging.INFO)
    redactor = _redact.Redactor(("password", "token"))
    plain_log = _per_call(lambda: logger.info("line %s", LINE), calls, runs)
    _redact.protect_log_records()
    rows = []
    for count in counts:
        _redact.clear_secrets()
        tokens = [stdlib_secrets.token_urlsafe(24) for _ in range(count)]
        for token in tokens:
            _redact.register_secret(token)
        with_one = LINE[:700] + (tokens[-1] if tokens else "") + LINE[700:]
        rows.append({
            "secrets": count,
            "mask_clean_us": _per_call(lambda: _redact.mask_secrets(LINE), calls, runs),
            "mask_hit_us": _per_call(lambda: _redact.mask_secrets(with_one), calls, runs),  # noqa: B023 - called within the iteration
            "redactor_clean_us": _per_call(lambda: redactor(LINE), calls, runs),
            "log_call_us": _per_call(lambda: logger.info("line %s", LINE), calls, runs),
            "log_call_no_factory_us": plain_log,
        })  # fmt: skip
    _redact.clear_secrets()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--counts", default="0,1,10,100,1000")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    result = {
        "import_ms": import_time(args.runs),
        "import_after_guard_ms": import_time(args.runs, "faasguard.runtime._guard"),
        "cache_hit_us": cache_hits(args.calls * 4, args.runs),
        "redaction": redaction(counts, args.calls, args.runs),
        "line_chars": len(LINE),
    }
    print(f"import faasguard.runtime.secrets: {result['import_ms']:.1f} ms (median, -X importtime)")
    print(f"  ... after the guard's modules: {result['import_after_guard_ms']:.1f} ms more")
    for label, micros in result["cache_hit_us"].items():
        print(f"cache hit {label}: {micros:.2f} µs")
    print(f"\nredaction of a {len(LINE)}-char line, µs per call (median of {args.runs} runs)")
    print(
        "| secrets | mask, no hit | mask, one hit | Redactor, no hit | log call | log, no masking |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for row in result["redaction"]:
        print(
            f"| {row['secrets']} | {row['mask_clean_us']:.2f} | {row['mask_hit_us']:.2f} "
            f"| {row['redactor_clean_us']:.2f} | {row['log_call_us']:.2f} "
            f"| {row['log_call_no_factory_us']:.2f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

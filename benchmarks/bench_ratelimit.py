"""Rate limits, the shared store and Cedar authorization: cost per decision.

    .venv/bin/python benchmarks/bench_ratelimit.py               # starts its own redis-server
    .venv/bin/python benchmarks/bench_ratelimit.py --calls 20000 --redis redis://127.0.0.1:6379/0
    .venv/bin/python benchmarks/bench_ratelimit.py --json out.json

Per call, p50 / p99 in µs over `--calls` calls after a warm-up: the in-process store (GCRA,
sliding log, replay cache); the Redis store over loopback (one EVALSHA round trip per decision;
with redis-py installed, the same script through it for comparison); a guarded API Gateway v2
request with `rate=` (in process, in Redis) and with a Cedar decision (four realistic policies, a
principal with claims) against the same guard without them. Cold start, median over fresh
processes, with the guard already imported: building a Redis store, importing redis-py
(comparison) and `cedarpy`, building `Cedar(policies)` (import, parse).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _stats import p50_p99, per_call_us

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT / "src", ROOT):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

POLICIES = """\
@id("tenant-members")
permit (principal is User, action in [Action::"GET", Action::"POST"], resource is Route)
when { principal has tenant && resource has tenant && principal.tenant == resource.tenant };
@id("admins-from-office")
permit (principal in Group::"admin", action, resource)
when { context has ip && context.ip.isInRange(ip("10.20.0.0/16")) };
@id("writes-in-business-hours")
forbid (principal, action in [Action::"POST", Action::"DELETE"], resource)
unless { context.weekday <= 5 && context.hour >= 9 && context.hour < 18 };
@id("public-health")
permit (principal, action == Action::"GET", resource == Route::"/health");
"""
CLAIMS = {
    "email": "alice@example.com",
    "groups": ["staff", "orders-readers"],
    "scope": "orders:read orders:write",
    "email_verified": True,
    "auth_time": 1_780_000_000,
}


def timed(call: Callable[[], Any], calls: int) -> tuple[float, float]:
    """p50, p99 in µs."""
    return p50_p99(per_call_us(call, calls, warmup=min(200, calls)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(url: str | None) -> Iterator[str | None]:
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = _free_port()
    with tempfile.TemporaryDirectory() as workdir:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(500):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.1).close()
                    break
                except OSError:
                    time.sleep(0.01)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def event(ip: str = "198.51.100.23", path: str = "/tenants/acme/orders") -> dict:
    from tests.runtime._guard_events import apigw_v2

    ev = apigw_v2({"customer": "Zoë", "items": [{"sku": "SKU-1", "qty": 1}]})
    ev["requestContext"]["http"]["sourceIp"] = ip
    ev["rawPath"] = ev["requestContext"]["http"]["path"] = path
    ev["headers"].update({"x-test-user": "alice", "x-test-tenant": "acme",
                          "x-test-claims": json.dumps(CLAIMS)})  # fmt: skip
    return ev


def store_rows(url: str | None, calls: int) -> dict[str, tuple[float, float]]:
    from faasguard.runtime._store import MemoryStore, RedisStore

    rows: dict[str, tuple[float, float]] = {}
    memory = MemoryStore()
    counter = iter(range(10**9))
    rows["memory gcra"] = timed(lambda: memory.gcra("k", 1e9, 10**6), calls)
    rows["memory sliding"] = timed(lambda: memory.sliding("k", 10**6, 60), calls)
    rows["memory first_seen"] = timed(lambda: memory.first_seen(f"n{next(counter)}", 60), calls)
    if url:
        redis = RedisStore(url, timeout=1.0)
        rows["redis gcra"] = timed(lambda: redis.gcra("k", 1e9, 10**6), calls)
        rows["redis sliding"] = timed(lambda: redis.sliding("k", 10**6, 60), calls)
        rows["redis first_seen"] = timed(lambda: redis.first_seen(f"n{next(counter)}", 60), calls)
        rows.update(_redis_py_rows(url, calls))
    return rows


def _redis_py_rows(url: str, calls: int) -> dict[str, tuple[float, float]]:
    """The same GCRA script through redis-py, when installed (not a dependency): comparison."""
    try:
        import redis
    except ImportError:
        return {}
    from faasguard.runtime._store import _GCRA

    client = redis.Redis.from_url(url)
    sha = client.script_load(_GCRA)
    return {"redis-py gcra (comparison)": timed(lambda: client.evalsha(sha, 1, "k", 1e-3, 1e9, 1),
                                                calls)}  # fmt: skip


def guard_rows(url: str | None, calls: int) -> dict[str, tuple[float, float]]:
    from tests.runtime._guard_events import Context
    from tests.runtime.conftest import HeaderIdentity

    from faasguard.runtime import guard
    from faasguard.runtime.authz import Cedar

    def ok(ev: Any, ctx: Any) -> dict:
        return {"statusCode": 200, "body": "{}"}

    ev, ctx = event(), Context()
    huge = "1000000000/second"
    rows: dict[str, tuple[float, float]] = {}
    bare = guard(detect="off")(ok)
    rows["guard, no access control"] = timed(lambda: bare(ev, ctx), calls)
    limited = guard(detect="off", rate=huge)(ok)
    rows["guard + rate (memory)"] = timed(lambda: limited(ev, ctx), calls)
    if url:
        shared = guard(detect="off", rate=huge, store=url)(ok)
        rows["guard + rate (redis)"] = timed(lambda: shared(ev, ctx), calls)
    noon = time.mktime((2026, 7, 15, 12, 0, 0, 0, 0, -1))
    cedar = Cedar(POLICIES, clock=lambda: noon)
    authorized = guard(detect="off", auth=HeaderIdentity(), authorize=cedar, events=lambda e: None)
    handler = authorized(ok)
    assert handler(ev, ctx)["statusCode"] == 200
    identified = guard(detect="off", auth=HeaderIdentity())(ok)
    rows["guard + stub identity"] = timed(lambda: identified(ev, ctx), calls)
    rows["guard + stub identity + Cedar"] = timed(lambda: handler(ev, ctx), calls)
    return rows


_COLD = {
    "RedisStore(url) (stdlib client)": (
        "from faasguard.runtime._store import RedisStore; RedisStore('redis://127.0.0.1:1/0')"
    ),
    "import redis (redis-py, comparison)": "import redis",
    "import cedarpy": "import cedarpy",
    "Cedar(policies) incl. import": (
        "from faasguard.runtime.authz import Cedar; Cedar({policies!r})"
    ),
}


def cold_rows(runs: int) -> dict[str, float]:
    rows = {}
    for name, code in _COLD.items():
        code = code.format(policies=POLICIES)
        script = (
            "import time, faasguard.runtime._guard; t = time.perf_counter(); "
            f"{code}; print(time.perf_counter() - t)"
        )
        outputs = [
            subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")}).stdout
            for _ in range(runs)
        ]  # fmt: skip
        samples = [float(out) for out in outputs if out.strip()]
        if samples:  # a row whose package is not installed is left out
            rows[name] = statistics.median(samples) * 1000
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes for cold starts")
    parser.add_argument("--redis", help="use this Redis instead of starting redis-server")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with redis_server(args.redis) as url:
        per_call = {**store_rows(url, args.calls), **guard_rows(url, args.calls)}
    cold = cold_rows(args.runs)
    print(f"| per call ({args.calls} calls) | p50 µs | p99 µs |\n|---|---:|---:|")
    for name, (p50, p99) in per_call.items():
        print(f"| {name} | {p50:.1f} | {p99:.1f} |")
    print(f"\n| cold start (median of {args.runs} processes) | ms |\n|---|---:|")
    for name, ms in cold.items():
        print(f"| {name} | {ms:.1f} |")
    if url is None:
        print("\n(redis-server not found: Redis rows skipped)")
    if args.json:
        args.json.write_text(json.dumps({"per_call_us": per_call, "cold_ms": cold}, indent=2))


if __name__ == "__main__":
    main()

"""Integrity benchmark: cold-start verification per MB of code, manifest build time, and the cost
the hash chain adds to each emitted security event.

    .venv/bin/python benchmarks/bench_integrity.py                # ~35 MB boto3 package
    .venv/bin/python benchmarks/bench_integrity.py --runs 9 --json out.json
    .venv/bin/python benchmarks/bench_integrity.py --package DIR  # your own unzipped package

The package is a copy of boto3, botocore, s3transfer, jmespath and dateutil from this
interpreter's site-packages plus a handler: what a typical Python Lambda ships (thousands of
small .py and JSON files). Each run verifies the whole tree against a signed manifest through
`verify_cold_start` (walk, size check, SHA-256 of every file, Ed25519 signature), with the
process cache cleared. Files are in the page cache (warm), as after a first read; a Lambda
cold start may also pay the disk. Medians of `--runs` runs; target ≤ 5 ms per MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil")
HANDLER = "import boto3\n\ndef handler(event, context):\n    return {'statusCode': 200}\n"


def make_package(target: Path) -> Path:
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir(parents=True)
    (target / "app.py").write_text(HANDLER)
    for name in PACKAGES:
        if (site / name).is_dir():
            shutil.copytree(site / name, target / name, ignore=shutil.ignore_patterns("__py*"))
    return target


def _median_ms(action, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall-clock and CPU ms (CPU time is steadier on a busy machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def bench_package(package: Path, runs: int, workdir: Path) -> dict[str, float]:
    from faasguard.integrity import build_manifest, generate_keys
    from faasguard.runtime import integrity

    private, public, _ = generate_keys(workdir / "bench")
    build_ms, _ = _median_ms(lambda: build_manifest(package, key=private), runs)
    manifest = build_manifest(package, key=private)
    (package / integrity.MANIFEST_NAME).write_bytes(manifest.raw)
    spec = {"code_dir": str(package), "public_key": public.read_text()}

    def cold_start(workers: int) -> None:
        integrity._VERIFIED.clear()
        report = integrity.verify_cold_start({**spec, "workers": workers})
        assert report is not None and report.ok

    cold_start(1)  # warm the page cache and import cryptography once, as a layer would
    results = {}
    for label, workers in (("1_thread", 1), ("threads", 0)):
        wall, cpu = _median_ms(lambda w=workers: cold_start(w), runs)
        results[label] = (wall, cpu)
    tree = manifest.document["trees"]["code"]
    megabytes = tree["bytes"] / 1e6
    out: dict[str, float] = {
        "files": tree["file_count"],
        "megabytes": round(megabytes, 2),
        "build_ms": round(build_ms, 1),
    }
    for label, (wall, cpu) in results.items():
        out[f"verify_ms_{label}"] = round(wall, 1)
        out[f"verify_ms_per_mb_{label}"] = round(wall / megabytes, 3)
        out[f"verify_cpu_ms_per_mb_{label}"] = round(cpu / megabytes, 3)
    return out


def bench_chain(calls: int, runs: int) -> dict[str, float]:
    """CPU µs per emitted event, with and without the chain (a null sink: the write is apart),
    and what the stdout sink's own serialisation costs, for scale."""
    from faasguard.runtime._events import EventLog, Invocation, detection_finding

    call = Invocation(
        function="orders-api",
        request_id="r",
        source_ip="203.0.113.7",
        method="POST",
        path="/orders",
        route="POST /orders",
    )
    chained = EventLog(sink=lambda e: None, max_per_second=10**9)
    plain = EventLog(sink=lambda e: None, max_per_second=10**9)
    plain.chain = _Unchained()  # type: ignore[assignment]

    def finding(log: EventLog, value: str) -> dict:
        return detection_finding(
            call,
            log,
            category="sqli",
            rule="sqli.union",
            confidence=0.9,
            field_path="body.note",
            value=value,
            excerpt=value,
            blocked=True,
        )

    def per_event(log: EventLog) -> float:
        events = [finding(log, "1 UNION SELECT 1") for _ in range(calls)]
        start = time.process_time()  # CPU time: steadier than wall time on a busy machine
        for event in events:
            log.emit(event, allowed=False, request_id="r")
        return (time.process_time() - start) * 1e6 / calls

    event = finding(chained, "1")
    start = time.process_time()
    for _ in range(calls):
        json.dumps(event, separators=(",", ":"), default=str)
    sink_us = (time.process_time() - start) * 1e6 / calls
    with_chain = statistics.median(per_event(chained) for _ in range(runs))
    without = statistics.median(per_event(plain) for _ in range(runs))
    return {
        "stdout_sink_dumps_us": round(sink_us, 2),
        "emit_us": round(with_chain, 2),
        "emit_us_unchained": round(without, 2),
        "chain_us": round(with_chain - without, 2),
    }


class _Unchained:
    def link(self, event: dict) -> str:
        return ""

    def commit(self, event: dict, digest: str) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--package", type=Path, help="an unzipped package to verify (copied)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.package:
            package = work / "pkg"
            shutil.copytree(args.package, package, symlinks=True)
        else:
            package = make_package(work / "pkg")
        results = {"package": bench_package(package, args.runs, work)}
    results["chain"] = bench_chain(args.calls, args.runs)
    p, c = results["package"], results["chain"]
    print("| measure | result | target |\n|---|---:|---|")
    print(f"| package: {p['files']:,} files, {p['megabytes']} MB | | |")
    print(f"| manifest build (hash + sign) | {p['build_ms']} ms | |")
    for label, name in (("1_thread", "1 thread"), ("threads", "threads (auto)")):
        print(f"| cold-start verification, {name} | {p[f'verify_ms_{label}']} ms | |")
        print(
            f"| ... per MB, wall / CPU | {p[f'verify_ms_per_mb_{label}']} / "
            f"{p[f'verify_cpu_ms_per_mb_{label}']} ms/MB | ≤ 5 ms/MB |"
        )
    print(
        f"| emit one event, chained / unchained | {c['emit_us']} / {c['emit_us_unchained']} µs | |"
    )
    print(f"| hash chain cost per emitted event (CPU) | {c['chain_us']} µs | small |")
    print(
        f"| for scale: the stdout sink's json.dumps of that event | {c['stdout_sink_dumps_us']} µs"
        " | |"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Runtime guard benchmark: import cost, per-invocation overhead, detection and redaction cost.

    .venv/bin/python benchmarks/bench_runtime.py                 # table on stdout
    .venv/bin/python benchmarks/bench_runtime.py --runs 31 --calls 20000 --json out.json

Import time is the median over fresh processes of the `faasguard.runtime` line of
`python -X importtime -c "import faasguard.runtime"` (cumulative µs), plus wall-clock figures.
Overhead is a 1 KB-body API Gateway REST (v1) event through `guard(schema=..., detect="block")`
versus the bare handler, per call, p50 / p99: the same event again and again, and a stream of
1,000 distinct events (new customer, note and basket each call; same route and client), which
the detector's verdict cache cannot serve from memory. Variants are timed in alternating rounds.
When aws_lambda_powertools is installed, its
`validate()` is timed on the same event and schema (it is not a dependency: install it only in a
benchmark environment to compare).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _stats import per_call_us as _timed_us
from _stats import percentile

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

SCHEMA = {
    "type": "object",
    "required": ["customer", "items"],
    "properties": {
        "customer": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "format": "email"},
        "note": {"type": "string", "maxLength": 500},
        "shipping": {
            "type": "object",
            "properties": {k: {"type": "string"} for k in ("street", "city", "zip", "country")},
        },
        "items": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["sku", "qty"],
                "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,20}$"},
                    "qty": {"type": "integer", "minimum": 1},
                    "name": {"type": "string"},
                    "price": {"type": "number"},
                },
            },
        },
    },
}
BODY = {
    "customer": "Zoë O'Brien",
    "email": "zoe.obrien@example.com",
    "note": "Please leave the parcel with the neighbour at number 12 if nobody is home.",
    "shipping": {"street": "12 Rue de l'Église", "city": "Lyon", "zip": "69002", "country": "FR"},
    "items": [
        {"sku": f"SKU-{1000 + n}", "qty": n + 1, "name": name, "price": 9.5 + n}
        for n, name in enumerate(
            ["Blue ceramic mug", "Earl Grey tea (loose leaf, 250 g)", "Tea strainer",
             "Linen napkins, set of 4", "Honey jar 500 g", "Shortbread tin"]
        )
    ],
}  # fmt: skip


def api_event() -> dict[str, Any]:
    return {
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": "POST",
        "headers": {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/120.0.0.0 Safari/537.36",
            "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
        },
        "queryStringParameters": {"expand": "items", "lang": "fr"},
        "pathParameters": None,
        "requestContext": {
            "requestId": "f5f7a2b1-8f60-4f0c-9f70-7b9e1c1f3a10",
            "identity": {"sourceIp": "203.0.113.7"},
            "stage": "prod",
        },
        "body": json.dumps(BODY),
        "isBase64Encoded": False,
    }


class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name = "orders-api"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def handler(event: dict, context: object) -> dict:
    return {"statusCode": 201, "body": '{"id": "ord_8f14e45f", "status": "accepted"}'}


def per_call_us(fn: Callable[[], object], calls: int) -> list[float]:
    return _timed_us(fn, calls, warmup=min(1000, calls))


def import_times(runs: int) -> dict[str, float]:
    env_path = {"PYTHONPATH": str(SRC)}
    importtime, wall, with_guard = [], [], []
    guard_code = (
        "import time; t = time.perf_counter(); from faasguard.runtime import guard; "
        f"guard(schema={SCHEMA!r}, events=lambda e: None); "
        "print((time.perf_counter() - t) * 1e6)"
    )
    wall_code = (
        "import time; t = time.perf_counter(); import faasguard.runtime; "
        "print((time.perf_counter() - t) * 1e6)"
    )
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import faasguard.runtime"],
            capture_output=True, text=True, env=env_path, check=True,
        )  # fmt: skip
        line = next(
            x for x in out.stderr.splitlines() if x.rstrip().endswith("| faasguard.runtime")
        )
        importtime.append(float(line.split("|")[1]))
        wall.append(_child_float(wall_code, env_path))
        with_guard.append(_child_float(guard_code, env_path))
    return {
        "importtime_us": statistics.median(importtime),
        "wall_import_us": statistics.median(wall),
        "wall_import_and_build_guard_us": statistics.median(with_guard),
    }


def _child_float(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def distinct_events(count: int) -> list[dict[str, Any]]:
    """`count` events like api_event() whose customer, note, address and basket differ (names
    with accents and apostrophes, notes with punctuation, catalogue names with parentheses), so
    no body string repeats from one call to the next except catalogue names and keys; headers
    and path stay, as they do for one route in production."""
    first = ["Zoë", "Seán", "Anaïs", "Jürgen", "Chloé", "Ngozi", "Mateus", "Ines", "Yuki", "Omar"]
    last = ["O'Brien", "D'Angelo", "Müller", "Łukasz", "García", "N'Diaye", "Smith", "Dubois"]
    notes = [
        "Please leave the parcel with the neighbour at number {n} if nobody is home.",
        "Ring twice (the bell is broken); call {n} if needed.",
        "Gift: wrap it, no invoice in the box, thanks! Order ref {n}",
        "Deliver after 6pm - side door, code {n}#",
        "Back gate, 2nd floor, flat {n}/B.",
    ]
    catalogue = [f"{kind} ({size}, {n} g)" for n in range(25)
                 for kind, size in (("Earl Grey tea", "loose leaf"), ("Sencha", "tin"),
                                    ("Rooibos", "bag"), ("Oolong", "sample"))]  # fmt: skip
    events = []
    for n in range(count):
        body = json.loads(json.dumps(BODY))
        body["customer"] = f"{first[n % 10]} {last[n % 8]}-{n}"
        body["email"] = f"customer{n}@example.com"
        body["note"] = notes[n % 5].format(n=n)
        body["shipping"]["street"] = f"{n % 97 + 1} Rue de l'Église"
        for i, item in enumerate(body["items"]):
            item["name"] = catalogue[(n * 7 + i * 13) % len(catalogue)]
            item["sku"] = f"SKU-{n % 900 + 100}{i}"
        event = api_event()
        event["body"] = json.dumps(body, ensure_ascii=n % 2 == 0)
        events.append(event)
    return events


def interleaved(variants: dict[str, Callable[[], object]], calls: int) -> dict[str, list[float]]:
    """Per-call µs of each variant, timed in alternating rounds so that the machine's slow and
    fast spells fall on every variant alike."""
    rounds = max(1, calls // 500)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, call in variants.items():
            samples[name].extend(_timed_us(call, max(1, calls // rounds), warmup=50))
    return samples


def overhead(calls: int) -> dict[str, float]:
    from faasguard.runtime import guard

    event, context = api_event(), Context()
    guarded = guard(schema=SCHEMA, detect="block", events=lambda e: None)(handler)
    assert guarded(event, context)["statusCode"] == 201, "benchmark event must pass the guard"
    schema_only = guard(schema=SCHEMA, detect="off", events=lambda e: None)(handler)
    stream = distinct_events(1000)
    assert all(guarded(e, context)["statusCode"] == 201 for e in stream), "stream must pass"
    position = iter(range(10**9))

    def next_distinct() -> object:
        return guarded(stream[next(position) % len(stream)], context)

    for item in stream:  # the bare handler gets the same events: only the guard's cost differs
        handler(item, context)
    runs = interleaved(
        {
            "bare": lambda: handler(event, context),
            "full": lambda: guarded(event, context),
            "distinct": next_distinct,
            "schema": lambda: schema_only(event, context),
        },
        calls,
    )
    bare, full, distinct = runs["bare"], runs["full"], runs["distinct"]
    result = {
        "event_bytes": len(json.dumps(event)),
        "body_bytes": len(event["body"]),
        "bare_p50_us": percentile(bare, 0.5),
        "guard_p50_us": percentile(full, 0.5),
        "guard_p99_us": percentile(full, 0.99),
        "overhead_p50_us": percentile(full, 0.5) - percentile(bare, 0.5),
        "overhead_p99_us": percentile(full, 0.99) - percentile(bare, 0.99),
        "distinct_overhead_p50_us": percentile(distinct, 0.5) - percentile(bare, 0.5),
        "distinct_overhead_p99_us": percentile(distinct, 0.99) - percentile(bare, 0.99),
        "schema_only_overhead_p50_us": percentile(runs["schema"], 0.5) - percentile(bare, 0.5),
    }
    result.update(_detection_share(calls))
    result.update(_redaction(calls))
    return result


def _detection_share(calls: int) -> dict[str, float]:
    from faasguard.runtime.detectors import scan_value

    body = json.loads(api_event()["body"])
    target = {"body": body, "query": {"expand": "items", "lang": "fr"}, "url": "/orders",
              "headers": {"user-agent": api_event()["headers"]["User-Agent"]}}  # fmt: skip
    strings = _count_strings(target)
    samples = per_call_us(lambda: scan_value(target), max(1000, calls // 4))
    return {
        "detection_p50_us": percentile(samples, 0.5),
        "strings_scanned": strings,
        "detection_per_string_us": statistics.mean(samples) / strings,
    }


def _count_strings(value: object) -> int:
    if isinstance(value, str):
        return 1
    if isinstance(value, dict):
        return sum(_count_strings(k) + _count_strings(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_count_strings(v) for v in value)
    return 0


def _redaction(calls: int) -> dict[str, float]:
    from faasguard.runtime import redact

    text = json.dumps({**BODY, "card": "4111 1111 1111 1111"})
    samples = per_call_us(lambda: redact(text), max(1000, calls // 4))
    return {"redact_1kb_p50_us": percentile(samples, 0.5)}


def powertools(calls: int) -> dict[str, float]:
    try:
        from aws_lambda_powertools.utilities.validation import validate
    except ImportError:
        return {}
    import fastjsonschema

    body = json.loads(api_event()["body"])
    compiled = fastjsonschema.compile(SCHEMA)
    pt = per_call_us(lambda: validate(event=body, schema=SCHEMA), max(200, calls // 20))
    fj = per_call_us(lambda: compiled(body), calls)
    return {"powertools_validate_p50_us": percentile(pt, 0.5),
            "compiled_fastjsonschema_p50_us": percentile(fj, 0.5)}  # fmt: skip


def table(results: dict[str, float]) -> str:
    labels = {
        "importtime_us": ("import faasguard.runtime (-X importtime, cumulative)", "≤ 15000"),
        "wall_import_us": ("import faasguard.runtime (wall, in process)", ""),
        "wall_import_and_build_guard_us": ("import + build guard(schema) (wall)", ""),
        "event_bytes": ("API Gateway v1 event size (bytes)", ""),
        "body_bytes": ("of which JSON body (bytes)", ""),
        "bare_p50_us": ("bare handler p50", ""),
        "guard_p50_us": ("guarded handler p50", ""),
        "guard_p99_us": ("guarded handler p99", ""),
        "overhead_p50_us": ("guard overhead p50 (schema + detection)", "≤ 50"),
        "overhead_p99_us": ("guard overhead p99 (schema + detection)", "≤ 200"),
        "distinct_overhead_p50_us": ("same, a stream of 1,000 distinct events, p50", "≤ 50"),
        "distinct_overhead_p99_us": ("same, a stream of 1,000 distinct events, p99", "≤ 200"),
        "schema_only_overhead_p50_us": ("guard overhead p50, detection off", ""),
        "detection_p50_us": ("scan_value on the event's fields p50", ""),
        "strings_scanned": ("strings scanned (keys + values)", ""),
        "detection_per_string_us": ("detection per string (mean)", "≤ 5"),
        "redact_1kb_p50_us": ("redaction of a 1 KB response p50", ""),
        "powertools_validate_p50_us": ("Powertools validate() p50", ""),
        "compiled_fastjsonschema_p50_us": ("compiled fastjsonschema p50", ""),
    }
    lines = ["| measure | µs (or count) | target |", "|---|---:|---|"]
    for key, value in results.items():
        label, target = labels.get(key, (key, ""))
        lines.append(f"| {label} | {value:,.1f} | {target} |")
    if "powertools_validate_p50_us" in results:
        ratio = results["powertools_validate_p50_us"] / results["overhead_p50_us"]
        lines.append(f"| Powertools validate() / faasguard guard overhead | {ratio:,.1f}x | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="fresh processes for import time")
    parser.add_argument("--calls", type=int, default=20_000, help="invocations per measurement")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    results.update(import_times(args.runs))
    results.update(overhead(args.calls))
    results.update(powertools(args.calls))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

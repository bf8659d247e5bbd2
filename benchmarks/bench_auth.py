"""Authentication benchmark: per-request verification cost of each gate, keys cached.

    .venv/bin/python benchmarks/bench_auth.py                    # table on stdout
    .venv/bin/python benchmarks/bench_auth.py --calls 5000 --json out.json

Each row is one gate's `authenticate_request` / `authenticate_message` on a realistic API
Gateway v1 event (or SQS/SNS record), after a warm-up call, so JWKS keys and SNS certificates
are cached as they are after a function's first request; p50 / p99 in µs per call. "guard +
JWT RS256" is the whole guarded invocation (detection off) minus the bare handler. Replay caches
are in-process (`MemoryStore`); a Redis round trip adds its own latency (see bench_runtime).
Gate construction (PyJWT + cryptography import, key parsing) is timed once, as a cold start
pays it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _stats import p50_p99, per_call_us

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "src", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def _timed(call: Callable[[], Any], calls: int) -> tuple[float, float]:
    return p50_p99(per_call_us(call, calls, warmup=1))


def _cold_start(document: dict[str, Any]) -> float:
    """Median ms, in fresh processes, to import the auth module and build a JWT gate."""
    import subprocess

    script = (
        "import json, sys, time\n"
        "start = time.perf_counter()\n"
        "from faasguard.runtime.auth import JWT\n"
        "JWT(issuer='https://i/', audience='a', jwks=json.loads(sys.stdin.read()))\n"
        "print((time.perf_counter() - start) * 1000)\n"
    )
    runs = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(document),
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT / "src")},
        )
        runs.append(float(done.stdout))
    return statistics.median(runs)


def _rows(calls: int) -> list[tuple[str, float, float]]:
    from tests.runtime._auth_support import (
        AUDIENCE,
        ISSUER,
        TOPIC,
        CertFetcher,
        jwks,
        sns_event,
        sns_message,
        token,
    )
    from tests.runtime._guard_events import Context, apigw_v1, sqs

    from faasguard.runtime import _adapters, guard
    from faasguard.runtime._store import MemoryStore
    from faasguard.runtime.auth import (
        JWT,
        APIKey,
        GitHubWebhook,
        SignedEvents,
        SNSSignature,
        StripeWebhook,
        hash_api_key,
        sign_event,
    )

    rows: list[tuple[str, float, float]] = []
    gate = JWT(issuer=ISSUER, audience=AUDIENCE, jwks=jwks())
    for key, label in (("rsa", "RS256"), ("ps", "PS256"), ("ec", "ES256"), ("ed", "EdDSA")):
        event = apigw_v1(headers={"Authorization": f"Bearer {token(key)}"})
        request = _adapters.http_request(event, "apigw-v1")
        rows.append(
            (f"JWT {label}", *_timed(lambda r=request: gate.authenticate_request(r), calls))
        )

    event = apigw_v1(headers={"Authorization": f"Bearer {token('rsa')}"})
    bare = lambda e, c: {"statusCode": 200, "body": "ok"}  # noqa: E731
    guarded = guard(auth=gate, detect="off", events=lambda e: None)(bare)
    plain = guard(detect="off", events=lambda e: None)(bare)
    with_auth = _timed(lambda: guarded(event, Context()), calls)
    without = _timed(lambda: plain(event, Context()), calls)
    rows.append(
        (
            "guard + JWT RS256 (minus guard alone)",
            with_auth[0] - without[0],
            with_auth[1] - without[1],
        )
    )

    forged = apigw_v1(headers={"Authorization": "Bearer " + token("attacker")})
    request = _adapters.http_request(forged, "apigw-v1")
    rows.append(("JWT forged (refused)", *_timed(lambda: _refused(gate, request), calls)))

    body = json.dumps({"ref": "refs/heads/main", "commits": [{"id": "a9f3c1"}] * 20})
    counter = iter(range(10**9))
    hub = GitHubWebhook("hook", store=MemoryStore())

    def github() -> None:
        # each delivery is a new body: the replay cache refuses a signature seen before
        delivery = next(counter)
        text = body[:-1] + f', "delivery": {delivery}}}'
        digest = hmac.new(b"hook", text.encode(), hashlib.sha256).hexdigest()
        request = _adapters.http_request(
            apigw_v1(
                None,
                headers={
                    "X-Hub-Signature-256": f"sha256={digest}",
                    "X-GitHub-Delivery": str(delivery),
                },
            ),
            "apigw-v1",
        )
        request.body = text
        hub.authenticate_request(request)

    rows.append(("GitHub webhook (incl. signing, event build)", *_timed(github, calls)))
    stripe = StripeWebhook("whsec_x", store=MemoryStore(), tolerance=10**9)

    def stripe_call() -> None:
        stamp = str(1_700_000_000 + next(counter))
        mac = hmac.new(b"whsec_x", f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
        request = _adapters.http_request(
            apigw_v1(None, headers={"Stripe-Signature": f"t={stamp},v1={mac}"}), "apigw-v1"
        )
        request.body = body
        stripe.authenticate_request(request)

    rows.append(("Stripe webhook (incl. signing)", *_timed(stripe_call, calls)))

    keys = {f"partner-{n}": hash_api_key(f"fg_live_{n:06d}") for n in range(100)}
    api = APIKey(keys)
    request = _adapters.http_request(apigw_v1(headers={"x-api-key": "fg_live_000077"}), "apigw-v1")
    rows.append(("API key (100 keys)", *_timed(lambda: api.authenticate_request(request), calls)))

    secret = b"orders-to-billing-signing-key-32b!"
    signed_gate = SignedEvents({"orders": secret}, store=MemoryStore())
    payload = {"orderId": "o-1", "items": [{"sku": "SKU-1", "qty": 2}] * 5}

    def signed() -> None:
        message = _adapters.messages(sqs(sign_event(payload, secret, "orders")), "sqs")[0]
        signed_gate.authenticate_message(message)

    rows.append(("signed event (sign + verify)", *_timed(signed, calls)))
    sns = SNSSignature([TOPIC], _fetcher=CertFetcher())
    message = _adapters.messages(sns_event(sns_message()), "sns")[0]
    rows.append(("SNS v2, cached cert", *_timed(lambda: sns.authenticate_message(message), calls)))
    return rows


def _refused(gate: Any, request: Any) -> None:
    from faasguard.runtime._authn import AuthFailed

    try:
        gate.authenticate_request(request)
    except AuthFailed:
        return
    raise AssertionError("a forged token was accepted")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from tests.runtime._auth_support import jwks

    cold = _cold_start(jwks())
    rows = _rows(args.calls)
    print(f"JWT gate construction (imports PyJWT + cryptography, parses 4 keys): {cold:.1f} ms")
    print(f"| gate | p50 µs | p99 µs |  ({args.calls} calls each)")
    print("|---|---:|---:|")
    for name, p50, p99 in rows:
        print(f"| {name} | {p50:.1f} | {p99:.1f} |")
    if args.json:
        data = {
            "construction_ms": cold,
            "calls": args.calls,
            "rows": [{"gate": n, "p50_us": a, "p99_us": b} for n, a, b in rows],
        }
        args.json.write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

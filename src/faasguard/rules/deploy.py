"""FG6xx: deployment hygiene — runtimes, tracing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from faasguard.model import Category, Finding, Function, Inventory, Location, Provider, Severity
from faasguard.rules._registry import Docs, rule

UPCOMING_DAYS = 180


@cache
def runtime_table() -> dict[str, Any]:
    text = resources.files("faasguard.data").joinpath("runtimes.json").read_text("utf-8")
    return json.loads(text)


def today() -> dt.date:
    return dt.date.today()


@rule(
    "FG601",
    "Runtime past or near its end of support",
    Severity.MEDIUM,
    Category.DEPLOYMENT,
    Docs(
        what="A Lambda function whose runtime has reached end of support (deprecated: no "
        "security patches) or reaches it within 180 days, from the dated table shipped in "
        "faasguard/data/runtimes.json (its source and date are in the file).",
        why="A deprecated runtime no longer receives security patches for the language, its "
        "standard library or the operating system, and after the second phase functions "
        "cannot even be updated to fix a vulnerability.",
        fix={"all": "Move to a supported runtime (e.g. python3.13, nodejs22.x) and redeploy."},
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
            "https://cwe.mitre.org/data/definitions/1104.html",
        ),
    ),
    cwe=1104,
)
def deprecated_runtime(inventory: Inventory) -> Iterator[Finding]:
    table = runtime_table()["aws"]
    now = today()
    # One finding per written runtime: a provider-level runtime is one line to change.
    users: dict[tuple[Location, str], list[Function]] = {}
    for fn in inventory.functions:
        if fn.provider is Provider.AWS and fn.runtime and table.get(fn.runtime):
            users.setdefault((fn.where("runtime"), fn.runtime), []).append(fn)
    for (location, runtime), functions in users.items():
        ends = dt.date.fromisoformat(table[runtime])
        days = (ends - now).days
        if days > UPCOMING_DAYS:
            continue
        names = ", ".join(fn.name for fn in functions)
        if days < 0:
            message = f"{runtime} is out of support since {ends.isoformat()} (used by {names})"
            severity = None
        else:
            message = (
                f"{runtime} reaches end of support on {ends} (in {days} days; used by {names})"
            )
            severity = Severity.LOW
        yield deprecated_runtime.finding(
            message,
            location,
            function=functions[0] if len(functions) == 1 else None,
            evidence={
                "runtime": runtime,
                "end_of_support": table[runtime],
                "functions": [fn.name for fn in functions],
            },
            related=[("function", fn.location) for fn in functions[:10]],
            key=runtime,
            severity=severity,
        )


@rule(
    "FG602",
    "X-Ray tracing is not enabled",
    Severity.INFO,
    Category.DEPLOYMENT,
    Docs(
        what="A Lambda function without active tracing.",
        why="Without traces an incident responder cannot follow a malicious request across "
        "functions and services. This is hardening advice, not a vulnerability.",
        fix={
            "serverless": "provider.tracing.lambda: true",
            "sam": "Globals.Function.Tracing: Active",
            "terraform": 'tracing_config { mode = "Active" }',
        },
    ),
    advice=True,
)
def tracing_disabled(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        if fn.provider is Provider.AWS and (fn.tracing or "").lower() != "active":
            yield tracing_disabled.finding(
                f"{fn.name} has no active tracing", fn.where("tracing"), function=fn, key="tracing"
            )

"""FG3xx: limits that bound what a flood of requests can cost (denial of wallet) or break."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from faasguard.model import (
    AuthKind,
    Category,
    Finding,
    Function,
    Inventory,
    Location,
    Provider,
    Resource,
    Severity,
    SourceFormat,
    Trigger,
    TriggerKind,
)
from faasguard.rules._registry import Docs, Rule, rule
from faasguard.rules.triggers import resource_for_source

AWS_MAX_TIMEOUT = 900
GCP_MAX_EVENT_TIMEOUT = 540
GCP_MAX_HTTP_TIMEOUT_GEN2 = 3600
SQS_DEFAULT_VISIBILITY = 30


def default_timeout(fn: Function) -> int | None:
    """The timeout a function gets when none is written (seconds)."""
    if fn.provider is Provider.AWS:
        return 6 if fn.source_format is SourceFormat.SERVERLESS else 3
    if fn.provider is Provider.GCP:
        return 60
    return None


def default_memory(fn: Function) -> int | None:
    if fn.provider is Provider.AWS:
        return 1024 if fn.source_format is SourceFormat.SERVERLESS else 128
    if fn.provider is Provider.GCP:
        return 256
    return None


def effective_timeout(fn: Function) -> int | None:
    return fn.timeout if fn.timeout is not None else default_timeout(fn)


def _public(trig: Trigger) -> bool:
    return trig.public is True and (trig.kind.is_http or trig.kind is TriggerKind.INVOKE)


def _open_door(trig: Trigger) -> bool:
    """A public trigger an anonymous caller can use (no authentication, or only an API key)."""
    if not _public(trig) or (trig.method or "").upper() == "OPTIONS":
        return False
    return trig.auth in (AuthKind.NONE, AuthKind.API_KEY)


def publicly_open(fn: Function) -> bool:
    return any(_open_door(t) for t in fn.triggers)


def _group(
    functions: list[Function], where: Callable[[Function], Location]
) -> dict[Location, list[Function]]:
    users: dict[Location, list[Function]] = {}
    for fn in functions:
        users.setdefault(where(fn), []).append(fn)
    return users


def _shared(
    this: Rule,
    location: Location,
    functions: list[Function],
    message: str,
    *,
    evidence: dict[str, object],
    key: str,
    severity: Severity | None = None,
) -> Finding:
    """One finding for a setting written once and used by several functions."""
    return this.finding(
        message, location, functions=functions, evidence=evidence, key=key, severity=severity
    )


def _distinct(functions: Iterable[Function]) -> list[Function]:
    """In order, each function once (functions are not hashable: they hold mappings)."""
    seen: set[int] = set()
    return [fn for fn in functions if id(fn) not in seen and not seen.add(id(fn))]


def _names(functions: list[Function]) -> str:
    return ", ".join(fn.name for fn in functions)


def _max_timeout(fn: Function) -> int | None:
    if fn.provider is Provider.AWS:
        return AWS_MAX_TIMEOUT
    if fn.provider is Provider.GCP:
        http = any(t.kind is TriggerKind.GCP_HTTP for t in fn.triggers)
        gen2 = fn.attributes.get("generation") == 2
        return GCP_MAX_HTTP_TIMEOUT_GEN2 if gen2 and http else GCP_MAX_EVENT_TIMEOUT
    return None


@rule(
    "FG301",
    "Function timeout at the platform maximum",
    Severity.LOW,
    Category.LIMITS,
    Docs(
        what="A Lambda function with the maximum timeout (900 s) or a Cloud Function with its "
        "generation's maximum (540 s; 3600 s for 2nd-gen HTTP functions). Medium severity when "
        "the function has a public unauthenticated trigger. One finding per written timeout, "
        "naming every function that inherits it.",
        why="The timeout caps what one stuck or deliberately slowed request costs. At the "
        "maximum, an attacker who can make the function wait (slow downstream, large payload, "
        "ReDoS) pays one request and you pay 15 minutes of compute; API Gateway gives up after "
        "29 s but the function keeps running and billing.",
        fix={
            "serverless": "Set `timeout:` per function (or in provider) to a little above the "
            "observed p99 duration.",
            "sam": "Set Timeout on the function or in Globals.Function.",
            "cloudformation": "Set Timeout on AWS::Lambda::Function.",
            "terraform": "Set timeout on aws_lambda_function, timeout / "
            "service_config.timeout_seconds on Cloud Functions.",
            "gcp": "Deploy with --timeout set to the expected duration.",
        },
        example="provider:\n  timeout: 900",
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
            "https://cwe.mitre.org/data/definitions/400.html",
        ),
    ),
    cwe=400,
)
def maximal_timeout(inventory: Inventory) -> Iterator[Finding]:
    candidates = [
        fn
        for fn in inventory.functions
        if fn.timeout is not None and (limit := _max_timeout(fn)) and fn.timeout >= limit
    ]
    for location, functions in _group(candidates, lambda fn: fn.where("timeout")).items():
        seconds = functions[0].timeout
        exposed = [fn.name for fn in functions if publicly_open(fn)]
        note = f"; {', '.join(exposed)} can be called anonymously" if exposed else ""
        yield _shared(
            maximal_timeout,
            location,
            functions,
            f"timeout {seconds} s is the platform maximum (used by {_names(functions)}){note}",
            evidence={"timeout": seconds, "public": exposed},
            key=f"timeout:{seconds}",
            severity=Severity.MEDIUM if exposed else None,
        )


def _azure_unbounded(fn: Function) -> bool:
    return fn.provider is Provider.AZURE and fn.timeout is not None and fn.timeout < 0


@rule(
    "FG302",
    "Azure functionTimeout is unbounded",
    Severity.LOW,
    Category.LIMITS,
    Docs(
        what='`"functionTimeout": "-1"` in host.json: executions of every function of the app '
        "may run forever (Premium and Dedicated plans). Medium severity when the app has an "
        "anonymous HTTP function.",
        why="With no timeout a hung or deliberately slowed execution holds an instance and is "
        "billed until the host restarts; a handful of slow requests can keep a Premium plan "
        "scaled out indefinitely.",
        fix={
            "azure": 'Set "functionTimeout": "00:10:00" (or the longest duration you expect) '
            "in host.json; move long work to Durable Functions.",
        },
        example='{\n  "version": "2.0",\n  "functionTimeout": "-1"\n}',
        references=(
            "https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout",
            "https://learn.microsoft.com/azure/azure-functions/functions-scale#timeout",
            "https://cwe.mitre.org/data/definitions/400.html",
        ),
    ),
    cwe=400,
)
def azure_unbounded_timeout(inventory: Inventory) -> Iterator[Finding]:
    candidates = [fn for fn in inventory.functions if _azure_unbounded(fn)]
    for location, functions in _group(candidates, lambda fn: fn.where("timeout")).items():
        exposed = [fn.name for fn in functions if publicly_open(fn)]
        yield _shared(
            azure_unbounded_timeout,
            location,
            functions,
            f"functionTimeout -1: executions of {_names(functions)} are never stopped",
            evidence={"function_timeout": -1, "public": exposed},
            key="functionTimeout",
            severity=Severity.MEDIUM if exposed else None,
        )


def _default_site(fn: Function) -> Location:
    """Where an unset setting would be written once for many functions: serverless provider
    and SAM Globals apply to a whole file; elsewhere it is per function."""
    if fn.source_format in (SourceFormat.SERVERLESS, SourceFormat.SAM):
        return Location(fn.location.file, 1, 1)
    return fn.location


def _unset(inventory: Inventory, setting: str) -> dict[Location, list[Function]]:
    candidates = [
        fn
        for fn in inventory.functions
        if fn.provider is Provider.AWS and getattr(fn, setting) is None
    ]
    # Point a file-wide group at its first function: a line the user wrote.
    return {fns[0].location: fns for fns in _group(candidates, _default_site).values()}


@rule(
    "FG303",
    "Function timeout left at the platform default",
    Severity.INFO,
    Category.LIMITS,
    Docs(
        what="A Lambda function with no timeout written anywhere (function, provider, "
        "Globals), so it runs with the default: 3 s (6 s with the Serverless Framework). One "
        "finding per file for serverless.yml and SAM, where one provider/Globals line fixes "
        "all functions.",
        why="An unconsidered timeout is either too short (requests to a slow dependency fail "
        "and are retried, multiplying invocations) or, once someone raises it in a hurry, far "
        "too long. An explicit value close to the real duration bounds the cost of each "
        "request. This is hardening advice.",
        fix={
            "serverless": "Set provider.timeout (and per-function `timeout:` where needed).",
            "sam": "Set Globals.Function.Timeout.",
            "cloudformation": "Set Timeout on AWS::Lambda::Function.",
            "terraform": "Set timeout on aws_lambda_function.",
        },
        references=("https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",),
    ),
    advice=True,
)
def default_timeout_advice(inventory: Inventory) -> Iterator[Finding]:
    for location, functions in _unset(inventory, "timeout").items():
        seconds = default_timeout(functions[0])
        yield _shared(
            default_timeout_advice,
            location,
            functions,
            f"no timeout is set for {_names(functions)}: the default {seconds} s applies",
            evidence={"default": seconds},
            key="default-timeout",
        )


@rule(
    "FG304",
    "Function memory left at the platform default",
    Severity.INFO,
    Category.LIMITS,
    Docs(
        what="A Lambda function with no memory size written anywhere, so it runs with the "
        "default: 128 MB (1024 MB with the Serverless Framework). One finding per file for "
        "serverless.yml and SAM.",
        why="Memory also sets CPU: 128 MB functions run slowly (longer, costlier, easier to "
        "tie up), and the Serverless default of 1024 MB is often far more than needed, "
        "multiplying the cost of every invocation, including unwanted ones. This is hardening "
        "advice; measure with AWS Lambda Power Tuning.",
        fix={
            "serverless": "Set provider.memorySize (and per-function `memorySize:`).",
            "sam": "Set Globals.Function.MemorySize.",
            "cloudformation": "Set MemorySize on AWS::Lambda::Function.",
            "terraform": "Set memory_size on aws_lambda_function.",
        },
        references=("https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",),
    ),
    advice=True,
)
def default_memory_advice(inventory: Inventory) -> Iterator[Finding]:
    for location, functions in _unset(inventory, "memory").items():
        size = default_memory(functions[0])
        yield _shared(
            default_memory_advice,
            location,
            functions,
            f"no memory size is set for {_names(functions)}: the default {size} MB applies",
            evidence={"default": size},
            key="default-memory",
        )


def _unthrottled_door(trig: Trigger) -> bool:
    return _open_door(trig) and (
        trig.kind is TriggerKind.FUNCTION_URL
        or trig.kind is TriggerKind.INVOKE
        or trig.throttling is None
    )


def _capped(fn: Function) -> bool:
    if fn.provider is Provider.GCP:
        return fn.attributes.get("generation") == 2 or bool(fn.attributes.get("max_instances"))
    return fn.reserved_concurrency is not None


@rule(
    "FG305",
    "Public function without a concurrency limit",
    Severity.MEDIUM,
    Category.LIMITS,
    Docs(
        what="A Lambda function reachable from the internet (API route, function URL, ALB, "
        "public permission) without reserved concurrency, or a 1st-gen Cloud Function without "
        "max_instances. Medium when an anonymous caller can reach it through a trigger with no "
        "throttling (a function URL is never throttled); low when every public trigger is "
        "authenticated or throttled.",
        why="Without a cap a request flood scales the function to the account's whole "
        "concurrency pool (1,000 by default): every invocation is billed (denial of wallet) "
        "and every other function in the account and region is throttled (denial of service).",
        fix={
            "serverless": "Set `reservedConcurrency:` on the function.",
            "sam": "Set ReservedConcurrentExecutions on the function.",
            "cloudformation": "Set ReservedConcurrentExecutions on AWS::Lambda::Function.",
            "terraform": "Set reserved_concurrent_executions on aws_lambda_function; "
            "max_instances / service_config.max_instance_count on Cloud Functions.",
            "gcp": "Deploy with --max-instances.",
        },
        example="functions:\n  export:\n    handler: handler.export\n    url: true\n"
        "    # no reservedConcurrency",
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
            "https://cwe.mitre.org/data/definitions/770.html",
        ),
    ),
    cwe=770,
)
def public_without_concurrency_cap(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        if fn.provider not in (Provider.AWS, Provider.GCP) or _capped(fn):
            continue
        public = [t for t in fn.triggers if _public(t) and (t.method or "").upper() != "OPTIONS"]
        if not public:
            continue
        doors = [t for t in public if _unthrottled_door(t)]
        shown = doors or public
        setting = "max_instances" if fn.provider is Provider.GCP else "reserved concurrency"
        how = "anonymous callers reach it through" if doors else "it is reachable through"
        labels = [t.label for t in shown]
        yield public_without_concurrency_cap.finding(
            f"{fn.name} has no {setting}; {how} {', '.join(labels[:3])}",
            fn.location,
            function=fn,
            evidence={"triggers": labels, "anonymous": bool(doors)},
            related=[("trigger", t.location) for t in shown[:10]],
            key="concurrency",
            severity=None if doors else Severity.LOW,
        )


_FAN_OUT = (
    TriggerKind.S3,
    TriggerKind.SNS,
    TriggerKind.SQS,
    TriggerKind.EVENTBRIDGE,
    TriggerKind.CLOUDWATCH_LOGS,
    TriggerKind.IOT,
)


@rule(
    "FG306",
    "Event-driven function without a concurrency limit",
    Severity.INFO,
    Category.LIMITS,
    Docs(
        what="A Lambda function that is not public but is fed by a source that can burst "
        "(S3 notifications, SNS, SQS, EventBridge, CloudWatch Logs, IoT rules) and has no "
        "reserved concurrency. Functions driven only by schedules or streams (bounded by "
        "shards), and public functions (FG305), are not reported.",
        why="A burst of uploads or messages fans out into as many concurrent executions as "
        "the account allows, starving the functions that serve users and hammering "
        "downstream databases. This is hardening advice.",
        fix={
            "serverless": "Set `reservedConcurrency:`; for SQS prefer `maximumConcurrency` on "
            "the sqs event.",
            "sam": "Set ReservedConcurrentExecutions, or ScalingConfig.MaximumConcurrency on "
            "the SQS event.",
            "cloudformation": "Set ReservedConcurrentExecutions, or ScalingConfig on the "
            "AWS::Lambda::EventSourceMapping.",
            "terraform": "Set reserved_concurrent_executions, or scaling_config "
            "{ maximum_concurrency } on aws_lambda_event_source_mapping.",
        },
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
        ),
    ),
    advice=True,
)
def event_driven_without_concurrency_cap(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        if fn.provider is not Provider.AWS or fn.reserved_concurrency is not None:
            continue
        if any(_public(t) for t in fn.triggers):
            continue
        sources = [t for t in fn.triggers if t.kind in _FAN_OUT]
        if not sources:
            continue
        labels = [t.label for t in sources]
        yield event_driven_without_concurrency_cap.finding(
            f"{fn.name} has no reserved concurrency; bursts from "
            f"{', '.join(labels[:3])} scale it without limit",
            fn.location,
            function=fn,
            evidence={"sources": labels},
            related=[("trigger", t.location) for t in sources[:10]],
            key="concurrency",
        )


_API_KINDS = (TriggerKind.HTTP_REST, TriggerKind.HTTP_API, TriggerKind.WEBSOCKET)


def _api_routes(inventory: Inventory) -> dict[str, list[tuple[Function, Trigger]]]:
    routes: dict[str, list[tuple[Function, Trigger]]] = {}
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind in _API_KINDS and trig.api and _public(trig):
                routes.setdefault(trig.api, []).append((fn, trig))
    return routes


def _declared_api(inventory: Inventory, name: str) -> Resource | None:
    return next((r for r in inventory.resources if r.kind == "api" and r.name == name), None)


@rule(
    "FG307",
    "Public API without throttling",
    Severity.MEDIUM,
    Category.LIMITS,
    Docs(
        what="An API Gateway REST, HTTP or WebSocket API declared in the project, with public "
        "routes, and no throttling anywhere: no stage or route throttling (MethodSettings, "
        "DefaultRouteSettings) and no usage plan. Medium when a route is anonymous (no auth or "
        "API key only), low when every route is authenticated. APIs declared elsewhere (an "
        "existing API id) are not reported.",
        why="Without throttling an API passes up to the account limit (10,000 requests/s) to "
        "its functions: an attacker turns requests into Lambda bills and exhausted "
        "concurrency. Stage throttling is the cheapest denial-of-wallet guard there is.",
        fix={
            "serverless": "Set provider.apiGateway.usagePlan.throttle (REST) or "
            "provider.httpApi throttling via resources (HTTP API stage DefaultRouteSettings).",
            "sam": "Set MethodSettings (ThrottlingRateLimit/BurstLimit) on AWS::Serverless::Api "
            "or DefaultRouteSettings on AWS::Serverless::HttpApi.",
            "cloudformation": "Set MethodSettings on AWS::ApiGateway::Stage, or "
            "DefaultRouteSettings on AWS::ApiGatewayV2::Stage, or an AWS::ApiGateway::UsagePlan.",
            "terraform": "Add aws_api_gateway_method_settings { settings { throttling_rate_limit "
            "... } } or default_route_settings on aws_apigatewayv2_stage.",
        },
        example="provider:\n  apiGateway:\n    usagePlan:\n      throttle:\n"
        "        burstLimit: 200\n        rateLimit: 100",
        references=(
            "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
            "api-gateway-request-throttling.html",
            "https://cwe.mitre.org/data/definitions/770.html",
        ),
    ),
    cwe=770,
)
def unthrottled_api(inventory: Inventory) -> Iterator[Finding]:
    for api, routes in _api_routes(inventory).items():
        declared = _declared_api(inventory, api)
        if declared is None or declared.settings.get("throttling"):
            continue
        if declared.settings.get("usage_plan") or any(t.throttling for _, t in routes):
            continue
        anonymous = [t for _, t in routes if _open_door(t)]
        functions = _distinct(fn for fn, _ in routes)
        yield unthrottled_api.finding(
            f"API {api} has no stage, route or usage-plan throttling; "
            + (
                f"anonymous routes: {', '.join(t.label for t in anonymous[:3])}"
                if anonymous
                else f"routes to {_names(functions)}"
            ),
            declared.location,
            functions=functions,
            evidence={"api": api, "anonymous_routes": [t.label for t in anonymous]},
            related=[("route", t.location) for _, t in routes[:10]],
            key=f"api:{api}",
            severity=None if anonymous else Severity.LOW,
        )


@rule(
    "FG308",
    "SQS visibility timeout shorter than the consuming function's timeout",
    Severity.LOW,
    Category.LIMITS,
    Docs(
        what="A queue declared in the project whose VisibilityTimeout (30 s when not set) is "
        "shorter than the timeout of a function it triggers (the platform default when the "
        "function sets none). The queue is matched to the trigger by reference, ARN or name.",
        why="A message becomes visible again while the function still processes it: another "
        "invocation picks it up and the work (a payment, an e-mail) runs twice, doubling "
        "invocations under load. Lambda refuses to create such an event source mapping, so "
        "the deployment also fails. AWS recommends at least six times the function timeout.",
        fix={
            "serverless": "Set VisibilityTimeout on the AWS::SQS::Queue in `resources:` to at "
            "least 6 x the function's `timeout:`.",
            "sam": "Set VisibilityTimeout on the queue to at least 6 x Timeout.",
            "cloudformation": "Set VisibilityTimeout on AWS::SQS::Queue.",
            "terraform": "Set visibility_timeout_seconds on aws_sqs_queue.",
        },
        example="SettlementQueue:\n  Type: AWS::SQS::Queue\n  Properties:\n"
        "    VisibilityTimeout: 20   # function Timeout: 60",
        references=("https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",),
    ),
)
def visibility_shorter_than_timeout(inventory: Inventory) -> Iterator[Finding]:
    consumers: dict[str, tuple[Resource, list[Function]]] = {}
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind is not TriggerKind.SQS:
                continue
            res = resource_for_source(inventory, trig.source)
            if res is None or res.kind != "sqs-queue":
                continue
            consumers.setdefault(res.name, (res, []))[1].append(fn)
    for res, listed in consumers.values():
        functions = _distinct(listed)
        raw = res.settings.get("visibility_timeout")
        visibility = raw if isinstance(raw, int) else SQS_DEFAULT_VISIBILITY
        if raw is not None and not isinstance(raw, int):
            continue  # not statically known
        slow = [fn for fn in functions if (effective_timeout(fn) or 0) > visibility]
        if not slow:
            continue
        longest = max(effective_timeout(fn) or 0 for fn in slow)
        yield _shared(
            visibility_shorter_than_timeout,
            res.where("visibility_timeout"),
            slow,
            f"queue {res.name} hides messages for {visibility} s but {_names(slow)} may run "
            f"for {longest} s: messages can be processed twice",
            evidence={"queue": res.name, "visibility_timeout": visibility, "timeout": longest},
            key=f"visibility:{res.name}",
        )

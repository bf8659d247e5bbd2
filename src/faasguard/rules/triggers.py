"""FG2xx: who can invoke a function, and whether they must prove who they are."""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.model import AuthKind, Category, Finding, Inventory, Severity, TriggerKind
from faasguard.rules._registry import Docs, rule

_ROUTE_KINDS = (
    TriggerKind.HTTP_REST,
    TriggerKind.HTTP_API,
    TriggerKind.WEBSOCKET,
    TriggerKind.AZURE_HTTP,
    TriggerKind.GCP_HTTP,
    TriggerKind.ALB,
)


@rule(
    "FG201",
    "Public HTTP route without authentication",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="An API Gateway REST/HTTP API route, ALB target, Azure HTTP trigger or GCP HTTP "
        "function that anyone on the internet can call without an authorizer, IAM auth, a JWT, "
        "or an Azure function key. API-level default authorizers, private APIs and CORS "
        "preflight (OPTIONS) routes are honoured.",
        why="An unauthenticated route hands the function, its role and every resource the role "
        "reaches to anonymous callers; it is the entry point of most serverless breaches and "
        "of denial-of-wallet attacks.",
        fix={
            "serverless": "Add `authorizer:` (a Cognito pool, JWT authorizer on httpApi, a "
            "Lambda authorizer, or `aws_iam`) to the http/httpApi event.",
            "sam": "Set `Auth.DefaultAuthorizer` on the Api/HttpApi, or `Auth.Authorizer` on "
            "the event; do not use `Authorizer: NONE` on data routes.",
            "cloudformation": "Use AuthorizationType AWS_IAM, COGNITO_USER_POOLS, CUSTOM or JWT.",
            "terraform": "Set authorization / authorization_type and an authorizer_id.",
            "azure": "Use authLevel function/admin, or App Service authentication.",
        },
        example="functions:\n  getOrders:\n    events:\n      - http:\n          path: orders\n"
        "          method: get   # no authorizer",
        references=("https://cwe.mitre.org/data/definitions/306.html",),
    ),
    cwe=306,
)
def unauthenticated_route(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind not in _ROUTE_KINDS or trig.auth is not AuthKind.NONE:
                continue
            if trig.public is False or (trig.method or "").upper() == "OPTIONS":
                continue
            note = (
                " (an API key is required, but API keys identify, they do not authenticate)"
                if trig.api_key_required
                else ""
            )
            yield unauthenticated_route.finding(
                f"{trig.label} invokes {fn.name} with no authentication{note}",
                trig.location,
                function=fn,
                evidence={
                    "trigger": trig.kind.value,
                    "method": trig.method,
                    "path": trig.path,
                    "api_key_required": trig.api_key_required,
                },
                related=[("function", fn.location)],
                key=f"{trig.kind}:{trig.method}:{trig.path}:{trig.api}",
                severity=Severity.MEDIUM if trig.api_key_required else None,
            )


@rule(
    "FG202",
    "Function URL without authentication",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="A Lambda function URL with AuthType NONE (serverless `url: true`, SAM "
        "FunctionUrlConfig, AWS::Lambda::Url, aws_lambda_function_url).",
        why="A function URL with auth NONE is a public HTTPS endpoint with no throttling, no WAF "
        "and no authorizer in front of it: anyone who learns the URL can invoke the function "
        "as often as they like.",
        fix={
            "serverless": "Use `url: {authorizer: aws_iam}` and sign requests with SigV4, or "
            "put the function behind API Gateway with an authorizer.",
            "sam": "Set FunctionUrlConfig.AuthType: AWS_IAM.",
            "cloudformation": "Set AuthType: AWS_IAM on AWS::Lambda::Url.",
            "terraform": 'Set authorization_type = "AWS_IAM".',
        },
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
            "https://cwe.mitre.org/data/definitions/306.html",
        ),
    ),
    cwe=306,
)
def open_function_url(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind is TriggerKind.FUNCTION_URL and trig.auth is AuthKind.NONE:
                yield open_function_url.finding(
                    f"function URL of {fn.name} accepts unauthenticated requests (AuthType NONE)",
                    trig.location,
                    function=fn,
                    evidence={"trigger": trig.kind.value, "auth": trig.auth.value},
                    related=[("function", fn.location)],
                    key="function-url",
                )

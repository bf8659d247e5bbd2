"""FG2xx: who can invoke a function, and whether they must prove who they are."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from faasguard._memo import per_inventory
from faasguard.model import (
    AuthKind,
    Category,
    Cors,
    Finding,
    Function,
    Inventory,
    Location,
    Resource,
    Severity,
    SourceFormat,
    Trigger,
    TriggerKind,
)
from faasguard.rules._registry import Docs, rule

# WebSocket routes (FG210), ALB targets (FG211) and GCP functions with a known invoker binding
# (FG208) have rules of their own; API-key-only routes are FG203.
_ROUTE_KINDS = (
    TriggerKind.HTTP_REST,
    TriggerKind.HTTP_API,
    TriggerKind.AZURE_HTTP,
    TriggerKind.GCP_HTTP,
)


def _is_preflight(trig: Trigger) -> bool:
    return (trig.method or "").upper() == "OPTIONS"


def _api_key_only(trig: Trigger) -> bool:
    return trig.auth is AuthKind.API_KEY or (trig.auth is AuthKind.NONE and trig.api_key_required)


def _has_own_rule(fn: Function, trig: Trigger) -> bool:
    if trig.kind is TriggerKind.GCP_HTTP and "invokers" in trig.attributes:
        return True  # FG208 reports the invoker binding with its ingress setting
    # An azurerm function app without App Service authentication: the per-function authLevel
    # lives in the code, which Terraform does not show (FG207).
    return trig.kind is TriggerKind.AZURE_HTTP and fn.source_format is SourceFormat.TERRAFORM


@rule(
    "FG201",
    "Public HTTP route without authentication",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="An API Gateway REST/HTTP API route or an Azure HTTP trigger (`authLevel: "
        "anonymous`) that anyone on the internet can call without an authorizer, IAM auth, a "
        "JWT, or an Azure function key. API-level default authorizers, private APIs and CORS "
        "preflight (OPTIONS) routes are honoured. Routes guarded only by an API key are FG203, "
        "WebSocket APIs FG210, ALB targets FG211 and GCP invoker bindings FG208.",
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
            if trig.public is False or _is_preflight(trig) or _api_key_only(trig):
                continue
            if _has_own_rule(fn, trig):
                continue
            yield unauthenticated_route.finding(
                f"{trig.label} invokes {fn.name} with no authentication",
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


@rule(
    "FG203",
    "HTTP route protected only by an API key",
    Severity.MEDIUM,
    Category.TRIGGERS,
    Docs(
        what="A public API Gateway route whose only requirement is an API key "
        "(`private: true` on a serverless http event, `ApiKeyRequired` in SAM, "
        "`ApiKeyRequired: true` with AuthorizationType NONE in CloudFormation, "
        "`api_key_required = true` with authorization NONE in Terraform). Private APIs and CORS "
        "preflight routes are not reported.",
        why="API keys identify a client for usage plans and throttling; they are not "
        "credentials. They are long-lived, shared, shipped in mobile apps and front ends, "
        "logged, and cannot carry a user's identity or be scoped per caller. AWS documents that "
        "they must not be used for authorization.",
        fix={
            "serverless": "Keep `private: true` for the usage plan but add an `authorizer:` "
            "(Cognito, a Lambda authorizer or `aws_iam`) to the event.",
            "sam": "Keep `Auth.ApiKeyRequired` and add `Auth.Authorizer` (or an API "
            "`DefaultAuthorizer`).",
            "cloudformation": "Set AuthorizationType AWS_IAM, COGNITO_USER_POOLS or CUSTOM with "
            "an AuthorizerId on the AWS::ApiGateway::Method.",
            "terraform": 'Set authorization = "AWS_IAM" / "COGNITO_USER_POOLS" / "CUSTOM" and '
            "authorizer_id on aws_api_gateway_method.",
        },
        example="functions:\n  partnerOrders:\n    events:\n      - http:\n"
        "          path: partner/orders\n          method: get\n"
        "          private: true   # API key only",
        references=(
            "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
            "api-gateway-api-usage-plans.html",
            "https://cwe.mitre.org/data/definitions/287.html",
        ),
    ),
    cwe=287,
)
def api_key_only_route(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind not in (TriggerKind.HTTP_REST, TriggerKind.HTTP_API):
                continue
            if not _api_key_only(trig) or trig.public is False or _is_preflight(trig):
                continue
            yield api_key_only_route.finding(
                f"{trig.label} invokes {fn.name} with only an API key: API keys identify "
                "callers, they do not authenticate them",
                trig.location,
                function=fn,
                evidence={"trigger": trig.kind.value, "method": trig.method, "path": trig.path},
                related=[("function", fn.location)],
                key=f"{trig.kind}:{trig.method}:{trig.path}:{trig.api}",
            )


# Conditions of a Lambda permission that restrict who may use it.
_RESTRICTING = ("SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken")


def _restricted(trig: Trigger) -> bool:
    return any(trig.condition.get(key) for key in _RESTRICTING)


def _url_auth_none(fn: Function, trig: Trigger) -> bool:
    written = trig.attributes.get("function_url_auth_type") or trig.condition.get(
        "FunctionUrlAuthType"
    )
    if str(written or "").upper() == "NONE":
        return True
    return any(t.kind is TriggerKind.FUNCTION_URL and t.auth is AuthKind.NONE for t in fn.triggers)


@rule(
    "FG204",
    "Lambda permission lets any principal invoke the function",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="A resource-based permission (AWS::Lambda::Permission, aws_lambda_permission) "
        "granting `lambda:InvokeFunction` (or `lambda:*`) to Principal `*` with no SourceArn, "
        "SourceAccount or PrincipalOrgID condition. `lambda:InvokeFunctionUrl` to `*` is the "
        "normal companion of a function URL with auth NONE, which FG202 reports; it is flagged "
        "here only when the URL itself requires IAM.",
        why="Principal `*` lets any AWS account call the function directly with the Invoke "
        "API, bypassing API Gateway, its authorizers and its throttling; an attacker can feed "
        "it arbitrary events and run up its bill.",
        fix={
            "serverless": "Declare the permission in `resources:` with the service principal "
            "and a SourceArn, or use the event types that create scoped permissions.",
            "sam": "Let SAM events create permissions, or set Principal to the service or "
            "account and add SourceArn / SourceAccount.",
            "cloudformation": "Set Principal to a service (apigateway.amazonaws.com) or account "
            "and add SourceArn (and SourceAccount).",
            "terraform": "Set principal to the service or account and add source_arn / "
            "source_account (or principal_org_id).",
        },
        example="QueueWorkerOpenPermission:\n  Type: AWS::Lambda::Permission\n  Properties:\n"
        "    Action: lambda:InvokeFunction\n    FunctionName: !Ref QueueWorker\n"
        "    Principal: '*'",
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html",
            "https://cwe.mitre.org/data/definitions/732.html",
        ),
    ),
    cwe=732,
)
def public_invoke_permission(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind is not TriggerKind.INVOKE or trig.source != "*" or _restricted(trig):
                continue
            action = str(trig.attributes.get("action") or "lambda:InvokeFunction")
            if action.lower() == "lambda:invokefunctionurl" and _url_auth_none(fn, trig):
                continue
            yield public_invoke_permission.finding(
                f"{action} on {fn.name} is granted to Principal '*' without a SourceArn, "
                "SourceAccount or PrincipalOrgID condition: any AWS account can invoke it",
                trig.location,
                function=fn,
                evidence={"action": action, "principal": "*", "condition": dict(trig.condition)},
                related=[("function", fn.location)],
                key=f"invoke:*:{action}:{_permission_name(trig)}",
            )


def _permission_name(trig: Trigger) -> str:
    return str(trig.attributes.get("permission") or trig.attributes.get("address") or "")


def _is_service(principal: str) -> bool:
    return principal.endswith((".amazonaws.com", ".amazonaws.com.cn", ".amazon.com"))


@rule(
    "FG205",
    "Service permission without SourceArn or SourceAccount (confused deputy)",
    Severity.MEDIUM,
    Category.TRIGGERS,
    Docs(
        what="A Lambda permission for an AWS service principal (s3.amazonaws.com, "
        "sns.amazonaws.com, apigateway.amazonaws.com, events.amazonaws.com...) with neither "
        "SourceArn nor SourceAccount. For S3, whose bucket ARNs carry no account id, a "
        "SourceArn without SourceAccount is reported at low severity.",
        why="Without a source condition the permission trusts the service on behalf of every "
        "AWS customer: anyone can point their own bucket, topic, rule or API at your function "
        "and make it process their events (the confused-deputy problem). A deleted bucket's "
        "name can be re-registered by another account, hence SourceAccount for S3.",
        fix={
            "serverless": "Events declared on functions get scoped permissions; for "
            "permissions in `resources:` add SourceArn (and SourceAccount: "
            "!Ref AWS::AccountId).",
            "sam": "Add SourceArn (and SourceAccount: !Ref AWS::AccountId) to the "
            "AWS::Lambda::Permission.",
            "cloudformation": "Add SourceArn (e.g. !Sub arn:aws:execute-api:${AWS::Region}:"
            "${AWS::AccountId}:${Api}/*) and SourceAccount.",
            "terraform": 'Add source_arn (e.g. "${aws_api_gateway_rest_api.x.execution_arn}'
            '/*/*") and source_account = data.aws_caller_identity.current.account_id.',
        },
        example='resource "aws_lambda_permission" "rest" {\n  action        = '
        '"lambda:InvokeFunction"\n  function_name = aws_lambda_function.api.function_name\n'
        '  principal     = "apigateway.amazonaws.com"\n  # no source_arn\n}',
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
            "https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html",
            "https://cwe.mitre.org/data/definitions/441.html",
        ),
    ),
    cwe=441,
)
def unscoped_service_permission(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            principal = trig.source or ""
            if trig.kind is not TriggerKind.INVOKE or not _is_service(principal):
                continue
            if trig.condition.get("SourceAccount") or trig.condition.get("EventSourceToken"):
                continue
            severity: Severity | None = None
            if trig.condition.get("SourceArn"):
                if not principal.startswith("s3."):
                    continue
                severity = Severity.LOW
                message = (
                    f"S3 may invoke {fn.name} for bucket {trig.condition['SourceArn']} in any "
                    "account: add SourceAccount (bucket ARNs carry no account id)"
                )
            else:
                message = (
                    f"{principal} may invoke {fn.name} on behalf of any AWS account: the "
                    "permission has no SourceArn or SourceAccount"
                )
            yield unscoped_service_permission.finding(
                message,
                trig.location,
                function=fn,
                evidence={"principal": principal, "condition": dict(trig.condition)},
                related=[("function", fn.location)],
                key=f"service:{principal}:{_permission_name(trig)}",
                severity=severity,
            )


def _cors_of(value: Any) -> tuple[tuple[str, ...], bool] | None:
    if isinstance(value, Cors):
        return value.origins, value.allow_credentials
    if isinstance(value, Mapping):
        origins = value.get("origins") or value.get("allow_origins") or ()
        if isinstance(origins, str):
            origins = (origins,)
        return tuple(str(o) for o in origins), bool(value.get("allow_credentials"))
    return None


def _cors_sites(inventory: Inventory) -> dict[Location, tuple[tuple[str, ...], list[Function]]]:
    """Every written CORS configuration, with the functions behind it."""
    sites: dict[Location, tuple[tuple[str, ...], list[Function]]] = {}
    for fn in inventory.functions:
        for trig in fn.triggers:
            read = _cors_of(trig.cors)
            if trig.cors is None or read is None or not read[1]:
                continue
            entry = sites.setdefault(trig.cors.location or trig.location, (read[0], []))
            if not any(f is fn for f in entry[1]):
                entry[1].append(fn)
    for res in inventory.resources:
        read = _cors_of(res.settings.get("cors"))
        if read is not None and read[1]:
            sites.setdefault(res.where("cors"), (read[0], []))
    return sites


_ANY_ORIGIN = {"*", "null"}


@rule(
    "FG206",
    "CORS allows any origin together with credentials",
    Severity.MEDIUM,
    Category.TRIGGERS,
    Docs(
        what="A CORS configuration on an API, a function URL or an Azure Functions host that "
        "allows credentials (cookies, Authorization headers) and the origin `*` (or `null`). "
        "One finding per written configuration, naming every function behind it. Settings in "
        "local.settings.json only affect the local host and are reported at low severity.",
        why="Browsers refuse `*` with credentials, so platforms and code that want it to work "
        "reflect the caller's Origin instead; then any web site a logged-in user visits can "
        "call the API as that user and read the response (cross-site request forgery plus "
        "data theft). At best the configuration is broken; at worst it is an open door.",
        fix={
            "serverless": "List the front-end origins in `cors.origins` (http) or "
            "`provider.httpApi.cors.allowedOrigins`, or drop `allowCredentials`.",
            "sam": "List explicit origins in CorsConfiguration.AllowOrigins / Cors.AllowOrigin "
            "or set AllowCredentials: false.",
            "cloudformation": "List explicit origins in CorsConfiguration.AllowOrigins "
            "(AWS::ApiGatewayV2::Api) or Cors.AllowOrigins (AWS::Lambda::Url).",
            "terraform": "List explicit origins in cors_configuration.allow_origins / "
            "cors.allow_origins, or set allow_credentials = false.",
            "azure": "List explicit origins in the app's CORS settings (site_config.cors."
            "allowed_origins) when support_credentials is true.",
        },
        example="AWS::Lambda::Url:\n  Cors:\n    AllowOrigins: ['*']\n    AllowCredentials: true",
        references=(
            "https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards",
            "https://cwe.mitre.org/data/definitions/942.html",
        ),
    ),
    cwe=942,
)
def cors_any_origin_with_credentials(inventory: Inventory) -> Iterator[Finding]:
    for location, (origins, functions) in _cors_sites(inventory).items():
        wild = sorted(set(origins) & _ANY_ORIGIN)
        if not wild:
            continue
        local = location.file.rsplit("/", 1)[-1] == "local.settings.json"
        names = ", ".join(fn.name for fn in functions) or "no function found"
        where = " on the local Functions host" if local else ""
        yield cors_any_origin_with_credentials.finding(
            f"CORS allows origin {' and '.join(repr(o) for o in wild)} with credentials"
            f"{where} (in front of {names})",
            location,
            functions=functions,
            evidence={"origins": list(origins), "allow_credentials": True},
            key="cors",
            severity=Severity.LOW if local else None,
        )


@rule(
    "FG207",
    "Azure HTTP function protected only by function keys",
    Severity.LOW,
    Category.TRIGGERS,
    Docs(
        what="An Azure Functions HTTP trigger with `authLevel: function` or `admin` and no App "
        "Service authentication, or an azurerm function app declared in Terraform without "
        "`auth_settings`/`auth_settings_v2` (its per-function authLevel lives in code "
        "Terraform does not show). `authLevel: anonymous` is FG201.",
        why="Function keys are shared secrets passed in a query string or header: they end up "
        "in logs, browser history and client code, identify no user, and the admin (master) "
        "key opens every function of the app. They are fine for service-to-service calls but "
        "are not user authentication. This is hardening advice.",
        fix={
            "azure": "Enable App Service authentication (Easy Auth) with Entra ID or another "
            "identity provider, or put API Management with validate-jwt in front; keep keys "
            "for service callers only and rotate them.",
            "terraform": "Add auth_settings_v2 { auth_enabled = true, require_authentication "
            "= true, ... } to the azurerm_*_function_app.",
            "serverless": "Put the app behind API Management or enable App Service authentication.",
        },
        example='{ "type": "httpTrigger", "authLevel": "function", "methods": ["post"] }',
        references=(
            "https://learn.microsoft.com/azure/azure-functions/security-concepts"
            "#function-access-keys",
            "https://learn.microsoft.com/azure/app-service/overview-authentication-authorization",
        ),
    ),
    advice=True,
)
def azure_key_only(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        seen: set[Location] = set()
        for trig in fn.triggers:
            if trig.kind is not TriggerKind.AZURE_HTTP or trig.public is False:
                continue
            if trig.location in seen:
                continue  # the OPTIONS twin of a route
            if trig.auth is AuthKind.FUNCTION_KEY:
                level = str(trig.attributes.get("auth_level") or "function")
                message = f"{trig.label} of {fn.name} is protected only by {level} keys"
            elif trig.auth is AuthKind.NONE and _has_own_rule(fn, trig):
                message = (
                    f"function app {fn.name} has no App Service authentication: its HTTP "
                    "functions are protected at most by function keys"
                )
            else:
                continue
            seen.add(trig.location)
            yield azure_key_only.finding(
                message,
                trig.location,
                function=fn,
                evidence={"auth": trig.auth.value, "auth_level": trig.attributes.get("auth_level")},
                related=[("function", fn.location)],
                key=f"azure-keys:{trig.path}",
            )


_PUBLIC_INVOKERS = ("allUsers", "allAuthenticatedUsers")
_INGRESS_SEVERITY = {
    "ALLOW_ALL": Severity.HIGH,
    "ALLOW_INTERNAL_AND_GCLB": Severity.MEDIUM,
    "ALLOW_INTERNAL_ONLY": Severity.LOW,
}


@rule(
    "FG208",
    "Cloud Function invokable by allUsers or allAuthenticatedUsers",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="A GCP HTTP function whose invoker IAM binding (cloudfunctions.invoker / "
        "run.invoker) includes `allUsers` or `allAuthenticatedUsers`. Severity follows the "
        "ingress setting: high with ALLOW_ALL (the default), medium with "
        "ALLOW_INTERNAL_AND_GCLB (reachable through a load balancer), low with "
        "ALLOW_INTERNAL_ONLY (reachable from the project's networks).",
        why="`allUsers` is anyone on the internet; `allAuthenticatedUsers` is anyone with any "
        "Google account, which is not meaningfully smaller. Either way the function, its "
        "service account and the data it reaches are exposed to unauthenticated callers and "
        "to denial-of-wallet floods.",
        fix={
            "terraform": "Grant roles/cloudfunctions.invoker or roles/run.invoker to specific "
            'service accounts or groups, and set ingress_settings = "ALLOW_INTERNAL_ONLY" '
            "(or ALLOW_INTERNAL_AND_GCLB behind IAP / Cloud Armor) when callers are internal.",
            "gcp": "Remove the allUsers/allAuthenticatedUsers binding (gcloud functions "
            "remove-invoker-policy-binding) and require an identity token.",
        },
        example='resource "google_cloudfunctions2_function_iam_member" "public" {\n'
        '  role   = "roles/cloudfunctions.invoker"\n  member = "allUsers"\n}',
        references=(
            "https://cloud.google.com/functions/docs/securing/managing-access-iam",
            "https://cloud.google.com/functions/docs/networking/network-settings",
            "https://cwe.mitre.org/data/definitions/306.html",
        ),
    ),
    cwe=306,
)
def gcp_public_invoker(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind is not TriggerKind.GCP_HTTP:
                continue
            invokers = trig.attributes.get("invokers") or ()
            members = [m for m in _PUBLIC_INVOKERS if m in invokers]
            if not members:
                continue
            ingress = str(trig.attributes.get("ingress") or "ALLOW_ALL")
            yield gcp_public_invoker.finding(
                f"{fn.name} can be invoked by {' and '.join(members)} (ingress {ingress})",
                trig.location,
                function=fn,
                evidence={"invokers": members, "ingress": ingress},
                related=[("function", fn.location)],
                key="gcp-invoker",
                severity=_INGRESS_SEVERITY.get(ingress, Severity.HIGH),
            )


_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:[\w-]+:[\w-]*:(\d{12}):")
_EVENT_SOURCES = (TriggerKind.SQS, TriggerKind.SNS, TriggerKind.STREAM)


def home_accounts(inventory: Inventory) -> set[str]:
    """Accounts the project certainly runs in: an execution role is always in its function's."""
    found: set[str] = set()
    roles = [r for r in inventory.roles] + [f.role for f in inventory.functions if f.role]
    for role in roles:
        match = _ARN_ACCOUNT.match(role.arn or "") or _ARN_ACCOUNT.match(role.name)
        if match:
            found.add(match.group(1))
    return found


def resource_for_source(inventory: Inventory, source: str | None) -> Resource | None:
    """The declared queue/topic/table a trigger source names: ref:X.Arn, a Terraform address,
    an ARN, or a physical name."""
    if not source:
        return None
    name = source[4:].split(".", 1)[0] if source.startswith("ref:") else source
    tail = source.rsplit(":", 1)[-1] if source.startswith("arn:") else None
    by_name, by_arn, by_physical = _resource_index(inventory)
    named = [by_name.get(name), by_name.get(source.removesuffix(".arn"))]
    found = min((hit for hit in named if hit is not None), default=None, key=lambda h: h[0])
    if found is not None:
        return found[1]
    other = [by_arn.get(source), by_physical.get(source), by_physical.get(tail) if tail else None]
    found = min((hit for hit in other if hit is not None), default=None, key=lambda h: h[0])
    return found[1] if found is not None else None


_Index = dict[str, tuple[int, Resource]]


@per_inventory
def _resource_index(inventory: Inventory) -> tuple[_Index, _Index, _Index]:
    """Resources by name, ARN and physical name; the first declared wins, as in a scan."""
    by_name: _Index = {}
    by_arn: _Index = {}
    by_physical: _Index = {}
    for position, res in enumerate(inventory.resources):
        by_name.setdefault(res.name, (position, res))
        if res.arn:
            by_arn.setdefault(res.arn, (position, res))
        if res.physical_name:
            by_physical.setdefault(res.physical_name, (position, res))
    return by_name, by_arn, by_physical


@rule(
    "FG209",
    "Event source open to other accounts",
    Severity.MEDIUM,
    Category.TRIGGERS,
    Docs(
        what="An SQS, SNS or stream trigger whose source the function does not control: a "
        "queue or topic declared in the project whose policy allows Principal `*` without a "
        "condition (medium), or a source ARN in an AWS account other than the project's own "
        "(low; the project's account is known from its execution role ARNs).",
        why="Whoever can write to the queue or topic chooses the function's input. With a "
        "public policy that is anyone: they can inject crafted messages (the function's "
        "handler then becomes the attack surface) and flood it to run up its bill. A source in "
        "another account is a trust relationship that should be deliberate and reviewed.",
        fix={
            "serverless": "Restrict the AWS::SQS::QueuePolicy / AWS::SNS::TopicPolicy in "
            "`resources:` to the producing service or account with aws:SourceArn / "
            "aws:SourceAccount conditions.",
            "sam": "Scope the queue/topic policy Principal and add aws:SourceArn or "
            "aws:SourceAccount conditions.",
            "cloudformation": "Scope the AWS::SQS::QueuePolicy / AWS::SNS::TopicPolicy "
            "Principal and add conditions.",
            "terraform": "Scope aws_sqs_queue_policy / aws_sns_topic_policy principals and add "
            "conditions; verify cross-account sources are intended.",
        },
        example="QueuePolicy:\n  Type: AWS::SQS::QueuePolicy\n  Properties:\n"
        "    PolicyDocument:\n      Statement:\n        - Effect: Allow\n"
        "          Principal: '*'\n          Action: sqs:SendMessage",
        references=(
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
            "sqs-security-best-practices.html",
            "https://cwe.mitre.org/data/definitions/284.html",
        ),
    ),
    cwe=284,
)
def foreign_event_source(inventory: Inventory) -> Iterator[Finding]:
    homes = home_accounts(inventory)
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind not in _EVENT_SOURCES:
                continue
            res = resource_for_source(inventory, trig.source)
            if res is not None and res.settings.get("policy_public"):
                yield foreign_event_source.finding(
                    f"{res.kind} {res.name} feeding {fn.name} has a policy that lets anyone "
                    "publish to it",
                    res.where("policy_public"),
                    function=fn,
                    evidence={"source": trig.source, "resource": res.name, "public": True},
                    related=[("trigger", trig.location), ("function", fn.location)],
                    key=f"public-source:{res.name}",
                )
                continue
            match = _ARN_ACCOUNT.match(trig.source or "")
            if match and homes and match.group(1) not in homes:
                yield foreign_event_source.finding(
                    f"{trig.kind.value} source of {fn.name} is in account {match.group(1)}, "
                    f"not the project's ({', '.join(sorted(homes))})",
                    trig.location,
                    function=fn,
                    evidence={"source": trig.source, "account": match.group(1)},
                    related=[("function", fn.location)],
                    key=f"foreign-source:{trig.source}",
                    severity=Severity.LOW,
                )


@rule(
    "FG210",
    "WebSocket API accepts connections without an authorizer",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="An API Gateway WebSocket API whose `$connect` route has no authorizer and no IAM "
        "auth (or which has no `$connect` route at all). Authorizers can only be attached to "
        "`$connect`; the other routes inherit the connection's identity, so they are not "
        "reported one by one.",
        why="Without a `$connect` authorizer anyone can open a connection and send messages to "
        "every route of the API, invoking their functions, and keep connections open to run up "
        "connection-minute charges.",
        fix={
            "serverless": "Add `authorizer:` (a Lambda authorizer name/ARN with "
            "identitySource) to the `websocket` event whose route is `$connect`.",
            "sam": "Add an AWS::ApiGatewayV2::Authorizer and set AuthorizationType CUSTOM / "
            "AWS_IAM on the `$connect` AWS::ApiGatewayV2::Route.",
            "cloudformation": "Set AuthorizationType CUSTOM (with AuthorizerId) or AWS_IAM on "
            "the `$connect` AWS::ApiGatewayV2::Route.",
            "terraform": 'Set authorization_type = "CUSTOM" and authorizer_id (or "AWS_IAM") '
            'on the aws_apigatewayv2_route with route_key = "$connect".',
        },
        example="functions:\n  connect:\n    events:\n      - websocket:\n"
        "          route: $connect   # no authorizer",
        references=(
            "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
            "apigateway-websocket-api-control-access.html",
            "https://cwe.mitre.org/data/definitions/306.html",
        ),
    ),
    cwe=306,
)
def websocket_without_authorizer(inventory: Inventory) -> Iterator[Finding]:
    apis: dict[str, list[tuple[Function, Trigger]]] = {}
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind is TriggerKind.WEBSOCKET and trig.public is not False:
                apis.setdefault(trig.api or trig.location.file, []).append((fn, trig))
    for api, routes in apis.items():
        connects = [(fn, t) for fn, t in routes if t.path == "$connect"]
        names = sorted({fn.name for fn, _ in routes})
        evidence = {"api": api, "routes": [t.path for _, t in routes], "functions": names}
        for fn, trig in connects:
            if trig.auth is AuthKind.NONE:
                yield websocket_without_authorizer.finding(
                    f"WebSocket API {api}: $connect ({fn.name}) has no authorizer, so anyone "
                    f"can connect and reach {', '.join(names)}",
                    trig.location,
                    function=fn,
                    evidence=evidence,
                    related=[("route", t.location) for _, t in routes if t is not trig][:10],
                    key=f"ws:{api}",
                )
        if not connects and all(t.auth is AuthKind.NONE for _, t in routes):
            fn, first = routes[0]
            yield websocket_without_authorizer.finding(
                f"WebSocket API {api} has no $connect route with an authorizer: anyone can "
                f"connect and reach {', '.join(names)}",
                first.location,
                function=fn if len(names) == 1 else None,
                evidence=evidence,
                related=[("route", t.location) for _, t in routes[1:11]],
                key=f"ws:{api}",
                severity=Severity.MEDIUM,
            )


@rule(
    "FG211",
    "Internet-facing load balancer forwards to a function without authentication",
    Severity.HIGH,
    Category.TRIGGERS,
    Docs(
        what="An Application Load Balancer listener or rule on an internet-facing load "
        "balancer that forwards to a Lambda target group without an authenticate-cognito or "
        "authenticate-oidc action. Internal load balancers, and listeners whose scheme cannot "
        "be known (referenced by ARN), are not reported.",
        why="An ALB has no authorizers, usage plans or per-client throttling: without an "
        "authenticate action every internet request reaches the function and its role.",
        fix={
            "serverless": "Declare `provider.alb.authorizers` (type cognito or oidc) and set "
            "`authorizer:` on the alb event.",
            "cloudformation": "Add an authenticate-cognito / authenticate-oidc action before "
            "the forward action of the AWS::ElasticLoadBalancingV2::ListenerRule, or make the "
            "load balancer Scheme internal.",
            "terraform": 'Add an action { type = "authenticate-oidc" ... } (or '
            "authenticate-cognito) before the forward action, or set internal = true on the "
            "aws_lb.",
        },
        example="functions:\n  staff:\n    events:\n      - alb:\n"
        "          listenerArn: !Ref PublicListener\n          priority: 10\n"
        "          conditions:\n            path: /staff/*   # no authorizer",
        references=(
            "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
            "listener-authenticate-users.html",
            "https://cwe.mitre.org/data/definitions/306.html",
        ),
    ),
    cwe=306,
)
def alb_without_authentication(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        for trig in fn.triggers:
            if trig.kind is not TriggerKind.ALB or trig.auth is not AuthKind.NONE:
                continue
            if trig.public is not True:
                continue
            yield alb_without_authentication.finding(
                f"{trig.label} forwards internet requests to {fn.name} with no authenticate action",
                trig.location,
                function=fn,
                evidence={"listener": trig.source, "path": trig.path},
                related=[("function", fn.location)],
                key=f"alb:{trig.source}:{trig.path}",
            )

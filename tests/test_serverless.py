"""Serverless Framework loader: functions, inheritance, events, IAM, variables, odd input."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.inventory import build_inventory, cloudformation
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory._sls_vars import segments, split_top
from faasguard.inventory.serverless import load_file, logical_name
from faasguard.model import (
    AuthKind,
    DiagnosticLevel,
    EnvVar,
    Function,
    Location,
    PolicyKind,
    Provider,
    Role,
    Trigger,
    TriggerKind,
    ValueOrigin,
)

FIXTURES = Path(__file__).parent / "fixtures" / "serverless"
EXAMPLE = Path(__file__).parent.parent / "examples" / "serverless-orders"
HAS_CFN = hasattr(cloudformation, "load_template")


def load(
    project: str | Path, name: str = "serverless.yml", env: dict[str, str] | None = None, **kw
) -> LoadResult:
    root = project if isinstance(project, Path) else FIXTURES / project
    path = root / name
    ctx = LoadContext(root=root, env=env if env is not None else {}, **kw)
    return load_file(Candidate(path, name, "serverless", path.stat().st_size), ctx)


def load_text(tmp_path: Path, text: str, **kw) -> LoadResult:
    (tmp_path / "serverless.yml").write_text(text, encoding="utf-8")
    return load(tmp_path, **kw)


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle`` (fixtures stay the source of truth)."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def fn(result: LoadResult, name: str) -> Function:
    return next(f for f in result.functions if f.name == name)


def env(function: Function, name: str) -> EnvVar:
    return next(e for e in function.environment if e.name == name)


def triggers(function: Function, kind: TriggerKind) -> list[Trigger]:
    return [t for t in function.triggers if t.kind == kind]


def role_named(result: LoadResult, name: str) -> Role:
    return next(r for r in result.roles if r.name == name)


def codes(result: LoadResult, level: DiagnosticLevel | None = None) -> list[str]:
    return [d.code for d in result.diagnostics if level is None or d.level == level]


def warned(result: LoadResult, text: str) -> bool:
    return any(d.code == "unresolved" and text in d.message for d in result.diagnostics)


# -- the bundled example ------------------------------------------------------------------------


def test_example_project_end_to_end() -> None:
    ctx = LoadContext(root=EXAMPLE, env={})
    inv = build_inventory(EXAMPLE, ctx)
    yml = EXAMPLE / "serverless.yml"
    assert {f.name for f in inv.functions} == {
        "listOrders",
        "createOrder",
        "processJob",
        "exportOrders",
        "nightlyReport",
    }
    listing = inv.function("listOrders")
    (route,) = listing.triggers
    assert (route.kind, route.method, route.path, route.auth, route.public) == (
        TriggerKind.HTTP_API,
        "GET",
        "/orders",
        AuthKind.NONE,
        True,
    )
    create = inv.function("createOrder")
    (post,) = create.triggers
    assert (post.auth, post.authorizer, post.method) == (AuthKind.JWT, "cognitoJwt", "POST")
    assert env(create, "DB_PASSWORD").origin == ValueOrigin.LITERAL
    assert env(create, "DB_PASSWORD").value == "hunter2-orders"
    assert env(create, "DB_PASSWORD").location.line == line_of(yml, "DB_PASSWORD:")
    assert env(create, "DB_PASSWORD_SSM").origin == ValueOrigin.SSM
    assert env(create, "DB_PASSWORD_SSM").value is None
    assert env(create, "QUEUE_URL").origin == ValueOrigin.REFERENCE
    assert env(create, "QUEUE_URL").value == "ref:JobsQueue"
    assert env(create, "TABLE_NAME").value == "orders-api-orders-dev"
    worker = inv.function("processJob")
    assert worker.runtime == "python3.7"
    assert worker.locations["runtime"].line == line_of(yml, "runtime: python3.7")
    assert worker.triggers[0].kind == TriggerKind.SQS
    assert worker.triggers[0].source == "ref:JobsQueue.Arn"
    (url,) = inv.function("exportOrders").triggers
    assert (url.kind, url.auth, url.public) == (TriggerKind.FUNCTION_URL, AuthKind.NONE, True)
    assert inv.function("nightlyReport").triggers[0].source == "cron(0 3 * * ? *)"
    role = create.role
    assert role is not None and role.name == "orders-api-dev-lambdaRole"
    wildcard = [s for s in role.statements if s.resources == ("*",)]
    assert wildcard and wildcard[0].actions == ("s3:*",)
    assert wildcard[0].location.line == line_of(yml, 'Action: "s3:*"') - 1
    assert all(f.role is role for f in inv.functions)
    assert not [d for d in inv.diagnostics if d.level == DiagnosticLevel.ERROR]


@pytest.mark.skipif(not HAS_CFN, reason="CloudFormation loader's load_template not available")
def test_example_resources_are_linked_to_the_role() -> None:
    inv = build_inventory(EXAMPLE, LoadContext(root=EXAMPLE, env={}))
    assert inv.resource("OrdersTable").kind == "dynamodb-table"
    assert {"OrdersTable", "JobsQueue"} <= set(inv.function("createOrder").reachable)


# -- REST API project: inheritance, IAM, authorizers --------------------------------------------

REST = FIXTURES / "rest-api" / "serverless.yml"


@pytest.fixture(scope="module")
def rest() -> LoadResult:
    return load("rest-api")


def test_function_names_lines_and_ids(rest: LoadResult) -> None:
    names = [f.name for f in rest.functions]
    assert names == ["getPayment", "createPayment", "refund", "adminReport", "authorize"]
    get = fn(rest, "getPayment")
    assert get.location.line == line_of(REST, "  getPayment:")
    assert get.location.file == "serverless.yml"
    assert get.logical_id == "GetPaymentLambdaFunction"
    assert get.source_format.value == "serverless"
    assert get.provider == Provider.AWS
    assert get.attributes["function_name"] == "payments-dev-getPayment"
    assert "internal-error" not in codes(rest)
    assert not [d for d in rest.diagnostics if d.level == DiagnosticLevel.ERROR]


def test_provider_settings_are_inherited_with_locations(rest: LoadResult) -> None:
    get = fn(rest, "getPayment")
    assert (get.runtime, get.timeout, get.architecture) == ("nodejs18.x", 20, "arm64")
    assert get.memory == 512  # ${self:custom.shared.memory} from config/shared.json
    assert get.kms_key == "arn:aws:kms:us-east-1:123456789012:key/1111-2222"
    assert get.log_retention_days == 14
    assert get.tracing == "Active"
    assert get.versioned is False
    assert get.handler == "src/handlers/payments.get"
    assert get.code_path == "src/handlers"
    assert get.package_type == "Zip"
    assert get.locations["runtime"].line == line_of(REST, "runtime: nodejs18.x")
    assert get.locations["memory"].line == line_of(REST, "memorySize: ${self:custom")
    assert get.locations["versioned"].line == line_of(REST, "versionFunctions: false")
    assert get.locations["tracing"].line == line_of(REST, "lambda: true")
    assert get.locations["handler"].line == line_of(REST, "handler: src/handlers/payments.get")
    assert get.vpc is not None
    assert get.vpc.subnet_ids == ("subnet-0dev0000000000001", "subnet-0dev0000000000002")
    assert get.vpc.security_group_ids == ("sg-0aa11bb22cc33dd44",)
    assert [layer.ref for layer in get.layers] == [
        "arn:aws:lambda:us-east-1:123456789012:layer:payments-common:4"
    ]


def test_function_settings_override_provider(rest: LoadResult) -> None:
    create = fn(rest, "createPayment")
    assert create.memory == 1024
    assert create.locations["memory"].line == line_of(REST, "memorySize: 1024")
    assert (create.reserved_concurrency, create.provisioned_concurrency) == (25, 2)
    assert create.locations["reserved_concurrency"].line == line_of(REST, "reservedConcurrency")
    report = fn(rest, "adminReport")
    assert report.tracing == "PassThrough"
    assert [layer.ref for layer in report.layers] == ["ref:ReportingLambdaLayer"]  # replaced
    authorize = fn(rest, "authorize")
    assert authorize.vpc is None  # vpc: ~ opts out of the provider VPC
    assert authorize.log_retention_days == 365


def test_environment_origins_and_lines(rest: LoadResult) -> None:
    get = fn(rest, "getPayment")
    assert env(get, "STAGE") == EnvVar(
        "STAGE", "dev", ValueOrigin.LITERAL, env(get, "STAGE").location, "${sls:stage}"
    )
    assert env(get, "SUPPORT_EMAIL").origin == ValueOrigin.PARAMETER
    assert env(get, "SUPPORT_EMAIL").value == "support@example.com"
    stripe = env(get, "STRIPE_SECRET_KEY")
    assert (stripe.origin, stripe.value) == (ValueOrigin.SECRETS_MANAGER, None)
    assert stripe.expression == "${ssm:/aws/reference/secretsmanager/payments/stripe}"
    assert stripe.location.line == line_of(REST, "STRIPE_SECRET_KEY: ${ssm")
    assert env(get, "API_BASE").value == "https://api.dev.payments.example.com"
    create = fn(rest, "createPayment")
    leaked = env(create, "STRIPE_SECRET_KEY")  # the function's value wins over the provider's
    assert (leaked.origin, leaked.value) == (ValueOrigin.LITERAL, "sk_live_51HardcodedSecretValue")
    assert leaked.location.line == line_of(REST, "STRIPE_SECRET_KEY: sk_live")
    assert env(create, "WEBHOOK_SECRET").origin == ValueOrigin.SECRETS_MANAGER
    assert create.locations["environment"].line == line_of(REST, "environment:", 2)


def test_rest_routes_and_authorizers(rest: LoadResult) -> None:
    (get,) = fn(rest, "getPayment").triggers
    assert (get.kind, get.method, get.path, get.auth, get.public) == (
        TriggerKind.HTTP_REST,
        "GET",
        "/payments/{id}",
        AuthKind.NONE,
        True,
    )
    assert get.api == "ApiGatewayRestApi"
    assert get.location.line == line_of(REST, "- http:")
    assert get.cors is not None and get.cors.origins == ("*",)
    (post,) = fn(rest, "createPayment").triggers
    assert post.auth == AuthKind.COGNITO
    assert post.authorizer == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pay123"
    )
    assert post.cors is not None
    assert (post.cors.origins, post.cors.allow_credentials) == (("https://shop.example.com",), True)
    (refund,) = fn(rest, "refund").triggers
    assert (refund.auth, refund.authorizer, refund.api_key_required) == (
        AuthKind.LAMBDA_AUTHORIZER,
        "authorize",
        True,
    )
    assert refund.throttling is not None
    assert (refund.throttling.rate_limit, refund.throttling.burst_limit) == (100.0, 200)
    assert refund.throttling.quota == 5000
    short, iam, cognito, options = fn(rest, "adminReport").triggers
    assert (short.method, short.path, short.auth) == ("GET", "/admin/report", AuthKind.NONE)
    assert short.location.line == line_of(REST, "- http: GET admin/report")
    assert (iam.auth, iam.authorizer) == (AuthKind.IAM, "aws_iam")
    assert cognito.auth == AuthKind.COGNITO  # authorizerId -> a COGNITO_USER_POOLS authorizer
    assert (options.method, options.auth) == ("OPTIONS", AuthKind.NONE)
    assert fn(rest, "authorize").triggers == ()


def test_default_role_statements_and_managed_policies(rest: LoadResult) -> None:
    role = fn(rest, "getPayment").role
    assert role is not None and role.name == "payments-dev-lambdaRole"
    assert role.location.line == line_of(REST, "iamRoleStatements:")
    assert fn(rest, "getPayment").locations["role"] == role.location
    inline, admin, xray = role.policies
    assert (inline.kind, inline.name) == (PolicyKind.INLINE, "provider.iamRoleStatements")
    table, receipts = inline.statements
    assert table.actions == ("dynamodb:GetItem", "dynamodb:PutItem")
    assert table.resources == ("ref:PaymentsTable.Arn",)  # an ARN joined around !Ref
    assert table.location.line == line_of(REST, "- Effect: Allow")
    assert receipts.resources == ("arn:aws:s3:::payments-receipts-dev/*",)
    assert (admin.kind, admin.name, admin.expanded) == (
        PolicyKind.MANAGED,
        "AdministratorAccess",
        True,
    )
    assert admin.arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert admin.statements[0].actions == ("*",) and admin.statements[0].resources == ("*",)
    assert (xray.name, xray.expanded, xray.statements) == ("AWSXRayDaemonWriteAccess", False, ())
    assert role in rest.roles


def test_per_function_roles(rest: LoadResult) -> None:
    report = fn(rest, "adminReport")
    assert report.role is not None
    assert report.role.name == "payments-dev-adminReport-lambdaRole"
    assert report.role.location.line == line_of(REST, "    iamRoleStatements:")
    (policy,) = report.role.policies  # no inheritance without iamRoleStatementsInherit
    (statement,) = policy.statements
    assert statement.actions == ("s3:PutObject",)
    assert statement.resources == ("ref:ReceiptsBucket.Arn/reports/*",)
    refund = fn(rest, "refund")
    assert refund.role is not None and refund.role.name == "RefundRole"
    assert refund.locations["role"].line == line_of(REST, "role: RefundRole")
    assert refund.role.location.line == line_of(REST, "    RefundRole:")
    allowed = [s for s in refund.role.statements if s.allows]
    assert allowed[-1].actions == ("dynamodb:UpdateItem",)
    assert allowed[-1].resources == ("ref:PaymentsTable.Arn",)
    assert len({id(r) for r in rest.roles if r.name == "RefundRole"}) == 1


def test_dead_letter_destinations_and_project_resources(rest: LoadResult) -> None:
    refund = fn(rest, "refund")
    assert refund.dead_letter == "arn:aws:sns:us-east-1:123456789012:payments-dlq"
    assert refund.locations["dead_letter"].line == line_of(REST, "onError:")
    dest = fn(rest, "adminReport").destinations
    assert dest is not None
    assert dest.on_success == "arn:aws:sqs:us-east-1:123456789012:reports-done"
    assert dest.on_failure == "ref:AlertsTopic"
    resources = {r.name: r for r in rest.resources}
    bucket = resources["ServerlessDeploymentBucket"]
    assert bucket.kind == "s3-bucket" and bucket.physical_name == "payments-deploy-dev"
    assert bucket.settings["encryption"] == "aws:kms"
    assert bucket.settings["public_access_block"]["BlockPublicPolicy"] is True
    assert bucket.where("encryption").line == line_of(REST, "serverSideEncryption")
    api = resources["ApiGatewayRestApi"]
    assert api.settings["api_type"] == "rest"
    assert api.settings["access_logging"] is True
    assert api.settings["api_keys"] == ("partner-key", "legacy-key")
    assert api.settings["api_key_values_in_source"] is True
    assert api.settings["throttling"] == {"rate_limit": 100.0, "burst_limit": 200, "quota": 5000}
    layer = resources["ReportingLambdaLayer"]
    assert layer.kind == "layer" and layer.settings["public"] is True
    assert layer.where("allowed_accounts").line == line_of(REST, "allowedAccounts:")


def test_stage_changes_files_params_and_names() -> None:
    prod = load("rest-api", stage="prod")
    get = fn(prod, "getPayment")
    assert get.vpc is not None and get.vpc.subnet_ids == ("subnet-0prod000000000001",)
    assert env(get, "SUPPORT_EMAIL").value == "oncall@example.com"
    assert env(get, "STAGE").value == "prod"
    assert get.role is not None and get.role.name == "payments-prod-lambdaRole"
    statement = get.role.statements[1]
    assert statement.resources == ("arn:aws:s3:::payments-receipts-prod/*",)


@pytest.mark.skipif(not HAS_CFN, reason="CloudFormation loader's load_template not available")
def test_resources_section_reaches_the_inventory(rest: LoadResult) -> None:
    names = {r.name: r for r in rest.resources}
    assert names["ReceiptsBucket"].kind == "s3-bucket"
    assert names["ReceiptsBucket"].physical_name == "payments-receipts-dev"
    assert names["PaymentsTable"].location.line == line_of(REST, "    PaymentsTable:")
    private = load("private-api")
    bucket = next(r for r in private.resources if r.name == "DocumentsBucket")
    assert bucket.location.file == "resources/storage.yml"
    assert bucket.physical_name == "hr-internal-documents-dev"
    assert any(r.name == "PayrollSecret" for r in private.resources)


# -- events -------------------------------------------------------------------------------------

EVENTS = FIXTURES / "events" / "serverless.yml"


@pytest.fixture(scope="module")
def events() -> LoadResult:
    return load("events")


def test_event_sources(events: LoadResult) -> None:
    ingest = fn(events, "ingest")
    s3 = triggers(ingest, TriggerKind.S3)
    assert [t.source for t in s3] == ["media-uploads-raw", "media-uploads-thumbs"]
    assert s3[0].attributes["existing"] is True
    assert [t.source for t in triggers(ingest, TriggerKind.SQS)] == [
        "arn:aws:sqs:eu-central-1:123456789012:ingest-queue",
        "ref:TranscodeQueue.Arn",
    ]
    assert [t.source for t in triggers(ingest, TriggerKind.SNS)] == [
        "media-events",
        "arn:aws:sns:eu-central-1:123456789012:partner-events",
    ]
    streams = triggers(ingest, TriggerKind.STREAM)
    assert streams[0].attributes["type"] == "dynamodb"
    assert streams[1].source == "arn:aws:kinesis:eu-central-1:123456789012:stream/clicks"
    assert all(t.auth == AuthKind.SERVICE and t.public is False for t in ingest.triggers)
    assert ingest.triggers[0].location.line == line_of(EVENTS, "- s3:")


def test_schedule_and_other_event_kinds(events: LoadResult) -> None:
    house = fn(events, "housekeeping")
    kinds = [t.kind for t in house.triggers]
    assert kinds == [
        TriggerKind.SCHEDULE,
        TriggerKind.SCHEDULE,
        TriggerKind.EVENTBRIDGE,
        TriggerKind.CLOUDWATCH_LOGS,
        TriggerKind.COGNITO,
        TriggerKind.IOT,
        TriggerKind.ALEXA,
        TriggerKind.ALEXA,
        TriggerKind.STREAM,
        TriggerKind.OTHER,
    ]
    rate, crons = house.triggers[:2]
    assert rate.source == "rate(1 hour)"
    assert crons.source == "cron(0 2 * * ? *), cron(0 14 * * ? *)"
    assert crons.attributes["enabled"] is False
    assert house.triggers[4].source == "MediaUsers"
    assert house.triggers[7].source is None  # "- alexaSkill": any skill may invoke it
    other = house.triggers[-1]
    assert other.attributes == {"event": "weirdPluginEvent"}
    assert other.location.line == line_of(EVENTS, "- weirdPluginEvent:")


def test_http_api_routes_and_authorizers(events: LoadResult) -> None:
    api = fn(events, "api")
    star, get, delete, post, put, patch, options = api.triggers
    assert (star.method, star.path, star.auth) == ("ANY", "*", AuthKind.NONE)
    assert (get.method, get.path) == ("GET", "/media/{id}")
    assert (delete.auth, delete.authorizer) == (AuthKind.LAMBDA_AUTHORIZER, "customAuth")
    assert (post.auth, post.authorizer) == (AuthKind.JWT, "partnerJwt")
    assert post.attributes["scopes"] == ("media.write",)
    assert put.auth == AuthKind.IAM
    assert (patch.auth, patch.authorizer) == (AuthKind.UNKNOWN, "xyz789")
    assert options.method == "OPTIONS"
    assert all(t.public is True and t.api == "a1b2c3d4e5" for t in api.triggers)
    assert not any(r.name == "HttpApi" for r in events.resources)  # an existing, external API


def test_alb_public_from_listener_scheme(events: LoadResult) -> None:
    public, internal, shared = fn(events, "staff").triggers
    assert (public.auth, public.authorizer, public.public) == (AuthKind.COGNITO, "staffLogin", True)
    assert (public.method, public.path) == ("GET,POST", "/staff/*")
    assert (internal.auth, internal.public) == (AuthKind.NONE, False)
    assert shared.public is None  # a listener outside the project: unknown


def test_websocket_routes_and_function_url(events: LoadResult) -> None:
    (connect,) = fn(events, "chatConnect").triggers
    assert (connect.path, connect.auth, connect.authorizer) == (
        "$connect",
        AuthKind.LAMBDA_AUTHORIZER,
        "authorizer",
    )
    url, default = fn(events, "chatMessage").triggers
    assert (url.kind, url.auth, url.public) == (TriggerKind.FUNCTION_URL, AuthKind.IAM, True)
    assert url.cors is not None and url.cors.origins == ("https://media.example.com",)
    assert url.location.line == line_of(EVENTS, "    url:")
    assert default.path == "$default"
    assert default.auth == AuthKind.LAMBDA_AUTHORIZER  # authorized once, at $connect


def test_external_role_and_empty_events(events: LoadResult) -> None:
    arn = "arn:aws:iam::123456789012:role/media-shared-lambda"
    assert all(f.role is not None and f.role.arn == arn for f in events.functions)
    role = role_named(events, arn)
    assert role.external and role.policies == ()
    assert [r.name for r in events.roles].count(arn) == 1
    empty = [d for d in events.diagnostics if "events of function 'authorizer'" in d.message]
    assert empty and empty[0].level == DiagnosticLevel.WARNING
    assert empty[0].location.line == line_of(EVENTS, "    events:", 7)


# -- variables ----------------------------------------------------------------------------------

VARS = FIXTURES / "variables" / "serverless.yml"


@pytest.fixture(scope="module")
def variables() -> LoadResult:
    return load("variables", env={"DEPLOY_ENV": "staging"})


@pytest.mark.parametrize(
    ("name", "value", "origin"),
    [
        ("LOG_LEVEL", "info", ValueOrigin.PARAMETER),
        ("DB_HOST", "db.internal.example.com", ValueOrigin.PARAMETER),
        ("DB_PASSWORD", "changeme", ValueOrigin.PARAMETER),  # a parameter's default
        ("API_TOKEN", None, ValueOrigin.UNRESOLVED),
        ("DEPLOY_ENV", "staging", ValueOrigin.PARAMETER),
        ("REGION_NAME", "eu-west-2", ValueOrigin.LITERAL),
        ("LEGACY_STAGE", "dev", ValueOrigin.LITERAL),
        ("TABLE", "inventory-dev-small", ValueOrigin.LITERAL),
        ("FEATURE_FLAGS", "search,export", ValueOrigin.LITERAL),
        ("SENTRY_DSN", "https://abc123@o1.ingest.sentry.io/42", ValueOrigin.LITERAL),
        ("SIGNING_KEY", None, ValueOrigin.SSM),
        ("OUTPUT_URL", None, ValueOrigin.UNRESOLVED),
        ("ACCOUNT", None, ValueOrigin.UNRESOLVED),
        ("INSTANCE", None, ValueOrigin.UNRESOLVED),
        ("BUCKET_OBJ", None, ValueOrigin.UNRESOLVED),
        ("MISSING_FILE", None, ValueOrigin.UNRESOLVED),
        ("OUTSIDE", None, ValueOrigin.UNRESOLVED),
        ("JS_VALUE", None, ValueOrigin.UNRESOLVED),
        ("LOOP", None, ValueOrigin.UNRESOLVED),
        ("SELF_LOOP", None, ValueOrigin.UNRESOLVED),
        ("NO_SUCH_KEY", None, ValueOrigin.UNRESOLVED),
        ("WITH_DEFAULT", "fallback-text", ValueOrigin.LITERAL),
        ("NUMBER_DEFAULT", "8080", ValueOrigin.LITERAL),
        ("CHAINED", "cache.dev.internal", ValueOrigin.LITERAL),
        ("QUOTED_COMMA", "a, b", ValueOrigin.LITERAL),
        ("ENABLED", "true", ValueOrigin.LITERAL),
        ("BOOL_VALUE", "true", ValueOrigin.LITERAL),
        ("UNKNOWN_SOURCE", None, ValueOrigin.UNRESOLVED),
    ],
)
def test_variable_forms(variables: LoadResult, name: str, value: str | None, origin) -> None:
    var = env(fn(variables, "sync"), name)
    assert (var.value, var.origin) == (value, origin)
    assert var.location.line == line_of(VARS, f"    {name}:")
    if "${" in line_of_text(VARS, f"    {name}:"):
        assert var.expression is not None and var.expression.startswith(("${", "inventory-"))


def line_of_text(path: Path, needle: str) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line_of(path, needle) - 1]


@pytest.mark.parametrize(
    ("needle", "expression"),
    [
        ("API_TOKEN:", "${env:INVENTORY_API_TOKEN}"),
        ("OUTPUT_URL:", "${cf:inventory-infra-${sls:stage}.ServiceUrl}"),
        ("ACCOUNT:", "${aws:accountId}"),
        ("INSTANCE:", "${sls:instanceId}"),
        ("BUCKET_OBJ:", "${s3:config-bucket/config.json}"),
        ("MISSING_FILE:", "file not found"),
        ("OUTSIDE:", "outside the project"),
        ("JS_VALUE:", "JavaScript is not evaluated"),
        ("NO_SUCH_KEY:", "'custom.doesNotExist' is not set"),
        ("UNKNOWN_SOURCE:", "${vault:secret/data/inventory#token}"),
        ("  loopA:", "circular reference"),
        ("  selfLoop:", "circular reference"),
    ],
)
def test_unresolved_values_are_warned_where_written(
    variables: LoadResult, needle: str, expression: str
) -> None:
    line = line_of(VARS, needle)
    hits = [
        d
        for d in variables.diagnostics
        if d.code == "unresolved" and d.location.line == line and expression in d.message
    ]
    assert hits and hits[0].level == DiagnosticLevel.WARNING


def test_secret_store_values_are_not_warned(variables: LoadResult) -> None:
    assert not warned(variables, "ssm")
    assert not any(d.location.line == line_of(VARS, "SIGNING_KEY:") for d in variables.diagnostics)


def test_nested_variables_and_unresolvable_override(variables: LoadResult) -> None:
    report, sync = fn(variables, "report"), fn(variables, "sync")
    assert report.memory == 256  # ${self:custom.memory.${self:custom.tier}}, tier from the stage
    assert report.timeout == 30  # from shared/settings.yml
    assert sync.memory is None  # its own override cannot be resolved: never guessed
    assert warned(variables, "${self:custom.nope}")
    assert report.role is not None and report.role.name == "inventory-svc-dev-lambdaRole"


def test_stage_region_env_and_options_from_the_context() -> None:
    prod = load(
        "variables",
        env={"INVENTORY_API_TOKEN": "tok-123", "CACHE_HOST": "cache.env"},
        stage="prod",
        region="ap-southeast-2",
        params={"cacheHost": "cache.cli"},
    )
    sync, report = fn(prod, "sync"), fn(prod, "report")
    assert report.memory == 2048
    assert env(sync, "LOG_LEVEL").value == "warn"
    assert env(sync, "DB_PASSWORD").value == "prod-param-password"
    assert env(sync, "REGION_NAME").value == "ap-southeast-2"
    assert env(sync, "LEGACY_STAGE").value == "prod"
    assert env(sync, "TABLE").value == "inventory-prod-large"
    token = env(sync, "API_TOKEN")
    assert (token.value, token.origin) == ("tok-123", ValueOrigin.PARAMETER)
    assert (env(sync, "CHAINED").value, env(sync, "CHAINED").origin) == (
        "cache.cli",
        ValueOrigin.PARAMETER,
    )
    dsn = env(sync, "SENTRY_DSN")  # env/prod.json holds an ${ssm:...} reference
    assert (dsn.value, dsn.origin) == (None, ValueOrigin.SSM)
    assert env(sync, "FEATURE_FLAGS").value == "search"


def test_env_var_from_an_included_file_points_at_that_file(tmp_path: Path) -> None:
    (tmp_path / "env.yml").write_text("dev:\n  DB_PASSWORD: s3cr3t\n  HOST: db\n")
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n  environment: ${file(./env.yml):${sls:stage}}\n"
        "functions:\n  f:\n    handler: h.f\n",
    )
    var = env(fn(result, "f"), "DB_PASSWORD")
    assert (var.value, var.origin) == ("s3cr3t", ValueOrigin.LITERAL)
    assert (var.location.file, var.location.line) == ("env.yml", 2)


def test_cloudformation_sub_syntax_is_not_a_variable() -> None:
    text = "arn:aws:s3:::${AWS::Region}-${Bucket}/${self:custom.x}/${Bucket.Arn}"
    pieces = segments(text)
    assert [p for is_var, p in pieces if is_var] == ["${self:custom.x}"]
    assert split_top("self:a, 'b, c', ${opt:x, 'y'}") == ["self:a", " 'b, c'", " ${opt:x, 'y'}"]


def test_deep_nesting_and_long_chains_are_bounded(tmp_path: Path) -> None:
    nested = "x"
    for _ in range(100):
        nested = "${self:custom." + nested + "}"
    chain = "".join(f"  a{i}: ${{self:custom.a{i + 1}}}\n" for i in range(100))
    result = load_text(
        tmp_path,
        f"service: a\nprovider: {{name: aws}}\ncustom:\n  deep: {nested}\n{chain}  a100: end\n"
        "functions:\n  f:\n    handler: h.f\n    environment:\n"
        "      DEEP: ${self:custom.deep}\n      CHAIN: ${self:custom.a0}\n      SHORT: "
        "${self:custom.a90}\n",
    )
    f = fn(result, "f")
    assert env(f, "DEEP").origin == ValueOrigin.UNRESOLVED
    assert env(f, "CHAIN").origin == ValueOrigin.UNRESOLVED
    assert env(f, "SHORT").value == "end"
    assert warned(result, "variables nested too deeply")


def test_many_variables_hit_the_evaluation_limit(tmp_path: Path) -> None:
    fan = " ".join(["${self:custom.b}"] * 40)
    custom = "".join(f"  l{i}: {fan.replace('custom.b', f'custom.l{i + 1}')}\n" for i in range(8))
    result = load_text(
        tmp_path,
        f"service: a\nprovider: {{name: aws}}\ncustom:\n{custom}  l8: x\n"
        "functions:\n  f:\n    handler: h.f\n    environment:\n      BIG: ${self:custom.l0}\n",
    )
    assert env(fn(result, "f"), "BIG").origin == ValueOrigin.UNRESOLVED
    assert warned(result, "too many variables") or warned(result, "too large")


# -- other layouts ------------------------------------------------------------------------------

PRIVATE = FIXTURES / "private-api"


def test_private_api_functions_list_and_included_files() -> None:
    result = load("private-api")
    employees, payroll = result.functions
    assert employees.location.file == "functions/employees.yml"
    assert employees.location.line == 1
    assert (employees.package_type, employees.runtime, employees.code_path) == ("Image", None, None)
    by_id, listing = employees.triggers
    assert (by_id.auth, by_id.public) == (AuthKind.IAM, False)
    assert by_id.location == location_in(PRIVATE / "functions" / "employees.yml", "- http:")
    assert (listing.auth, listing.public) == (AuthKind.PRIVATE, False)
    (route,) = payroll.triggers
    assert (route.auth, route.public, route.api_key_required) == (AuthKind.PRIVATE, False, True)
    assert payroll.code_path == "build/libs/payroll.jar"
    api = next(r for r in result.resources if r.name == "ApiGatewayRestApi")
    assert api.settings["private"] is True
    assert api.settings["resource_policy"][0]["Action"] == "execute-api:Invoke"


def location_in(path: Path, needle: str) -> Location:

    line = line_of(path, needle)
    column = path.read_text().splitlines()[line - 1].index(needle.lstrip("- ")) + 1
    return Location(path.relative_to(PRIVATE).as_posix(), line, column, line)


def test_per_function_roles_inherit_provider_policies() -> None:
    result = load("private-api")
    employees, payroll = result.functions
    assert employees.role is not None and payroll.role is not None
    names = [p.name for p in employees.role.policies]
    assert names == [
        "functions.employees.iamRoleStatements",
        "provider.iam.role.statements",
        "hr-read-only",
    ]
    assert employees.role.statements[0].resources == ("arn:aws:s3:::hr-internal-documents-dev/*",)
    assert employees.role.location.file == "functions/employees.yml"
    assert [p.name for p in payroll.role.policies] == ["functions.payroll.iamRoleStatements"]
    assert payroll.role.statements[0].resources == ("ref:PayrollSecret",)
    assert not any(r.name == "hr-internal-shared" for r in result.roles)  # unused default role


def test_azure_and_google_providers() -> None:
    azure = load("azure-app")
    hello, admin, cleanup = azure.functions
    assert hello.provider == Provider.AZURE
    (anon,) = hello.triggers
    assert (anon.kind, anon.auth, anon.method) == (TriggerKind.AZURE_HTTP, AuthKind.NONE, "GET")
    (keyed,) = admin.triggers
    assert (keyed.auth, keyed.path) == (AuthKind.FUNCTION_KEY, "admin/run")
    assert cleanup.triggers[0].kind == TriggerKind.AZURE_EVENT
    assert env(hello, "STORAGE_CONNECTION").origin == ValueOrigin.LITERAL
    gcp = load("gcp-app")
    resize, upload = gcp.functions
    assert (resize.provider, resize.timeout, resize.memory) == (Provider.GCP, 120, 512)
    assert (resize.triggers[0].kind, resize.triggers[0].auth) == (
        TriggerKind.GCP_HTTP,
        AuthKind.UNKNOWN,
    )
    assert upload.triggers[0].source == "projects/thumbnails-prod/buckets/uploads"


def test_stage_variant_file_is_discovered_and_loaded() -> None:
    root = FIXTURES / "variant"
    inv = build_inventory(root, LoadContext(root=root, env={}))
    (invoice,) = inv.functions
    assert invoice.location.file == "serverless.prod.yml"
    assert invoice.runtime == "python3.9"
    assert invoice.role is not None and invoice.role.name == "billing-prod-lambdaRole"


def test_logical_names() -> None:
    assert logical_name("create-order_v2") == "CreateDashorderUnderscorev2"


# -- odd and broken input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("", "invalid", 1),
        ("- a\n- b\n", "invalid", 1),
        ("hello\n", "invalid", 1),
        ("service: x\nprovider: {name: aws\n", "parse-error", 3),
        ("service: x\nprovider: aws\nfunctions: nope\n", "invalid", 3),
        ("service: x\nprovider: [a]\n", "invalid", 2),
        ("service: x\nprovider: aws\nfunctions:\n  hello:\n", "invalid", 4),
        ("service: x\nprovider: aws\nfunctions:\n  - 1\n", "invalid", 4),
        (
            "service: x\nprovider: aws\nfunctions:\n  f:\n    handler: h.f\n    events: {a: b}\n",
            "invalid",
            6,
        ),
        ("service: x\nprovider: aws\nresources:\n  Resources: [a]\n", "invalid", 4),
    ],
)
def test_broken_files_give_diagnostics(tmp_path: Path, text: str, code: str, line: int) -> None:
    result = load_text(tmp_path, text)
    hits = [d for d in result.diagnostics if d.code == code]
    assert hits, result.diagnostics
    assert hits[0].level == DiagnosticLevel.ERROR
    assert hits[0].location.line == line


def test_odd_values_never_crash(tmp_path: Path) -> None:
    result = load_text(
        tmp_path,
        "service: x\nprovider:\n  name: aws\n  iamRoleStatements: yes\n"
        "  iam: {role: {statements: [{Action: x}, 5, {Effect: Allow, Action: [[a]],"
        " Resource: {Fn::If: [a, b, c]}}]}}\n"
        "functions:\n  f:\n    handler: [h]\n    memorySize: lots\n    timeout: 1e3\n"
        "    environment: [a, b]\n    vpc: 5\n    layers: 5\n    url: {authorizer: [1]}\n"
        "    destinations: {onSuccess: [1]}\n    events:\n      - 42\n      - null\n"
        "      - http: 7\n      - http: {path: [1, 2], method: {a: b}, authorizer: [1]}\n"
        "      - sqs: {arn: [a]}\n      - httpApi: {authorizer: 5}\n      - alb: 5\n"
        "      - websocket: {authorizer: [x]}\n  g:\n    handler: h.g\n    role: [x]\n",
    )
    f = fn(result, "f")
    assert (f.handler, f.memory, f.timeout, f.environment, f.vpc) == (None, None, None, (), None)
    assert len(f.triggers) == 7
    errors = [(d.code, d.location.line) for d in result.diagnostics]
    assert ("invalid", 4) in errors  # iamRoleStatements: yes
    assert ("invalid", 8) in errors  # handler: [h]
    assert ("invalid", 9) in errors  # memorySize: lots
    assert ("invalid", 11) in errors  # environment: [a, b]
    assert sum(1 for d in result.diagnostics if "no valid Effect" in d.message) == 1
    assert "internal-error" not in codes(result)
    assert any("a role must be a name or an ARN" in d.message for d in result.diagnostics)


def test_unknown_provider_and_missing_sections(tmp_path: Path) -> None:
    result = load_text(tmp_path, "service: x\nprovider: {name: openwhisk}\nfunctions:\n  f: {}\n")
    assert result.functions == []
    assert codes(result) == ["unsupported"]
    bare = load_text(tmp_path, "functions:\n  f:\n    handler: h.f\n")
    assert [f.name for f in bare.functions] == ["f"]
    assert sorted(codes(bare)) == ["invalid", "invalid"]  # no provider, no service name
    assert all(d.level == DiagnosticLevel.WARNING for d in bare.diagnostics)


def test_alias_bomb_and_non_utf8(tmp_path: Path) -> None:
    bomb = "a: &a [1,2,3,4,5,6,7,8,9,10]\n" + "".join(
        f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n"
        for p, k in zip("abcdef", "bcdefg", strict=True)
    )
    assert codes(load_text(tmp_path, bomb)) == ["parse-error"]
    (tmp_path / "serverless.yml").write_bytes(b"service: \xff\xfe\n")
    assert codes(load(tmp_path)) == ["unreadable"]


def test_conditional_function_and_json_file(tmp_path: Path) -> None:
    (tmp_path / "serverless.json").write_text(
        '{\n  "service": "j",\n  "provider": {"name": "aws", "runtime": "nodejs20.x"},\n'
        '  "functions": {\n    "hello": {\n      "handler": "h.hello",\n'
        '      "condition": "IsProd",\n      "events": [{"http": "GET hello"}]\n    }\n  }\n}\n'
    )
    result = load(tmp_path, "serverless.json")
    (hello,) = result.functions
    assert hello.conditional is True
    assert hello.location.line == 5
    assert hello.triggers[0].path == "/hello"
    assert codes(result) == ["conditional"]


# -- intrinsics, role forms, dotenv -------------------------------------------------------------


def test_intrinsic_environment_values(tmp_path: Path) -> None:
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n  region: eu-west-1\nfunctions:\n  f:\n"
        "    handler: h.f\n    environment:\n"
        "      TABLE: !Ref OrdersTable\n"
        "      TABLE_ARN: !GetAtt OrdersTable.Arn\n"
        "      URL: !Sub https://${Api}.execute-api.${AWS::Region}.amazonaws.com\n"
        "      JOINED: !Join ['-', [orders, !Ref AWS::Region]]\n"
        "      SHARED: !ImportValue shared-db-url\n"
        "      PASS: !Sub '{{resolve:ssm-secure:/db/pass}}'\n"
        "      PORT: 5432\n"
        "      EMPTY:\n",
    )
    f = fn(result, "f")
    expected = {
        "TABLE": ("ref:OrdersTable", ValueOrigin.REFERENCE),
        "TABLE_ARN": ("ref:OrdersTable.Arn", ValueOrigin.REFERENCE),
        "URL": ("https://ref:Api.execute-api.eu-west-1.amazonaws.com", ValueOrigin.REFERENCE),
        "JOINED": ("orders-eu-west-1", ValueOrigin.LITERAL),
        "SHARED": (None, ValueOrigin.UNRESOLVED),
        "PASS": (None, ValueOrigin.SSM),
        "PORT": ("5432", ValueOrigin.LITERAL),
        "EMPTY": ("", ValueOrigin.LITERAL),
    }
    assert {e.name: (e.value, e.origin) for e in f.environment} == expected
    assert env(f, "SHARED").expression == '{"Fn::ImportValue": "shared-db-url"}'
    assert [d.location.line for d in result.diagnostics if d.code == "unresolved"] == [13]


def test_role_forms(tmp_path: Path) -> None:
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n  role: LegacyRole\nfunctions:\n"
        "  legacy:\n    handler: h.a\n"
        "  byArn:\n    handler: h.b\n    role: arn:aws:iam::123456789012:role/ext\n"
        "  byGetAtt:\n    handler: h.c\n    role: !GetAtt LegacyRole.Arn\n"
        "  byName:\n    handler: h.d\n    role: some-existing-role\n"
        "  bySsm:\n    handler: h.e\n    role: ${ssm:/roles/lambda}\n"
        "resources:\n  Resources:\n    LegacyRole:\n      Type: AWS::IAM::Role\n"
        "      Properties:\n        ManagedPolicyArns:\n"
        "          - arn:aws:iam::aws:policy/AdministratorAccess\n",
    )
    legacy, by_arn, by_getatt, by_name, by_ssm = result.functions
    assert legacy.role is not None and legacy.role.name == "LegacyRole"
    assert by_getatt.role is legacy.role
    assert any(s.actions == ("*",) and s.resources == ("*",) for s in legacy.role.statements)
    assert by_arn.role is not None and by_arn.role.external
    assert by_arn.role.arn == "arn:aws:iam::123456789012:role/ext"
    assert by_name.role is not None
    assert (by_name.role.name, by_name.role.external) == ("some-existing-role", True)
    assert by_ssm.role is not None and by_ssm.role.name == "${ssm:/roles/lambda}"
    assert legacy.locations["role"].line == 4
    assert sum(1 for r in result.roles if r.name == "LegacyRole") == 1


def test_external_rest_api_and_route_throttling_plugin(tmp_path: Path) -> None:
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n  apiGateway:\n    restApiId: abc123\n"
        "custom:\n  apiGatewayThrottling:\n    maxRequestsPerSecond: 50\n"
        "    maxConcurrentRequests: 20\n"
        "functions:\n  f:\n    handler: h.f\n    events:\n      - http: GET a\n"
        "      - http:\n          path: b\n          method: post\n"
        "          throttling:\n            maxRequestsPerSecond: 5\n",
    )
    first, second = fn(result, "f").triggers
    assert first.api == "abc123" and first.throttling is not None
    assert (first.throttling.rate_limit, first.throttling.burst_limit) == (50, 20)
    assert second.throttling is not None and second.throttling.rate_limit == 5
    assert not any(r.kind == "api" for r in result.resources)


def test_throttling_plugin_covers_http_api_routes(tmp_path: Path) -> None:
    # serverless-api-gateway-throttling v2 configures HTTP API ($default stage) routes as well
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n"
        "custom:\n  apiGatewayThrottling:\n    maxRequestsPerSecond: 50\n"
        "functions:\n  f:\n    handler: h.f\n    events:\n      - httpApi: GET /a\n"
        "      - httpApi:\n          path: /b\n          method: post\n"
        "          throttling:\n            maxRequestsPerSecond: 5\n",
    )
    first, second = fn(result, "f").triggers
    assert first.throttling is not None and first.throttling.rate_limit == 50
    assert second.throttling is not None and second.throttling.rate_limit == 5


def test_dotenv_files(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# local\nexport DB_URL='postgres://app:pw@db/app'\nA=1 # c\n")
    (tmp_path / ".env.prod").write_text("DB_URL=postgres://prod\n")
    text = (
        "service: a\nuseDotenv: true\nprovider:\n  name: aws\nfunctions:\n  f:\n"
        "    handler: h.f\n    environment:\n      DB_URL: ${env:DB_URL}\n      A: ${env:A}\n"
    )
    dev = fn(load_text(tmp_path, text), "f")
    assert (env(dev, "DB_URL").value, env(dev, "DB_URL").origin) == (
        "postgres://app:pw@db/app",
        ValueOrigin.PARAMETER,
    )
    assert env(dev, "A").value == "1"
    assert env(fn(load_text(tmp_path, text, stage="prod"), "f"), "DB_URL").value == (
        "postgres://prod"
    )
    process = fn(load_text(tmp_path, text, env={"DB_URL": "from-process"}), "f")
    assert env(process, "DB_URL").value == "from-process"  # the process environment wins
    off = fn(load_text(tmp_path, text.replace("useDotenv: true", "useDotenv: false")), "f")
    assert env(off, "DB_URL").origin == ValueOrigin.UNRESOLVED


def test_unresolvable_runtime_stays_unset(tmp_path: Path) -> None:
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n  runtime: ${self:custom.runtimes.${sls:stage}}\n"
        "functions:\n  f:\n    handler: h.f\n    events:\n      - http:\n"
        "          path: x\n          method: get\n          authorizer:\n"
        "            arn: !GetAtt UserPool.Arn\n"
        "resources:\n  Resources:\n    UserPool:\n      Type: AWS::Cognito::UserPool\n",
    )
    f = fn(result, "f")
    assert f.runtime is None
    assert f.locations["runtime"].line == 4
    assert warned(result, "${self:custom.runtimes.${sls:stage}}")
    (route,) = f.triggers
    assert (route.auth, route.authorizer) == (AuthKind.COGNITO, "ref:UserPool.Arn")


def test_file_include_cycles_and_legacy_stage_fallbacks(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("value: ${file(./b.yml):value}\n")
    (tmp_path / "b.yml").write_text("value: ${file(./a.yml):value}\n")
    (tmp_path / "broken.yml").write_text("value: [unclosed\n")
    result = load_text(
        tmp_path,
        "service: a\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h.f\n"
        "    environment:\n      CYCLE: ${file(./a.yml):value}\n"
        "      STAGE: ${opt:stage, self:provider.stage, 'dev'}\n"
        "      SELF_STAGE: ${self:provider.stage, 'none'}\n"
        "      BROKEN: ${file(./broken.yml):value}\n",
    )
    f = fn(result, "f")
    assert env(f, "CYCLE").origin == ValueOrigin.UNRESOLVED
    assert warned(result, "circular reference")
    assert env(f, "STAGE").value == "dev"
    assert env(f, "SELF_STAGE").value == "none"
    assert env(f, "BROKEN").origin == ValueOrigin.UNRESOLVED
    parse = [d for d in result.diagnostics if d.code == "parse-error"]
    assert parse and parse[0].location.file == "broken.yml"
    staged = fn(load_text(tmp_path, (tmp_path / "serverless.yml").read_text(), stage="qa"), "f")
    assert env(staged, "STAGE").value == "qa"


def test_each_layer_points_at_its_own_list_item(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n"
        "    handler: h.f\n    layers:\n"
        "      - arn:aws:lambda:us-east-1:123456789012:layer:a:1\n"
        "      - arn:aws:lambda:us-east-1:123456789012:layer:b:2\n",
        encoding="utf-8",
    )
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path))
    assert [layer.location.line for layer in inv.function("f").layers] == [9, 10]

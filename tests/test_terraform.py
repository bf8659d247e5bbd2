"""The Terraform loader: parsing with lines, evaluation, expansion, modules and the AWS/Azure/GCP
resources read into the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.inventory import LoadContext, build_inventory
from faasguard.inventory._hcl import parse
from faasguard.inventory._tf_eval import Evaluator, Module, Trace, Unknown
from faasguard.model import (
    AuthKind,
    DiagnosticLevel,
    Function,
    Inventory,
    Location,
    PolicyKind,
    Provider,
    SourceFormat,
    TriggerKind,
    ValueOrigin,
)

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
EXAMPLE = Path(__file__).parent.parent / "examples" / "terraform-thumbnails"


def load(root: Path, **params: str) -> Inventory:
    return build_inventory(root, LoadContext(root=root, params=params))


def env(fn: Function) -> dict[str, tuple[str | None, ValueOrigin, int]]:
    return {e.name: (e.value, e.origin, e.location.line) for e in fn.environment}


def diags(inv: Inventory, code: str) -> list[str]:
    return [
        f"{d.location.file}:{d.location.line} {d.message}"
        for d in inv.diagnostics
        if d.code == code
    ]


@pytest.fixture(scope="module")
def orders() -> Inventory:
    return load(FIXTURES / "aws-orders")


@pytest.fixture(scope="module")
def example() -> Inventory:
    return load(EXAMPLE)


@pytest.fixture(scope="module")
def azure_gcp() -> Inventory:
    return load(FIXTURES / "azure-gcp")


# --------------------------------------------------------------------------- expressions


def _eval(text: str, **inputs: object) -> tuple[object, Trace]:
    body = parse(f"locals {{\n  x = {text}\n}}\n", "t.tf")
    module = Module(prefix="", directory=Path("/tmp"), root_dir=Path("/tmp"))
    module.locals.update(body.blocks[0].body.attributes)
    for key, value in inputs.items():
        module.inputs[key] = (value, Trace(params=True), None)
    trace = Trace()
    return Evaluator(module).eval(module.locals["x"].expr, trace), trace


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"${var.a}-${upper(var.b)}"', "dev-API"),
        ('format("%s/%d", var.a, 3)', "dev/3"),
        ('join(",", concat(["a"], ["b", "c"]))', "a,b,c"),
        ('lookup({ k = "v" }, "k", "d")', "v"),
        ('lookup({ k = "v" }, "z", "d")', "d"),
        ("merge({ a = 1 }, { b = 2 })", {"a": 1, "b": 2}),
        ('var.a == "dev" ? 1 : 2', 1),
        ('[for s in ["x", "y"] : upper(s)]', ["X", "Y"]),
        ("{ for k, v in { a = 1 } : k => v + 1 }", {"a": 2}),
        ('try(var.missing, "fallback")', "fallback"),
        ('coalesce("", var.a)', "dev"),
        ("jsonencode({ A = [1, true] })", '{"A":[1,true]}'),
        ('length(toset(["a", "a", "b"]))', 2),
        ('"$${literal}"', "${literal}"),
        ("3 * 4 + 1", 13),
    ],
)
def test_static_evaluation(text: str, expected: object) -> None:
    value, _ = _eval(text, a="dev", b="api")
    assert value == expected


def test_resource_references_become_ref_strings_and_unknowns_stay_unknown() -> None:
    value, trace = _eval('"${aws_s3_bucket.data.arn}/*"')
    assert value == "ref:aws_s3_bucket.data.arn/*"
    assert trace.refs == ["aws_s3_bucket.data"]
    value, trace = _eval('"arn:aws:s3:::${var.bucket}/*"')
    assert isinstance(value, Unknown)
    assert value.text == "arn:aws:s3:::${var.bucket}/*"
    assert trace.origin() is ValueOrigin.UNRESOLVED


def test_local_cycles_do_not_loop() -> None:
    body = parse("locals {\n  a = local.b\n  b = local.a\n}\n", "t.tf")
    module = Module(prefix="", directory=Path("/tmp"), root_dir=Path("/tmp"))
    module.locals.update(body.blocks[0].body.attributes)
    assert isinstance(Evaluator(module).eval(module.locals["a"].expr), Unknown)


def test_parser_records_lines_of_blocks_attributes_and_object_items() -> None:
    text = (
        'resource "aws_lambda_function" "f" {\n  # comment\n  runtime = "python3.12"\n'
        '  environment {\n    variables = {\n      A = "1"\n\n      B = <<EOT\nx\nEOT\n'
        "    }\n  }\n}\n"
    )
    block = parse(text, "main.tf").blocks[0]
    assert (block.line, block.end_line, block.labels) == (1, 13, ["aws_lambda_function", "f"])
    assert block.body.attributes["runtime"].line == 3
    env_block = block.body.blocks[0]
    assert env_block.line == 4
    items = env_block.body.attributes["variables"].expr.items
    assert [i.line for i in items] == [6, 8]


# --------------------------------------------------------------------------- AWS


def test_lambda_settings_and_locations(orders: Inventory) -> None:
    fn = orders.function("orders-staging-api")
    assert fn.provider is Provider.AWS and fn.source_format is SourceFormat.TERRAFORM
    assert fn.logical_id == "aws_lambda_function.api"
    assert fn.location == Location("functions.tf", 1, 1)
    assert (fn.runtime, fn.handler, fn.timeout, fn.memory) == ("python3.11", "app.handler", 29, 512)
    assert fn.reserved_concurrency == 50 and fn.versioned and fn.architecture == "arm64"
    assert fn.tracing == "Active" and fn.kms_key == "ref:aws_kms_key.data.arn"
    assert fn.dead_letter == "ref:aws_sqs_queue.dlq.arn"
    assert fn.vpc is not None and fn.vpc.subnet_ids == ("subnet-0a1b2c3d", "subnet-4e5f6a7b")
    assert fn.vpc.security_group_ids == ("sg-0123456789abcdef0",)
    assert fn.alias == "live" and fn.provisioned_concurrency == 5
    assert fn.destinations is not None and fn.destinations.on_failure == "ref:aws_sqs_queue.dlq.arn"
    assert fn.layers[0].ref == "ref:aws_lambda_layer_version.deps.arn"
    assert fn.code_path == "build"
    lines = {k: v.line for k, v in fn.locations.items()}
    assert lines["runtime"] == 4 and lines["timeout"] == 7 and lines["memory"] == 8
    assert lines["environment"] == 15 and lines["vpc"] == 27 and lines["tracing"] == 32
    assert lines["dead_letter"] == 36 and lines["role"] == 3 and lines["layers"] == 13
    assert fn.locations["provisioned_concurrency"] == Location("functions.tf", 49, 3)
    assert fn.attributes["log_group"] == "aws_cloudwatch_log_group.api"
    assert fn.log_retention_days is None


def test_environment_origins(orders: Inventory) -> None:
    fn = orders.function("orders-staging-api")
    values = env(fn)
    assert values["TABLE_NAME"] == ("orders-staging-table", ValueOrigin.REFERENCE, 17)
    assert values["PAYMENT_API_TOKEN"] == (None, ValueOrigin.UNRESOLVED, 18)
    assert values["DB_SECRET"][1] is ValueOrigin.SECRETS_MANAGER
    assert values["ALARM_EMAIL"] == ("ops@example.com", ValueOrigin.PARAMETER, 20)
    assert values["JWT_SECRET"] == (
        "c4f1e0b2-hardcoded-jwt-signing-secret",
        ValueOrigin.LITERAL,
        21,
    )
    assert values["FEATURE_FLAGS"] == ('{"refunds":true}', ValueOrigin.LITERAL, 22)
    assert values["PARAM_REF"][1] is ValueOrigin.SSM
    assert any("var.payment_api_token" in d for d in diags(orders, "unresolved"))


def test_tfvars_and_params_override_defaults(orders: Inventory) -> None:
    names = sorted(f.name for f in orders.functions)
    assert "orders-staging-worker-2" in names  # workers = 3 from orders.auto.tfvars
    inv = load(FIXTURES / "aws-orders", stage="prod", payment_api_token="tok")
    fn = inv.function("orders-prod-api")
    assert env(fn)["PAYMENT_API_TOKEN"] == ("tok", ValueOrigin.PARAMETER, 18)


def test_count_for_each_expansion(orders: Inventory) -> None:
    workers = [f for f in orders.functions if f.name.startswith("orders-staging-worker")]
    assert [f.logical_id for f in workers] == [
        "aws_lambda_function.worker[0]",
        "aws_lambda_function.worker[1]",
        "aws_lambda_function.worker[2]",
    ]
    report = orders.function("orders-staging-report-daily")
    assert report.logical_id == 'aws_lambda_function.reports["daily"]'
    assert env(report)["SCHEDULE"][0] == "rate(1 day)"
    assert env(report)["Stage"] == ("staging", ValueOrigin.PARAMETER, 5)  # from local.tags
    assert report.environment[0].location.file == "main.tf"
    assert "aws_lambda_function.legacy" in " ".join(diags(orders, "conditional"))
    assert not any(f.logical_id and "legacy" in f.logical_id for f in orders.functions)


def test_event_sources(orders: Inventory) -> None:
    sqs = orders.function("orders-staging-worker-0").triggers
    assert [(t.kind, t.auth, t.source) for t in sqs] == [
        (TriggerKind.SQS, AuthKind.SERVICE, "aws_sqs_queue.jobs")
    ]
    sns = orders.function("orders-staging-worker-1").triggers
    assert [(t.kind, t.source) for t in sns] == [(TriggerKind.SNS, "aws_sns_topic.events")]
    daily = orders.function("orders-staging-report-daily").triggers
    assert [(t.kind, t.source, t.attributes["schedule"]) for t in daily] == [
        (TriggerKind.SCHEDULE, "aws_cloudwatch_event_rule.daily", "rate(1 day)")
    ]
    hourly = orders.function("orders-staging-report-hourly").triggers
    assert [(t.kind, t.auth, t.public, t.source) for t in hourly] == [
        (TriggerKind.INVOKE, AuthKind.NONE, True, "*")
    ]


def test_rest_api_routes(orders: Inventory) -> None:
    fn = orders.function("orders-staging-api")
    routes = {(t.method, t.path): t for t in fn.triggers if t.kind is TriggerKind.HTTP_REST}
    assert set(routes) == {
        ("GET", "/orders"),
        ("GET", "/orders/{orderId}"),
        ("OPTIONS", "/orders/{orderId}"),
    }
    listing = routes[("GET", "/orders")]
    assert listing.auth is AuthKind.NONE and listing.api_key_required and listing.public
    assert listing.location == Location("api.tf", 27, 1)
    assert listing.throttling is not None and listing.throttling.rate_limit == 100
    detail = routes[("GET", "/orders/{orderId}")]
    assert detail.auth is AuthKind.LAMBDA_AUTHORIZER
    assert detail.authorizer == "aws_api_gateway_authorizer.tokens"
    permission = [t for t in fn.triggers if t.kind is TriggerKind.INVOKE]
    assert [(t.auth, t.source, dict(t.condition)) for t in permission] == [
        (AuthKind.SERVICE, "apigateway.amazonaws.com", {})
    ]
    api = orders.resource("aws_api_gateway_rest_api.orders")
    assert api.settings["min_tls"] == "TLS_1_0" and api.settings["private"] is False


def test_iam_policies(orders: Inventory) -> None:
    role = orders.function("orders-staging-api").role
    assert role is not None and role.name == "aws_iam_role.api"
    by_name = {p.name: p for p in role.policies}
    table = by_name["orders-staging-table-access"]
    assert table.kind is PolicyKind.MANAGED and table.expanded
    assert [(s.sid, s.location.line, s.resources) for s in table.statements] == [
        ("Table", 19, ("ref:aws_dynamodb_table.orders.arn",)),
        ("Secret", 25, ("ref:aws_secretsmanager_secret.db.arn",)),
    ]
    vpc = by_name["AWSLambdaVPCAccessExecutionRole"]
    assert vpc.kind is PolicyKind.MANAGED and not vpc.expanded
    assert orders.function("orders-staging-api").reachable == (
        "aws_dynamodb_table.orders",
        "aws_secretsmanager_secret.db",
    )
    worker = orders.function("orders-staging-worker-0").role
    assert worker is not None
    deny = worker.policies[0].statements[1]
    assert (deny.effect, deny.not_actions, deny.not_resources) == (
        "Deny",
        ("sqs:*",),
        ("arn:aws:sqs:*:*:orders-*",),
    )
    assert (deny.location.file, deny.location.line) == ("policies/worker.json", 9)
    admin = orders.function("orders-staging-report-daily").role
    assert admin is not None
    statement = admin.policies[0].statements[0]
    assert (statement.actions, statement.resources) == (("*",), ("*",))


def test_aws_resources(orders: Inventory) -> None:
    table = orders.resource("aws_dynamodb_table.orders")
    assert table.physical_name == "orders-staging-table"
    assert table.settings["sse_enabled"] is True
    assert table.settings["point_in_time_recovery"] is False
    assert table.locations["point_in_time_recovery"].line == 24
    jobs = orders.resource("aws_sqs_queue.jobs")
    assert jobs.settings == {
        "kms_key": "ref:aws_kms_key.data.id",
        "visibility_timeout": 30,
        "dead_letter": "ref:aws_sqs_queue.dlq.arn",
    }
    assert orders.resource("aws_sqs_queue.dlq").settings["sqs_managed_sse"] is True
    assert orders.resource("aws_kms_key.data").settings["rotation"] is True
    assert orders.resource("aws_secretsmanager_secret.db").settings["rotation"] is True


# --------------------------------------------------------------------------- the example


def test_example_functions(example: Inventory) -> None:
    resize = example.function("thumbs-prod-resize")
    assert resize.code_path == "src/resize"
    assert resize.log_retention_days == 14
    values = env(resize)
    assert values["STRIPE_API_KEY"][1:] == (ValueOrigin.LITERAL, 128)
    assert values["DB_PASSWORD"] == ("Thumbs-DB-Passw0rd-2024!", ValueOrigin.PARAMETER, 129)
    assert values["SIGNING_KEY"][1] is ValueOrigin.SSM
    assert values["STAGE"] == ("prod", ValueOrigin.PARAMETER, 27)
    kinds = {(t.kind, t.auth, t.public) for t in resize.triggers}
    assert (TriggerKind.FUNCTION_URL, AuthKind.NONE, True) in kinds
    assert (TriggerKind.S3, AuthKind.SERVICE, False) in kinds
    assert resize.role is not None
    statements = resize.role.statements
    assert statements[0].actions == ("s3:*",) and statements[0].resources == ("*",)
    assert statements[0].location == Location("main.tf", 82, 3)


def test_example_module_routes(example: Inventory) -> None:
    api = example.function("thumbs-prod-api")
    routes = {t.path: t for t in api.triggers if t.kind is TriggerKind.HTTP_API}
    assert routes["/thumbnails/{id}"].auth is AuthKind.NONE
    assert routes["/thumbnails/{id}"].location == Location("modules/http-api/main.tf", 31, 1)
    assert routes["/thumbnails"].auth is AuthKind.JWT
    assert routes["/thumbnails"].authorizer == "module.http_api.aws_apigatewayv2_authorizer.jwt"
    assert routes["/thumbnails"].throttling is not None
    assert routes["/thumbnails"].throttling.burst_limit == 100
    assert routes["/thumbnails"].api == "module.http_api.aws_apigatewayv2_api.this"
    # the module directory is not loaded a second time on its own
    assert len([f for f in example.functions if f.name == "thumbs-prod-api"]) == 1
    assert not diags(example, "unresolved")


def test_example_azure_and_gcp(example: Inventory) -> None:
    app = example.function("thumbs-prod-func")
    assert app.provider is Provider.AZURE and app.runtime == "python3.11"
    assert env(app)["CDN_SIGNING_SECRET"][1] is ValueOrigin.LITERAL
    assert env(app)["DB_PASSWORD"][1] is ValueOrigin.KEY_VAULT
    assert [(t.kind, t.auth, t.public) for t in app.triggers] == [
        (TriggerKind.AZURE_HTTP, AuthKind.NONE, True)
    ]
    gcf = example.function("thumbs-prod-gcf")
    assert gcf.provider is Provider.GCP and gcf.memory == 512 and gcf.timeout == 120
    assert gcf.attributes["ingress"] == "ALLOW_ALL"
    assert gcf.attributes["invokers"] == ["allUsers"]
    http = [t for t in gcf.triggers if t.kind is TriggerKind.GCP_HTTP]
    assert [(t.auth, t.public, t.location.line) for t in http] == [(AuthKind.NONE, True, 303)]
    assert env(gcf)["DB_PASSWORD"] == (
        "projects/thumbs-demo/secrets/thumbs-db-password/versions/latest",
        ValueOrigin.GCP_SECRET,
        294,
    )


# --------------------------------------------------------------------------- Azure / GCP


def test_azure_apps(azure_gcp: Inventory) -> None:
    billing = azure_gcp.function("billing-fn")
    assert billing.runtime == "dotnetv8.0"
    assert billing.attributes["min_tls_version"] == "1.0"
    assert billing.attributes["ftps_state"] == "AllAllowed"
    assert billing.attributes["https_only"] is True
    assert billing.attributes["identity"] == "SystemAssigned"
    trigger = billing.triggers[0]
    assert (trigger.auth, trigger.public) == (AuthKind.JWT, False)
    assert env(billing)["SQL_CONNECTION"][1] is ValueOrigin.KEY_VAULT
    legacy = azure_gcp.function("legacy-fn")
    assert legacy.runtime == "node"
    assert (legacy.triggers[0].auth, legacy.triggers[0].public) == (AuthKind.NONE, True)
    assert env(legacy)["SENDGRID_KEY"][1:] == (ValueOrigin.LITERAL, 53)


def test_gcp_functions(azure_gcp: Inventory) -> None:
    webhook = azure_gcp.function("payments-webhook")
    assert (webhook.runtime, webhook.handler, webhook.memory, webhook.timeout) == (
        "nodejs20",
        "webhook",
        256,
        30,
    )
    assert webhook.attributes["https_security_level"] == "SECURE_OPTIONAL"
    assert webhook.attributes["invokers"] == [
        "allAuthenticatedUsers",
        "serviceAccount:ci@payments.iam.gserviceaccount.com",
    ]
    http = webhook.triggers[0]
    assert (http.kind, http.auth, http.public) == (TriggerKind.GCP_HTTP, AuthKind.IAM, True)
    assert env(webhook)["STRIPE_KEY"] == ("stripe-key/versions/3", ValueOrigin.GCP_SECRET, 16)
    assert env(webhook)["WEBHOOK_SECRET"][1] is ValueOrigin.LITERAL
    ledger = azure_gcp.function("ledger-sync")
    assert [(t.kind, t.auth, t.source) for t in ledger.triggers] == [
        (TriggerKind.GCP_EVENT, AuthKind.SERVICE, "projects/payments/topics/ledger")
    ]
    internal = azure_gcp.function("internal-report")
    assert internal.memory == 1024
    assert [(t.auth, t.public) for t in internal.triggers] == [(AuthKind.PRIVATE, False)]


# --------------------------------------------------------------------------- bad input


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


GOOD = 'resource "aws_lambda_function" "ok" {\n  function_name = "ok"\n}\n'


def test_broken_files_become_diagnostics_and_others_load(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "good.tf": GOOD,
            "broken.tf": 'resource "aws_lambda_function" "x" {\n  runtime = "python3.12"\n',
            "binary.tf": b"\x00\x01\x02garbage",
            "latin.tf": b'locals {\n  a = "\xe9"\n}\n',
            "weird.tf": 'weird "x" {}\nstray = 1\n',
        },
    )
    inv = load(root)
    assert [f.name for f in inv.functions] == ["ok"]
    errors = {
        (d.code, d.location.file, d.location.line)
        for d in inv.diagnostics
        if d.level is DiagnosticLevel.ERROR
    }
    assert ("parse-error", "broken.tf", 3) in errors
    assert ("unreadable", "binary.tf", 1) in errors
    assert ("unreadable", "latin.tf", 2) in errors
    assert ("invalid", "weird.tf", 2) in errors
    assert not diags(inv, "internal-error")


def test_deep_nesting_and_huge_count(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "deep.tf": "locals {\n  x = " + "[" * 5000 + "]" * 5000 + "\n}\n",
            "main.tf": GOOD + 'resource "aws_lambda_function" "many" {\n  count = 100000\n'
            '  function_name = "many-${count.index}"\n}\n'
            'resource "aws_lambda_function" "maybe" {\n  count = var.on ? 1 : 0\n'
            '  function_name = "maybe"\n}\n',
        },
    )
    inv = load(root)
    assert diags(inv, "parse-error") and not diags(inv, "internal-error")
    many = [f for f in inv.functions if f.logical_id == "aws_lambda_function.many"]
    assert len(many) == 1 and many[0].conditional
    maybe = inv.function("maybe")
    assert maybe.conditional
    assert any("maybe" in d for d in diags(inv, "conditional"))


def test_module_cycles_and_remote_sources(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + GOOD,
            "b/main.tf": 'module "a" {\n  source = "../a"\n}\n'
            'module "remote" {\n  source = "terraform-aws-modules/lambda/aws"\n}\n',
        },
    )
    inv = load(root)
    messages = " ".join(diags(inv, "unsupported"))
    assert "recursion" in messages and "terraform-aws-modules/lambda/aws" in messages
    assert {f.logical_id for f in inv.functions} >= {"aws_lambda_function.ok"}


def test_module_inputs_are_bound(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": 'module "fn" {\n  source = "./modules/fn"\n  name = "svc"\n'
            '  token = "abc123"\n  count = 2\n}\n',
            "modules/fn/main.tf": 'variable "name" {}\nvariable "token" {}\n'
            'resource "aws_lambda_function" "this" {\n  function_name = "${var.name}-fn"\n'
            "  environment {\n    variables = { TOKEN = var.token }\n  }\n}\n",
        },
    )
    inv = load(root)
    assert sorted(f.logical_id or "" for f in inv.functions) == [
        "module.fn[0].aws_lambda_function.this",
        "module.fn[1].aws_lambda_function.this",
    ]
    fn = inv.functions[0]
    assert fn.name == "svc-fn"
    assert fn.location == Location("modules/fn/main.tf", 3, 1)
    assert env(fn)["TOKEN"] == ("abc123", ValueOrigin.LITERAL, 6)


def test_directories_without_functions_are_read_too(tmp_path: Path) -> None:
    """Buckets and keys declared beside no function still reach the inventory (rules need them),
    and their syntax errors are reported: nothing is silently skipped."""
    root = write(
        tmp_path,
        {
            "storage/main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n',
            "network/main.tf": 'resource "aws_vpc" "main" {\n  cidr_block = \n}\n',
        },
    )
    inv = load(root)
    assert [(r.name, r.location.file, r.location.line) for r in inv.resources] == [
        ("aws_s3_bucket.logs", "storage/main.tf", 1)
    ]
    assert [(d.code, d.location.file) for d in inv.diagnostics] == [
        ("parse-error", "network/main.tf")
    ]


ALB_TF = """
resource "aws_lambda_function" "web" {
  function_name = "web"
}

resource "aws_lb" "public" {
  internal = false
}

resource "aws_lb_target_group" "web" {
  target_type = "lambda"
}

resource "aws_lb_target_group_attachment" "web" {
  target_group_arn = aws_lb_target_group.web.arn
  target_id        = aws_lambda_function.web.arn
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  default_action {
    type = "authenticate-oidc"
    authenticate_oidc {
      issuer = "https://idp.example.com"
    }
  }
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
"""


def test_alb_authenticate_actions_are_read(tmp_path: Path) -> None:
    inv = load(write(tmp_path / "auth", {"main.tf": ALB_TF}))
    (trig,) = inv.function("web").triggers
    assert (trig.kind, trig.auth, trig.public) == (TriggerKind.ALB, AuthKind.JWT, True)
    plain = ALB_TF.replace('"authenticate-oidc"', '"fixed-response"')
    inv = load(write(tmp_path / "plain", {"main.tf": plain}))
    (trig,) = inv.function("web").triggers
    assert (trig.auth, trig.public) == (AuthKind.NONE, True)


def test_variables_with_a_text_default_become_tf_variable_resources(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "variables.tf": 'variable "db_password" {\n  sensitive = true\n'
            '  default   = "s3cret-value"\n}\n\n'
            'variable "token" {\n  sensitive = true\n}\n\n'
            'variable "tags" {\n  default = { a = "b" }\n}\n\n'
            'variable "workers" {\n  default = 3\n}\n',
        },
    )
    variables = {r.name: r for r in load(root).resources if r.kind == "tf-variable"}
    assert set(variables) == {"var.db_password", "var.workers"}
    db = variables["var.db_password"]
    assert (db.location.file, db.location.line, db.where("default").line) == ("variables.tf", 1, 3)
    assert db.settings == {"default": "s3cret-value", "sensitive": True}
    assert variables["var.workers"].settings == {"default": "3", "sensitive": False}

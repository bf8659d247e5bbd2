"""SAM semantics: Globals, serverless functions, implicit APIs, events, policy templates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from faasguard._located import parse_yaml
from faasguard.inventory import build_inventory
from faasguard.inventory._sam import merge, policy_templates
from faasguard.model import (
    AuthKind,
    Function,
    Inventory,
    PolicyKind,
    SourceFormat,
    Trigger,
    TriggerKind,
    ValueOrigin,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sam"
EXAMPLE = Path(__file__).parent.parent / "examples" / "sam-payments"


@pytest.fixture(scope="module")
def shop() -> Inventory:
    return build_inventory(FIXTURES / "shop")


@pytest.fixture(scope="module")
def partner() -> Inventory:
    return build_inventory(FIXTURES / "json-app")


@pytest.fixture(scope="module")
def payments() -> Inventory:
    return build_inventory(EXAMPLE)


def event(function: Function, name: str) -> Trigger:
    return next(t for t in function.triggers if t.attributes.get("event") == name)


def env(function: Function) -> dict[str, tuple[str | None, ValueOrigin, int]]:
    return {e.name: (e.value, e.origin, e.location.line) for e in function.environment}


# -- the bundled example ---------------------------------------------------------------------


def test_example_functions(payments: Inventory) -> None:
    names = [f.name for f in payments.functions]
    assert names == [
        "CreatePaymentFunction",
        "RefundFunction",
        "WebhookFunction",
        "SettlementFunction",
    ]
    assert all(f.source_format is SourceFormat.SAM for f in payments.functions)
    assert all(f.code_path == "src" for f in payments.functions)
    assert (EXAMPLE / "src" / "app.py").is_file()
    assert not [d for d in payments.diagnostics if d.level.value == "error"]


def test_example_http_api_jwt_default_and_none_route(payments: Inventory) -> None:
    create = payments.function("CreatePaymentFunction")
    post = event(create, "CreatePayment")
    assert (post.kind, post.auth, post.authorizer, post.public) == (
        TriggerKind.HTTP_API,
        AuthKind.JWT,
        "JwtAuth",
        True,
    )
    health = event(create, "Health")
    assert (health.auth, health.method, health.path) == (AuthKind.NONE, "GET", "/health")
    assert health.location.line == 101
    assert health.cors is not None and health.cors.origins == ("*",)


def test_example_rest_cognito_url_and_sqs(payments: Inventory) -> None:
    refund = event(payments.function("RefundFunction"), "Refund")
    assert (refund.kind, refund.auth, refund.method, refund.path) == (
        TriggerKind.HTTP_REST,
        AuthKind.COGNITO,
        "POST",
        "/refunds",
    )
    (url,) = payments.function("WebhookFunction").triggers
    assert (url.kind, url.auth, url.public) == (TriggerKind.FUNCTION_URL, AuthKind.NONE, True)
    settlement = payments.function("SettlementFunction")
    (sqs,) = settlement.triggers
    assert sqs.kind is TriggerKind.SQS and sqs.source == "ref:SettlementQueue.Arn"
    queue = payments.resource("SettlementQueue")
    assert queue.settings["visibility_timeout"] == 20
    assert settlement.timeout == 60 and settlement.where("timeout").line == 136
    assert settlement.reserved_concurrency == 10  # !If [IsProd, 10, 2] with Stage=prod


def test_example_policies_and_secrets(payments: Inventory) -> None:
    create = payments.function("CreatePaymentFunction")
    assert create.role is not None and create.role.name == "CreatePaymentFunctionRole"
    by_name = {p.name: p for p in create.role.policies}
    crud = by_name["DynamoDBCrudPolicy"]
    assert crud.kind is PolicyKind.SAM_TEMPLATE and crud.template == "DynamoDBCrudPolicy"
    assert crud.parameters == {"TableName": "ref:PaymentsTable"}
    assert crud.statements[0].resources == (
        "ref:PaymentsTable.Arn",
        "ref:PaymentsTable.Arn/index/*",
    )
    assert crud.location.line == 88
    star = by_name["CreatePaymentFunctionRolePolicy1"]
    assert star.statements[0].actions == ("*",) and star.statements[0].location.line == 91
    assert "PaymentsTable" in create.reachable
    values = env(create)
    assert values["API_TOKEN"] == (
        "sk_live_51HxExampleExampleExample0000",
        ValueOrigin.LITERAL,
        85,
    )
    assert values["DB_PASSWORD"][1] is ValueOrigin.SECRETS_MANAGER
    assert values["STAGE"] == ("prod", ValueOrigin.PARAMETER, 31)  # from Globals
    assert values["TABLE_NAME"] == ("ref:PaymentsTable", ValueOrigin.REFERENCE, 32)


# -- shop: Globals, REST API auth, policy templates ------------------------------------------


def test_globals_merge(shop: Inventory) -> None:
    orders = shop.function("OrdersFunction")
    assert orders.runtime == "nodejs20.x" and orders.where("runtime").line == 24
    assert orders.handler == "app.handler" and orders.where("handler").line == 127
    assert orders.timeout == 10 and orders.memory == 512
    assert orders.architecture == "arm64"
    assert [layer.ref for layer in orders.layers] == ["ref:CommonLayer"]
    assert orders.vpc is None  # Globals VpcConfig is !If UseVpc (false) -> NoValue
    values = env(orders)
    assert values["STAGE"] == ("dev", ValueOrigin.PARAMETER, 31)
    assert values["LOG_LEVEL"] == ("info", ValueOrigin.LITERAL, 32)
    assert values["TABLE"] == ("ref:OrdersTable", ValueOrigin.REFERENCE, 143)
    assert values["PAYMENT_KEY"][1] is ValueOrigin.SSM
    webhook = env(shop.function("WebhookFunction"))
    assert webhook["LOG_LEVEL"] == ("debug", ValueOrigin.LITERAL, 301)  # local overrides
    assert webhook["WEBHOOK_SECRET"][1] is ValueOrigin.LITERAL


def test_function_settings(shop: Inventory) -> None:
    orders = shop.function("OrdersFunction")
    assert orders.code_path == "src/orders"
    assert orders.versioned and orders.alias == "live"
    assert orders.provisioned_concurrency == 3
    assert orders.dead_letter == "arn:aws:sqs:us-east-1:123456789012:shop-dlq"
    assert orders.destinations is not None
    assert orders.destinations.on_failure == "ref:OrderEventsTopic"
    images = shop.function("ImagesFunction")
    assert images.package_type == "Image" and images.code_path == "src/images"
    webhook = shop.function("WebhookFunction")
    assert webhook.code_path is None and webhook.attributes["inline_code"] is True


def test_rest_api_auth_resolution(shop: Inventory) -> None:
    orders = shop.function("OrdersFunction")
    expected = {
        "ListOrders": (AuthKind.LAMBDA_AUTHORIZER, "TokenAuth", True, "GET"),
        "CreateOrder": (AuthKind.COGNITO, "Users", True, "POST"),
        "OrdersPreflight": (AuthKind.NONE, None, True, "OPTIONS"),
        "PublicCatalog": (AuthKind.NONE, None, True, "GET"),
        "AdminReport": (AuthKind.IAM, "AWS_IAM", True, "GET"),
        "Internal": (AuthKind.API_KEY, None, False, "GET"),
        "Legacy": (AuthKind.NONE, None, True, "ANY"),
    }
    for name, (auth, authorizer, public, method) in expected.items():
        trigger = event(orders, name)
        assert (trigger.auth, trigger.authorizer, trigger.public, trigger.method) == (
            auth,
            authorizer,
            public,
            method,
        ), name
    internal = event(orders, "Internal")
    assert internal.api_key_required and internal.api == "InternalApi"
    assert internal.throttling is not None
    assert (internal.throttling.rate_limit, internal.throttling.quota) == (2.0, 1000)
    legacy = event(orders, "Legacy")
    assert legacy.api == "ServerlessRestApi" and legacy.path == "/legacy/{proxy+}"
    listing = event(orders, "ListOrders")
    assert listing.location.line == 169
    assert listing.throttling is not None and listing.throttling.burst_limit == 200
    assert listing.cors is not None and listing.cors.origins == ("*",)


def test_api_resources(shop: Inventory) -> None:
    api = shop.resource("ShopApi")
    assert api.kind == "api" and api.type == "AWS::Serverless::Api"
    assert api.settings["default_authorizer"] == "TokenAuth"
    assert api.settings["default_auth"] == "lambda-authorizer"
    assert api.settings["access_logging"] is True
    assert api.settings["tracing"] is True  # from Globals.Api
    internal = shop.resource("InternalApi")
    assert internal.settings["private"] is True
    assert internal.settings["min_tls"] == "TLS_1_2"
    assert internal.settings["api_key_required"] is True
    implicit = shop.resource("ServerlessRestApi")
    assert implicit.settings["access_logging"] is False
    assert implicit.location.line == 211  # the event that created it
    assert shop.resource("ServerlessHttpApi").settings["api_type"] == "http"
    layer = shop.resource("CommonLayer")
    assert layer.kind == "layer" and layer.settings["content_path"] == "layers/common"
    table = shop.resource("OrdersTable")
    assert table.kind == "dynamodb-table" and table.physical_name == "shop-orders"
    assert table.settings["sse_enabled"] is True


def test_policies(shop: Inventory) -> None:
    orders = shop.function("OrdersFunction")
    assert orders.role is not None
    policies = orders.role.policies
    assert [p.name for p in policies] == [
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaVPCAccessExecutionRole",
        "AmazonS3ReadOnlyAccess",
        "DynamoDBCrudPolicy",
        "SNSPublishMessagePolicy",
        "S3ReadPolicy",
        "MadeUpPolicyTemplate",
        "OrdersFunctionRolePolicy6",
    ]
    by_name = {p.name: p for p in policies}
    assert by_name["AWSLambdaVPCAccessExecutionRole"].arn == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    )
    assert by_name["AmazonS3ReadOnlyAccess"].expanded is False
    assert by_name["SNSPublishMessagePolicy"].statements[0].resources == (
        "ref:OrderEventsTopic.Arn",
    )
    assert by_name["S3ReadPolicy"].statements[0].resources == (
        "arn:aws:s3:::shop-static-assets",
        "arn:aws:s3:::shop-static-assets/*",
    )
    unknown = by_name["MadeUpPolicyTemplate"]
    assert unknown.expanded is False and unknown.location.line == 154
    inline = by_name["OrdersFunctionRolePolicy6"]
    assert [s.actions for s in inline.statements] == [("s3:PutObject",)]  # !If IsProd false
    assert inline.statements[0].resources == ("ref:ImagesBucket.Arn/*",)
    warnings = [(d.code, d.location.line) for d in shop.diagnostics]
    assert ("unsupported", 154) in warnings
    assert set(orders.reachable) >= {"OrdersTable", "OrderEventsTopic", "ImagesBucket"}


def test_roles_external_and_template(shop: Inventory) -> None:
    auth = shop.function("AuthorizerFunction")
    assert auth.role is not None and auth.role.external
    assert auth.role.arn == "arn:aws:iam::123456789012:role/shop-shared-lambda"
    assert auth.role.policies == ()  # SAM ignores Policies when Role is given
    images = shop.function("ImagesFunction")
    assert images.role is not None and images.role.name == "ImagesRole"
    assert images.role.statements[0].resources == ("ref:ImagesBucket.Arn/*",)
    (cognito,) = auth.triggers
    assert cognito.kind is TriggerKind.COGNITO and cognito.source == "ref:UserPool"


def test_service_events(shop: Inventory) -> None:
    images = shop.function("ImagesFunction")
    found = {t.attributes["event"]: (t.kind, t.source, t.auth, t.public) for t in images.triggers}
    assert found == {
        "Upload": (TriggerKind.S3, "ref:ImagesBucket", AuthKind.SERVICE, False),
        "Nightly": (TriggerKind.SCHEDULE, "rate(1 day)", AuthKind.SERVICE, False),
        "OrderPlaced": (TriggerKind.EVENTBRIDGE, "default", AuthKind.SERVICE, False),
        "Notified": (TriggerKind.SNS, "ref:OrderEventsTopic", AuthKind.SERVICE, False),
        "Changes": (
            TriggerKind.STREAM,
            "ref:OrdersStreamTable.StreamArn",
            AuthKind.SERVICE,
            False,
        ),
    }
    assert event(images, "OrderPlaced").attributes["event_pattern"] == {"source": ["shop.orders"]}


def test_function_url_and_implicit_http_api(shop: Inventory) -> None:
    webhook = shop.function("WebhookFunction")
    url = next(t for t in webhook.triggers if t.kind is TriggerKind.FUNCTION_URL)
    assert url.auth is AuthKind.IAM and url.public is True
    assert url.location.line == 295
    assert url.cors is not None and url.cors.origins == ("https://shop.example",)
    hook = event(webhook, "Hook")
    assert (hook.kind, hook.auth, hook.api) == (
        TriggerKind.HTTP_API,
        AuthKind.NONE,
        "ServerlessHttpApi",
    )


# -- json-app: SAM in JSON, HttpApi lambda authorizer, conditions ------------------------------


def test_json_http_api(partner: Inventory) -> None:
    orders = partner.function("PartnerOrdersFunction")
    get = event(orders, "GetOrders")
    assert (get.auth, get.authorizer, get.location.line) == (
        AuthKind.LAMBDA_AUTHORIZER,
        "PartnerLambdaAuth",
        45,
    )
    assert get.throttling is not None and get.throttling.rate_limit == 25.0
    assert event(orders, "SyncOrders").auth is AuthKind.IAM
    api = partner.resource("PartnerApi")
    assert api.settings["access_logging"] is True  # from Globals.HttpApi
    assert api.settings["min_tls"] == "TLS_1_0"


def test_json_event_policies_and_conditions(partner: Inventory) -> None:
    orders = partner.function("PartnerOrdersFunction")
    assert orders.role is not None
    names = [p.name for p in orders.role.policies]
    assert names == [
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaExecute",
        "SQSPollerPolicy",
        "S3CrudPolicy",  # under an unknown condition: kept
        "AWSLambdaSQSQueueExecutionRole",
        "AWSLambdaKinesisExecutionRole",
    ]
    poller = orders.role.policies[2]
    assert poller.statements[0].resources == (
        "arn:aws:sqs:us-east-1:${AWS::AccountId}:partner-orders",
    )
    kinds = {t.attributes["event"]: t.kind for t in orders.triggers}
    assert kinds["Queue"] is TriggerKind.SQS and kinds["Clicks"] is TriggerKind.STREAM
    functions = {f.name: f for f in partner.functions}
    assert "ProdOnlyFunction" not in functions  # condition NotDev is false
    report = functions["ReportFunction"]
    assert report.conditional is True
    assert env(report)["MODE"][1] is ValueOrigin.UNRESOLVED
    codes = [(d.code, d.location.line) for d in partner.diagnostics]
    assert ("conditional", 68) in codes
    assert ("unresolved", 63) in codes


# -- Globals merge, policy template data -----------------------------------------------------


def test_merge_semantics() -> None:
    doc = parse_yaml(
        """
G:
  Timeout: 3
  Layers: [a]
  Environment:
    Variables: {A: "1", B: "2"}
  Tags: !If [C, {x: 1}, {y: 2}]
L:
  Timeout: 9
  Layers: [b]
  Environment:
    Variables: {B: "3"}
  Tags: {z: 3}
""",
        "t.yaml",
    )
    merged = merge(doc["G"], doc["L"])
    assert merged["Timeout"] == 9
    assert merged["Layers"] == ["a", "b"]
    assert merged["Environment"]["Variables"] == {"A": "1", "B": "3"}
    assert merged["Environment"]["Variables"].where("A").line == 6
    assert merged["Environment"]["Variables"].where("B").line == 12
    assert merged["Tags"] == {"z": 3}  # an intrinsic is never merged into
    assert merged.where("Timeout").line == 9


def test_policy_templates_read_as_data() -> None:
    templates = policy_templates()
    assert "DynamoDBCrudPolicy" in templates and len(templates) > 50
    code = (
        "import sys; from pathlib import Path; "
        "from faasguard.inventory import build_inventory; "
        f"build_inventory(Path({str(EXAMPLE)!r})); "
        "print(sorted(m for m in sys.modules if m.startswith('samtranslator.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"

"""CloudFormation loader: plain templates (YAML short tags and JSON), intrinsics, bad input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faasguard._located import parse_yaml
from faasguard.inventory import build_inventory
from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.inventory.cloudformation import detect_format, load_file, load_template
from faasguard.model import (
    AuthKind,
    DiagnosticLevel,
    Function,
    Inventory,
    PolicyKind,
    SourceFormat,
    TriggerKind,
    ValueOrigin,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cloudformation"


def load(name: str, **ctx_args: object) -> LoadResult:
    path = FIXTURES / name
    ctx = LoadContext(root=FIXTURES, **ctx_args)  # type: ignore[arg-type]
    return load_file(Candidate(path, name, "cloudformation", path.stat().st_size), ctx)


def load_text(tmp_path: Path, text: str, name: str = "template.yaml") -> LoadResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_file(Candidate(path, name, "cloudformation"), LoadContext(root=tmp_path))


def fn(result: LoadResult, name: str) -> Function:
    return next(f for f in result.functions if f.name == name)


def env(function: Function) -> dict[str, tuple[str | None, ValueOrigin, int]]:
    return {e.name: (e.value, e.origin, e.location.line) for e in function.environment}


def codes(result: LoadResult) -> list[tuple[str, str, int]]:
    return [(d.level.value, d.code, d.location.line) for d in result.diagnostics]


@pytest.fixture(scope="module")
def orders() -> LoadResult:
    return load("orders-stack.yaml")


@pytest.fixture(scope="module")
def http_api() -> LoadResult:
    return load("http-api.json")


# -- orders-stack.yaml: YAML with short-form tags ------------------------------------------------


def test_functions_and_format(orders: LoadResult) -> None:
    names = [f.name for f in orders.functions]
    assert names == ["CreateOrderFunction", "ReceiptIndexer", "QueueWorker"]
    assert {f.source_format for f in orders.functions} == {SourceFormat.CLOUDFORMATION}
    create = fn(orders, "CreateOrderFunction")
    assert create.location.file == "orders-stack.yaml"
    assert create.location.line == 208
    assert create.attributes["function_name"] == "create-order-staging"


def test_function_settings_resolved(orders: LoadResult) -> None:
    create = fn(orders, "CreateOrderFunction")
    assert create.runtime == "nodejs18.x"
    assert create.memory == 512  # FindInMap with the parameter default
    assert create.timeout == 25  # "25" written as a string
    assert create.tracing == "Active"
    assert create.code_path == "s3://acme-artifacts/orders/staging/create-order.zip"
    assert create.kms_key == "ref:DataKey.Arn"
    assert create.dead_letter == "ref:OrdersDLQ.Arn"
    assert create.vpc is not None
    assert create.vpc.subnet_ids == ("subnet-0a1b2c3d", "subnet-4e5f6a7b")
    assert create.vpc.security_group_ids == ("sg-0123456789abcdef0",)
    assert [layer.ref for layer in create.layers] == [
        "ref:SharedLayer",
        "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38",
    ]
    assert create.layers[0].location.line == 226
    locs = {k: v.line for k, v in create.locations.items()}
    assert locs["runtime"] == 212
    assert locs["memory"] == 215
    assert locs["vpc"] == 228
    assert locs["environment"] == 232


def test_versions_alias_destinations_log_group(orders: LoadResult) -> None:
    create = fn(orders, "CreateOrderFunction")
    assert create.versioned is True
    assert create.alias == "live"
    assert create.provisioned_concurrency == 5
    assert create.destinations is not None
    assert create.destinations.on_failure == "ref:OrdersDLQ.Arn"
    assert create.log_retention_days == 7
    assert create.where("log_retention_days").line == 274


def test_environment_origins(orders: LoadResult) -> None:
    values = env(fn(orders, "CreateOrderFunction"))
    assert values["TABLE_NAME"] == ("ref:OrdersTable", ValueOrigin.REFERENCE, 234)
    assert values["DB_PASSWORD"] == ("hunter2-staging", ValueOrigin.PARAMETER, 236)
    assert values["API_KEY"] == ("/orders/api-key", ValueOrigin.SSM, 237)
    assert values["STRIPE_KEY"][1] is ValueOrigin.SECRETS_MANAGER
    assert values["SIGNING_KEY"][1] is ValueOrigin.SSM
    assert values["SHARED_VPC"] == (None, ValueOrigin.UNRESOLVED, 240)
    assert values["LOG_LEVEL"] == ("debug", ValueOrigin.LITERAL, 241)
    assert values["MAX_ITEMS"] == ("50", ValueOrigin.LITERAL, 242)
    assert values["ACCOUNT"] == (None, ValueOrigin.UNRESOLVED, 243)
    assert values["REGION"] == ("us-east-1", ValueOrigin.PARAMETER, 244)
    assert "FEATURE_FLAG" not in values  # !Ref AWS::NoValue removes it
    shared = next(
        e for e in fn(orders, "CreateOrderFunction").environment if e.name == "SHARED_VPC"
    )
    assert shared.expression == "!ImportValue network-VpcId"
    unresolved = [d for d in orders.diagnostics if d.code == "unresolved"]
    assert {d.location.line for d in unresolved} == {240, 243}
    assert all(d.level is DiagnosticLevel.WARNING for d in unresolved)


def test_params_override_and_region(tmp_path: Path) -> None:
    result = load("orders-stack.yaml", params={"Environment": "production"}, region="eu-west-1")
    create = fn(result, "CreateOrderFunction")
    assert create.memory == 1024
    assert create.log_retention_days == 365
    values = env(create)
    assert values["LOG_LEVEL"][0] == "warn"
    assert values["REGION"][0] == "eu-west-1"
    names = {r.name for r in result.resources}
    assert "ProdOnlyTopic" in names  # IsProduction is now true
    assert "DebugBucket" not in names


def test_roles_and_policies(orders: LoadResult) -> None:
    role = fn(orders, "CreateOrderFunction").role
    assert role is not None and role.name == "OrdersRole" and not role.external
    by_name = {p.name: p for p in role.policies}
    inline = by_name["orders-table"]
    assert inline.kind is PolicyKind.INLINE
    assert inline.statements[0].actions == ("dynamodb:GetItem", "dynamodb:PutItem")
    assert inline.statements[0].resources == ("ref:OrdersTable.Arn",)
    assert inline.statements[0].location.line == 166
    assert inline.statements[1].resources == (
        "arn:aws:sqs:us-east-1:${AWS::AccountId}:orders-queue",
    )
    basic = by_name["AWSLambdaBasicExecutionRole"]
    assert basic.kind is PolicyKind.MANAGED and basic.expanded is False
    managed = by_name["OrdersManagedPolicy"]
    assert managed.expanded is True
    assert managed.statements[0].resources == ("ref:StripeSecret",)
    attached = by_name["receipts-rw"]  # AWS::IAM::Policy with Roles: [!Ref OrdersRole]
    assert attached.statements[0].resources == ("ref:ReceiptsBucket.Arn/*",)
    assert attached.location.line == 196
    assert [r.name for r in orders.roles].count("OrdersRole") == 1


def test_administrator_access_is_known(orders: LoadResult) -> None:
    role = fn(orders, "QueueWorker").role
    assert role is not None
    (policy,) = role.policies
    assert policy.name == "AdministratorAccess"
    assert policy.expanded is True
    assert policy.statements[0].actions == ("*",)
    assert policy.statements[0].resources == ("*",)


def test_external_role_and_inline_code(orders: LoadResult) -> None:
    indexer = fn(orders, "ReceiptIndexer")
    assert indexer.role is not None
    assert indexer.role.external is True
    assert indexer.role.arn == "arn:aws:iam::123456789012:role/legacy-indexer-role"
    assert indexer.code_path is None
    assert indexer.attributes["inline_code"] is True
    assert indexer.where("code_path").line == 298
    assert fn(orders, "QueueWorker").code_path == "worker"


def test_event_triggers(orders: LoadResult) -> None:
    worker = fn(orders, "QueueWorker")
    kinds = [(t.kind, t.auth, t.public, t.location.line) for t in worker.triggers]
    assert (TriggerKind.SQS, AuthKind.SERVICE, False, 322) in kinds
    assert (TriggerKind.INVOKE, AuthKind.NONE, True, 329) in kinds
    assert (TriggerKind.FUNCTION_URL, AuthKind.NONE, True, 336) in kinds
    assert (TriggerKind.SCHEDULE, AuthKind.SERVICE, False, 350) in kinds
    sqs = next(t for t in worker.triggers if t.kind is TriggerKind.SQS)
    assert sqs.source == "ref:OrdersQueue.Arn"
    url = next(t for t in worker.triggers if t.kind is TriggerKind.FUNCTION_URL)
    assert url.cors is not None and url.cors.origins == ("*",) and url.cors.allow_credentials
    schedule = next(t for t in worker.triggers if t.kind is TriggerKind.SCHEDULE)
    assert schedule.source == "cron(0 3 * * ? *)"
    indexer = fn(orders, "ReceiptIndexer")
    by_kind = {t.kind: t for t in indexer.triggers}
    assert by_kind[TriggerKind.S3].source == "ref:ReceiptsBucket"
    assert by_kind[TriggerKind.SNS].source == "ref:OrdersTopic"
    assert by_kind[TriggerKind.EVENTBRIDGE].attributes["event_pattern"] == {
        "source": ["acme.orders"]
    }
    permission = by_kind[TriggerKind.INVOKE]
    assert permission.auth is AuthKind.SERVICE and permission.source == "s3.amazonaws.com"
    assert permission.condition == {
        "SourceArn": "arn:aws:s3:::acme-order-receipts",
        "SourceAccount": "${AWS::AccountId}",
    }


def test_rest_api_methods(orders: LoadResult) -> None:
    triggers = [t for t in fn(orders, "CreateOrderFunction").triggers if t.kind.is_http]
    post = next(t for t in triggers if t.method == "POST")
    assert (post.path, post.auth, post.authorizer, post.public) == (
        "/orders",
        AuthKind.LAMBDA_AUTHORIZER,
        "OrdersAuthorizer",
        True,
    )
    assert post.location.line == 399
    get = next(t for t in triggers if t.method == "GET")  # integration via the alias ARN
    assert get.path == "/orders/{id}"
    assert get.auth is AuthKind.API_KEY and get.api_key_required
    assert get.throttling is not None
    assert (get.throttling.rate_limit, get.throttling.burst_limit) == (50.0, 100)


def test_resources(orders: LoadResult) -> None:
    res = {r.name: r for r in orders.resources}
    bucket = res["ReceiptsBucket"]
    assert bucket.kind == "s3-bucket" and bucket.physical_name == "acme-order-receipts"
    assert bucket.arn == "arn:aws:s3:::acme-order-receipts"
    assert bucket.settings["encryption"] == "aws:kms"
    assert bucket.settings["kms_key"] == "ref:DataKey"
    assert bucket.settings["versioning"] is True
    assert bucket.settings["public_access_block"]["RestrictPublicBuckets"] is False
    assert bucket.settings["secure_transport_enforced"] is True
    assert res["DebugBucket"].settings["acl"] == "PublicRead"
    assert res["DebugBucket"].settings["secure_transport_enforced"] is None
    assert res["OrdersQueue"].settings["visibility_timeout"] == 30
    assert res["OrdersQueue"].settings["dead_letter"] == "ref:OrdersDLQ.Arn"
    assert res["OrdersQueue"].where("visibility_timeout").line == 54
    table = res["OrdersTable"]
    assert table.physical_name == "orders-staging"
    assert table.settings["sse_enabled"] is True
    assert table.settings["point_in_time_recovery"] is False
    assert res["DataKey"].settings["rotation"] is False
    assert res["StripeSecret"].settings["secret_string_literal"] is True
    assert res["StripeSecret"].settings["rotation"] is False
    assert res["DbSecret"].settings["rotation"] is True
    assert res["SharedLayer"].settings["public"] is True
    assert res["CreateOrderLogs"].settings["retention_days"] == 7
    api = res["OrdersApi"]
    assert api.kind == "api" and api.settings["api_type"] == "rest"
    assert api.settings["min_tls"] == "TLS_1_0"
    assert api.settings["private"] is False


def test_conditions(orders: LoadResult) -> None:
    res = {r.name: r for r in orders.resources}
    assert "ProdOnlyTopic" not in res
    assert ("warning", "conditional", 108) in codes(orders)
    assert res["AlarmTopic"].conditional is True  # AlarmEmail has no default
    assert res["DebugBucket"].conditional is False  # And/Not/Condition all known


# -- http-api.json: API Gateway V2 in JSON -------------------------------------------------------


def test_http_api_routes(http_api: LoadResult) -> None:
    function = fn(http_api, "InventoryFunction")
    routes = {(t.method, t.path): t for t in function.triggers if t.kind is TriggerKind.HTTP_API}
    assert set(routes) == {("GET", "/items"), ("GET", "/status"), ("OPTIONS", "/items")}
    items = routes[("GET", "/items")]
    assert items.auth is AuthKind.JWT and items.authorizer == "JwtAuthorizer"
    assert items.location.line == 83
    assert routes[("GET", "/status")].auth is AuthKind.NONE
    assert routes[("GET", "/status")].public is True
    assert routes[("OPTIONS", "/items")].auth is AuthKind.NONE
    assert items.cors is not None
    assert items.cors.origins == ("https://app.example.com", "https://admin.example.com")
    assert items.cors.allow_credentials is True
    assert items.throttling is not None and items.throttling.burst_limit == 20
    stream = next(t for t in function.triggers if t.kind is TriggerKind.STREAM)
    assert stream.source == "ref:StreamTable.StreamArn"
    api = next(r for r in http_api.resources if r.name == "InventoryApi")
    assert api.settings["access_logging"] is True
    assert api.settings["api_type"] == "http"


def test_json_conditions_and_functions(http_api: LoadResult) -> None:
    function = fn(http_api, "InventoryFunction")
    assert function.timeout == 10  # EnableTracing defaults to "false"
    assert function.tracing == "PassThrough"
    assert function.memory is None  # depends on a parameter without default
    assert function.where("memory").line == 42
    assert function.log_retention_days is None
    values = env(function)
    assert values["STAGE"] == ("dev", ValueOrigin.PARAMETER, 46)
    assert values["DB_HOST"] == (None, ValueOrigin.UNRESOLVED, 47)
    assert values["FIRST_ORIGIN"][0] == "https://app.example.com"
    assert values["DB_URL"] == (
        "postgres://app:Sup3rS3cret!@db.internal:5432/inventory",
        ValueOrigin.LITERAL,
        49,
    )
    assert values["TOPIC"][0] == "arn:aws:sns:us-east-1:${AWS::AccountId}:inventory"
    assert values["THIRD"][0] == "c"
    role = function.role
    assert role is not None
    # the Fn::If statement depends on an unknown condition: both branches are kept
    actions = [s.actions for s in role.statements]
    assert actions == [("dynamodb:*",), ("rds-db:connect",)]
    assert ("warning", "conditional", 27) in codes(http_api)


# -- entry points, format detection --------------------------------------------------------------


def test_detect_format() -> None:
    assert detect_format({"Resources": {}}) is SourceFormat.CLOUDFORMATION
    assert detect_format({"Transform": "AWS::Serverless-2016-10-31"}) is SourceFormat.SAM
    assert (
        detect_format({"Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]})
        is SourceFormat.SAM
    )
    assert (
        detect_format({"Resources": {"F": {"Type": "AWS::Serverless::Function"}}})
        is SourceFormat.SAM
    )
    assert detect_format([1, 2]) is SourceFormat.CLOUDFORMATION


def test_load_template_for_serverless_resources_block() -> None:
    text = """
Resources:
  UploadsBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: my-uploads
  ExtraFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: h.handler
      Role: !GetAtt IamRoleLambdaExecution.Arn
Outputs:
  Bucket:
    Value: !Ref UploadsBucket
"""
    doc = parse_yaml(text, "serverless.yml")
    result = LoadResult()
    ctx = LoadContext(root=Path("."))
    load_template(doc, "serverless.yml", ctx, result, source_format=SourceFormat.SERVERLESS)
    assert [r.name for r in result.resources] == ["UploadsBucket", "ExtraFunction"]
    assert result.resources[0].location.line == 3
    (function,) = result.functions
    assert function.source_format is SourceFormat.SERVERLESS
    assert function.role is not None and function.role.external
    # no Resources in a serverless `resources:` block is fine
    empty = LoadResult()
    outputs_only = parse_yaml("Outputs:\n  X:\n    Value: 1\n", "serverless.yml")
    load_template(outputs_only, "serverless.yml", ctx, empty, source_format=SourceFormat.SERVERLESS)
    assert empty.diagnostics == [] and empty.functions == []


def test_build_inventory_links_reachable_resources() -> None:
    inventory: Inventory = build_inventory(FIXTURES)
    create = inventory.function("CreateOrderFunction")
    assert "OrdersTable" in create.reachable
    assert "ReceiptsBucket" in create.reachable
    assert "StripeSecret" in create.reachable
    assert {f.location.file for f in inventory.functions} == {"http-api.json", "orders-stack.yaml"}


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", ("error", "invalid", 1)),
        ("AWSTemplateFormatVersion: '2010-09-09'\n", ("error", "invalid", 1)),
        ("AWSTemplateFormatVersion: '2010-09-09'\nResources: [1, 2]\n", ("error", "invalid", 2)),
        ("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", ("warning", "invalid", 2)),
        ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n", ("error", "invalid", 1)),
        ("Resources:\n  A: !Ref [\n", ("error", "parse-error", 3)),
    ],
)
def test_broken_templates(tmp_path: Path, text: str, expected: tuple[str, str, int]) -> None:
    result = load_text(tmp_path, text)
    assert expected in codes(result)
    assert result.functions == []


def test_broken_elements_do_not_stop_the_rest(tmp_path: Path) -> None:
    text = """AWSTemplateFormatVersion: "2010-09-09"
Conditions:
  A: !Condition B
  B: !Condition A
Resources:
  NoType:
    Properties: {}
  NotAMapping: 42
  BadProps:
    Type: AWS::Lambda::Function
    Properties: [1, 2]
  Cyclic:
    Type: AWS::SQS::Queue
    Condition: A
  Odd:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: [python3.12]
      Timeout: {"Fn::Bogus": 1}
      MemorySize: lots
      Environment: 7
      Layers: !Ref Nope
      VpcConfig: null
      Role: !GetAtt Missing.Arn
      Code: {ZipFile: 1}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Odd
      Principal: [not, a, string]
  Good:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          X: !Select [9, [a, b]]
          Y: !Join [",", !Ref Unknown]
          Z: !FindInMap [Missing, a, b]
          W: !Sub "${Nope.Attr}-${!Literal}"
"""
    result = load_text(tmp_path, text)
    found = codes(result)
    assert ("error", "invalid", 6) in found  # no Type
    assert ("error", "invalid", 8) in found  # not a mapping
    assert ("error", "invalid", 11) in found  # Properties is a list
    assert any(
        c == "invalid" and "cycle" in d.message for d in result.diagnostics for c in [d.code]
    )
    names = [f.name for f in result.functions]
    assert names == ["BadProps", "Odd", "Good"]
    cyclic = next(r for r in result.resources if r.name == "Cyclic")
    assert cyclic.conditional is True
    odd = fn(result, "Odd")
    assert odd.timeout is None and odd.memory is None and odd.environment == ()
    good = env(fn(result, "Good"))
    assert {k: v[1] for k, v in good.items()} == {
        "X": ValueOrigin.UNRESOLVED,
        "Y": ValueOrigin.UNRESOLVED,
        "Z": ValueOrigin.UNRESOLVED,
        "W": ValueOrigin.UNRESOLVED,
    }
    messages = " | ".join(d.message for d in result.diagnostics)
    assert "unknown intrinsic function Fn::Bogus" in messages
    assert "!Ref to unknown name 'Unknown'" in messages


def test_not_utf8_and_empty(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"Resources:\n  A: \xff\xfe\n")
    result = load_file(Candidate(path, "bad.yaml", "cloudformation"), LoadContext(root=tmp_path))
    assert [d.code for d in result.diagnostics] == ["unreadable"]
    assert load_text(tmp_path, "   \n").diagnostics[0].code == "invalid"


def test_deeply_nested_intrinsics_are_bounded(tmp_path: Path) -> None:
    value = "x"
    for _ in range(60):
        value = f"{{'Fn::Join': ['', [{value}]]}}"
    text = (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        f"      Environment:\n        Variables:\n          DEEP: {value}\n"
    )
    result = load_text(tmp_path, text)
    (function,) = result.functions
    assert function.environment[0].origin is ValueOrigin.UNRESOLVED
    assert any("nested too deeply" in d.message for d in result.diagnostics)


def test_large_template_is_fast(tmp_path: Path) -> None:
    parts = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(1500):
        parts.append(
            f"""  Fn{i}:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role{i % 10}.Arn
      Environment:
        Variables:
          TABLE: !Ref Table{i % 10}
          NAME: !Sub "fn-${{AWS::Region}}-{i}"
  Perm{i}:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn{i}
      Principal: events.amazonaws.com"""
        )
    for i in range(10):
        parts.append(f"  Table{i}:\n    Type: AWS::DynamoDB::Table")
        parts.append(
            f"  Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n"
            "        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"
            "              - {Effect: Allow, Action: 'dynamodb:*', "
            f"Resource: !GetAtt Table{i}.Arn}}"
        )
    text = "\n".join(parts) + "\n"
    start = time.perf_counter()
    result = load_text(tmp_path, text)
    elapsed = time.perf_counter() - start
    assert len(result.functions) == 1500
    assert all(len(f.triggers) == 1 for f in result.functions)
    assert elapsed < 10, elapsed


def test_quick_create_websocket_and_more_triggers(tmp_path: Path) -> None:
    text = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !Sub "arn:aws:iam::${AWS::AccountId}:role/shared"
      LoggingConfig:
        LogGroup: !Ref FnLogs
  FnLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 14
  QuickApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: HTTP
      Target: !GetAtt Fn.Arn
  Socket:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  SocketIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Socket
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Socket
      RouteKey: $connect
      AuthorizationType: AWS_IAM
      Target: !Sub integrations/${SocketIntegration}
  Alerts:
    Type: AWS::SNS::Topic
  AlertsSub:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: lambda
      TopicArn: !Ref Alerts
      Endpoint: !GetAtt Fn.Arn
  OrgPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: "*"
      PrincipalOrgID: o-abc123
  AccountPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: "111122223333"
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref Rest
          Stage: prod
      Throttle: {RateLimit: 5, BurstLimit: 10}
      Quota: {Limit: 500, Period: DAY}
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties:
      EndpointConfiguration: {Types: [PRIVATE]}
      Policy: {Statement: []}
"""
    result = load_text(tmp_path, text)
    function = fn(result, "Fn")
    by_line = {t.location.line: t for t in function.triggers}
    quick = by_line[19]
    assert (quick.kind, quick.auth, quick.method, quick.path, quick.api) == (
        TriggerKind.HTTP_API,
        AuthKind.NONE,
        "ANY",
        "$default",
        "QuickApi",
    )
    connect = by_line[31]
    assert (connect.kind, connect.auth, connect.path, connect.method) == (
        TriggerKind.WEBSOCKET,
        AuthKind.IAM,
        "$connect",
        None,
    )
    assert by_line[40].kind is TriggerKind.SNS and by_line[40].source == "ref:Alerts"
    assert (by_line[46].auth, by_line[46].public) == (AuthKind.IAM, False)
    assert by_line[46].condition == {"PrincipalOrgID": "o-abc123"}
    assert (by_line[53].auth, by_line[53].source) == (AuthKind.IAM, "111122223333")
    assert function.role is not None and function.role.external
    assert function.role.arn == "arn:aws:iam::${AWS::AccountId}:role/shared"
    assert function.log_retention_days == 14 and function.where("log_retention_days").line == 14
    rest = next(r for r in result.resources if r.name == "Rest")
    assert rest.settings["private"] is True and rest.settings["resource_policy"] is True
    assert rest.settings["throttling"] == {"rate_limit": 5.0, "burst_limit": 10, "quota": 500}
    assert rest.settings["usage_plan"] is True


def test_parameters_with_a_default_become_parameter_resources(tmp_path: Path) -> None:
    text = (
        "Parameters:\n"
        "  DbPassword:\n    Type: String\n    NoEcho: true\n    Default: hunter2\n"
        "  Stage:\n    Type: String\n    Default: dev\n"
        "  Token:\n    Type: String\n    NoEcho: true\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    )
    result = load_text(tmp_path, text)
    params = {r.name: r for r in result.resources if r.kind == "parameter"}
    assert set(params) == {"DbPassword", "Stage"}  # Token has no default
    db = params["DbPassword"]
    assert (db.location.line, db.where("default").line) == (2, 5)
    assert db.settings == {"default": "hunter2", "no_echo": True, "type": "String"}
    assert params["Stage"].settings["no_echo"] is False

"""FG3xx limit / denial-of-wallet rules on real loader output, per format."""

from __future__ import annotations

from pathlib import Path

from faasguard.model import Severity
from tests.rules._scan import run, where

SLS = """
service: orders
provider:
  name: aws
  runtime: python3.12
  timeout: 900
  memorySize: 512
functions:
  export:
    handler: h.export
    url: true
  report:
    handler: h.report
    reservedConcurrency: 2
    events:
      - schedule: rate(1 day)
"""

SAM = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 60
Resources:
  Settle:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      MemorySize: 256
      ReservedConcurrentExecutions: 5
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Settlements.Arn
  Settlements:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 20
  Api:
    Type: AWS::Serverless::HttpApi
  Health:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.health
      CodeUri: src/
      MemorySize: 256
      Events:
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /health
            Method: get
"""

TF = """
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  timeout       = 900
  memory_size   = 256
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}
"""

CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Notify:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/notify
      Code: ./src
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - Protocol: lambda
          Endpoint: !GetAtt Notify.Arn
"""


# --------------------------------------------------------------------------- FG301 / FG302


def test_fg301_maximal_timeout_once_per_written_value(tmp_path: Path) -> None:
    (finding,) = run("FG301", tmp_path / "sls", {"serverless.yml": SLS})
    assert (finding.location.line, finding.function) == (5, None)
    assert finding.evidence["functions"] == ["export", "report"]
    assert finding.severity is Severity.MEDIUM  # export is an open function URL
    (finding,) = run("FG301", tmp_path / "tf", {"main.tf": TF})
    assert (finding.location.line, finding.function, finding.severity) == (
        3,
        "worker",
        Severity.LOW,
    )


def test_fg301_gcp_maximum_and_reasonable_timeouts(tmp_path: Path) -> None:
    gcp = """
resource "google_cloudfunctions_function" "sync" {
  name          = "sync"
  runtime       = "python312"
  timeout       = 540
  event_trigger {
    event_type = "google.pubsub.topic.publish"
    resource   = "projects/p/topics/t"
  }
}
"""
    assert where(run("FG301", tmp_path / "gcp", {"main.tf": gcp})) == [("main.tf", 4, "sync")]
    assert run("FG301", tmp_path / "sam", {"template.yaml": SAM}) == []
    fine = SLS.replace("timeout: 900", "timeout: 29")
    assert run("FG301", tmp_path / "fine", {"serverless.yml": fine}) == []


AZURE_FN = """
{
  "bindings": [
    { "type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous" },
    { "type": "http", "direction": "out", "name": "res" }
  ]
}
"""


def test_fg302_azure_unbounded_function_timeout(tmp_path: Path) -> None:
    files = {
        "host.json": '{\n  "version": "2.0",\n  "functionTimeout": "-1"\n}\n',
        "Get/function.json": AZURE_FN,
    }
    (finding,) = run("FG302", tmp_path / "bad", files)
    assert (finding.location.file, finding.location.line) == ("host.json", 3)
    assert finding.severity is Severity.MEDIUM and finding.function == "Get"
    files["host.json"] = '{\n  "version": "2.0",\n  "functionTimeout": "00:05:00"\n}\n'
    assert run("FG302", tmp_path / "ok", files) == []


# --------------------------------------------------------------------------- FG303 / FG304


def test_fg303_fg304_defaults_are_advice_once_per_file(tmp_path: Path) -> None:
    bare = SLS.replace("  timeout: 900\n  memorySize: 512\n", "")
    (timeout,) = run("FG303", tmp_path / "sls", {"serverless.yml": bare})
    assert timeout.advice and timeout.evidence["default"] == 6
    assert timeout.evidence["functions"] == ["export", "report"]
    (memory,) = run("FG304", tmp_path / "sls", {})
    assert memory.evidence["default"] == 1024 and memory.location.line == 6
    (timeout,) = run("FG303", tmp_path / "cfn", {"template.yaml": CFN})
    assert (timeout.location.line, timeout.function, timeout.evidence["default"]) == (
        3,
        "Notify",
        3,
    )
    assert [f.evidence["default"] for f in run("FG304", tmp_path / "cfn", {})] == [128]


def test_fg303_fg304_not_when_written(tmp_path: Path) -> None:
    assert run("FG303", tmp_path / "sls", {"serverless.yml": SLS}) == []
    assert run("FG304", tmp_path / "sls", {}) == []
    assert run("FG303", tmp_path / "tf", {"main.tf": TF}) == []
    assert run("FG304", tmp_path / "tf", {}) == []


# --------------------------------------------------------------------------- FG305 / FG306


def test_fg305_public_functions_without_concurrency_cap(tmp_path: Path) -> None:
    findings = run("FG305", tmp_path / "sls", {"serverless.yml": SLS})
    assert where(findings) == [("serverless.yml", 8, "export")]
    assert findings[0].severity is Severity.MEDIUM and findings[0].evidence["anonymous"]
    findings = run("FG305", tmp_path / "sam", {"template.yaml": SAM})
    assert where(findings) == [("template.yaml", 25, "Health")]


def test_fg305_throttled_authenticated_route_is_low(tmp_path: Path) -> None:
    text = """
service: shop
provider:
  name: aws
  runtime: python3.12
  apiGateway:
    usagePlan:
      throttle:
        rateLimit: 10
        burstLimit: 20
functions:
  create:
    handler: h.create
    events:
      - http:
          path: orders
          method: post
          authorizer: aws_iam
"""
    (finding,) = run("FG305", tmp_path, {"serverless.yml": text})
    assert finding.severity is Severity.LOW and not finding.evidence["anonymous"]


def test_fg306_event_driven_functions_are_advice(tmp_path: Path) -> None:
    (finding,) = run("FG306", tmp_path / "cfn", {"template.yaml": CFN})
    assert finding.advice and (finding.location.line, finding.function) == (3, "Notify")
    # schedules only, or a reserved concurrency: nothing to say
    assert run("FG306", tmp_path / "sls", {"serverless.yml": SLS}) == []
    assert run("FG306", tmp_path / "sam", {"template.yaml": SAM}) == []


# --------------------------------------------------------------------------- FG307

TF_HTTP_API = """
resource "aws_lambda_function" "api" {
  function_name = "api"
}

resource "aws_apigatewayv2_api" "http" {
  name          = "http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "api" {
  api_id           = aws_apigatewayv2_api.http.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.api.invoke_arn
}

resource "aws_apigatewayv2_route" "get" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /items"
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}
"""


def test_fg307_public_api_without_throttling(tmp_path: Path) -> None:
    (finding,) = run("FG307", tmp_path / "sam", {"template.yaml": SAM})
    assert (finding.location.line, finding.function) == (23, "Health")
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence["anonymous_routes"] == ["http-api GET /health"]
    (finding,) = run("FG307", tmp_path / "tf", {"main.tf": TF_HTTP_API})
    assert (finding.location.line, finding.function) == (5, "api")


def test_fg307_throttled_apis_are_fine(tmp_path: Path) -> None:
    throttled = TF_HTTP_API.replace(
        "  auto_deploy = true\n",
        "  auto_deploy = true\n  default_route_settings {\n    throttling_rate_limit  = 50\n"
        "    throttling_burst_limit = 100\n  }\n",
    )
    assert run("FG307", tmp_path / "tf", {"main.tf": throttled}) == []
    sam = SAM.replace(
        "    Type: AWS::Serverless::HttpApi\n",
        "    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefaultRouteSettings:\n"
        "        ThrottlingRateLimit: 10\n        ThrottlingBurstLimit: 20\n",
    )
    assert run("FG307", tmp_path / "sam", {"template.yaml": sam}) == []


def test_fg307_serverless_http_api_throttled_by_plugin(tmp_path: Path) -> None:
    sls = (
        "service: orders\nplugins:\n  - serverless-api-gateway-throttling\n"
        "provider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  list:\n    handler: h.list\n    events:\n      - httpApi: GET /orders\n"
    )
    (finding,) = run("FG307", tmp_path / "bare", {"serverless.yml": sls})
    assert finding.evidence["api"] == "HttpApi"
    throttled = sls.replace(
        "provider:", "custom:\n  apiGatewayThrottling:\n    maxRequestsPerSecond: 50\nprovider:"
    )
    assert run("FG307", tmp_path / "plugin", {"serverless.yml": throttled}) == []


# --------------------------------------------------------------------------- FG308


def test_fg308_visibility_timeout_shorter_than_function(tmp_path: Path) -> None:
    (finding,) = run("FG308", tmp_path / "sam", {"template.yaml": SAM})
    assert (finding.location.line, finding.function) == (22, "Settle")
    assert finding.evidence == {
        "queue": "Settlements",
        "visibility_timeout": 20,
        "timeout": 60,
        "functions": ["Settle"],
    }
    (finding,) = run("FG308", tmp_path / "tf", {"main.tf": TF})
    assert finding.evidence["visibility_timeout"] == 30  # the SQS default
    assert (finding.location.line, finding.function) == (7, "worker")


def test_fg308_long_enough_visibility_is_fine(tmp_path: Path) -> None:
    sam = SAM.replace("VisibilityTimeout: 20", "VisibilityTimeout: 360")
    assert run("FG308", tmp_path / "sam", {"template.yaml": sam}) == []
    tf = TF.replace('  name = "jobs"\n', '  name = "jobs"\n  visibility_timeout_seconds = 5400\n')
    assert run("FG308", tmp_path / "tf", {"main.tf": tf}) == []

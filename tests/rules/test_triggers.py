"""FG2xx trigger rules on real loader output, per format."""

from __future__ import annotations

from pathlib import Path

from faasguard.model import Severity
from tests.rules._scan import run, where

# --------------------------------------------------------------------------- FG201 / FG203

SLS_API_KEY = """
service: partner
provider:
  name: aws
  runtime: python3.12
  apiGateway:
    apiKeys:
      - partner
functions:
  orders:
    handler: h.orders
    events:
      - http:
          path: partner/orders
          method: get
          private: true
      - http:
          path: partner/orders
          method: post
          private: true
          authorizer: aws_iam
"""

CFN_API_KEY = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: ./src
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: partner
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: orders
  GetOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations
  PostOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: POST
      AuthorizationType: AWS_IAM
      ApiKeyRequired: true
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations
"""

TF_API_KEY = """
resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
}

resource "aws_api_gateway_rest_api" "orders" {
  name = "orders"
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_rest_api.orders.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_method" "list" {
  rest_api_id      = aws_api_gateway_rest_api.orders.id
  resource_id      = aws_api_gateway_resource.orders.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_method" "create" {
  rest_api_id      = aws_api_gateway_rest_api.orders.id
  resource_id      = aws_api_gateway_resource.orders.id
  http_method      = "POST"
  authorization    = "AWS_IAM"
  api_key_required = true
}

resource "aws_api_gateway_integration" "list" {
  rest_api_id             = aws_api_gateway_rest_api.orders.id
  resource_id             = aws_api_gateway_resource.orders.id
  http_method             = aws_api_gateway_method.list.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.api.invoke_arn
}

resource "aws_api_gateway_integration" "create" {
  rest_api_id             = aws_api_gateway_rest_api.orders.id
  resource_id             = aws_api_gateway_resource.orders.id
  http_method             = aws_api_gateway_method.create.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.api.invoke_arn
}
"""

SAM_API_KEY = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        KeyOnly:
          Type: Api
          Properties:
            Path: /partner
            Method: get
            Auth:
              ApiKeyRequired: true
        Signed:
          Type: Api
          Properties:
            Path: /partner
            Method: post
            Auth:
              ApiKeyRequired: true
              Authorizer: AWS_IAM
"""


def test_fg203_api_key_only_routes_in_every_format(tmp_path: Path) -> None:
    cases = {
        "serverless.yml": (SLS_API_KEY, 12, "orders"),
        "template.yaml": (CFN_API_KEY, 20, "Fn"),
        "main.tf": (TF_API_KEY, 16, "api"),
        "sam/template.yaml": (SAM_API_KEY, 10, "Fn"),
    }
    for name, (text, line, function) in cases.items():
        root = tmp_path / name.replace("/", "_")
        findings = run("FG203", root, {name: text})
        assert [(f.location.line, f.function) for f in findings] == [(line, function)], name
        assert findings[0].evidence["method"] == "GET"
        assert findings[0].severity is Severity.MEDIUM
        # the same route is not reported twice as "no authentication"
        assert run("FG201", root, {}) == [], name


def test_fg203_not_on_private_apis(tmp_path: Path) -> None:
    private = SLS_API_KEY.replace(
        "  apiGateway:\n", "  endpointType: PRIVATE\n  vpcEndpointIds: [vpce-1]\n  apiGateway:\n"
    )
    assert run("FG203", tmp_path, {"serverless.yml": private}) == []


# --------------------------------------------------------------------------- FG204 / FG205

CFN_PERMISSIONS = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: ./src
  Open:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: "*"
  OrgOnly:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: "*"
      PrincipalOrgID: o-abc123
  FromAnyApi:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: apigateway.amazonaws.com
  FromOurApi:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:abc123/*
  FromBucket:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Fn
      Principal: s3.amazonaws.com
      SourceArn: arn:aws:s3:::acme-uploads
      SourceAccount: !Ref AWS::AccountId
"""

TF_PERMISSIONS = """
resource "aws_lambda_function" "fn" {
  function_name = "fn"
}

resource "aws_lambda_function_url" "fn" {
  function_name      = aws_lambda_function.fn.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_permission" "url" {
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.fn.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_lambda_permission" "anyone" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "*"
}

resource "aws_lambda_permission" "bucket" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = "arn:aws:s3:::acme-uploads"
}

resource "aws_lambda_permission" "topic" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = "arn:aws:sns:us-east-1:123456789012:events"
}
"""


def test_fg204_open_invoke_permissions(tmp_path: Path) -> None:
    findings = run("FG204", tmp_path / "cfn", {"template.yaml": CFN_PERMISSIONS})
    assert where(findings) == [("template.yaml", 10, "Fn")]
    assert findings[0].evidence["principal"] == "*"
    # InvokeFunctionUrl to * for a NONE URL is FG202's business; InvokeFunction to * is not
    findings = run("FG204", tmp_path / "tf", {"main.tf": TF_PERMISSIONS})
    assert where(findings) == [("main.tf", 17, "fn")]
    assert findings[0].evidence["action"] == "lambda:InvokeFunction"


def test_fg204_url_permission_is_flagged_when_the_url_needs_iam(tmp_path: Path) -> None:
    text = TF_PERMISSIONS.replace('authorization_type = "NONE"', 'authorization_type = "AWS_IAM"')
    text = text.replace('function_url_auth_type = "NONE"', 'function_url_auth_type = "AWS_IAM"')
    actions = [f.evidence["action"] for f in run("FG204", tmp_path, {"main.tf": text})]
    assert actions == ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]


def test_fg205_service_permissions_without_source(tmp_path: Path) -> None:
    findings = run("FG205", tmp_path / "cfn", {"template.yaml": CFN_PERMISSIONS})
    assert where(findings) == [("template.yaml", 23, "Fn")]
    assert findings[0].evidence["principal"] == "apigateway.amazonaws.com"
    assert findings[0].severity is Severity.MEDIUM
    findings = run("FG205", tmp_path / "tf", {"main.tf": TF_PERMISSIONS})
    # S3 with SourceArn but no SourceAccount: low; SNS with SourceArn: fine
    assert [(f.location.line, f.severity) for f in findings] == [(23, Severity.LOW)]


# --------------------------------------------------------------------------- FG206

CFN_URL_CORS = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: ./src
  Url:
    Type: AWS::Lambda::Url
    Properties:
      AuthType: AWS_IAM
      TargetFunctionArn: !GetAtt Fn.Arn
      Cors:
        AllowOrigins: ["*"]
        AllowCredentials: true
"""

SLS_CORS = """
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  list:
    handler: h.list
    events:
      - http:
          path: items
          method: get
          authorizer: aws_iam
          cors:
            origin: "*"
            allowCredentials: true
  create:
    handler: h.create
    events:
      - http:
          path: items
          method: post
          authorizer: aws_iam
          cors:
            origin: https://shop.example.com
            allowCredentials: true
"""

TF_HTTP_CORS = """
resource "aws_lambda_function" "api" {
  function_name = "api"
}

resource "aws_apigatewayv2_api" "http" {
  name          = "http"
  protocol_type = "HTTP"
  cors_configuration {
    allow_origins     = ["*"]
    allow_credentials = true
  }
}
"""

AZURE_HOST = '{\n  "version": "2.0"\n}\n'
AZURE_HTTP_FUNCTION = """
{
  "bindings": [
    {
      "type": "httpTrigger",
      "direction": "in",
      "name": "req",
      "authLevel": "function",
      "methods": ["get"]
    },
    { "type": "http", "direction": "out", "name": "res" }
  ]
}
"""
AZURE_LOCAL = """
{
  "IsEncrypted": false,
  "Values": { "FUNCTIONS_WORKER_RUNTIME": "node" },
  "Host": { "CORS": "*", "CORSCredentials": true }
}
"""


def test_fg206_cors_any_origin_with_credentials(tmp_path: Path) -> None:
    findings = run("FG206", tmp_path / "cfn", {"template.yaml": CFN_URL_CORS})
    assert where(findings) == [("template.yaml", 15, "Fn")]
    assert findings[0].severity is Severity.MEDIUM
    findings = run("FG206", tmp_path / "sls", {"serverless.yml": SLS_CORS})
    assert [(f.location.line, f.function) for f in findings] == [(13, "list")]
    findings = run("FG206", tmp_path / "tf", {"main.tf": TF_HTTP_CORS})
    assert [(f.location.file, f.evidence["origins"]) for f in findings] == [("main.tf", ["*"])]


def test_fg206_azure_local_host_is_low(tmp_path: Path) -> None:
    files = {
        "host.json": AZURE_HOST,
        "Get/function.json": AZURE_HTTP_FUNCTION,
        "local.settings.json": AZURE_LOCAL,
    }
    (finding,) = run("FG206", tmp_path, files)
    assert finding.location.file == "local.settings.json"
    assert finding.severity is Severity.LOW and finding.function == "Get"


def test_fg206_explicit_origins_or_no_credentials_are_fine(tmp_path: Path) -> None:
    text = CFN_URL_CORS.replace("AllowCredentials: true", "AllowCredentials: false")
    assert run("FG206", tmp_path / "a", {"template.yaml": text}) == []
    text = TF_HTTP_CORS.replace('["*"]', '["https://app.example.com"]')
    assert run("FG206", tmp_path / "b", {"main.tf": text}) == []


# --------------------------------------------------------------------------- FG207

TF_AZURE_APP = """
resource "azurerm_linux_function_app" "app" {
  name                = "invoices"
  resource_group_name = "rg"
  location            = "westeurope"
  site_config {}
}
"""


def test_fg207_function_keys_are_advice(tmp_path: Path) -> None:
    files = {"host.json": AZURE_HOST, "Get/function.json": AZURE_HTTP_FUNCTION}
    (finding,) = run("FG207", tmp_path / "fn", files)
    assert (finding.location.file, finding.location.line) == ("Get/function.json", 7)
    assert finding.advice and "function keys" in finding.message
    (finding,) = run("FG207", tmp_path / "tf", {"main.tf": TF_AZURE_APP})
    assert finding.function == "invoices" and "App Service authentication" in finding.message
    # ... and the app-level trigger is not reported as "no authentication" by FG201
    assert run("FG201", tmp_path / "tf", {}) == []


def test_fg207_not_for_anonymous_or_easy_auth(tmp_path: Path) -> None:
    anonymous = AZURE_HTTP_FUNCTION.replace('"function"', '"anonymous"')
    files = {"host.json": AZURE_HOST, "Get/function.json": anonymous}
    assert run("FG207", tmp_path / "anon", files) == []
    assert [f.function for f in run("FG201", tmp_path / "anon", {})] == ["Get"]
    easy = TF_AZURE_APP.replace(
        "  site_config {}\n",
        "  site_config {}\n  auth_settings_v2 {\n    auth_enabled = true\n"
        "    require_authentication = true\n  }\n",
    )
    assert run("FG207", tmp_path / "easy", {"main.tf": easy}) == []


# --------------------------------------------------------------------------- FG208

TF_GCP = """
resource "google_cloudfunctions2_function" "fn" {
  name     = "thumbs"
  location = "europe-west1"
  build_config {
    runtime     = "python312"
    entry_point = "main"
  }
  service_config {
    ingress_settings = "ALLOW_ALL"
  }
}

resource "google_cloudfunctions2_function_iam_member" "public" {
  cloud_function = google_cloudfunctions2_function.fn.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}
"""


def test_fg208_public_invoker_severity_follows_ingress(tmp_path: Path) -> None:
    findings = run("FG208", tmp_path / "all", {"main.tf": TF_GCP})
    assert [(f.location.line, f.function, f.severity) for f in findings] == [
        (13, "thumbs", Severity.HIGH)
    ]
    assert findings[0].evidence == {"invokers": ["allUsers"], "ingress": "ALLOW_ALL"}
    assert run("FG201", tmp_path / "all", {}) == []  # one finding for the binding, not two
    internal = TF_GCP.replace('"ALLOW_ALL"', '"ALLOW_INTERNAL_ONLY"')
    (finding,) = run("FG208", tmp_path / "internal", {"main.tf": internal})
    assert finding.severity is Severity.LOW
    gclb = TF_GCP.replace('"ALLOW_ALL"', '"ALLOW_INTERNAL_AND_GCLB"')
    (finding,) = run("FG208", tmp_path / "gclb", {"main.tf": gclb})
    assert finding.severity is Severity.MEDIUM
    authenticated = TF_GCP.replace('"allUsers"', '"allAuthenticatedUsers"')
    (finding,) = run("FG208", tmp_path / "authn", {"main.tf": authenticated})
    assert finding.severity is Severity.HIGH


def test_fg208_not_for_service_account_invokers(tmp_path: Path) -> None:
    text = TF_GCP.replace('"allUsers"', '"serviceAccount:ci@p.iam.gserviceaccount.com"')
    assert run("FG208", tmp_path, {"main.tf": text}) == []


# --------------------------------------------------------------------------- FG209

CFN_PUBLIC_QUEUE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: ./src
  Jobs:
    Type: AWS::SQS::Queue
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: sqs:SendMessage
            Resource: !GetAtt Jobs.Arn
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
"""

SLS_FOREIGN = """
service: media
provider:
  name: aws
  runtime: python3.12
  iam:
    role: arn:aws:iam::111111111111:role/media-lambda
functions:
  ingest:
    handler: h.ingest
    events:
      - sqs: arn:aws:sqs:eu-west-1:222222222222:partner-uploads
      - sqs: arn:aws:sqs:eu-west-1:111111111111:own-uploads
"""


def test_fg209_public_queue_policy(tmp_path: Path) -> None:
    (finding,) = run("FG209", tmp_path, {"template.yaml": CFN_PUBLIC_QUEUE})
    assert (finding.location.line, finding.function) == (12, "Worker")
    assert finding.evidence["resource"] == "Jobs"
    scoped = CFN_PUBLIC_QUEUE.replace(
        "            Resource: !GetAtt Jobs.Arn\n",
        "            Resource: !GetAtt Jobs.Arn\n            Condition:\n"
        "              ArnEquals:\n                aws:SourceArn: arn:aws:sns:us-east-1:1:t\n",
    )
    assert run("FG209", tmp_path / "scoped", {"template.yaml": scoped}) == []


def test_fg209_source_in_another_account(tmp_path: Path) -> None:
    (finding,) = run("FG209", tmp_path, {"serverless.yml": SLS_FOREIGN})
    assert (finding.location.line, finding.severity) == (11, Severity.LOW)
    assert finding.evidence["account"] == "222222222222"
    # without a known home account nothing is claimed
    unknown = SLS_FOREIGN.replace(
        "  iam:\n    role: arn:aws:iam::111111111111:role/media-lambda\n", ""
    )
    assert run("FG209", tmp_path / "unknown", {"serverless.yml": unknown}) == []


# --------------------------------------------------------------------------- FG210

SLS_WEBSOCKET = """
service: chat
provider:
  name: aws
  runtime: python3.12
functions:
  connect:
    handler: h.connect
    events:
      - websocket:
          route: $connect
  message:
    handler: h.message
    events:
      - websocket:
          route: $default
"""

CFN_WEBSOCKET = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: ./src
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/${Fn.Arn}/invocations
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Ws
      RouteKey: $connect
      AuthorizationType: NONE
      Target: !Sub integrations/${Integration}
  Default:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Ws
      RouteKey: $default
      AuthorizationType: NONE
      Target: !Sub integrations/${Integration}
"""


def test_fg210_websocket_connect_without_authorizer(tmp_path: Path) -> None:
    findings = run("FG210", tmp_path / "sls", {"serverless.yml": SLS_WEBSOCKET})
    assert where(findings) == [("serverless.yml", 9, "connect")]
    assert findings[0].evidence["functions"] == ["connect", "message"]
    findings = run("FG210", tmp_path / "cfn", {"template.yaml": CFN_WEBSOCKET})
    assert where(findings) == [("template.yaml", 22, "Fn")]
    # WebSocket routes are FG210's, not FG201's
    assert run("FG201", tmp_path / "sls", {}) == []


def test_fg210_authorized_connect_covers_every_route(tmp_path: Path) -> None:
    text = SLS_WEBSOCKET.replace(
        "          route: $connect\n",
        "          route: $connect\n          authorizer:\n            name: auth\n"
        "  auth:\n    handler: h.auth\n",
    )
    assert run("FG210", tmp_path, {"serverless.yml": text}) == []


# --------------------------------------------------------------------------- FG211

SLS_ALB = """
service: staff
provider:
  name: aws
  runtime: python3.12
functions:
  staff:
    handler: h.staff
    events:
      - alb:
          listenerArn: !Ref Listener
          priority: 1
          conditions:
            path: /staff
resources:
  Resources:
    Balancer:
      Type: AWS::ElasticLoadBalancingV2::LoadBalancer
      Properties:
        Scheme: internet-facing
    Listener:
      Type: AWS::ElasticLoadBalancingV2::Listener
      Properties:
        LoadBalancerArn: !Ref Balancer
        Port: 443
"""

TF_ALB = """
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
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
"""


def test_fg211_internet_facing_alb_without_authentication(tmp_path: Path) -> None:
    findings = run("FG211", tmp_path / "sls", {"serverless.yml": SLS_ALB})
    assert where(findings) == [("serverless.yml", 9, "staff")]
    assert run("FG201", tmp_path / "sls", {}) == []
    findings = run("FG211", tmp_path / "tf", {"main.tf": TF_ALB})
    assert where(findings) == [("main.tf", 13, "web")]


def test_fg211_internal_or_authenticated_alb_is_fine(tmp_path: Path) -> None:
    internal = SLS_ALB.replace("Scheme: internet-facing", "Scheme: internal")
    assert run("FG211", tmp_path / "internal", {"serverless.yml": internal}) == []
    authenticated = TF_ALB.replace(
        '  default_action {\n    type             = "forward"',
        '  default_action {\n    type = "authenticate-cognito"\n  }\n'
        '  default_action {\n    type             = "forward"',
    )
    assert run("FG211", tmp_path / "auth", {"main.tf": authenticated}) == []

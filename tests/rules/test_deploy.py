"""FG603-FG610 on real loader output: positive and negative cases per format."""

from __future__ import annotations

import textwrap
from pathlib import Path

from faasguard.model import Finding, Severity
from tests.rules._scan import run as _run


def run(rule_id: str, root: Path, files: dict[str, str]) -> list[Finding]:
    return _run(rule_id, root, {k: textwrap.dedent(v) for k, v in files.items()})


def where(findings: list[Finding]) -> list[tuple[str, int, str | None]]:
    return [(f.location.file, f.location.line, f.function) for f in findings]


SLS = """
service: media
provider:
  name: aws
  runtime: python3.12
  versionFunctions: false
  iam:
    role: arn:aws:iam::123456789012:role/media
functions:
  ingest:
    handler: app.ingest
    layers:
      - arn:aws:lambda:us-east-1:123456789012:layer:common:4
      - arn:aws:lambda:us-east-1:999988887777:layer:sketchy:2
      - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7
      - arn:aws:lambda:us-east-1:123456789012:layer:common:latest
    events:
      - s3: uploads
      - schedule: rate(1 hour)
  api:
    handler: app.api
    events:
      - httpApi: GET /items
"""

SLS_GOOD = """
service: media
provider:
  name: aws
  runtime: python3.12
  logRetentionInDays: 30
  iam:
    role: arn:aws:iam::123456789012:role/media
functions:
  ingest:
    handler: app.ingest
    layers:
      - arn:aws:lambda:us-east-1:123456789012:layer:common:4
    destinations:
      onFailure: arn:aws:sqs:us-east-1:123456789012:failed
    events:
      - s3: uploads
"""


def test_serverless_deployment_advice(tmp_path: Path) -> None:
    files = {"serverless.yml": SLS}
    (signing,) = run("FG603", tmp_path, files)
    assert (signing.location.line, signing.evidence["functions"]) == (9, ["ingest", "api"])
    (dlq,) = run("FG604", tmp_path, files)
    assert (dlq.function, dlq.evidence["triggers"]) == ("ingest", ["s3", "schedule"])
    (logs,) = run("FG605", tmp_path, files)
    assert logs.evidence["functions"] == ["ingest", "api"] and logs.advice
    (versions,) = run("FG608", tmp_path, files)
    assert versions.evidence["functions"] == ["ingest", "api"]


def test_serverless_hardened_has_no_deployment_advice(tmp_path: Path) -> None:
    files = {"serverless.yml": SLS_GOOD}
    for rule_id in ("FG604", "FG605", "FG606", "FG607", "FG608", "FG609", "FG610"):
        assert run(rule_id, tmp_path, files) == [], rule_id


def test_layers_unpinned_and_cross_account(tmp_path: Path) -> None:
    files = {"serverless.yml": SLS}
    (unpinned,) = run("FG606", tmp_path, files)
    assert (unpinned.location.line, unpinned.function) == (15, "ingest")
    assert unpinned.evidence["layer"].endswith(":common:latest")
    (foreign,) = run("FG607", tmp_path, files)  # Powertools' publisher account is known
    assert (foreign.location.line, foreign.evidence["account"]) == (13, "999988887777")
    assert foreign.evidence["project_accounts"] == ["123456789012"]
    assert foreign.severity is Severity.MEDIUM


def test_cross_account_needs_a_known_project_account(tmp_path: Path) -> None:
    text = SLS.replace("  iam:\n    role: arn:aws:iam::123456789012:role/media\n", "")
    text = text.replace("123456789012:layer:common:4", "999988887777:layer:common:4")
    text = text.replace("123456789012:layer:common:latest", "999988887777:layer:common:3")
    assert run("FG607", tmp_path, {"serverless.yml": text}) == []


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Images:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/images:latest
      Events:
        Upload:
          Type: SNS
          Properties:
            Topic: arn:aws:sns:us-east-1:123456789012:uploads
  Tagged:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/images:v1.4.2
  Pinned:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      AutoPublishAlias: live
      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/images@sha256:{digest}
      DeadLetterQueue:
        Type: SQS
        TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq
      Events:
        Upload:
          Type: SNS
          Properties:
            Topic: arn:aws:sns:us-east-1:123456789012:uploads
  Signed:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
      AutoPublishAlias: live
      CodeSigningConfigArn: arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /aws/lambda/forever
""".replace("{digest}", "0123456789abcdef" * 4)


def test_sam_images_dlq_versions_signing_logs(tmp_path: Path) -> None:
    files = {"template.yaml": SAM}
    images = run("FG610", tmp_path, files)
    assert [(f.function, f.location.line, f.severity) for f in images] == [
        ("Images", 7, Severity.LOW),
        ("Tagged", 17, Severity.INFO),
    ]
    assert [f.function for f in run("FG604", tmp_path, files)] == ["Images"]
    (versions,) = run("FG608", tmp_path, files)
    assert versions.evidence["functions"] == ["Images", "Tagged"]
    assert run("FG603", tmp_path, files) == []  # images cannot be signed; Signed is signed
    log_groups = [f for f in run("FG605", tmp_path, files) if "log_group" in f.evidence]
    assert where(log_groups) == [("template.yaml", 40, None)]


TF = """
resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  publish       = true
  code_signing_config_arn = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/lambda/api"
  retention_in_days = 14
}

resource "aws_lambda_function" "img" {
  function_name = "img"
  role          = "arn:aws:iam::123456789012:role/api"
  package_type  = "Image"
  image_uri     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/img"
}
"""


def test_terraform_deployment_rules(tmp_path: Path) -> None:
    files = {"main.tf": TF}
    assert run("FG603", tmp_path, files) == []
    (versions,) = run("FG608", tmp_path, files)
    assert versions.evidence["functions"] == ["img"]
    (logs,) = run("FG605", tmp_path, files)
    assert logs.evidence["functions"] == ["img"]
    (image,) = run("FG610", tmp_path, files)
    assert (image.function, image.location.line, image.evidence["tag"]) == ("img", 20, None)


def test_fg601_deprecated_azure_extension_bundle(tmp_path: Path) -> None:
    host = """
        {
          "version": "2.0",
          "extensionBundle": {
            "id": "Microsoft.Azure.Functions.ExtensionBundle",
            "version": "%s"
          }
        }
        """
    fn = '{"bindings": [{"type": "timerTrigger", "direction": "in", "name": "t",'
    fn += ' "schedule": "0 0 * * * *"}], "scriptFile": "index.js"}\n'
    old = {"host.json": host % "[2.*, 3.0.0)", "Tick/function.json": fn}
    (finding,) = run("FG601", tmp_path / "v2", old)
    assert (finding.location.file, finding.location.line) == ("host.json", 3)
    assert finding.evidence["extension_bundle"] == "[2.*, 3.0.0)"
    for name, version in (("v4", "[4.*, 5.0.0)"), ("v4b", "[4.0.0, 5.0.0)")):
        files = {"host.json": host % version, "Tick/function.json": fn}
        assert run("FG601", tmp_path / name, files) == []
    preview = host.replace('ExtensionBundle"', 'ExtensionBundle.Preview"') % "[3.*, 4.0.0)"
    assert run("FG601", tmp_path / "pre", {"host.json": preview, "Tick/function.json": fn}) == []

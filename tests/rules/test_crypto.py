"""FG5xx rules on real loader output: positive and negative cases per format."""

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
service: orders
provider:
  name: aws
  runtime: python3.12
  environment:
    DB_PASSWORD: ${ssm:/orders/db-password}
    TABLE: orders
functions:
  api:
    handler: app.api
  worker:
    handler: app.worker
    environment:
      QUEUE: jobs
"""


def test_fg501_serverless_provider_environment_reported_once(tmp_path: Path) -> None:
    findings = run("FG501", tmp_path, {"serverless.yml": SLS})
    assert where(findings) == [("serverless.yml", 6, None)]
    assert findings[0].evidence == {"variables": ["DB_PASSWORD"], "functions": ["api", "worker"]}
    assert findings[0].advice is True


def test_fg501_negative_with_kms_key_or_no_secret(tmp_path: Path) -> None:
    with_key = SLS.replace(
        "  runtime: python3.12\n",
        "  runtime: python3.12\n  kmsKeyArn: arn:aws:kms:us-east-1:123456789012:key/1\n",
    )
    assert run("FG501", tmp_path, {"serverless.yml": with_key}) == []
    no_secret = SLS.replace("DB_PASSWORD: ${ssm:/orders/db-password}", "LOG_LEVEL: info")
    assert run("FG501", tmp_path / "b", {"serverless.yml": no_secret}) == []


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Pay:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
      Environment:
        Variables:
          API_TOKEN: "{{resolve:secretsmanager:pay/token:SecretString:token}}"
          TABLE: pay
"""


def test_fg501_sam_resolved_secret_without_key(tmp_path: Path) -> None:
    findings = run("FG501", tmp_path, {"template.yaml": SAM})
    assert [(f.location.line, f.function) for f in findings] == [(11, "Pay")]
    fixed = SAM.replace(
        "      CodeUri: src\n",
        "      CodeUri: src\n      KmsKeyArn: arn:aws:kms:us-east-1:123456789012:key/1\n",
    )
    assert run("FG501", tmp_path / "b", {"template.yaml": fixed}) == []


TF_LAMBDA = """
resource "aws_lambda_function" "api" {
  function_name = "api"
  role          = "arn:aws:iam::123456789012:role/api"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  environment {
    variables = {
      STRIPE_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    }
  }
}
"""


def test_fg501_terraform(tmp_path: Path) -> None:
    assert where(run("FG501", tmp_path, {"main.tf": TF_LAMBDA})) == [("main.tf", 9, "api")]
    fixed = TF_LAMBDA.replace(
        '  filename      = "app.zip"\n',
        '  filename      = "app.zip"\n'
        '  kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/1"\n',
    )
    assert run("FG501", tmp_path / "b", {"main.tf": fixed}) == []


CFN_BUCKETS = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Debug:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicReadWrite
      PublicAccessBlockConfiguration:
        BlockPublicAcls: false
        IgnorePublicAcls: false
        BlockPublicPolicy: true
        RestrictPublicBuckets: true
  Safe:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: alias/data
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        IgnorePublicAcls: true
        BlockPublicPolicy: true
        RestrictPublicBuckets: true
  SafePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Safe
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: [!GetAtt Safe.Arn, !Sub "${Safe.Arn}/*"]
            Condition:
              Bool:
                aws:SecureTransport: "false"
"""


def test_s3_rules_on_cloudformation(tmp_path: Path) -> None:
    files = {"template.yaml": CFN_BUCKETS}
    assert where(run("FG502", tmp_path, files)) == [("template.yaml", 3, None)]
    assert [f.evidence["bucket"] for f in run("FG503", tmp_path, files)] == ["Debug"]
    (public,) = run("FG504", tmp_path, files)
    assert (public.location.line, public.severity, public.evidence["acl"]) == (
        6,
        Severity.CRITICAL,
        "PublicReadWrite",
    )
    (pab,) = run("FG505", tmp_path, files)
    assert pab.location.line == 7
    assert pab.evidence["disabled"] == ["BlockPublicAcls", "IgnorePublicAcls"]


TF_BUCKETS = """
resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}

resource "aws_s3_bucket_acl" "site" {
  bucket = aws_s3_bucket.site.id
  acl    = "public-read"
}

resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}

resource "aws_s3_bucket_acl" "data" {
  bucket = aws_s3_bucket.data.id
  acl    = "public-read"
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
"""


def test_s3_rules_on_terraform(tmp_path: Path) -> None:
    files = {"main.tf": TF_BUCKETS}
    (public,) = run("FG504", tmp_path, files)  # the data bucket's ACL is neutralised
    assert (public.location.file, public.location.line, public.severity) == (
        "main.tf",
        7,
        Severity.HIGH,
    )
    assert [f.evidence["bucket"] for f in run("FG502", tmp_path, files)] == ["aws_s3_bucket.site"]
    assert run("FG505", tmp_path, files) == []


def test_serverless_deployment_bucket_is_left_to_fg609(tmp_path: Path) -> None:
    sls = SLS.replace(
        "  runtime: python3.12\n", "  runtime: python3.12\n  deploymentBucket:\n    name: b\n"
    )
    files = {"serverless.yml": sls}
    for rule_id in ("FG502", "FG503", "FG504", "FG505"):
        assert run(rule_id, tmp_path, files) == []
    assert where(run("FG609", tmp_path, files)) == [("serverless.yml", 5, None)]


TF_MESSAGING = """
resource "aws_sqs_queue" "plain" {
  name                    = "plain"
  sqs_managed_sse_enabled = false
}

resource "aws_sqs_queue" "default" {
  name = "default"
}

resource "aws_sqs_queue" "kms" {
  name                    = "kms"
  sqs_managed_sse_enabled = false
  kms_master_key_id       = "alias/aws/sqs"
}

resource "aws_sns_topic" "plain" {
  name = "plain"
}

resource "aws_sns_topic" "kms" {
  name              = "kms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_dynamodb_table" "plain" {
  name     = "plain"
  hash_key = "id"
}

resource "aws_dynamodb_table" "cmk" {
  name     = "cmk"
  hash_key = "id"
  server_side_encryption {
    enabled     = true
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1"
  }
}

resource "aws_kms_key" "norotate" {
  description = "x"
}

resource "aws_kms_key" "rotate" {
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "db" {
  name = "db"
}

resource "aws_secretsmanager_secret" "rotated" {
  name = "rotated"
}

resource "aws_secretsmanager_secret_rotation" "rotated" {
  secret_id           = aws_secretsmanager_secret.rotated.id
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
}
"""


def test_queue_topic_table_key_secret_rules_on_terraform(tmp_path: Path) -> None:
    files = {"main.tf": TF_MESSAGING}
    assert where(run("FG506", tmp_path, files)) == [("main.tf", 3, None)]
    assert [f.evidence["topic"] for f in run("FG507", tmp_path, files)] == ["aws_sns_topic.plain"]
    assert [f.evidence["table"] for f in run("FG508", tmp_path, files)] == [
        "aws_dynamodb_table.plain"
    ]
    assert [f.evidence["key"] for f in run("FG511", tmp_path, files)] == ["aws_kms_key.norotate"]
    assert [f.evidence["secret"] for f in run("FG510", tmp_path, files)] == [
        "aws_secretsmanager_secret.db"
    ]


CFN_MESSAGING = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Plain:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: false
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/aws/sns
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {}
  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref Secret
      RotationRules:
        AutomaticallyAfterDays: 30
"""


def test_queue_topic_key_secret_rules_on_cloudformation(tmp_path: Path) -> None:
    files = {"template.yaml": CFN_MESSAGING}
    assert where(run("FG506", tmp_path, files)) == [("template.yaml", 6, None)]
    assert run("FG507", tmp_path, files) == []
    assert where(run("FG511", tmp_path, files)) == [("template.yaml", 14, None)]
    assert run("FG510", tmp_path, files) == []


TF_DOMAIN = """
resource "aws_api_gateway_domain_name" "api" {
  domain_name     = "api.example.com"
  security_policy = "TLS_1_0"
}

resource "aws_api_gateway_domain_name" "v2" {
  domain_name     = "v2.example.com"
  security_policy = "TLS_1_2"
}
"""


def test_fg509_custom_domain_tls(tmp_path: Path) -> None:
    findings = run("FG509", tmp_path, {"api.tf": TF_DOMAIN})
    assert where(findings) == [("api.tf", 3, None)]
    assert findings[0].evidence["security_policy"] == "TLS_1_0"


SAM_DOMAIN = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Domain:
        DomainName: api.example.com
        CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/1
        SecurityPolicy: {policy}
"""


def test_fg509_sam_domain(tmp_path: Path) -> None:
    weak = {"template.yaml": SAM_DOMAIN.replace("{policy}", "TLS_1_0")}
    assert [f.location.line for f in run("FG509", tmp_path, weak)] == [7]
    strong = {"template.yaml": SAM_DOMAIN.replace("{policy}", "TLS_1_2")}
    assert run("FG509", tmp_path / "b", strong) == []


TF_AZURE = """
resource "azurerm_linux_function_app" "bad" {
  name                 = "bad-fn"
  location             = "westeurope"
  resource_group_name  = "rg"
  service_plan_id      = "plan"
  storage_account_name = "sa"
  site_config {
    minimum_tls_version = "1.0"
    ftps_state          = "AllAllowed"
  }
}

resource "azurerm_linux_function_app" "good" {
  name                 = "good-fn"
  location             = "westeurope"
  resource_group_name  = "rg"
  service_plan_id      = "plan"
  storage_account_name = "sa"
  https_only           = true
  site_config {
    minimum_tls_version = "1.2"
    ftps_state          = "Disabled"
  }
}

resource "google_cloudfunctions_function" "hook" {
  name                         = "hook"
  runtime                      = "nodejs20"
  entry_point                  = "hook"
  trigger_http                 = true
  https_trigger_security_level = "SECURE_OPTIONAL"
}

resource "google_cloudfunctions_function" "safe" {
  name                         = "safe"
  runtime                      = "nodejs20"
  entry_point                  = "safe"
  trigger_http                 = true
  https_trigger_security_level = "SECURE_ALWAYS"
}
"""


def test_azure_and_gcp_transport_rules(tmp_path: Path) -> None:
    files = {"main.tf": TF_AZURE}
    assert where(run("FG512", tmp_path, files)) == [
        ("main.tf", 1, "bad-fn"),
        ("main.tf", 31, "hook"),
    ]
    assert where(run("FG513", tmp_path, files)) == [("main.tf", 8, "bad-fn")]
    assert where(run("FG514", tmp_path, files)) == [("main.tf", 9, "bad-fn")]

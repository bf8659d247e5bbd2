"""FG1xx rules on real loader output: small projects per format, positive and negative."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from faasguard.inventory import LoadContext, build_inventory
from faasguard.model import Finding, Inventory, Severity
from faasguard.rules import get_rule


def write(tmp_path: Path, files: dict[str, str]) -> Inventory:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return build_inventory(tmp_path, LoadContext(root=tmp_path))


def run(rule_id: str, inventory: Inventory) -> list[Finding]:
    return list(get_rule(rule_id).check(inventory))


def line_of(tmp_path: Path, name: str, needle: str, nth: int = 1) -> int:
    lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines, 1) if needle in line]
    return hits[nth - 1]


SLS = """
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
{statements}
{managed}
functions:
  api:
    handler: h.api
    events:
      - httpApi: GET /orders
  worker:
    handler: h.worker
"""


def sls(statements: str, managed: str = "") -> dict[str, str]:
    body = textwrap.indent(textwrap.dedent(statements).strip("\n"), " " * 8)
    extra = ""
    if managed:
        extra = "      managedPolicies:\n" + textwrap.indent(
            textwrap.dedent(managed).strip("\n"), " " * 8
        )
    return {"serverless.yml": textwrap.dedent(SLS).format(statements=body, managed=extra)}


SAM = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Policies:
{policies}
"""


def sam(policies: str) -> dict[str, str]:
    body = textwrap.indent(textwrap.dedent(policies).strip("\n"), " " * 8)
    return {"template.yaml": textwrap.dedent(SAM).format(policies=body)}


CFN = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
{managed}
      Policies:
        - PolicyName: app
          PolicyDocument:
            Statement:
{statements}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
      Code: {{ZipFile: "def handler(e, c): pass"}}
"""


def cfn(statements: str, managed: str = "") -> dict[str, str]:
    body = textwrap.indent(textwrap.dedent(statements).strip("\n"), " " * 14)
    extra = textwrap.indent(textwrap.dedent(managed).strip("\n"), " " * 8) if managed else ""
    return {"template.yaml": textwrap.dedent(CFN).format(statements=body, managed=extra)}


TF = """
resource "aws_iam_role" "fn" {{
  name               = "fn"
  assume_role_policy = "{{}}"
}}

data "aws_iam_policy_document" "fn" {{
{statements}
}}

resource "aws_iam_role_policy" "fn" {{
  role   = aws_iam_role.fn.id
  policy = data.aws_iam_policy_document.fn.json
}}
{extra}
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  role          = aws_iam_role.fn.arn
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
}}
"""


def tf(statements: str, extra: str = "") -> dict[str, str]:
    body = textwrap.indent(textwrap.dedent(statements).strip("\n"), " " * 2)
    return {"main.tf": textwrap.dedent(TF).format(statements=body, extra=textwrap.dedent(extra))}


# -- FG101 ------------------------------------------------------------------------------------


def test_fg101_leaves_aws_managed_admin_to_fg103(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        cfn(
            """
            - Effect: Allow
              Action: dynamodb:*
              Resource: '*'
            """,
            "- arn:aws:iam::aws:policy/AdministratorAccess",
        ),
    )
    (finding,) = run("FG101", inv)
    assert finding.evidence["actions"] == ["dynamodb:*"]
    assert finding.location.line == line_of(tmp_path, "template.yaml", "- Effect: Allow", 2)
    (admin,) = run("FG103", inv)
    assert admin.severity is Severity.CRITICAL and admin.evidence["policy"] == "AdministratorAccess"


# -- FG102 ------------------------------------------------------------------------------------


def test_fg102_serverless_write_on_star(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action: [s3:PutObject, s3:DeleteObject]
              Resource: '*'
            """
        ),
    )
    (finding,) = run("FG102", inv)
    assert finding.location.file == "serverless.yml"
    assert finding.location.line == line_of(tmp_path, "serverless.yml", "- Effect: Allow")
    assert finding.severity is Severity.MEDIUM
    assert finding.function is None and finding.evidence["functions"] == ["api", "worker"]
    assert finding.evidence["granted"] == ["s3:PutObject", "s3:DeleteObject"]


def test_fg102_terraform_permissions_management_is_high(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        tf(
            """
            statement {
              actions   = ["s3:PutBucketPolicy", "s3:GetObject"]
              resources = ["arn:aws:s3:::*"]
            }
            """
        ),
    )
    (finding,) = run("FG102", inv)
    assert finding.severity is Severity.HIGH and finding.function == "fn"
    assert finding.location.line == line_of(tmp_path, "main.tf", "statement {")
    assert finding.evidence["granted"] == ["s3:PutBucketPolicy"]


def test_fg102_cloudformation_partial_wildcard(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        cfn(
            """
            - Effect: Allow
              Action: sqs:Delete*
              Resource: '*'
            """
        ),
    )
    (finding,) = run("FG102", inv)
    assert "sqs:DeleteMessage" in finding.evidence["granted"]
    assert finding.evidence["actions"] == ["sqs:Delete*"]


def test_fg102_negative_star_only_reads_scoped_and_service_wildcards(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action:
                - logs:CreateLogGroup
                - logs:PutLogEvents
                - xray:PutTraceSegments
                - cloudwatch:PutMetricData
                - ec2:Describe*
                - ec2:CreateNetworkInterface
                - s3:GetObject
                - dynamodb:Query
              Resource: '*'
            - Effect: Allow
              Action: [s3:PutObject, dynamodb:PutItem]
              Resource:
                - arn:aws:s3:::orders-bucket/*
                - arn:aws:dynamodb:us-east-1:123456789012:table/orders
            - Effect: Deny
              Action: s3:DeleteObject
              Resource: '*'
            """
        ),
    )
    assert run("FG102", inv) == []


def test_fg102_negative_sam_scoped_templates(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sam(
            """
            - AWSLambdaBasicExecutionRole
            - S3CrudPolicy:
                BucketName: !Ref Bucket
            - DynamoDBCrudPolicy:
                TableName: orders
            """
        ),
    )
    assert run("FG102", inv) == []
    assert run("FG103", inv) == []


# -- FG103 ------------------------------------------------------------------------------------


def test_fg103_sam_managed_names_and_star_templates(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sam(
            """
            - AWSLambdaBasicExecutionRole
            - AmazonDynamoDBFullAccess
            - S3CrudPolicy:
                BucketName: '*'
            - LambdaInvokePolicy:
                FunctionName: '*'
            - S3ReadPolicy:
                BucketName: !Ref Bucket
            """
        ),
    )
    got = {f.evidence["policy"]: f for f in run("FG103", inv)}
    assert set(got) == {"AmazonDynamoDBFullAccess", "S3CrudPolicy", "LambdaInvokePolicy"}
    full = got["AmazonDynamoDBFullAccess"]
    assert full.severity is Severity.HIGH and full.function == "Fn"
    assert full.location.line == line_of(tmp_path, "template.yaml", "AmazonDynamoDBFullAccess")
    crud = got["S3CrudPolicy"]
    assert crud.severity is Severity.HIGH and crud.evidence["parameters"] == ["BucketName"]
    assert "arn:aws:s3:::*" in crud.evidence["resources"]
    assert got["LambdaInvokePolicy"].severity is Severity.MEDIUM
    # the expanded `*` template is FG103's, not FG102's / FG106's
    assert run("FG102", inv) == [] and run("FG106", inv) == []


def test_fg103_serverless_terraform_and_cloudformation(tmp_path: Path) -> None:
    inv = write(
        tmp_path / "sls",
        sls(
            """
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::b/*
            """,
            "- arn:aws:iam::aws:policy/IAMFullAccess",
        ),
    )
    (finding,) = run("FG103", inv)
    assert finding.severity is Severity.CRITICAL
    assert finding.location.line == line_of(tmp_path / "sls", "serverless.yml", "IAMFullAccess")
    inv = write(
        tmp_path / "tf",
        tf(
            """
            statement {
              actions   = ["s3:GetObject"]
              resources = ["arn:aws:s3:::b/*"]
            }
            """,
            """
            resource "aws_iam_role_policy_attachment" "power" {
              role       = aws_iam_role.fn.name
              policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
            }
            """,
        ),
    )
    (finding,) = run("FG103", inv)
    assert finding.severity is Severity.CRITICAL and finding.function == "fn"
    assert finding.location.line == line_of(tmp_path / "tf", "main.tf", "PowerUserAccess")
    inv = write(
        tmp_path / "cfn",
        cfn(
            """
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::b/*
            """,
            "- arn:aws:iam::aws:policy/AmazonSQSFullAccess\n"
            "- arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
    )
    (finding,) = run("FG103", inv)
    assert finding.evidence["policy"] == "AmazonSQSFullAccess"
    assert finding.severity is Severity.HIGH


def test_fg103_negative_customer_managed_named_full_access(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        cfn(
            """
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::b/*
            """,
            "- arn:aws:iam::123456789012:policy/TeamFullAccess\n"
            "- arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        ),
    )
    assert run("FG103", inv) == []


# -- FG104 ------------------------------------------------------------------------------------


def test_fg104_not_action_and_not_resource(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              NotAction: iam:*
              Resource: '*'
            """
        ),
    )
    (finding,) = run("FG104", inv)
    assert finding.severity is Severity.HIGH
    assert finding.evidence["not_actions"] == ["iam:*"]
    assert finding.location.line == line_of(tmp_path, "serverless.yml", "- Effect: Allow")
    inv = write(
        tmp_path / "tf",
        tf(
            """
            statement {
              actions       = ["s3:GetObject"]
              not_resources = ["arn:aws:s3:::secrets/*"]
            }
            """
        ),
    )
    (finding,) = run("FG104", inv)
    assert finding.severity is Severity.MEDIUM and finding.function == "fn"
    assert finding.evidence["not_resources"] == ["arn:aws:s3:::secrets/*"]


def test_fg104_negative_deny_with_not_action(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        cfn(
            """
            - Effect: Deny
              NotAction: [s3:GetObject]
              Resource: '*'
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::b/*
            """
        ),
    )
    assert run("FG104", inv) == []


# -- FG105 ------------------------------------------------------------------------------------


def test_fg105_passrole_on_star_sam_and_condition(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sam(
            """
            - Statement:
                - Effect: Allow
                  Action: iam:PassRole
                  Resource: '*'
                - Effect: Allow
                  Action: iam:Pass*
                  Resource: arn:aws:iam::123456789012:role/*
                  Condition:
                    StringEquals:
                      iam:PassedToService: states.amazonaws.com
            """
        ),
    )
    findings = run("FG105", inv)
    assert [(f.severity, f.location.line) for f in findings] == [
        (Severity.HIGH, line_of(tmp_path, "template.yaml", "Action: iam:PassRole") - 1),
        (Severity.MEDIUM, line_of(tmp_path, "template.yaml", "Action: iam:Pass*") - 1),
    ]
    assert findings[0].function == "Fn" and findings[0].evidence["actions"] == ["iam:PassRole"]


def test_fg105_negative_scoped_passrole_and_iam_star(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        tf(
            """
            statement {
              actions   = ["iam:PassRole"]
              resources = ["arn:aws:iam::123456789012:role/sfn-worker"]
            }
            statement {
              actions   = ["iam:*"]
              resources = ["*"]
            }
            """
        ),
    )
    assert run("FG105", inv) == []  # `iam:*` is FG101's
    assert [f.evidence["actions"] for f in run("FG101", inv)] == [["iam:*"]]


# -- FG106 ------------------------------------------------------------------------------------


def test_fg106_update_code_on_every_function(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        cfn(
            """
            - Effect: Allow
              Action: [lambda:UpdateFunctionCode, lambda:InvokeFunction]
              Resource: arn:aws:lambda:*:*:function:*
            """
        ),
    )
    (finding,) = run("FG106", inv)
    assert finding.severity is Severity.HIGH and finding.function == "Fn"
    assert finding.evidence["actions"] == ["lambda:InvokeFunction", "lambda:UpdateFunctionCode"]
    assert run("FG102", inv) == []  # not reported twice


def test_fg106_invoke_only_is_medium_and_scoped_is_clean(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action: lambda:InvokeFunction
              Resource: '*'
            - Effect: Allow
              Action: lambda:UpdateFunctionCode
              Resource: arn:aws:lambda:us-east-1:123456789012:function:orders-dev-worker
            """
        ),
    )
    (finding,) = run("FG106", inv)
    assert finding.severity is Severity.MEDIUM
    assert finding.location.line == line_of(tmp_path, "serverless.yml", "- Effect: Allow")


# -- FG107 ------------------------------------------------------------------------------------


def test_fg107_wildcard_expansion_terraform(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        tf(
            """
            statement {
              actions   = ["iam:Put*"]
              resources = ["arn:aws:iam::123456789012:role/app-*"]
            }
            """
        ),
    )
    (finding,) = run("FG107", inv)
    assert finding.severity is Severity.CRITICAL and finding.function == "fn"
    assert finding.location.line == line_of(tmp_path, "main.tf", "statement {")
    assert "iam:PutRolePolicy" in finding.evidence["actions"]
    assert any("inline policy on a role" in m for m in finding.evidence["methods"])


def test_fg107_passrole_lambda_combination_serverless(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action: iam:PassRole
              Resource: arn:aws:iam::123456789012:role/deployer
            - Effect: Allow
              Action: [lambda:CreateFunction, lambda:InvokeFunction]
              Resource: arn:aws:lambda:us-east-1:123456789012:function:tmp-*
            """
        ),
    )
    (finding,) = run("FG107", inv)
    assert finding.evidence["actions"] == [
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ]
    assert finding.location.line == line_of(tmp_path, "serverless.yml", "- Effect: Allow")
    assert finding.evidence["functions"] == ["api", "worker"]
    assert [what for what, _ in finding.related if what.startswith("lambda:")] == [
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
    ]


def test_fg107_negative_partial_combo_denied_and_admin(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action: [iam:PassRole, lambda:CreateFunction, iam:GetRole, iam:ListRoles]
              Resource: '*'
            - Effect: Allow
              Action: iam:AttachRolePolicy
              Resource: '*'
            - Effect: Deny
              Action: iam:AttachRolePolicy
              Resource: '*'
            """
        ),
    )
    assert run("FG107", inv) == []
    inv = write(
        tmp_path / "admin",
        sls(
            """
            - Effect: Allow
              Action: '*'
              Resource: '*'
            """
        ),
    )
    assert run("FG107", inv) == []  # FG101 reports `*` on `*` as critical


# -- FG108 / FG109 ----------------------------------------------------------------------------


def test_fg108_shared_write_role(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action: dynamodb:PutItem
              Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
            """
        ),
    )
    (finding,) = run("FG108", inv)
    assert finding.severity is Severity.MEDIUM and not finding.advice
    assert finding.evidence["functions"] == ["api", "worker"]
    assert finding.evidence["privilege"] == "write"
    assert finding.location.line == line_of(tmp_path, "serverless.yml", "role:")
    assert run("FG109", inv) == []


def test_fg109_shared_read_role_is_advice(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        sls(
            """
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
            """
        ),
    )
    (finding,) = run("FG109", inv)
    assert finding.advice and finding.severity is Severity.LOW
    assert finding.evidence["privilege"] == "read"
    assert run("FG108", inv) == []


def test_fg108_fg109_negative_one_role_per_function(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              A:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: a.handler
                  Runtime: python3.12
                  CodeUri: src/
                  Policies:
                    - DynamoDBCrudPolicy:
                        TableName: orders
              B:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: b.handler
                  Runtime: python3.12
                  CodeUri: src/
                  Policies:
                    - DynamoDBCrudPolicy:
                        TableName: orders
            """
        },
    )
    assert run("FG108", inv) == [] and run("FG109", inv) == []


def test_fg109_external_role_shared_is_unknown_advice(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        tf(
            'statement {\n  actions = ["s3:GetObject"]\n  resources = ["arn:aws:s3:::b/*"]\n}',
            """
            resource "aws_lambda_function" "other" {
              function_name = "other"
              role          = "arn:aws:iam::123456789012:role/legacy"
              handler       = "index.handler"
              runtime       = "python3.12"
              filename      = "fn.zip"
            }

            resource "aws_lambda_function" "other2" {
              function_name = "other2"
              role          = "arn:aws:iam::123456789012:role/legacy"
              handler       = "index.handler"
              runtime       = "python3.12"
              filename      = "fn.zip"
            }
            """,
        ),
    )
    (finding,) = run("FG109", inv)
    assert finding.evidence["privilege"] == "unknown"
    assert finding.evidence["functions"] == ["other", "other2"]


# -- FG110 ------------------------------------------------------------------------------------

GCF = """
resource "google_service_account" "fn" {{
  account_id = "fn-orders"
}}

resource "google_cloudfunctions2_function" "gcf" {{
  name     = "gcf"
  location = "us-central1"
  build_config {{
    runtime     = "python312"
    entry_point = "main"
  }}
  service_config {{
{service}
  }}
}}
"""


def gcf(service: str) -> dict[str, str]:
    return {"main.tf": textwrap.dedent(GCF).format(service=service)}


def test_fg110_gcp_default_service_account(tmp_path: Path) -> None:
    inv = write(tmp_path, gcf('    available_memory = "256M"'))
    (finding,) = run("FG110", inv)
    assert finding.advice and finding.severity is Severity.LOW and finding.function == "gcf"
    assert finding.location.line == line_of(
        tmp_path, "main.tf", '"google_cloudfunctions2_function"'
    )
    inv = write(
        tmp_path / "explicit",
        gcf('    service_account_email = "1234-compute@developer.gserviceaccount.com"'),
    )
    (finding,) = run("FG110", inv)
    assert finding.severity is Severity.MEDIUM
    assert finding.location.line == line_of(
        tmp_path / "explicit", "main.tf", "service_account_email"
    )


def test_fg110_negative_dedicated_service_account(tmp_path: Path) -> None:
    inv = write(tmp_path, gcf("    service_account_email = google_service_account.fn.email"))
    assert run("FG110", inv) == []
    inv = write(
        tmp_path / "lit", gcf('    service_account_email = "fn-orders@p.iam.gserviceaccount.com"')
    )
    assert run("FG110", inv) == []


# -- FG111 / FG112 ----------------------------------------------------------------------------


def test_fg111_assume_any_role(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        cfn(
            """
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: arn:aws:iam::*:role/*
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: arn:aws:iam::123456789012:role/reporting-reader
            """
        ),
    )
    (finding,) = run("FG111", inv)
    assert finding.severity is Severity.HIGH and finding.function == "Fn"
    assert finding.evidence["resources"] == ["arn:aws:iam::*:role/*"]
    assert run("FG102", inv) == []


def test_fg112_every_secret_and_negative(tmp_path: Path) -> None:
    inv = write(
        tmp_path,
        tf(
            """
            statement {
              actions   = ["secretsmanager:GetSecretValue", "kms:Decrypt"]
              resources = ["*"]
            }
            statement {
              actions   = ["ssm:GetParameter"]
              resources = ["arn:aws:ssm:us-east-1:123456789012:parameter/orders/db"]
            }
            """
        ),
    )
    (finding,) = run("FG112", inv)
    assert finding.evidence["actions"] == ["secretsmanager:GetSecretValue", "kms:Decrypt"]
    assert finding.location.line == line_of(tmp_path, "main.tf", "statement {")
    assert run("FG102", inv) == []  # kms:Decrypt is a "write" for AWS, but FG112's here


@pytest.mark.parametrize("rule_id", [f"FG1{n:02d}" for n in range(1, 13)])
def test_iam_rules_documented_for_aws_formats(rule_id: str) -> None:
    docs = get_rule(rule_id).docs
    assert docs.what and docs.why and docs.references
    if rule_id != "FG110":
        assert {"serverless", "sam", "cloudformation", "terraform"} <= set(docs.fix)


@pytest.mark.parametrize(
    ("resource", "every"),
    [
        ("*", True),
        ("arn:aws:s3:::*", True),
        ("arn:aws:s3:::*/*", True),
        ("arn:aws:iam::*:role/*", True),
        ("arn:aws:sqs:*:*:*", True),
        ("arn:aws:dynamodb:${aws:region}:${aws:accountId}:table/*", True),
        ("arn:aws:s3:::orders/*", False),
        ("arn:aws:ssm:us-east-1:1:parameter/orders/*", False),
        ("arn:aws:lambda:us-east-1:1:function:orders-*", False),
        ("ref:Bucket.Arn/*", False),
    ],
)
def test_all_resources(resource: str, every: bool) -> None:
    from faasguard.rules.iam import all_resources

    assert all_resources(resource) is every

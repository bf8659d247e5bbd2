"""Write a large, synthetic but realistic serverless monorepo for benchmarking scanners.

The tree mixes the formats faasguard reads (serverless.yml ~40%, SAM YAML ~25%, CloudFormation
JSON ~10%, Terraform modules ~20%, Azure function.json apps ~5%) with the files every real
repository also holds and a scanner must not parse: package.json, tsconfig.json, test events,
node_modules/ trees, handler sources, README.md, CI workflows. Output is a pure function of the
arguments (fixed seed), so runs are comparable.

    python benchmarks/generate.py OUT_DIR [--templates 500] [--functions 2000] [--seed 20240611]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TEMPLATES = 500
DEFAULT_FUNCTIONS = 2000
DEFAULT_SEED = 20240611

# format -> share of templates, in the order remainders are handed out
SHARES = (
    ("serverless", 0.40),
    ("sam", 0.25),
    ("terraform", 0.20),
    ("cloudformation", 0.10),
    ("azure", 0.05),
)
DOMAINS = (
    "orders", "billing", "users", "inventory", "search", "notifications", "payments", "reports",
    "shipping", "catalog", "auth", "analytics", "media", "reviews", "loyalty", "pricing",
)  # fmt: skip
VERBS = ("get", "list", "create", "update", "delete", "process", "sync", "export", "import")
PY_RUNTIMES = ("python3.9", "python3.11", "python3.12")
NODE_RUNTIMES = ("nodejs16.x", "nodejs18.x", "nodejs20.x")
FAKE_SECRET_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass
class Stats:
    """What was written: templates per format, functions, files (templates and noise)."""

    templates: Counter[str] = field(default_factory=Counter)
    functions: Counter[str] = field(default_factory=Counter)
    template_files: Counter[str] = field(default_factory=Counter)
    noise_files: int = 0
    files: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "templates": dict(self.templates),
            "functions": dict(self.functions),
            "template_files": dict(self.template_files),
            "total_templates": sum(self.templates.values()),
            "total_functions": sum(self.functions.values()),
            "noise_files": self.noise_files,
            "files": self.files,
        }


class _Writer:
    def __init__(self, root: Path, stats: Stats) -> None:
        self.root = root
        self.stats = stats

    def write(self, rel: str, text: str, kind: str | None = None) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stats.files += 1
        if kind is None:
            self.stats.noise_files += 1
        else:
            self.stats.template_files[kind] += 1


def split_templates(total: int) -> dict[str, int]:
    """Templates per format, summing to ``total``; every format gets one when total >= 5."""
    counts = {name: int(total * share) for name, share in SHARES}
    if total >= len(SHARES):
        for name in counts:
            counts[name] = max(counts[name], 1)
    order = [name for name, _ in SHARES]
    i = 0
    while sum(counts.values()) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts.values()) > total:
        name = max(counts, key=lambda n: counts[n])
        counts[name] -= 1
    return counts


def split_functions(total: int, templates: int, rng: random.Random) -> list[int]:
    """Functions per template: each template gets at least one, the rest spread at random."""
    if templates <= 0:
        return []
    total = max(total, templates)
    sizes = [1] * templates
    for _ in range(total - templates):
        sizes[rng.randrange(templates)] += 1
    return sizes


def generate(
    out: Path,
    templates: int = DEFAULT_TEMPLATES,
    functions: int = DEFAULT_FUNCTIONS,
    seed: int = DEFAULT_SEED,
) -> Stats:
    rng = random.Random(seed)
    stats = Stats()
    writer = _Writer(Path(out), stats)
    plan = [name for name, count in split_templates(templates).items() for _ in range(count)]
    rng.shuffle(plan)
    sizes = split_functions(functions, len(plan), rng)
    makers: dict[str, Callable[[_Writer, str, int, random.Random], None]] = {
        "serverless": _serverless,
        "sam": _sam,
        "cloudformation": _cloudformation,
        "terraform": _terraform,
        "azure": _azure,
    }
    for index, (kind, size) in enumerate(zip(plan, sizes, strict=True)):
        domain = DOMAINS[index % len(DOMAINS)]
        base = f"{_group(kind)}/{domain}-{kind}-{index:04d}"
        makers[kind](writer, base, size, rng)
        stats.templates[kind] += 1
        stats.functions[kind] += size
    _repo_noise(writer, rng)
    return stats


def _group(kind: str) -> str:
    return {"terraform": "infra/modules", "azure": "azure"}.get(kind, "services")


# --------------------------------------------------------------------------- helpers


def _secret(rng: random.Random, n: int = 32) -> str:
    return "".join(rng.choice(FAKE_SECRET_CHARS) for _ in range(n))


def _fn_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(VERBS)}{rng.choice(DOMAINS).title()}{len(names)}"
        names.append(name)
    return names


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _py_handler(name: str) -> str:
    return (
        "import json\nimport os\n\nimport boto3\n\n"
        'TABLE = os.environ.get("TABLE_NAME", "")\n\n\n'
        f"def {_snake(name)}(event, context):\n"
        '    body = json.loads(event.get("body") or "{}")\n'
        '    return {"statusCode": 200, "body": json.dumps({"ok": True, "input": body})}\n'
    )


def _js_handler(name: str) -> str:
    return (
        'const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");\n'
        "const client = new DynamoDBClient({});\n\n"
        f"exports.{name} = async (event) => {{\n"
        "  return { statusCode: 200, body: JSON.stringify({ ok: true }) };\n"
        "};\n"
    )


def _service_noise(w: _Writer, base: str, names: list[str], node: bool, rng: random.Random) -> None:
    """Files every service directory has besides its template."""
    for name in names:
        if node:
            w.write(f"{base}/src/{name}.js", _js_handler(name))
        else:
            w.write(f"{base}/src/{_snake(name)}.py", _py_handler(name))
    w.write(f"{base}/README.md", f"# {base.rsplit('/', 1)[-1]}\n\nDeploy with the CI pipeline.\n")
    event = {
        "httpMethod": "POST",
        "path": "/items",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"id": rng.randrange(10_000)}),
        "requestContext": {"stage": "dev", "requestId": _secret(rng, 12)},
    }
    w.write(f"{base}/events/event.json", json.dumps(event, indent=2))
    w.write(
        f"{base}/events/sqs.json",
        json.dumps({"Records": [{"messageId": "1", "body": "{}", "eventSource": "aws:sqs"}]}),
    )
    if node:
        package = {
            "name": base.rsplit("/", 1)[-1],
            "version": "1.0.0",
            "private": True,
            "scripts": {"test": "jest", "deploy": "serverless deploy"},
            "dependencies": {"@aws-sdk/client-dynamodb": "^3.540.0"},
            "devDependencies": {"jest": "^29.7.0", "serverless": "^3.38.0"},
        }
        w.write(f"{base}/package.json", json.dumps(package, indent=2))
        w.write(
            f"{base}/tsconfig.json",
            json.dumps({"compilerOptions": {"target": "es2020", "module": "commonjs"}}, indent=2),
        )
        if rng.random() < 0.3:
            _node_modules(w, base, rng)
    else:
        w.write(f"{base}/requirements.txt", "boto3==1.34.84\naws-lambda-powertools==2.36.0\n")
        w.write(f"{base}/tests/test_handler.py", "def test_placeholder():\n    assert True\n")


def _node_modules(w: _Writer, base: str, rng: random.Random) -> None:
    """A vendored dependency tree: JSON and YAML that looks like templates but is not ours."""
    for pkg in ("@aws-sdk/client-dynamodb", "serverless-offline", "js-yaml", "aws-cdk-lib"):
        root = f"{base}/node_modules/{pkg}"
        w.write(f"{root}/package.json", json.dumps({"name": pkg, "version": "1.0.0"}))
        w.write(f"{root}/index.js", "module.exports = {};\n")
    cfn_like = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {}}},
    }
    w.write(f"{base}/node_modules/aws-cdk-lib/assets/template.json", json.dumps(cfn_like))
    w.write(
        f"{base}/node_modules/serverless-offline/serverless.yml",
        "service: offline-fixture\nprovider:\n  name: aws\n",
    )


def _repo_noise(w: _Writer, rng: random.Random) -> None:
    w.write("README.md", "# platform monorepo\n\nAll services of the platform.\n")
    w.write("package.json", json.dumps({"name": "platform", "private": True, "workspaces": []}))
    w.write(".github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: x\n")
    w.write("docker-compose.yml", "services:\n  db:\n    image: postgres:16\n")
    w.write(".gitignore", "node_modules/\n.serverless/\n.aws-sam/\n.terraform/\n")


# --------------------------------------------------------------------------- serverless.yml


def _serverless(w: _Writer, base: str, count: int, rng: random.Random) -> None:
    node = rng.random() < 0.5
    runtime = rng.choice(NODE_RUNTIMES if node else PY_RUNTIMES)
    names = _fn_names(rng, count)
    service = base.rsplit("/", 1)[-1]
    lines = [
        f"service: {service}",
        "frameworkVersion: '3'",
        "",
        "provider:",
        "  name: aws",
        f"  runtime: {runtime}",
        "  region: ${opt:region, 'eu-west-1'}",
        "  stage: ${opt:stage, 'dev'}",
        f"  memorySize: {rng.choice((128, 256, 512, 1024))}",
        f"  timeout: {rng.choice((6, 10, 30))}",
        "  tracing:",
        "    lambda: true",
        "  environment:",
        "    TABLE_NAME: ${self:service}-${sls:stage}",
        "    DB_PASSWORD: ${ssm:/" + service + "/db-password}",
    ]
    if rng.random() < 0.3:
        lines.append(f"    API_SECRET: {_secret(rng)}")
    lines += [
        "  iam:",
        "    role:",
        "      statements:",
        "        - Effect: Allow",
        "          Action:",
        "            - dynamodb:GetItem",
        "            - dynamodb:PutItem",
        "            - dynamodb:Query",
        "          Resource:",
        "            - !GetAtt ItemsTable.Arn",
    ]
    if rng.random() < 0.25:
        lines += ["        - Effect: Allow", "          Action: 's3:*'", "          Resource: '*'"]
    lines += ["", "functions:"]
    for i, name in enumerate(names):
        handler = f"src/{name}.{name}" if node else f"src/{_snake(name)}.{_snake(name)}"
        lines += [f"  {name}:", f"    handler: {handler}"]
        if rng.random() < 0.3:
            lines.append(f"    timeout: {rng.choice((30, 60, 900))}")
        lines.append("    events:")
        roll = rng.random()
        if roll < 0.55:
            method = rng.choice(("get", "post", "put", "delete"))
            lines += [
                "      - http:",
                f"          path: items/{i}",
                f"          method: {method}",
                "          cors: true",
            ]
            if rng.random() < 0.6:
                lines.append("          authorizer: aws_iam")
        elif roll < 0.8:
            lines += [
                "      - sqs:",
                "          arn: !GetAtt WorkQueue.Arn",
                "          batchSize: 10",
            ]
        else:
            lines += ["      - schedule: rate(5 minutes)"]
    lines += [
        "",
        "resources:",
        "  Resources:",
        "    ItemsTable:",
        "      Type: AWS::DynamoDB::Table",
        "      Properties:",
        "        TableName: ${self:service}-${sls:stage}",
        "        BillingMode: PAY_PER_REQUEST",
        "        AttributeDefinitions:",
        "          - AttributeName: pk",
        "            AttributeType: S",
        "        KeySchema:",
        "          - AttributeName: pk",
        "            KeyType: HASH",
        "    WorkQueue:",
        "      Type: AWS::SQS::Queue",
        "      Properties:",
        "        VisibilityTimeout: 60",
        "",
    ]
    w.write(f"{base}/serverless.yml", "\n".join(lines), "serverless")
    _service_noise(w, base, names, node, rng)


# --------------------------------------------------------------------------- SAM


def _sam(w: _Writer, base: str, count: int, rng: random.Random) -> None:
    node = rng.random() < 0.4
    runtime = rng.choice(NODE_RUNTIMES if node else PY_RUNTIMES)
    names = _fn_names(rng, count)
    lines = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Transform: AWS::Serverless-2016-10-31",
        f"Description: {base.rsplit('/', 1)[-1]} service",
        "",
        "Parameters:",
        "  Stage:",
        "    Type: String",
        "    Default: dev",
        "",
        "Globals:",
        "  Function:",
        f"    Runtime: {runtime}",
        f"    Timeout: {rng.choice((3, 10, 30))}",
        "    Tracing: Active",
        "    Environment:",
        "      Variables:",
        "        TABLE_NAME: !Ref DataTable",
        "        STAGE: !Ref Stage",
        "",
        "Resources:",
    ]
    for i, name in enumerate(names):
        handler = f"{name}.{name}" if node else f"{_snake(name)}.{_snake(name)}"
        lines += [
            f"  {name}Function:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            "      CodeUri: src/",
            f"      Handler: {handler}",
            f"      MemorySize: {rng.choice((128, 512, 1024))}",
            "      Environment:",
            "        Variables:",
            "          API_KEY: '{{resolve:ssm:/app/api-key}}'",
        ]
        if rng.random() < 0.2:
            lines.append(f"          SIGNING_SECRET: {_secret(rng)}")
        lines += [
            "      Policies:",
            "        - DynamoDBCrudPolicy:",
            "            TableName: !Ref DataTable",
        ]
        if rng.random() < 0.15:
            lines += ["        - AdministratorAccess"]
        lines += ["      Events:"]
        if rng.random() < 0.6:
            lines += [
                "        Api:",
                "          Type: Api",
                "          Properties:",
                f"            Path: /{name.lower()}/{i}",
                f"            Method: {rng.choice(('get', 'post'))}",
            ]
        else:
            lines += [
                "        Queue:",
                "          Type: SQS",
                "          Properties:",
                "            Queue: !GetAtt JobsQueue.Arn",
            ]
    lines += [
        "  DataTable:",
        "    Type: AWS::Serverless::SimpleTable",
        "  JobsQueue:",
        "    Type: AWS::SQS::Queue",
        "  AssetsBucket:",
        "    Type: AWS::S3::Bucket",
        "    Properties:",
        "      VersioningConfiguration:",
        "        Status: Enabled",
        "",
        "Outputs:",
        "  TableName:",
        "    Value: !Ref DataTable",
        "",
    ]
    w.write(f"{base}/template.yaml", "\n".join(lines), "sam")
    w.write(
        f"{base}/samconfig.toml", 'version = 0.1\n[default.deploy.parameters]\nstack_name = "x"\n'
    )
    _service_noise(w, base, names, node, rng)


# --------------------------------------------------------------------------- CloudFormation JSON


def _cloudformation(w: _Writer, base: str, count: int, rng: random.Random) -> None:
    names = _fn_names(rng, count)
    resources: dict[str, object] = {
        "LambdaRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                ],
                "Policies": [
                    {
                        "PolicyName": "data",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": ["s3:GetObject", "s3:PutObject"],
                                    "Resource": {"Fn::Sub": "${DataBucket.Arn}/*"},
                                }
                            ],
                        },
                    }
                ],
            },
        },
        "DataBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
                    ]
                }
            },
        },
    }
    for name in names:
        env = {"BUCKET": {"Ref": "DataBucket"}}
        if rng.random() < 0.25:
            env["DB_PASSWORD"] = _secret(rng, 20)
        resources[f"{name}Function"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": rng.choice(PY_RUNTIMES),
                "Handler": f"{_snake(name)}.{_snake(name)}",
                "Role": {"Fn::GetAtt": ["LambdaRole", "Arn"]},
                "Code": {"S3Bucket": "artifacts-bucket", "S3Key": f"{name}.zip"},
                "Timeout": rng.choice((10, 30, 300)),
                "Environment": {"Variables": env},
            },
        }
        if rng.random() < 0.4:
            resources[f"{name}Url"] = {
                "Type": "AWS::Lambda::Url",
                "Properties": {
                    "TargetFunctionArn": {"Fn::GetAtt": [f"{name}Function", "Arn"]},
                    "AuthType": rng.choice(("NONE", "AWS_IAM")),
                },
            }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{base.rsplit('/', 1)[-1]} (CloudFormation)",
        "Resources": resources,
    }
    w.write(f"{base}/cloudformation.json", json.dumps(template, indent=2), "cloudformation")
    _service_noise(w, base, names, False, rng)


# --------------------------------------------------------------------------- Terraform


def _terraform(w: _Writer, base: str, count: int, rng: random.Random) -> None:
    names = [_snake(n) for n in _fn_names(rng, count)]
    module = base.rsplit("/", 1)[-1].replace("-", "_")
    main = [
        'data "aws_iam_policy_document" "assume" {',
        "  statement {",
        '    actions = ["sts:AssumeRole"]',
        "    principals {",
        '      type        = "Service"',
        '      identifiers = ["lambda.amazonaws.com"]',
        "    }",
        "  }",
        "}",
        "",
        'resource "aws_iam_role" "lambda" {',
        f'  name               = "{module}-lambda"',
        "  assume_role_policy = data.aws_iam_policy_document.assume.json",
        "}",
        "",
        'resource "aws_iam_role_policy" "data" {',
        "  role = aws_iam_role.lambda.id",
        "  policy = jsonencode({",
        '    Version = "2012-10-17"',
        "    Statement = [{",
        '      Effect   = "Allow"',
        f"      Action   = {json.dumps(rng.choice((['sqs:*'], ['sqs:SendMessage'])))}",
        "      Resource = aws_sqs_queue.jobs.arn",
        "    }]",
        "  })",
        "}",
        "",
        'resource "aws_sqs_queue" "jobs" {',
        f'  name                    = "{module}-jobs"',
        "  sqs_managed_sse_enabled = true",
        "}",
        "",
    ]
    for name in names:
        env = ["      QUEUE_URL = aws_sqs_queue.jobs.url", "      STAGE     = var.stage"]
        if rng.random() < 0.2:
            env.append(f'      API_TOKEN = "{_secret(rng)}"')
        main += [
            f'resource "aws_lambda_function" "{name}" {{',
            f'  function_name = "${{var.prefix}}-{name}"',
            "  role          = aws_iam_role.lambda.arn",
            f'  handler       = "{name}.handler"',
            f'  runtime       = "{rng.choice(PY_RUNTIMES)}"',
            f'  filename      = "${{path.module}}/build/{name}.zip"',
            f"  timeout       = {rng.choice((10, 30, 60))}",
            f"  memory_size   = {rng.choice((128, 256, 512))}",
            "",
            "  environment {",
            "    variables = {",
            *env,
            "    }",
            "  }",
            "",
            "  tracing_config {",
            '    mode = "Active"',
            "  }",
            "}",
            "",
        ]
        if rng.random() < 0.3:
            main += [
                f'resource "aws_lambda_function_url" "{name}" {{',
                f"  function_name      = aws_lambda_function.{name}.function_name",
                f'  authorization_type = "{rng.choice(("NONE", "AWS_IAM"))}"',
                "}",
                "",
            ]
    variables = (
        'variable "prefix" {\n  type    = string\n  default = "platform"\n}\n\n'
        'variable "stage" {\n  type    = string\n  default = "dev"\n}\n'
    )
    outputs = 'output "queue_url" {\n  value = aws_sqs_queue.jobs.url\n}\n'
    w.write(f"{base}/main.tf", "\n".join(main), "terraform")
    w.write(f"{base}/variables.tf", variables, "terraform")
    w.write(f"{base}/outputs.tf", outputs, "terraform")
    w.write(f"{base}/README.md", f"# module {module}\n")
    for name in names:
        w.write(f"{base}/src/{name}.py", _py_handler(name))


# --------------------------------------------------------------------------- Azure Functions


def _azure(w: _Writer, base: str, count: int, rng: random.Random) -> None:
    names = _fn_names(rng, count)
    host = {
        "version": "2.0",
        "functionTimeout": rng.choice(("00:05:00", "00:10:00", "-1")),
        "logging": {"logLevel": {"default": "Information"}},
        "extensions": {"http": {"routePrefix": "api"}},
        "extensionBundle": {
            "id": "Microsoft.Azure.Functions.ExtensionBundle",
            "version": "[4.*, 5.0.0)",
        },
    }
    w.write(f"{base}/host.json", json.dumps(host, indent=2), "azure")
    settings = {
        "IsEncrypted": False,
        "Values": {
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "AzureWebJobsStorage": (
                "DefaultEndpointsProtocol=https;AccountName=sa"
                f"{rng.randrange(10**6)};AccountKey={_secret(rng, 64)}==;"
                "EndpointSuffix=core.windows.net"
            ),
            "API_KEY": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/api-key/)",
            "JOBS_QUEUE": "jobs",
        },
    }
    w.write(f"{base}/local.settings.json", json.dumps(settings, indent=2), "azure")
    for name in names:
        if rng.random() < 0.6:
            trigger = {
                "authLevel": rng.choice(("anonymous", "function", "function", "admin")),
                "type": "httpTrigger",
                "direction": "in",
                "name": "req",
                "methods": rng.choice((["get"], ["post"], ["get", "post"])),
                "route": f"{name.lower()}/{{id?}}",
            }
            bindings = [trigger, {"type": "http", "direction": "out", "name": "$return"}]
        else:
            bindings = [
                {
                    "name": "msg",
                    "type": "queueTrigger",
                    "direction": "in",
                    "queueName": "%JOBS_QUEUE%",
                    "connection": "AzureWebJobsStorage",
                }
            ]
        doc = {"scriptFile": "__init__.py", "bindings": bindings}
        w.write(f"{base}/{name}/function.json", json.dumps(doc, indent=2), "azure")
        w.write(
            f"{base}/{name}/__init__.py",
            "import azure.functions as func\n\n\ndef main(req: func.HttpRequest):\n"
            '    return func.HttpResponse("ok")\n',
        )
    w.write(f"{base}/requirements.txt", "azure-functions\n")
    w.write(f"{base}/README.md", "# Azure Functions app\n")


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write (created; must be empty)")
    parser.add_argument("--templates", type=int, default=DEFAULT_TEMPLATES)
    parser.add_argument("--functions", type=int, default=DEFAULT_FUNCTIONS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.templates < 1 or args.functions < 1:
        parser.error("--templates and --functions must be at least 1")
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    stats = generate(args.out, args.templates, args.functions, args.seed)
    json.dump(stats.to_dict(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

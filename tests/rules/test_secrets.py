"""FG4xx rules on real loader output: positive and negative cases per format."""

from __future__ import annotations

import textwrap
from pathlib import Path

from faasguard.model import Finding, Severity
from tests.rules._scan import run as _run


def run(rule_id: str, root: Path, files: dict[str, str]) -> list[Finding]:
    return _run(rule_id, root, {k: textwrap.dedent(v) for k, v in files.items()})


HOST = '{"version": "2.0"}\n'
SETTINGS = """
{
  "IsEncrypted": false,
  "Values": {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "FUNCTIONS_WORKER_RUNTIME": "python",
    "PAYMENTS_API_KEY": "pk-live-9f8a7b6c5d4e3f2a1b0c",
    "PAYMENTS_KV": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/pay/)"
  },
  "ConnectionStrings": {
    "Sql": "Server=tcp:x.database.windows.net;Database=db;User ID=app;Password=Sup3rS3cret!;"
  }
}
"""


def test_fg402_local_settings_of_an_app_without_functions(tmp_path: Path) -> None:
    findings = run("FG402", tmp_path, {"host.json": HOST, "local.settings.json": SETTINGS})
    got = {(f.evidence["setting"], f.location.file, f.location.line, f.severity) for f in findings}
    assert got == {
        ("PAYMENTS_API_KEY", "local.settings.json", 6, Severity.MEDIUM),
        ("ConnectionStrings:Sql", "local.settings.json", 10, Severity.HIGH),
    }
    assert all("Sup3r" not in f.message for f in findings)


def test_fg402_leaves_settings_used_by_functions_to_fg401(tmp_path: Path) -> None:
    files = {
        "host.json": HOST,
        "local.settings.json": SETTINGS,
        "Hello/function.json": '{"bindings": [{"type": "httpTrigger", "direction": "in",'
        ' "name": "req", "authLevel": "function"}], "scriptFile": "__init__.py"}\n',
        "Hello/__init__.py": "def main(req):\n    return 'hi'\n",
    }
    assert run("FG402", tmp_path, files) == []
    fg401 = {f.evidence["variable"] for f in run("FG401", tmp_path, files)}
    assert fg401 == {"PAYMENTS_API_KEY", "ConnectionStrings:Sql"}  # not the emulator setting


def test_fg401_negative_secret_arns_in_the_environment(tmp_path: Path) -> None:
    # The fix FG401 recommends (pass the secret's ARN, read it at run time) is not a finding,
    # even though a long ARN is a high-entropy string.
    sam = """
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          StripeSecretArn:
            Type: String
            Default: arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/stripe-AbCdEf
        Resources:
          Pay:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.13
              Handler: app.handler
              Environment:
                Variables:
                  STRIPE_SECRET_ARN: !Ref StripeSecretArn
                  DB_SECRET: arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/db-GhIjKl
                  TOKEN: "9f8a7b6c5d4e3f2a1b0cZ9Y8X7W6V5U4T3S2R1Q0"
        """
    got = {f.evidence["variable"] for f in run("FG401", tmp_path, {"template.yaml": sam})}
    assert got == {"TOKEN"}


TF_VARS = """
variable "db_password" {
  type      = string
  sensitive = true
  default   = "Thumbs-DB-Passw0rd-2024!"
}

variable "signing" {
  sensitive = true
  default   = "q8Zr2LmN4vTx9KpW"
}

variable "stripe_key" {
  default = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
}

variable "api_token" {
  sensitive = true
}

variable "db_password_arn" {
  default = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
}

variable "region" {
  default = "us-east-1"
}

variable "admin_password" {
  default = "changeme"
}
"""


def test_fg403_terraform_variable_defaults(tmp_path: Path) -> None:
    findings = run("FG403", tmp_path, {"variables.tf": TF_VARS})
    got = [(f.evidence["variable"], f.location.file, f.location.line, f.severity) for f in findings]
    assert got == [
        ("var.db_password", "variables.tf", 4, Severity.MEDIUM),
        ("var.signing", "variables.tf", 9, Severity.MEDIUM),
        ("var.stripe_key", "variables.tf", 13, Severity.HIGH),
    ]
    assert findings[1].evidence["sensitive"] is True


def test_fg403_negative_no_defaults_pointers_placeholders(tmp_path: Path) -> None:
    text = TF_VARS.split('variable "api_token"')[1]
    assert run("FG403", tmp_path, {"variables.tf": 'variable "api_token"' + text}) == []


CFN_PARAMS = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
    Default: hunter2-staging
  Opaque:
    Type: String
    NoEcho: true
    Default: x9Kq2mLp7Rt
  ApiKeyParam:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /orders/api-key
  UserPoolArn:
    Type: String
    Default: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI1234567
  Stage:
    Type: String
    Default: prod
  AdminToken:
    Type: String
    NoEcho: true
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
"""


def test_fg404_parameter_defaults(tmp_path: Path) -> None:
    findings = run("FG404", tmp_path, {"template.yaml": CFN_PARAMS})
    got = [(f.evidence["parameter"], f.location.line, f.evidence["no_echo"]) for f in findings]
    assert got == [("DbPassword", 7, True), ("Opaque", 11, True)]
    assert all(f.location.file == "template.yaml" for f in findings)


def test_fg404_negative_without_secret_defaults(tmp_path: Path) -> None:
    text = CFN_PARAMS.replace("Default: hunter2-staging", "Description: set at deploy")
    text = text.replace("Default: x9Kq2mLp7Rt", "Description: opaque")
    assert run("FG404", tmp_path, {"template.yaml": text}) == []

"""FG4xx: credentials written where they should be referenced."""

from __future__ import annotations

import re
from collections.abc import Iterator

from faasguard.model import (
    Category,
    EnvVar,
    Finding,
    Function,
    Inventory,
    Location,
    Severity,
    ValueOrigin,
)
from faasguard.rules._registry import Docs, rule
from faasguard.rules._secret_patterns import SecretMatch, find_secret


def redact(value: str) -> str:
    return value[:3] + "…" + f"({len(value)} chars)" if len(value) > 6 else "…"


@rule(
    "FG401",
    "Plaintext secret in function environment",
    Severity.HIGH,
    Category.SECRETS,
    Docs(
        what="An environment variable or app setting whose literal value is a credential: a "
        "provider key format (AWS access key, private key, GitHub/Slack/Stripe token, Azure "
        "storage key, connection string with a password), a high-entropy string, or a value "
        "given to a variable named like a secret (DB_PASSWORD, API_KEY...). Values taken from "
        "SSM Parameter Store, Secrets Manager, Key Vault or Secret Manager are the fix and are "
        "never flagged; values from template parameters are flagged only when their default is "
        "a secret.",
        why="Environment values are stored in the template, in version control, in the "
        "deployment bucket and in the function's configuration, where anyone with "
        "lambda:GetFunctionConfiguration (or read access to the repository) can read them.",
        fix={
            "serverless": "Use `${ssm:/path/to/secret}` or fetch the secret at run time from "
            "Secrets Manager; keep only the parameter name in the environment.",
            "sam": "Use `{{resolve:secretsmanager:name:SecretString:key}}` or pass the secret "
            "ARN and read it at run time.",
            "terraform": "Read it from aws_secretsmanager_secret_version / a sensitive variable "
            "without a default, or pass the ARN.",
            "azure": "Use a Key Vault reference: @Microsoft.KeyVault(SecretUri=...).",
        },
        example="environment:\n  DB_PASSWORD: hunter2-prod-2024",
        references=("https://cwe.mitre.org/data/definitions/798.html",),
    ),
    cwe=798,
)
def plaintext_env_secret(inventory: Inventory) -> Iterator[Finding]:
    # One finding per written value: an app setting shared by every function of an Azure app, or
    # a provider-level serverless variable, is one secret in one place.
    users: dict[tuple[Location, str], list[tuple[Function, EnvVar]]] = {}
    for fn in inventory.functions:
        for var in fn.environment:
            if var.origin not in (ValueOrigin.LITERAL, ValueOrigin.PARAMETER) or not var.value:
                continue
            if not is_public_dev_value(var.value):
                users.setdefault((var.location, var.name), []).append((fn, var))
    for (location, name), pairs in users.items():
        var = pairs[0][1]
        match = find_secret(name, var.value or "")
        if match is None:
            continue
        functions = [fn for fn, _ in pairs]
        names = ", ".join(fn.name for fn in functions)
        yield plaintext_env_secret.finding(
            f"{name} holds a plaintext {match.kind} ({redact(var.value or '')}), in the "
            f"environment of {names}",
            location,
            functions=functions,
            evidence={
                "variable": name,
                "kind": match.kind,
                "confidence": match.confidence,
                "origin": var.origin.value,
            },
            key=name,
            severity=Severity.HIGH if match.confidence == "high" else Severity.MEDIUM,
        )


# Well-known public development credentials (Azurite / the storage emulator): not secrets.
_PUBLIC_DEV_VALUES = ("UseDevelopmentStorage=true", "devstoreaccount1")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_POINTER = re.compile(r"^(?:arn:|/|ssm:|https?://[^@\s]*$)\S*$")


def is_public_dev_value(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in _PUBLIC_DEV_MARKERS)


_PUBLIC_DEV_MARKERS = tuple(marker.lower() for marker in _PUBLIC_DEV_VALUES)


def _secret_default(name: str, value: str, flagged: bool) -> SecretMatch | None:
    """A credential written as the default of a parameter / variable called ``name``.

    ``flagged``: the author marked it secret (NoEcho, sensitive = true), so any real-looking
    value counts, whatever the name.
    """
    if is_public_dev_value(value) or _POINTER.match(value.strip()):
        return None  # a development value, or a pointer to where the secret lives (ARN, path)
    snake = _CAMEL.sub("_", name)
    match = find_secret(snake, value)
    if match is None and flagged:
        match = find_secret("SECRET", value)
        if match is not None:
            match = SecretMatch("value of a parameter marked secret", "medium")
    return match


# --------------------------------------------------------------------------- FG402


@rule(
    "FG402",
    "Plaintext secret in Azure local.settings.json",
    Severity.MEDIUM,
    Category.SECRETS,
    Docs(
        what="A credential in the `Values` or `ConnectionStrings` of an Azure Functions "
        "local.settings.json that no function of the scan uses (settings used by a function "
        "are reported by FG401). The storage emulator's public development key "
        "(`UseDevelopmentStorage=true`, devstoreaccount1) is not a secret and is ignored.",
        why="local.settings.json is meant to stay on a developer machine (it is in the default "
        ".gitignore); once committed, every credential in it is readable by anyone with the "
        "repository, and usually works against the real environment.",
        fix={
            "azure": "Remove the file from version control (git rm --cached, .gitignore), "
            "rotate the credential, and use Key Vault references "
            "(@Microsoft.KeyVault(SecretUri=...)) or `func settings add` locally.",
        },
        example='"ConnectionStrings": {"Sql": "Server=...;User ID=app;Password=S3cret!"}',
        references=(
            "https://learn.microsoft.com/azure/azure-functions/functions-develop-local#local-settings-file",
            "https://cwe.mitre.org/data/definitions/798.html",
        ),
    ),
    cwe=798,
)
def local_settings_secret(inventory: Inventory) -> Iterator[Finding]:
    used = {(var.location, var.name) for fn in inventory.functions for var in fn.environment}
    for res in inventory.resources:
        if res.kind != "azure-function-app":
            continue
        for var in res.settings.get("app_settings") or ():
            if not isinstance(var, EnvVar) or (var.location, var.name) in used:
                continue
            if var.origin is not ValueOrigin.LITERAL or not var.value:
                continue
            if is_public_dev_value(var.value):
                continue
            match = find_secret(var.name.split(":")[-1], var.value)
            if match is None:
                continue
            yield local_settings_secret.finding(
                f"{var.name} holds a plaintext {match.kind} ({redact(var.value)}) in the "
                f"settings of app {res.name}",
                var.location,
                evidence={"setting": var.name, "kind": match.kind, "app": res.name},
                key=f"{res.name}:{var.name}",
                severity=Severity.HIGH if match.confidence == "high" else None,
            )


# --------------------------------------------------------------------------- FG403


@rule(
    "FG403",
    "Secret in a Terraform variable default",
    Severity.HIGH,
    Category.SECRETS,
    Docs(
        what="A Terraform variable whose `default` is a credential: a provider key format, a "
        "real-looking value for a variable named like a secret (db_password, api_token...), or "
        "any real-looking value of a variable marked `sensitive = true`.",
        why="A default is written in the .tf file, so it is in version control and applies "
        "whenever nobody overrides it; `sensitive = true` only hides it from plan output.",
        fix={
            "terraform": "Remove the default; pass the value through TF_VAR_x from a secret "
            "store in CI, or read it with data.aws_secretsmanager_secret_version / "
            "azurerm_key_vault_secret / google_secret_manager_secret_version.",
        },
        example='variable "db_password" {\n  sensitive = true\n  default   = "Passw0rd-2024"\n}',
        references=(
            "https://developer.hashicorp.com/terraform/tutorials/configuration-language/sensitive-variables",
            "https://cwe.mitre.org/data/definitions/798.html",
        ),
    ),
    cwe=798,
)
def terraform_variable_secret(inventory: Inventory) -> Iterator[Finding]:
    for res in inventory.resources:
        if res.kind != "tf-variable":
            continue
        default = str(res.settings.get("default") or "")
        sensitive = res.settings.get("sensitive") is True
        name = res.name.rsplit("var.", 1)[-1]
        match = _secret_default(name, default, sensitive)
        if match is None:
            continue
        yield terraform_variable_secret.finding(
            f"variable {name} has a plaintext {match.kind} as its default ({redact(default)})",
            res.where("default"),
            evidence={"variable": res.name, "kind": match.kind, "sensitive": sensitive},
            key=res.name,
            severity=None if match.confidence == "high" else Severity.MEDIUM,
        )


# --------------------------------------------------------------------------- FG404


@rule(
    "FG404",
    "Secret in a CloudFormation parameter default",
    Severity.HIGH,
    Category.SECRETS,
    Docs(
        what="A CloudFormation/SAM template parameter whose `Default` is a credential: a "
        "provider key format, a real-looking value for a parameter named like a secret "
        "(DbPassword, ApiToken...), or any real-looking default of a `NoEcho: true` "
        "parameter. SSM parameter types (AWS::SSM::Parameter::Value<...>) hold a parameter "
        "name, not a secret, and are skipped.",
        why="NoEcho masks the value in the console and API, but a Default is written in the "
        "template, in version control and in the deployment bucket.",
        fix={
            "sam": "Remove the Default; use {{resolve:secretsmanager:...}} or "
            "{{resolve:ssm-secure:...}} where the value is needed, or pass it at deploy time "
            "from a secret store.",
            "cloudformation": "Remove the Default; use a dynamic reference "
            "{{resolve:secretsmanager:...}}.",
        },
        example="Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n"
        "    Default: hunter2-prod",
        references=(
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html",
            "https://cwe.mitre.org/data/definitions/798.html",
        ),
    ),
    cwe=798,
)
def parameter_default_secret(inventory: Inventory) -> Iterator[Finding]:
    for res in inventory.resources:
        if res.kind != "parameter" or str(res.settings.get("type") or "").startswith("AWS::SSM"):
            continue
        default = str(res.settings.get("default") or "")
        no_echo = res.settings.get("no_echo") is True
        match = _secret_default(res.name, default, no_echo)
        if match is None:
            continue
        yield parameter_default_secret.finding(
            f"parameter {res.name} has a plaintext {match.kind} as its Default ({redact(default)})",
            res.where("default"),
            evidence={"parameter": res.name, "kind": match.kind, "no_echo": no_echo},
            key=res.name,
            severity=None if match.confidence == "high" else Severity.MEDIUM,
        )

"""FG4xx: credentials written where they should be referenced."""

from __future__ import annotations

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
from faasguard.rules._secret_patterns import find_secret


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
            if var.origin in (ValueOrigin.LITERAL, ValueOrigin.PARAMETER) and var.value:
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
            function=functions[0] if len(functions) == 1 else None,
            evidence={
                "variable": name,
                "kind": match.kind,
                "confidence": match.confidence,
                "origin": var.origin.value,
                "functions": [fn.name for fn in functions],
            },
            related=[("function", fn.location) for fn in functions[:10]],
            key=name,
            severity=Severity.HIGH if match.confidence == "high" else Severity.MEDIUM,
        )

"""Hand-built inventories for rule and report tests (loaders have their own tests)."""

from __future__ import annotations

from faasguard.model import (
    AuthKind,
    Diagnostic,
    DiagnosticLevel,
    EnvVar,
    Function,
    Inventory,
    Location,
    Policy,
    PolicyKind,
    Provider,
    Role,
    SourceFile,
    SourceFormat,
    Statement,
    Trigger,
    TriggerKind,
    ValueOrigin,
)

F = "api/serverless.yml"


def loc(line: int, file: str = F) -> Location:
    return Location(file, line, 5)


def sample_inventory() -> Inventory:
    role = Role(
        "orders-dev-lambdaRole",
        loc(10),
        policies=(
            Policy(
                "provider.iam.role.statements",
                PolicyKind.INLINE,
                loc(12),
                statements=(
                    Statement("Allow", loc(13), actions=("dynamodb:*",), resources=("*",)),
                    Statement(
                        "Allow", loc(16), actions=("s3:GetObject",), resources=("arn:aws:s3:::b/*",)
                    ),
                    Statement("Deny", loc(19), actions=("*",), resources=("*",)),
                ),
            ),
        ),
    )
    env = (
        EnvVar("DB_PASSWORD", "Sup3r-Secret-Pa55", ValueOrigin.LITERAL, loc(30)),
        EnvVar("API_TOKEN", None, ValueOrigin.SSM, loc(31), "${ssm:/orders/token}"),
        EnvVar("TABLE_NAME", "orders-dev", ValueOrigin.LITERAL, loc(32)),
        EnvVar("AWS_KEY", "AKIAIOSFODNN7EXAMPLE", ValueOrigin.LITERAL, loc(33)),
    )
    get_orders = Function(
        "getOrders",
        Provider.AWS,
        SourceFormat.SERVERLESS,
        loc(40),
        runtime="python3.8",
        environment=env,
        role=role,
        triggers=(
            Trigger(
                TriggerKind.HTTP_REST,
                loc(44),
                AuthKind.NONE,
                public=True,
                method="GET",
                path="/orders",
            ),
            Trigger(
                TriggerKind.HTTP_REST,
                loc(47),
                AuthKind.NONE,
                public=True,
                method="OPTIONS",
                path="/orders",
            ),
            Trigger(
                TriggerKind.HTTP_REST,
                loc(49),
                AuthKind.COGNITO,
                public=True,
                method="POST",
                path="/orders",
            ),
            Trigger(TriggerKind.FUNCTION_URL, loc(52), AuthKind.NONE, public=True),
        ),
        locations={"runtime": loc(41)},
    )
    worker = Function(
        "worker",
        Provider.AWS,
        SourceFormat.SERVERLESS,
        loc(60),
        runtime="python3.13",
        tracing="Active",
        role=role,
        triggers=(Trigger(TriggerKind.SQS, loc(63), AuthKind.SERVICE, public=False, source="q"),),
    )
    private_api = Function(
        "internal",
        Provider.AWS,
        SourceFormat.SERVERLESS,
        loc(70),
        runtime="python3.13",
        triggers=(
            Trigger(
                TriggerKind.HTTP_REST,
                loc(72),
                AuthKind.NONE,
                public=False,
                method="GET",
                path="/internal",
            ),
        ),
    )
    return Inventory(
        root="/tmp/project",
        functions=(get_orders, worker, private_api),
        roles=(role,),
        files=(SourceFile(F, "serverless", 900), SourceFile("bad.yaml", "cloudformation", 10)),
        diagnostics=(
            Diagnostic(
                DiagnosticLevel.ERROR,
                "parse-error",
                "invalid YAML: bad indent",
                Location("bad.yaml", 3, 2),
            ),
            Diagnostic(
                DiagnosticLevel.WARNING, "unresolved", "${cf:other.Output} not resolved", loc(80)
            ),
        ),
    )

"""FG1xx: what a function's execution role allows."""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.model import (
    Category,
    Finding,
    Function,
    Inventory,
    Location,
    Role,
    Severity,
    Statement,
)
from faasguard.rules._registry import Docs, rule


def _wildcards(statement: Statement) -> list[str]:
    return [a for a in statement.actions if a == "*" or a.endswith(":*")]


@rule(
    "FG101",
    "Execution role allows wildcard actions",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An Allow statement in a function's execution role whose Action is `*` or "
        "`service:*`.",
        why="A function holding `dynamodb:*` can drop tables, change billing and read every item "
        "it reaches; `*` makes the function an administrator. If an attacker gets code "
        "execution or injects a request (the usual serverless compromise), they inherit all of "
        "it. Least privilege keeps the blast radius to what the code really calls.",
        fix={
            "serverless": "List the actions the handler calls in provider.iam.role.statements "
            "(e.g. dynamodb:GetItem, dynamodb:PutItem) on the table ARN.",
            "sam": "Use a scoped SAM policy template (DynamoDBReadPolicy, S3CrudPolicy) or "
            "inline statements with explicit actions.",
            "cloudformation": "Replace the wildcard in the role's PolicyDocument.",
            "terraform": 'Replace `actions = ["s3:*"]` in the aws_iam_policy_document with '
            "the calls the function makes.",
        },
        example="provider:\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n"
        "          Action: 'dynamodb:*'\n          Resource: '*'",
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
            "https://cwe.mitre.org/data/definitions/269.html",
        ),
    ),
    cwe=269,
)
def wildcard_actions(inventory: Inventory) -> Iterator[Finding]:
    for role, users in roles_with_users(inventory):
        owner: Function | None = users[0] if len(users) == 1 else None
        for policy in role.policies:
            for statement in policy.statements:
                actions = _wildcards(statement) if statement.allows else []
                if not actions:
                    continue
                severity = Severity.CRITICAL if "*" in actions else Severity.HIGH
                names = ", ".join(fn.name for fn in users) or "no function found"
                yield wildcard_actions.finding(
                    f"role {role.name} (used by {names}) allows {', '.join(actions)} on "
                    f"{', '.join(statement.resources) or 'NotResource'}",
                    statement.location,
                    function=owner,
                    evidence={
                        "role": role.name,
                        "actions": actions,
                        "resources": list(statement.resources),
                        "policy": policy.name,
                    },
                    related=[("role", role.location), ("policy", policy.location)],
                    key=f"{role.name}/{policy.name}/{'|'.join(actions)}",
                    severity=severity,
                )


def roles_with_users(inventory: Inventory) -> list[tuple[Role, list[Function]]]:
    """Every role, declared or attached, with the functions that run under it."""
    table: dict[tuple[str, Location], tuple[Role, list[Function]]] = {}
    for role in inventory.roles:
        table.setdefault((role.name, role.location), (role, []))
    for fn in inventory.functions:
        if fn.role is not None:
            table.setdefault((fn.role.name, fn.role.location), (fn.role, []))[1].append(fn)
    return list(table.values())

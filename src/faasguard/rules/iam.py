"""FG1xx: what a function's execution role allows.

Findings point at the statement (or the managed policy item) that grants the permission and name
the role and every function running under it; a role shared by several functions is reported
once, with ``function`` set only when a single function uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from faasguard._memo import per_inventory
from faasguard.model import (
    Category,
    Finding,
    Function,
    Inventory,
    Location,
    Policy,
    PolicyKind,
    Provider,
    Role,
    Severity,
    Statement,
)
from faasguard.rules import _iam_data
from faasguard.rules._privilege import (
    OPERATIONAL,
    WRITE,
    action_privilege,
    at_least,
    managed_table,
    privilege_of,
)
from faasguard.rules._registry import Docs, Rule, rule

_LEAST_PRIVILEGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
)
_LAMBDA_ROLE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"


def _wildcards(statement: Statement) -> list[str]:
    return [a for a in statement.actions if a == "*" or a.endswith(":*")]


def _full_wildcard(action: str) -> bool:
    """``*`` or ``service:*``: FG101's business, so the finer rules skip it."""
    return action == "*" or (action.endswith(":*") and action.count("*") == 1)


def _aws_managed(policy: Policy) -> bool:
    return policy.kind is PolicyKind.MANAGED and ":iam::aws:policy/" in (policy.arn or "")


def _template_star(policy: Policy) -> list[str]:
    """Parameters given as ``*`` to a SAM policy template (FG103 reports those)."""
    if policy.kind is not PolicyKind.SAM_TEMPLATE:
        return []
    return sorted(k for k, v in policy.parameters.items() if isinstance(v, str) and v == "*")


def _own_statements(role: Role) -> Iterator[tuple[Policy, Statement]]:
    """Allow statements the project wrote: not AWS managed policies, not SAM templates given
    a ``*`` parameter (FG103 reports both)."""
    for policy in role.policies:
        if _aws_managed(policy) or _template_star(policy):
            continue
        for statement in policy.statements:
            if statement.allows:
                yield policy, statement


# Resource types whose ``type/*`` or ``type:*`` means "every one in the account".
_TYPE_WORDS = (
    "table|function|role|secret|key|parameter|stream|stateMachine|log-group|user|policy|"
    "instance|cluster|db|repository|layer|event-bus|rule|alias|topic|queue|bucket"
)
_VARIABLE = re.compile(r"\$\{[^}]*\}")  # ${AWS::AccountId}, ${aws:region}: not wildcards
_ALL_OF_TYPE = re.compile(rf"(?:{_TYPE_WORDS})[:/]\*+\Z", re.IGNORECASE)


def all_resources(resource: str) -> bool:
    """``*``, or an ARN naming every resource of its type (``arn:aws:s3:::*``,
    ``arn:aws:lambda:*:*:function:*``, ``arn:aws:iam::123:role/*``)."""
    if resource == "*":
        return True
    if not resource.startswith("arn:"):
        return False
    parts = _VARIABLE.sub("x", resource).split(":", 5)
    if len(parts) < 6:
        return False
    tail = parts[5]
    return tail in ("*", "*/*") or _ALL_OF_TYPE.match(tail) is not None


def _wild(statement: Statement) -> list[str]:
    return [r for r in statement.resources if all_resources(r)]


def _names(users: list[Function]) -> str:
    return ", ".join(fn.name for fn in users) or "no function found"


def _emit(
    check: Rule,
    message: str,
    location: Location,
    role: Role,
    users: list[Function],
    *,
    evidence: dict[str, object],
    key: str,
    policy: Policy | None = None,
    severity: Severity | None = None,
    related: Iterable[tuple[str, Location]] = (),
) -> Finding:
    links = [("role", role.location)]
    if policy is not None:
        links.append(("policy", policy.location))
    links += [("function", fn.location) for fn in users[:10]]
    return check.finding(
        f"role {role.name} (used by {_names(users)}) {message}",
        location,
        functions=users,
        evidence={"role": role.name, **evidence},
        related=[*links, *related],
        key=f"{role.name}/{key}",
        severity=severity,
    )


def _granted(statement: Statement, wanted: Iterable[str], *, skip_full: bool = True) -> list[str]:
    """The ``wanted`` actions a statement's Action element grants (NotAction is FG104's)."""
    patterns = [a for a in statement.actions if not (skip_full and _full_wildcard(a))]
    return [action for action in wanted if _iam_data.grants(patterns, action)]


@per_inventory
def roles_with_users(inventory: Inventory) -> list[tuple[Role, list[Function]]]:
    """Every role, declared or attached, with the functions that run under it."""
    table: dict[tuple[str, Location | None], tuple[Role, list[Function]]] = {}
    for role in inventory.roles:
        table.setdefault(_role_key(role), (role, []))
    for fn in inventory.functions:
        if fn.role is not None:
            table.setdefault(_role_key(fn.role), (fn.role, []))[1].append(fn)
    return list(table.values())


def _role_key(role: Role) -> tuple[str, Location | None]:
    """A declared role is its definition; a role defined elsewhere is its ARN or name, wherever
    each function references it."""
    if role.external:
        return (role.arn or role.name, None)
    return (role.name, role.location)


# -- FG101 wildcard actions --------------------------------------------------------------------


@rule(
    "FG101",
    "Execution role allows wildcard actions",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An Allow statement in a function's execution role whose Action is `*` or "
        "`service:*`. AWS managed policies are FG103's.",
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
        references=(_LEAST_PRIVILEGE, "https://cwe.mitre.org/data/definitions/269.html"),
    ),
    cwe=269,
)
def wildcard_actions(inventory: Inventory) -> Iterator[Finding]:
    for role, users in roles_with_users(inventory):
        for policy in role.policies:
            if _aws_managed(policy):
                continue  # AdministratorAccess is expanded to `*`: FG103 names it
            for statement in policy.statements:
                actions = _wildcards(statement) if statement.allows else []
                if not actions:
                    continue
                yield _emit(
                    wildcard_actions,
                    f"allows {', '.join(actions)} on "
                    f"{', '.join(statement.resources) or 'NotResource'}",
                    statement.location,
                    role,
                    users,
                    evidence={
                        "actions": actions,
                        "resources": list(statement.resources),
                        "policy": policy.name,
                    },
                    key=f"{policy.name}/{'|'.join(actions)}",
                    policy=policy,
                    severity=Severity.CRITICAL if "*" in actions else Severity.HIGH,
                )


# -- FG102 write actions on every resource -----------------------------------------------------

# Actions with a rule of their own: PassRole (FG105), Lambda takeover (FG106), escalation (FG107),
# AssumeRole (FG111).
_LAMBDA_SENSITIVE = (
    "lambda:InvokeFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:AddPermission",
)


def _owned_elsewhere(action: str) -> bool:
    lowered = action.lower()
    return (
        lowered in ("iam:passrole", "sts:assumerole")
        or lowered in (a.lower() for a in _LAMBDA_SENSITIVE)
        or lowered in _ESCALATION_SINGLES
        or lowered in (a.lower() for a in _SECRET_READS)
    )


def _unscoped_writes(statement: Statement) -> tuple[list[str], list[str]]:
    """(the Action elements, the write actions they grant) that could be scoped but are not."""
    elements: list[str] = []
    granted: list[str] = []
    for element in statement.actions:
        if _full_wildcard(element):
            continue
        hits = [
            info.name
            for info in _iam_data.expand(element)
            if info.is_write
            and info.level != _iam_data.TAGGING
            and not info.star_only
            and info.name.lower() not in OPERATIONAL
            and not _owned_elsewhere(info.name)
        ]
        if hits:
            elements.append(element)
            granted.extend(h for h in hits if h not in granted)
    return elements, granted


@rule(
    "FG102",
    "Write or permissions-management actions on every resource",
    Severity.MEDIUM,
    Category.IAM,
    Docs(
        what="An Allow statement that grants write, delete or permissions-management actions "
        '(by the access levels of the AWS Service Authorization Reference) on `Resource: "*"` '
        "or on every resource of a type (`arn:aws:s3:::*`, `table/*`). Actions that only accept "
        "`*` (xray:PutTraceSegments, cloudwatch:PutMetricData, ec2:Describe*...), the log and "
        "network-interface actions every Lambda needs, and reads are not flagged; `*` and "
        "`service:*` actions are FG101's.",
        why="`s3:PutObject` on `*` lets a compromised function overwrite every bucket in the "
        "account (including other applications' and the deployment bucket), not just its own; "
        "`sqs:DeleteMessage` on `*` lets it drain every queue. Scoping to the ARNs the function "
        "uses is cheap and limits the damage of one injected request.",
        fix={
            "serverless": "Set `Resource:` to the table/bucket/queue ARN, e.g. "
            "`!GetAtt OrdersTable.Arn` or `arn:aws:s3:::${self:custom.bucket}/*`.",
            "sam": "Use a SAM policy template with the resource name (S3CrudPolicy: BucketName) "
            "or an inline statement with `!GetAtt X.Arn`.",
            "cloudformation": "Replace `Resource: '*'` with `!GetAtt X.Arn` / `!Sub` ARNs.",
            "terraform": 'Use `resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}'
            '/*"]` in the policy document.',
        },
        example="- Effect: Allow\n  Action: [s3:PutObject, s3:DeleteObject]\n  Resource: '*'",
        references=(
            _LEAST_PRIVILEGE,
            "https://docs.aws.amazon.com/service-authorization/latest/reference/",
            "https://cwe.mitre.org/data/definitions/732.html",
        ),
    ),
    cwe=732,
)
def unscoped_writes(inventory: Inventory) -> Iterator[Finding]:
    for role, users in roles_with_users(inventory):
        for policy, statement in _own_statements(role):
            wild = _wild(statement)
            if not wild:
                continue
            elements, granted = _unscoped_writes(statement)
            if not granted:
                continue
            perms = any(
                (i := _iam_data.action_info(a)) is not None and i.level == _iam_data.PERMISSIONS
                for a in granted
            )
            severity = Severity.HIGH if perms else Severity.MEDIUM
            if statement.condition:
                severity = Severity(max(Severity.LOW, severity - 1))
            shown = ", ".join(granted[:6]) + (
                f" (+{len(granted) - 6} more)" if len(granted) > 6 else ""
            )
            yield _emit(
                unscoped_writes,
                f"allows {shown} on {', '.join(wild)}",
                statement.location,
                role,
                users,
                policy=policy,
                evidence={
                    "policy": policy.name,
                    "actions": elements,
                    "granted": granted,
                    "resources": wild,
                    "condition": bool(statement.condition),
                },
                key=f"{policy.name}/{'|'.join(elements)}",
                severity=severity,
            )


# -- FG103 admin / FullAccess managed policies, SAM templates given `*` ------------------------


def _broad_managed(policy: Policy) -> Severity | None:
    if policy.kind is not PolicyKind.MANAGED:
        return None
    arn = policy.arn or ""
    if arn and ":iam::aws:policy/" not in arn:
        return None  # customer managed: FG101/FG102 read its statements
    if not arn and (policy.statements or "/" in policy.name or ":" in policy.name):
        return None
    name = (arn or policy.name).rsplit("/", 1)[-1]
    critical, suffixes = _broad_names()
    if name in critical:
        return Severity.CRITICAL
    if name.endswith(suffixes):
        return Severity.HIGH
    return None


@cache
def _broad_names() -> tuple[frozenset[str], tuple[str, ...]]:
    """The AWS managed policies that grant everything, and the suffixes of FullAccess ones."""
    broad = managed_table()["broad"]
    return frozenset(broad["critical"]), tuple(broad["suffixes"])


def _template_severity(policy: Policy) -> Severity:
    """High when the template writes; medium when it only reads or invokes functions."""
    actions = [a for st in policy.statements for a in st.actions if a != "lambda:InvokeFunction"]
    writes = any(at_least(action_privilege(a), WRITE) for a in actions) or (
        policy.template or ""
    ).endswith(("CrudPolicy", "WritePolicy", "FullAccessPolicy"))
    return Severity.HIGH if writes else Severity.MEDIUM


@rule(
    "FG103",
    "Admin or full-access managed policy on an execution role",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An execution role with an AWS managed policy that grants a whole service or the "
        "account — AdministratorAccess, PowerUserAccess, IAMFullAccess (critical) or any "
        "`*FullAccess` / `*AdminAccess` policy (high), by name or ARN — or a SAM policy template "
        "given `*` as its resource parameter (`S3CrudPolicy: {BucketName: '*'}`), whose "
        "expansion then covers every bucket, table, queue or function of the account.",
        why="Managed full-access policies are written for people at a console, not for one "
        "function: AmazonS3FullAccess lets the function delete every bucket; AdministratorAccess "
        "hands an attacker who reaches the function the whole account. A SAM template given `*` "
        "looks scoped in the template but is not.",
        fix={
            "serverless": "Remove the policy from provider.iam.role.managedPolicies and list the "
            "needed actions on the resource ARNs in provider.iam.role.statements.",
            "sam": "Replace the managed policy with a scoped policy template, and pass the "
            "resource name (`BucketName: !Ref Bucket`) instead of `*`.",
            "cloudformation": "Drop the ARN from ManagedPolicyArns; add a scoped inline policy.",
            "terraform": "Remove the aws_iam_role_policy_attachment / managed_policy_arns entry; "
            "write an aws_iam_policy_document with explicit actions and resources.",
        },
        example="ManagedPolicyArns:\n  - arn:aws:iam::aws:policy/AmazonS3FullAccess",
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html",
            "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"
            "serverless-policy-templates.html",
            "https://cwe.mitre.org/data/definitions/250.html",
        ),
    ),
    cwe=250,
)
def broad_managed_policy(inventory: Inventory) -> Iterator[Finding]:
    for role, users in roles_with_users(inventory):
        for policy in role.policies:
            severity = _broad_managed(policy)
            if severity is not None:
                yield _emit(
                    broad_managed_policy,
                    f"has the managed policy {policy.name}",
                    policy.location,
                    role,
                    users,
                    policy=policy,
                    evidence={"policy": policy.name, "arn": policy.arn},
                    key=f"managed/{policy.name}",
                    severity=severity,
                )
                continue
            stars = _template_star(policy)
            if stars:
                resources = sorted({r for st in policy.statements for r in st.resources})
                yield _emit(
                    broad_managed_policy,
                    f"uses the SAM policy template {policy.template} with "
                    f"{', '.join(f'{k}: *' for k in stars)}, which covers every resource "
                    f"({', '.join(resources) or '*'})",
                    policy.location,
                    role,
                    users,
                    policy=policy,
                    evidence={
                        "policy": policy.name,
                        "template": policy.template,
                        "parameters": stars,
                        "resources": resources,
                    },
                    key=f"template/{policy.template}/{'|'.join(stars)}",
                    severity=_template_severity(policy),
                )


# -- FG104 NotAction / NotResource with Allow --------------------------------------------------


@rule(
    "FG104",
    "Allow statement with NotAction or NotResource",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An Allow statement of an execution role written with `NotAction` (allow "
        "everything except...) or `NotResource` (on everything except...). NotAction on `*` is "
        "high; NotResource alone is medium.",
        why="An allow-list inverted into a deny-list grants every action and resource AWS adds "
        "later, and every one the author forgot: `NotAction: iam:*` with `Resource: *` is "
        "administrator access minus IAM, enough to read every secret and rewrite every function.",
        fix={
            "serverless": "Rewrite the statement with `Action:` / `Resource:` lists; use a "
            "separate `Effect: Deny` statement to carve out exceptions.",
            "sam": "Rewrite the inline statement with Action/Resource lists.",
            "cloudformation": "Rewrite the statement with Action/Resource lists.",
            "terraform": "Use `actions`/`resources` instead of `not_actions`/`not_resources` in "
            "the aws_iam_policy_document.",
        },
        example="- Effect: Allow\n  NotAction: iam:*\n  Resource: '*'",
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html",
            "https://cwe.mitre.org/data/definitions/269.html",
        ),
    ),
    cwe=269,
)
def inverted_allow(inventory: Inventory) -> Iterator[Finding]:
    for role, users in roles_with_users(inventory):
        for policy, statement in _own_statements(role):
            if not (statement.not_actions or statement.not_resources):
                continue
            parts = []
            if statement.not_actions:
                parts.append(f"every action except {', '.join(statement.not_actions)}")
            else:
                parts.append(", ".join(statement.actions) or "no action")
            if statement.not_resources:
                parts.append(f"on every resource except {', '.join(statement.not_resources)}")
            else:
                parts.append(f"on {', '.join(statement.resources) or '*'}")
            high = bool(statement.not_actions) and (
                not statement.resources or "*" in statement.resources or statement.not_resources
            )
            yield _emit(
                inverted_allow,
                "allows " + " ".join(parts),
                statement.location,
                role,
                users,
                policy=policy,
                evidence={
                    "policy": policy.name,
                    "not_actions": list(statement.not_actions),
                    "not_resources": list(statement.not_resources),
                    "actions": list(statement.actions),
                    "resources": list(statement.resources),
                },
                key=f"{policy.name}/not/{'|'.join(statement.not_actions)}/"
                f"{'|'.join(statement.not_resources)}",
                severity=Severity.HIGH if high else Severity.MEDIUM,
            )


# -- sensitive actions on every resource: FG105, FG106, FG111, FG112 ---------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    role: Role
    users: list[Function]
    policy: Policy
    statement: Statement
    actions: list[str]  # the wanted actions granted
    resources: list[str]  # the all-resource entries


def _on_every_resource(inventory: Inventory, wanted: tuple[str, ...]) -> Iterator[_Hit]:
    """Statements the project wrote that grant one of ``wanted`` (through a literal or a partial
    wildcard like ``iam:Pass*``; ``*`` and ``service:*`` are FG101's) on every resource."""
    for role, users, policy, statement, resources in _on_all_resources(inventory):
        actions = _granted(statement, wanted)
        if actions:
            yield _Hit(role, users, policy, statement, actions, list(resources))


@per_inventory  # four rules ask
def _on_all_resources(
    inventory: Inventory,
) -> list[tuple[Role, list[Function], Policy, Statement, list[str]]]:
    """Statements the project wrote with all-resource entries (and those entries)."""
    out = []
    for role, users in roles_with_users(inventory):
        for policy, statement in _own_statements(role):
            resources = _wild(statement)
            if resources:
                out.append((role, users, policy, statement, resources))
    return out


def _hit_finding(check: Rule, hit: _Hit, message: str, severity: Severity | None) -> Finding:
    return _emit(
        check,
        message,
        hit.statement.location,
        hit.role,
        hit.users,
        policy=hit.policy,
        evidence={
            "policy": hit.policy.name,
            "actions": hit.actions,
            "written": list(hit.statement.actions),
            "resources": hit.resources,
            "condition": dict(hit.statement.condition),
        },
        key=f"{hit.policy.name}/{'|'.join(hit.actions)}/{'|'.join(hit.statement.actions)}",
        severity=severity,
    )


@rule(
    "FG105",
    "iam:PassRole on every role",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An execution role allowed `iam:PassRole` (directly or through `iam:Pass*`, "
        "`iam:*Role`) on `*` or `arn:aws:iam::*:role/*`. Medium when an `iam:PassedToService` "
        "condition limits which service may receive the role.",
        why="PassRole decides which role a function may hand to a new Lambda function, EC2 "
        "instance, Glue job or CloudFormation stack. On `*` the function can pass the most "
        "privileged role of the account to a resource it controls: the first step of most AWS "
        "privilege-escalation paths.",
        fix={
            "serverless": "Set the statement's Resource to the ARN of the one role the "
            "function hands on, and add a `iam:PassedToService` condition.",
            "sam": "Scope Resource to `!GetAtt TheRole.Arn` and add the PassedToService condition.",
            "cloudformation": "Scope Resource to `!GetAtt TheRole.Arn`; add Condition "
            "`StringEquals: {iam:PassedToService: states.amazonaws.com}`.",
            "terraform": "resources = [aws_iam_role.worker.arn] plus a condition block on "
            "iam:PassedToService.",
        },
        example="- Effect: Allow\n  Action: iam:PassRole\n  Resource: '*'",
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
            "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
            "https://cwe.mitre.org/data/definitions/269.html",
        ),
    ),
    cwe=269,
)
def passrole_everywhere(inventory: Inventory) -> Iterator[Finding]:
    for hit in _on_every_resource(inventory, ("iam:PassRole",)):
        condition = hit.statement.condition
        limited = any("iam:passedtoservice" in str(k).lower() for v in condition.values()
                      if isinstance(v, dict) for k in v)  # fmt: skip
        yield _hit_finding(
            passrole_everywhere,
            hit,
            f"can pass any role (iam:PassRole on {', '.join(hit.resources)})",
            Severity.MEDIUM if limited else None,
        )


@rule(
    "FG106",
    "Execution role can invoke or modify any Lambda function",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An execution role allowed lambda:UpdateFunctionCode, "
        "lambda:UpdateFunctionConfiguration or lambda:AddPermission (high) or "
        "lambda:InvokeFunction (medium) on `*` or on every function "
        "(`arn:aws:lambda:*:*:function:*`).",
        why="With UpdateFunctionCode on `*` one compromised function can replace the code of "
        "every other function and so act with their roles; UpdateFunctionConfiguration can add "
        "a malicious layer or environment; AddPermission can open any function to another "
        "account. InvokeFunction on `*` reaches internal functions that were never meant to be "
        "called with attacker-controlled input.",
        fix={
            "serverless": "Scope Resource to the functions called, e.g. "
            "`arn:aws:lambda:${aws:region}:${aws:accountId}:function:${self:service}-"
            "${sls:stage}-worker`.",
            "sam": "Use `LambdaInvokePolicy: {FunctionName: !Ref Worker}`.",
            "cloudformation": "Scope Resource to `!GetAtt Worker.Arn`.",
            "terraform": "resources = [aws_lambda_function.worker.arn].",
        },
        example="- Effect: Allow\n  Action: lambda:UpdateFunctionCode\n  Resource: '*'",
        references=(
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
            "https://cwe.mitre.org/data/definitions/269.html",
        ),
    ),
    cwe=269,
)
def lambda_takeover(inventory: Inventory) -> Iterator[Finding]:
    for hit in _on_every_resource(inventory, _LAMBDA_SENSITIVE):
        only_invoke = hit.actions == ["lambda:InvokeFunction"]
        yield _hit_finding(
            lambda_takeover,
            hit,
            f"allows {', '.join(hit.actions)} on {', '.join(hit.resources)}",
            Severity.MEDIUM if only_invoke else None,
        )


@rule(
    "FG111",
    "Execution role can assume any role",
    Severity.HIGH,
    Category.IAM,
    Docs(
        what="An execution role allowed `sts:AssumeRole` on `*` or `arn:aws:iam::*:role/*` "
        "(through a literal or a partial wildcard such as `sts:Assume*`).",
        why="The function can become any role, in this or another account, whose trust policy "
        "trusts the account root or is otherwise loose: a common path from one function to an "
        "administrator role or across accounts.",
        fix={
            "serverless": "Set Resource to the ARN of the role the function must assume.",
            "sam": "Scope Resource to the target role ARN.",
            "cloudformation": "Scope Resource to the target role ARN.",
            "terraform": "resources = [aws_iam_role.target.arn].",
        },
        example="- Effect: Allow\n  Action: sts:AssumeRole\n  Resource: '*'",
        references=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html",
            "https://cwe.mitre.org/data/definitions/269.html",
        ),
    ),
    cwe=269,
)
def assume_any_role(inventory: Inventory) -> Iterator[Finding]:
    for hit in _on_every_resource(inventory, ("sts:AssumeRole",)):
        yield _hit_finding(
            assume_any_role,
            hit,
            f"can assume any role (sts:AssumeRole on {', '.join(hit.resources)})",
            None,
        )


_SECRET_READS = (
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
)


@rule(
    "FG112",
    "Execution role can read every secret or decrypt with any key",
    Severity.MEDIUM,
    Category.IAM,
    Docs(
        what="An execution role allowed secretsmanager:GetSecretValue, ssm:GetParameter(s)"
        "(ByPath) or kms:Decrypt on `*` or on every secret / parameter / key of the account.",
        why="Reading a secret is a read, so it slips past write-focused reviews, but one "
        "function that can read every secret exposes the database passwords, API keys and "
        "signing keys of every other application in the account.",
        fix={
            "serverless": "Scope Resource to the secret or parameter ARN "
            "(`arn:aws:ssm:${aws:region}:${aws:accountId}:parameter/orders/*`).",
            "sam": "Use `AWSSecretsManagerGetSecretValuePolicy: {SecretArn: !Ref Secret}` / "
            "`SSMParameterReadPolicy: {ParameterName: orders/*}`.",
            "cloudformation": "Scope Resource to `!Ref TheSecret` / the parameter ARN / the key "
            "ARN.",
            "terraform": "resources = [aws_secretsmanager_secret.db.arn].",
        },
        example="- Effect: Allow\n  Action: secretsmanager:GetSecretValue\n  Resource: '*'",
        references=(
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html",
            "https://cwe.mitre.org/data/definitions/732.html",
        ),
    ),
    cwe=732,
)
def read_every_secret(inventory: Inventory) -> Iterator[Finding]:
    for hit in _on_every_resource(inventory, _SECRET_READS):
        yield _hit_finding(
            read_every_secret,
            hit,
            f"can read every secret ({', '.join(hit.actions)} on {', '.join(hit.resources)})",
            None,
        )


# -- FG107 privilege-escalation combinations ---------------------------------------------------

# Source: Rhino Security Labs, "AWS IAM Privilege Escalation - Methods and Mitigation" (2018) and
# Bishop Fox iam-vulnerable (2021), checked 2026-11-28. lambda:UpdateFunctionCode alone is FG106's
# (it matters on other functions, i.e. on `*`), sts:AssumeRole on `*` is FG111's.
ESCALATION_METHODS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("create a new default version of a policy", ("iam:CreatePolicyVersion",)),
    ("switch a policy to an older, broader version", ("iam:SetDefaultPolicyVersion",)),
    ("attach a managed policy to a role", ("iam:AttachRolePolicy",)),
    ("attach a managed policy to a user", ("iam:AttachUserPolicy",)),
    ("attach a managed policy to a group", ("iam:AttachGroupPolicy",)),
    ("write an inline policy on a role", ("iam:PutRolePolicy",)),
    ("write an inline policy on a user", ("iam:PutUserPolicy",)),
    ("write an inline policy on a group", ("iam:PutGroupPolicy",)),
    ("add a user to a privileged group", ("iam:AddUserToGroup",)),
    ("create access keys for another user", ("iam:CreateAccessKey",)),
    ("set a console password for a user", ("iam:CreateLoginProfile",)),
    ("change a user's console password", ("iam:UpdateLoginProfile",)),
    ("rewrite a role's trust policy", ("iam:UpdateAssumeRolePolicy",)),
    (
        "create and invoke a function with a passed role",
        ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
    ),
    (
        "create a function with a passed role and an event source",
        ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    ),
    ("launch an instance with a passed role", ("iam:PassRole", "ec2:RunInstances")),
    (
        "create a CloudFormation stack with a passed role",
        ("iam:PassRole", "cloudformation:CreateStack"),
    ),
    ("create a Glue dev endpoint with a passed role", ("iam:PassRole", "glue:CreateDevEndpoint")),
    ("take over a Glue dev endpoint", ("glue:UpdateDevEndpoint",)),
    (
        "run a Data Pipeline with a passed role",
        ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
    ),
    ("start a CodeBuild project with a passed role", ("iam:PassRole", "codebuild:CreateProject")),
    (
        "create a SageMaker notebook with a passed role",
        ("iam:PassRole", "sagemaker:CreateNotebookInstance"),
    ),
)
_ESCALATION_SINGLES = frozenset(
    actions[0].lower() for _, actions in ESCALATION_METHODS if len(actions) == 1
)


def _denied(statements: tuple[Statement, ...], action: str) -> bool:
    """Denied everywhere, without condition (the only denies a basic check can trust)."""
    return any(
        not s.allows
        and not s.condition
        and "*" in s.resources
        and _iam_data.grants(s.actions, action)
        for s in statements
    )


def _is_admin(role: Role) -> bool:
    return any(
        s.allows and "*" in s.actions and "*" in s.resources for s in role.statements
    ) or any(_broad_managed(p) is Severity.CRITICAL for p in role.policies)


# (action, its service in lower case)
_ESCALATION_ACTIONS = tuple(
    (a, a.partition(":")[0].lower())
    for a in sorted({a for _, actions in ESCALATION_METHODS for a in actions})
)


def _escalations(role: Role) -> tuple[list[tuple[str, tuple[str, ...]]], dict[str, Statement]]:
    """(the methods the role allows, action -> first statement granting it)."""
    allows = [s for s in role.statements if s.allows and s.actions]
    services = {a.partition(":")[0].lower() for s in allows for a in s.actions}
    any_service = any(_iam_data.is_pattern(s) for s in services)  # "*", "iam*"...
    granting: dict[str, Statement] = {}
    for action, service in _ESCALATION_ACTIONS:
        # cheap pre-check first: some Action element names the service (or a wildcard one)
        if not (service in services or any_service) or _denied(role.statements, action):
            continue
        source = next((s for s in allows if _iam_data.grants(s.actions, action)), None)
        if source is not None:
            granting[action] = source
    if not granting:  # the common case: no method can be complete
        return [], granting
    methods = [m for m in ESCALATION_METHODS if all(a in granting for a in m[1])]
    return methods, granting


@rule(
    "FG107",
    "Execution role allows privilege escalation",
    Severity.CRITICAL,
    Category.IAM,
    Docs(
        what="An execution role whose allowed actions (after wildcard expansion: `iam:Put*`, "
        "`iam:*` count) include a known AWS privilege-escalation method: rewriting a policy "
        "(iam:CreatePolicyVersion, SetDefaultPolicyVersion, Attach*/Put*Policy), creating "
        "credentials (CreateAccessKey, Create/UpdateLoginProfile), rewriting a trust policy "
        "(UpdateAssumeRolePolicy), or passing a role to a compute service it can create "
        "(iam:PassRole with lambda:CreateFunction + InvokeFunction / CreateEventSourceMapping, "
        "ec2:RunInstances, cloudformation:CreateStack, glue:CreateDevEndpoint, Data Pipeline, "
        "CodeBuild, SageMaker). This is the basic, action-level check: resources and "
        "conditions are not evaluated (unconditional `Deny` on `*` is). Roles with `*` on `*` or "
        "an admin managed policy are already FG101/FG103's.",
        why="Any of these turns code execution in the function into administrator access to the "
        "account: the attacker grants the function's own role AdministratorAccess, or passes "
        "an admin role to a function it creates.",
        fix={
            "serverless": "Remove IAM write actions from provider.iam.role.statements; a "
            "function that must create roles or functions should do it through a narrowly "
            "scoped, separately reviewed role (with a permissions boundary).",
            "sam": "Remove the IAM write actions from Policies; use a PermissionsBoundary.",
            "cloudformation": "Remove the actions from the role's policies; set "
            "PermissionsBoundary on the role.",
            "terraform": "Remove the actions from the policy document; set "
            "permissions_boundary on aws_iam_role.",
        },
        example="- Effect: Allow\n  Action: [iam:PutRolePolicy, iam:AttachRolePolicy]\n"
        "  Resource: '*'",
        references=(
            "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
            "https://github.com/BishopFox/iam-vulnerable",
            "https://cwe.mitre.org/data/definitions/269.html",
        ),
    ),
    cwe=269,
)
def privilege_escalation(inventory: Inventory) -> Iterator[Finding]:
    for role, users in roles_with_users(inventory):
        if _is_admin(role):
            continue
        methods, granting = _escalations(role)
        if not methods:
            continue
        anchor = granting[methods[0][1][0]]
        used = {a: granting[a] for _, actions in methods for a in actions}
        policy = next((p for p in role.policies if anchor in p.statements), None)
        labels = [f"{label} ({' + '.join(actions)})" for label, actions in methods]
        yield _emit(
            privilege_escalation,
            f"can escalate to administrator: {'; '.join(labels)}",
            anchor.location,
            role,
            users,
            policy=policy,
            evidence={
                "methods": labels,
                "actions": sorted(used),
                "statements": sorted({str(s.location) for s in used.values()}),
            },
            key="escalation/" + "|".join(sorted(used)),
            related=[(a, s.location) for a, s in sorted(used.items()) if s is not anchor],
        )


# -- FG108 / FG109 one role, several functions -------------------------------------------------

_SHARED_WHY = (
    "Every function gets the union of what all of them need: the public, input-parsing function "
    "holds the nightly batch job's delete rights, and a compromise of the least trusted function "
    "is a compromise of all of them. Per-function roles keep each blast radius to one function "
    "and make each policy reviewable."
)
_SHARED_FIX = {
    "serverless": "Give each function its own statements (functions.<name>.iam.role.statements "
    "in v4, or the serverless-iam-roles-per-function plugin) instead of provider-level ones.",
    "sam": "Give each AWS::Serverless::Function its own Policies instead of one shared Role.",
    "cloudformation": "Create one AWS::IAM::Role per function.",
    "terraform": "Create one aws_iam_role per aws_lambda_function (a module makes it cheap).",
}


def _shared_roles(inventory: Inventory) -> Iterator[tuple[Role, list[Function], str]]:
    for role, users in roles_with_users(inventory):
        distinct = list({fn.id: fn for fn in users}.values())
        if len(distinct) > 1:
            yield role, distinct, privilege_of(role)


def _shared_finding(check: Rule, role: Role, users: list[Function], level: str) -> Finding:
    return check.finding(
        f"role {role.name} is shared by {len(users)} functions ({_names(users)}); its "
        f"privilege is {level}",
        role.location,
        evidence={"role": role.name, "functions": [fn.name for fn in users], "privilege": level},
        related=[("function", fn.location) for fn in users[:10]],
        key=f"{role.name}/shared",
    )


@rule(
    "FG108",
    "Execution role with write access shared by several functions",
    Severity.MEDIUM,
    Category.IAM,
    Docs(
        what="One execution role used by two or more functions when the role can write data, "
        "change resources or administer the account (see FG109 for read-only shared roles).",
        why=_SHARED_WHY,
        fix=_SHARED_FIX,
        example="provider:\n  iam:\n    role:\n      statements:   # every function gets these\n"
        "        - Effect: Allow\n          Action: dynamodb:DeleteItem\n"
        "          Resource: !GetAtt Orders.Arn",
        references=(_LAMBDA_ROLE, "https://cwe.mitre.org/data/definitions/250.html"),
    ),
    cwe=250,
)
def shared_write_role(inventory: Inventory) -> Iterator[Finding]:
    for role, users, level in _shared_roles(inventory):
        if at_least(level, WRITE):
            yield _shared_finding(shared_write_role, role, users, level)


@rule(
    "FG109",
    "Execution role shared by several functions",
    Severity.LOW,
    Category.IAM,
    Docs(
        what="One execution role used by two or more functions when the role only reads, has no "
        "data permissions, or cannot be evaluated (defined elsewhere, unexpanded managed "
        "policies). Hardening advice; FG108 reports shared roles that can write.",
        why=_SHARED_WHY,
        fix=_SHARED_FIX,
        references=(_LAMBDA_ROLE,),
    ),
    cwe=250,
    advice=True,
)
def shared_role(inventory: Inventory) -> Iterator[Finding]:
    for role, users, level in _shared_roles(inventory):
        if not at_least(level, WRITE):
            yield _shared_finding(shared_role, role, users, level)


# -- FG110 GCP default service account ---------------------------------------------------------

_DEFAULT_SA = re.compile(
    r"(-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com)\Z", re.IGNORECASE
)


@rule(
    "FG110",
    "Cloud Function runs as the default service account",
    Severity.LOW,
    Category.IAM,
    Docs(
        what="A Google Cloud Function with no `service_account_email`, or with the Compute "
        "Engine / App Engine default service account (`…-compute@developer.gserviceaccount.com`, "
        "`…@appspot.gserviceaccount.com`). Low when omitted, medium when set explicitly.",
        why="The default service accounts are shared by every function, VM and App Engine "
        "service of the project and, unless the organisation policy prevents it, hold the "
        "project-wide Editor role: one vulnerable function can change almost anything in the "
        "project.",
        fix={
            "terraform": "Create a google_service_account for the function, grant it only the "
            "roles it needs, and set service_config.service_account_email (gen 2) or "
            "service_account_email (gen 1).",
            "gcp": "Deploy with `gcloud functions deploy --service-account=fn-orders@PROJECT."
            "iam.gserviceaccount.com`.",
        },
        references=(
            "https://cloud.google.com/functions/docs/securing/function-identity",
            "https://cwe.mitre.org/data/definitions/250.html",
        ),
    ),
    cwe=250,
    advice=True,
)
def gcp_default_identity(inventory: Inventory) -> Iterator[Finding]:
    for fn in inventory.functions:
        if fn.provider is not Provider.GCP:
            continue
        account = fn.attributes.get("service_account")
        if account and not _DEFAULT_SA.search(str(account)):
            continue
        explicit = bool(account)
        yield gcp_default_identity.finding(
            f"{fn.name} runs as the default service account"
            + (f" ({account})" if explicit else " (no service_account_email)"),
            fn.where("service_account") if explicit else fn.location,
            function=fn,
            evidence={"service_account": account},
            key="default-service-account",
            severity=Severity.MEDIUM if explicit else None,
        )

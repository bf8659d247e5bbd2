"""privilege_of: what a role can do in one word, and the IAM reference data behind it."""

from __future__ import annotations

import datetime as dt

import pytest

from faasguard.model import Location, Policy, PolicyKind, Role, Statement
from faasguard.rules import _iam_data
from faasguard.rules._privilege import managed_privilege, managed_table, privilege_of

L = Location("t.yml", 1)


def allow(*actions: str, resources: tuple[str, ...] = ("*",), **kw: object) -> Statement:
    return Statement("Allow", L, actions=actions, resources=resources, **kw)  # type: ignore[arg-type]


def role(*statements: Statement, managed: tuple[str, ...] = (), external: bool = False) -> Role:
    policies = [Policy("inline", PolicyKind.INLINE, L, statements)] if statements else []
    policies += [
        Policy(n, PolicyKind.MANAGED, L, arn=f"arn:aws:iam::aws:policy/{n}", expanded=False)
        for n in managed
    ]
    return Role("r", L, tuple(policies), external=external)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (None, "none"),
        (role(), "none"),
        (role(allow("logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments")), "none"),
        (role(managed=("AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess")), "none"),
        (role(allow("dynamodb:GetItem", "dynamodb:Query", "s3:List*")), "read"),
        (role(allow("s3:Get*"), managed=("AWSLambdaBasicExecutionRole",)), "read"),
        (role(managed=("ReadOnlyAccess",)), "read"),
        (role(managed=("AmazonS3ReadOnlyAccess",)), "read"),
        (role(allow("dynamodb:PutItem", resources=("arn:aws:dynamodb:::table/t",))), "write"),
        (role(allow("sqs:SendMessage")), "write"),
        (role(allow("s3:*", resources=("arn:aws:s3:::b/*",))), "write"),
        (role(managed=("AmazonDynamoDBFullAccess",)), "write"),
        (role(allow("iam:PassRole", resources=("arn:aws:iam::1:role/x",))), "write"),
        (role(allow("*")), "admin"),
        (role(allow("iam:Put*", resources=("arn:aws:iam::1:role/x",))), "admin"),
        (role(allow("iam:PassRole")), "admin"),
        (role(Statement("Allow", L, not_actions=("iam:*",), resources=("*",))), "admin"),
        (role(managed=("AdministratorAccess",)), "admin"),
        (role(managed=("PowerUserAccess",)), "admin"),
        (Role("legacy", L, external=True, arn="arn:aws:iam::1:role/legacy"), "unknown"),
        (role(allow("s3:GetObject"), managed=("CustomThing",)), "unknown"),
        (role(allow("s3:PutObject"), managed=("CustomThing",)), "write"),
    ],
)
def test_privilege_of(subject: Role | None, expected: str) -> None:
    assert privilege_of(subject) == expected


def test_unconditional_deny_everything_wins() -> None:
    deny = Statement("Deny", L, actions=("*",), resources=("*",))
    assert privilege_of(role(allow("dynamodb:*"), deny)) == "none"
    conditional = Statement("Deny", L, actions=("*",), resources=("*",), condition={"Bool": {}})
    assert privilege_of(role(allow("dynamodb:*"), conditional)) == "write"


def test_unexpanded_sam_templates_guess_from_their_name() -> None:
    read = Policy("X", PolicyKind.SAM_TEMPLATE, L, template="NewReadPolicy", expanded=False)
    crud = Policy("Y", PolicyKind.SAM_TEMPLATE, L, template="NewCrudPolicy", expanded=False)
    assert privilege_of(Role("r", L, (read,))) == "read"
    assert privilege_of(Role("r", L, (crud,))) == "write"


def test_unknown_actions_fall_back_to_read_prefixes() -> None:
    assert privilege_of(role(allow("newsvc:GetThing", "newsvc:DescribeThing"))) == "read"
    assert privilege_of(role(allow("newsvc:ExplodeThing"))) == "write"


def test_managed_names_and_arns() -> None:
    assert managed_privilege("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess") == "read"
    assert managed_privilege("AWSLambda_FullAccess") == "admin"
    assert managed_privilege("SomethingElse") == "unknown"


def test_action_table_levels_and_star_only() -> None:
    info = _iam_data.action_info("xray:PutTraceSegments")
    assert info is not None and info.is_write and info.star_only
    info = _iam_data.action_info("S3:putobject")  # case-insensitive
    assert info is not None and info.name == "s3:PutObject" and not info.star_only
    assert _iam_data.action_info("sqs:ReceiveMessage").level == _iam_data.READ  # type: ignore[union-attr]
    put = {i.name for i in _iam_data.expand("iam:Put*")}
    assert {"iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy"} <= put
    assert all(n.startswith("iam:Put") for n in put)
    assert _iam_data.matches("iam:*Role?olicy", "iam:PutRolePolicy")
    assert len(_iam_data.expand("*")) > 10_000


@pytest.mark.parametrize("table", [_iam_data.table, managed_table])
def test_reference_tables_are_dated_and_fresh(table) -> None:  # type: ignore[no-untyped-def]
    data = table()
    assert data["source"]
    retrieved = dt.date.fromisoformat(data["retrieved"])
    assert (dt.date.today() - retrieved).days <= 365, (
        "an IAM reference table in faasguard/data is more than a year old: regenerate it "
        "(python -m faasguard.rules._iam_data IAM_DEFINITION_JSON VERSION) or re-check it"
    )

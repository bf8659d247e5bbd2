from __future__ import annotations

from faasguard.inventory._base import LoadResult
from faasguard.inventory._link import link
from faasguard.model import (
    Function,
    Inventory,
    Location,
    Policy,
    PolicyKind,
    Provider,
    Resource,
    Role,
    SourceFormat,
    Statement,
)


def _fn(name: str, file: str, *statements: Statement) -> Function:
    role = Role(
        f"{name}-role",
        Location(file, 2),
        (Policy("p", PolicyKind.INLINE, Location(file, 3), statements),),
    )
    return Function(name, Provider.AWS, SourceFormat.SAM, Location(file, 1), role=role)


def _allow(*actions: str, resources: tuple[str, ...] = ("*",)) -> Statement:
    return Statement("Allow", Location("x", 1), actions=actions, resources=resources)


def _res(kind: str, name: str, file: str, physical: str | None = None) -> Resource:
    return Resource(kind, name, Location(file, 9), physical_name=physical)


def test_reachable_by_service_scope_arn_and_ref() -> None:
    result = LoadResult(
        functions=[
            _fn(
                "orders",
                "orders/template.yaml",
                _allow("dynamodb:*"),
                _allow("s3:GetObject", resources=("arn:aws:s3:::shared-assets/*",)),
            ),
            _fn(
                "billing",
                "billing/template.yaml",
                _allow(
                    "dynamodb:GetItem",
                    resources=("arn:aws:dynamodb:eu-west-1:123456789012:table/Invoices",),
                ),
                _allow("sqs:SendMessage", resources=("ref:Queue.Arn",)),
            ),
            _fn("admin", "admin/main.tf", _allow("*")),
        ],
        resources=[
            _res("dynamodb-table", "OrdersTable", "orders/template.yaml", "Orders"),
            _res("dynamodb-table", "InvoicesTable", "billing/template.yaml", "Invoices"),
            _res("sqs-queue", "Queue", "billing/template.yaml"),
            _res("sqs-queue", "Queue", "orders/template.yaml"),
            _res("s3-bucket", "Assets", "static/template.yaml", "shared-assets"),
            _res("kms-key", "aws_kms_key.main", "admin/main.tf"),
        ],
    )
    inv = link(Inventory(root="/r"), result)
    reach = {fn.name: fn.reachable for fn in inv.functions}
    # dynamodb:* on * reaches the tables of its own project only; an exact ARN reaches anywhere
    assert reach["orders"] == ("Assets", "OrdersTable")
    # account/region unknown on the resource side still match a concrete ARN pattern
    assert reach["billing"] == ("InvoicesTable", "Queue")
    assert reach["admin"] == ("aws_kms_key.main",)


def test_not_action_and_deny() -> None:
    deny = Statement("Deny", Location("x", 1), actions=("*",), resources=("*",))
    not_action = Statement("Allow", Location("x", 1), not_actions=("iam:*",), resources=("*",))
    result = LoadResult(
        functions=[_fn("a", "a/t.yaml", deny), _fn("b", "b/t.yaml", not_action)],
        resources=[_res("s3-bucket", "B", "a/t.yaml"), _res("s3-bucket", "C", "b/t.yaml")],
    )
    reach = {fn.name: fn.reachable for fn in link(Inventory(root="/r"), result).functions}
    assert reach == {"a": (), "b": ("C",)}


def test_pseudo_parameters_in_arns_match_any_value() -> None:
    arn = "arn:aws:sqs:us-east-1:${AWS::AccountId}:orders-queue"
    result = LoadResult(
        functions=[_fn("a", "a/t.yaml", _allow("sqs:SendMessage", resources=(arn,)))],
        resources=[_res("sqs-queue", "Q", "a/t.yaml", "orders-queue")],
    )
    assert link(Inventory(root="/r"), result).functions[0].reachable == ("Q",)

from __future__ import annotations

import json
from pathlib import Path

from faasguard.cli import main
from faasguard.inventory import LoadContext, build_inventory
from faasguard.reach import Exposure, exposure_of, reach_of

SLS = """service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: dynamodb:*
          Resource: !GetAtt OrdersTable.Arn
functions:
  listOrders:
    handler: app.list
    events:
      - http: GET orders
  createOrder:
    handler: app.create
    events:
      - http:
          path: orders
          method: post
          authorizer: aws_iam
  worker:
    handler: app.work
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:jobs
resources:
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: orders
"""


def _inventory(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "serverless.yml").write_text(SLS)
    return build_inventory(tmp_path, LoadContext(root=tmp_path))


def test_exposure_from_triggers(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    got = {fn.name: exposure_of(fn)[0] for fn in inv.functions}
    assert got == {
        "listOrders": Exposure.PUBLIC_UNAUTHENTICATED,
        "createOrder": Exposure.PUBLIC_AUTHENTICATED,
        "worker": Exposure.INTERNAL,
    }


def test_chain_runs_from_entry_to_resource(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    reach = reach_of(inv.function("listOrders"), inv)
    labels = [what for what, _ in reach.chain]
    assert labels[0] == "entry: GET /orders (no auth)"
    assert labels[1] == "function listOrders"
    assert labels[2].startswith("role ") and "dynamodb:*" in labels[2]
    assert labels[3] == "dynamodb-table orders"
    assert [loc.line for _, loc in reach.chain] == [15, 12, 8, 29]
    assert reach.privilege in ("write", "admin")


def test_findings_are_ranked_by_exposure_and_privilege(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        SLS.replace("runtime: python3.12", "runtime: python3.8")
    )
    out = tmp_path / "r.json"
    main(["scan", str(tmp_path), "--format", "json", "-o", str(out), "--rules", "FG201,FG601"])
    findings = json.loads(out.read_text())["findings"]
    assert findings[0]["rule_id"] == "FG201"
    assert findings[0]["exposure"] == "public-unauthenticated"
    assert findings[0]["chain"][0]["what"] == "entry: GET /orders (no auth)"
    assert findings[0]["rank"] > 0
    assert [f["rank"] for f in findings] == sorted((f["rank"] for f in findings), reverse=True)


def test_functions_view(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "serverless.yml").write_text(SLS)
    main(["scan", str(tmp_path), "--view", "functions"])
    text = capsys.readouterr().out
    # most exposed first: public unauthenticated, then authenticated, then internal
    assert text.index("listOrders") < text.index("createOrder") < text.index("worker")
    assert "serverless.yml:12" in text

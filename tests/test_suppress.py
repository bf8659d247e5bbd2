from __future__ import annotations

import json
from pathlib import Path

from faasguard.cli import main

SLS = """service: shop
provider:
  name: aws
  runtime: python3.12
  environment:
    API_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789AB
functions:
  health:  # faasguard: ignore[FG201] liveness probe, returns a constant
    handler: app.health
    events:
      - httpApi: GET /health
  orders:
    handler: app.orders
    events:
      # faasguard: ignore[FG201]
      - httpApi: GET /orders
  admin:
    handler: app.admin
    url: true
"""

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Metadata": {
                "faasguard": {
                    "ignore": [{"id": "FG202", "reason": "signed-URL webhook, verified in code"}]
                }
            },
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "a.h",
                "Role": "arn:aws:iam::1:role/r",
                "Code": {"ZipFile": "x"},
            },
        },
        "Url": {
            "Type": "AWS::Lambda::Url",
            "Properties": {"AuthType": "NONE", "TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}},
        },
        "Url2": {
            "Type": "AWS::Lambda::Url",
            "Properties": {"AuthType": "NONE", "TargetFunctionArn": {"Ref": "Fn2"}},
        },
        "Fn2": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "a.h",
                "Role": "arn:aws:iam::1:role/r",
                "Code": {"ZipFile": "x"},
            },
        },
    },
}


def _scan(root: Path, *extra: str) -> dict:
    out = root / "report.json"
    main(["scan", str(root), "--format", "json", "-o", str(out), "--no-advice", *extra])
    return json.loads(out.read_text())


def _ids(findings: list[dict]) -> list[tuple[str, str | None, int]]:
    return sorted((f["rule_id"], f["function"], f["location"]["line"]) for f in findings)


def test_inline_comments_need_a_reason(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    data = _scan(tmp_path)
    visible = _ids(data["findings"])
    assert ("FG201", "health", 11) not in visible  # suppressed on the function header
    assert ("FG201", "orders", 16) in visible  # a suppression without reason suppresses nothing
    assert ("FG006", None, 15) in visible  # ... and is reported
    assert ("FG202", "admin", 19) in visible
    (hidden,) = data["suppressed"]
    assert hidden["rule_id"] == "FG201" and hidden["function"] == "health"
    assert hidden["suppression"]["reason"] == "liveness probe, returns a constant"
    assert data["summary"]["suppressed"] == 1


def test_json_metadata_suppresses_inside_its_resource_only(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text(json.dumps(TEMPLATE, indent=2))
    data = _scan(tmp_path)
    urls = [f for f in data["findings"] if f["rule_id"] == "FG202"]
    assert [f["function"] for f in urls] == ["Fn2"]
    assert [s["function"] for s in data["suppressed"]] == ["Fn"]


def test_suppressed_results_in_sarif_carry_the_justification(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    out = tmp_path / "r.sarif"
    main(["scan", str(tmp_path), "--format", "sarif", "-o", str(out)])
    results = json.loads(out.read_text())["runs"][0]["results"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"][0]["justification"].startswith("liveness probe")
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"


def test_baseline_hides_known_findings_even_when_lines_move(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    baseline = tmp_path / "baseline.json"
    assert main(["scan", str(tmp_path), "--write-baseline", str(baseline)]) == 0
    recorded = json.loads(baseline.read_text())
    assert recorded["schema"] == "faasguard-baseline" and len(recorded["findings"]) >= 3
    # Move everything down and add a new unauthenticated route.
    moved = (
        "# moved\n\n" + SLS + "  newRoute:\n    handler: app.new\n    events:\n"
        "      - httpApi: DELETE /orders\n"
    )
    (tmp_path / "serverless.yml").write_text(moved)
    data = _scan(tmp_path, "--baseline", str(baseline))
    new = {(f["rule_id"], f["function"]) for f in data["findings"]}
    assert ("FG201", "newRoute") in new
    assert all(function == "newRoute" for _, function in new)
    assert main(["scan", str(tmp_path), "--baseline", str(tmp_path / "missing.json")]) == 2


def test_config_file_disables_overrides_and_sets_stage(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    (tmp_path / ".faasguard.toml").write_text(
        'disable = ["FG401"]\nfail_on = "critical"\n[severity]\nFG202 = "critical"\n'
    )
    data = _scan(tmp_path)
    rules = {f["rule_id"]: f["severity"] for f in data["findings"]}
    assert "FG401" not in rules and rules["FG202"] == "critical"
    assert data["summary"]["fail_on"] == "critical" and data["summary"]["gating"] == 1
    assert main(["scan", str(tmp_path), "--no-config", "-o", str(tmp_path / "x")]) == 1
    (tmp_path / ".faasguard.toml").write_text('disabel = ["FG401"]\n')
    assert main(["scan", str(tmp_path)]) == 2


def test_pyproject_tool_section_is_read(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.faasguard]\nenable = ["FG202"]\n'
    )
    data = _scan(tmp_path)
    assert {f["rule_id"] for f in data["findings"]} == {"FG202"}

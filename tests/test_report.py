from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from faasguard.model import Severity
from faasguard.report import Report, render
from faasguard.rules import all_rules
from tests.helpers import sample_inventory


def _report(fail_on: Severity | None = Severity.LOW) -> Report:
    inventory = sample_inventory()
    rules = all_rules()
    findings = tuple(f for r in rules for f in r.check(inventory))
    return Report(inventory, findings, fail_on=fail_on, rules=tuple(rules))


def test_sarif_is_valid_against_the_official_schema(sarif_schema: dict) -> None:
    sarif = json.loads(render(_report(), "sarif"))
    jsonschema.validate(sarif, sarif_schema)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "FG201" in rule_ids
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert result["partialFingerprints"]["faasguard/v1"]
        tags = result["properties"]["tags"]
        categories = ("iam", "triggers", "limits", "secrets", "encryption", "deployment", "input")
        assert any(t in tags for t in categories)
    route = next(r for r in run["results"] if r["ruleId"] == "FG201")
    assert "CWE-306" in route["properties"]["tags"] and "triggers" in route["properties"]["tags"]
    assert route["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 40
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("unresolved" in n["message"]["text"] for n in notes)


def test_json_report_matches_its_documented_schema() -> None:
    schema = json.loads(
        resources.files("faasguard.report").joinpath("report.schema.json").read_text()
    )
    data = json.loads(render(_report(), "json"))
    jsonschema.validate(data, schema)
    assert data["summary"]["functions"] == 3
    assert data["summary"]["warnings"] == 1
    by_rule = {f["rule_id"] for f in data["findings"]}
    assert {"FG001", "FG101", "FG201", "FG202", "FG401", "FG601"} <= by_rule


def test_gating_respects_fail_on_and_advice() -> None:
    assert all(not f.advice for f in _report().gating)
    assert {f.severity for f in _report(Severity.HIGH).gating} <= {Severity.HIGH, Severity.CRITICAL}
    assert _report(None).gating == ()


def test_text_groups_by_function_and_summarises() -> None:
    text = render(_report(), "text")
    assert "getOrders" in text and "FG201" in text and "api/serverless.yml:44:5" in text
    assert "1 unresolved" in text
    assert "functions" in text


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(_report(), "xml")

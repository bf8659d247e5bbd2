from __future__ import annotations

import datetime as dt

import pytest

from faasguard.model import Severity
from faasguard.rules import all_rules, get_rule
from faasguard.rules import deploy as deploy_rules
from faasguard.rules._secret_patterns import find_secret
from tests.helpers import sample_inventory


def _run(rule_id: str):  # type: ignore[no-untyped-def]
    return list(get_rule(rule_id).check(sample_inventory()))


def test_rule_registry_is_complete_and_documented() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert r.id.startswith("FG") and len(r.id) == 5
        assert r.docs.what and r.docs.why and r.docs.fix, r.id
    with pytest.raises(KeyError):
        get_rule("FG999")


def test_parse_errors_become_findings_warnings_do_not() -> None:
    (finding,) = _run("FG001")
    assert finding.location.file == "bad.yaml" and finding.location.line == 3
    assert "bad indent" in finding.message


def test_wildcard_action_points_at_statement_and_names_users() -> None:
    (finding,) = _run("FG101")
    assert finding.location.line == 13
    assert finding.severity is Severity.HIGH
    assert "getOrders" in finding.message and "worker" in finding.message
    assert finding.evidence["actions"] == ["dynamodb:*"]
    assert finding.function is None  # shared by two functions


def test_unauthenticated_routes_skip_preflight_private_and_authorized() -> None:
    findings = _run("FG201")
    assert [(f.function, f.location.line) for f in findings] == [("getOrders", 44)]
    assert findings[0].cwe == 306


def test_function_url_none() -> None:
    (finding,) = _run("FG202")
    assert finding.location.line == 52


def test_plaintext_secrets_but_not_references_or_names() -> None:
    findings = _run("FG401")
    got = {f.evidence["variable"]: f.severity for f in findings}
    assert got == {"DB_PASSWORD": Severity.MEDIUM, "AWS_KEY": Severity.HIGH}
    assert all("Sup3r" not in f.message for f in findings)  # redacted


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("DATABASE_URL", "postgres://app:s3cretpw@db.internal:5432/app", "connection string"),
        ("GH", "ghp_" + "a1B2" * 9, "GitHub token"),
        ("KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", "private key"),
        (
            "STORAGE",
            "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + "A" * 86 + "==",
            "Azure storage",
        ),
        ("STRIPE_KEY", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "Stripe"),
    ],
)
def test_provider_secret_formats(name: str, value: str, kind: str) -> None:
    match = find_secret(name, value)
    assert match is not None and kind.lower() in match.kind.lower()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PASSWORD_PARAM", "/prod/db/password"),
        ("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:x"),
        # long ARNs pass the entropy bar, but name where a secret lives
        ("STRIPE", "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/stripe-AbCdEf"),
        ("KEY", "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-12"),
        ("API_KEY", "changeme"),
        ("TOKEN_TTL", "3600"),
        ("LOG_LEVEL", "INFO"),
        ("TABLE_NAME", "orders-production-table"),
        ("DATABASE_URL", "postgres://db.internal:5432/app"),
        ("PASSWORD", "${env:PASSWORD}"),
        ("InvoiceStorage__credential", "managedidentity"),  # Azure identity-based connection
    ],
)
def test_not_secrets(name: str, value: str) -> None:
    assert find_secret(name, value) is None


def test_deprecated_runtime_uses_dated_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy_rules, "today", lambda: dt.date(2026, 11, 28))
    (finding,) = _run("FG601")
    assert finding.function == "getOrders" and finding.location.line == 41
    assert "2024-10-14" in finding.message
    monkeypatch.setattr(deploy_rules, "today", lambda: dt.date(2029, 3, 1))
    near = {f.function: f.severity for f in _run("FG601")}
    assert near["worker"] is Severity.LOW  # python3.13 ends 2029-06-30: within 180 days


def test_runtime_table_is_fresh() -> None:
    table = deploy_rules.runtime_table()
    retrieved = dt.date.fromisoformat(table["retrieved"])
    assert (dt.date.today() - retrieved).days <= 365, (
        "faasguard/data/runtimes.json is more than a year old: refresh it from its source"
    )
    assert table["source"].startswith("AWS Lambda developer guide")


def test_advice_is_marked() -> None:
    findings = _run("FG602")
    assert {f.function for f in findings} == {"getOrders", "internal"}
    assert all(f.advice for f in findings)


def test_rule_docs_are_generated_from_the_registry() -> None:
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_rule_docs.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == gen.generate(), "run: python scripts/gen_rule_docs.py"


def test_a_shared_setting_is_one_finding_naming_every_function() -> None:
    import dataclasses

    inv = sample_inventory()
    first = inv.functions[0]
    moved = first.location._replace(line=90)
    twin = dataclasses.replace(first, name="getOrdersV2", location=moved)
    inv = dataclasses.replace(inv, functions=(*inv.functions, twin))
    findings = [f for f in get_rule("FG401").check(inv) if f.evidence["variable"] == "AWS_KEY"]
    assert len(findings) == 1
    assert findings[0].evidence["functions"] == ["getOrders", "getOrdersV2"]
    assert findings[0].function is None


def test_application_insights_connection_string_is_not_a_secret() -> None:
    value = (
        "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
        "IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"
    )
    assert find_secret("APPLICATIONINSIGHTS_CONNECTION_STRING", value) is None
    # ... but a real secret under that name still is: provider formats win over names
    leaked = value + ";AccountKey=" + "A" * 86 + "=="
    assert find_secret("APPLICATIONINSIGHTS_CONNECTION_STRING", leaked) is not None

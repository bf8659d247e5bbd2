"""End to end: the bundled examples give exactly the findings they were written to have.

Each vulnerable example's security findings (advice aside) are listed below as
(rule, file, line), every one checked by hand against the example and the rule's docs. Each
hardened twin must give no security finding at all, only the advice listed for it, and only
suppressions that carry a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from faasguard.cli import main
from faasguard.rules import deploy
from tests.conftest import EXAMPLES

Expected = set[tuple[str, str, int]]

VULNERABLE: dict[str, Expected] = {
    "serverless-orders": {
        ("FG307", "serverless.yml", 22),  # httpApi without throttling, GET /orders anonymous
        ("FG108", "serverless.yml", 32),  # one write-capable role for all five functions
        ("FG101", "serverless.yml", 41),  # s3:* on *
        ("FG305", "serverless.yml", 51),  # listOrders: anonymous route, no reservedConcurrency
        ("FG201", "serverless.yml", 54),  # GET /orders without authorizer
        ("FG305", "serverless.yml", 58),  # createOrder: authenticated but unthrottled (low)
        ("FG401", "serverless.yml", 61),  # DB_PASSWORD: hunter2-orders
        ("FG601", "serverless.yml", 73),  # processJob on python3.7
        ("FG305", "serverless.yml", 80),  # exportOrders: function URL, no reservedConcurrency
        ("FG202", "serverless.yml", 82),  # url: true (auth NONE)
        ("FG701", "requirements.txt", 2),  # requests 2.28.1: GHSA-j8r2-6x86-q33q
        ("FG701", "requirements.txt", 3),  # PyYAML 5.3.1: GHSA-8q59-q68h-6hv4
    },
    "sam-payments": {
        ("FG307", "template.yaml", 45),  # PaymentsHttpApi: no throttling, /health anonymous
        ("FG307", "template.yaml", 54),  # AdminRestApi: no throttling (authenticated: low)
        ("FG308", "template.yaml", 78),  # VisibilityTimeout 20 < SettlementFunction timeout 60
        ("FG305", "template.yaml", 80),  # CreatePaymentFunction reachable anonymously, no cap
        ("FG401", "template.yaml", 85),  # API_TOKEN: sk_live_...
        ("FG101", "template.yaml", 91),  # Action "*" on Resource "*"
        ("FG201", "template.yaml", 101),  # GET /health with Authorizer: NONE
        ("FG305", "template.yaml", 110),  # RefundFunction: no cap (authenticated: low)
        ("FG305", "template.yaml", 124),  # WebhookFunction: function URL, no cap
        ("FG202", "template.yaml", 127),  # FunctionUrlConfig AuthType NONE
    },
    "terraform-thumbnails": {
        ("FG503", "main.tf", 34),  # uploads bucket without aws:SecureTransport deny
        ("FG503", "main.tf", 46),  # thumbnails bucket, same
        ("FG101", "main.tf", 82),  # resize policy: s3:* on *
        ("FG305", "main.tf", 115),  # resize: anonymous function URL, no reserved concurrency
        ("FG401", "main.tf", 128),  # STRIPE_API_KEY = "sk_live_..."
        ("FG401", "main.tf", 129),  # DB_PASSWORD = var.db_password (a literal default)
        ("FG205", "main.tf", 135),  # S3 permission without source_account
        ("FG202", "main.tf", 155),  # function URL authorization_type NONE
        ("FG305", "main.tf", 196),  # api: public routes, no reserved concurrency (throttled: low)
        ("FG601", "main.tf", 199),  # nodejs20.x, deprecated 2026-04-30
        ("FG512", "main.tf", 241),  # Azure function app without https_only
        ("FG401", "main.tf", 252),  # CDN_SIGNING_SECRET literal app setting
        ("FG401", "main.tf", 292),  # GCP ADMIN_TOKEN literal
        ("FG208", "main.tf", 303),  # allUsers invoker with ALLOW_ALL ingress
        ("FG201", "modules/http-api/main.tf", 31),  # GET /thumbnails/{id} authorization NONE
        ("FG403", "variables.tf", 15),  # db_password default
    },
    "azure-invoices": {
        ("FG201", "GetInvoicePdf/function.json", 5),  # authLevel anonymous
        ("FG601", "host.json", 14),  # extension bundle [2.*, 3.0.0): deprecated
        ("FG401", "local.settings.json", 5),  # storage account key in AzureWebJobsStorage
        ("FG401", "local.settings.json", 6),  # SIGNING_KEY literal
        ("FG206", "local.settings.json", 11),  # CORS * with credentials
        ("FG701", "package.json", 9),  # lodash 4.17.15: GHSA-35jh-r3h4-6jhm
    },
}

# Hardened twins: advice they may still get (each explained in the twin's README), and the
# findings suppressed inline on purpose, as (rule, file).
ACCEPTED_ADVICE: dict[str, set[str]] = {
    "serverless-orders-hardened": {"FG603"},  # no code-signing setting in serverless.yml
    "sam-payments-hardened": set(),
    "terraform-thumbnails-hardened": set(),
    "azure-invoices-hardened": {"FG207"},  # function keys; Easy Auth lives in the IaC
}
SUPPRESSED: dict[str, set[tuple[str, str]]] = {
    "serverless-orders-hardened": set(),
    "sam-payments-hardened": {("FG201", "template.yaml"), ("FG202", "template.yaml")},
    "terraform-thumbnails-hardened": set(),
    "azure-invoices-hardened": set(),
}
_SUPPRESSION = re.compile(r"faasguard:\s*ignore(?:-file)?\s*\[[^\]]*\](?P<reason>[^\n]*)")


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    # Runtime end-of-support is date dependent: pin "today" to the date of the runtime table.
    monkeypatch.setattr(deploy, "today", lambda: dt.date(2026, 11, 28))


@pytest.fixture(autouse=True)
def _examples_advisory_db(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:
    """The advisory set bundled for the examples (examples/advisories), as the README loads it."""
    from faasguard.supply.advisories import update_database

    path = tmp_path_factory.mktemp("examples-db") / "advisories.sqlite"
    update_database([str(EXAMPLES / "advisories")], path)
    monkeypatch.setenv("FAASGUARD_DB", str(path))


def test_without_an_advisory_database_the_examples_never_pass_as_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAASGUARD_DB", str(tmp_path / "missing.sqlite"))
    code, report = _scan("serverless-orders-hardened", tmp_path)
    assert code == 1
    assert {f["rule_id"] for f in report["findings"]} >= {"FG704"}
    assert "--allow-unchecked" in capsys.readouterr().err


def _scan(name: str, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"{name}.json"
    code = main(["scan", str(EXAMPLES / name), "--format", "json", "-o", str(out)])
    return code, json.loads(out.read_text(encoding="utf-8"))


def _security(report: dict[str, Any]) -> Expected:
    return {
        (f["rule_id"], f["location"]["file"], f["location"]["line"])
        for f in report["findings"]
        if not f["advice"]
    }


def test_every_example_has_a_hardened_twin_and_a_readme() -> None:
    for name in VULNERABLE:
        for directory in (EXAMPLES / name, EXAMPLES / f"{name}-hardened"):
            assert (directory / "README.md").is_file(), directory
    assert set(ACCEPTED_ADVICE) == {f"{name}-hardened" for name in VULNERABLE}


@pytest.mark.parametrize("name", sorted(VULNERABLE))
def test_vulnerable_example_exact_findings(name: str, tmp_path: Path) -> None:
    code, report = _scan(name, tmp_path)
    got = _security(report)
    assert got == VULNERABLE[name], (
        f"missing: {sorted(VULNERABLE[name] - got)}; unexpected: {sorted(got - VULNERABLE[name])}"
    )
    assert len(got) == sum(1 for f in report["findings"] if not f["advice"])  # no duplicates
    assert code == 1
    assert report["summary"]["suppressed"] == 0


@pytest.mark.parametrize("name", sorted(ACCEPTED_ADVICE))
def test_hardened_twin_has_no_security_findings(name: str, tmp_path: Path) -> None:
    code, report = _scan(name, tmp_path)
    assert _security(report) == set()
    advice = {f["rule_id"] for f in report["findings"] if f["advice"]}
    assert advice <= ACCEPTED_ADVICE[name], sorted(advice - ACCEPTED_ADVICE[name])
    assert code == 0
    assert report["warnings"] == [] or all(w["code"] == "unresolved" for w in report["warnings"])
    suppressed = report.get("suppressed") or []
    assert {(s["rule_id"], s["location"]["file"]) for s in suppressed} == SUPPRESSED[name]
    assert all(len(s["suppression"]["reason"]) >= 10 for s in suppressed)


@pytest.mark.parametrize("name", sorted(ACCEPTED_ADVICE))
def test_hardened_twin_suppressions_all_give_reasons(name: str) -> None:
    written = 0
    for path in sorted((EXAMPLES / name).rglob("*")):
        if not path.is_file() or path.suffix not in (".yml", ".yaml", ".tf", ".json", ".py"):
            continue
        for match in _SUPPRESSION.finditer(path.read_text(encoding="utf-8")):
            written += 1
            assert len(match.group("reason").strip(" :-\t")) >= 10, (path, match.group(0))
    assert written == len(SUPPRESSED[name])


@pytest.mark.parametrize("name", sorted(VULNERABLE))
def test_hardened_twin_is_the_same_application(name: str) -> None:
    from faasguard.inventory import LoadContext, build_inventory

    def shape(root: Path) -> dict[str, list[tuple[str, str | None, str | None]]]:
        inv = build_inventory(root, LoadContext(root=root, env={}))
        return {
            fn.name: sorted(
                (t.kind.value, t.method, t.path)
                for t in fn.triggers
                if t.kind.value != "invoke"  # a lambda permission, not an entry point
            )
            for fn in inv.functions
        }

    assert shape(EXAMPLES / f"{name}-hardened") == shape(EXAMPLES / name)


def test_allow_unchecked_accepts_a_missing_advisory_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAASGUARD_DB", str(tmp_path / "missing.sqlite"))
    out = tmp_path / "report.json"
    code = main(["scan", str(EXAMPLES / "serverless-orders-hardened"), "--allow-unchecked",
                 "--format", "json", "-o", str(out)])  # fmt: skip
    assert code == 0
    assert "FG704" in {f["rule_id"] for f in json.loads(out.read_text())["findings"]}

"""FG710-FG714 on real dependency files read by the real loaders."""

from __future__ import annotations

import shutil
from pathlib import Path

from faasguard.inventory import LoadContext, build_inventory
from faasguard.model import Finding, Inventory, Severity
from faasguard.rules import all_rules, get_rule
from tests.supply._util import SUPPLY, write

SERVICE = """
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: handler.main
    events:
      - httpApi: {path: /orders, method: get}
"""


def _inventory(root: Path, files: dict[str, str]) -> Inventory:
    write(root, files)
    return build_inventory(root, LoadContext(root=root, env={}))


def _run(rule_id: str, inventory: Inventory) -> list[Finding]:
    return list(get_rule(rule_id).check(inventory))


def _packages(findings: list[Finding]) -> list[str]:
    return sorted(str(f.evidence["package"]) for f in findings)


def test_rules_are_registered_with_docs() -> None:
    ours = [r for r in all_rules() if r.id.startswith("FG71")]
    assert [r.id for r in ours] == ["FG710", "FG711", "FG712", "FG713", "FG714", "FG715"]
    for r in ours:
        assert r.docs.what and r.docs.why and r.docs.fix and r.docs.references
        assert r.category.value == "supply-chain" and r.cwe


def test_fg710_unpinned_requirements_tied_to_the_function(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {
            "serverless.yml": SERVICE,
            "requirements.txt": "boto3==1.34.100\nrequests>=2.0\nurllib3\n",
            "requirements-dev.txt": "pytest>=8\n",
        },
    )
    findings = _run("FG710", inv)
    assert _packages(findings) == ["requests", "urllib3"]
    first = next(f for f in findings if f.evidence["package"] == "requests")
    assert (first.location.file, first.location.line) == ("requirements.txt", 2)
    assert first.function == "api" and first.severity is Severity.MEDIUM
    assert first.evidence["manifest"] == "requirements.txt"
    assert first.evidence["specifier"] == ">=2.0"


def test_fg710_not_raised_when_a_lock_file_pins_the_manifest(tmp_path: Path) -> None:
    shutil.copytree(SUPPLY / "uv-project", tmp_path / "svc")
    write(tmp_path, {"svc/serverless.yml": SERVICE})
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    assert _run("FG710", inv) == []
    (tmp_path / "svc" / "uv.lock").unlink()
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    # six>=1.16 and the optional certifi; iniconfig is a dev group
    assert _packages(_run("FG710", inv)) == ["certifi", "six"]


def test_fg710_is_low_for_a_manifest_no_function_ships(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, {"tools/requirements.txt": "black\n"})
    (finding,) = _run("FG710", inv)
    assert finding.severity is Severity.LOW and finding.function is None


def test_fg710_pip_tools_input_is_not_reported_next_to_its_output(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path, {"requirements.in": "requests\n", "requirements.txt": "requests==2.32.3\n"}
    )
    assert _run("FG710", inv) == []


def test_fg710_included_file_reported_once(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {"requirements.txt": "-r base.txt\n", "base.txt": "flask\n", "requirements/x.txt": ""},
    )
    # base.txt is not a requirements file by name, but it is read through the include
    findings = _run("FG710", inv)
    assert [(f.location.file, f.location.line) for f in findings] == [("base.txt", 1)]


def test_fg711_missing_hash_in_hash_checked_file(tmp_path: Path) -> None:
    shutil.copy(SUPPLY / "requirements" / "hashed.txt", tmp_path / "requirements.txt")
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    findings = _run("FG711", inv)
    assert _packages(findings) == ["certifi", "six"]
    messages = " ".join(f.message for f in findings)
    assert "six has no hash" in messages and "certifi has not pinned with ==" in messages


def test_fg711_lock_file_entry_without_hash(tmp_path: Path) -> None:
    text = (SUPPLY / "pipenv" / "Pipfile.lock").read_text(encoding="utf-8")
    text = text.replace(
        '"six": {\n            "hashes": [\n'
        '                "sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",'
        "\n                "
        '"sha256:ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81"\n'
        "            ],",
        '"six": {',
    )
    write(tmp_path, {"Pipfile.lock": text})
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    assert _packages(_run("FG711", inv)) == ["six"]


def test_fg711_quiet_without_hash_checking(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, {"requirements.txt": "six==1.17.0\n"})
    assert _run("FG711", inv) == []


def test_fg712_vcs_and_url_sources(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {
            "serverless.yml": SERVICE,
            "requirements.txt": (
                "git+https://github.com/acme/payments-sdk@main#egg=payments-sdk\n"
                "acme-auth @ git+https://github.com/acme/auth.git@"
                "8f2c1d6a8e0b4a7c9d3e5f1a2b4c6d8e0f1a3b5c\n"
                "reporting @ https://files.example.com/reporting-1.0.0.tar.gz\n"
                "legacy @ http://files.example.com/legacy-0.1.tar.gz\n"
                "-e ./libs/shared\n"
            ),
        },
    )
    by_package = {f.evidence["package"]: f for f in _run("FG712", inv)}
    assert sorted(by_package) == ["acme-auth", "legacy", "payments-sdk", "reporting"]
    assert by_package["payments-sdk"].severity is Severity.HIGH  # a branch moves
    assert by_package["acme-auth"].severity is Severity.MEDIUM  # a full commit
    assert by_package["legacy"].severity is Severity.HIGH  # plain http
    assert by_package["reporting"].severity is Severity.MEDIUM
    assert by_package["payments-sdk"].function == "api"


def test_fg712_npm_github_shorthand_and_dev_skipped(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {
            "package.json": '{"dependencies": {"sdk": "acme/sdk"},'
            ' "devDependencies": {"tool": "github:acme/tool"}}\n',
        },
    )
    assert _packages(_run("FG712", inv)) == ["sdk"]


def test_fg713_typosquats_in_runtime_and_dev_dependencies(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {
            "serverless.yml": SERVICE,
            "requirements.txt": "reqeusts==2.28.1\nrequests==2.32.3\npython-dateutil==2.9.0\n",
            "requirements-dev.txt": "pytset==8.0.0\n",
        },
    )
    findings = {f.evidence["package"]: f for f in _run("FG713", inv)}
    assert sorted(findings) == ["pytset", "reqeusts"]
    assert findings["reqeusts"].severity is Severity.HIGH
    assert findings["reqeusts"].evidence["imitates"] == "requests"
    assert findings["reqeusts"].function == "api"
    assert findings["pytset"].severity is Severity.MEDIUM  # dev only


def test_fg713_npm_lock_file(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {
            "yarn.lock": '# yarn lockfile v1\n\n\nloadsh@^4.17.21:\n  version "4.17.21"\n'
            '  resolved "https://registry.yarnpkg.com/loadsh/-/loadsh-4.17.21.tgz"\n'
            '\nlodash@^4.17.21:\n  version "4.17.21"\n',
        },
    )
    (finding,) = _run("FG713", inv)
    assert finding.evidence["package"] == "loadsh" and finding.location.line == 4


def test_fg714_lock_out_of_sync(tmp_path: Path) -> None:
    shutil.copytree(SUPPLY / "npm-v1", tmp_path / "worker")
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    findings = _run("FG714", inv)
    # axios is declared but not locked; debug 2.6.9 and ms ^2.1.1 are in the lock
    assert _packages(findings) == ["axios"]
    assert "missing from worker/package-lock.json" in findings[0].message
    assert findings[0].location.file == "worker/package.json"


def test_fg714_pinned_version_differs_and_pypi_range(tmp_path: Path) -> None:
    shutil.copytree(SUPPLY / "uv-project", tmp_path, dirs_exist_ok=True)
    write(
        tmp_path,
        {
            "pyproject.toml": (SUPPLY / "uv-project" / "pyproject.toml")
            .read_text(encoding="utf-8")
            .replace('"idna==3.7"', '"idna==3.8"')
            .replace('"six>=1.16"', '"six>=2"'),
        },
    )
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    messages = sorted(f.message for f in _run("FG714", inv))
    assert messages == [
        "idna is pinned to 3.8, not what is in uv.lock",
        "six requires >=2 but 1.17.0 is locked in uv.lock",
    ]


def test_fg714_in_sync_projects_are_quiet(tmp_path: Path) -> None:
    for name in ("npm-v3", "uv-project", "poetry-project", "yarn-classic"):
        shutil.copytree(SUPPLY / name, tmp_path / name)
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    assert _run("FG714", inv) == []


def test_clean_project_has_no_supply_findings(tmp_path: Path) -> None:
    shutil.copytree(SUPPLY / "npm-v3", tmp_path / "svc")
    write(tmp_path, {"svc/requirements.txt": "boto3==1.34.100\n"})
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path, env={}))
    assert [f for r in ("FG710", "FG711", "FG712", "FG713", "FG714") for f in _run(r, inv)] == []


def test_fg715_extra_index_url(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {
            "serverless.yml": SERVICE,
            "requirements.txt": "-r common.txt\nacme-billing==3.2.0\n",
            "common.txt": "--extra-index-url https://pypi.internal.example.com/simple\n",
            "other/requirements.txt": "--index-url https://mirror.example.com/simple\nsix==1\n",
        },
    )
    (finding,) = _run("FG715", inv)
    assert (finding.location.file, finding.location.line) == ("common.txt", 1)
    assert finding.evidence["index"] == "https://pypi.internal.example.com/simple"
    assert finding.function == "api"


def test_inline_suppression_in_a_requirements_file(tmp_path: Path) -> None:
    import json

    from faasguard.cli import main

    write(
        tmp_path,
        {
            "serverless.yml": SERVICE,
            "requirements.txt": "reqeusts==2.28.1  # faasguard: ignore[FG713] internal fork\n"
            "urlib3==2.2.2\n",
        },
    )
    out = tmp_path / "report.json"
    main(["scan", str(tmp_path), "--rules", "FG713", "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [f["evidence"]["package"] for f in report["findings"]] == ["urlib3"]
    assert [s["rule_id"] for s in report["suppressed"]] == ["FG713"]

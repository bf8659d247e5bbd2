"""Finding dependency files in a tree and tying them to the functions that ship them."""

from __future__ import annotations

import shutil
from pathlib import Path

from faasguard.inventory import LoadContext, build_inventory
from faasguard.model import DiagnosticLevel, Inventory
from faasguard.rules import get_rule
from faasguard.supply import collect, reader_for
from tests.conftest import EXAMPLES
from tests.supply._util import SUPPLY, write

SERVERLESS = """
service: orders
provider:
  name: aws
  runtime: python3.12
layers:
  common:
    path: layers/common
functions:
  list:
    handler: src/handler.list_orders
    layers:
      - {Ref: CommonLambdaLayer}
  notify:
    handler: notify/index.handler
    runtime: nodejs20.x
"""

SAM = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  PayFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: pay/
"""


def _project(root: Path) -> Path:
    write(
        root,
        {
            "orders/serverless.yml": SERVERLESS,
            "orders/requirements.txt": "boto3==1.34.100\nrequests>=2\n",
            "orders/src/handler.py": "def list_orders(event, context): ...\n",
            "orders/layers/common/requirements.txt": "pydantic==2.7.1\n",
            "orders/notify/index.js": "exports.handler = async () => {};\n",
            "orders/node_modules/left-pad/package.json": '{"name": "left-pad"}\n',
            "orders/.venv/lib/site-packages/x/requirements.txt": "evil\n",
            "payments/template.yaml": SAM,
            "payments/pay/requirements.txt": "six==1.17.0\n",
            "payments/pay/app.py": "def handler(event, context): ...\n",
            "tools/requirements-dev.txt": "pytest>=8\n",
            "ignored/requirements.txt": "flask\n",
            ".gitignore": "ignored/\n",
        },
    )
    shutil.copytree(SUPPLY / "npm-v3", root / "orders" / "notify", dirs_exist_ok=True)
    return root


def _inventory(root: Path) -> Inventory:
    return build_inventory(root, LoadContext(root=root, env={}))


def test_reader_for_names() -> None:
    assert reader_for("a/requirements.txt")[0] == "requirements"
    assert reader_for("requirements-prod.txt")[0] == "requirements"
    assert reader_for("dev-requirements.txt")[0] == "requirements"
    assert reader_for("requirements/base.in")[0] == "requirements"
    assert reader_for("npm-shrinkwrap.json")[0] == "package-lock.json"
    assert reader_for("pylock.prod.toml")[0] == "pylock.toml"
    assert reader_for("Pipfile.lock")[0] == "Pipfile.lock"
    assert reader_for("tsconfig.json") is None
    assert reader_for("myrequirements.txt") is None
    assert reader_for("notes.txt") is None


def test_collect_skips_vendored_and_ignored_trees(tmp_path: Path) -> None:
    inv = _inventory(_project(tmp_path))
    paths = sorted(m.path for m in inv.manifests)
    assert paths == [
        "orders/layers/common/requirements.txt",
        "orders/notify/package-lock.json",
        "orders/notify/package.json",
        "orders/requirements.txt",
        "payments/pay/requirements.txt",
        "tools/requirements-dev.txt",
    ]


def test_manifests_are_tied_to_code_paths_and_layers(tmp_path: Path) -> None:
    inv = _inventory(_project(tmp_path))
    owners = {m.path: sorted(f.rsplit(":", 1)[1] for f in m.functions) for m in inv.manifests}
    # list's code is orders/src: no manifest inside, so the nearest above it within the service
    assert owners["orders/requirements.txt"] == ["ListLambdaFunction"]
    # the layer's content directory ships with the function that uses it
    assert owners["orders/layers/common/requirements.txt"] == ["ListLambdaFunction"]
    # a Node function gets the npm files in its own directory, not the Python ones
    assert owners["orders/notify/package.json"] == ["NotifyLambdaFunction"]
    assert owners["orders/notify/package-lock.json"] == ["NotifyLambdaFunction"]
    assert owners["payments/pay/requirements.txt"] == ["PayFunction"]
    assert owners["tools/requirements-dev.txt"] == []


def test_lock_files_know_their_manifest_and_direct_dependencies(tmp_path: Path) -> None:
    shutil.copytree(SUPPLY / "yarn-classic", tmp_path / "app")
    manifests, diagnostics = collect(tmp_path, [])
    assert diagnostics == []
    lock = next(m for m in manifests if m.kind == "yarn.lock")
    assert lock.lock_for == "app/package.json"
    direct = {d.name: d.direct for d in lock.dependencies}
    assert direct == {"@types/aws-lambda": True, "debug": True, "ms": True, "payments-sdk": True}


def test_transitive_dependencies_are_not_direct(tmp_path: Path) -> None:
    shutil.copytree(SUPPLY / "yarn-berry", tmp_path / "app")
    write(tmp_path, {"app/package.json": '{"dependencies": {"debug": "^4.3.4"}}\n'})
    manifests, _ = collect(tmp_path, [])
    lock = next(m for m in manifests if m.kind == "yarn.lock")
    assert {d.name: d.direct for d in lock.dependencies}["ms"] is False


def test_broken_manifest_is_a_diagnostic_and_a_finding(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "svc/serverless.yml": "service: s\nprovider: {name: aws, runtime: python3.12}\n"
            "functions:\n  f: {handler: h.f}\n",
            "svc/requirements.txt": "requests==2.32.3\nflask===\n",
            "svc/package.json": '{"dependencies": {"a": "1.0.0",}}\n',
        },
    )
    inv = _inventory(tmp_path)
    errors = [d for d in inv.diagnostics if d.level is DiagnosticLevel.ERROR]
    where = sorted((d.code, d.location.file, d.location.line) for d in errors)
    assert where == [
        ("parse-error", "svc/package.json", 1),
        ("parse-error", "svc/requirements.txt", 2),
    ]
    findings = list(get_rule("FG001").check(inv))
    assert sorted(f.location.file for f in findings) == ["svc/package.json", "svc/requirements.txt"]


def test_error_inside_an_included_file_points_at_that_file(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "-r common/base.txt\n", "common/base.txt": "ok==1\n!!\n"})
    _, diagnostics = collect(tmp_path, [])
    assert [(d.location.file, d.location.line) for d in diagnostics] == [("common/base.txt", 2)]


def test_single_file_root(tmp_path: Path) -> None:
    write(tmp_path, {"requirements.txt": "six==1.17.0\n"})
    manifests, _ = collect(tmp_path / "requirements.txt", [])
    assert [m.path for m in manifests] == ["requirements.txt"]


def test_excludes_are_honoured(tmp_path: Path) -> None:
    write(tmp_path, {"a/requirements.txt": "six\n", "b/requirements.txt": "six\n"})
    manifests, _ = collect(tmp_path, [], excludes=["b/**"])
    assert [m.path for m in manifests] == ["a/requirements.txt"]


def test_examples_manifests_are_tied_to_their_functions() -> None:
    inv = build_inventory(EXAMPLES, LoadContext(root=EXAMPLES, env={}))
    by_path = {m.path: m for m in inv.manifests}
    assert len(by_path["serverless-orders/requirements.txt"].functions) == 5
    assert len(by_path["sam-payments/src/requirements.txt"].functions) == 4
    azure = by_path["azure-invoices/package.json"]
    assert len(azure.functions) == 3 and azure.ecosystem == "npm"


def test_oversized_manifest_is_reported_not_read(tmp_path: Path, monkeypatch) -> None:
    from faasguard.supply import _collect

    write(tmp_path, {"requirements.txt": "six==1.17.0\n" * 10})
    monkeypatch.setattr(_collect, "MAX_MANIFEST_SIZE", 20)
    manifests, diagnostics = collect(tmp_path, [])
    assert manifests == ()
    assert [(d.code, d.location.file) for d in diagnostics] == [("too-large", "requirements.txt")]


def test_reader_bug_becomes_an_internal_error_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    from faasguard.supply import _collect

    def broken(path: Path, rel: str):  # type: ignore[no-untyped-def]
        raise KeyError("oops")

    write(tmp_path, {"yarn.lock": 'a@1:\n  version "1"\n', "requirements.txt": "six==1\n"})
    monkeypatch.setitem(_collect._FIXED, "yarn.lock", ("yarn.lock", broken))
    manifests, diagnostics = collect(tmp_path, [])
    assert [m.path for m in manifests] == ["requirements.txt"]
    (diag,) = diagnostics
    assert diag.code == "internal-error" and "KeyError" in diag.message
    assert diag.location.file == "yarn.lock"


def test_manifest_above_the_project_is_not_tied(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(root, {"requirements.txt": "black==24.4.2\n"})  # repository tooling
    inv = _inventory(root)
    assert {m.path: m.functions for m in inv.manifests}["requirements.txt"] == ()


def test_azure_python_app_root_requirements(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/host.json": '{"version": "2.0"}\n',
            "app/requirements.txt": "azure-functions==1.20.0\n",
            "app/HttpTrigger/function.json": '{"scriptFile": "__init__.py", "bindings": '
            '[{"authLevel": "function", "type": "httpTrigger", "direction": "in", '
            '"name": "req", "methods": ["get"]}, '
            '{"type": "http", "direction": "out", "name": "$return"}]}\n',
            "app/HttpTrigger/__init__.py": "def main(req): ...\n",
            "app/local.settings.json": '{"Values": {"FUNCTIONS_WORKER_RUNTIME": "python"}}\n',
        },
    )
    inv = _inventory(tmp_path)
    (manifest,) = inv.manifests
    assert [f.rsplit(":", 1)[1] for f in manifest.functions] == ["HttpTrigger"]


def test_one_walk_in_a_scan_finds_what_a_walk_of_its_own_finds(tmp_path: Path) -> None:
    """build_inventory collects dependency files on discovery's walk; collect() alone walks."""
    from tests.conftest import FIXTURES

    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "sbom" / "sam-shop", project)
    (project / "vendor" / "lib").mkdir(parents=True)  # vendored: skipped by both
    (project / "vendor" / "lib" / "requirements.txt").write_text("six==1.16.0\n")
    inventory = build_inventory(project)
    alone, _ = collect(project, inventory.functions)
    assert inventory.manifests == alone
    assert {m.path for m in alone} and not any(m.path.startswith("vendor/") for m in alone)

from __future__ import annotations

import json
import os
from pathlib import Path

from faasguard.discovery import discover, kind_by_name

CFN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"


def _write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _kinds(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.rel: c.kind for c in result.candidates}


def test_names_and_sniffing_decide_kinds(tmp_path: Path) -> None:
    _write(tmp_path, "api/serverless.yml", "service: api\nprovider:\n  name: aws\n")
    _write(tmp_path, "api/serverless.prod.yml", "service: api\nprovider:\n  name: aws\n")
    _write(tmp_path, "sam/template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources: {}\n")
    _write(
        tmp_path, "cfn/stack.json", json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    )
    _write(tmp_path, "tf/main.tf", 'resource "aws_s3_bucket" "b" {}\n')
    _write(tmp_path, "tf/prod.tfvars", 'stage = "prod"\n')
    _write(tmp_path, "az/host.json", '{"version": "2.0"}')
    _write(tmp_path, "az/Http/function.json", '{"bindings": []}')
    _write(tmp_path, "az/local.settings.json", '{"Values": {}}')
    # Look-alikes that must never be parsed as templates
    _write(tmp_path, "api/package.json", '{"name": "api", "dependencies": {}}')
    _write(tmp_path, "api/tsconfig.json", '{"compilerOptions": {}}')
    _write(tmp_path, "api/events/get.json", '{"httpMethod": "GET", "path": "/orders"}')
    _write(tmp_path, "docs/mkdocs.yml", "site_name: docs\n")
    _write(tmp_path, ".github/workflows/ci.yml", "on: push\njobs: {}\n")
    _write(tmp_path, "node_modules/lib/template.yaml", CFN)
    _write(tmp_path, ".aws-sam/build/template.yaml", CFN)
    result = discover(tmp_path)
    assert _kinds(result) == {
        "api/serverless.yml": "serverless",
        "api/serverless.prod.yml": "serverless",
        "sam/template.yaml": "cloudformation",
        "cfn/stack.json": "cloudformation",
        "tf/main.tf": "terraform",
        "tf/prod.tfvars": "tfvars",
        "az/host.json": "azure-host",
        "az/Http/function.json": "azure-function",
        "az/local.settings.json": "azure-settings",
    }
    assert result.diagnostics == []


def test_gitignore_faasguardignore_and_exclude(tmp_path: Path) -> None:
    _write(tmp_path, ".gitignore", "generated/\n*.bak.yaml\n")
    _write(tmp_path, ".faasguardignore", "legacy/**\n")
    for rel in ("generated/t.yaml", "x.bak.yaml", "legacy/a/t.yaml", "keep/t.yaml", "skip/t.yaml"):
        _write(tmp_path, rel, CFN)
    result = discover(tmp_path, excludes=["skip/"])
    assert list(_kinds(result)) == ["keep/t.yaml"]
    assert list(_kinds(discover(tmp_path, use_ignore_files=False))) == [
        "generated/t.yaml",
        "keep/t.yaml",
        "legacy/a/t.yaml",
        "skip/t.yaml",
        "x.bak.yaml",
    ]


def test_size_cap_reports_instead_of_reading(tmp_path: Path) -> None:
    _write(tmp_path, "big/template.yaml", CFN + "# pad\n" * 2000)
    _write(tmp_path, "big/serverless.yml", "service: x\n" + "# pad\n" * 2000)
    result = discover(tmp_path, max_file_size=4096)
    assert result.candidates == []
    assert sorted((d.code, d.location.file) for d in result.diagnostics) == [
        ("too-large", "big/serverless.yml"),
        ("too-large", "big/template.yaml"),
    ]


def test_binary_file_with_template_name_is_not_a_template(tmp_path: Path) -> None:
    _write(tmp_path, "blob.yaml", b"\x00\x01AWSTemplateFormatVersion\x00" * 10)
    assert discover(tmp_path).candidates == []


def test_symlink_loop_is_reported_and_terminates(tmp_path: Path) -> None:
    _write(tmp_path, "a/template.yaml", CFN)
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    result = discover(tmp_path)
    assert [c.rel for c in result.candidates] == ["a/template.yaml"]
    assert [d.code for d in result.diagnostics] == ["symlink-loop"]


def test_single_file_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "stack.yaml", CFN)
    result = discover(path)
    assert [(c.rel, c.kind) for c in result.candidates] == [("stack.yaml", "cloudformation")]


def test_kind_by_name_never_claims_lock_files() -> None:
    assert kind_by_name("package-lock.json") is None
    assert kind_by_name("pnpm-lock.yaml") is None
    assert kind_by_name("terraform.tfvars.json") is None
    assert kind_by_name("SERVERLESS.YML") == "serverless"


def test_definitions_we_cannot_read_are_warned_not_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "svc/serverless.ts", "export default { service: 'x' }\n")
    _write(tmp_path, "infra/main.tf.json", '{"resource": {}}')
    result = discover(tmp_path)
    assert result.candidates == []
    assert sorted((d.code, d.level.value, d.location.file) for d in result.diagnostics) == [
        ("unsupported", "warning", "infra/main.tf.json"),
        ("unsupported", "warning", "svc/serverless.ts"),
    ]


def test_a_single_file_that_is_not_a_definition_is_warned(tmp_path: Path) -> None:
    path = _write(tmp_path, "README.md", "# not a template\n")
    result = discover(path)
    assert result.candidates == []
    assert [(d.code, d.location.file) for d in result.diagnostics] == [("unsupported", "README.md")]


def test_symlinks_out_of_the_tree_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "serverless.yml").write_text("service: secret-elsewhere\nprovider:\n  name: aws\n")
    project = tmp_path / "project"
    (project / "shared").mkdir(parents=True)
    (project / "shared" / "serverless.yml").write_text("service: inside\nprovider:\n  name: aws\n")
    (project / "serverless.yml").symlink_to(outside / "serverless.yml")
    (project / "linked-dir").symlink_to(outside, target_is_directory=True)
    (project / "alias").mkdir()
    (project / "alias" / "serverless.yml").symlink_to(project / "shared" / "serverless.yml")
    found = discover(project)
    assert [c.rel for c in found.candidates] == ["alias/serverless.yml", "shared/serverless.yml"]
    outside_links = sorted(
        d.location.file for d in found.diagnostics if d.code == "symlink-outside"
    )
    assert outside_links == ["linked-dir", "serverless.yml"]

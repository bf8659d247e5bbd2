from __future__ import annotations

from pathlib import Path

from faasguard.inventory import LoadContext, build_inventory

SLS = """service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: app.handler
resources:
  - ${file(resources/bucket.yml)}
"""
FRAGMENT = """Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: orders-uploads
"""


def test_files_included_by_serverless_are_not_loaded_twice(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "bucket.yml").write_text(FRAGMENT)
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path))
    buckets = [r for r in inv.resources if r.kind == "s3-bucket"]
    assert [(b.name, b.location.file, b.location.line) for b in buckets] == [
        ("Uploads", "resources/bucket.yml", 2)
    ]


def test_a_template_not_included_is_loaded_on_its_own(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        SLS.replace("  - ${file(resources/bucket.yml)}\n", "  []\n")
    )
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "bucket.yml").write_text(FRAGMENT)
    inv = build_inventory(tmp_path, LoadContext(root=tmp_path))
    assert [r.name for r in inv.resources if r.kind == "s3-bucket"] == ["Uploads"]


def test_parallel_loading_gives_the_serial_inventory_and_drops_included_files(
    tmp_path: Path,
) -> None:
    """Worker processes load serverless files and templates in one batch; a template that a
    serverless file turns out to include is dropped afterwards, exactly as when loading in
    one process."""
    (tmp_path / "serverless.yml").write_text(SLS)
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "bucket.yml").write_text(FRAGMENT)
    for n in range(60):  # enough loading units for the worker pool
        stack = tmp_path / f"stack{n:02d}"
        stack.mkdir()
        (stack / "template.yaml").write_text(
            FRAGMENT.replace("Uploads", f"Bucket{n}").replace("orders-uploads", f"b-{n}")
        )

    def summary(jobs: int) -> list[tuple[str, str, int]]:
        inv = build_inventory(tmp_path, LoadContext(root=tmp_path, jobs=jobs))
        return [(r.name, r.location.file, r.location.line) for r in inv.resources]

    parallel = summary(2)
    assert parallel == summary(1)
    assert ("Uploads", "resources/bucket.yml", 2) in parallel
    assert sum(name == "Uploads" for name, _, _ in parallel) == 1
    assert len(parallel) == 61


SAM_FUNCTION = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn{n}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Events:
        Api:
          Type: HttpApi
"""
TF_ROOT = 'module "thumbs" {\n  source = "./modules/fn"\n  name   = "thumbs"\n}\n'
TF_MODULE = """variable "name" {}
resource "aws_lambda_function" "fn" {
  function_name = var.name
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::123456789012:role/thumbs"
}
"""


def test_templates_loaded_while_discovery_walks_give_the_serial_inventory(
    tmp_path: Path, monkeypatch
) -> None:
    """On a large tree, workers start on templates before the walk ends (Terraform waits for
    the walk, and gets the module calls worked out in this process): same inventory as one
    process, in the same order."""
    from faasguard import inventory

    for n in range(70):  # more templates than it takes to start the workers early
        stack = tmp_path / "stacks" / f"s{n:02d}"
        stack.mkdir(parents=True)
        (stack / "template.yaml").write_text(SAM_FUNCTION.format(n=n))
    (tmp_path / "infra" / "modules" / "fn").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text(TF_ROOT)
    (tmp_path / "infra" / "modules" / "fn" / "main.tf").write_text(TF_MODULE)
    (tmp_path / "serverless.yml").write_text(SLS)
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "bucket.yml").write_text(FRAGMENT)
    early: list[int] = []
    leave = inventory._Runner.__exit__

    def spy(self, *exc):  # type: ignore[no-untyped-def]
        early.append(len(self.early))
        return leave(self, *exc)

    monkeypatch.setattr(inventory._Runner, "__exit__", spy)

    def summary(jobs: int) -> tuple[list[tuple[str, str, int]], ...]:
        inv = build_inventory(tmp_path, LoadContext(root=tmp_path, jobs=jobs))
        return (
            [(f.name, f.location.file, f.location.line) for f in inv.functions],
            [(r.name, r.location.file, r.location.line) for r in inv.resources],
            [(f.path, f.kind) for f in inv.files],
            [(d.code, d.location.file) for d in inv.diagnostics],
        )

    parallel = summary(2)
    assert early[-1] >= 48  # templates went to the workers during the walk
    assert parallel == summary(1)
    functions = parallel[0]
    assert len(functions) == 72 and ("thumbs", "infra/modules/fn/main.tf", 2) in functions
    assert sum(name == "Uploads" for name, _, _ in parallel[1]) == 1


def test_every_scanner_module_imports_first_in_a_fresh_process() -> None:
    """discovery and inventory import each other: whichever a caller imports first must work."""
    import subprocess
    import sys

    for module in ("faasguard.discovery", "faasguard.inventory", "faasguard.inventory._base"):
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)

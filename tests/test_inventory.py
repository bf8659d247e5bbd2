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

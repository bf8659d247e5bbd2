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

"""Terraform modules: AWS Lambda and friends, Azure function apps, GCP cloud functions."""

from __future__ import annotations

from pathlib import Path

from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.model import Location


def load_module(directory: Path, files: list[Candidate], ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    result.warning("unsupported", "Terraform loader not implemented yet", Location(files[0].rel))
    return result

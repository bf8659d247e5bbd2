"""AWS CloudFormation and SAM templates (YAML short-form intrinsics and JSON)."""

from __future__ import annotations

from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.model import Location


def load_file(candidate: Candidate, ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    result.warning(
        "unsupported", "CloudFormation loader not implemented yet", Location(candidate.rel)
    )
    return result

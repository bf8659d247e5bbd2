"""Serverless Framework v3/v4 projects: serverless.yml / .yaml / .json."""

from __future__ import annotations

from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.model import Location


def load_file(candidate: Candidate, ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    result.warning("unsupported", "serverless loader not implemented yet", Location(candidate.rel))
    return result

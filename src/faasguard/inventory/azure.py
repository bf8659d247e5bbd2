"""Azure Functions projects: host.json, <function>/function.json, local.settings.json."""

from __future__ import annotations

from pathlib import Path

from faasguard.inventory._base import Candidate, LoadContext, LoadResult
from faasguard.model import Location


def load_app(app_root: Path, files: list[Candidate], ctx: LoadContext) -> LoadResult:
    result = LoadResult()
    result.warning(
        "unsupported", "Azure Functions loader not implemented yet", Location(files[0].rel)
    )
    return result

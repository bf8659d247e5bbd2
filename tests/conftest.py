from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"


def corpora_dir() -> Path:
    return Path(os.environ.get("FAASGUARD_CORPORA", ROOT.parent / "shared" / "corpora"))


def need(path: Path, what: str, env: str) -> Path:
    """A test resource that CI always has; elsewhere skip, naming what is missing.

    With FAASGUARD_REQUIRE_ALL=1 (set by .ci/run) a missing resource fails instead.
    """
    if path.exists():
        return path
    message = f"{what} not found at {path} (set {env}, or run scripts/ in the README)"
    if os.environ.get("FAASGUARD_REQUIRE_ALL") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    import json

    path = Path(
        os.environ.get("FAASGUARD_SARIF_SCHEMA", ROOT / ".cache" / "sarif-schema-2.1.0.json")
    )
    need(path, "the SARIF 2.1.0 JSON schema", "FAASGUARD_SARIF_SCHEMA")
    return json.loads(path.read_text(encoding="utf-8"))

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


@pytest.fixture(scope="session")
def _absent_advisory_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("advisories") / "absent.sqlite"


@pytest.fixture(autouse=True)
def _no_real_advisory_db(monkeypatch: pytest.MonkeyPatch, _absent_advisory_db: Path) -> None:
    """No test reads the developer's advisory database: FAASGUARD_DB names a missing file."""
    monkeypatch.setenv("FAASGUARD_DB", str(_absent_advisory_db))
    monkeypatch.delenv("FAASGUARD_DB_MAX_AGE_DAYS", raising=False)


@pytest.fixture
def advisory_db(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small advisory database (tests/fixtures/advisories) that FAASGUARD_DB points at."""
    from faasguard.supply.advisories import update_database

    path = tmp_path_factory.mktemp("advisory-db") / "advisories.sqlite"
    update_database([str(FIXTURES / "advisories")], path)
    monkeypatch.setenv("FAASGUARD_DB", str(path))
    return path

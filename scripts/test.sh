#!/usr/bin/env bash
# Install pinned dependencies into .venv (if needed), fetch test data, lint, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
bash scripts/fetch_test_data.sh
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
.venv/bin/python -m pytest -q "$@"

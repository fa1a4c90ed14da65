#!/usr/bin/env bash
# The whole suite: unit + loopback HTTP tests, encoder property test, ruff,
# mypy --strict and the strict docs build (those three run as tests too).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"

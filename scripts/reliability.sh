#!/usr/bin/env bash
# The full reliability run: Session.create under injected faults at full size (16 threads
# sharing 32,000 calls over requests; 1,000 concurrent calls over aiohttp; the
# Retry(deadline=...) runs), every check of tests/reliability applied, and, when all pass,
# the figures written into docs/reliability.md. Only 127.0.0.1 is contacted.
# Extra arguments go to the runner (--no-write, --sync-calls N, --async-calls N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
LATTICE_RELIABILITY=full exec .venv/bin/python -m tests.reliability.run_full "$@"

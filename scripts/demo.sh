#!/usr/bin/env bash
# Create a portal session end to end: the bundled fake Stripe on 127.0.0.1,
# reached over real HTTP through the requests transport.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python scripts/demo.py "$@"

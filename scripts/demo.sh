#!/usr/bin/env bash
# The main job, end to end on this machine: start the bundled fake Stripe on 127.0.0.1,
# create portal sessions through the lattice-stripe CLI and from Python over both
# transports (requests, then aiohttp), then stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bin=.venv/bin

coproc FAKE { exec "$bin/lattice-stripe" fake-stripe --port 0; }
fake_pid=$FAKE_PID
trap 'kill "$fake_pid" 2>/dev/null || true' EXIT
read -r banner <&"${FAKE[0]}"
url="${banner##* }"
echo "== $banner"

export STRIPE_API_KEY=sk_test_lattice_demo_key_0000
echo "== lattice-stripe billing_portal sessions create --mask (url masked: this output is shared)"
"$bin/lattice-stripe" billing_portal sessions create --api-base "$url" --mask \
  --customer cus_demo123 -d "flow_data[type]=payment_method_update"

echo "== the same from Python, through both transports"
"$bin/python" scripts/demo.py "$url"

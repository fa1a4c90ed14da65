#!/usr/bin/env bash
# Create .venv with the three distributions (editable) and the pinned dev tools.
# Idempotent: reinstalls only when requirements or a pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.lattice-stamp"
EXAMPLE=tests/plugins/lattice_plugin_example
want="$(cat requirements-dev.txt pyproject.toml lattice_core/pyproject.toml \
  lattice_transport_requests/pyproject.toml lattice_transport_aiohttp/pyproject.toml \
  "$EXAMPLE/pyproject.toml" "$EXAMPLE"/src/*/*.py | sha256sum | cut -d' ' -f1)"

if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null || true)" = "$want" ]; then
  exit 0
fi

echo "bootstrap: creating $VENV (first run takes a minute)" >&2
"$PYTHON" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip -qq --disable-pip-version-check)
"${pip[@]}" install -r requirements-dev.txt
"${pip[@]}" install --no-build-isolation \
  -e lattice_core -e lattice_transport_requests -e lattice_transport_aiohttp
# A third-party plugin, installed (not editable) the way a user installs one.
"${pip[@]}" install --no-build-isolation --force-reinstall --no-deps "./$EXAMPLE"
echo "$want" > "$STAMP"
echo "bootstrap: ready" >&2

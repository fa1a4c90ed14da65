"""The README's main command, run as a user would, bootstrap included (a no-op: .venv is ready)."""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys

import pytest

from lattice_core import plugins

from .conftest import ROOT, UNMASKED_KEY


def test_demo_creates_sessions_through_cli_and_both_transports_masking_secrets() -> None:
    result = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / "demo.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== fake Stripe listening on http://127.0.0.1:" in out
    assert '"url": "***"' in out  # the CLI's JSON
    assert '"type": "payment_method_update"' in out
    assert "transport='requests/" in out
    assert "created: Session(id='bps_" in out
    assert "url='***'" in out
    assert "billing.stripe.com" not in out + result.stderr
    assert not UNMASKED_KEY.search(out + result.stderr)
    assert "pre-flight, no request sent: customer is required" in out
    assert (
        "InvalidRequestError: No such customer: 'not_a_customer' (HTTP 400, request_id=req_" in out
    )
    assert "created with AsyncClient(" in out
    assert "transport='aiohttp/" in out
    assert "flow='***'" in out


@pytest.mark.parametrize(("missing", "present"), [("aiohttp", "requests"), ("requests", "aiohttp")])
def test_demo_uses_whichever_transports_are_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], missing: str, present: str
) -> None:
    real = plugins.list_plugins
    monkeypatch.setattr(plugins, "list_plugins", lambda: [p for p in real() if p.name != missing])
    monkeypatch.setattr(sys, "argv", ["demo.py"])
    demo = runpy.run_path(str(ROOT / "scripts" / "demo.py"))
    assert demo["main"]() == 0
    out = capsys.readouterr().out
    assert f"skipped: the {missing} transport is not installed" in out
    assert f"transport='{present}/" in out
    assert f"transport='{missing}/" not in out

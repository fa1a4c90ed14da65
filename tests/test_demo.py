"""The README's main command, run as a user would (minus the bootstrap)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, UNMASKED_KEY


def test_demo_creates_a_session_through_requests_and_masks_secrets() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
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

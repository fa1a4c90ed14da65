"""What a process imports: only what its calls need (measured as modules, not as time).

Each case runs in a fresh interpreter against a fake Stripe served from this one,
then reports which heavy libraries ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from lattice_core.testing import FakeStripe, LoopbackServer

from .conftest import API_KEY

HEAVY = (
    "aiohttp",
    "requests",
    "cattrs",
    "opentelemetry",
    "lattice_core.cli",
    "lattice_core.testing",
    # Standard library, but each costs a short-lived process more than it gives:
    "asyncio",  # only AsyncClient awaits
    "importlib.metadata",  # plugin discovery, on the first client
    "logging",  # only when a plugin fails, or telemetry runs
    "uuid",  # idempotency keys come from os.urandom
    "ssl",  # the transport's library brings it when it connects
)

SYNC = """
from lattice_core import Client
from lattice_core.billing_portal import Session
with Client({key!r}, base_url={url!r}) as client:
    assert Session.create(client, {{"customer": "cus_1"}}).id.startswith("bps_")
"""
ASYNC = """
import asyncio
from lattice_core import AsyncClient
from lattice_core.billing_portal import Session
async def main():
    async with AsyncClient({key!r}, base_url={url!r}) as client:
        session = await Session.create_async(client, {{"customer": "cus_1"}})
        assert session.id.startswith("bps_")
asyncio.run(main())
"""
IMPORT = "import lattice_core"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with LoopbackServer(FakeStripe()) as server:
        yield server.url


def loaded(code: str) -> set[str]:
    report = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    modules = set(json.loads(result.stdout.splitlines()[-1]))
    return {heavy for heavy in HEAVY if heavy in modules}


def test_a_sync_client_and_its_session_never_import_aiohttp(url: str) -> None:
    found = loaded(SYNC.format(key=API_KEY, url=url))
    assert "aiohttp" not in found
    assert "asyncio" not in found
    assert "requests" in found  # the transport it did use


def test_an_async_client_and_its_session_never_import_requests(url: str) -> None:
    found = loaded(ASYNC.format(key=API_KEY, url=url))
    assert "requests" not in found
    assert "aiohttp" in found


def test_importing_lattice_core_loads_no_transport_decoder_or_cli() -> None:
    assert loaded(IMPORT) == set()

"""The client's ``timeout`` travels on each request, so transport instances honour it too."""

from __future__ import annotations

import asyncio

import pytest

from lattice_core import APIConnectionError, AsyncClient, Client, Request, Response
from lattice_core.billing_portal import Session
from lattice_core.testing import AsyncStubTransport, StubTransport, json_response
from lattice_core.transport import attempt_timeout
from lattice_transport_aiohttp import AiohttpTransport
from lattice_transport_requests import RequestsTransport

from .conftest import API_KEY, SESSION_JSON, ScriptedApp


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_client_timeout_travels_on_the_request(kind: str) -> None:
    seen: list[float | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.timeout)
        return json_response(200, SESSION_JSON)

    if kind == "sync":
        with Client(API_KEY, transport=StubTransport(handler=handler), timeout=7) as client:
            Session.create(client, {"customer": "cus_1"})
    else:

        async def main() -> None:
            transport = AsyncStubTransport(handler=handler)
            async with AsyncClient(API_KEY, transport=transport, timeout=7) as client:
                await Session.create_async(client, {"customer": "cus_1"})

        asyncio.run(main())
    assert seen == [7.0]


@pytest.mark.parametrize(
    ("request_timeout", "own", "expected"),
    [(7.0, None, 7.0), (7.0, 3.0, 3.0), (2.0, 3.0, 2.0), (None, 3.0, 3.0), (None, None, 80.0)],
)
def test_the_shorter_of_the_request_and_transport_timeouts_wins(
    request_timeout: float | None, own: float | None, expected: float
) -> None:
    request = Request("POST", "https://api.stripe.com/v1/x", {}, {}, timeout=request_timeout)
    assert attempt_timeout(request, own) == expected


@pytest.mark.parametrize("kind", ["requests", "aiohttp"])
def test_a_transport_instance_honours_the_client_timeout(
    kind: str, scripted: tuple[ScriptedApp, str]
) -> None:
    app, url = scripted
    app.release.clear()  # the server never answers in time
    options = {"base_url": url, "timeout": 0.2, "max_retries": 0}

    async def async_create() -> None:
        transport = AiohttpTransport(limit=1)
        async with AsyncClient(API_KEY, transport=transport, **options) as client:
            await Session.create_async(client, {"customer": "cus_1"})

    def sync_create() -> None:
        with Client(API_KEY, transport=RequestsTransport(), **options) as client:
            Session.create(client, {"customer": "cus_1"})

    with pytest.raises(APIConnectionError, match="timed out"):
        asyncio.run(async_create()) if kind == "aiohttp" else sync_create()
    app.release.set()

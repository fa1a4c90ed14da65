"""Closing a client while a call is in flight, and using one from the wrong event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from lattice_core import AsyncClient, Client, ConfigurationError, Request
from lattice_core.billing_portal import Session
from lattice_transport_aiohttp import AiohttpTransport
from lattice_transport_requests import RequestsTransport

from .conftest import SESSION_JSON
from .harness import HTTP_KINDS, Wire, over


def _close_mid_call(wire: Wire) -> BaseException | Session:
    """Start a create, close the client once the request is at the server, then let it answer."""
    caller = wire.client(max_retries=2, sleep=wire.sleep)
    client, app = caller.client, wire.app
    app.release.clear()
    if isinstance(client, Client):
        outcome: list[BaseException | Session] = []

        def call() -> None:
            try:
                outcome.append(caller.create({"customer": "cus_1"}))
            except Exception as exc:
                outcome.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        app.arrived.acquire(timeout=30)
        client.close()
        app.release.set()
        thread.join(timeout=30)
        return outcome[0]

    async def main() -> BaseException | Session:
        task = asyncio.ensure_future(Session.create_async(client, {"customer": "cus_1"}))
        await asyncio.get_running_loop().run_in_executor(None, app.arrived.acquire, True, 30)
        await client.close()
        app.release.set()
        try:
            return await task
        except Exception as exc:
            return exc

    return wire.loop.run_until_complete(main())


@over(*HTTP_KINDS)
def test_closing_mid_call_fails_the_call_clearly_and_does_not_retry(wire: Wire) -> None:
    wire.answer(503, {"error": {"type": "api_error"}})  # retryable, were the client still open
    wire.answer(200, SESSION_JSON)
    outcome = _close_mid_call(wire)
    assert isinstance(outcome, ConfigurationError)
    assert "client is closed" in str(outcome)
    assert len(wire.seen) == 1


def _request() -> Request:
    return Request("POST", "http://127.0.0.1:9/v1/billing_portal/sessions", {}, {})


def test_a_closed_requests_transport_refuses_to_send() -> None:
    transport = RequestsTransport()
    transport.close()
    with pytest.raises(ConfigurationError, match="client is closed"):
        transport.handle_request(_request())


def test_a_closed_aiohttp_transport_refuses_to_send() -> None:
    async def main() -> None:
        transport = AiohttpTransport()
        await transport.aclose()
        await transport.handle_async_request(_request())

    with pytest.raises(ConfigurationError, match="client is closed"):
        asyncio.run(main())


@over("aiohttp")
def test_one_async_client_on_two_event_loops_says_to_make_one_per_loop(wire: Wire) -> None:
    wire.answer(200, SESSION_JSON)
    wire.answer(200, SESSION_JSON)
    client = wire.client().client  # first used on the wire's own event loop
    assert isinstance(client, AsyncClient)

    async def create() -> Session:
        return await Session.create_async(client, {"customer": "cus_1"})

    second = asyncio.new_event_loop()
    try:
        assert wire.loop.run_until_complete(create()).id == "bps_123"
        with pytest.raises(ConfigurationError, match="one AsyncClient per event loop"):
            second.run_until_complete(create())
        assert len(wire.seen) == 1
    finally:
        second.close()

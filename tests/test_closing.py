"""Closing a client while a call is in flight, and using one from the wrong event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from lattice_core import AsyncClient, Client, ConfigurationError, Request
from lattice_core.billing_portal import Session
from lattice_core.testing import LoopbackServer
from lattice_transport_aiohttp import AiohttpTransport
from lattice_transport_requests import RequestsTransport

from .conftest import API_KEY, SESSION_JSON, ScriptedApp


class Held(ScriptedApp):
    """A scripted app whose requests wait at a gate; ``arrived`` counts requests that came."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Semaphore(0)

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        self.arrived.release()
        return super().__call__(method, path, headers, body)


@pytest.fixture
def held() -> Iterator[tuple[Held, str]]:
    app = Held()
    with LoopbackServer(app) as server:
        try:
            yield app, server.url
        finally:
            app.release.set()  # never leave a server thread waiting at the gate


def _close_mid_call(kind: str, app: Held, url: str) -> BaseException | Session:
    """Start a create, close the client once the request is at the server, then let it answer."""
    options: dict[str, Any] = {"base_url": url, "max_retries": 2}
    app.release.clear()
    if kind == "requests":
        client = Client(API_KEY, sleep=lambda seconds: None, **options)
        outcome: list[BaseException | Session] = []

        def call() -> None:
            try:
                outcome.append(Session.create(client, {"customer": "cus_1"}))
            except Exception as exc:
                outcome.append(exc)

        thread = threading.Thread(target=call)
        thread.start()
        app.arrived.acquire(timeout=30)
        client.close()
        app.release.set()
        thread.join(timeout=30)
        return outcome[0]

    async def no_sleep(seconds: float) -> None:
        pass

    async def main() -> BaseException | Session:
        client = AsyncClient(API_KEY, sleep=no_sleep, **options)
        task = asyncio.ensure_future(Session.create_async(client, {"customer": "cus_1"}))
        await asyncio.get_running_loop().run_in_executor(None, app.arrived.acquire, True, 30)
        await client.close()
        app.release.set()
        try:
            return await task
        except Exception as exc:
            return exc

    return asyncio.run(main())


@pytest.mark.parametrize("kind", ["requests", "aiohttp"])
def test_closing_mid_call_fails_the_call_clearly_and_does_not_retry(
    kind: str, held: tuple[Held, str]
) -> None:
    app, url = held
    app.add(503, {"error": {"type": "api_error"}})  # retryable, were the client still open
    app.add(200, SESSION_JSON)
    outcome = _close_mid_call(kind, app, url)
    assert isinstance(outcome, ConfigurationError)
    assert "client is closed" in str(outcome)
    assert len(app.seen) == 1


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


def test_one_async_client_on_two_event_loops_says_to_make_one_per_loop(
    held: tuple[Held, str],
) -> None:
    app, url = held
    app.add(200, SESSION_JSON)
    app.add(200, SESSION_JSON)
    client = AsyncClient(API_KEY, base_url=url, max_retries=0)

    async def create() -> Session:
        return await Session.create_async(client, {"customer": "cus_1"})

    first = asyncio.new_event_loop()
    second = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(create()).id == "bps_123"
        with pytest.raises(ConfigurationError, match="one AsyncClient per event loop"):
            second.run_until_complete(create())
        assert len(app.seen) == 1
    finally:
        first.run_until_complete(client.close())
        first.close()
        second.close()

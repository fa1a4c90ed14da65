"""The async path: aiohttp against a real loopback server, concurrency, cancellation, closing."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from lattice_core import (
    APIConnectionError,
    AsyncClient,
    ConfigurationError,
    Request,
    hookimpl,
)
from lattice_core.billing_portal import Session
from lattice_core.testing import AsyncStubTransport, FakeStripe, LoopbackServer, json_response
from lattice_transport_aiohttp import AiohttpTransport

from .conftest import API_KEY, SESSION_JSON, UNMASKED_KEY, ScriptedApp
from .harness import HTTP_KINDS, Wire, free_port, over


class Gate:
    """Wraps an app; while closed, requests wait at the gate (no sleeping anywhere)."""

    def __init__(self, app: FakeStripe) -> None:
        self.app = app
        self.open = threading.Event()
        self.open.set()
        self.waiting = threading.Semaphore(0)

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        if not self.open.is_set():
            self.waiting.release()
            self.open.wait(timeout=30)
        return self.app(method, path, headers, body)


@pytest.fixture
def gated() -> Iterator[tuple[Gate, LoopbackServer]]:
    gate = Gate(FakeStripe())
    with LoopbackServer(gate) as server:
        yield gate, server
        gate.open.set()


def test_1000_concurrent_creates_share_one_bounded_pool(
    gated: tuple[Gate, LoopbackServer],
) -> None:
    gate, server = gated
    limit = 20

    async def main() -> list[Session]:
        transport = AiohttpTransport(limit=limit)
        async with AsyncClient(API_KEY, base_url=server.url, transport=transport) as client:
            return await asyncio.gather(
                *(Session.create_async(client, {"customer": f"cus_{i}"}) for i in range(1000))
            )

    sessions = asyncio.run(main())

    assert len(sessions) == 1000
    assert len({s.id for s in sessions}) == 1000
    assert sorted(s.customer or "" for s in sessions) == sorted(f"cus_{i}" for i in range(1000))
    keys = {headers["idempotency-key"] for _, _, headers, _ in gate.app.requests}
    assert len(keys) == 1000
    assert 1 <= server.connections <= limit


def test_a_cancelled_call_leaves_the_pool_usable(gated: tuple[Gate, LoopbackServer]) -> None:
    gate, server = gated

    async def main() -> list[Session]:
        # One connection: if the cancelled call leaked it, every later call would wait forever.
        transport = AiohttpTransport(limit=1)
        client = AsyncClient(API_KEY, base_url=server.url, max_retries=0, transport=transport)
        async with client:
            gate.open.clear()
            stuck = asyncio.ensure_future(Session.create_async(client, {"customer": "cus_stuck"}))
            # Wait until the request is really in flight at the server, then cancel it.
            await asyncio.get_running_loop().run_in_executor(None, gate.waiting.acquire)
            stuck.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stuck
            gate.open.set()
            later = [Session.create_async(client, {"customer": f"cus_{i}"}) for i in range(100)]
            # A guard against hanging on a leaked connection, not a timing assumption.
            return await asyncio.wait_for(asyncio.gather(*later), timeout=30)

    sessions = asyncio.run(main())
    assert len(sessions) == 100
    assert all(s.id.startswith("bps_") for s in sessions)


class ShortFor:
    """Shortens one customer's attempt timeout, as a before_request hook may."""

    def __init__(self, customer: str, seconds: float) -> None:
        self.customer = customer
        self.seconds = seconds

    @hookimpl
    def before_request(self, request: Request) -> None:
        if request.params.get("customer") == self.customer:
            request.timeout = self.seconds


def test_waiting_for_a_pooled_connection_is_bounded_by_the_timeout(
    gated: tuple[Gate, LoopbackServer],
) -> None:
    gate, server = gated

    async def main() -> BaseException | None:
        transport = AiohttpTransport(limit=1)
        client = AsyncClient(
            API_KEY,
            base_url=server.url,
            max_retries=0,
            transport=transport,
            plugins=[ShortFor("cus_2", 0.2)],
        )
        async with client:
            gate.open.clear()
            holder = asyncio.ensure_future(Session.create_async(client, {"customer": "cus_1"}))
            await asyncio.get_running_loop().run_in_executor(None, gate.waiting.acquire)
            # The one connection is held at the gate: this call waits for the pool.
            try:
                await asyncio.wait_for(
                    Session.create_async(client, {"customer": "cus_2"}), timeout=10
                )
            except APIConnectionError as exc:
                error: BaseException | None = exc
            else:
                error = None
            gate.open.set()
            await holder
            return error

    error = asyncio.run(main())
    assert isinstance(error, APIConnectionError)
    customers = [body for _, _, _, body in gate.app.requests]
    assert customers == [{"customer": "cus_1"}]  # the second call never reached the server


@over(*HTTP_KINDS)
def test_connection_refused_is_an_api_connection_error_for_both(wire: Wire) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(APIConnectionError, match="could not reach Stripe") as info:
        wire.client(base_url=url).create({"customer": "cus_1"})
    assert info.value.__cause__ is not None
    assert not UNMASKED_KEY.search(str(info.value))
    # The method, host:port and path, then the library's error and the system's under it.
    library = "aiohttp.ClientConnectorError" if wire.is_async else "requests.ConnectionError"
    assert str(info.value).startswith(
        f"could not reach Stripe at {url.split('//')[1]} (POST /v1/billing_portal/sessions): "
        f"{library} (ConnectionRefusedError: [Errno 111] "
    )


def test_aiohttp_read_timeout_is_an_api_connection_error(
    gated: tuple[Gate, LoopbackServer],
) -> None:
    gate, server = gated
    gate.open.clear()

    async def main() -> None:
        client = AsyncClient(API_KEY, base_url=server.url, timeout=0.2, max_retries=0)
        async with client:
            await Session.create_async(client, {"customer": "cus_1"})

    with pytest.raises(APIConnectionError, match="timed out") as info:
        asyncio.run(main())
    gate.open.set()
    assert info.value.__cause__ is not None
    assert str(info.value).startswith(
        f"timed out after 0.2 s talking to Stripe at {server.url.split('//')[1]} "
        "(POST /v1/billing_portal/sessions): TimeoutError. The request may or may not"
    )


def test_the_session_is_made_lazily_inside_the_running_loop() -> None:
    transport = AiohttpTransport()
    client = AsyncClient(API_KEY, transport=transport)  # no loop running: nothing made yet
    assert not transport.session_opened
    asyncio.run(client.close())


def test_closing_twice_is_harmless_and_a_closed_client_refuses_calls() -> None:
    stub = AsyncStubTransport(json_response(200, SESSION_JSON))

    async def main() -> None:
        client = AsyncClient(API_KEY, transport=stub)
        await Session.create_async(client, {"customer": "cus_1"})
        await client.close()
        await client.close()
        with pytest.raises(ConfigurationError, match="closed"):
            await Session.create_async(client, {"customer": "cus_1"})

    asyncio.run(main())
    assert stub.closed
    assert len(stub.requests) == 1


def test_an_unclosed_client_that_was_used_warns() -> None:
    stub = AsyncStubTransport(json_response(200, SESSION_JSON))

    async def use() -> None:
        client = AsyncClient(API_KEY, transport=stub)
        await Session.create_async(client, {"customer": "cus_1"})

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(use())
        gc.collect()
    messages = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert any("Unclosed AsyncClient" in m for m in messages)
    assert not any(UNMASKED_KEY.search(m) for m in messages)


def test_an_unused_client_does_not_warn() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AsyncClient(API_KEY, transport=AsyncStubTransport())
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_async_retries_use_the_shared_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(AsyncClient, "_sleep", staticmethod(fake_sleep))
    error: dict[str, Any] = {"error": {"type": "api_error"}}
    stub = AsyncStubTransport(
        json_response(500, error), json_response(503, error), json_response(200, SESSION_JSON)
    )

    async def main() -> Session:
        async with AsyncClient(API_KEY, transport=stub) as client:
            return await Session.create_async(client, {"customer": "cus_1"})

    assert asyncio.run(main()).id == "bps_123"
    assert [r.attempt for r in stub.requests] == [1, 2, 3]
    assert len({r.headers["Idempotency-Key"] for r in stub.requests}) == 1
    assert len(slept) == 2


def test_aiohttp_proxy_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, scripted: tuple[ScriptedApp, str]
) -> None:
    app, proxy_url = scripted
    app.add(200, SESSION_JSON)
    app.add(200, SESSION_JSON)
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    target = f"http://127.0.0.1:{free_port()}"

    async def main() -> None:
        async with AsyncClient(API_KEY, base_url=target) as client:
            await Session.create_async(client, {"customer": "cus_1"})
            await Session.create_async(client, {"customer": "cus_2"})

    asyncio.run(main())
    # Both went to the proxy in absolute form, not to the dead target port.
    assert [seen.path for seen in app.seen] == [f"{target}/v1/billing_portal/sessions"] * 2


def test_aiohttp_no_proxy_is_honoured(
    monkeypatch: pytest.MonkeyPatch, scripted: tuple[ScriptedApp, str]
) -> None:
    app, url = scripted
    app.add(200, SESSION_JSON)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # would refuse
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    async def main() -> None:
        async with AsyncClient(API_KEY, base_url=url) as client:
            await Session.create_async(client, {"customer": "cus_1"})

    asyncio.run(main())
    assert app.seen[0].path == "/v1/billing_portal/sessions"

"""Every call ends in ``after_call``, however it ends: the same for the sync and async client."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from lattice_core import AsyncClient, Client, Request, Response, hookimpl
from lattice_core.billing_portal import Session
from lattice_core.testing import AsyncStubTransport, StubTransport, connection_error, json_response
from lattice_core.transport import AsyncTransport

from .conftest import API_KEY, SESSION_JSON


class CallLog:
    """A user plugin that records each call's final outcome."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None, BaseException | None]] = []

    @hookimpl
    def after_call(
        self, request: Request, response: Response | None, error: BaseException | None
    ) -> None:
        status = response.status_code if response is not None else None
        self.calls.append((request.attempt, status, error))


class TransportBug(Exception):
    """Not an ``APIConnectionError``: a bug inside a transport."""


def _create(kind: str, *answers: Response | Exception, **options: Any) -> StubTransport:
    """One create over a stub of ``kind``; returns the stub (its requests) whatever happens."""
    options = {"sleep": _no_sleep(kind), **options}
    if kind == "sync":
        stub = StubTransport(*answers)
        with Client(API_KEY, transport=stub, **options) as client:
            Session.create(client, {"customer": "cus_1"})
        return stub
    astub = AsyncStubTransport(*answers)

    async def main() -> None:
        async with AsyncClient(API_KEY, transport=astub, **options) as client:
            await Session.create_async(client, {"customer": "cus_1"})

    asyncio.run(main())
    return astub.stub


def _no_sleep(kind: str) -> Any:
    async def asleep(seconds: float) -> None:
        pass

    return (lambda seconds: None) if kind == "sync" else asleep


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_an_unexpected_transport_exception_reaches_after_call_and_is_not_retried(
    kind: str, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    log = CallLog()
    bug = TransportBug("boom")
    with pytest.raises(TransportBug) as info:
        _create(kind, bug, json_response(200, SESSION_JSON), plugins=[log])
    assert info.value is bug
    assert log.calls == [(1, None, bug)]
    failed = [r for r in no_secret_in_logs if "failed after 1 attempt" in r.getMessage()]
    assert [r.levelname for r in failed] == ["WARNING"]
    assert "TransportBug" in failed[0].getMessage()


def test_an_exception_after_a_retry_reports_the_last_response(kind: str) -> None:
    log = CallLog()
    bug = TransportBug("boom")
    with pytest.raises(TransportBug):
        _create(kind, json_response(503, {"error": {"type": "api_error"}}), bug, plugins=[log])
    assert log.calls == [(2, 503, bug)]


def test_an_exception_from_the_retry_sleep_reaches_after_call(kind: str) -> None:
    log = CallLog()

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    async def ainterrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _create(
            kind,
            connection_error(),
            plugins=[log],
            sleep=interrupted if kind == "sync" else ainterrupted,
        )
    assert len(log.calls) == 1
    assert isinstance(log.calls[0][2], KeyboardInterrupt)


def test_success_and_network_errors_still_end_in_after_call_once(kind: str) -> None:
    log = CallLog()
    _create(kind, connection_error(), json_response(200, SESSION_JSON), plugins=[log])
    assert log.calls == [(2, 200, None)]


class Hanging(AsyncTransport):
    """An async transport whose request never answers; ``entered`` is set once it is in flight."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def handle_async_request(self, request: Request) -> Response:
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def test_a_cancelled_async_call_reaches_after_call(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    log = CallLog()

    async def main() -> None:
        transport = Hanging()
        async with AsyncClient(API_KEY, transport=transport, plugins=[log]) as client:
            task = asyncio.ensure_future(Session.create_async(client, {"customer": "cus_1"}))
            await transport.entered.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert task.cancelled()

    asyncio.run(main())
    assert len(log.calls) == 1
    attempt, status, error = log.calls[0]
    assert (attempt, status) == (1, None)
    assert isinstance(error, asyncio.CancelledError)
    cancelled = [r for r in no_secret_in_logs if "cancelled after 1 attempt" in r.getMessage()]
    assert [r.levelname for r in cancelled] == ["INFO"]  # not a failure worth a warning

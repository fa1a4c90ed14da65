"""Every call ends in ``after_call``, however it ends: the same for the sync and async client."""

from __future__ import annotations

import asyncio
import logging

import pytest

from lattice_core import Request, Response, hookimpl
from lattice_core.testing import connection_error, json_response

from .conftest import SESSION_JSON
from .harness import Wire, over, stubs_only


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


@stubs_only
def test_an_unexpected_transport_exception_reaches_after_call_and_is_not_retried(
    wire: Wire, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    log = CallLog()
    bug = TransportBug("boom")
    with pytest.raises(TransportBug) as info:
        wire.run(bug, json_response(200, SESSION_JSON), extra=[log])
    assert info.value is bug
    assert log.calls == [(1, None, bug)]
    failed = [r for r in no_secret_in_logs if "failed after 1 attempt" in r.getMessage()]
    assert [r.levelname for r in failed] == ["WARNING"]
    assert "TransportBug" in failed[0].getMessage()


@stubs_only
def test_an_exception_after_a_retry_reports_the_last_response(wire: Wire) -> None:
    log = CallLog()
    bug = TransportBug("boom")
    with pytest.raises(TransportBug):
        wire.run(json_response(503, {"error": {"type": "api_error"}}), bug, extra=[log])
    assert log.calls == [(2, 503, bug)]


@stubs_only
def test_an_exception_from_the_retry_sleep_reaches_after_call(wire: Wire) -> None:
    log = CallLog()

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    async def ainterrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wire.run(
            connection_error(), extra=[log], sleep=ainterrupted if wire.is_async else interrupted
        )
    assert len(log.calls) == 1
    assert isinstance(log.calls[0][2], KeyboardInterrupt)


@stubs_only
def test_success_and_network_errors_still_end_in_after_call_once(wire: Wire) -> None:
    log = CallLog()
    wire.run(connection_error(), json_response(200, SESSION_JSON), extra=[log])
    assert log.calls == [(2, 200, None)]


@over("async-stub")
def test_a_cancelled_async_call_reaches_after_call(
    wire: Wire, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    log = CallLog()
    task = wire.cancel_mid_call(plugins=[log])
    assert task.cancelled()
    with pytest.raises(asyncio.CancelledError):
        task.result()
    assert len(log.calls) == 1
    attempt, status, error = log.calls[0]
    assert (attempt, status) == (1, None)
    assert isinstance(error, asyncio.CancelledError)
    cancelled = [r for r in no_secret_in_logs if "cancelled after 1 attempt" in r.getMessage()]
    assert [r.levelname for r in cancelled] == ["INFO"]  # not a failure worth a warning

"""A plugin that raises: observers are isolated, everything else ends the call, once.

The same cases for the sync and the async client (the ``wire`` harness over its stub kinds).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from lattice_core import (
    APIError,
    Client,
    ConfigurationError,
    Response,
    StripeError,
    hookimpl,
)
from lattice_core.billing_portal import Session
from lattice_core.testing import StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON
from .harness import Recorder, Wire, over, stubs_only
from .test_retry import ERROR


class Raises:
    """Raises from one hook, with the API key in the message (it must not be logged)."""

    def __init__(self, hook: str) -> None:
        self.hook = hook

    def _boom(self) -> None:
        raise RuntimeError(f"plugin bug while holding {API_KEY}")

    @hookimpl
    def before_request(self) -> None:
        if self.hook == "before_request":
            self._boom()

    @hookimpl
    def after_response(self) -> None:
        if self.hook == "after_response":
            self._boom()

    @hookimpl
    def after_call(self) -> None:
        if self.hook == "after_call":
            self._boom()

    @hookimpl(tryfirst=True)
    def retry_delay(self) -> float | None:
        if self.hook == "retry_delay":
            self._boom()
        return None


@stubs_only
@pytest.mark.parametrize("hook", ["after_response", "after_call"])
def test_an_observer_that_raises_never_turns_a_created_session_into_an_error(
    wire: Wire, hook: str, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    recorder = Recorder()
    result, sent = wire.run(json_response(200, SESSION_JSON), extra=[Raises(hook), recorder])
    assert isinstance(result, Session)
    assert len(sent) == 1
    assert recorder.ends == [None]  # the next plugin still ran
    warnings = [r.getMessage() for r in no_secret_in_logs if r.levelno == logging.WARNING]
    assert [w for w in warnings if "raised RuntimeError in " + hook in w]
    assert not [w for w in warnings if API_KEY in w]  # its message went through redaction


@stubs_only
@pytest.mark.parametrize("hook", ["before_request", "retry_delay"])
def test_a_deciding_hook_that_raises_ends_the_call_and_is_reported_once(
    wire: Wire, hook: str
) -> None:
    recorder = Recorder()
    answers = [json_response(500, ERROR), json_response(200, SESSION_JSON)]
    with pytest.raises(RuntimeError, match="plugin bug") as info:
        wire.run(*answers, extra=[Raises(hook), recorder])
    assert recorder.ends == [info.value]
    assert wire.clock.slept == []  # not retried


@stubs_only
def test_a_body_too_deep_to_parse_is_a_typed_error_not_a_recursion_error(
    wire: Wire,
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    recorder = Recorder()
    for status in (200, 400):
        answer = Response(status, {"request-id": "req_deep"}, deep)
        result, _ = wire.run(answer, extra=[recorder], max_retries=0)
        assert isinstance(result, StripeError)
        assert isinstance(result, APIError) == (status == 200)
        assert (result.http_status, result.request_id) == (status, "req_deep")
    assert len(recorder.ends) == 2


@over("async-stub")
def test_cancellation_survives_an_after_call_that_raises(wire: Wire) -> None:
    recorder = Recorder()
    task = wire.cancel_mid_call(plugins=[Raises("after_call"), recorder])
    assert task.cancelled()
    assert len(recorder.ends) == 1
    assert isinstance(recorder.ends[0], asyncio.CancelledError)


def test_a_wrapper_on_an_observe_only_hook_is_refused() -> None:
    class Wraps:
        @hookimpl(wrapper=True)
        def after_call(self) -> Any:
            return (yield)

    with pytest.raises(ConfigurationError, match="wraps after_call, an observe-only hook"):
        Client(API_KEY, transport=StubTransport(), plugins=[Wraps()])


class Delays:
    def __init__(self, delay: object) -> None:
        self.delay = delay

    @hookimpl(tryfirst=True)
    def retry_delay(self) -> object:
        return self.delay


@stubs_only
@pytest.mark.parametrize(
    "delay",
    [float("nan"), float("inf"), -1.0, 10**5000, "1", True],
    ids=["nan", "inf", "negative", "5000-digits", "str", "bool"],
)
def test_a_retry_delay_that_could_not_be_slept_is_a_configuration_error(
    wire: Wire, delay: object
) -> None:
    recorder = Recorder()
    answers = [json_response(500, ERROR), json_response(200, SESSION_JSON)]
    with pytest.raises(ConfigurationError, match="retry_delay hook returned") as info:
        wire.run(*answers, extra=[Delays(delay), recorder])
    assert recorder.ends == [info.value]
    assert wire.clock.slept == []  # no sleep that fails or never ends

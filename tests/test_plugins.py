"""Plugins: entry-point discovery, per-client managers, hooks on the wire, retries."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lattice_core import (
    APIConnectionError,
    APIError,
    Client,
    InvalidRequestError,
    LatticeError,
    Request,
    Response,
    hookimpl,
    list_plugins,
)
from lattice_core.billing_portal import Session
from lattice_core.builtin import retry
from lattice_core.testing import StubTransport, connection_error, json_response

from .conftest import API_KEY, SESSION_JSON, Wire


class Recorder:
    """A user plugin: adds a header, records every hook call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @hookimpl
    def before_request(self, request: Request) -> None:
        request.headers["X-Team"] = "billing"
        self.calls.append(("before_request", request.attempt))

    @hookimpl
    def after_response(
        self, request: Request, response: Response | None, error: LatticeError | None
    ) -> None:
        outcome = response.status_code if response is not None else type(error).__name__
        self.calls.append(("after_response", outcome))


def test_builtins_and_transport_are_found_through_entry_points() -> None:
    found = {(p.name, p.value, p.distribution) for p in list_plugins()}
    assert {
        ("retry", "lattice_core.builtin.retry:Retry", "lattice-stripe-core"),
        ("telemetry", "lattice_core.builtin.telemetry:Telemetry", "lattice-stripe-core"),
        ("redaction", "lattice_core.builtin.redaction", "lattice-stripe-core"),
        ("requests", "lattice_transport_requests.plugin", "lattice-stripe-requests"),
    } <= found


def test_each_client_gets_its_own_plugin_manager() -> None:
    recorder = Recorder()
    with (
        Client(API_KEY, transport=StubTransport(), plugins=[recorder]) as one,
        Client(API_KEY, transport=StubTransport(), disable_plugins=["telemetry"]) as two,
    ):
        assert one.hooks.pm is not two.hooks.pm
        assert one.hooks.pm.is_registered(recorder)
        assert not two.hooks.pm.is_registered(recorder)
        assert one.hooks.pm.has_plugin("telemetry")
        assert not two.hooks.pm.has_plugin("telemetry")
        assert two.hooks.pm.is_blocked("telemetry")


def test_user_plugin_header_reaches_the_wire_and_hooks_run_in_order(wire: Wire) -> None:
    wire.answer(200, SESSION_JSON)
    recorder = Recorder()
    wire.client(plugins=[recorder]).create({"customer": "cus_1"})
    assert wire.seen[0].headers["x-team"] == "billing"
    assert recorder.calls == [("before_request", 1), ("after_response", 200)]


def test_after_response_sees_the_decoded_body_and_request_id(wire: Wire) -> None:
    seen: list[tuple[int, Any, str | None]] = []

    class Peek:
        @hookimpl
        def after_response(self, response: Response | None) -> None:
            assert response is not None
            seen.append((response.status_code, response.body, response.request_id))

    wire.answer(404, {"error": {"type": "invalid_request_error"}}, {"Request-Id": "req_1"})
    with pytest.raises(InvalidRequestError):
        wire.client(plugins=[Peek()]).create({"customer": "cus_1"})
    assert seen == [(404, {"error": {"type": "invalid_request_error"}}, "req_1")]


def test_telemetry_logs_each_attempt_without_secrets(
    wire: Wire, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    wire.answer(200, SESSION_JSON, {"Request-Id": "req_tel"})
    wire.client().create({"customer": "cus_1"})
    records = [r for r in no_secret_in_logs if r.name == "lattice"]
    assert [r.levelname for r in records] == ["DEBUG", "INFO"]
    assert "POST /v1/billing_portal/sessions start idempotency_key=" in records[0].getMessage()
    assert "POST /v1/billing_portal/sessions -> 200 request_id=req_tel attempt=1" in (
        records[1].getMessage()
    )


def test_telemetry_can_be_switched_off(
    wire: Wire, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    wire.answer(200, SESSION_JSON)
    wire.client(disable_plugins=["telemetry"]).create({"customer": "cus_1"})
    assert [r for r in no_secret_in_logs if r.name == "lattice"] == []


# -- retries (the built-in ``retry`` plugin driving the shared pipeline) ------------------


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry delays instead of sleeping."""
    delays: list[float] = []
    monkeypatch.setattr(Client, "_sleep", staticmethod(delays.append))
    return delays


def _client(stub: StubTransport, **options: Any) -> Client:
    return Client(API_KEY, transport=stub, **options)


def test_500_500_200_returns_after_two_retries_with_one_idempotency_key(
    slept: list[float],
) -> None:
    stub = StubTransport(
        json_response(500, {"error": {"type": "api_error"}}),
        json_response(500, {"error": {"type": "api_error"}}),
        json_response(200, SESSION_JSON),
    )
    session = Session.create(_client(stub), {"customer": "cus_1"})
    assert session.id == "bps_123"
    assert [r.attempt for r in stub.requests] == [1, 2, 3]
    assert len({r.headers["Idempotency-Key"] for r in stub.requests}) == 1
    assert len({r.content for r in stub.requests}) == 1
    assert len(slept) == 2
    assert slept[0] == 0.5  # 0.5 s jittered to 0.25-0.5, then floored at 0.5
    assert 0.5 <= slept[1] <= 1.0


def test_retries_stop_at_max_retries(slept: list[float]) -> None:
    stub = StubTransport(*[json_response(503, {"error": {"type": "api_error"}})] * 5)
    with pytest.raises(APIError):
        Session.create(_client(stub, max_retries=1), {"customer": "cus_1"})
    assert len(stub.requests) == 2
    assert len(slept) == 1


def test_connection_errors_are_retried(slept: list[float]) -> None:
    stub = StubTransport(connection_error(), json_response(200, SESSION_JSON))
    assert Session.create(_client(stub), {"customer": "cus_1"}).id == "bps_123"
    assert len(stub.requests) == 2


def test_connection_error_raised_after_retries_run_out(slept: list[float]) -> None:
    stub = StubTransport(connection_error("down"), connection_error("still down"))
    with pytest.raises(APIConnectionError, match="still down"):
        Session.create(_client(stub, max_retries=1), {"customer": "cus_1"})


def test_400_is_never_retried(slept: list[float]) -> None:
    stub = StubTransport(json_response(400, {"error": {"type": "invalid_request_error"}}))
    with pytest.raises(InvalidRequestError):
        Session.create(_client(stub), {"customer": "cus_1"})
    assert len(stub.requests) == 1
    assert slept == []


def test_stripe_should_retry_header_overrides_status(slept: list[float]) -> None:
    no = json_response(500, {"error": {"type": "api_error"}}, {"Stripe-Should-Retry": "false"})
    with pytest.raises(APIError):
        Session.create(_client(StubTransport(no)), {"customer": "cus_1"})
    assert slept == []

    yes = json_response(
        400, {"error": {"type": "invalid_request_error"}}, {"Stripe-Should-Retry": "true"}
    )
    stub = StubTransport(yes, json_response(200, SESSION_JSON))
    Session.create(_client(stub), {"customer": "cus_1"})
    assert len(stub.requests) == 2


@pytest.mark.parametrize(("header", "expected"), [("3", 3.0), ("60", 5.0)])
def test_retry_after_is_honoured_up_to_the_cap(
    slept: list[float], header: str, expected: float
) -> None:
    limited = json_response(429, {"error": {"type": "rate_limit_error"}}, {"Retry-After": header})
    stub = StubTransport(limited, json_response(200, SESSION_JSON))
    Session.create(_client(stub), {"customer": "cus_1"})
    assert slept == [expected]


def test_disabling_retry_means_one_attempt(slept: list[float]) -> None:
    stub = StubTransport(json_response(503, {"error": {"type": "api_error"}}))
    with pytest.raises(APIError):
        Session.create(_client(stub, disable_plugins=["retry"]), {"customer": "cus_1"})
    assert len(stub.requests) == 1


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_backoff_is_exponential_jittered_capped_and_floored(attempt: int, rand: float) -> None:
    delay = retry.backoff_delay(attempt, None, rand)
    full = min(0.5 * 2 ** (attempt - 1), 5.0)
    assert max(full * 0.5, 0.5) <= delay <= full

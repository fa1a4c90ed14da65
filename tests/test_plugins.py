"""Plugins: entry-point discovery, per-client managers, hooks on the wire, retries."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lattice_core import (
    Client,
    ConfigurationError,
    InvalidRequestError,
    Request,
    Response,
    hookimpl,
    list_plugins,
)
from lattice_core.testing import StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON, Wire
from .harness import Recorder


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
    recorder = Recorder(header=("X-Team", "billing"))
    wire.client(plugins=[recorder]).create({"customer": "cus_1"})
    assert wire.seen[0].headers["x-team"] == "billing"
    assert recorder.calls == [("before_request", 1), ("after_response", 200), ("after_call", None)]


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


def test_what_is_cached_per_plugin_class_does_not_leak_between_instances() -> None:
    # Hook lookups and validity are kept per class; a hook set on one instance is its own.
    class Bare:
        pass

    seen: list[str] = []
    with_hook = Bare()

    @hookimpl
    def before_request(request: Request) -> None:
        seen.append(request.method)

    with_hook.before_request = before_request  # type: ignore[attr-defined]
    with Client(API_KEY, transport=StubTransport(json_response(200, SESSION_JSON))) as plain:
        assert plain.hooks.pm.hook  # a client built first warms the caches
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub, plugins=[with_hook]) as client:
        client.request("POST", "/v1/billing_portal/sessions", {"customer": "cus_1"})
    assert seen == ["POST"]
    with pytest.raises(ConfigurationError, match="no @hookimpl"):
        Client(API_KEY, transport=StubTransport(), plugins=[Bare()])

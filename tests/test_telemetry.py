"""The telemetry plugin: leveled structured logs through redaction, the metrics header, spans."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from lattice_core import APIConnectionError, Client, InvalidRequestError, hookimpl
from lattice_core.billing_portal import Session
from lattice_core.builtin.retry import Retry
from lattice_core.builtin.telemetry import Telemetry
from lattice_core.testing import StubTransport, connection_error, json_response

from .conftest import API_KEY, SESSION_JSON

ERROR = {"error": {"type": "api_error", "message": f"key {API_KEY} rejected"}}


def _lattice(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.name == "lattice"]


def _no_sleep_client(stub: StubTransport, **options: Any) -> Client:
    return Client(API_KEY, transport=stub, sleep=lambda _: None, **options)


def test_levels_and_structured_fields(no_secret_in_logs: list[logging.LogRecord]) -> None:
    stub = StubTransport(
        connection_error("reset"),
        json_response(500, ERROR, request_id="req_500"),
        json_response(200, SESSION_JSON, request_id="req_ok"),
    )
    with _no_sleep_client(stub) as client:
        Session.create(client, {"customer": "cus_1"}, idempotency_key="idem-1")
    records = _lattice(no_secret_in_logs)
    assert [r.levelname for r in records] == ["DEBUG", "WARNING", "INFO", "INFO"]
    start, failed, retried, ok = records
    assert start.getMessage() == "POST /v1/billing_portal/sessions start idempotency_key=idem-1"
    assert "failed: APIConnectionError attempt=1" in failed.getMessage()
    assert "-> 500 request_id=req_500 attempt=2" in retried.getMessage()
    fields = ok.lattice  # type: ignore[attr-defined]
    assert fields["status"] == 200
    assert fields["request_id"] == "req_ok"
    assert fields["attempt"] == 3
    assert fields["idempotency_key"] == "idem-1"
    assert fields["method"] == "POST"
    assert fields["path"] == "/v1/billing_portal/sessions"
    assert isinstance(fields["duration_ms"], float)


def test_a_failed_call_logs_a_redacted_warning(no_secret_in_logs: list[logging.LogRecord]) -> None:
    stub = StubTransport(json_response(400, ERROR))
    with _no_sleep_client(stub) as client, pytest.raises(InvalidRequestError, match="rejected"):
        Session.create(client, {"customer": "cus_1"})
    gave_up = _lattice(no_secret_in_logs)[-1]
    assert gave_up.levelname == "WARNING"
    assert "gave up after 1 attempt(s): InvalidRequestError" in gave_up.getMessage()
    assert "sk_test_…" in gave_up.getMessage()
    assert API_KEY not in gave_up.getMessage()


class MaskCustomers:
    """A user's own redaction rule: customer ids are personal data here."""

    @hookimpl
    def redact(self, text: str) -> str:
        return text.replace("cus_secret_42", "cus_[masked]")


def test_user_redaction_rules_compose_with_the_builtin_in_logs_and_errors(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    error = {"error": {"type": "invalid_request_error", "message": f"{API_KEY} / cus_secret_42"}}
    stub = StubTransport(json_response(400, error))
    with (
        _no_sleep_client(stub, plugins=[MaskCustomers()]) as client,
        pytest.raises(InvalidRequestError) as info,
    ):
        Session.create(client, {"customer": "cus_1"})
    assert "cus_[masked]" in str(info.value)
    assert "sk_test_…" in str(info.value)
    warning = _lattice(no_secret_in_logs)[-1].getMessage()
    assert "cus_secret_42" not in warning
    assert "cus_[masked]" in warning


def test_client_telemetry_header_carries_the_previous_call() -> None:
    stub = StubTransport(
        json_response(200, SESSION_JSON, request_id="req_first"),
        json_response(200, SESSION_JSON, request_id="req_second"),
    )
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, {"customer": "cus_1"})
        Session.create(client, {"customer": "cus_1"})
    first, second = stub.requests
    assert "X-Stripe-Client-Telemetry" not in first.headers
    metrics = json.loads(second.headers["X-Stripe-Client-Telemetry"])["last_request_metrics"]
    assert metrics["request_id"] == "req_first"
    assert isinstance(metrics["request_duration_ms"], int)


def test_client_telemetry_header_can_be_turned_off() -> None:
    stub = StubTransport(json_response(200, SESSION_JSON), json_response(200, SESSION_JSON))
    quiet = Telemetry(client_telemetry=False)
    with Client(API_KEY, transport=stub, disable_plugins=["telemetry"], plugins=[quiet]) as client:
        Session.create(client, {"customer": "cus_1"})
        Session.create(client, {"customer": "cus_1"})
    assert all("X-Stripe-Client-Telemetry" not in r.headers for r in stub.requests)


@pytest.fixture
def spans() -> tuple[InMemorySpanExporter, Telemetry]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, Telemetry(tracer=provider.get_tracer("test"))


def test_one_client_span_per_call_with_an_event_per_attempt(
    spans: tuple[InMemorySpanExporter, Telemetry],
) -> None:
    exporter, telemetry = spans
    stub = StubTransport(
        json_response(503, {"error": {"type": "api_error"}}, request_id="req_a"),
        json_response(200, SESSION_JSON, request_id="req_b"),
    )
    options: dict[str, Any] = {"disable_plugins": ["telemetry"], "plugins": [telemetry]}
    with _no_sleep_client(stub, **options) as client:
        Session.create(client, {"customer": "cus_1"})
    (span,) = exporter.get_finished_spans()
    assert span.name == "POST"
    assert span.kind == SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert attributes == {
        "http.request.method": "POST",
        "server.address": "api.stripe.com",
        "server.port": 443,
        "url.full": "https://api.stripe.com/v1/billing_portal/sessions",
        "http.response.status_code": 200,
        "stripe.request_id": "req_b",
        "http.request.resend_count": 1,
    }
    assert [e.name for e in span.events] == ["attempt", "attempt"]
    first, second = (dict(e.attributes or {}) for e in span.events)
    assert first["lattice.attempt"] == 1
    assert first["http.response.status_code"] == 503
    assert second["lattice.attempt"] == 2
    assert second["http.response.status_code"] == 200
    assert span.status.status_code != StatusCode.ERROR


def test_a_failed_call_marks_the_span_as_an_error(
    spans: tuple[InMemorySpanExporter, Telemetry],
) -> None:
    exporter, telemetry = spans
    stub = StubTransport(connection_error(), connection_error())
    options: dict[str, Any] = {
        "disable_plugins": ["telemetry", "retry"],
        "plugins": [telemetry, Retry()],
        "max_retries": 1,
    }
    with _no_sleep_client(stub, **options) as client, pytest.raises(APIConnectionError):
        Session.create(client, {"customer": "cus_1"})
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "APIConnectionError"
    assert [dict(e.attributes or {})["error.type"] for e in span.events] == [
        "APIConnectionError",
        "APIConnectionError",
    ]
    for value in (span.attributes or {}).values():
        assert API_KEY not in str(value)


GLOBAL_PROVIDER = """
import sys
from lattice_core import Client
from lattice_core.testing import StubTransport, json_response

session = {session!r}
stub = StubTransport(handler=lambda request: json_response(200, session))
client = Client({key!r}, transport=stub)  # made before anyone set OpenTelemetry up
client.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})
assert "opentelemetry.trace" not in sys.modules, "imported although nothing was set up"

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
client.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})
later = Client({key!r}, transport=stub)
later.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})
print(len(exporter.get_finished_spans()))
"""


def test_the_global_provider_is_used_once_set_up_even_after_the_client() -> None:
    # A process-wide provider can be set once: each case runs in its own interpreter.
    import subprocess
    import sys

    code = GLOBAL_PROVIDER.format(session=SESSION_JSON, key=API_KEY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["2"]  # the call before set-up made none

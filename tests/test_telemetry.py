"""The telemetry plugin: leveled logs through redaction, the metrics header, spans and metric.

Spans and the duration metric follow OpenTelemetry's HTTP client semantic
conventions: a span per call, a CLIENT span per attempt under it, and
`http.client.request.duration` recorded per attempt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from lattice_core import (
    APIConnectionError,
    APIError,
    AsyncClient,
    Client,
    InvalidRequestError,
    Request,
    Response,
    hookimpl,
)
from lattice_core.billing_portal import Session
from lattice_core.builtin.telemetry import DURATION_BUCKETS, SCHEMA_URL, Telemetry
from lattice_core.testing import (
    AsyncStubTransport,
    StubTransport,
    connection_error,
    json_response,
)

from .conftest import API_KEY, LEAKS, SESSION_JSON, Wire

ERROR = {"error": {"type": "api_error", "message": f"key {API_KEY} rejected"}}
NO_CUSTOMER = {"error": {"type": "invalid_request_error", "message": "No such customer: 'cus_1'"}}
PATH = "/v1/billing_portal/sessions"


def _lattice(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.name == "lattice"]


def _no_sleep_client(stub: StubTransport, **options: Any) -> Client:
    return Client(API_KEY, transport=stub, sleep=lambda _: None, **options)


# Logs ------------------------------------------------------------------------------------


def test_levels_and_structured_fields(no_secret_in_logs: list[logging.LogRecord]) -> None:
    stub = StubTransport(
        connection_error("reset"),
        json_response(500, ERROR, request_id="req_500"),
        json_response(200, SESSION_JSON, request_id="req_ok"),
    )
    with _no_sleep_client(stub) as client:
        Session.create(client, {"customer": "cus_1"}, idempotency_key="idem-1")
    records = _lattice(no_secret_in_logs)
    assert [r.levelname for r in records] == ["DEBUG", "INFO", "INFO", "INFO"]
    start, failed, retried, ok = records
    assert start.getMessage() == f"POST {PATH} start idempotency_key=idem-1"
    assert failed.getMessage().startswith(
        f"POST {PATH} failed: APIConnectionError attempt=1 duration_ms="
    )
    assert failed.getMessage().endswith(" s")
    assert "; will retry in " in failed.getMessage()
    assert retried.getMessage().startswith(f"POST {PATH} -> 500 request_id=req_500 attempt=2 ")
    assert "idempotency_key=idem-1; will retry in " in retried.getMessage()
    assert retried.lattice["outcome"] == "retry"  # type: ignore[attr-defined]
    assert retried.lattice["retry_in_s"] > 0  # type: ignore[attr-defined]
    assert ok.getMessage().startswith(f"POST {PATH} -> 200 request_id=req_ok attempt=3 ")
    fields = ok.lattice  # type: ignore[attr-defined]
    assert fields["status"] == 200
    assert fields["request_id"] == "req_ok"
    assert fields["attempt"] == 3
    assert fields["idempotency_key"] == "idem-1"
    assert fields["method"] == "POST"
    assert fields["path"] == PATH
    assert fields["outcome"] == "ok"
    assert isinstance(fields["duration_ms"], float)
    assert not any("gave up" in r.getMessage() for r in records)


def test_an_answer_without_a_request_id_logs_no_request_id_field(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    """A proxy's 502 page has no Request-Id: the line leaves it out rather than say None."""
    from lattice_core import Response

    page = Response(502, {"content-type": "text/html"}, b"<html>Bad gateway</html>")
    with _no_sleep_client(StubTransport(page), max_retries=0) as client, pytest.raises(APIError):
        Session.create(client, {"customer": "cus_1"})
    lines = [r.getMessage() for r in _lattice(no_secret_in_logs)]
    assert any("(HTTP 502)" in line for line in lines), lines
    assert not any("None" in line for line in lines), lines


OUTCOMES = {
    # A refusal, not retried: what Stripe said, at INFO; nothing "gave up".
    "refused": (
        [json_response(400, NO_CUSTOMER, request_id="req_400")],
        {},
        InvalidRequestError,
        [("INFO", "refused: InvalidRequestError (HTTP 400) request_id=req_400 attempt=1 ")],
    ),
    # Retried, then refused: the retry at INFO, the refusal at INFO.
    "retried then refused": (
        [json_response(500, ERROR, request_id="req_500"), json_response(400, NO_CUSTOMER)],
        {},
        InvalidRequestError,
        [
            ("INFO", "-> 500 request_id=req_500 attempt=1 "),
            ("INFO", "refused: InvalidRequestError (HTTP 400) request_id=req_stub attempt=2 "),
        ],
    ),
    # A retryable failure until no retry is left: WARNING.
    "gave up on 503": (
        [json_response(503, ERROR, request_id=f"req_{n}") for n in range(3)],
        {},
        APIError,
        [
            ("INFO", "-> 503 request_id=req_0 attempt=1 "),
            ("INFO", "-> 503 request_id=req_1 attempt=2 "),
            (
                "WARNING",
                "gave up after 3 attempts: APIError (HTTP 503) request_id=req_2 attempt=3 ",
            ),
        ],
    ),
    "gave up on 429": (
        [json_response(429, {"error": {"type": "invalid_request_error", "code": "rate_limit"}})],
        {"max_retries": 0},
        Exception,
        [("WARNING", "gave up after 1 attempt: RateLimitError (HTTP 429) request_id=req_stub ")],
    ),
    "no answer": (
        [connection_error("network down")],
        {"max_retries": 0},
        APIConnectionError,
        [("WARNING", "gave up after 1 attempt: APIConnectionError attempt=1 duration_ms=")],
    ),
    # Stripe said not to retry: the call failed, nothing was given up.
    "not retryable": (
        [json_response(503, ERROR, request_id="req_503", headers={"Stripe-Should-Retry": "false"})],
        {},
        APIError,
        [
            (
                "WARNING",
                "failed after 1 attempt, not retryable: APIError (HTTP 503) request_id=req_503 ",
            )
        ],
    ),
    # Stripe said yes, but the body is not a session: the answer, then the failure.
    "unreadable answer": (
        [Response(200, {"request-id": "req_html"}, b"<html>")],
        {},
        APIError,
        [
            ("INFO", "-> 200 request_id=req_html attempt=1 "),
            ("WARNING", "failed after 1 attempt: APIError (HTTP 200) request_id=req_html "),
        ],
    ),
}


@pytest.mark.parametrize("case", OUTCOMES)
def test_each_outcome_is_logged_at_its_level_once_its_fate_is_known(
    case: str, no_secret_in_logs: list[logging.LogRecord]
) -> None:
    answers, options, error, expected = OUTCOMES[case]
    with _no_sleep_client(StubTransport(*answers), **options) as client, pytest.raises(error):
        Session.create(client, {"customer": "cus_1"})
    records = [r for r in _lattice(no_secret_in_logs) if r.levelno > logging.DEBUG]
    assert [r.levelname for r in records] == [level for level, _ in expected]
    for record, (_, words) in zip(records, expected, strict=True):
        assert record.getMessage().startswith(f"POST {PATH} {words}"), record.getMessage()
    outcomes = [r.lattice["outcome"] for r in records]  # type: ignore[attr-defined]
    assert outcomes[-1] in ("refused", "gave_up", "failed")
    assert all(outcome in ("retry", "ok") for outcome in outcomes[:-1])
    if outcomes[-1] == "refused":
        assert records[-1].getMessage().endswith(": No such customer: 'cus_1'")
        assert not any("gave up" in r.getMessage() for r in records)


def test_a_warning_only_logger_still_gets_the_full_line(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    logging.getLogger("lattice").setLevel(logging.WARNING)
    try:
        stub = StubTransport(json_response(503, ERROR, request_id="req_503"))
        with _no_sleep_client(stub, max_retries=0) as client, pytest.raises(APIError):
            Session.create(client, {"customer": "cus_1"}, idempotency_key="idem-9")
    finally:
        logging.getLogger("lattice").setLevel(logging.NOTSET)
    (record,) = _lattice(no_secret_in_logs)
    assert record.getMessage().startswith(
        f"POST {PATH} gave up after 1 attempt: APIError (HTTP 503) request_id=req_503 attempt=1 "
        "duration_ms="
    )
    assert record.lattice["error"] == "APIError"  # type: ignore[attr-defined]
    assert record.lattice["idempotency_key"] == "idem-9"  # type: ignore[attr-defined]


def test_a_failed_call_logs_its_message_redacted(
    no_secret_in_logs: list[logging.LogRecord],
) -> None:
    stub = StubTransport(json_response(503, ERROR))
    with (
        _no_sleep_client(stub, max_retries=0) as client,
        pytest.raises(APIError, match="rejected"),
    ):
        Session.create(client, {"customer": "cus_1"})
    gave_up = _lattice(no_secret_in_logs)[-1]
    assert gave_up.levelname == "WARNING"
    assert "gave up after 1 attempt: APIError (HTTP 503)" in gave_up.getMessage()
    assert gave_up.getMessage().endswith("rejected")
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
    refused = _lattice(no_secret_in_logs)[-1].getMessage()
    assert "refused" in refused
    assert "cus_secret_42" not in refused
    assert "cus_[masked]" in refused


# The X-Stripe-Client-Telemetry header ------------------------------------------------------


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


# Spans and the duration metric ------------------------------------------------------------


class Otel:
    """An SDK of our own: spans kept in memory, metrics read on demand."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        meter_provider = MeterProvider(metric_readers=[self.reader])
        self.telemetry = Telemetry(
            tracer=tracer_provider.get_tracer("test"), meter=meter_provider.get_meter("test")
        )
        self.options: dict[str, Any] = {
            "disable_plugins": ["telemetry"],
            "plugins": [self.telemetry],
        }

    def spans(self) -> tuple[ReadableSpan, list[ReadableSpan]]:
        """The call's span and its attempts' spans, checking the tree on the way."""
        *attempts, call = self.exporter.get_finished_spans()
        assert call.kind == SpanKind.INTERNAL
        assert call.name == "billing_portal.sessions.create"
        for attempt in attempts:
            assert attempt.kind == SpanKind.CLIENT
            assert attempt.name == "POST"
            assert attempt.parent is not None
            assert attempt.parent.span_id == call.context.span_id
            assert attempt.context.trace_id == call.context.trace_id
        return call, attempts

    def durations(self) -> list[Any]:
        """The data points of `http.client.request.duration`, one per attribute set."""
        data = self.reader.get_metrics_data()
        assert data is not None
        (metric,) = [
            metric
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
        ]
        assert metric.name == "http.client.request.duration"
        assert metric.unit == "s"
        points = list(metric.data.data_points)
        for point in points:
            assert tuple(point.explicit_bounds) == DURATION_BUCKETS
        return points


@pytest.fixture
def otel() -> Otel:
    return Otel()


SERVER = {
    "http.request.method": "POST",
    "server.address": "api.stripe.com",
    "server.port": 443,
}
ATTEMPT = {**SERVER, "url.full": f"https://api.stripe.com{PATH}"}


def test_a_span_per_call_and_a_client_span_per_attempt(otel: Otel) -> None:
    stub = StubTransport(
        json_response(503, {"error": {"type": "api_error"}}, request_id="req_a"),
        json_response(200, SESSION_JSON, request_id="req_b"),
    )
    with _no_sleep_client(stub, **otel.options) as client:
        Session.create(client, {"customer": "cus_1"})
    call, (first, second) = otel.spans()
    assert dict(first.attributes or {}) == {
        **ATTEMPT,
        "http.response.status_code": 503,
        "error.type": "503",
        "stripe.request_id": "req_a",
    }
    assert first.status.status_code == StatusCode.ERROR
    assert dict(second.attributes or {}) == {
        **ATTEMPT,
        "http.request.resend_count": 1,
        "http.response.status_code": 200,
        "stripe.request_id": "req_b",
    }
    assert second.status.status_code == StatusCode.UNSET
    assert dict(call.attributes or {}) == {"stripe.request_id": "req_b"}
    assert call.status.status_code == StatusCode.UNSET
    assert [span.events for span in (call, first, second)] == [(), (), ()]
    assert call.start_time <= first.start_time < first.end_time <= second.start_time
    assert second.end_time <= call.end_time
    points = {
        point.attributes.get("http.response.status_code"): point for point in otel.durations()
    }
    assert dict(points[503].attributes) == {
        **SERVER,
        "http.response.status_code": 503,
        "error.type": "503",
    }
    assert dict(points[200].attributes) == {**SERVER, "http.response.status_code": 200}
    assert points[503].count == points[200].count == 1


def test_every_re_send_counts_and_a_call_that_gave_up_is_an_error(otel: Otel) -> None:
    stub = StubTransport(connection_error(), connection_error(), connection_error())
    with (
        _no_sleep_client(stub, **otel.options) as client,
        pytest.raises(APIConnectionError),
    ):
        Session.create(client, {"customer": "cus_1"})
    call, attempts = otel.spans()
    assert [a.attributes.get("http.request.resend_count") for a in attempts] == [None, 1, 2]
    for attempt in attempts:
        assert attempt.status.status_code == StatusCode.ERROR
        assert attempt.attributes["error.type"] == "APIConnectionError"
        assert "http.response.status_code" not in attempt.attributes
    assert call.status.status_code == StatusCode.ERROR
    assert dict(call.attributes or {}) == {"error.type": "APIConnectionError"}
    (point,) = otel.durations()
    assert dict(point.attributes) == {**SERVER, "error.type": "APIConnectionError"}
    assert point.count == 3


def test_a_refusal_is_an_error_on_the_attempt_and_the_call(otel: Otel) -> None:
    stub = StubTransport(json_response(400, NO_CUSTOMER, request_id="req_400"))
    with _no_sleep_client(stub, **otel.options) as client, pytest.raises(InvalidRequestError):
        Session.create(client, {"customer": "cus_1"})
    call, (attempt,) = otel.spans()
    assert attempt.attributes["error.type"] == "400"
    assert attempt.attributes["http.response.status_code"] == 400
    assert attempt.status.status_code == StatusCode.ERROR
    assert dict(call.attributes or {}) == {
        "stripe.request_id": "req_400",
        "error.type": "InvalidRequestError",
    }
    assert call.status.status_code == StatusCode.ERROR
    assert call.status.description is None  # a message could carry what the user sent


def test_a_cancelled_call_ends_its_open_attempt(otel: Otel) -> None:
    started = asyncio.Event()

    async def hang(request: Request) -> Response:
        started.set()
        await asyncio.sleep(60)
        raise AssertionError("not cancelled")

    async def main() -> None:
        async with AsyncClient(API_KEY, transport=AsyncStubTransport(), **otel.options) as client:
            client._transport.handle_async_request = hang  # type: ignore[method-assign]
            task = asyncio.ensure_future(Session.create_async(client, {"customer": "cus_1"}))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    call, (attempt,) = otel.spans()
    assert attempt.attributes["error.type"] == "CancelledError"
    assert call.attributes["error.type"] == "CancelledError"
    (point,) = otel.durations()
    assert point.attributes["error.type"] == "CancelledError"


def test_the_async_client_reports_the_same_tree(otel: Otel) -> None:
    stub = AsyncStubTransport(
        json_response(500, ERROR, request_id="req_a"), json_response(200, SESSION_JSON)
    )

    async def main() -> None:
        options = {**otel.options, "sleep": lambda _: None}
        async with AsyncClient(API_KEY, transport=stub, **options) as client:
            await Session.create_async(client, {"customer": "cus_1"})

    asyncio.run(main())
    call, (first, second) = otel.spans()
    assert first.attributes["error.type"] == "500"
    assert second.attributes["http.request.resend_count"] == 1
    assert call.status.status_code == StatusCode.UNSET


def test_every_transport_reports_the_same_shape_and_its_protocol_version(
    otel: Otel, wire: Wire
) -> None:
    wire.answer(200, SESSION_JSON, {"Request-Id": "req_wire"})
    caller = wire.client(**otel.options)
    caller.create({"customer": "cus_1"})
    call, (attempt,) = otel.spans()
    attributes = dict(attempt.attributes or {})
    base_url = caller.client.base_url
    assert attributes["url.full"] == f"{base_url}{PATH}"
    assert attributes["server.address"] == (
        "127.0.0.1" if "127.0.0.1" in base_url else "api.stripe.com"
    )
    assert attributes["stripe.request_id"] == "req_wire"
    real = wire.kind in ("requests", "aiohttp")
    assert attributes.get("network.protocol.version") == ("1.1" if real else None)
    (point,) = otel.durations()
    assert point.attributes.get("network.protocol.version") == ("1.1" if real else None)
    assert call.attributes["stripe.request_id"] == "req_wire"


def _spans_and_metrics_text(otel: Otel) -> str:
    parts: list[str] = []
    for span in otel.exporter.get_finished_spans():
        parts += [span.name, repr(dict(span.attributes or {})), repr(span.status.description)]
        parts += [f"{e.name} {dict(e.attributes or {})!r}" for e in span.events]
        parts += [repr(dict(link.attributes or {})) for link in span.links]
    for point in otel.durations():
        parts.append(repr(dict(point.attributes)))
    return "\n".join(parts)


def test_no_secret_and_no_portal_url_in_any_span_or_metric(otel: Otel) -> None:
    stub = StubTransport(
        json_response(500, ERROR),
        connection_error(f"reset by {API_KEY}"),
        json_response(400, ERROR),
        json_response(200, SESSION_JSON),
    )
    with _no_sleep_client(stub, **otel.options) as client:
        with pytest.raises(InvalidRequestError):
            Session.create(client, {"customer": "cus_1"})
        session = Session.create(client, {"customer": "cus_1"})
    assert "test_SECRET_PORTAL_TOKEN" in session.url  # the secret was there to leak
    text = _spans_and_metrics_text(otel)
    assert text.count("billing_portal.sessions.create") == 2
    for pattern, what in LEAKS:
        assert not pattern.search(text), what
    for needle in (API_KEY, "sk_test_", "SECRET_PORTAL_TOKEN", "Bearer", "uthorization"):
        assert needle not in text


def test_without_a_tracer_or_meter_a_call_does_no_opentelemetry_work() -> None:
    seen: list[dict[str, Any]] = []

    class Peek:
        @hookimpl
        def after_call(self, request: Request) -> None:
            seen.append(dict(request.context))

    quiet = Telemetry(tracer=None, meter=None)
    stub = StubTransport(json_response(500, ERROR), json_response(200, SESSION_JSON))
    options: dict[str, Any] = {"disable_plugins": ["telemetry"], "plugins": [quiet, Peek()]}
    with _no_sleep_client(stub, **options) as client:
        Session.create(client, {"customer": "cus_1"})
    assert (quiet.tracer, quiet.meter) == (None, None)
    assert not [key for key in seen[0] if key.startswith("lattice.telemetry")]


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("POST", PATH, "billing_portal.sessions.create"),
        ("GET", "/v1/customers", "customers.list"),
        ("GET", "/v1/customers/cus_NffrFeUfNV2Hib", "customers.retrieve"),
        ("DELETE", "/v1/customers/cus_NffrFeUfNV2Hib", "customers.delete"),
        ("POST", "/v1/invoices/in_1MtHbELkdIwHu7ix/pay", "invoices.pay.post"),
    ],
)
def test_a_call_span_is_named_after_the_operation_without_ids(
    otel: Otel, method: str, path: str, name: str
) -> None:
    stub = StubTransport(json_response(200, {"id": "x"}))
    with Client(API_KEY, transport=stub, **otel.options) as client:
        client.request(method, path, {})
    call = otel.exporter.get_finished_spans()[-1]
    assert call.name == name
    attempt = otel.exporter.get_finished_spans()[0]
    assert attempt.name == method
    assert attempt.attributes["url.full"] == f"https://api.stripe.com{path}"


def test_the_providers_globals_read_as_a_shortcut_are_where_the_api_keeps_them() -> None:
    # Read first so that, with only the API imported, a call skips an environment lookup;
    # were they renamed, calls would still be right, only slower: this test says so.
    import opentelemetry.metrics._internal
    import opentelemetry.trace

    assert hasattr(opentelemetry.trace, "_TRACER_PROVIDER")
    assert hasattr(opentelemetry.metrics._internal, "_METER_PROVIDER")


# The global providers ----------------------------------------------------------------------

GLOBAL_PROVIDERS = """
import sys
from lattice_core import Client
from lattice_core.testing import StubTransport, json_response

session = {session!r}
stub = StubTransport(handler=lambda request: json_response(200, session))
client = Client({key!r}, transport=stub)  # made before anyone set OpenTelemetry up
client.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})
assert not [m for m in sys.modules if m.startswith("opentelemetry")], "imported for nothing"

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

client.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})  # API alone

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
client.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})
reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
client.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})
later = Client({key!r}, transport=stub)
later.request("POST", "/v1/billing_portal/sessions", {{"customer": "cus_1"}})

spans = exporter.get_finished_spans()
scopes = {{(s.instrumentation_scope.name, s.instrumentation_scope.schema_url) for s in spans}}
print(len(spans), scopes)
(scope,) = reader.get_metrics_data().resource_metrics[0].scope_metrics
(point,) = scope.metrics[0].data.data_points
print(scope.scope.name, scope.schema_url, point.count)
"""


def test_the_global_providers_are_used_once_set_up_even_after_the_client() -> None:
    # A process-wide provider can be set once: each case runs in its own interpreter.
    code = GLOBAL_PROVIDERS.format(session=SESSION_JSON, key=API_KEY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # Three traced calls (two spans each); two measured attempts, from both clients.
    assert result.stdout.splitlines() == [
        f"6 {{('lattice', '{SCHEMA_URL}')}}",
        f"lattice {SCHEMA_URL} 2",
    ]

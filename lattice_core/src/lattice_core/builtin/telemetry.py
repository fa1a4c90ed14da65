"""Built-in ``telemetry`` plugin: structured logs, OpenTelemetry spans, Stripe's metrics header.

* Logs to the stdlib logger ``lattice``: the start of a call at DEBUG, each
  response at INFO (method, path, status, Stripe ``request_id``, attempt,
  duration in ms, idempotency key), network errors and failed calls at
  WARNING. Every message goes through the client's ``redact`` hook first. The
  fields are also on each record as ``record.lattice`` (a dict), their string
  values redacted the same way.
* With ``opentelemetry-api`` installed (``pip install
  "lattice-stripe-core[otel]"``): one CLIENT span per call, named after the
  HTTP method, with the HTTP client semantic-convention attributes plus
  ``stripe.request_id``, and one ``attempt`` event per attempt.
* Sends ``X-Stripe-Client-Telemetry`` with the previous call's request id and
  duration, as Stripe's own SDKs do (``Telemetry(client_telemetry=False)`` opts out).

When logging is off and OpenTelemetry is absent, an attempt costs two clock
reads and an ``isEnabledFor`` check.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..errors import LatticeError
from ..hookspecs import hookimpl
from ..http import Request, Response
from ..masking import mask

__all__ = ["Telemetry", "logger"]

logger = logging.getLogger("lattice")
logger.addHandler(logging.NullHandler())  # a library never prints unless asked

_CALL_START = "lattice.telemetry.call_start"
_SPAN = "lattice.telemetry.span"
_HEADER = "X-Stripe-Client-Telemetry"


def _default_tracer() -> Any:
    trace = _otel_trace()
    if trace is None:
        return None
    from .._version import __version__

    return trace.get_tracer("lattice", __version__)


@functools.cache
def _otel_trace() -> Any:
    """OpenTelemetry's ``trace`` API, or ``None``: a failed import is not retried per client."""
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    return trace


def _tracing_configured() -> bool:
    """Whether a real OpenTelemetry SDK is set up (the API alone records nothing)."""
    from opentelemetry import trace

    return not isinstance(
        trace.get_tracer_provider(), (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
    )


class Telemetry:
    """The ``telemetry`` plugin: one instance per client.

    ``tracer`` is an OpenTelemetry tracer (default: the global provider's, when
    ``opentelemetry-api`` is installed; ``None`` turns spans off).
    """

    def __init__(self, *, client_telemetry: bool = True, tracer: Any = "default") -> None:
        self.client_telemetry = client_telemetry
        self._global_tracer = tracer == "default"
        self.tracer = _default_tracer() if self._global_tracer else tracer
        self._redact: Callable[[str], str] = mask
        self._last: tuple[str, int] | None = None

    @hookimpl
    def client_created(self, client: Any) -> None:
        """Log through this client's redaction rules."""
        self._redact = client.hooks.redact

    def _log(self, level: int, message: str, fields: dict[str, Any]) -> None:
        # Handlers may format the fields on their own (JSON logs), so they get the same rules.
        fields = {k: self._redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        logger.log(level, "%s", self._redact(message), extra={"lattice": fields})

    @hookimpl(trylast=True)
    def before_request(self, request: Request) -> None:
        """Start the call: log, open the span, send the last call's metrics."""
        if request.attempt != 1:
            return
        context = request.context
        context[_CALL_START] = time.perf_counter()
        if self.client_telemetry and self._last is not None:
            request_id, duration_ms = self._last
            request.headers[_HEADER] = (
                f'{{"last_request_metrics": {{"request_id": {json.dumps(request_id)}, '
                f'"request_duration_ms": {duration_ms}}}}}'
            )
        path = urlsplit(request.url).path
        if logger.isEnabledFor(logging.DEBUG):
            key = request.headers.get("Idempotency-Key")
            self._log(
                logging.DEBUG,
                f"{request.method} {path} start idempotency_key={key}",
                {"method": request.method, "path": path, "idempotency_key": key},
            )
        if self.tracer is not None and (not self._global_tracer or _tracing_configured()):
            context[_SPAN] = self._start_span(request)

    def _start_span(self, request: Request) -> Any:
        from opentelemetry.trace import SpanKind

        parts = urlsplit(request.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return self.tracer.start_span(
            request.method,
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": request.method,
                "server.address": parts.hostname or "",
                "server.port": port,
                "url.full": f"{parts.scheme}://{parts.netloc}{parts.path}",
            },
        )

    @hookimpl(tryfirst=True)
    def after_response(
        self,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        elapsed: float,
    ) -> None:
        """Log the attempt and add it to the span as an event."""
        duration_ms = round(elapsed * 1000, 1)
        fields: dict[str, Any] = {
            "method": request.method,
            "path": urlsplit(request.url).path,
            "attempt": request.attempt,
            "duration_ms": duration_ms,
            "idempotency_key": request.headers.get("Idempotency-Key"),
        }
        if response is not None:
            fields["status"] = response.status_code
            fields["request_id"] = response.request_id
            level = logging.INFO
            message = (
                "{method} {path} -> {status} request_id={request_id} attempt={attempt} "
                "duration_ms={duration_ms} idempotency_key={idempotency_key}"
            )
        else:
            fields["error"] = type(error).__name__
            level = logging.WARNING
            message = "{method} {path} failed: {error} attempt={attempt} duration_ms={duration_ms}"
        if logger.isEnabledFor(level):
            self._log(level, message.format(**fields), fields)
        span = request.context.get(_SPAN)
        if span is not None:
            event = {"lattice.attempt": request.attempt, "lattice.duration_ms": duration_ms}
            if response is not None:
                event["http.response.status_code"] = response.status_code
            else:
                event["error.type"] = fields["error"]
            span.add_event("attempt", event)

    @hookimpl
    def after_call(
        self, request: Request, response: Response | None, error: LatticeError | None
    ) -> None:
        """Close the span; remember this call's metrics for the next one."""
        started = request.context.get(_CALL_START)
        duration_ms = int((time.perf_counter() - started) * 1000) if started else 0
        request_id = response.request_id if response is not None else None
        if request_id:
            self._last = (request_id, duration_ms)
        if error is not None and logger.isEnabledFor(logging.WARNING):
            self._log(
                logging.WARNING,
                f"{request.method} {urlsplit(request.url).path} gave up after "
                f"{request.attempt} attempt(s): {type(error).__name__}: {error}",
                {"attempt": request.attempt, "error": type(error).__name__},
            )
        span = request.context.pop(_SPAN, None)
        if span is not None:
            self._end_span(span, request, response, error, request_id)

    @staticmethod
    def _end_span(
        span: Any,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        request_id: str | None,
    ) -> None:
        from opentelemetry.trace import Status, StatusCode

        if response is not None:
            span.set_attribute("http.response.status_code", response.status_code)
        if request_id:
            span.set_attribute("stripe.request_id", request_id)
        if request.attempt > 1:
            span.set_attribute("http.request.resend_count", request.attempt - 1)
        if error is not None:
            error_type = str(response.status_code) if response is not None else type(error).__name__
            span.set_attribute("error.type", error_type)
            span.set_status(Status(StatusCode.ERROR))
        span.end()

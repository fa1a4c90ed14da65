"""Built-in `telemetry` plugin: structured logs, OpenTelemetry spans, Stripe's metrics header.

* Logs to the stdlib logger `lattice`: the start of a call at DEBUG, each
  response at INFO (method, path, status, Stripe `request_id`, attempt,
  duration in ms, idempotency key), network errors and failed calls at
  WARNING. Every message goes through the client's `redact` hook first. The
  fields are also on each record as `record.lattice` (a dict), their string
  values redacted the same way.
* Once an OpenTelemetry SDK is set up as the global tracer provider (before
  or after the client is made; `pip install "lattice-stripe-core[otel]"`
  brings the API): one CLIENT span per call, named after the
  HTTP method, with the HTTP client semantic-convention attributes plus
  `stripe.request_id`, and one `attempt` event per attempt.
* Sends `X-Stripe-Client-Telemetry` with the request id and duration of the
  last answered attempt, as Stripe's own SDKs do
  (`Telemetry(client_telemetry=False)` opts out).

When logging is off and no OpenTelemetry SDK is set up, an attempt costs two
clock reads and two `isEnabledFor` checks, and OpenTelemetry is not imported.
"""

from __future__ import annotations

import json
import json.encoder
import logging
import os
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..errors import LatticeError
from ..hookspecs import hookimpl
from ..http import Request, Response
from ..masking import mask

__all__ = ["Telemetry", "logger"]

logger = logging.getLogger("lattice")
"""The stdlib logger every message goes to; silent until your logging config says otherwise."""
logger.addHandler(logging.NullHandler())  # a library never prints unless asked

_SPAN = "lattice.telemetry.span"
_HEADER = "X-Stripe-Client-Telemetry"
_PROVIDER_ENV = "OTEL_PYTHON_TRACER_PROVIDER"
_OTEL_TRACE = "opentelemetry.trace"
_json_string = json.encoder.encode_basestring_ascii  # a str as JSON text, in C


def _global_tracer(named_in_env: bool) -> Any:
    """A tracer from OpenTelemetry's global provider once a real SDK is set up; else `None`.

    Nothing can set up a provider without importing `opentelemetry.trace`
    (or naming one in `OTEL_PYTHON_TRACER_PROVIDER`: `named_in_env`), so
    until then this costs a dictionary lookup and imports nothing: spans would
    record nothing.
    """
    trace: Any = sys.modules.get(_OTEL_TRACE)
    if trace is None:
        if not named_in_env:
            return None
        try:
            from opentelemetry import trace
        except ImportError:
            return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None  # the API alone, no SDK: spans would be no-ops
    from .._version import __version__

    return provider.get_tracer("lattice", __version__)


class Telemetry:
    """The `telemetry` plugin: one instance per client.

    To configure it, disable the built-in and pass your own:
    `Client(key, disable_plugins=["telemetry"], plugins=[Telemetry(...)])`.

    Args:
        client_telemetry: Whether to send `X-Stripe-Client-Telemetry` (the last
            call's request id and duration), as Stripe's own SDKs do.
        tracer: An OpenTelemetry tracer. `"default"` takes the global provider's
            once an OpenTelemetry SDK is set up, before or after the client is
            made; `None` turns spans off.
    """

    def __init__(self, *, client_telemetry: bool = True, tracer: Any = "default") -> None:
        self.client_telemetry: bool = client_telemetry
        """Whether `X-Stripe-Client-Telemetry` is sent."""
        self._global_tracer = tracer == "default"
        self._provider_in_env = _PROVIDER_ENV in os.environ
        self.tracer: Any = _global_tracer(self._provider_in_env) if self._global_tracer else tracer
        """The OpenTelemetry tracer spans come from; `None` while there is none."""
        self._redact: Callable[[str], str] = mask
        self._last_header: str | None = None  # _last, as the header that reports it

    @hookimpl
    def client_created(self, client: Any) -> None:
        """Log through this client's redaction rules.

        Args:
            client: The client just built.
        """
        self._redact = client.hooks.redact

    def _log(self, level: int, message: str, fields: dict[str, Any]) -> None:
        # Handlers may format the fields on their own (JSON logs), so they get the same rules.
        fields = {k: self._redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        logger.log(level, "%s", self._redact(message), extra={"lattice": fields})

    @hookimpl(trylast=True)
    def before_request(self, request: Request) -> None:
        """Start the call: log, open the span, send the last call's metrics.

        Args:
            request: The attempt about to be sent; only the first of a call counts.
        """
        if request.attempt != 1:
            return
        if self._last_header is not None:
            request.headers[_HEADER] = self._last_header
        if logger.isEnabledFor(logging.DEBUG):
            path = urlsplit(request.url).path
            key = request.headers.get("Idempotency-Key")
            self._log(
                logging.DEBUG,
                f"{request.method} {path} start idempotency_key={key}",
                {"method": request.method, "path": path, "idempotency_key": key},
            )
        tracer = self.tracer
        if (
            tracer is None
            and self._global_tracer
            and (_OTEL_TRACE in sys.modules or self._provider_in_env)
        ):
            tracer = self.tracer = _global_tracer(
                self._provider_in_env
            )  # an SDK set up after this client was made
        if tracer is not None:
            request.context[_SPAN] = self._start_span(request)

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
        """Log the attempt, add it to the span as an event, keep its metrics for the next call.

        As Stripe's own SDKs do, the metrics are the last answered attempt's:
        its request id and how long it took.

        Args:
            request: The attempt.
            response: Its answer, or `None` when none came.
            error: The connection error when no answer came.
            elapsed: The attempt's duration in seconds.
        """
        if response is not None and self.client_telemetry:
            request_id = response.headers.get("request-id")
            if request_id:
                self._last_header = (
                    f'{{"last_request_metrics": {{"request_id": {_json_string(request_id)}, '
                    f'"request_duration_ms": {int(elapsed * 1000)}}}}}'
                )
        span = request.context.get(_SPAN)
        level = logging.INFO if response is not None else logging.WARNING
        if span is None and not logger.isEnabledFor(level):
            return  # nobody listens: the common case costs two lookups
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
            message = (
                "{method} {path} -> {status} request_id={request_id} attempt={attempt} "
                "duration_ms={duration_ms} idempotency_key={idempotency_key}"
            )
        else:
            fields["error"] = type(error).__name__
            message = "{method} {path} failed: {error} attempt={attempt} duration_ms={duration_ms}"
        if logger.isEnabledFor(level):
            self._log(level, message.format(**fields), fields)
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
        """Close the span; log a call that failed.

        Args:
            request: The call's request.
            response: The last answer, if any.
            error: What ended the call, or `None` on success.
        """
        if error is not None and logger.isEnabledFor(logging.WARNING):
            self._log(
                logging.WARNING,
                f"{request.method} {urlsplit(request.url).path} gave up after "
                f"{request.attempt} attempt(s): {type(error).__name__}: {error}",
                {"attempt": request.attempt, "error": type(error).__name__},
            )
        span = request.context.pop(_SPAN, None)
        if span is not None:
            request_id = response.request_id if response is not None else None
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

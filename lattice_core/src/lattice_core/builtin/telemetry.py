"""Built-in `telemetry` plugin: leveled logs, OpenTelemetry spans and metric, Stripe's header.

* Logs to the stdlib logger `lattice`, at a level that says what happened:
  the start of a call at DEBUG; an answered attempt, a retried one and a call
  Stripe refused (a 4xx) at INFO; a call given up on (network errors, 409,
  429, 5xx, after any retries) or failed otherwise at WARNING. Every message
  goes through the client's `redact` hook first. The fields are also on each
  record as `record.lattice` (a dict), their string values redacted the same way.
* Once an OpenTelemetry SDK is set up as the global provider (before or after
  the client is made; `pip install "lattice-stripe-core[otel]"` brings the
  API), as the HTTP client semantic conventions ask: a span per call named
  after the operation (`billing_portal.sessions.create`, kind INTERNAL), a
  CLIENT span per attempt under it (named after the method, with
  `http.request.resend_count` on re-sends), and the
  `http.client.request.duration` histogram, recorded per attempt. The tracer
  and meter carry the conventions' `schema_url`.
* Sends `X-Stripe-Client-Telemetry` with the request id and duration of the
  last answered attempt, as Stripe's own SDKs do
  (`Telemetry(client_telemetry=False)` opts out).

When logging is off and OpenTelemetry is not set up, a call costs the plugin a
few dictionary lookups and `isEnabledFor` checks, and OpenTelemetry is not
imported.
"""

from __future__ import annotations

import functools
import json
import json.encoder
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Generator
from typing import Any

from ..errors import APIConnectionError, LatticeError, StripeError
from ..hookspecs import hookimpl
from ..http import Request, Response, split_url
from ..masking import mask
from ..wording import count

__all__ = ["DURATION_BUCKETS", "SCHEMA_URL", "Telemetry", "logger"]

logger = logging.getLogger("lattice")
"""The stdlib logger every message goes to; silent until your logging config says otherwise."""
logger.addHandler(logging.NullHandler())  # a library never prints unless asked

SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"
"""The semantic-conventions schema the span and metric attributes follow."""
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
"""The bucket boundaries, in seconds, the conventions advise for `http.client.request.duration`."""

_OTEL = "lattice.telemetry.otel"  # request.context: the call's _CallSpans
_FAILED = "lattice.telemetry.failed"  # request.context: a failed attempt's log fields
_HEADER = "X-Stripe-Client-Telemetry"
_TRACER_ENV = "OTEL_PYTHON_TRACER_PROVIDER"
_METER_ENV = "OTEL_PYTHON_METER_PROVIDER"
_KNOWN_METHODS = frozenset(
    ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")
)
_NAME = re.compile(r"[a-z_]+")  # a resource name in a path; an id has digits or capitals
_VERSION = re.compile(r"v\d+")
_KEYS = ("request_id", "attempt", "duration_ms", "idempotency_key")  # after the verdict
_json_string = json.encoder.encode_basestring_ascii  # a str as JSON text, in C
_UNKNOWN = object()  # an OpenTelemetry API that keeps its providers elsewhere: ask it


def _global_tracer(named_in_env: bool) -> Any:
    """A tracer from OpenTelemetry's global provider once a real SDK is set up; else `None`.

    Nothing can set up a provider without importing `opentelemetry.trace`
    (or naming one in `OTEL_PYTHON_TRACER_PROVIDER`: `named_in_env`), so
    until then this costs a dictionary lookup and imports nothing: spans would
    record nothing. Once the API is imported, the global it keeps the provider
    in is read first: while it is `None`, nothing is set up, and the public
    `get_tracer_provider()` (an environment lookup each time) is not needed.
    """
    trace: Any = sys.modules.get("opentelemetry.trace")
    if trace is None:
        if not named_in_env:
            return None
        try:
            from opentelemetry import trace
        except ImportError:
            return None
    elif not named_in_env and getattr(trace, "_TRACER_PROVIDER", _UNKNOWN) is None:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        return None  # the API alone, no SDK: spans would be no-ops
    from .._version import __version__

    return provider.get_tracer("lattice", __version__, schema_url=SCHEMA_URL)


def _global_meter(named_in_env: bool) -> Any:
    """A meter from OpenTelemetry's global provider once a real SDK is set up; else `None`.

    The same rule as `_global_tracer`, for `opentelemetry.metrics` and
    `OTEL_PYTHON_METER_PROVIDER`.
    """
    metrics: Any = sys.modules.get("opentelemetry.metrics")
    if metrics is None:
        if not named_in_env:
            return None
        try:
            from opentelemetry import metrics
        except ImportError:
            return None
    elif not named_in_env:
        keeper = sys.modules.get("opentelemetry.metrics._internal")
        if getattr(keeper, "_METER_PROVIDER", _UNKNOWN) is None:
            return None
    provider = metrics.get_meter_provider()
    # The API's stand-ins (its proxy has no public class) live in its own package.
    if isinstance(provider, metrics.NoOpMeterProvider) or type(provider).__module__.startswith(
        "opentelemetry.metrics"
    ):
        return None
    from .._version import __version__

    return provider.get_meter("lattice", __version__, schema_url=SCHEMA_URL)


def _duration_histogram(meter: Any) -> Any:
    """The `http.client.request.duration` histogram of `meter`, with the advised buckets."""
    name, unit, description = (
        "http.client.request.duration",
        "s",
        "Duration of HTTP client requests.",
    )
    try:
        return meter.create_histogram(
            name, unit, description, explicit_bucket_boundaries_advisory=DURATION_BUCKETS
        )
    except TypeError:  # opentelemetry-api before 1.23 takes no advice
        return meter.create_histogram(name, unit, description)


def _operation(method: str, path: str) -> str:
    """The name of a call's span: the path's resource names and a verb.

    `POST /v1/billing_portal/sessions` is `billing_portal.sessions.create`;
    ids are left out, so the name stays the same from call to call
    (`GET /v1/customers/cus_123` is `customers.retrieve`).
    """
    segments = [segment for segment in path.split("/") if segment]
    if segments and _VERSION.fullmatch(segments[0]):
        segments = segments[1:]
    names = [segment for segment in segments if _NAME.fullmatch(segment)]
    if len(names) == len(segments):  # a collection
        verb = {"POST": "create", "GET": "list"}.get(method)
    elif segments[-1] not in names:  # one object
        verb = {"GET": "retrieve", "POST": "update", "DELETE": "delete"}.get(method)
    else:
        verb = None
    return f"{'.'.join(names) or 'stripe'}.{verb or method.lower()}"


@functools.lru_cache(maxsize=64)  # a client sends to one URL or a few
def _endpoint(method: str, url: str) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    """What every attempt to `url` shares: metric attributes, span attributes, span names.

    Returns the attributes of the duration metric, those a CLIENT span starts
    with (`url.full` added: no query, no user info, masked), the CLIENT span's
    name and the call span's name. Callers copy the dicts before adding to them.
    """
    parts = split_url(url)
    known = method in _KNOWN_METHODS
    metric: dict[str, Any] = {
        "http.request.method": method if known else "_OTHER",
        "server.address": parts.host,
        "server.port": parts.port,
    }
    span = {**metric, "url.full": mask(f"{parts.scheme}://{parts.authority}{parts.path}")}
    if not known:
        span["http.request.method_original"] = method
    return metric, span, method if known else "HTTP", _operation(method, parts.path)


class _CallSpans:
    """One call's OpenTelemetry work: its span, the open attempt's span, the metric.

    Made only once an SDK is set up (or a tracer or meter was given), so a
    process without OpenTelemetry never gets here.
    """

    __slots__ = ("attempt", "call", "duration", "endpoint", "started", "tracer")

    def __init__(self, tracer: Any, duration: Any, request: Request) -> None:
        self.tracer = tracer
        self.duration = duration
        self.endpoint = _endpoint(request.method, request.url)
        self.call: Any = None
        self.attempt: Any = None
        self.started: float | None = None
        if tracer is not None:
            from opentelemetry.trace import SpanKind

            self.call = tracer.start_span(self.endpoint[3], kind=SpanKind.INTERNAL)
        self.start_attempt(request)

    def start_attempt(self, request: Request) -> None:
        self.started = time.perf_counter()
        if self.tracer is None:
            return
        from opentelemetry.trace import SpanKind, set_span_in_context

        attributes = dict(self.endpoint[1])
        if request.attempt > 1:
            attributes["http.request.resend_count"] = request.attempt - 1
        self.attempt = self.tracer.start_span(
            self.endpoint[2],
            context=set_span_in_context(self.call),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )

    def end_attempt(
        self, response: Response | None, error: BaseException | None, elapsed: float
    ) -> None:
        self.started = None
        outcome: dict[str, Any] = {}
        if response is not None:
            status = response.status_code
            outcome["http.response.status_code"] = status
            if response.http_version:
                outcome["network.protocol.version"] = response.http_version
            if status >= 400:  # a client's 4xx and 5xx are errors, its 3xx not
                outcome["error.type"] = str(status)
        else:
            outcome["error.type"] = "_OTHER" if error is None else type(error).__name__
        if self.duration is not None:
            self.duration.record(elapsed, {**self.endpoint[0], **outcome})
        span, self.attempt = self.attempt, None
        if span is not None:
            if response is not None and response.request_id:
                outcome["stripe.request_id"] = response.request_id
            span.set_attributes(outcome)
            if "error.type" in outcome:
                _mark_failed(span)
            span.end()

    def end_call(self, response: Response | None, error: BaseException | None) -> None:
        if self.started is not None:  # ended mid-attempt: a cancellation, a transport's bug
            self.end_attempt(None, error, time.perf_counter() - self.started)
        span, self.call = self.call, None
        if span is None:
            return
        if response is not None and response.request_id:
            span.set_attribute("stripe.request_id", response.request_id)
        if error is not None:
            span.set_attribute("error.type", type(error).__name__)
            _mark_failed(span)
        span.end()


def _mark_failed(span: Any) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_status(Status(StatusCode.ERROR))  # no description: it could only repeat a message


def _not_retryable(error: BaseException) -> bool:
    """`Stripe-Should-Retry: false` on the answer, or an error that says no retry can help."""
    if getattr(error, "should_retry", True) is False:
        return True
    headers = getattr(error, "headers", None) or {}
    return any(
        name.lower() == "stripe-should-retry" and str(value).lower() == "false"
        for name, value in headers.items()
    )


def _verdict(error: BaseException, attempts: int) -> tuple[int, str, str]:
    """How a failed call is logged: level, `outcome` field and the words after the path."""
    name = type(error).__name__
    after = count(attempts, "attempt")
    if not isinstance(error, Exception):  # asyncio.CancelledError, KeyboardInterrupt
        return logging.INFO, "cancelled", f"cancelled after {after}: {name}"
    status = error.http_status if isinstance(error, StripeError) else None
    shown = f"{name} (HTTP {status})" if status is not None else name
    if status is not None and 400 <= status < 500 and status not in (409, 429):
        return logging.INFO, "refused", f"refused: {shown}"
    if _not_retryable(error):  # Stripe said so, or a certificate failed: nothing to give up
        return logging.WARNING, "failed", f"failed after {after}, not retryable: {shown}"
    if isinstance(error, APIConnectionError) or status in (409, 429) or (status or 0) >= 500:
        return logging.WARNING, "gave_up", f"gave up after {after}: {shown}"
    return logging.WARNING, "failed", f"failed after {after}: {shown}"


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
        meter: An OpenTelemetry meter, for the `http.client.request.duration`
            histogram. `"default"` takes the global provider's once an
            OpenTelemetry SDK is set up, as for `tracer`; `None` turns the metric off.
    """

    # What a second Telemetry on one client would do, for the message that refuses it.
    _lattice_twice = "every call would be logged, traced and reported twice"

    def __init__(
        self, *, client_telemetry: bool = True, tracer: Any = "default", meter: Any = "default"
    ) -> None:
        self.client_telemetry: bool = client_telemetry
        """Whether `X-Stripe-Client-Telemetry` is sent."""
        self._global_tracer = isinstance(tracer, str) and tracer == "default"
        self._global_meter = isinstance(meter, str) and meter == "default"
        self._tracer_in_env = _TRACER_ENV in os.environ
        self._meter_in_env = _METER_ENV in os.environ
        self._in_env = self._tracer_in_env or self._meter_in_env
        self._tracer: Any = None if self._global_tracer else tracer
        self._meter: Any = None if self._global_meter else meter
        self._duration: Any = None if self._meter is None else _duration_histogram(self._meter)
        self._looking = self._global_tracer or self._global_meter
        self._otel = self._duration is not None or self._tracer is not None
        if self._looking:
            self._look_up()
        self._redact: Callable[[str], str] = mask
        self._last_header: str | None = None  # _last, as the header that reports it

    @property
    def tracer(self) -> Any:
        """The OpenTelemetry tracer spans come from; `None` while there is none."""
        return self._tracer

    @property
    def meter(self) -> Any:
        """The OpenTelemetry meter the duration histogram comes from; `None` while there is none."""
        return self._meter

    def _look_up(self) -> None:
        """Take the global provider's tracer and meter if an SDK is set up by now.

        Two threads may both find them: each gets the same tracer, meter and
        histogram from the provider, so neither needs a lock.
        """
        if self._global_tracer and self._tracer is None:
            self._tracer = _global_tracer(self._tracer_in_env)
        if self._global_meter and self._meter is None:
            meter = _global_meter(self._meter_in_env)
            if meter is not None:
                self._duration = _duration_histogram(meter)
                self._meter = meter
        self._looking = (self._global_tracer and self._tracer is None) or (
            self._global_meter and self._meter is None
        )
        self._otel = self._duration is not None or self._tracer is not None

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
        """Start the call (log, spans, last call's metrics) or, on a re-send, the attempt's span.

        Args:
            request: The attempt about to be sent.
        """
        if request.attempt != 1:
            spans = request.context.get(_OTEL)
            if spans is not None:
                spans.start_attempt(request)
            return
        if self._last_header is not None:
            request.headers[_HEADER] = self._last_header
        if logger.isEnabledFor(logging.DEBUG):
            path = request.path
            key = request.headers.get("Idempotency-Key")
            self._log(
                logging.DEBUG,
                f"{request.method} {path} start idempotency_key={key}",
                {"method": request.method, "path": path, "idempotency_key": key},
            )
        # An SDK set up after this client was made; none can be without importing opentelemetry.
        if self._looking and ("opentelemetry" in sys.modules or self._in_env):
            self._look_up()
        if self._otel:
            request.context[_OTEL] = _CallSpans(self._tracer, self._duration, request)

    @hookimpl(tryfirst=True)
    def after_response(
        self,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        elapsed: float,
    ) -> None:
        """End the attempt's span, record its duration, log it; keep its metrics for the next call.

        A failed attempt is logged once its fate is known: by `retry_delay`
        when it is retried, else by `after_call`. As Stripe's own SDKs do, the
        header's metrics are the last answered attempt's: its request id and
        how long it took.

        Args:
            request: The attempt.
            response: Its answer, or `None` when none came.
            error: The connection error when no answer came.
            elapsed: The attempt's duration in seconds.
        """
        spans = request.context.get(_OTEL)
        if spans is not None:
            spans.end_attempt(response, error, elapsed)
        if response is not None:
            if self.client_telemetry:
                request_id = response.headers.get("request-id")
                if request_id:
                    self._last_header = (
                        f'{{"last_request_metrics": {{"request_id": {_json_string(request_id)}, '
                        f'"request_duration_ms": {int(elapsed * 1000)}}}}}'
                    )
            if 200 <= response.status_code < 300:
                if logger.isEnabledFor(logging.INFO):
                    fields = _attempt_fields(request, response, error, elapsed)
                    fields["outcome"] = "ok"
                    self._log(logging.INFO, _message(fields, f"-> {fields['status']}"), fields)
                return
        if logger.isEnabledFor(logging.WARNING):  # the least any failure is logged at
            request.context[_FAILED] = _attempt_fields(request, response, error, elapsed)

    @hookimpl(wrapper=True)
    def retry_delay(self, request: Request) -> Generator[None, float | None, float | None]:
        """Log a failed attempt that will be retried, and in how long.

        Args:
            request: The failed attempt.

        Returns:
            The decision of the other plugins, unchanged.
        """
        delay = yield
        if delay is not None:
            fields = request.context.pop(_FAILED, None)
            if (
                fields is not None
                and isinstance(delay, (int, float))
                and not isinstance(delay, bool)
                and 0 <= delay < 1e9  # else the client refuses it: the call fails
                and logger.isEnabledFor(logging.INFO)
            ):
                fields["outcome"] = "retry"
                fields["retry_in_s"] = round(float(delay), 2)
                verdict = (
                    f"-> {fields['status']}" if "status" in fields else f"failed: {fields['error']}"
                )
                message = _message(fields, verdict) + f"; will retry in {fields['retry_in_s']} s"
                self._log(logging.INFO, message, fields)
        return delay

    @hookimpl
    def after_call(
        self, request: Request, response: Response | None, error: BaseException | None
    ) -> None:
        """Close the spans; log a call that failed, as its outcome deserves.

        Args:
            request: The call's request.
            response: The last answer, if any.
            error: What ended the call, or `None` on success.
        """
        spans = request.context.pop(_OTEL, None)
        if spans is not None:
            spans.end_call(response, error)
        if error is None:
            return
        fields = request.context.pop(_FAILED, None)
        level, outcome, verdict = _verdict(error, request.attempt)
        if not logger.isEnabledFor(level):
            return
        if fields is None:  # the call failed after its last answer, or was cancelled
            last = None if outcome == "cancelled" else response  # not this attempt's answer
            fields = _attempt_fields(request, last, None, None)
        fields["outcome"] = outcome
        fields["error"] = type(error).__name__
        text = str(error.message if isinstance(error, LatticeError) else error)
        self._log(level, _message(fields, verdict) + (f": {text}" if text else ""), fields)


def _attempt_fields(
    request: Request,
    response: Response | None,
    error: BaseException | None,
    elapsed: float | None,
) -> dict[str, Any]:
    """An attempt's log fields (`record.lattice`): what was sent, and what came back."""
    fields: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "attempt": request.attempt,
    }
    if elapsed is not None:
        fields["duration_ms"] = round(elapsed * 1000, 1)
    fields["idempotency_key"] = request.headers.get("Idempotency-Key")
    if response is not None:
        fields["status"] = response.status_code
        fields["request_id"] = response.request_id
    elif error is not None:
        fields["error"] = type(error).__name__
    return fields


def _message(fields: dict[str, Any], verdict: str) -> str:
    """`POST /v1/billing_portal/sessions <verdict> request_id=… attempt=… …`."""
    # A field with no value (no Request-Id header, say) is left out, not shown as "None".
    keys = " ".join(f"{key}={fields[key]}" for key in _KEYS if fields.get(key) is not None)
    return f"{fields['method']} {fields['path']} {verdict} {keys}"

"""Built-in ``telemetry`` plugin: one structured log record per attempt.

Logs to the stdlib logger ``lattice``: each response at INFO (network errors
at WARNING) with method, path, status, Stripe request id, attempt and duration.
Only the URL path is logged, never headers, bodies or the portal URL. Costs one
``isEnabledFor`` check per attempt when logging is off.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from ..errors import LatticeError
from ..hookspecs import hookimpl
from ..http import Request, Response

__all__ = ["after_response", "before_request", "logger"]

logger = logging.getLogger("lattice")
logger.addHandler(logging.NullHandler())  # a library never prints unless asked
_START = "lattice.telemetry.start"


@hookimpl
def before_request(request: Request) -> None:
    """Stamp the attempt's start time."""
    request.context[_START] = time.perf_counter()


@hookimpl
def after_response(request: Request, response: Response | None, error: LatticeError | None) -> None:
    """Log the attempt's outcome."""
    level = logging.INFO if response is not None else logging.WARNING
    if not logger.isEnabledFor(level):
        return
    elapsed_ms = (time.perf_counter() - request.context.get(_START, time.perf_counter())) * 1000
    path = urlsplit(request.url).path
    if response is not None:
        logger.log(
            level,
            "%s %s -> %d request_id=%s attempt=%d duration_ms=%.1f idempotency_key=%s",
            request.method,
            path,
            response.status_code,
            response.request_id,
            request.attempt,
            elapsed_ms,
            request.headers.get("Idempotency-Key"),
        )
    else:
        logger.log(
            level,
            "%s %s failed: %s attempt=%d duration_ms=%.1f",
            request.method,
            path,
            type(error).__name__,
            request.attempt,
            elapsed_ms,
        )

"""Built-in ``retry`` plugin: Stripe's rules for when a failed call is worth repeating.

Retries network errors, 409, 429 and 5xx, at most ``max_retries`` times.
``Stripe-Should-Retry`` overrides the status rules either way. Delays back off
exponentially (0.5 s * 2^(n-1), capped at 5 s, jittered to 50-100 %, never
below 0.5 s); a ``Retry-After`` of a few seconds is honoured up to the cap. The
``Idempotency-Key`` stays the same across attempts, so a retried POST cannot
create a second session.
"""

from __future__ import annotations

import random

from ..errors import APIConnectionError, LatticeError
from ..hookspecs import hookimpl
from ..http import Request, Response

__all__ = ["backoff_delay", "retry_delay", "should_retry"]

INITIAL_DELAY = 0.5
MAX_DELAY = 5.0
_RETRY_STATUSES = frozenset({409, 429})


def should_retry(response: Response | None, error: LatticeError | None) -> bool:
    """Whether this outcome is worth another attempt, ignoring the attempt count."""
    if response is None:
        return isinstance(error, APIConnectionError)
    verdict = response.headers.get("stripe-should-retry")
    if verdict == "true":
        return True
    if verdict == "false":
        return False
    return response.status_code in _RETRY_STATUSES or response.status_code >= 500


def backoff_delay(attempt: int, response: Response | None, rand: float) -> float:
    """Seconds to wait after failed ``attempt`` (1-based); ``rand`` is in [0, 1)."""
    delay: float = min(INITIAL_DELAY * 2.0 ** (attempt - 1), MAX_DELAY) * (0.5 + rand / 2)
    delay = max(delay, INITIAL_DELAY)
    if response is not None:
        retry_after = response.headers.get("retry-after", "")
        try:
            wanted = float(retry_after)
        except ValueError:
            wanted = 0.0
        if wanted > 0:
            delay = max(delay, min(wanted, MAX_DELAY))
    return delay


@hookimpl(trylast=True)
def retry_delay(
    request: Request, response: Response | None, error: LatticeError | None, max_retries: int
) -> float | None:
    """The ``retry_delay`` hook: a delay while attempts remain and the outcome is retryable."""
    if request.attempt > max_retries or not should_retry(response, error):
        return None
    return backoff_delay(request.attempt, response, random.random())  # noqa: S311 - jitter

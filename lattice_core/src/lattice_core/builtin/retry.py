"""Built-in `retry` plugin: Stripe's rules for when a failed call is worth repeating.

* Retries network errors and timeouts (not a failed TLS certificate check,
  which cannot pass on a second try), 409, 429 and 5xx, at most
  `max_retries` times (a client option, default 2).
* `Stripe-Should-Retry: true|false` overrides the status rules either way.
* Backoff: 0.5 s * 2^(n-1), capped at 5 s, jittered to 50-100 %, never below
  0.5 s; a `Retry-After` header in seconds is honoured up to the cap.
* An optional `deadline` (seconds) bounds the whole call, waits included:
  each attempt's `request.timeout` is cut to the time left, and no retry
  starts unless its wait ends before the deadline.
* A retry budget shared by the client (a token bucket, as botocore's
  "standard" mode) stops retrying when most calls fail, so an outage is not
  multiplied by `1 + max_retries`.

The `Idempotency-Key` is the same on every attempt, so a retried POST cannot
create a second session. The entry point names the
[`Retry`][lattice_core.builtin.retry.Retry] class, so each client gets its own
budget; configure one by disabling the built-in and passing your own:

```python
from lattice_core import Client
from lattice_core.builtin.retry import Retry

client = Client("sk_test_YOUR_KEY", disable_plugins=["retry"], plugins=[Retry(deadline=10.0)])
```

A client takes one retry plugin: two would each answer `retry_delay` (so the
built-in would retry past your deadline) and spend two budgets, so passing a
`Retry` without disabling the built-in is a `ConfigurationError`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from ..errors import APIConnectionError, ConfigurationError, LatticeError
from ..hookspecs import hookimpl
from ..http import Request, Response

__all__ = ["Retry", "RetryBudget", "backoff_delay", "should_retry"]

INITIAL_DELAY = 0.5
"""Seconds before the first retry, before jitter; also the shortest wait."""
MAX_DELAY = 5.0
"""The longest wait between attempts, in seconds, `Retry-After` included."""
_RETRY_STATUSES = frozenset({409, 429})
_START = "lattice.retry.start"
_SPENT = "lattice.retry.spent"
_MIN_TIMEOUT = 0.001  # an attempt that starts always gets a (tiny) positive timeout


def should_retry(response: Response | None, error: LatticeError | None) -> bool:
    """Whether this outcome is worth another attempt, ignoring counts and budgets.

    Args:
        response: The answer, or `None` when none came.
        error: The connection error when no answer came.
    """
    if response is None:  # no answer: worth another try unless the error says it is not
        return isinstance(error, APIConnectionError) and error.should_retry
    verdict = response.headers.get("stripe-should-retry")
    if verdict == "true":
        return True
    if verdict == "false":
        return False
    return response.status_code in _RETRY_STATUSES or response.status_code >= 500


def backoff_delay(attempt: int, response: Response | None, rand: float) -> float:
    """Seconds to wait after a failed attempt, jitter and `Retry-After` included.

    Args:
        attempt: The attempt that failed, counting from 1.
        response: Its answer, whose `Retry-After` is honoured up to
            [`MAX_DELAY`][lattice_core.builtin.retry.MAX_DELAY]; `None` when none came.
        rand: A number in [0, 1) that picks the jitter.
    """
    delay: float = min(INITIAL_DELAY * 2.0 ** (attempt - 1), MAX_DELAY) * (0.5 + rand / 2)
    delay = max(delay, INITIAL_DELAY)
    if response is not None:
        try:
            wanted = float(response.headers.get("retry-after", ""))
        except ValueError:
            wanted = 0.0
        if wanted > 0:
            delay = max(delay, min(wanted, MAX_DELAY))
    return delay


class RetryBudget:
    """A token bucket shared by one client's calls (botocore's "standard" retry quota).

    Each retry spends `retry_cost` tokens (`timeout_cost` after a network
    error); a call that succeeds without retrying earns one token back, and one
    that succeeds after retries returns what it spent. An empty bucket means
    no retries until calls succeed again. Safe to share between threads.

    Args:
        capacity: The tokens the bucket holds, full at the start.
        retry_cost: What a retry after an HTTP error costs.
        timeout_cost: What a retry after a network error or timeout costs.
    """

    def __init__(self, capacity: int = 500, retry_cost: int = 5, timeout_cost: int = 10) -> None:
        self.capacity: int = capacity
        """The most tokens the bucket holds."""
        self.tokens: int = capacity
        """The tokens left."""
        self.retry_cost: int = retry_cost
        """What a retry after an HTTP error costs."""
        self.timeout_cost: int = timeout_cost
        """What a retry after a network error or timeout costs."""
        self._lock = threading.Lock()

    def spend(self, network_error: bool) -> int:
        """Take the cost of one retry; 0 when the budget cannot pay (then do not retry).

        Args:
            network_error: Whether the failure was a network error or timeout.

        Returns:
            The tokens taken, to refund if the call succeeds; 0 when too few were left.
        """
        cost = self.timeout_cost if network_error else self.retry_cost
        with self._lock:
            if self.tokens < cost:
                return 0
            self.tokens -= cost
        return cost

    def refund(self, amount: int) -> None:
        """Put tokens back, up to the capacity: a call succeeded.

        Args:
            amount: What the call spent on retries, or 1 for a call that needed none.
        """
        if self.tokens >= self.capacity:  # full (as nearly always): nothing to add, no lock
            return
        with self._lock:
            self.tokens = min(self.capacity, self.tokens + amount)


class Retry:
    """The `retry` plugin: one instance per client.

    Args:
        deadline: Seconds a whole call may take, waits included, up to a day;
            `None` sets no bound.
        budget: The client's retry budget; `None` makes a fresh
            [`RetryBudget`][lattice_core.builtin.retry.RetryBudget].
        clock: Monotonic seconds (injectable for tests).
        rand: Jitter in [0, 1) (injectable for tests).

    Raises:
        ConfigurationError: `deadline` is not a number of seconds in range.
    """

    # What a second Retry on one client would do, for the message that refuses it.
    _lattice_twice = (
        "both would decide on retries and spend their own budget, and the built-in would "
        "retry past your deadline"
    )

    def __init__(
        self,
        *,
        deadline: float | None = None,
        budget: RetryBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if deadline is not None and (
            isinstance(deadline, bool)
            or not isinstance(deadline, (int, float))
            or not 0 < deadline <= 86_400  # NaN fails this too
        ):
            raise ConfigurationError(
                f"Retry(deadline=...) must be seconds, more than 0 and at most a day, or None; "
                f"got {type(deadline).__name__}."
            )
        self.deadline: float | None = deadline
        """Seconds a whole call may take, waits included; `None`: no bound."""
        self.budget: RetryBudget = budget if budget is not None else RetryBudget()
        """The client's retry budget."""
        self.clock: Callable[[], float] = clock
        """Monotonic seconds."""
        self.rand: Callable[[], float] = rand
        """Jitter in [0, 1)."""

    @hookimpl
    def before_request(self, request: Request) -> None:
        """With a deadline: remember when the call began, give this attempt what is left.

        Args:
            request: The attempt about to be sent; its `timeout` may be shortened.
        """
        if self.deadline is None:  # nothing to time (budget spending is counted as it happens)
            return
        now = self.clock()
        if request.attempt == 1:
            request.context[_START] = now
        left = max(self.deadline - (now - request.context.get(_START, now)), _MIN_TIMEOUT)
        request.timeout = left if request.timeout is None else min(request.timeout, left)

    @hookimpl(trylast=True)
    def retry_delay(
        self,
        request: Request,
        response: Response | None,
        error: LatticeError | None,
        max_retries: int,
    ) -> float | None:
        """A delay while attempts, time and budget remain and the outcome is retryable.

        Args:
            request: The failed attempt.
            response: Its answer, or `None` when none came.
            error: The connection error when no answer came.
            max_retries: The client's `max_retries`.

        Returns:
            The seconds to wait, or `None` not to retry.
        """
        if request.attempt > max_retries or not should_retry(response, error):
            return None
        delay = backoff_delay(request.attempt, response, self.rand())
        if self.deadline is not None:
            spent = self.clock() - request.context.get(_START, self.clock())
            if spent + delay >= self.deadline:  # no time would be left for the attempt
                return None
        cost = self.budget.spend(network_error=response is None)
        if not cost:
            return None
        request.context[_SPENT] = request.context.get(_SPENT, 0) + cost
        return delay

    @hookimpl
    def after_call(
        self, request: Request, response: Response | None, error: LatticeError | None
    ) -> None:
        """Refill the budget after a success.

        Args:
            request: The call's request, which counts what its retries spent.
            response: The last answer, if any.
            error: `None` for a success.
        """
        if error is None:
            spent = request.context.get(_SPENT, 0)
            self.budget.refund(spent if spent else 1)

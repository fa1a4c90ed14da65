"""The retry plugin with a fake clock: the same cases for the sync and the async client
(the ``wire`` harness over its stub kinds)."""

from __future__ import annotations

from typing import Any

import pytest

from lattice_core import (
    APIConnectionError,
    APIError,
    AsyncClient,
    Client,
    ConfigurationError,
    InvalidRequestError,
    Request,
    hookimpl,
)
from lattice_core.billing_portal import Session
from lattice_core.builtin.retry import Retry, RetryBudget, backoff_delay
from lattice_core.testing import (
    AsyncStubTransport,
    StubTransport,
    connection_error,
    json_response,
)

from .conftest import API_KEY, SESSION_JSON
from .harness import FakeClock, Wire, over, stubs_only

ERROR = {"error": {"type": "api_error", "message": "boom"}}


@stubs_only
def test_500_500_200_returns_the_session_after_exactly_two_retries(wire: Wire) -> None:
    result, sent = wire.run(
        json_response(500, ERROR), json_response(500, ERROR), json_response(200, SESSION_JSON)
    )
    assert isinstance(result, Session)
    assert [r.attempt for r in sent] == [1, 2, 3]
    assert len({r.headers["Idempotency-Key"] for r in sent}) == 1
    assert len({r.content for r in sent}) == 1
    assert wire.clock.slept == [0.5, 0.5]  # 0.5*2^0 and 0.5*2^1 at the lowest jitter


@over("async-stub")
@pytest.mark.parametrize("kind", ["plain-function", "async-def"])
def test_an_async_client_takes_a_plain_sleep_as_a_client_does_or_an_async_one(
    wire: Wire, kind: str
) -> None:
    sleep = wire.clock.sleep if kind == "plain-function" else wire.clock.asleep
    result, sent = wire.run(
        json_response(500, ERROR), json_response(200, SESSION_JSON), sleep=sleep
    )
    assert isinstance(result, Session)
    assert wire.clock.slept == [0.5]
    assert len(sent) == 2


@over("async-stub")
def test_the_documented_no_wait_sleep_works_for_an_async_client(wire: Wire) -> None:
    # The client's own retry plugin, not the harness's one on the fake clock.
    own_retry: dict[str, Any] = {"disable_plugins": [], "plugins": []}
    result, sent = wire.run(
        connection_error(),
        json_response(200, SESSION_JSON),
        sleep=lambda seconds: None,
        **own_retry,
    )
    assert isinstance(result, Session)
    assert [r.attempt for r in sent] == [1, 2]


@stubs_only
def test_should_retry_false_stops_at_once(wire: Wire) -> None:
    no = json_response(500, ERROR, {"Stripe-Should-Retry": "false"})
    result, sent = wire.run(no, json_response(200, SESSION_JSON))
    assert isinstance(result, APIError)
    assert len(sent) == 1
    assert wire.clock.slept == []


@stubs_only
def test_should_retry_true_retries_even_a_400(wire: Wire) -> None:
    yes = json_response(
        400, {"error": {"type": "invalid_request_error"}}, {"Stripe-Should-Retry": "true"}
    )
    result, sent = wire.run(yes, json_response(200, SESSION_JSON))
    assert isinstance(result, Session)
    assert len(sent) == 2


@stubs_only
def test_400_is_never_retried(wire: Wire) -> None:
    result, sent = wire.run(
        json_response(400, {"error": {"type": "invalid_request_error"}}),
        json_response(200, SESSION_JSON),
    )
    assert isinstance(result, InvalidRequestError)
    assert len(sent) == 1
    assert wire.clock.slept == []


@stubs_only
@pytest.mark.parametrize(("header", "waited"), [("3", 3.0), ("60", 5.0), ("soon", 0.5)])
def test_retry_after_is_honoured_up_to_the_cap(wire: Wire, header: str, waited: float) -> None:
    limited = json_response(429, {"error": {"type": "rate_limit_error"}}, {"Retry-After": header})
    result, _ = wire.run(limited, json_response(200, SESSION_JSON))
    assert isinstance(result, Session)
    assert wire.clock.slept == [waited]


@stubs_only
@pytest.mark.parametrize("status", [409, 429, 500, 502, 503])
def test_retryable_statuses(wire: Wire, status: int) -> None:
    result, sent = wire.run(json_response(status, ERROR), json_response(200, SESSION_JSON))
    assert isinstance(result, Session)
    assert len(sent) == 2


@stubs_only
def test_network_errors_are_retried_and_the_last_one_raised(wire: Wire) -> None:
    result, sent = wire.run(
        connection_error("down 1"), connection_error("down 2"), connection_error("down 3")
    )
    assert isinstance(result, APIConnectionError)
    assert "down 3" in str(result)
    assert len(sent) == 3


@stubs_only
def test_max_retries_zero_means_one_attempt(wire: Wire) -> None:
    result, sent = wire.run(json_response(503, ERROR), max_retries=0)
    assert isinstance(result, APIError)
    assert len(sent) == 1


@stubs_only
def test_the_deadline_bounds_the_whole_call(wire: Wire) -> None:
    retry = Retry(deadline=4.0, clock=wire.clock.monotonic, rand=lambda: 0.0)
    slow = json_response(503, ERROR, {"Retry-After": "3"})
    result, sent = wire.run(slow, slow, slow, retry=retry)
    # The first 3 s wait fits in 4 s; a second one would not.
    assert isinstance(result, APIError)
    assert len(sent) == 2
    assert wire.clock.slept == [3.0]


@stubs_only
def test_an_empty_budget_stops_retries_and_successes_refill_it(wire: Wire) -> None:
    budget = RetryBudget(capacity=10, retry_cost=5)
    retry = Retry(budget=budget, clock=wire.clock.monotonic, rand=lambda: 0.0)
    failing = [json_response(503, ERROR)] * 3
    result, sent = wire.run(*failing, retry=retry)
    assert isinstance(result, APIError)
    assert len(sent) == 3  # two retries spent all 10 tokens
    assert budget.tokens == 0

    result, sent = wire.run(json_response(503, ERROR), retry=retry)
    assert len(sent) == 1  # no budget: no retry
    assert budget.tokens == 0

    wire.run(json_response(200, SESSION_JSON), retry=retry)
    assert budget.tokens == 1  # a clean success earns one token

    wire.run(json_response(200, SESSION_JSON), retry=retry)
    wire.run(json_response(200, SESSION_JSON), retry=retry)
    wire.run(json_response(200, SESSION_JSON), retry=retry)
    wire.run(json_response(200, SESSION_JSON), retry=retry)
    assert budget.tokens == 5
    result, sent = wire.run(
        json_response(503, ERROR), json_response(200, SESSION_JSON), retry=retry
    )
    assert isinstance(result, Session)
    assert budget.tokens == 5  # the retry's cost came back with the success


def test_network_errors_cost_more_budget() -> None:
    budget = RetryBudget(capacity=12, retry_cost=5, timeout_cost=10)
    assert budget.spend(network_error=True) == 10
    assert budget.spend(network_error=True) == 0
    assert budget.spend(network_error=False) == 0
    budget.refund(100)
    assert budget.tokens == 12


def test_each_client_gets_its_own_retry_instance_and_budget() -> None:
    with (
        Client(API_KEY, transport=StubTransport()) as one,
        Client(API_KEY, transport=StubTransport()) as two,
    ):
        first = one.hooks.pm.get_plugin("retry")
        second = two.hooks.pm.get_plugin("retry")
    assert isinstance(first, Retry)
    assert isinstance(second, Retry)
    assert first is not second
    assert first.budget is not second.budget


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("rand", [0.0, 0.5, 0.999])
def test_backoff_is_exponential_jittered_capped_and_floored(attempt: int, rand: float) -> None:
    delay = backoff_delay(attempt, None, rand)
    full = min(0.5 * 2 ** (attempt - 1), 5.0)
    assert max(full * 0.5, 0.5) <= delay <= full


class Timed:
    """Records each attempt's timeout; each attempt takes ``takes`` seconds of the fake clock."""

    def __init__(self, clock: FakeClock, takes: float = 0.0) -> None:
        self.clock = clock
        self.takes = takes
        self.timeouts: list[float | None] = []

    @hookimpl
    def after_response(self, request: Request) -> None:
        self.timeouts.append(request.timeout)
        self.clock.now += self.takes


@stubs_only
def test_the_deadline_cuts_each_attempts_timeout_to_the_time_left(wire: Wire) -> None:
    timed = Timed(wire.clock)
    retry = Retry(deadline=4.0, clock=wire.clock.monotonic, rand=lambda: 0.0)
    slow = json_response(503, ERROR, {"Retry-After": "3"})
    result, sent = wire.run(
        slow, json_response(200, SESSION_JSON), retry=retry, timeout=30, extra=[timed]
    )
    assert isinstance(result, Session)
    assert timed.timeouts == [4.0, 1.0]  # 3 s of the 4 went on the wait
    # The stub's record of each attempt keeps the timeout it was sent with.
    assert [request.timeout for request in sent] == [4.0, 1.0]


@stubs_only
def test_the_client_timeout_is_kept_when_shorter_than_the_time_left(wire: Wire) -> None:
    timed = Timed(wire.clock)
    retry = Retry(deadline=10.0, clock=wire.clock.monotonic, rand=lambda: 0.0)
    result, _ = wire.run(
        json_response(503, ERROR),
        json_response(200, SESSION_JSON),
        retry=retry,
        timeout=2,
        extra=[timed],
    )
    assert isinstance(result, Session)
    assert timed.timeouts == [2.0, 2.0]


@stubs_only
def test_no_retry_starts_when_no_time_would_be_left(wire: Wire) -> None:
    timed = Timed(wire.clock, takes=3.5)
    retry = Retry(deadline=4.0, clock=wire.clock.monotonic, rand=lambda: 0.0)
    result, sent = wire.run(
        json_response(503, ERROR), json_response(200, SESSION_JSON), retry=retry, extra=[timed]
    )
    # 3.5 s of attempt plus a 0.5 s wait reaches the deadline: nothing left to try with.
    assert isinstance(result, APIError)
    assert len(sent) == 1
    assert wire.clock.slept == []


@pytest.mark.parametrize(
    ("client_class", "stub_class"), [(Client, StubTransport), (AsyncClient, AsyncStubTransport)]
)
def test_a_second_retry_plugin_is_refused_with_what_to_pass(
    client_class: type[Client | AsyncClient], stub_class: type[StubTransport | AsyncStubTransport]
) -> None:
    with pytest.raises(ConfigurationError, match=r"disable_plugins=\['retry'\]"):
        client_class(API_KEY, transport=stub_class(), plugins=[Retry(deadline=4.0)])

"""Load under injected faults, over both transports: the SDK's reliability promises hold.

Each transport's load runs once per module (16 threads sharing a ``Client``, or
all calls at once on an ``AsyncClient``) and the tests below each check one
promise on its figures. ``LATTICE_RELIABILITY=full`` runs the published counts;
``LATTICE_RELIABILITY_BREAK=1`` puts a retry that changes the idempotency key
into every load, and then these tests must fail.
"""

from __future__ import annotations

import pytest

from .harness import (
    DEADLINE_FAULTS,
    Figures,
    Load,
    deadline_load,
    figures_table,
    problems,
    run_load,
    serve,
    standard_load,
)

TRANSPORTS = ["requests", "aiohttp"]


@pytest.fixture(scope="module", params=TRANSPORTS)
def figures(request: pytest.FixtureRequest) -> Figures:
    """The default fault mix (20 % of requests, every kind), seeded."""
    load = standard_load(request.param)
    with serve(load) as server:
        result = run_load(server, load)
    print(figures_table([result]))  # shown with -s or on failure; names only, no secrets
    return result


def test_every_call_ends_in_a_session_or_a_lattice_error(figures: Figures) -> None:
    assert figures.calls == figures.succeeded + sum(figures.errors.values()) + sum(
        figures.untyped.values()
    )
    assert not figures.untyped, f"not LatticeError: {dict(figures.untyped)}"
    assert figures.succeeded > figures.calls // 2


def test_no_call_hangs(figures: Figures) -> None:
    assert figures.hangs == 0


def test_no_call_creates_two_sessions(figures: Figures) -> None:
    assert (figures.duplicate_calls, figures.duplicate_keys) == (0, 0)


def test_a_returned_session_is_the_one_the_server_made_for_the_key(figures: Figures) -> None:
    assert figures.wrong_sessions == 0


def test_nothing_shows_a_secret(figures: Figures) -> None:
    """Logs, spans, warnings, sessions and whole exception chains, down to their attributes."""
    assert figures.scanned > figures.calls
    assert not figures.leaks, f"leaks: {dict(figures.leaks.most_common(12))}"


def test_a_call_ends_within_its_bound(figures: Figures) -> None:
    """``timeout * (max_retries + 1)`` + retry waits (each at most 5 s) + slack + any freeze."""
    assert figures.worst_call <= figures.call_bound + figures.lag, figures.worst_attempt_at


def test_the_timeout_bounds_a_whole_attempt_even_against_a_trickle(figures: Figures) -> None:
    """A byte every few ms keeps each read fast; the attempt as a whole must still stop."""
    assert figures.faults["trickle"] > 0
    assert figures.worst_attempt <= figures.attempt_bound + figures.lag, figures.worst_attempt_at


def test_every_fault_kind_was_served_and_retried(figures: Figures) -> None:
    assert [p for p in problems(figures) if "never drawn" in p] == []
    assert figures.retries > 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_retry_deadline_bounds_the_whole_call(transport: str) -> None:
    """Stalls and trickles longer than the deadline, 429s, resets: ``Retry(deadline=1.5)`` wins."""
    load = deadline_load(transport)
    with serve(load, **DEADLINE_FAULTS) as server:
        result = run_load(server, load)
    found = problems(result, kinds=DEADLINE_FAULTS["kinds"])
    assert found == [], "\n".join(found)
    assert result.worst_call <= load.deadline + load.call_slack + result.lag  # type: ignore[operator]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_harness_catches_a_retry_that_changes_the_key(transport: str) -> None:
    """A plugin giving each attempt a fresh key, against resets after creation: duplicates."""
    load = Load(transport, calls=40, concurrency=8 if transport == "requests" else 40, broken=True)
    with serve(load, kinds=("reset_after",), probability=0.5) as server:
        result = run_load(server, load)
    assert result.duplicate_calls > 0
    assert result.duplicate_keys == 0  # each key still made one session: only the call shows it
    assert any("duplicate sessions" in p for p in problems(result, kinds=("reset_after",)))

"""pytest fixtures for testing code that creates portal sessions (entry point `pytest11`).

Installed with lattice-stripe-core, so they are available in any project's tests:

* `fake_stripe`: a fresh [`FakeStripe`][lattice_core.testing.FakeStripe];
  inspect `fake_stripe.sessions` and `fake_stripe.requests`, plan failures with
  `fake_stripe.fail_next(...)` and `fake_stripe.disconnect_next()`.
* `lattice_stub`: a [`StubTransport`][lattice_core.testing.StubTransport]
  answered by `fake_stripe`; what you queue into it answers first.
* `lattice_client`: a [`Client`][lattice_core.Client] over `lattice_stub`
  (no network) that never waits between retries, closed after the test.
* `lattice_async_stub`: an
  [`AsyncStubTransport`][lattice_core.testing.AsyncStubTransport] answered by
  `fake_stripe`; what you queue into it answers first.
* `lattice_async_client`: an [`AsyncClient`][lattice_core.AsyncClient] over
  `lattice_async_stub` that never waits between retries, closed after the test.
* `lattice_sleeps`: the waits between retries the two clients skipped, in
  seconds, in order.
* `fake_stripe_server`: `fake_stripe` served over HTTP on 127.0.0.1; use
  its `url` as `base_url` to go through a real transport.

A test fails at teardown when something it planned never happened: an answer
still queued in `lattice_stub` or `lattice_async_stub`, or a failure still
planned in `fake_stripe`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..client import AsyncClient, Client
from .fake_stripe import FakeStripe
from .server import LoopbackServer
from .stub import AsyncStubTransport, StubTransport

__all__ = [
    "TEST_API_KEY",
    "fake_stripe",
    "fake_stripe_server",
    "lattice_async_client",
    "lattice_async_stub",
    "lattice_client",
    "lattice_sleeps",
    "lattice_stub",
]

TEST_API_KEY = "sk_test_lattice_pytest_fixture"
"""The test-mode key the client fixtures use; the fake takes any `sk_test_` key."""


def _unused(what: str, count: int, how: str) -> None:
    if count:
        pytest.fail(
            f"{what}: {count} {how} never used: the code sent fewer requests than planned "
            "(is max_retries lower than you thought, or did a call not happen?).",
            pytrace=False,
        )


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    """An in-memory fake of Stripe's billing portal endpoint.

    The test fails at teardown if a failure planned with `fail_next` or
    `disconnect_next` was never used.
    """
    fake = FakeStripe()
    yield fake
    _unused("fake_stripe", fake.planned, "planned failure(s) were")


@pytest.fixture
def lattice_stub(fake_stripe: FakeStripe) -> Iterator[StubTransport]:
    """A stub transport that records requests and answers through `fake_stripe`.

    Answers queued with `lattice_stub.queue([...])` come first, then the fake
    answers; the test fails at teardown if a queued answer was never used.

    Args:
        fake_stripe: The test's fake Stripe.
    """
    stub = StubTransport.from_app(fake_stripe)
    yield stub
    _unused("lattice_stub", stub.pending, "queued answer(s) were")


@pytest.fixture
def lattice_sleeps() -> list[float]:
    """The seconds each client fixture would have waited before a retry, in order.

    `lattice_client` and `lattice_async_client` append to it instead of sleeping.
    """
    return []


@pytest.fixture
def lattice_client(lattice_stub: StubTransport, lattice_sleeps: list[float]) -> Iterator[Client]:
    """A client wired to `lattice_stub`: no network, and no wait between retries.

    Args:
        lattice_stub: The test's stub transport.
        lattice_sleeps: Where the client records the waits it skips.
    """
    with Client(TEST_API_KEY, transport=lattice_stub, sleep=lattice_sleeps.append) as client:
        yield client


@pytest.fixture
def lattice_async_stub(fake_stripe: FakeStripe) -> Iterator[AsyncStubTransport]:
    """An async stub transport answering through `fake_stripe`, after its queue.

    Args:
        fake_stripe: The test's fake Stripe.
    """
    stub = AsyncStubTransport.from_app(fake_stripe)
    yield stub
    _unused("lattice_async_stub", stub.pending, "queued answer(s) were")


@pytest.fixture
def lattice_async_client(
    lattice_async_stub: AsyncStubTransport, lattice_sleeps: list[float]
) -> Iterator[AsyncClient]:
    """An async client wired to `lattice_async_stub`: no wait between retries.

    Use it from any event loop (`asyncio.run(...)` in a plain test, or an async
    test); it is closed after the test.

    Args:
        lattice_async_stub: The test's async stub transport.
        lattice_sleeps: Where the client records the waits it skips.
    """
    client = AsyncClient(TEST_API_KEY, transport=lattice_async_stub, sleep=lattice_sleeps.append)
    yield client
    # The stub's aclose never suspends, so the close runs to its end without a loop.
    closing = client.close()
    try:
        closing.send(None)
    except StopIteration:
        pass
    else:  # pragma: no cover - only if the stub's close started to wait
        closing.close()
        raise RuntimeError("lattice_async_client: closing the client did not finish")


@pytest.fixture
def fake_stripe_server(fake_stripe: FakeStripe) -> Iterator[LoopbackServer]:
    """`fake_stripe` over real HTTP on 127.0.0.1 (a free port); `.url` is its base URL.

    Args:
        fake_stripe: The test's fake Stripe.
    """
    with LoopbackServer(fake_stripe) as server:
        yield server

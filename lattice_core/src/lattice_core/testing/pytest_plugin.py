"""pytest fixtures for testing code that creates portal sessions (entry point `pytest11`).

Installed with lattice-stripe-core, so they are available in any project's tests:

* `fake_stripe`: a fresh [`FakeStripe`][lattice_core.testing.FakeStripe];
  inspect `fake_stripe.sessions` and `fake_stripe.requests`.
* `lattice_stub`: a [`StubTransport`][lattice_core.testing.StubTransport]
  answered by `fake_stripe`.
* `lattice_client`: a [`Client`][lattice_core.Client] over `lattice_stub`
  (no network), closed after the test.
* `lattice_async_stub`: an
  [`AsyncStubTransport`][lattice_core.testing.AsyncStubTransport] answered by
  `fake_stripe`, for an `AsyncClient` made in your async test.
* `fake_stripe_server`: `fake_stripe` served over HTTP on 127.0.0.1; use
  its `url` as `base_url` to go through a real transport.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..client import Client
from .fake_stripe import FakeStripe
from .server import LoopbackServer
from .stub import AsyncStubTransport, StubTransport

__all__ = [
    "TEST_API_KEY",
    "fake_stripe",
    "fake_stripe_server",
    "lattice_async_stub",
    "lattice_client",
    "lattice_stub",
]

TEST_API_KEY = "sk_test_lattice_pytest_fixture"
"""The test-mode key `lattice_client` uses; the fake takes any `sk_test_` key."""


@pytest.fixture
def fake_stripe() -> FakeStripe:
    """An in-memory fake of Stripe's billing portal endpoint."""
    return FakeStripe()


@pytest.fixture
def lattice_stub(fake_stripe: FakeStripe) -> StubTransport:
    """A stub transport that records requests and answers through `fake_stripe`.

    Args:
        fake_stripe: The test's fake Stripe.
    """
    return StubTransport.from_app(fake_stripe)


@pytest.fixture
def lattice_client(lattice_stub: StubTransport) -> Iterator[Client]:
    """A client wired to `lattice_stub`: creates sessions without any network.

    Args:
        lattice_stub: The test's stub transport.
    """
    with Client(TEST_API_KEY, transport=lattice_stub) as client:
        yield client


@pytest.fixture
def lattice_async_stub(fake_stripe: FakeStripe) -> AsyncStubTransport:
    """An async stub transport answering through `fake_stripe`.

    Args:
        fake_stripe: The test's fake Stripe.
    """
    return AsyncStubTransport.from_app(fake_stripe)


@pytest.fixture
def fake_stripe_server(fake_stripe: FakeStripe) -> Iterator[LoopbackServer]:
    """`fake_stripe` over real HTTP on 127.0.0.1 (a free port); `.url` is its base URL.

    Args:
        fake_stripe: The test's fake Stripe.
    """
    with LoopbackServer(fake_stripe) as server:
        yield server

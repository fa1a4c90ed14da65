"""How a user tests their own view with the shipped pytest fixtures (docs: testing.md)."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from lattice_core import AsyncClient, Client
from lattice_core.billing_portal import Session
from lattice_core.testing import AsyncStubTransport, FakeStripe, LoopbackServer, StubTransport

from .example_app.views import billing_portal_redirect


# The whole user test: four lines.
def test_billing_redirect(lattice_client: Client, fake_stripe: FakeStripe) -> None:
    status, location = billing_portal_redirect(lattice_client, "cus_123")
    assert status == 303
    assert location == fake_stripe.sessions[-1]["url"]


def test_what_was_sent(lattice_client: Client, lattice_stub: StubTransport) -> None:
    billing_portal_redirect(lattice_client, "cus_123")
    lattice_stub.assert_called_once_with(
        path="/v1/billing_portal/sessions",
        params={
            "customer": "cus_123",
            "return_url": "https://example.com/account",
            "flow_data": {"type": "payment_method_update"},
        },
    )


def test_through_a_real_transport(
    fake_stripe_server: LoopbackServer, fake_stripe: FakeStripe
) -> None:
    with Client("sk_test_123", base_url=fake_stripe_server.url) as client:
        status, location = billing_portal_redirect(client, "cus_123")
    assert (status, location) == (303, fake_stripe.sessions[-1]["url"])
    assert fake_stripe_server.connections == 1


def test_assert_called_once_with_reports_differences(
    lattice_client: Client, lattice_stub: StubTransport
) -> None:
    lattice_stub.assert_not_called()
    billing_portal_redirect(lattice_client, "cus_123")
    with pytest.raises(AssertionError, match="params differ"):
        lattice_stub.assert_called_once_with(params={"customer": "cus_999"})
    with pytest.raises(AssertionError, match="Stripe-Account"):
        lattice_stub.assert_called_once_with(stripe_account="acct_1")
    assert lattice_stub.last_request.headers["Stripe-Version"] == "2026-10-28.endive"


def test_async_code_with_the_async_stub(
    lattice_async_stub: AsyncStubTransport, fake_stripe: FakeStripe
) -> None:
    async def view() -> str:
        async with AsyncClient("sk_test_123", transport=lattice_async_stub) as client:
            session = await Session.create_async(client, {"customer": "cus_123"})
        return session.url

    assert asyncio.run(view()) == fake_stripe.sessions[-1]["url"]
    lattice_async_stub.assert_called_once_with(params={"customer": "cus_123"})


# An app that builds its own Client (docs/testing.md, "When your app makes its own Client").
def make_client() -> Client:
    """The app's one place that builds a client, from its settings."""
    return Client(
        os.environ["STRIPE_API_KEY"],
        base_url=os.environ.get("STRIPE_API_BASE", "https://api.stripe.com"),
    )


def portal_url_for(customer_id: str) -> str:
    with make_client() as client:
        return Session.create(client, {"customer": customer_id}).url


def test_own_client_pointed_at_the_fake_by_base_url(
    monkeypatch: pytest.MonkeyPatch, fake_stripe_server: LoopbackServer, fake_stripe: FakeStripe
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_123")
    monkeypatch.setenv("STRIPE_API_BASE", fake_stripe_server.url)
    assert portal_url_for("cus_123") == fake_stripe.sessions[-1]["url"]


def test_own_client_given_the_stub_transport(
    monkeypatch: pytest.MonkeyPatch, lattice_stub: StubTransport
) -> None:
    monkeypatch.setattr(
        sys.modules[__name__], "make_client", lambda: Client("sk_test_123", transport=lattice_stub)
    )
    portal_url_for("cus_123")
    lattice_stub.assert_called_once_with(params={"customer": "cus_123"})

"""Create a Stripe Customer Portal session against the bundled fake Stripe.

The fake listens on 127.0.0.1 (a real HTTP server); the clients reach it
through the installed ``requests`` and ``aiohttp`` transports, found by their
entry points.
"""

from __future__ import annotations

import asyncio

from lattice_core import AsyncClient, Client, InvalidParamsError, StripeError
from lattice_core.billing_portal import Session
from lattice_core.testing import FakeStripe, LoopbackServer


def main() -> None:
    with (
        LoopbackServer(FakeStripe()) as server,
        Client("sk_test_lattice_demo_key_0000", base_url=server.url) as client,
    ):
        print(f"fake Stripe on {server.url}; client {client!r}")

        session = Session.create(
            client,
            {"customer": "cus_demo123", "return_url": "https://example.com/account"},
        )
        print("created:", session)
        print("redirect the customer to session.url (masked above, never logged):", end=" ")
        print(f"{len(session.url)} characters, https: {session.url.startswith('https://')}")

        try:
            Session.create(client, {"return_url": "https://example.com/account"})
        except InvalidParamsError as exc:
            print("pre-flight, no request sent:", exc)

        try:
            Session.create(client, {"customer": "not_a_customer"})
        except StripeError as exc:
            print(f"Stripe said no: {type(exc).__name__}: {exc}")

        asyncio.run(create_async(server.url))


async def create_async(base_url: str) -> None:
    async with AsyncClient("sk_test_lattice_demo_key_0000", base_url=base_url) as client:
        flow = {"type": "payment_method_update"}
        session = await Session.create_async(client, {"customer": "cus_demo123", "flow_data": flow})
        print(f"created with {client!r}:")
        print("  ", session)


if __name__ == "__main__":
    main()

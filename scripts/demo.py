"""Create Stripe Customer Portal sessions against the bundled fake Stripe.

``python scripts/demo.py URL`` talks to a fake already listening at URL (as
``scripts/demo.sh`` starts it); without URL it serves one itself on 127.0.0.1.
Either way the clients reach it over real HTTP, through each installed
transport: ``requests`` with ``Client``, ``aiohttp`` with ``AsyncClient``
(found by their entry points; a missing one is skipped with a note).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from lattice_core import AsyncClient, Client, InvalidParamsError, StripeError
from lattice_core.billing_portal import Session
from lattice_core.plugins import list_plugins
from lattice_core.testing import FakeStripe, LoopbackServer

API_KEY = "sk_test_lattice_demo_key_0000"


def main() -> int:
    installed = {plugin.name for plugin in list_plugins()} & {"requests", "aiohttp"}
    if not installed:
        print("no transport installed: pip install lattice-stripe-requests", file=sys.stderr)
        return 1
    with contextlib.ExitStack() as stack:
        if len(sys.argv) > 1:
            url = sys.argv[1]
        else:
            url = stack.enter_context(LoopbackServer(FakeStripe())).url
        print(f"fake Stripe on {url}")
        for name in ("requests", "aiohttp"):
            if name not in installed:
                print(f"skipped: the {name} transport is not installed")
        if "requests" in installed:
            create_sync(url)
        if "aiohttp" in installed:
            asyncio.run(create_async(url))
    return 0


def create_sync(base_url: str) -> None:
    with Client(API_KEY, base_url=base_url, transport="requests") as client:
        print(f"client {client!r}")
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


async def create_async(base_url: str) -> None:
    async with AsyncClient(API_KEY, base_url=base_url, transport="aiohttp") as client:
        flow = {"type": "payment_method_update"}
        session = await Session.create_async(client, {"customer": "cus_demo123", "flow_data": flow})
        print(f"created with {client!r}:")
        print("  ", session)


if __name__ == "__main__":
    sys.exit(main())

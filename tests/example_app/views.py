"""The user's code under test: a view that sends a customer to the billing portal."""

from __future__ import annotations

from lattice_core import Client
from lattice_core.billing_portal import Session


def billing_portal_redirect(client: Client, customer_id: str) -> tuple[int, str]:
    """Return the HTTP status and Location of a redirect into the portal."""
    session = Session.create(
        client,
        {
            "customer": customer_id,
            "return_url": "https://example.com/account",
            "flow_data": {"type": "payment_method_update"},
        },
    )
    return 303, session.url

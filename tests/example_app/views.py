"""The user's code under test: a view that sends a customer to the billing portal."""

from __future__ import annotations

from lattice_core import APIConnectionError, Client, InvalidParamsError, StripeError
from lattice_core.billing_portal import Session


def billing_portal_redirect(client: Client, customer_id: str) -> tuple[int, str]:
    """The HTTP status to answer with, and the Location (or the error text)."""
    try:
        session = Session.create(
            client,
            {
                "customer": customer_id,
                "return_url": "https://example.com/account",
                "flow_data": {"type": "payment_method_update"},
            },
        )
    except InvalidParamsError as exc:  # nothing was sent; the message names the field
        return 422, str(exc)
    except APIConnectionError:  # no answer from Stripe, retries included
        return 503, "billing is unreachable; try again in a minute"
    except StripeError as exc:  # Stripe said no; its request id finds the call
        return 502, f"billing is unavailable (request {exc.request_id})"
    return 303, session.url

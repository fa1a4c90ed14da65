"""`billing_portal.Session`: create a portal session and read it back, typed.

The session `url` is a single-use bearer credential (whoever holds it manages
the customer's billing) and `flow` names the customer's subscriptions, so
`repr` masks both, and the values (not the keys) of `extra`, which a newer
API version may fill with either. Read them as attributes, or call
[`Session.to_dict`][lattice_core.billing_portal.Session.to_dict] to see
everything while debugging.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, Literal

import attrs

from ..client import AsyncClient, CallOptions, Client
from ..converters import IdOrObject
from ..model import Model, masked
from ..resources import Operation, Resource
from ..rules import Rule
from .enums import Locale
from .flows import AfterExpiration, FlowData
from .params import SessionCreateParams  # at run time too: typing.get_type_hints(create)
from .rules import BUILTIN_FLOW_TYPES, FlowType
from .validation import check_owner, validator_for

if sys.version_info >= (3, 11):  # at run time too: typing.get_type_hints(create)
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = ["RESOURCE", "Session"]


@attrs.frozen(slots=True, repr=False)
class Session(Model):
    """A Customer Portal session (Stripe object `billing_portal.session`).

    Send the customer's browser to [`url`][lattice_core.billing_portal.Session.url];
    it works once and expires soon. Keys Stripe adds in newer API versions land
    in [`extra`][lattice_core.billing_portal.Session.extra].
    """

    OBJECT_NAME = "billing_portal.session"
    """The `object` value of this resource in Stripe's JSON."""
    PATH: ClassVar[str] = "/v1/billing_portal/sessions"
    """The API path sessions are created at."""

    id: str
    """The session id (`bps_...`)."""
    url: str = attrs.field(repr=masked)
    """The single-use portal URL to redirect the customer to; masked in `repr`."""
    object: Literal["billing_portal.session"] = "billing_portal.session"
    """Always `"billing_portal.session"`."""
    configuration: IdOrObject | None = None
    """The portal configuration used: its id (`bpc_...`), or the object when expanded."""
    created: int | None = None
    """When the session was created, in Unix seconds."""
    customer: str | None = None
    """The customer the session is for (`cus_...`)."""
    customer_account: str | None = None
    """The Accounts v2 account the session is for, if it was made with one (`acct_...`)."""
    flow: FlowData | None = attrs.field(default=None, repr=masked)
    """The deep-link flow the customer goes through, if any; masked in `repr`."""
    livemode: bool = False
    """`True` in live mode, `False` in test mode."""
    locale: Locale | None = None
    """The language the portal is shown in; `None` follows the customer's browser."""
    on_behalf_of: str | None = None
    """The connected account whose subscriptions and invoices are shown (`acct_...`)."""
    return_url: str | None = None
    """Where the portal's "return" link leads."""
    after_expiration: AfterExpiration | None = None
    """What an expired URL offers (API `2026-10-28.endive`)."""
    extra: dict[str, Any] = attrs.field(factory=dict)
    """Keys of Stripe's answer that this version of Lattice does not model."""

    @classmethod
    def create(
        cls,
        client: Client,
        params: SessionCreateParams,
        **options: Unpack[CallOptions],
    ) -> Session:
        """Create a portal session (`POST /v1/billing_portal/sessions`).

        Everything is checked before any request is sent. A type checker
        checks a dict literal for `params` against
        [`SessionCreateParams`][lattice_core.billing_portal.SessionCreateParams];
        at run time any mapping is accepted, and a flow type added by a plugin
        too.

        Args:
            client: The [`Client`][lattice_core.Client] to send through (for an
                [`AsyncClient`][lattice_core.AsyncClient] use
                [`create_async`][lattice_core.billing_portal.Session.create_async]).
            params: The params as in Stripe's docs, e.g.
                `{"customer": "cus_123", "return_url": "https://example.com/account"}`.
                [`FlowData`][lattice_core.billing_portal.FlowData] and the other
                flow models may stand in for the matching dicts.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for
                this call only: `stripe_account`, `idempotency_key` (makes a retried
                create safe; by default one is generated, and kept the same across
                automatic retries), `timeout` and `max_retries`.

        Returns:
            The new session; redirect the customer to its `url`.

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            ConfigurationError: `client` is an `AsyncClient`.
            StripeError: Stripe refused the request or could not be reached, or
                a 2xx answer was not a session
                ([`APIError`][lattice_core.errors.APIError], keeping status and
                request id).
        """
        return client.send(_CREATE.prepare(client, params, options, want_async=False))

    @classmethod
    async def create_async(
        cls,
        client: AsyncClient,
        params: SessionCreateParams,
        **options: Unpack[CallOptions],
    ) -> Session:
        """Create a portal session through an [`AsyncClient`][lattice_core.AsyncClient].

        The same params, checks and result as
        [`create`][lattice_core.billing_portal.Session.create], awaited.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            params: The params as in Stripe's docs; flow models may stand in for
                the matching dicts.
            **options: The [`CallOptions`][lattice_core.client.CallOptions] for
                this call only: `stripe_account`, `idempotency_key` (makes a retried
                create safe; by default one is generated, and kept the same across
                automatic retries), `timeout` and `max_retries`.

        Returns:
            The new session; redirect the customer to its `url`.

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            ConfigurationError: `client` is a `Client`.
            StripeError: Stripe refused the request or could not be reached, or
                a 2xx answer was not a session.
        """
        return await client.send(_CREATE.prepare(client, params, options, want_async=True))


def _create_rule(added: tuple[FlowType, ...]) -> Rule:
    return validator_for(BUILTIN_FLOW_TYPES + added if added else BUILTIN_FLOW_TYPES)


_CREATE: Operation[Session] = Operation(
    "create",
    "POST",
    "/v1/billing_portal/sessions",
    Session,
    _create_rule,
    check=check_owner,
    params=SessionCreateParams,
)

RESOURCE = Resource.declare(Session, _CREATE)
"""The session resource: one operation, `create`."""

"""`billing_portal.Session`: create a portal session and read it back, typed.

The session `url` is a single-use bearer credential (whoever holds it manages
the customer's billing) and `flow` names the customer's subscriptions, so
`repr` masks both, and the values (not the keys) of `extra`, which a newer
API version may fill with either. Read them as attributes, or call
[`Session.to_dict`][lattice_core.billing_portal.Session.to_dict] to see
everything while debugging.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import attrs

from ..client import AsyncClient, Client
from ..converters import IdOrObject, converter, structure_or_api_error
from ..errors import ConfigurationError
from ..pipeline import Call
from .enums import Locale
from .flows import AfterExpiration, FlowData, _masked, _masked_extra
from .params import SessionCreateParams  # at run time too: typing.get_type_hints(create)
from .rules import BUILTIN_FLOW_TYPES
from .validation import validate_create_params

__all__ = ["Session"]


@attrs.frozen(slots=True)
class Session:
    """A Customer Portal session (Stripe object `billing_portal.session`).

    Send the customer's browser to [`url`][lattice_core.billing_portal.Session.url];
    it works once and expires soon. Keys Stripe adds in newer API versions land
    in [`extra`][lattice_core.billing_portal.Session.extra].
    """

    OBJECT_NAME: ClassVar[str] = "billing_portal.session"
    """The `object` value of this resource in Stripe's JSON."""
    PATH: ClassVar[str] = "/v1/billing_portal/sessions"
    """The API path sessions are created at."""

    id: str
    """The session id (`bps_...`)."""
    url: str = attrs.field(repr=_masked)
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
    flow: FlowData | None = attrs.field(default=None, repr=_masked)
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
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked_extra)
    """Keys of Stripe's answer that this version of Lattice does not model."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Session | None:
        """Decode Stripe's JSON object; `None` gives `None`.

        Unknown top-level keys are kept in `extra`; an enum value newer than
        the pinned API version is kept as it is.

        Args:
            data: A `billing_portal.session` object as Stripe's JSON has it (a
                webhook event's `data.object`, say), or `None`.

        Raises:
            APIError: `data` does not have the session's shape; the message
                names the fields at fault (never their values).
        """
        return None if data is None else structure_or_api_error(data, cls, cls.OBJECT_NAME)

    @classmethod
    def _decode(cls, data: Mapping[str, Any]) -> Session:
        """Decode an answer body, whose nesting the pipeline has already bounded."""
        return structure_or_api_error(data, cls, cls.OBJECT_NAME, depth_checked=True)

    def to_dict(self) -> dict[str, Any]:
        """Everything, unmasked, in Stripe's JSON shape (`extra` merged back in)."""
        result: dict[str, Any] = converter().unstructure(self)
        return result

    @classmethod
    def create(
        cls,
        client: Client,
        params: SessionCreateParams,
        *,
        stripe_account: str | None = None,
        idempotency_key: str | None = None,
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
            stripe_account: A connected account (`acct_...`) to act as, for
                this call only; overrides the client's.
            idempotency_key: Makes a retried create safe. By default one is
                generated, and kept the same across automatic retries.

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
        return client.send(cls._call(client, params, stripe_account, idempotency_key, False))

    @classmethod
    async def create_async(
        cls,
        client: AsyncClient,
        params: SessionCreateParams,
        *,
        stripe_account: str | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Create a portal session through an [`AsyncClient`][lattice_core.AsyncClient].

        The same params, checks and result as
        [`create`][lattice_core.billing_portal.Session.create], awaited.

        Args:
            client: The [`AsyncClient`][lattice_core.AsyncClient] to send through.
            params: The params as in Stripe's docs; flow models may stand in for
                the matching dicts.
            stripe_account: A connected account (`acct_...`) to act as, for
                this call only; overrides the client's.
            idempotency_key: Makes a retried create safe. By default one is
                generated, and kept the same across automatic retries.

        Returns:
            The new session; redirect the customer to its `url`.

        Raises:
            InvalidParamsError: `params` or an option is wrong; nothing was sent.
            ConfigurationError: `client` is a `Client`.
            StripeError: Stripe refused the request or could not be reached, or
                a 2xx answer was not a session.
        """
        call = cls._call(client, params, stripe_account, idempotency_key, True)
        return await client.send(call)

    @classmethod
    def _call(
        cls,
        client: Client | AsyncClient,
        params: Mapping[str, Any],
        stripe_account: str | None,
        idempotency_key: str | None,
        want_async: bool,
    ) -> Call[Session]:
        """The checked, prepared create call for `client` (of the kind `want_async` says)."""
        if isinstance(client, Client if want_async else AsyncClient):
            raise ConfigurationError(
                "Session.create_async needs an AsyncClient; with a Client use "
                "Session.create(client, ...)."
                if want_async
                else "Session.create needs a Client; with an AsyncClient use "
                "'await Session.create_async(client, ...)'."
            )
        added = client.hooks.flow_types
        checked = validate_create_params(params, BUILTIN_FLOW_TYPES + added if added else None)
        return client.prepare(
            "POST",
            cls.PATH,
            checked,
            cls._decode,
            stripe_account=stripe_account,
            idempotency_key=idempotency_key,
        )

"""``billing_portal.Session``: create a portal session and read it back, typed.

The session ``url`` is a single-use bearer credential (whoever holds it manages
the customer's billing) and ``flow`` names the customer's subscriptions, so
``repr`` masks both, and the values (not the keys) of ``extra``, which a newer
API version may fill with either. Read them as attributes, or call
:meth:`Session.to_dict` to see everything while debugging.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ..client import AsyncClient, Client
from ..converters import IdOrObject, converter, structure_or_api_error
from ..errors import ConfigurationError
from ..pipeline import Call
from .flows import AfterExpiration, FlowData, _masked, _masked_extra
from .rules import BUILTIN_FLOW_TYPES
from .validation import validate_create_params

if TYPE_CHECKING:
    from .params import SessionCreateParams

__all__ = ["Session"]


@attrs.frozen(slots=True)
class Session:
    """A Customer Portal session (Stripe object ``billing_portal.session``).

    Send the customer's browser to :attr:`url`; it works once and expires
    soon. Keys Stripe adds in newer API versions land in :attr:`extra`.
    """

    OBJECT_NAME: ClassVar[str] = "billing_portal.session"
    PATH: ClassVar[str] = "/v1/billing_portal/sessions"

    id: str
    url: str = attrs.field(repr=_masked)
    object: str = "billing_portal.session"
    configuration: IdOrObject | None = None
    created: int | None = None
    customer: str | None = None
    customer_account: str | None = None
    flow: FlowData | None = attrs.field(default=None, repr=_masked)
    livemode: bool = False
    locale: str | None = None
    on_behalf_of: str | None = None
    return_url: str | None = None
    after_expiration: AfterExpiration | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=_masked_extra)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Session | None:
        """Decode Stripe's JSON object; ``None`` gives ``None``.

        Unknown top-level keys are kept in :attr:`extra`. A body that does not
        have the session's shape raises :class:`~lattice_core.errors.APIError`
        naming the fields at fault (never their values).
        """
        return None if data is None else structure_or_api_error(data, cls, cls.OBJECT_NAME)

    @classmethod
    def _decode(cls, data: Mapping[str, Any]) -> Session:
        """Decode an answer body, whose nesting the pipeline has already bounded."""
        return structure_or_api_error(data, cls, cls.OBJECT_NAME, depth_checked=True)

    def to_dict(self) -> dict[str, Any]:
        """Everything, unmasked, in Stripe's JSON shape (``extra`` merged back in)."""
        result: dict[str, Any] = converter().unstructure(self)
        return result

    @classmethod
    def create(
        cls,
        client: Client,
        params: SessionCreateParams | Mapping[str, Any],
        *,
        stripe_account: str | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Create a portal session (``POST /v1/billing_portal/sessions``).

        ``params`` is a mapping as in Stripe's docs, e.g.
        ``{"customer": "cus_123", "return_url": "https://example.com/account"}``;
        :class:`FlowData` and the other flow models may stand in for dicts.
        Params and the per-call options are checked before any request is sent
        (:class:`~lattice_core.errors.InvalidParamsError`; ``stripe_account``
        must be an ``acct_`` id). Stripe's refusals raise the matching
        :class:`~lattice_core.errors.StripeError`, and so does a 2xx body that
        is not a session (``APIError``, keeping status and request id). An
        ``AsyncClient`` here is a ``ConfigurationError``: use :meth:`create_async`.
        ``stripe_account`` overrides the client's for this call; a missing
        ``idempotency_key`` is generated, and kept the same across retries.
        """
        return client.send(cls._call(client, params, stripe_account, idempotency_key, False))

    @classmethod
    async def create_async(
        cls,
        client: AsyncClient,
        params: SessionCreateParams | Mapping[str, Any],
        *,
        stripe_account: str | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """:meth:`create` for an :class:`~lattice_core.AsyncClient`: same checks, same result."""
        call = cls._call(client, params, stripe_account, idempotency_key, True)
        return await client.send(call)

    @classmethod
    def _call(
        cls,
        client: Client | AsyncClient,
        params: SessionCreateParams | Mapping[str, Any],
        stripe_account: str | None,
        idempotency_key: str | None,
        want_async: bool,
    ) -> Call[Session]:
        """The checked, prepared create call for ``client`` (of the kind ``want_async`` says)."""
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

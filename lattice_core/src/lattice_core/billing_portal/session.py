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
import cattrs

from ..converters import IdOrObject, converter
from ..errors import APIError
from .flows import AfterExpiration, FlowData, _masked, _masked_extra
from .rules import BUILTIN_FLOW_TYPES
from .validation import validate_create_params

if TYPE_CHECKING:
    from ..client import AsyncClient, Client
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
        return None if data is None else cls._decode(data)

    @classmethod
    def _decode(cls, data: Mapping[str, Any]) -> Session:
        try:
            return converter().structure(data, cls)
        except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
            where = (
                "; ".join(cattrs.transform_error(exc))
                if isinstance(exc, cattrs.BaseValidationError)
                else type(exc).__name__
            )
            raise APIError(
                f"could not decode a {cls.OBJECT_NAME} from Stripe's answer: {where}"
            ) from exc

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
        Params are checked before any request is sent
        (:class:`~lattice_core.errors.InvalidParamsError`); Stripe's refusals
        raise the matching :class:`~lattice_core.errors.StripeError`.
        ``stripe_account`` overrides the client's for this call; a missing
        ``idempotency_key`` is generated, and kept the same across retries.
        """
        checked = cls._checked(client, params)
        options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
        return cls._decode(client.request("POST", cls.PATH, checked, **options))

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
        checked = cls._checked(client, params)
        options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
        return cls._decode(await client.request("POST", cls.PATH, checked, **options))

    @staticmethod
    def _checked(
        client: Client | AsyncClient, params: SessionCreateParams | Mapping[str, Any]
    ) -> dict[str, Any]:
        return validate_create_params(params, BUILTIN_FLOW_TYPES + client.hooks.flow_types)
